/* json.c -- JSON helpers of the admin API's handlers: rows to JSON,
 * body field validation with the field named in every error, change
 * summaries and their audit rows. */
#include "api/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "channels/channel_ops.h"
#include "core/bidi.h"
#include "core/typography.h"
#include "core/utf8.h"
#include "store/db.h"

static json_t *cell_json(const struct adminq_cell *c)
{
    switch (c->type) {
    case ADMINQ_INT:
        return json_integer(c->i);
    case ADMINQ_REAL:
        return json_real(c->r);
    case ADMINQ_TEXT: {
        json_t *s = json_string(c->s);
        return s ? s : json_null(); /* not UTF-8 (never written by taawun) */
    }
    case ADMINQ_NULL:
        break;
    }
    return json_null();
}

int api_json_local_time(int64_t t, char *out, size_t outsz)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!localtime_r(&tt, &tm) || strftime(out, outsz, "%Y-%m-%dT%H:%M", &tm) == 0)
        return -1;
    return 0;
}

/* A time column: "at" or a name ending in "_at" (unix seconds). */
static bool is_time_name(const char *name, size_t n)
{
    return strcmp(name, "at") == 0 || (n >= 4 && strcmp(name + n - 3, "_at") == 0);
}

/* Beside every time column (a name ending in "_at" holding unix seconds),
 * the same time as the programme's local time, "NAME_local": the console
 * and taawunctl show and send these strings untouched and never rebuild a
 * time from their own zone data. */
static void add_local_time(json_t *o, const char *name, const struct adminq_cell *c)
{
    size_t n = strlen(name);
    char key[96], text[32];
    if (c->type != ADMINQ_INT || n + sizeof "_local" > sizeof key || !is_time_name(name, n) ||
        api_json_local_time(c->i, text, sizeof text) != 0)
        return;
    snprintf(key, sizeof key, "%s_local", name);
    json_object_set_new(o, key, json_string(text));
}

void api_json_add_local_times(json_t *o)
{
    const char *key;
    json_t *v;
    char name[96], text[32];
    json_t *add = json_object();
    json_object_foreach(o, key, v)
    {
        size_t n = strlen(key);
        if (!json_is_integer(v) || n + sizeof "_local" > sizeof name || !is_time_name(key, n) ||
            api_json_local_time(json_integer_value(v), text, sizeof text) != 0)
            continue;
        snprintf(name, sizeof name, "%s_local", key);
        json_object_set_new(add, name, json_string(text));
    }
    json_object_update(o, add);
    json_decref(add);
}

json_t *api_json_row(const struct adminq_table *t, size_t row)
{
    json_t *o = json_object();
    for (size_t c = 0; o && c < t->ncols; c++) {
        const struct adminq_cell *cell = adminq_at(t, row, c);
        json_object_set_new(o, t->names[c], cell_json(cell));
        add_local_time(o, t->names[c], cell);
    }
    return o;
}

json_t *api_json_rows(const struct adminq_table *t)
{
    json_t *a = json_array();
    for (size_t r = 0; a && r < t->nrows; r++)
        json_array_append_new(a, api_json_row(t, r));
    return a;
}

int api_json_need_body(const struct api_request *req, struct http_response *resp)
{
    if (req->json)
        return 0;
    api_error(resp, 400, "missing_body", "send a JSON object (Content-Type: application/json)",
              NULL);
    return -1;
}

int api_json_only(const struct api_request *req, struct http_response *resp,
                  const char *const *allowed)
{
    if (!req->json)
        return 0;
    const char *key;
    json_t *value;
    json_object_foreach(req->json, key, value)
    {
        bool ok = false;
        for (size_t i = 0; allowed[i] && !ok; i++)
            ok = strcmp(allowed[i], key) == 0;
        if (!ok) {
            char msg[160];
            snprintf(msg, sizeof msg, "unknown field '%.100s'", key);
            api_error(resp, 400, "unknown_field", msg, key);
            return -1;
        }
    }
    return 0;
}

static enum api_json_field_result lookup(const struct api_request *req, struct http_response *resp,
                                         const char *field, int flags, json_t **out)
{
    json_t *v = req->json ? json_object_get(req->json, field) : NULL;
    if (!v) {
        if (flags & API_JSON_FIELD_REQUIRED) {
            char msg[96];
            snprintf(msg, sizeof msg, "%s is required", field);
            api_error(resp, 400, "missing_field", msg, field);
            return API_JSON_FIELD_BAD;
        }
        return API_JSON_FIELD_ABSENT;
    }
    if (json_is_null(v)) {
        if (flags & API_JSON_FIELD_NULLABLE)
            return API_JSON_FIELD_IS_NULL;
        char msg[96];
        snprintf(msg, sizeof msg, "%s cannot be null", field);
        api_error(resp, 400, "invalid_field", msg, field);
        return API_JSON_FIELD_BAD;
    }
    *out = v;
    return API_JSON_FIELD_SET;
}

