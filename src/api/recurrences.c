/* recurrences.c -- admin API resources of recurring broadcasts: a rule
 * attached to a draft (POST /broadcasts/{id}/recurrence), the preview of
 * the next occurrences of a rule described in a body (stored nowhere), the
 * list and one rule with its occurrences to come and its history, a change
 * (pause, resume, the rule itself) and a delete. Times travel as unix
 * seconds beside their programme-local strings (*_local); the rule's own
 * times are local ("time" HH:MM, "starts"/"ends" YYYY-MM-DD). Read: viewer;
 * write: staff. Each change and its audit row commit together. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/broadcasts.h"
#include "api/json.h"
#include "app/programme.h"
#include "app/recurrence.h"
#include "runtime/env.h"
#include "runtime/runtime.h"
#include "store/db.h"

#define UPCOMING_LIST 3   /* occurrences to come shown per rule in the list */
#define UPCOMING_ONE 10   /* ... in one rule */
#define PREVIEW_DEFAULT 5 /* ... in a preview unless "next" says */
#define COUNT_MAX 1000    /* occurrences a rule may be limited to */

static const char *const kinds[] = {"weekly", "monthly", "event_eve", NULL};
static const char *const audiences[] = {"attendees", "broadcast", NULL};
static const char *const rule_fields[] = {"repeat",   "weekday", "day",  "time",  "events",
                                          "audience", "starts",  "ends", "count", NULL};

static int bad(struct http_response *resp, const char *field, const char *msg)
{
    api_error(resp, 422, "invalid_value", msg, field);
    return -1;
}

static void result_error(struct http_response *resp, enum recurrence_result r)
{
    switch (r) {
    case RECURRENCE_NOT_FOUND:
        api_error(resp, 404, "not_found", "no such broadcast or recurrence", NULL);
        break;
    case RECURRENCE_CONFLICT:
        api_error(resp, 409, "conflict",
                  "a recurrence repeats a draft, and an ended or deleted one cannot change", NULL);
        break;
    case RECURRENCE_INVALID:
        api_error(resp, 422, "invalid_value", "this rule has no occurrence to come", "ends");
        break;
    default:
        api_error_db(resp);
        break;
    }
}

/* ------------------------------------------------------------ the rule */

/* "HH:MM" as minutes of the day. */
static int parse_minute(const char *s, int *out)
{
    int h, m, n = 0;
    if (sscanf(s, "%2d:%2d%n", &h, &m, &n) != 2 || n != 5 || s[5] || h < 0 || h > 23 || m < 0 ||
        m > 59)
        return -1;
    *out = h * 60 + m;
    return 0;
}

/* A local date "YYYY-MM-DD" at the local time hhmmss ("T00:00:00"). */
static int parse_date(const char *s, const char *hhmmss, int64_t *out)
{
    char buf[40];
    if (strlen(s) != 10 || snprintf(buf, sizeof buf, "%s%s", s, hhmmss) >= (int)sizeof buf)
        return -1;
    return api_json_parse_time(buf, out);
}

/* The "events" filter: {"provinces":[known provinces]} or absent. */
static int read_filter(const struct api_request *req, struct http_response *resp,
                       struct recurrence_record *r)
{
    json_t *f = json_object_get(req->json, "events");
    if (!f || json_is_null(f))
        return 0;
    json_t *prov = json_object_get(f, "provinces");
    if (!json_is_object(f) || json_object_size(f) != (prov ? 1u : 0u) ||
        (prov && !json_is_array(prov)))
        return bad(resp, "events", "events must be {\"provinces\": [...]} or absent (every event)");
    size_t i;
    json_t *v;
    json_array_foreach(prov, i, v)
    {
        if (!json_is_string(v) ||
            !api_json_in_list(json_string_value(v), (const char *const *)req->rt->provinces,
                              req->rt->cfg.programme.nprovinces))
            return bad(resp, "events.provinces",
                       "events.provinces: not a province of the programme");
    }
    char *text = json_dumps(f, JSON_COMPACT);
    int rc = 0;
    if (!text || strlen(text) >= sizeof r->event_filter)
        rc = bad(resp, "events", "events: too many provinces");
    else
        snprintf(r->event_filter, sizeof r->event_filter, "%s", text);
    free(text);
    return rc;
}

