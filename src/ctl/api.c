/* api.c -- taawunctl's calls to the admin API: token, JSON calls, errors,
 * listings, downloads. */
#include "ctl/api.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl/print.h"

int api_read_token(const struct cmdline *c, char *out, size_t outsz)
{
    const char *file = cmdline_opt(c, "token-file");
    if (!file) {
        const char *env = getenv("TAAWUN_TOKEN");
        if (!env || !*env) {
            fprintf(stderr, "taawunctl: no token: set TAAWUN_TOKEN or use --token-file FILE\n");
            return CTL_EXIT_USAGE;
        }
        snprintf(out, outsz, "%s", env);
        return 0;
    }
    struct stat sb;
    if (stat(file, &sb) != 0) {
        fprintf(stderr, "taawunctl: cannot read %s: %s\n", file, strerror(errno));
        return CTL_EXIT_USAGE;
    }
    if (sb.st_mode & 077) {
        fprintf(stderr, "taawunctl: %s is readable by group or others (mode %03o): chmod 600 it\n",
                file, (unsigned)(sb.st_mode & 0777));
        return CTL_EXIT_USAGE;
    }
    FILE *f = fopen(file, "r");
    if (!f) {
        fprintf(stderr, "taawunctl: cannot read %s: %s\n", file, strerror(errno));
        return CTL_EXIT_USAGE;
    }
    size_t n = fread(out, 1, outsz - 1, f);
    fclose(f);
    out[n] = '\0';
    while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r' || out[n - 1] == ' '))
        out[--n] = '\0';
    if (!n) {
        fprintf(stderr, "taawunctl: %s is empty\n", file);
        return CTL_EXIT_USAGE;
    }
    return 0;
}

/* Print the API's error; returns CTL_EXIT_API. */
int api_error(const struct client_response *r)
{
    json_error_t e;
    json_t *o = r->body ? json_loads(r->body, 0, &e) : NULL;
    json_t *err = json_object_get(o, "error");
    const char *msg = json_string_value(json_object_get(err, "message"));
    const char *field = json_string_value(json_object_get(err, "field"));
    fprintf(stderr, "error: %s%s%s%s (HTTP %ld)\n", msg ? msg : "the API refused the request",
            field ? " [field: " : "", field ? field : "", field ? "]" : "", r->status);
    json_t *report = json_object_get(o, "report");
    json_t *errors = json_object_get(report, "errors");
    size_t i;
    json_t *x;
    json_array_foreach(errors, i, x)
    {
        fprintf(stderr, "  line %lld, %s: %s\n",
                (long long)json_integer_value(json_object_get(x, "line")),
                json_string_value(json_object_get(x, "column")),
                json_string_value(json_object_get(x, "reason")));
    }
    json_decref(o);
    return CTL_EXIT_API;
}

static bool zone_tried;

void api_learn_zone(const struct api *a)
{
    if (zone_tried)
        return;
    zone_tried = true;
    json_t *p = NULL;
    if (api_call(a, "GET", "/programme", NULL, &p) == 0)
        print_set_zone(json_string_value(json_object_get(p, "timezone")));
    json_decref(p);
}

/* A JSON call: *out gets the answer (caller decrefs) on 2xx. Returns 0 or
 * an exit code (error printed). */
int api_call(const struct api *a, const char *method, const char *path, json_t *body, json_t **out)
{
    char url[CTL_URL_MAX];
    snprintf(url, sizeof url, "%s/api/v1%s", a->base, path);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    struct client_response r;
    int rc = client_request(method, url, a->token, "application/json", text,
                            text ? strlen(text) : 0, &r);
    free(text);
    if (rc != 0) {
        fprintf(stderr, "taawunctl: cannot reach %s: %s\n", a->base, r.error);
        client_response_free(&r);
        return CTL_EXIT_CONNECT;
    }
    if (r.status < 200 || r.status >= 300) {
        rc = a->quiet ? CTL_EXIT_API : api_error(&r);
        client_response_free(&r);
        return rc;
    }
    json_error_t e;
    *out = r.body ? json_loads(r.body, 0, &e) : json_object();
    client_response_free(&r);
    if (!*out) {
        fprintf(stderr, "taawunctl: the API's answer is not JSON\n");
        return CTL_EXIT_API;
    }
    /* For a person (not --json), once per run: the programme's time zone,
     * to name it beside the programme-time strings printed. */
    if (!a->json && strcmp(path, "/programme") != 0)
        api_learn_zone(a);
    return 0;
}