enum api_json_field_result api_json_string(const struct api_request *req,
                                           struct http_response *resp, const char *field, int flags,
                                           size_t max_bytes, const char **out)
{
    json_t *v = NULL;
    enum api_json_field_result r = lookup(req, resp, field, flags, &v);
    if (r != API_JSON_FIELD_SET)
        return r;
    char msg[128];
    if (!json_is_string(v)) {
        snprintf(msg, sizeof msg, "%s must be a string", field);
        api_error(resp, 400, "invalid_field", msg, field);
        return API_JSON_FIELD_BAD;
    }
    size_t n = json_string_length(v);
    const char *s = json_string_value(v);
    if (n == 0 || n > max_bytes || strlen(s) != n) {
        snprintf(msg, sizeof msg, "%s must hold 1 to %zu bytes (no NUL)", field, max_bytes);
        api_error(resp, 422, "invalid_value", msg, field);
        return API_JSON_FIELD_BAD;
    }
    *out = s;
    return API_JSON_FIELD_SET;
}

bool api_json_in_list(const char *v, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n && list[i]; i++)
        if (strcmp(v, list[i]) == 0)
            return true;
    return false;
}

enum api_json_field_result api_json_choice(const struct api_request *req,
                                           struct http_response *resp, const char *field, int flags,
                                           const char *const *choices, size_t nchoices,
                                           const char **out)
{
    const char *s = NULL;
    enum api_json_field_result r = api_json_string(req, resp, field, flags, 64, &s);
    if (r != API_JSON_FIELD_SET)
        return r;
    if (!api_json_in_list(s, choices, nchoices)) {
        char msg[400];
        size_t len = (size_t)snprintf(msg, sizeof msg, "%s must be one of:", field);
        for (size_t i = 0; i < nchoices && choices[i] && len < sizeof msg; i++)
            len += (size_t)snprintf(msg + len, sizeof msg - len, "%s %s", i ? "," : "", choices[i]);
        api_error(resp, 422, "invalid_value", msg, field);
        return API_JSON_FIELD_BAD;
    }
    *out = s;
    return API_JSON_FIELD_SET;
}

enum api_json_field_result api_json_int(const struct api_request *req, struct http_response *resp,
                                        const char *field, int flags, int64_t min, int64_t max,
                                        int64_t *out)
{
    json_t *v = NULL;
    enum api_json_field_result r = lookup(req, resp, field, flags, &v);
    if (r != API_JSON_FIELD_SET)
        return r;
    char msg[160];
    if (!json_is_integer(v)) {
        snprintf(msg, sizeof msg, "%s must be an integer", field);
        api_error(resp, 400, "invalid_field", msg, field);
        return API_JSON_FIELD_BAD;
    }
    json_int_t i = json_integer_value(v);
    if (i < min || i > max) {
        snprintf(msg, sizeof msg, "%s must be from %lld to %lld", field, (long long)min,
                 (long long)max);
        api_error(resp, 422, "invalid_value", msg, field);
        return API_JSON_FIELD_BAD;
    }
    *out = (int64_t)i;
    return API_JSON_FIELD_SET;
}

enum api_json_field_result api_json_bool(const struct api_request *req, struct http_response *resp,
                                         const char *field, int flags, bool *out)
{
    json_t *v = NULL;
    enum api_json_field_result r = lookup(req, resp, field, flags, &v);
    if (r != API_JSON_FIELD_SET)
        return r;
    if (!json_is_boolean(v)) {
        char msg[96];
        snprintf(msg, sizeof msg, "%s must be true or false", field);
        api_error(resp, 400, "invalid_field", msg, field);
        return API_JSON_FIELD_BAD;
    }
    *out = json_is_true(v);
    return API_JSON_FIELD_SET;
}

void api_json_write_failed(struct http_response *resp, enum adminq_write_result w,
                           const char *conflict_field)
{
    if (w == ADMINQ_CONFLICT) {
        char msg[96];
        snprintf(msg, sizeof msg, "%s is already used", conflict_field ? conflict_field : "value");
        api_error(resp, 409, "conflict", msg, conflict_field);
    } else if (w == ADMINQ_INVALID) {
        api_error(resp, 422, "invalid_value", "the change breaks a rule of the data", NULL);
    } else {
        api_error_db(resp);
    }
}