static int read_limits(const struct api_request *req, struct http_response *resp,
                       struct recurrence_record *r)
{
    const char *s = NULL;
    enum api_json_field_result f =
        api_json_string(req, resp, "starts", API_JSON_FIELD_NULLABLE, 10, &s);
    if (f == API_JSON_FIELD_BAD)
        return -1;
    if (f == API_JSON_FIELD_SET && parse_date(s, "T00:00:00", &r->starts_at) != 0)
        return bad(resp, "starts", "starts must be a date YYYY-MM-DD (the programme's time zone)");
    f = api_json_string(req, resp, "ends", API_JSON_FIELD_NULLABLE, 10, &s);
    if (f == API_JSON_FIELD_BAD)
        return -1;
    if (f == API_JSON_FIELD_SET && parse_date(s, "T23:59:59", &r->ends_at) != 0)
        return bad(resp, "ends", "ends must be a date YYYY-MM-DD (the programme's time zone)");
    if (r->ends_at && r->starts_at && r->ends_at < r->starts_at)
        return bad(resp, "ends", "ends must not be before starts");
    if (api_json_int(req, resp, "count", API_JSON_FIELD_NULLABLE, 1, COUNT_MAX, &r->max_count) ==
        API_JSON_FIELD_BAD)
        return -1;
    return 0;
}

/* The rule described by req's body into *r (kind and its fields, time,
 * events, audience, starts, ends, count). Returns 0, or -1 with resp. */
static int read_rule(const struct api_request *req, struct http_response *resp,
                     struct recurrence_record *r)
{
    const char *kind = NULL, *time = NULL, *aud = NULL;
    int64_t weekday = 0, day = 0;
    if (api_json_choice(req, resp, "repeat", API_JSON_FIELD_REQUIRED, kinds, 3, &kind) !=
            API_JSON_FIELD_SET ||
        api_json_string(req, resp, "time", API_JSON_FIELD_REQUIRED, 5, &time) != API_JSON_FIELD_SET)
        return -1;
    snprintf(r->kind, sizeof r->kind, "%s", kind);
    if (parse_minute(time, &r->minute) != 0)
        return bad(resp, "time", "time must be HH:MM in the programme's time zone");
    bool weekly = strcmp(kind, "weekly") == 0, monthly = strcmp(kind, "monthly") == 0;
    enum api_json_field_result f =
        api_json_int(req, resp, "weekday",
                     weekly ? API_JSON_FIELD_REQUIRED : API_JSON_FIELD_NULLABLE, 1, 7, &weekday);
    if (f == API_JSON_FIELD_BAD)
        return -1;
    f = api_json_int(req, resp, "day", monthly ? API_JSON_FIELD_REQUIRED : API_JSON_FIELD_NULLABLE,
                     1, 31, &day);
    if (f == API_JSON_FIELD_BAD)
        return -1;
    r->weekday = weekly ? (int)weekday : 0;
    r->month_day = monthly ? (int)day : 0;
    f = api_json_choice(req, resp, "audience", API_JSON_FIELD_NULLABLE, audiences, 2, &aud);
    if (f == API_JSON_FIELD_BAD)
        return -1;
    bool eve = strcmp(kind, "event_eve") == 0;
    /* The day before an event speaks to those who booked unless told. */
    snprintf(r->audience, sizeof r->audience, "%s",
             !eve                      ? "broadcast"
             : f == API_JSON_FIELD_SET ? aud
                                       : "attendees");
    if (eve && read_filter(req, resp, r) != 0)
        return -1;
    return read_limits(req, resp, r);
}

