/* taawunctl.c -- the command-line client of taawun's admin API: imports and
 * exports, grants, events, broadcasts, messages, stats and tokens as human
 * tables (or --json for scripts), plus `ussd` and `sms` to play a member's
 * journey against the sandbox channel's public webhooks.
 *
 * Exit codes: 0 ok, 1 the API answered an error, 2 usage (or a token file
 * readable by others), 3 no connection. */
#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctl/client.h"

#define EXIT_API 1
#define EXIT_USAGE 2
#define EXIT_CONNECT 3

#define DEFAULT_URL "http://127.0.0.1:8081"
#define DEFAULT_PUBLIC_URL "http://127.0.0.1:8080"
#define DEFAULT_CHANNEL "sandbox"
#define DEFAULT_SERVICE_CODE "*384*123#"
#define ARGS_MAX 64
#define OPTS_MAX 64
#define URL_MAX 2048
#define TOKEN_MAX 256
#define FILE_MAX (64u * 1024 * 1024)
#define USSD_INPUT_MAX 182
#define USSD_TEXT_MAX 4096
#define USSD_STEPS_MAX 200
#define CELL_MAX 48 /* characters of a table cell */

static const char usage_text[] =
    "usage: taawunctl [--url URL] [--token-file FILE] [--json] COMMAND ...\n"
    "  import cooperatives|members|grants FILE [--dry-run]\n"
    "  export cooperatives|members|grants [-o FILE]\n"
    "  grants list [--status S] [--limit N]\n"
    "  grants status REFERENCE STATUS [--note TEXT] [--note-ar|--note-fr|--note-en TEXT]\n"
    "  events list | events cancel ID\n"
    "  events create --code C --kind K --starts-at YYYY-MM-DDTHH:MM --place P\n"
    "                [--title-ar|--title-fr|--title-en T] [--province P] [--capacity N]\n"
    "  broadcasts list\n"
    "  broadcasts create --name N --text-ar T [--text-fr T] [--text-en T] [--topic T]\n"
    "                [--channel C] [--province P] [--sector S] [--cooperative CODE]\n"
    "                [--gender f|m] [--age-band B] [--event ID] [--phone P]  (repeatable)\n"
    "  broadcasts preview|send|status|cancel ID\n"
    "  broadcasts schedule ID YYYY-MM-DDTHH:MM   (programme time)\n"
    "  messages [--status S] [--phone P] [--broadcast ID] [--kind K] [--limit N]\n"
    "  stats\n"
    "  tokens list | tokens create NAME --role admin|staff|viewer | tokens revoke ID\n"
    "  ussd PHONE [--url PUBLIC_URL] [--channel C] [--code *384*123#]\n"
    "  sms PHONE TEXT [--url PUBLIC_URL] [--channel C]\n"
    "The token comes from TAAWUN_TOKEN or --token-file (mode 0600). --url defaults to\n" DEFAULT_URL
    " (the admin API), " DEFAULT_PUBLIC_URL " for ussd and sms.\n";

/* ---------------------------------------------------------------- options */

struct opt {
    const char *name; /* without "--" */
    const char *value;
};

struct cmdline {
    const char *args[ARGS_MAX];
    size_t nargs;
    struct opt opts[OPTS_MAX];
    size_t nopts;
    bool json;
    bool dry_run;
};

static int usage(const char *why)
{
    if (why)
        fprintf(stderr, "taawunctl: %s\n", why);
    fputs(usage_text, stderr);
    return EXIT_USAGE;
}

static const char *opt_get(const struct cmdline *c, const char *name)
{
    for (size_t i = 0; i < c->nopts; i++)
        if (strcmp(c->opts[i].name, name) == 0)
            return c->opts[i].value;
    return NULL;
}