json_t *api_json_diff(json_t *before, json_t *after)
{
    json_t *out = json_object();
    const char *key;
    json_t *v;
    json_object_foreach(after, key, v)
    {
        json_t *old = before ? json_object_get(before, key) : NULL;
        if (old && json_equal(old, v))
            continue;
        json_object_set_new(out, key,
                            json_pack("{s:O,s:O}", "from", old ? old : json_null(), "to", v));
    }
    return out;
}

int api_json_audit(struct db *db, const struct api_request *req, const char *action,
                   const char *object_type, int64_t object_id, json_t *summary)
{
    char *text = summary ? json_dumps(summary, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(summary);
    if (!text)
        return -1;
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)object_id);
    int rc = audit_write(db, &req->actor, action, object_type, id, text);
    free(text);
    return rc;
}

int api_json_audit_changes(struct db *db, const struct api_request *req, const char *action,
                           const char *object_type, int64_t id, json_t *before, json_t *after)
{
    json_object_del(before, "updated_at");
    json_object_del(after, "updated_at");
    return api_json_audit(db, req, action, object_type, id,
                          json_pack("{s:o}", "changes", api_json_diff(before, after)));
}

int api_json_update_audited(struct db *db, const struct api_request *req,
                            struct http_response *resp, enum adminq q, const struct adminq_arg *a,
                            size_t n, const char *conflict_field, const char *action,
                            const char *object_type, int64_t id, json_t *before, json_t *after)
{
    enum adminq_write_result w = adminq_exec(db, q, a, n, NULL, NULL);
    if (w != ADMINQ_OK) {
        api_json_write_failed(resp, w, conflict_field);
        return -1;
    }
    return api_json_audit_changes(db, req, action, object_type, id, before, after);
}

/* Run a select into *t; on failure answer 503. Returns 0 or -1. */
int api_json_select(struct db *db, enum adminq q, const struct adminq_arg *a, size_t n,
                    struct adminq_table *t, struct http_response *resp)
{
    if (adminq_select(db, q, a, n, t) != 0) {
        api_error_db(resp);
        return -1;
    }
    return 0;
}

/* One object by id as JSON, or NULL with 404/503 in resp. */
json_t *api_json_get_one(struct db *db, enum adminq q, int64_t id, struct http_response *resp)
{
    struct adminq_arg a = adminq_int(id);
    struct adminq_table t;
    if (api_json_select(db, q, &a, 1, &t, resp) != 0)
        return NULL;
    json_t *o = t.nrows ? api_json_row(&t, 0) : NULL;
    adminq_table_free(&t);
    if (!o)
        api_error(resp, 404, "not_found", "no such object", NULL);
    return o;
}

json_t *api_json_begin_get(struct db *db, enum adminq q, int64_t id, struct http_response *resp)
{
    if (db_begin(db) != 0) {
        api_error_db(resp);
        return NULL;
    }
    json_t *o = api_json_get_one(db, q, id, resp);
    if (!o)
        db_rollback(db);
    return o;
}

struct db *api_json_begin_id(const struct api_request *req, struct http_response *resp, int64_t *id)
{
    static const char *const none[] = {NULL};
    struct db *db;
    if (api_param_id(req, resp, "id", id) != 0 || api_json_only(req, resp, none) != 0 ||
        !(db = api_json_db(resp)))
        return NULL;
    if (db_begin(db) != 0) {
        api_error_db(resp);
        return NULL;
    }
    return db;
}

/* A list query with its count, answered as a page. */
void api_json_reply_list(struct db *db, enum adminq list, enum adminq count,
                         struct adminq_arg *args, size_t nfilters, const struct api_page *page,
                         struct http_response *resp)
{
    args[nfilters] = adminq_as(":limit", adminq_int(page->limit));
    args[nfilters + 1] = adminq_as(":offset", adminq_int(page->offset));
    int64_t total = 0;
    struct adminq_table t;
    if (adminq_scalar(db, count, args, nfilters, &total) != 0 ||
        adminq_select(db, list, args, nfilters + 2, &t) != 0) {
        api_error_db(resp);
        return;
    }
    json_t *items = api_json_rows(&t);
    adminq_table_free(&t);
    api_reply_page(resp, items, page, total);
}

struct db *api_json_db(struct http_response *resp)
{
    struct db *db = db_thread();
    if (!db)
        api_error_db(resp);
    return db;
}

/* Commit or roll back after a handler's writes; answers 503 on failure.
 * Returns 0 when committed. */