/* ------------------------------------------------------------- answers */

static json_t *time_or_null(int64_t t)
{
    return t ? json_integer(t) : json_null();
}

static json_t *occurrence_json(const struct notice_env *env, const struct recurrence_occurrence *o,
                               int64_t now)
{
    json_t *j = json_pack("{s:I,s:b}", "at", (json_int_t)o->at, "clamped", o->clamped);
    int64_t send = o->at > now ? o->at : now;
    if (!programme_in_send_window(env, send))
        json_object_set_new(j, "held_until_at",
                            json_integer(programme_send_window_opens(env, send)));
    api_json_add_local_times(j);
    if (o->event_id) {
        json_t *e =
            json_pack("{s:I,s:s,s:s,s:s,s:s,s:I}", "id", (json_int_t)o->event_id, "code",
                      o->event_code, "title_ar", o->event_title_ar, "title_fr", o->event_title_fr,
                      "title_en", o->event_title_en, "starts_at", (json_int_t)o->event_starts_at);
        api_json_add_local_times(e);
        json_object_set_new(j, "event", e);
    }
    return j;
}

/* Up to max occurrences of r to come after now, as JSON (NULL on error). */
static json_t *upcoming_json(struct db *db, const struct notice_env *env,
                             const struct recurrence_record *r, int64_t now, size_t max)
{
    struct recurrence_occurrence occ[RECURRENCE_PREVIEW_MAX];
    if (max > RECURRENCE_PREVIEW_MAX)
        max = RECURRENCE_PREVIEW_MAX;
    int n = recurrence_upcoming(db, r, now, occ, max);
    if (n < 0)
        return NULL;
    json_t *a = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(a, occurrence_json(env, &occ[i], now));
    return a;
}

static json_t *rule_json(struct db *db, const struct notice_env *env,
                         const struct recurrence_record *r, int64_t now, size_t upcoming)
{
    char time[24];
    snprintf(time, sizeof time, "%02d:%02d", r->minute / 60, r->minute % 60);
    json_t *filter = r->event_filter[0] ? json_loads(r->event_filter, 0, NULL) : NULL;
    json_t *o = json_pack(
        "{s:I,s:I,s:s,s:s,s:o,s:o,s:s,s:o,s:s?,s:I,s:o,s:o,s:I,s:I,s:s,s:s?,s:o,s:o,s:s,s:I,s:I}",
        "id", (json_int_t)r->id, "broadcast_id", (json_int_t)r->broadcast_id, "name", r->name,
        "repeat", r->kind, "weekday", r->weekday ? json_integer(r->weekday) : json_null(), "day",
        r->month_day ? json_integer(r->month_day) : json_null(), "time", time, "events",
        filter ? filter : json_null(), "audience",
        strcmp(r->kind, "event_eve") == 0 ? r->audience : NULL, "starts_at",
        (json_int_t)r->starts_at, "ends_at", time_or_null(r->ends_at), "count",
        r->max_count ? json_integer(r->max_count) : json_null(), "created_count",
        (json_int_t)r->created_count, "skipped_count", (json_int_t)r->skipped_count, "status",
        r->status, "ended_reason", r->ended_reason[0] ? r->ended_reason : NULL, "next_at",
        time_or_null(r->next_at), "last_at", time_or_null(r->last_at), "created_by", r->created_by,
        "created_at", (json_int_t)r->created_at, "updated_at", (json_int_t)r->updated_at);
    if (!o)
        return NULL;
    api_json_add_local_times(o);
    bool live = strcmp(r->status, "active") == 0 || strcmp(r->status, "paused") == 0;
    json_t *up = live ? upcoming_json(db, env, r, now, upcoming) : json_array();
    json_object_set_new(o, "upcoming", up ? up : json_array());
    return o;
}