static int parse_cmdline(int argc, char **argv, struct cmdline *c)
{
    memset(c, 0, sizeof *c);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0) {
            c->json = true;
        } else if (strcmp(a, "--dry-run") == 0) {
            c->dry_run = true;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            return -2;
        } else if ((a[0] == '-' && a[1] == '-' && a[2]) || strcmp(a, "-o") == 0) {
            const char *name = a[1] == '-' ? a + 2 : "output";
            const char *eq = strchr(name, '=');
            if (c->nopts >= OPTS_MAX)
                return -1;
            if (eq) {
                static char names[OPTS_MAX][32];
                size_t k = c->nopts++;
                snprintf(names[k], sizeof names[0], "%.*s", (int)(eq - name), name);
                c->opts[k] = (struct opt){names[k], eq + 1};
            } else {
                if (i + 1 >= argc)
                    return -1;
                c->opts[c->nopts++] = (struct opt){name, argv[++i]};
            }
        } else {
            if (c->nargs >= ARGS_MAX)
                return -1;
            c->args[c->nargs++] = a;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ token */

static int read_token(const struct cmdline *c, char *out, size_t outsz)
{
    const char *file = opt_get(c, "token-file");
    if (!file) {
        const char *env = getenv("TAAWUN_TOKEN");
        if (!env || !*env) {
            fprintf(stderr, "taawunctl: no token: set TAAWUN_TOKEN or use --token-file FILE\n");
            return EXIT_USAGE;
        }
        snprintf(out, outsz, "%s", env);
        return 0;
    }
    struct stat sb;
    if (stat(file, &sb) != 0) {
        fprintf(stderr, "taawunctl: cannot read %s: %s\n", file, strerror(errno));
        return EXIT_USAGE;
    }
    if (sb.st_mode & 077) {
        fprintf(stderr, "taawunctl: %s is readable by group or others (mode %03o): chmod 600 it\n",
                file, (unsigned)(sb.st_mode & 0777));
        return EXIT_USAGE;
    }
    FILE *f = fopen(file, "r");
    if (!f) {
        fprintf(stderr, "taawunctl: cannot read %s: %s\n", file, strerror(errno));
        return EXIT_USAGE;
    }
    size_t n = fread(out, 1, outsz - 1, f);
    fclose(f);
    out[n] = '\0';
    while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r' || out[n - 1] == ' '))
        out[--n] = '\0';
    if (!n) {
        fprintf(stderr, "taawunctl: %s is empty\n", file);
        return EXIT_USAGE;
    }
    return 0;
}

/* ------------------------------------------------------------------- API */

struct api {
    const char *base;
    char token[TOKEN_MAX];
    bool json;
};

/* Print the API's error; returns EXIT_API. */
static int api_error(const struct client_response *r)
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
    return EXIT_API;
}

/* A JSON call: *out gets the answer (caller decrefs) on 2xx. Returns 0 or
 * an exit code (error printed). */
static int api_call(const struct api *a, const char *method, const char *path, json_t *body,
                    json_t **out)
{
    char url[URL_MAX];
    snprintf(url, sizeof url, "%s/api/v1%s", a->base, path);
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    struct client_response r;
    int rc = client_request(method, url, a->token, "application/json", text,
                            text ? strlen(text) : 0, &r);
    free(text);
    if (rc != 0) {
        fprintf(stderr, "taawunctl: cannot reach %s: %s\n", a->base, r.error);
        client_response_free(&r);
        return EXIT_CONNECT;
    }
    if (r.status < 200 || r.status >= 300) {
        rc = api_error(&r);
        client_response_free(&r);
        return rc;
    }
    json_error_t e;
    *out = r.body ? json_loads(r.body, 0, &e) : json_object();
    client_response_free(&r);
    if (!*out) {
        fprintf(stderr, "taawunctl: the API's answer is not JSON\n");
        return EXIT_API;
    }
    return 0;
}

/* ---------------------------------------------------------------- output */

static void print_json(json_t *o)
{
    char *s = json_dumps(o, JSON_INDENT(2));
    if (s)
        puts(s);
    free(s);
}

static void format_time(json_int_t t, char *out, size_t outsz)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!t || !localtime_r(&tt, &tm))
        snprintf(out, outsz, "-");
    else
        strftime(out, outsz, "%Y-%m-%d %H:%M", &tm);
}

