/* cmd_files.c -- taawunctl import and export: CSV files of cooperatives,
 * members and grants sent to and fetched from the admin API. */
#include "ctl/commands.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    if (a->json)
        print_json(o);
    else
        printf("%s%s: %lld rows: %lld created, %lld updated, %lld unchanged, %lld notified\n",
               c->dry_run ? "dry run, nothing written; " : "", c->args[1],
               (long long)json_integer_value(json_object_get(o, "rows")),
               (long long)json_integer_value(json_object_get(o, "created")),
               (long long)json_integer_value(json_object_get(o, "updated")),
               (long long)json_integer_value(json_object_get(o, "unchanged")),
               (long long)json_integer_value(json_object_get(o, "notified")));
    json_decref(o);
    return 0;
}

/* The query of an export: ?sep= and ?format= from --sep, --format. */
static void export_query(const struct cmdline *c, char *q, size_t qsz)
{
    api_query_add(q, qsz, "sep", cmdline_opt(c, "sep"));
    api_query_add(q, qsz, "format", cmdline_opt(c, "format"));
    api_query_add(q, qsz, "lang", cmdline_opt(c, "lang"));
}

int api_download(const struct api *a, const char *path, const struct cmdline *c)
{
    char url[CTL_URL_MAX];
    snprintf(url, sizeof url, "%s/api/v1%s", a->base, path);
    export_query(c, url, sizeof url);
    const char *out = cmdline_opt(c, "output");
    if (!out && cmdline_opt(c, "format") && strcmp(cmdline_opt(c, "format"), "xlsx") == 0 &&
        isatty(STDOUT_FILENO)) {
        fprintf(stderr, "taawunctl: a workbook is no text for a terminal: use -o FILE.xlsx\n");
        return CTL_EXIT_USAGE;
    }
    FILE *f = out ? fopen(out, "wb") : stdout;
    if (!f) {
        fprintf(stderr, "taawunctl: cannot write %s\n", out);
        return CTL_EXIT_USAGE;
    }
    /* Written as it arrives: an export of a million members never sits in
     * memory here either. */
    struct client_response r;
    int rc = client_download(url, a->token, f, &r);
    if (rc != 0 && r.status == 0 && !r.error[0])
        snprintf(r.error, sizeof r.error, "the download stopped");
    if (rc != 0) {
        fprintf(stderr, "taawunctl: %s: %s\n", a->base, r.error);
        rc = CTL_EXIT_CONNECT;
    } else if (r.status < 200 || r.status >= 300) {
        rc = api_error(&r);
    }
    client_response_free(&r);
    if (f != stdout && fclose(f) != 0 && rc == 0) {
        fprintf(stderr, "taawunctl: cannot write %s\n", out);
        rc = CTL_EXIT_USAGE;
    }
    if (rc != 0 && out)
        remove(out); /* no half file that looks whole */
    return rc;
}

int cmd_export(const struct api *a, const struct cmdline *c)
{
    if (c->nargs != 2)
        return cmdline_usage("export KIND [-o FILE] [--sep ';'|,|tab] [--format xlsx]");
    char path[96];
    snprintf(path, sizeof path, "/export/%s", c->args[1]);
    return api_download(a, path, c);
}