/* Rule id with its occurrences to come and its history (NULL with resp). */
static json_t *one_json(const struct api_request *req, struct http_response *resp, struct db *db,
                        int64_t id, int64_t now)
{
    struct recurrence_record *r = malloc(sizeof *r);
    struct recurrence_occurrence_row *h = calloc(RECURRENCE_OCCURRENCES_MAX, sizeof *h);
    int found = r && h ? recurrences_get(db, id, r) : -1;
    int n = found > 0 ? recurrences_occurrences(db, id, h, RECURRENCE_OCCURRENCES_MAX) : 0;
    json_t *o = NULL;
    if (found == 0)
        api_error(resp, 404, "not_found", "no such recurrence", NULL);
    else if (found < 0 || n < 0)
        api_error_db(resp);
    else {
        struct notice_env env;
        runtime_env_notice(req->rt, &env);
        o = rule_json(db, &env, r, now, UPCOMING_ONE);
        json_t *a = json_array();
        for (int i = 0; i < n; i++) {
            json_t *j = json_pack(
                "{s:I,s:o,s:o,s:s,s:o}", "due_at", (json_int_t)h[i].due_at, "event_id",
                h[i].event_id ? json_integer(h[i].event_id) : json_null(), "broadcast_id",
                time_or_null(h[i].broadcast_id), "outcome", h[i].outcome, "broadcast_status",
                h[i].broadcast_status[0] ? json_string(h[i].broadcast_status) : json_null());
            api_json_add_local_times(j);
            json_array_append_new(a, j);
        }
        json_object_set_new(o, "occurrences", a);
    }
    free(r);
    free(h);
    return o;
}

/* ------------------------------------------------------------ handlers */

/* POST /broadcasts/{id}/recurrence: draft id repeats by the body's rule. */
static void recurrence_post(const struct api_request *req, struct http_response *resp)
{
    int64_t bid, now, id = 0;
    struct db *db;
    struct recurrence_record *r = calloc(1, sizeof *r);
    if (!r) {
        api_error_db(resp);
        return;
    }
    if (api_param_id(req, resp, "id", &bid) != 0 || api_json_need_body(req, resp) != 0 ||
        api_json_only(req, resp, rule_fields) != 0 || api_broadcast_clock(resp, &now) != 0 ||
        read_rule(req, resp, r) != 0 || !(db = api_json_db(resp)))
        goto out;
    r->broadcast_id = bid;
    snprintf(r->created_by, sizeof r->created_by, "%s", req->actor.who);
    if (db_begin(db) != 0) {
        api_error_db(resp);
        goto out;
    }
    enum recurrence_result res = recurrence_create(db, &req->actor, r, now, &id);
    if (res != RECURRENCE_OK)
        result_error(resp, res);
    if (api_json_finish(db, res == RECURRENCE_OK ? 0 : -1, resp) != 0)
        goto out;
    json_t *o = one_json(req, resp, db, id, now);
    if (o)
        api_reply_json(resp, 201, o);
out:
    free(r);
}

/* POST /recurrences/preview: the next occurrences of the body's rule (and
 * "next": how many, 1..RECURRENCE_PREVIEW_MAX), stored nowhere. */
static void recurrences_preview(const struct api_request *req, struct http_response *resp)
{
    static const char *const fields[] = {"repeat", "weekday", "day",   "time", "events", "audience",
                                         "starts", "ends",    "count", "next", NULL};
    int64_t now, next = PREVIEW_DEFAULT;
    struct db *db;
    struct recurrence_record *r = calloc(1, sizeof *r);
    if (!r) {
        api_error_db(resp);
        return;
    }
    if (api_json_need_body(req, resp) != 0 || api_json_only(req, resp, fields) != 0 ||
        api_broadcast_clock(resp, &now) != 0 || read_rule(req, resp, r) != 0 ||
        api_json_int(req, resp, "next", API_JSON_FIELD_OPTIONAL, 1, RECURRENCE_PREVIEW_MAX,
                     &next) == API_JSON_FIELD_BAD ||
        !(db = api_json_db(resp)))
        goto out;
    if (!r->starts_at)
        r->starts_at = now;
    struct notice_env env;
    runtime_env_notice(req->rt, &env);
    json_t *up = upcoming_json(db, &env, r, now, (size_t)next);
    if (!up) {
        api_error_db(resp);
        goto out;
    }
    api_reply_json(
        resp, 200,
        json_pack("{s:s,s:o}", "timezone", req->rt->cfg.programme.timezone, "occurrences", up));
out:
    free(r);
}