int api_print_with(const struct api *a, json_t *o, api_printer *print, const void *ctx)
{
    if (a->json)
        print_json(o);
    else
        print(o, ctx);
    json_decref(o);
    return 0;
}

void api_fields_print(json_t *o, const void *ctx)
{
    const struct api_fields *f = ctx;
    print_fields(o, f->keys, f->n);
}

int api_call_print(const struct api *a, const char *method, const char *path, json_t *body,
                   api_printer *print, const void *ctx)
{
    json_t *o = NULL;
    int rc = api_call(a, method, path, body, &o);
    json_decref(body);
    return rc ? rc : api_print_with(a, o, print, ctx);
}

int api_download(const struct api *a, const char *path, const struct cmdline *c)
{
    char url[CTL_URL_MAX];
    snprintf(url, sizeof url, "%s/api/v1%s", a->base, path);
    api_query_add(url, sizeof url, "sep", cmdline_opt(c, "sep"));
    api_query_add(url, sizeof url, "format", cmdline_opt(c, "format"));
    api_query_add(url, sizeof url, "lang", cmdline_opt(c, "lang"));
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

/* Call, then print JSON or a table of "items" with cols. */
int api_list(const struct api *a, const char *path, const char *const *cols, size_t ncols)
{
    return api_list_with(a, path, cols, ncols, NULL);
}

struct items {
    const char *const *cols;
    size_t ncols;
    void (*prepare)(json_t *item);
};

/* A listing's "items" as a table, and how many there are in all when
 * that is more. */
static void items_print(json_t *o, const void *ctx)
{
    const struct items *t = ctx;
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(o, "items"), i, item)
    {
        if (t->prepare)
            t->prepare(item);
    }
    print_table(json_object_get(o, "items"), t->cols, t->ncols);
    json_t *total = json_object_get(o, "total");
    if (json_is_integer(total) &&
        (size_t)json_integer_value(total) > json_array_size(json_object_get(o, "items")))
        printf("(%lld in all; use --limit)\n", (long long)json_integer_value(total));
}

int api_list_with(const struct api *a, const char *path, const char *const *cols, size_t ncols,
                  void (*prepare)(json_t *item))
{
    return api_call_print(a, "GET", path, NULL, items_print, &(struct items){cols, ncols, prepare});
}

/* Append "&name=value" (escaped) to a query being built. */
void api_query_add(char *q, size_t qsz, const char *name, const char *value)
{
    if (!value)
        return;
    char *e = client_escape(value);
    if (!e)
        return;
    size_t len = strlen(q);
    snprintf(q + len, qsz - len, "%c%s=%s", strchr(q, '?') ? '&' : '?', name, e);
    free(e);
}

int api_first_id(const struct api *a, const char *path, const char *name, const char *value,
                 const char *none, char *id, size_t idsz)
{
    char q[CTL_URL_MAX];
    snprintf(q, sizeof q, "%s", path);
    api_query_add(q, sizeof q, name, value);
    json_t *o = NULL;
    int rc = api_call(a, "GET", q, NULL, &o);
    if (rc)
        return rc;
    json_t *item = json_array_get(json_object_get(o, "items"), 0);
    if (item)
        snprintf(id, idsz, "%lld", (long long)json_integer_value(json_object_get(item, "id")));
    else
        fprintf(stderr, "error: %s %s\n", none, value);
    json_decref(o);
    return item ? 0 : CTL_EXIT_API;
}

bool api_is_id(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n < 19 && strspn(s, "0123456789") == n;
}

int api_id_by_field(const struct api *a, const char *path, const char *field, const char *value,
                    const char *none, char *id, size_t idsz)
{
    json_t *o = NULL;
    int rc = api_call(a, "GET", path, NULL, &o);
    if (rc)
        return rc;
    id[0] = '\0';
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(o, "items"), i, item)
    {
        const char *text = json_string_value(json_object_get(item, field));
        if (text && strcmp(text, value) == 0)
            snprintf(id, idsz, "%lld", (long long)json_integer_value(json_object_get(item, "id")));
    }
    json_decref(o);
    if (!id[0] && api_is_id(value))
        snprintf(id, idsz, "%s", value);
    if (id[0])
        return 0;
    fprintf(stderr, "error: %s %s\n", none, value);
    return CTL_EXIT_API;
}