int api_json_finish(struct db *db, int rc, struct http_response *resp)
{
    if (rc == 0 && db_commit(db) == 0)
        return 0;
    db_rollback(db);
    if (resp->status == 0 || resp->status < 400)
        api_error_db(resp);
    return -1;
}

/* Parse "YYYY-MM-DDTHH:MM[:SS]" followed by nothing (the programme's local
 * time), "Z", or "+HH:MM" / "-HH:MM". Returns 0 or -1. */
int api_json_parse_time(const char *s, int64_t *out)
{
    int y, mo, d, h, mi, sec = 0, n = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d%n", &y, &mo, &d, &h, &mi, &n) != 5 || n != 16)
        return -1;
    const char *p = s + n;
    if (*p == ':') {
        int m2 = 0;
        if (sscanf(p, ":%2d%n", &sec, &m2) != 1 || m2 != 3)
            return -1;
        p += 3;
    }
    if (y < 1970 || y > 2200 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
        sec > 59 || h < 0 || mi < 0 || sec < 0)
        return -1;
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = sec,
                    .tm_isdst = -1};
    struct tm check = tm;
    if (timegm(&check) == (time_t)-1 || check.tm_mday != d) /* 2027-02-31 is no day */
        return -1;
    if (*p == '\0') {
        time_t t = mktime(&tm);
        if (t == (time_t)-1)
            return -1;
        *out = (int64_t)t;
        return 0;
    }
    int off = 0;
    if (*p == 'Z' && p[1] == '\0') {
        off = 0;
    } else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
        int oh, om, m3 = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &m3) != 2 || m3 != 5 || oh > 14 || om > 59)
            return -1;
        off = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
    } else {
        return -1;
    }
    *out = (int64_t)timegm(&tm) - off;
    return 0;
}

json_t *api_json_typographic(json_t *holder, const char *field, const char *s)
{
    size_t len = strlen(s);
    if (bidi_has_rtl(s, len))
        return json_string(s);
    char *out = malloc(len + 1);
    struct typography_changes ch;
    if (!out)
        return NULL;
    if (typography_normalise(s, len, out, len + 1, &ch) < 0) {
        free(out);
        return json_string(s);
    }
    json_t *v = json_string(out);
    free(out);
    if (ch.count == 0 || !v)
        return v;
    json_t *nm = json_object_get(holder, "normalised");
    if (!nm) {
        nm = json_object();
        json_object_set_new(holder, "normalised", nm);
    }
    json_t *chars = json_array();
    for (size_t i = 0; i < ch.nreplaced; i++) {
        char buf[5];
        size_t n = utf8_encode(ch.replaced[i], buf);
        buf[n] = '\0';
        json_array_append_new(chars, json_string(buf));
    }
    json_object_set_new(nm, field, chars);
    return v;
}

json_t *api_json_take_normalised(json_t *holder)
{
    json_t *nm = json_object_get(holder, "normalised");
    if (!nm)
        return NULL;
    json_incref(nm);
    json_object_del(holder, "normalised");
    return nm;
}

json_t *api_json_typographic_texts(json_t *t, const char *prefix, json_t **nm)
{
    json_t *holder = json_object(), *clean = json_object(), *v;
    const char *lang;
    *nm = NULL;
    json_object_foreach(t, lang, v)
    {
        char field[64];
        snprintf(field, sizeof field, "%.24s.%.16s", prefix, lang);
        json_t *s = api_json_typographic(holder, field, json_string_value(v));
        if (!s || json_object_set_new(clean, lang, s) != 0) {
            json_decref(holder);
            json_decref(clean);
            return NULL;
        }
    }
    *nm = api_json_take_normalised(holder);
    json_decref(holder);
    return clean;
}

void api_json_reply_normalised(struct http_response *resp, int status, json_t *o, json_t *nm)
{
    if (!o) {
        json_decref(nm);
        return;
    }
    if (nm)
        json_object_set_new(o, "normalised", nm);
    api_reply_json(resp, status, o);
}

size_t api_broadcast_channels(const struct config *cfg, const char **out)
{
    const struct channel_settings *dflt = config_channel(cfg, cfg->sms.outbound_channel);
    const struct channel_ops *dflt_ops = dflt ? channel_ops_find(dflt->type) : NULL;
    size_t n = 0;
    for (size_t i = 0; i < cfg->nchannels && n < CONFIG_CHANNELS_MAX; i++) {
        const struct channel_ops *ops = channel_ops_find(cfg->channels[i].type);
        if (!dflt_ops || dflt_ops->test || (ops && !ops->test))
            out[n++] = cfg->channels[i].name;
    }
    return n;
}
