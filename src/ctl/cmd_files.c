/* cmd_files.c -- taawunctl import and export: CSV files of cooperatives,
 * members and grants sent to and fetched from the admin API. */
#include "ctl/commands.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/print.h"

#define FILE_MAX (64u * 1024 * 1024) /* bytes of a file to import */

/* The whole of path ("-": stdin), NUL-terminated, *len bytes; NULL when it
 * cannot be read or is over FILE_MAX. The caller frees. */
static char *cmd_read_file(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n + 65536 + 1 > cap) {
            cap = cap ? cap * 2 : 131072;
            if (cap > FILE_MAX + 65536 + 1) {
                free(buf);
                buf = NULL;
                break;
            }
            char *b = realloc(buf, cap);
            if (!b) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = b;
        }
        size_t r = fread(buf + n, 1, cap - n - 1, f);
        n += r;
        if (r == 0)
            break;
    }
    if (f != stdin)
        fclose(f);
    if (buf) {
        buf[n] = '\0';
        *len = n;
    }
    return buf;
}

/* An import's report o for a person; ctx is the command line. */
static void import_print(json_t *o, const void *ctx)
{
    const struct cmdline *c = ctx;
    printf("%s%s: %lld rows: %lld created, %lld updated, %lld unchanged, %lld notified\n",
           c->dry_run ? "dry run, nothing written; " : "", c->args[1],
           (long long)json_integer_value(json_object_get(o, "rows")),
           (long long)json_integer_value(json_object_get(o, "created")),
           (long long)json_integer_value(json_object_get(o, "updated")),
           (long long)json_integer_value(json_object_get(o, "unchanged")),
           (long long)json_integer_value(json_object_get(o, "notified")));
}

int cmd_import(const struct api *a, const struct cmdline *c)
{
    if (c->nargs != 3)
        return cmdline_usage("import KIND FILE [--dry-run]");
    size_t len = 0;
    char *data = cmd_read_file(c->args[2], &len);
    if (!data) {
        fprintf(stderr, "taawunctl: cannot read %s\n", c->args[2]);
        return CTL_EXIT_USAGE;
    }
    char url[CTL_URL_MAX];
    snprintf(url, sizeof url, "%s/api/v1/import/%s%s", a->base, c->args[1],
             c->dry_run ? "?dry_run=1" : "");
    struct client_response r;
    int rc = client_request("POST", url, a->token, "text/csv", data, len, &r);
    free(data);
    if (rc != 0) {
        fprintf(stderr, "taawunctl: cannot reach %s: %s\n", a->base, r.error);
        client_response_free(&r);
        return CTL_EXIT_CONNECT;
    }
    if (r.status != 200) {
        if (a->json && r.body)
            puts(r.body);
        rc = api_error(&r);
        client_response_free(&r);
        return rc;
    }
    json_t *o = json_loads(r.body ? r.body : "{}", 0, NULL);
    client_response_free(&r);
    return api_print_with(a, o, import_print, c);
}

int cmd_export(const struct api *a, const struct cmdline *c)
{
    if (c->nargs != 2)
        return cmdline_usage("export KIND [-o FILE] [--sep ';'|,|tab] [--format xlsx]");
    char path[96];
    snprintf(path, sizeof path, "/export/%s", c->args[1]);
    return api_download(a, path, c);
}