/* A cell's text (times formatted when the key ends in _at). */
static void cell_text(const char *key, json_t *v, char *out, size_t outsz)
{
    size_t kl = strlen(key);
    if (json_is_integer(v) && kl > 3 && strcmp(key + kl - 3, "_at") == 0)
        format_time(json_integer_value(v), out, outsz);
    else if (json_is_string(v))
        snprintf(out, outsz, "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(out, outsz, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        snprintf(out, outsz, "%.2f", json_real_value(v));
    else if (json_is_true(v))
        snprintf(out, outsz, "yes");
    else if (json_is_false(v))
        snprintf(out, outsz, "no");
    else
        snprintf(out, outsz, "-");
    for (char *p = out; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
}

/* Display width in code points, and a cut at max of them. */
static size_t utf8_width(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static void utf8_cut(char *s, size_t max)
{
    size_t n = 0;
    for (char *p = s; *p; p++) {
        if (((unsigned char)*p & 0xC0) != 0x80 && n++ == max) {
            *p = '\0';
            return;
        }
    }
}

static void print_table(json_t *items, const char *const *cols, size_t ncols)
{
    size_t width[16] = {0};
    size_t nrows = json_array_size(items);
    for (size_t c = 0; c < ncols; c++)
        width[c] = strlen(cols[c]);
    char cell[1024];
    for (size_t r = 0; r < nrows; r++)
        for (size_t c = 0; c < ncols; c++) {
            cell_text(cols[c], json_object_get(json_array_get(items, r), cols[c]), cell,
                      sizeof cell);
            utf8_cut(cell, CELL_MAX);
            size_t w = utf8_width(cell);
            if (w > width[c])
                width[c] = w;
        }
    for (size_t c = 0; c < ncols; c++)
        printf("%s%-*s", c ? "  " : "", (int)width[c], cols[c]);
    putchar('\n');
    for (size_t r = 0; r < nrows; r++) {
        for (size_t c = 0; c < ncols; c++) {
            cell_text(cols[c], json_object_get(json_array_get(items, r), cols[c]), cell,
                      sizeof cell);
            utf8_cut(cell, CELL_MAX);
            size_t pad = width[c] - utf8_width(cell);
            printf("%s%s%*s", c ? "  " : "", cell, (int)(c + 1 < ncols ? pad : 0), "");
        }
        putchar('\n');
    }
}

static void print_fields(json_t *o, const char *const *keys, size_t n)
{
    char cell[2048];
    for (size_t i = 0; i < n; i++) {
        cell_text(keys[i], json_object_get(o, keys[i]), cell, sizeof cell);
        printf("%-20s %s\n", keys[i], cell);
    }
}

/* Call, then print JSON or a table of "items" with cols. */
static int list_call(const struct api *a, const char *path, const char *const *cols, size_t ncols)
{
    json_t *o = NULL;
    int rc = api_call(a, "GET", path, NULL, &o);
    if (rc)
        return rc;
    if (a->json) {
        print_json(o);
    } else {
        print_table(json_object_get(o, "items"), cols, ncols);
        json_t *total = json_object_get(o, "total");
        if (json_is_integer(total) &&
            (size_t)json_integer_value(total) > json_array_size(json_object_get(o, "items")))
            printf("(%lld in all; use --limit)\n", (long long)json_integer_value(total));
    }
    json_decref(o);
    return 0;
}

/* Append "&name=value" (escaped) to a query being built. */
static void query_add(char *q, size_t qsz, const char *name, const char *value)
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

/* ---------------------------------------------------------------- commands */

static char *read_file(const char *path, size_t *len)
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

static int cmd_import(const struct api *a, const struct cmdline *c)
{
    if (c->nargs != 3)
        return usage("import KIND FILE [--dry-run]");
    size_t len = 0;
    char *data = read_file(c->args[2], &len);
    if (!data) {
        fprintf(stderr, "taawunctl: cannot read %s\n", c->args[2]);
        return EXIT_USAGE;
    }
    char url[URL_MAX];
    snprintf(url, sizeof url, "%s/api/v1/import/%s%s", a->base, c->args[1],
             c->dry_run ? "?dry_run=1" : "");
    struct client_response r;
    int rc = client_request("POST", url, a->token, "text/csv", data, len, &r);
    free(data);
    if (rc != 0) {
        fprintf(stderr, "taawunctl: cannot reach %s: %s\n", a->base, r.error);
        client_response_free(&r);
        return EXIT_CONNECT;
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

static int cmd_export(const struct api *a, const struct cmdline *c)
{
    if (c->nargs != 2)
        return usage("export KIND [-o FILE]");
    char url[URL_MAX];
    snprintf(url, sizeof url, "%s/api/v1/export/%s", a->base, c->args[1]);
    struct client_response r;
    if (client_request("GET", url, a->token, NULL, NULL, 0, &r) != 0) {
        fprintf(stderr, "taawunctl: cannot reach %s: %s\n", a->base, r.error);
        client_response_free(&r);
        return EXIT_CONNECT;
    }
    if (r.status != 200) {
        int rc = api_error(&r);
        client_response_free(&r);
        return rc;
    }
    const char *path = opt_get(c, "output");
    FILE *f = path ? fopen(path, "wb") : stdout;
    int rc = 0;
    if (!f || fwrite(r.body ? r.body : "", 1, r.len, f) != r.len) {
        fprintf(stderr, "taawunctl: cannot write %s\n", path ? path : "stdout");
        rc = EXIT_USAGE;
    }
    if (f && f != stdout && fclose(f) != 0)
        rc = EXIT_USAGE;
    client_response_free(&r);
    return rc;
}

static int cmd_grants(const struct api *a, const struct cmdline *c)
{
    const char *sub = c->nargs > 1 ? c->args[1] : "list";
    if (strcmp(sub, "list") == 0) {
        static const char *const cols[] = {"id",         "reference", "member_name", "programme",
                                           "amount_mad", "status",    "updated_at"};
        char q[URL_MAX] = "/grants";
        query_add(q, sizeof q, "status", opt_get(c, "status"));
        query_add(q, sizeof q, "reference", opt_get(c, "reference"));
        query_add(q, sizeof q, "limit", opt_get(c, "limit"));
        return list_call(a, q, cols, 7);
    }
    if (strcmp(sub, "status") != 0 || c->nargs != 4)
        return usage("grants list | grants status REFERENCE STATUS [--note TEXT]");
    char q[URL_MAX] = "/grants";
    query_add(q, sizeof q, "reference", c->args[2]);
    json_t *found = NULL;
    int rc = api_call(a, "GET", q, NULL, &found);
    if (rc)
        return rc;
    json_t *g = json_array_get(json_object_get(found, "items"), 0);
    if (!g) {
        json_decref(found);
        fprintf(stderr, "error: no grant has the reference %s\n", c->args[2]);
        return EXIT_API;
    }
    char path[64];
    snprintf(path, sizeof path, "/grants/%lld/status",
             (long long)json_integer_value(json_object_get(g, "id")));
    json_decref(found);
    json_t *body = json_pack("{s:s}", "status", c->args[3]);
    static const char *const notes[] = {"note", "note_ar", "note_fr", "note_en"};
    static const char *const flags[] = {"note", "note-ar", "note-fr", "note-en"};
    for (size_t i = 0; i < 4; i++)
        if (opt_get(c, flags[i]))
            json_object_set_new(body, notes[i], json_string(opt_get(c, flags[i])));
    json_t *o = NULL;
    rc = api_call(a, "POST", path, body, &o);
    json_decref(body);
    if (rc)
        return rc;
    if (a->json) {
        print_json(o);
    } else {
        static const char *const keys[] = {"reference", "status", "notification_message_id"};
        print_fields(o, keys, 3);
    }
    json_decref(o);
    return 0;
}

static int cmd_events(const struct api *a, const struct cmdline *c)
{
    const char *sub = c->nargs > 1 ? c->args[1] : "list";
    if (strcmp(sub, "list") == 0) {
        static const char *const cols[] = {"id",        "code",  "kind",  "title_fr",
                                           "starts_at", "place", "rsvps", "status"};
        char q[URL_MAX] = "/events";
        query_add(q, sizeof q, "status", opt_get(c, "status"));
        query_add(q, sizeof q, "limit", opt_get(c, "limit"));
        return list_call(a, q, cols, 8);
    }
    json_t *o = NULL;
    int rc;
    if (strcmp(sub, "cancel") == 0 && c->nargs == 3) {
        char path[96];
        snprintf(path, sizeof path, "/events/%s/cancel", c->args[2]);
        rc = api_call(a, "POST", path, NULL, &o);
    } else if (strcmp(sub, "create") == 0 && c->nargs == 2) {
        json_t *body = json_object();
        static const char *const flags[] = {
            "code",     "kind",      "title-ar",       "title-fr",       "title-en",      "place",
            "province", "starts-at", "description-ar", "description-fr", "description-en"};
        for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
            const char *v = opt_get(c, flags[i]);
            char key[32];
            snprintf(key, sizeof key, "%s", flags[i]);
            for (char *p = key; *p; p++)
                if (*p == '-')
                    *p = '_';
            if (v)
                json_object_set_new(body, key, json_string(v));
        }
        if (opt_get(c, "capacity"))
            json_object_set_new(body, "capacity",
                                json_integer(strtoll(opt_get(c, "capacity"), NULL, 10)));
        rc = api_call(a, "POST", "/events", body, &o);
        json_decref(body);
    } else {
        return usage("events list | events create ... | events cancel ID");
    }
    if (rc)
        return rc;
    if (a->json) {
        print_json(o);
    } else {
        static const char *const keys[] = {"id",        "code",  "kind",   "title_fr",
                                           "starts_at", "place", "status", "notices_queued"};
        print_fields(o, keys, json_object_get(o, "notices_queued") ? 8 : 7);
    }
    json_decref(o);
    return 0;
}

static void add_list(json_t *aud, const char *key, const struct cmdline *c, const char *flag,
                     bool integers)
{
    json_t *list = NULL;
    for (size_t i = 0; i < c->nopts; i++) {
        if (strcmp(c->opts[i].name, flag) != 0)
            continue;
        if (!list)
            list = json_array();
        const char *v = c->opts[i].value;
        char *end;
        long long n = strtoll(v, &end, 10);
        json_array_append_new(list, integers && *v && !*end ? json_integer(n) : json_string(v));
    }
    if (list)
        json_object_set_new(aud, key, list);
}

static void print_broadcast(json_t *o)
{
    static const char *const keys[] = {"id",           "name",       "status",
                                       "topic",        "channel",    "recipients",
                                       "scheduled_at", "started_at", "cancelled_at"};
    print_fields(o, keys, 9);
    json_t *p = json_object_get(o, "progress");
    if (p) {
        static const char *const prog[] = {"held",      "queued", "sending",    "sent",
                                           "delivered", "failed", "suppressed", "expired",
                                           "cancelled", "total"};
        printf("progress            ");
        for (size_t i = 0; i < 10; i++)
            printf("%s%s=%lld", i ? " " : "", prog[i],
                   (long long)json_integer_value(json_object_get(p, prog[i])));
        putchar('\n');
    }
}

static void print_preview(json_t *o)
{
    printf("recipients %lld, segments %lld, estimated cost %.2f %s (%.4f per segment on %s)\n",
           (long long)json_integer_value(json_object_get(o, "recipients")),
           (long long)json_integer_value(json_object_get(o, "segments")),
           json_number_value(json_object_get(o, "estimated_cost_mad")),
           json_string_value(json_object_get(o, "currency")),
           json_number_value(json_object_get(o, "price_per_segment_mad")),
           json_string_value(json_object_get(o, "channel")));
    json_t *w = json_object_get(o, "send_window");
    if (w && !json_is_true(json_object_get(w, "open"))) {
        char when[32];
        format_time(json_integer_value(json_object_get(w, "opens_at")), when, sizeof when);
        printf("outside the send window: messages are held until %s\n", when);
    }
    static const char *const cols[] = {"language", "recipients",     "encoding",
                                       "segments", "segments_total", "text"};
    print_table(json_object_get(o, "languages"), cols, 6);
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(o, "languages"), i, l)
    {
        json_t *chars = json_object_get(l, "ucs2_characters");
        if (json_array_size(chars) == 0 ||
            strcmp(json_string_value(json_object_get(l, "text_language")),
                   json_string_value(json_object_get(l, "language"))) != 0)
            continue;
        printf("%s: UCS-2 forced by", json_string_value(json_object_get(l, "language")));
        size_t k;
        json_t *ch;
        json_array_foreach(chars, k, ch)
        {
            if (k >= 12) {
                printf(" ...");
                break;
            }
            printf(" '%s'", json_string_value(ch));
        }
        putchar('\n');
    }
}

static int cmd_broadcasts(const struct api *a, const struct cmdline *c)
{
    const char *sub = c->nargs > 1 ? c->args[1] : "list";
    json_t *o = NULL;
    int rc;
    char path[128];
    if (strcmp(sub, "list") == 0) {
        static const char *const cols[] = {"id",         "name",         "status",
                                           "recipients", "scheduled_at", "started_at"};
        char q[URL_MAX] = "/broadcasts";
        query_add(q, sizeof q, "status", opt_get(c, "status"));
        query_add(q, sizeof q, "limit", opt_get(c, "limit"));
        return list_call(a, q, cols, 6);
    }
    if (strcmp(sub, "create") == 0 && c->nargs == 2) {
        json_t *texts = json_object(), *aud = json_object();
        static const char *const langs[] = {"ar", "fr", "en"};
        for (size_t i = 0; i < 3; i++) {
            char flag[16];
            snprintf(flag, sizeof flag, "text-%s", langs[i]);
            if (opt_get(c, flag))
                json_object_set_new(texts, langs[i], json_string(opt_get(c, flag)));
        }
        add_list(aud, "provinces", c, "province", false);
        add_list(aud, "sectors", c, "sector", false);
        add_list(aud, "cooperatives", c, "cooperative", false);
        add_list(aud, "genders", c, "gender", false);
        add_list(aud, "age_bands", c, "age-band", false);
        add_list(aud, "events", c, "event", true);
        add_list(aud, "phones", c, "phone", false);
        json_t *body = json_pack("{s:s?,s:o,s:o}", "name", opt_get(c, "name"), "texts", texts,
                                 "audience", aud);
        if (opt_get(c, "topic"))
            json_object_set_new(body, "topic",
                                strcmp(opt_get(c, "topic"), "none") == 0
                                    ? json_null()
                                    : json_string(opt_get(c, "topic")));
        if (opt_get(c, "channel"))
            json_object_set_new(body, "channel", json_string(opt_get(c, "channel")));
        rc = api_call(a, "POST", "/broadcasts", body, &o);
        json_decref(body);
    } else if (c->nargs == 3 && (strcmp(sub, "preview") == 0 || strcmp(sub, "send") == 0 ||
                                 strcmp(sub, "cancel") == 0 || strcmp(sub, "status") == 0)) {
        if (strcmp(sub, "status") == 0)
            snprintf(path, sizeof path, "/broadcasts/%s", c->args[2]);
        else
            snprintf(path, sizeof path, "/broadcasts/%s/%s", c->args[2], sub);
        rc = api_call(a, strcmp(sub, "status") == 0 ? "GET" : "POST", path, NULL, &o);
    } else if (strcmp(sub, "schedule") == 0 && c->nargs == 4) {
        snprintf(path, sizeof path, "/broadcasts/%s/schedule", c->args[2]);
        char *end;
        long long at = strtoll(c->args[3], &end, 10);
        json_t *body =
            *end ? json_pack("{s:s}", "at", c->args[3]) : json_pack("{s:I}", "at", (json_int_t)at);
        rc = api_call(a, "POST", path, body, &o);
        json_decref(body);
    } else {
        return usage("broadcasts list|create|preview|send|schedule|status|cancel ...");
    }
    if (rc)
        return rc;
    if (a->json) {
        print_json(o);
    } else if (strcmp(sub, "preview") == 0) {
        print_preview(o);
    } else {
        print_broadcast(o);
        if (json_object_get(o, "messages_written"))
            printf("messages written     %lld%s\n",
                   (long long)json_integer_value(json_object_get(o, "messages_written")),
                   json_is_integer(json_object_get(o, "held_until_window"))
                       ? " (held until the send window opens)"
                       : "");
        if (json_object_get(o, "messages_cancelled"))
            printf("messages cancelled   %lld\n",
                   (long long)json_integer_value(json_object_get(o, "messages_cancelled")));
    }
    json_decref(o);
    return 0;
}

static int cmd_messages(const struct api *a, const struct cmdline *c)
{
    static const char *const cols[] = {"id",   "created_at", "direction", "phone",
                                       "kind", "status",     "segments",  "body"};
    char q[URL_MAX] = "/messages";
    static const char *const filters[][2] = {
        {"status", "status"}, {"phone", "phone"},      {"broadcast", "broadcast_id"},
        {"kind", "kind"},     {"member", "member_id"}, {"channel", "channel"},
        {"limit", "limit"}};
    for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++)
        query_add(q, sizeof q, filters[i][1], opt_get(c, filters[i][0]));
    return list_call(a, q, cols, 8);
}

static void print_counts(const char *title, json_t *v)
{
    printf("%s:", title);
    if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach(v, k, x)
        {
            char cell[64];
            cell_text(k, x, cell, sizeof cell);
            printf(" %s=%s", k, cell);
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x)
        {
            char cell[256];
            json_t *compact = json_deep_copy(x);
            char *s = json_dumps(compact, JSON_COMPACT);
            snprintf(cell, sizeof cell, "%s", s ? s : "");
            free(s);
            json_decref(compact);
            printf("\n  %s", cell);
        }
    }
    putchar('\n');
}

static int cmd_stats(const struct api *a)
{
    json_t *o = NULL;
    int rc = api_call(a, "GET", "/stats", NULL, &o);
    if (rc)
        return rc;
    if (a->json) {
        print_json(o);
    } else {
        const char *k;
        json_t *v;
        json_object_foreach(o, k, v)
        {
            if (json_is_object(v) && json_object_size(v) &&
                json_is_object(json_object_iter_value(json_object_iter(v)))) {
                const char *k2;
                json_t *v2;
                json_object_foreach(v, k2, v2)
                {
                    char title[96];
                    snprintf(title, sizeof title, "%s.%s", k, k2);
                    print_counts(title, v2);
                }
            } else {
                print_counts(k, v);
            }
        }
    }
    json_decref(o);
    return 0;
}

static int cmd_tokens(const struct api *a, const struct cmdline *c)
{
    const char *sub = c->nargs > 1 ? c->args[1] : "list";
    json_t *o = NULL;
    int rc;
    if (strcmp(sub, "list") == 0) {
        static const char *const cols[] = {"id",         "name",         "role",
                                           "created_at", "last_used_at", "revoked_at"};
        return list_call(a, "/tokens", cols, 6);
    }
    if (strcmp(sub, "create") == 0 && c->nargs == 3 && opt_get(c, "role")) {
        json_t *body = json_pack("{s:s,s:s}", "name", c->args[2], "role", opt_get(c, "role"));
        rc = api_call(a, "POST", "/tokens", body, &o);
        json_decref(body);
        if (rc)
            return rc;
        if (a->json) {
            print_json(o);
        } else {
            puts(json_string_value(json_object_get(o, "token")));
            fprintf(stderr, "token %s (%s) created; it is shown only this once\n", c->args[2],
                    opt_get(c, "role"));
        }
        json_decref(o);
        return 0;
    }
    if (strcmp(sub, "revoke") == 0 && c->nargs == 3) {
        char path[96];
        snprintf(path, sizeof path, "/tokens/%s", c->args[2]);
        rc = api_call(a, "DELETE", path, NULL, &o);
        if (rc)
            return rc;
        if (a->json)
            print_json(o);
        else
            printf("token %s revoked\n", json_string_value(json_object_get(o, "name")));
        json_decref(o);
        return 0;
    }
    return usage("tokens list | tokens create NAME --role ROLE | tokens revoke ID");
}

/* ---------------------------------------------------- sandbox: USSD and SMS */

static int form_post(const char *url, const char *form, struct client_response *r)
{
    if (client_request("POST", url, NULL, "application/x-www-form-urlencoded", form, strlen(form),
                       r) != 0) {
        fprintf(stderr, "taawunctl: cannot reach %s: %s\n", url, r->error);
        return EXIT_CONNECT;
    }
    return 0;
}

static void form_add(char *f, size_t fsz, const char *name, const char *value)
{
    char *e = client_escape(value);
    size_t len = strlen(f);
    snprintf(f + len, fsz - len, "%s%s=%s", len ? "&" : "", name, e ? e : "");
    free(e);
}

static int cmd_ussd(const struct cmdline *c)
{
    if (c->nargs != 2)
        return usage("ussd PHONE [--url PUBLIC_URL]");
    const char *base = opt_get(c, "url") ? opt_get(c, "url") : DEFAULT_PUBLIC_URL;
    const char *channel = opt_get(c, "channel") ? opt_get(c, "channel") : DEFAULT_CHANNEL;
    const char *code = opt_get(c, "code") ? opt_get(c, "code") : DEFAULT_SERVICE_CODE;
    char url[URL_MAX], session[64];
    snprintf(url, sizeof url, "%s/hooks/%s/ussd", base, channel);
    unsigned long long rnd = (unsigned long long)time(NULL) ^ ((unsigned long long)getpid() << 20);
    FILE *ur = fopen("/dev/urandom", "rb");
    if (ur) {
        if (fread(&rnd, sizeof rnd, 1, ur) != 1)
            rnd ^= (unsigned long long)clock();
        fclose(ur);
    }
    snprintf(session, sizeof session, "taawunctl-%016llx", rnd);
    char text[USSD_TEXT_MAX] = "";
    bool interactive = isatty(STDIN_FILENO);
    for (int step = 0; step < USSD_STEPS_MAX; step++) {
        char form[USSD_TEXT_MAX * 3 + 512] = "";
        form_add(form, sizeof form, "sessionId", session);
        form_add(form, sizeof form, "serviceCode", code);
        form_add(form, sizeof form, "phoneNumber", c->args[1]);
        form_add(form, sizeof form, "networkCode", "60401");
        form_add(form, sizeof form, "text", text);
        struct client_response r;
        int rc = form_post(url, form, &r);
        if (rc)
            return rc;
        if (r.status != 200 || !r.body || r.len < 4) {
            fprintf(stderr, "error: the USSD webhook answered HTTP %ld: %s\n", r.status,
                    r.body ? r.body : "");
            client_response_free(&r);
            return EXIT_API;
        }
        bool end = strncmp(r.body, "END", 3) == 0;
        printf("%s\n%s\n", r.body + 4, end ? "[session ended]" : "");
        fflush(stdout);
        client_response_free(&r);
        if (end)
            return 0;
        if (interactive) {
            printf("> ");
            fflush(stdout);
        }
        char input[USSD_INPUT_MAX + 2];
        if (!fgets(input, sizeof input, stdin))
            return 0; /* stdin closed: the member hung up */
        input[strcspn(input, "\r\n")] = '\0';
        size_t tl = strlen(text), il = strlen(input);
        if (tl + il + 2 > sizeof text) {
            fprintf(stderr, "taawunctl: the session's input is too long\n");
            return EXIT_USAGE;
        }
        /* Africa's Talking's text: every input of the session joined with '*'. */
        snprintf(text + tl, sizeof text - tl, "%s%s", step > 0 ? "*" : "", input);
    }
    return 0;
}

static int cmd_sms(const struct cmdline *c)
{
    if (c->nargs != 3)
        return usage("sms PHONE TEXT [--url PUBLIC_URL]");
    const char *base = opt_get(c, "url") ? opt_get(c, "url") : DEFAULT_PUBLIC_URL;
    const char *channel = opt_get(c, "channel") ? opt_get(c, "channel") : DEFAULT_CHANNEL;
    char url[URL_MAX], id[64], date[32];
    snprintf(url, sizeof url, "%s/hooks/%s/sms", base, channel);
    snprintf(id, sizeof id, "taawunctl-%lld-%d", (long long)time(NULL), (int)getpid());
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", &tm);
    char form[8192] = "";
    form_add(form, sizeof form, "from", c->args[1]);
    form_add(form, sizeof form, "to", "taawun");
    form_add(form, sizeof form, "text", c->args[2]);
    form_add(form, sizeof form, "id", id);
    form_add(form, sizeof form, "date", date);
    form_add(form, sizeof form, "linkId", id);
    form_add(form, sizeof form, "networkCode", "60401");
    struct client_response r;
    int rc = form_post(url, form, &r);
    if (rc)
        return rc;
    if (r.status != 200) {
        fprintf(stderr, "error: the SMS webhook answered HTTP %ld: %s\n", r.status,
                r.body ? r.body : "");
        client_response_free(&r);
        return EXIT_API;
    }
    printf("delivered to taawun (%s); the answer goes out through the sandbox: see "
           "`taawunctl messages --phone %s`\n",
           id, c->args[1]);
    client_response_free(&r);
    return 0;
}

/* ------------------------------------------------------------------- main */

int main(int argc, char **argv)
{
    struct cmdline c;
    int p = parse_cmdline(argc, argv, &c);
    if (p == -2) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (p != 0 || c.nargs == 0)
        return usage(p != 0 ? "an option lacks its value" : NULL);
    if (client_global_init() != 0) {
        fprintf(stderr, "taawunctl: cannot start libcurl\n");
        return EXIT_CONNECT;
    }
    const char *cmd = c.args[0];
    int rc;
    if (strcmp(cmd, "ussd") == 0) {
        rc = cmd_ussd(&c);
    } else if (strcmp(cmd, "sms") == 0) {
        rc = cmd_sms(&c);
    } else {
        struct api a = {.base = opt_get(&c, "url") ? opt_get(&c, "url") : DEFAULT_URL,
                        .json = c.json};
        static const char *const known[] = {"import",     "export",   "grants", "events",
                                            "broadcasts", "messages", "stats",  "tokens"};
        bool ok = false;
        for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
            ok |= strcmp(cmd, known[i]) == 0;
        if (!ok) {
            client_global_cleanup();
            return usage("unknown command");
        }
        rc = read_token(&c, a.token, sizeof a.token);
        if (rc == 0) {
            if (strcmp(cmd, "import") == 0)
                rc = cmd_import(&a, &c);
            else if (strcmp(cmd, "export") == 0)
                rc = cmd_export(&a, &c);
            else if (strcmp(cmd, "grants") == 0)
                rc = cmd_grants(&a, &c);
            else if (strcmp(cmd, "events") == 0)
                rc = cmd_events(&a, &c);
            else if (strcmp(cmd, "broadcasts") == 0)
                rc = cmd_broadcasts(&a, &c);
            else if (strcmp(cmd, "messages") == 0)
                rc = cmd_messages(&a, &c);
            else if (strcmp(cmd, "stats") == 0)
                rc = cmd_stats(&a);
            else
                rc = cmd_tokens(&a, &c);
        }
        memset(a.token, 0, sizeof a.token);
    }
    client_global_cleanup();
    return rc;
}