static void recurrences_list_get(const struct api_request *req, struct http_response *resp)
{
    struct api_page page;
    int64_t bid = 0, now;
    struct db *db;
    if (api_page_parse(req, resp, &page) != 0 ||
        api_query_int(req, resp, "broadcast_id", 1, INT64_MAX, 0, &bid) != 0 ||
        api_broadcast_clock(resp, &now) != 0 || !(db = api_json_db(resp)))
        return;
    if (page.limit > RECURRENCES_LIST_MAX)
        page.limit = RECURRENCES_LIST_MAX;
    struct recurrence_record *rows = calloc((size_t)page.limit, sizeof *rows);
    int64_t total = 0;
    int n = rows ? recurrences_list(db, bid, 0, page.offset, (size_t)page.limit, rows, &total) : -1;
    if (n < 0) {
        free(rows);
        api_error_db(resp);
        return;
    }
    struct notice_env env;
    runtime_env_notice(req->rt, &env);
    json_t *items = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(items, rule_json(db, &env, &rows[i], now, UPCOMING_LIST));
    free(rows);
    api_reply_page(resp, items, &page, total);
}

static void recurrence_get(const struct api_request *req, struct http_response *resp)
{
    int64_t id, now;
    struct db *db;
    if (api_param_id(req, resp, "id", &id) != 0 || api_broadcast_clock(resp, &now) != 0 ||
        !(db = api_json_db(resp)))
        return;
    json_t *o = one_json(req, resp, db, id, now);
    if (o)
        api_reply_json(resp, 200, o);
}

/* The stored rule as a body (what PATCH merges its fields over). */
static json_t *rule_body(const struct recurrence_record *r)
{
    char time[24], starts[16] = "", ends[16] = "";
    snprintf(time, sizeof time, "%02d:%02d", r->minute / 60, r->minute % 60);
    char local[32];
    if (api_json_local_time(r->starts_at, local, sizeof local) == 0)
        snprintf(starts, sizeof starts, "%.10s", local);
    if (r->ends_at && api_json_local_time(r->ends_at, local, sizeof local) == 0)
        snprintf(ends, sizeof ends, "%.10s", local);
    json_t *b =
        json_pack("{s:s,s:s,s:s}", "repeat", r->kind, "time", time, "audience", r->audience);
    if (r->weekday)
        json_object_set_new(b, "weekday", json_integer(r->weekday));
    if (r->month_day)
        json_object_set_new(b, "day", json_integer(r->month_day));
    if (r->event_filter[0])
        json_object_set_new(b, "events", json_loads(r->event_filter, 0, NULL));
    if (starts[0])
        json_object_set_new(b, "starts", json_string(starts));
    if (ends[0])
        json_object_set_new(b, "ends", json_string(ends));
    if (r->max_count)
        json_object_set_new(b, "count", json_integer(r->max_count));
    return b;
}

/* The body's rule merged over rule id's into *r, status from the body
 * ("active" or "paused") or as stored. Returns 0, or -1 with resp. */
