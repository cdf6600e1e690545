/* replay.c -- a main() for libFuzzer targets built without libFuzzer: feeds
 * every regular file of a corpus directory, in name order, to
 * LLVMFuzzerTestOneInput, so make test replays the saved inputs. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Join dir and name into a new string; NULL when out of memory. */
static char *replay_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + 1 + strlen(name) + 1;
    char *path = malloc(n);
    if (path != NULL)
        snprintf(path, n, "%s/%s", dir, name);
    return path;
}

/* Read the whole of path into a new buffer (*size bytes); NULL on error. */
static uint8_t *replay_read(const char *path, size_t *size)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return NULL;
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);
    while (buf != NULL) {
        len += fread(buf + len, 1, cap - len, fp);
        if (len < cap)
            break;
        uint8_t *bigger = realloc(buf, cap * 2);
        if (bigger == NULL) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    if (buf != NULL && ferror(fp)) {
        free(buf);
        buf = NULL;
    }
    fclose(fp);
    *size = len;
    return buf;
}

/* Names of the regular files in dir, sorted; *count of them. NULL with
 * *count 0 when dir cannot be read. */
static char **replay_list(const char *dir, size_t *count)
{
    *count = 0;
    DIR *d = opendir(dir);
    if (d == NULL)
        return NULL;
    size_t cap = 64, n = 0;
    char **names = malloc(cap * sizeof(*names));
    if (names == NULL) {
        fprintf(stderr, "replay: out of memory\n");
        exit(2);
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char *path = replay_join(dir, e->d_name);
        struct stat st;
        int regular = path != NULL && stat(path, &st) == 0 && S_ISREG(st.st_mode);
        free(path);
        if (!regular)
            continue;
        if (n == cap) {
            char **bigger = realloc(names, cap * 2 * sizeof(*names));
            if (bigger == NULL)
                break;
            names = bigger;
            cap *= 2;
        }
        names[n] = strdup(e->d_name);
        if (names[n] == NULL)
            break;
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof(*names), replay_compare_names);
    *count = n;
    return names;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];
    size_t count;
    errno = 0;
    char **names = replay_list(dir, &count);
    if (names == NULL) {
        fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno != 0 ? errno : ENOENT));
        return 2;
    }
    if (count == 0) {
        fprintf(stderr, "replay: %s: no inputs\n", dir);
        free(names);
        return 1;
    }
    for (size_t i = 0; i < count; i++) {
        char *path = replay_join(dir, names[i]);
        size_t size = 0;
        uint8_t *data = path != NULL ? replay_read(path, &size) : NULL;
        if (data == NULL) {
            fprintf(stderr, "replay: cannot read %s/%s\n", dir, names[i]);
            return 2;
        }
        /* Give the target exactly size bytes, as libFuzzer does. */
        uint8_t *exact = malloc(size != 0 ? size : 1);
        if (exact == NULL) {
            fprintf(stderr, "replay: out of memory\n");
            return 2;
        }
        memcpy(exact, data, size);
        LLVMFuzzerTestOneInput(exact, size);
        free(exact);
        free(data);
        free(path);
        free(names[i]);
    }
    free(names);
    printf("%zu inputs\n", count);
    return 0;
}