static int read_change(const struct api_request *req, struct http_response *resp, struct db *db,
                       int64_t id, struct recurrence_record *r)
{
    static const char *const statuses[] = {"active", "paused", NULL};
    struct recurrence_record *stored = malloc(sizeof *stored);
    int found = stored ? recurrences_get(db, id, stored) : -1;
    if (found <= 0) {
        free(stored);
        if (found < 0)
            api_error_db(resp);
        else
            api_error(resp, 404, "not_found", "no such recurrence", NULL);
        return -1;
    }
    json_t *merged = rule_body(stored);
    json_object_update(merged, req->json);
    json_object_del(merged, "status");
    struct api_request over = *req;
    over.json = merged;
    *r = *stored;
    r->event_filter[0] = '\0';
    r->starts_at = r->ends_at = r->max_count = 0;
    const char *status = NULL;
    int rc = read_rule(&over, resp, r);
    json_decref(merged);
    free(stored);
    if (rc == 0 && api_json_choice(req, resp, "status", API_JSON_FIELD_OPTIONAL, statuses, 2,
                                   &status) == API_JSON_FIELD_BAD)
        rc = -1;
    if (rc == 0 && status)
        snprintf(r->status, sizeof r->status, "%s", status);
    return rc;
}

/* PATCH /recurrences/{id}: "status" active or paused, and any rule field. */
static void recurrence_patch(const struct api_request *req, struct http_response *resp)
{
    static const char *const fields[] = {"repeat", "weekday",  "day",    "time",
                                         "events", "audience", "starts", "ends",
                                         "count",  "status",   NULL};
    int64_t id, now;
    struct db *db;
    struct recurrence_record *r = malloc(sizeof *r);
    if (!r) {
        api_error_db(resp);
        return;
    }
    if (api_param_id(req, resp, "id", &id) != 0 || api_json_need_body(req, resp) != 0 ||
        api_json_only(req, resp, fields) != 0 || api_broadcast_clock(resp, &now) != 0 ||
        !(db = api_json_db(resp)))
        goto out;
    if (db_begin(db) != 0) {
        api_error_db(resp);
        goto out;
    }
    enum recurrence_result res = RECURRENCE_ERROR;
    if (read_change(req, resp, db, id, r) == 0 &&
        (res = recurrence_change(db, &req->actor, r, now)) != RECURRENCE_OK)
        result_error(resp, res);
    if (api_json_finish(db, res == RECURRENCE_OK ? 0 : -1, resp) != 0)
        goto out;
    json_t *o = one_json(req, resp, db, id, now);
    if (o)
        api_reply_json(resp, 200, o);
out:
    free(r);
}

static void recurrence_delete_one(const struct api_request *req, struct http_response *resp)
{
    int64_t id, now, cancelled = 0;
    struct db *db;
    if (api_broadcast_clock(resp, &now) != 0 || !(db = api_json_begin_id(req, resp, &id)))
        return;
    enum recurrence_result res = recurrence_delete(db, &req->actor, id, now, &cancelled);
    if (res != RECURRENCE_OK)
        result_error(resp, res);
    if (api_json_finish(db, res == RECURRENCE_OK ? 0 : -1, resp) != 0)
        return;
    api_reply_json(resp, 200,
                   json_pack("{s:I,s:b,s:I}", "id", (json_int_t)id, "deleted", 1,
                             "occurrences_cancelled", (json_int_t)cancelled));
}

const struct api_route api_recurrences_routes[] = {
    {"POST", "/broadcasts/{id}/recurrence", API_ROLE_STAFF, recurrence_post, API_BODY_JSON},
    {"POST", "/recurrences/preview", API_ROLE_VIEWER, recurrences_preview, API_BODY_JSON},
    {"GET", "/recurrences", API_ROLE_VIEWER, recurrences_list_get, API_BODY_JSON},
    {"GET", "/recurrences/{id}", API_ROLE_VIEWER, recurrence_get, API_BODY_JSON},
    {"PATCH", "/recurrences/{id}", API_ROLE_STAFF, recurrence_patch, API_BODY_JSON},
    {"DELETE", "/recurrences/{id}", API_ROLE_STAFF, recurrence_delete_one, API_BODY_JSON},
    {NULL, NULL, API_ROLE_NONE, NULL, API_BODY_JSON},
};
