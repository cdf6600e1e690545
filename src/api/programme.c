/* programme.c -- admin API resources of the programme: grants (with
 * history; a status change notifies the applicant through app/programme;
 * programme, amount and notes corrected by PATCH),
 * events (RSVP lists; cancel notifies every RSVP) and project ideas. Read:
 * viewer; write: staff. Every change and its audit row commit together. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "api/json.h"
#include "app/programme.h"
#include "runtime/env.h"
#include "runtime/runtime.h"
#include "store/admin_queries.h"
#include "store/db.h"
#include "store/events.h"

#define NOTE_MAX_BYTES 500
#define TITLE_MAX_BYTES 200
#define DESCRIPTION_MAX_BYTES 1000
#define PLACE_MAX_BYTES 200
#define PROGRAMME_MAX_BYTES 200
#define REFERENCE_MAX_BYTES 31
#define CODE_MAX_BYTES 31
#define AMOUNT_MAX 100000000

static const char *const event_kinds[] = {"event",      "workshop", "training",
                                          "exhibition", "ideathon", NULL};
static const char *const event_statuses[] = {"scheduled", "cancelled", NULL};

static const char *jstr(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static struct adminq_arg opt_int(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? adminq_int(json_integer_value(v)) : adminq_null();
}

static bool digits_only(const char *s)
{
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

/* A text field into o: set, cleared (null) or left. Returns 0 or -1.
 * Text without Arabic letters is made GSM-7 (core/typography); what was
 * replaced goes into o's "normalised". */
static int text_field(const struct api_request *req, struct http_response *resp, json_t *o,
                      const char *field, int flags, size_t max)
{
    const char *s;
    enum api_json_field_result r = api_json_string(req, resp, field, flags, max, &s);
    if (r == API_JSON_FIELD_SET) {
        json_t *v = api_json_typographic(o, field, s);
        if (!v) {
            api_error(resp, 500, "internal", "out of memory", NULL);
            return -1;
        }
        json_object_set_new(o, field, v);
    } else if (r == API_JSON_FIELD_IS_NULL)
        json_object_set_new(o, field, json_null());
    return r < 0 ? -1 : 0;
}

/* ------------------------------------------------------------------ grants */

static void grants_get(const struct api_request *req, struct http_response *resp)
{
    struct api_page page;
    int64_t member = 0, coop = 0;
    if (api_page_parse(req, resp, &page) != 0 ||
        api_query_int(req, resp, "member_id", 1, INT64_MAX, 0, &member) != 0 ||
        api_query_int(req, resp, "cooperative_id", 1, INT64_MAX, 0, &coop) != 0)
        return;
    const char *status;
    if (api_query_choice(req, resp, "status", programme_grant_statuses, 16, &status) != 0)
        return;
    struct db *db = api_json_db(resp);
    if (!db)
        return;
    struct adminq_arg a[7] = {adminq_as(":status", adminq_text(status)),
                              adminq_as(":member_id", member ? adminq_int(member) : adminq_null()),
                              adminq_as(":cooperative_id", coop ? adminq_int(coop) : adminq_null()),
                              adminq_as(":programme", adminq_text(api_query(req, "programme"))),
                              adminq_as(":reference", adminq_text(api_query(req, "reference")))};
    api_json_reply_list(db, ADMINQ_GRANTS_LIST, ADMINQ_GRANTS_COUNT, a, 5, &page, resp);
}

static json_t *grant_with_history(struct db *db, int64_t id, struct http_response *resp)
{
    json_t *o = api_json_get_one(db, ADMINQ_GRANT_GET, id, resp);
    if (!o)
        return NULL;
    struct adminq_arg a = adminq_int(id);
    struct adminq_table t;
    if (api_json_select(db, ADMINQ_GRANT_HISTORY, &a, 1, &t, resp) != 0) {
        json_decref(o);
        return NULL;
    }
    json_object_set_new(o, "history", api_json_rows(&t));
    adminq_table_free(&t);
    return o;
}

static void grant_get(const struct api_request *req, struct http_response *resp)
{
    int64_t id;
    struct db *db;
    if (api_param_id(req, resp, "id", &id) != 0 || !(db = api_json_db(resp)))
        return;
    json_t *o = grant_with_history(db, id, resp);
    if (o)
        api_reply_json(resp, 200, o);
}

/* note (all languages) or note_ar / note_fr / note_en into o. */
static int note_fields(const struct api_request *req, struct http_response *resp, json_t *o)
{
    const char *all = NULL;
    if (api_json_string(req, resp, "note", 0, NOTE_MAX_BYTES, &all) < 0)
        return -1;
    static const char *const keys[] = {"note_ar", "note_fr", "note_en"};
    for (size_t i = 0; i < 3; i++) {
        if (all)
            json_object_set_new(o, keys[i], json_string(all));
        if (text_field(req, resp, o, keys[i], API_JSON_FIELD_NULLABLE, NOTE_MAX_BYTES) != 0)
            return -1;
    }
    return 0;
}

static bool object_exists(struct db *db, enum adminq q, int64_t id, int *failed)
{
    struct adminq_arg a = adminq_int(id);
    struct adminq_table t;
    if (adminq_select(db, q, &a, 1, &t) != 0) {
        *failed = 1;
        return false;
    }
    bool found = t.nrows > 0;
    adminq_table_free(&t);
    return found;
}

static void grants_post(const struct api_request *req, struct http_response *resp)
{
    static const char *const fields[] = {
        "reference", "member_id", "cooperative_id", "programme", "amount_mad", "status",
        "note",      "note_ar",   "note_fr",        "note_en",   NULL};
    json_t *o = json_object();
    int64_t member = 0, coop = 0, amount = 0;
    const char *status = "submitted";
    enum api_json_field_result rm, rc_;
    struct db *db = NULL;
    if (api_json_need_body(req, resp) != 0 || api_json_only(req, resp, fields) != 0 ||
        text_field(req, resp, o, "reference", 0, REFERENCE_MAX_BYTES) != 0 ||
        (rm = api_json_int(req, resp, "member_id", API_JSON_FIELD_NULLABLE, 1, INT64_MAX,
                           &member)) < 0 ||
        (rc_ = api_json_int(req, resp, "cooperative_id", API_JSON_FIELD_NULLABLE, 1, INT64_MAX,
                            &coop)) < 0 ||
        text_field(req, resp, o, "programme", API_JSON_FIELD_REQUIRED, PROGRAMME_MAX_BYTES) != 0 ||
        api_json_int(req, resp, "amount_mad", API_JSON_FIELD_REQUIRED, 0, AMOUNT_MAX, &amount) <
            0 ||
        api_json_choice(req, resp, "status", 0, programme_grant_statuses, 16, &status) < 0 ||
        note_fields(req, resp, o) != 0 || !(db = api_json_db(resp))) {
        json_decref(o);
        return;
    }
    if (rm != API_JSON_FIELD_SET && rc_ != API_JSON_FIELD_SET) {
        json_decref(o);
        api_error(resp, 400, "missing_field", "member_id or cooperative_id is required",
                  "member_id");
        return;
    }

    if (db_begin(db) != 0) {
        json_decref(o);
        api_error_db(resp);
        return;
    }
    int failed = 0, rc = 0;
    int64_t id = 0;
    if (rm == API_JSON_FIELD_SET && !object_exists(db, ADMINQ_MEMBER_GET, member, &failed)) {
        if (!failed)
            api_error(resp, 422, "invalid_value", "no such member", "member_id");
        rc = -1;
    } else if (rc_ == API_JSON_FIELD_SET && !object_exists(db, ADMINQ_COOP_GET, coop, &failed)) {
        if (!failed)
            api_error(resp, 422, "invalid_value", "no such cooperative", "cooperative_id");
        rc = -1;
    } else {
        int64_t now = db_now();
        struct adminq_arg a[] = {
            adminq_as(":reference", adminq_text(jstr(o, "reference"))),
            adminq_as(":member_id", rm == API_JSON_FIELD_SET ? adminq_int(member) : adminq_null()),
            adminq_as(":cooperative_id",
                      rc_ == API_JSON_FIELD_SET ? adminq_int(coop) : adminq_null()),
            adminq_as(":programme", adminq_text(jstr(o, "programme"))),
            adminq_as(":amount_mad", adminq_int(amount)),
            adminq_as(":status", adminq_text(status)),
            adminq_as(":note_ar", adminq_text(jstr(o, "note_ar"))),
            adminq_as(":note_fr", adminq_text(jstr(o, "note_fr"))),
            adminq_as(":note_en", adminq_text(jstr(o, "note_en"))),
            adminq_as(":now", adminq_int(now))};
        enum adminq_write_result w = adminq_exec(db, ADMINQ_GRANT_INSERT, a, 10, NULL, &id);
        if (w != ADMINQ_OK) {
            api_json_write_failed(resp, w, "reference");
            rc = -1;
        } else {
            json_t *row = api_json_get_one(db, ADMINQ_GRANT_GET, id, resp);
            rc = row ? api_json_audit(db, req, "grant.create", "grant", id,
                                      json_pack("{s:o}", "created", row))
                     : -1;
        }
    }
    json_t *nm = api_json_take_normalised(o);
    json_decref(o);
    if (api_json_finish(db, rc, resp) != 0) {
        json_decref(nm);
        return;
    }
    api_json_reply_normalised(resp, 201, grant_with_history(db, id, resp), nm);
}

static void grant_status_post(const struct api_request *req, struct http_response *resp)
{
    static const char *const fields[] = {"status", "note", "note_ar", "note_fr", "note_en", NULL};
    int64_t id;
    const char *status = NULL;
    json_t *notes = json_object();
    struct db *db = NULL;
    if (api_param_id(req, resp, "id", &id) != 0 || api_json_need_body(req, resp) != 0 ||
        api_json_only(req, resp, fields) != 0 ||
        api_json_choice(req, resp, "status", API_JSON_FIELD_REQUIRED, programme_grant_statuses, 16,
                        &status) < 0 ||
        note_fields(req, resp, notes) != 0 || !(db = api_json_db(resp))) {
        json_decref(notes);
        return;
    }
    struct notice_env env;
    runtime_env_notice(req->rt, &env);
    struct grant_status_change c = {.grant_id = id,
                                    .status = status,
                                    .note_ar = jstr(notes, "note_ar"),
                                    .note_fr = jstr(notes, "note_fr"),
                                    .note_en = jstr(notes, "note_en")};
    if (db_begin(db) != 0) {
        json_decref(notes);
        api_error_db(resp);
        return;
    }
    int64_t message_id = 0;
    enum programme_result r = programme_grant_set_status(db, &env, &req->actor, &c, &message_id);
    json_t *nm = api_json_take_normalised(notes);
    json_decref(notes);
    if (r == PROGRAMME_NOT_FOUND)
        api_error(resp, 404, "not_found", "no such grant", NULL);
    else if (r == PROGRAMME_CONFLICT)
        api_error(resp, 409, "conflict", "the grant cannot take this status", "status");
    json_t *o = NULL;
    if (api_json_finish(db, r == PROGRAMME_OK ? 0 : -1, resp) == 0 &&
        (o = grant_with_history(db, id, resp)))
        json_object_set_new(o, "notification_message_id",
                            message_id ? json_integer(message_id) : json_null());
    api_json_reply_normalised(resp, 200, o, nm);
}

/* PATCH /grants/{id}: what staff may correct on a grant (programme, amount,
 * the notes per language); its status changes through POST .../status,
 * which tells the member. The audit row holds the changes. */
static void grant_patch(const struct api_request *req, struct http_response *resp)
{
    static const char *const fields[] = {"programme", "amount_mad", "note", "note_ar",
                                         "note_fr",   "note_en",    NULL};
    int64_t id, amount;
    struct db *db;
    if (api_param_id(req, resp, "id", &id) != 0 || api_json_need_body(req, resp) != 0 ||
        api_json_only(req, resp, fields) != 0 || !(db = api_json_db(resp)))
        return;
    json_t *before = api_json_begin_get(db, ADMINQ_GRANT_GET, id, resp);
    if (!before)
        return;
    json_t *after = json_deep_copy(before);
    enum api_json_field_result r = API_JSON_FIELD_ABSENT;
    int rc = text_field(req, resp, after, "programme", 0, PROGRAMME_MAX_BYTES);
    if (rc == 0 && (r = api_json_int(req, resp, "amount_mad", 0, 0, AMOUNT_MAX, &amount)) < 0)
        rc = -1;
    if (rc == 0 && r == API_JSON_FIELD_SET)
        json_object_set_new(after, "amount_mad", json_integer(amount));
    if (rc == 0)
        rc = note_fields(req, resp, after);
    json_t *nm = api_json_take_normalised(after);
    if (rc == 0) {
        struct adminq_arg a[] = {adminq_as(":id", adminq_int(id)),
                                 adminq_as(":programme", adminq_text(jstr(after, "programme"))),
                                 adminq_as(":amount_mad", opt_int(after, "amount_mad")),
                                 adminq_as(":note_ar", adminq_text(jstr(after, "note_ar"))),
                                 adminq_as(":note_fr", adminq_text(jstr(after, "note_fr"))),
                                 adminq_as(":note_en", adminq_text(jstr(after, "note_en"))),
                                 adminq_as(":now", adminq_int(db_now()))};
        rc = api_json_update_audited(db, req, resp, ADMINQ_GRANT_UPDATE, a, 7, NULL, "grant.update",
                                     "grant", id, before, after);
    }
    json_decref(before);
    json_decref(after);
    if (api_json_finish(db, rc, resp) != 0) {
        json_decref(nm);
        return;
    }
    api_json_reply_normalised(resp, 200, grant_with_history(db, id, resp), nm);
}

/* ------------------------------------------------------------------ events */

static int starts_at_field(const struct api_request *req, struct http_response *resp, json_t *o,
                           int flags)
{
    json_t *v = json_object_get(req->json, "starts_at");
    if (!v) {
        if (flags & API_JSON_FIELD_REQUIRED) {
            api_error(resp, 400, "missing_field", "starts_at is required", "starts_at");
            return -1;
        }
        return 0;
    }
    int64_t t = -1;
    if (json_is_integer(v)) {
        t = json_integer_value(v);
    } else if (json_is_string(v)) {
        if (api_json_parse_time(json_string_value(v), &t) != 0) {
            api_error(resp, 422, "invalid_value",
                      "starts_at must be YYYY-MM-DDTHH:MM[:SS] (programme time) with an "
                      "optional Z or +HH:MM",
                      "starts_at");
            return -1;
        }
    } else {
        api_error(resp, 400, "invalid_field",
                  "starts_at must be unix seconds or an ISO 8601 date-time string", "starts_at");
        return -1;
    }
    if (t <= 0 || t > 7258118400LL) {
        api_error(resp, 422, "invalid_value", "starts_at is out of range", "starts_at");
        return -1;
    }
    json_object_set_new(o, "starts_at", json_integer(t));
    return 0;
}

static int event_fields(const struct api_request *req, struct http_response *resp, json_t *o,
                        int flags)
{
    static const char *const fields[] = {"code",
                                         "kind",
                                         "title_ar",
                                         "title_fr",
                                         "title_en",
                                         "starts_at",
                                         "description_ar",
                                         "description_fr",
                                         "description_en",
                                         "place",
                                         "province",
                                         "capacity",
                                         "reminder_before_s",
                                         NULL};
    const struct runtime *rt = req->rt;
    const char *s;
    int64_t v;
    enum api_json_field_result r;
    if (api_json_only(req, resp, fields) != 0)
        return -1;
    if ((r = api_json_string(req, resp, "code", flags, CODE_MAX_BYTES, &s)) < 0)
        return -1;
    if (r == API_JSON_FIELD_SET) {
        if (!digits_only(s)) {
            api_error(resp, 422, "invalid_value", "code must be digits (members type JOIN CODE)",
                      "code");
            return -1;
        }
        json_object_set_new(o, "code", json_string(s));
    }
    if ((r = api_json_choice(req, resp, "kind", flags, event_kinds, 8, &s)) < 0)
        return -1;
    if (r == API_JSON_FIELD_SET)
        json_object_set_new(o, "kind", json_string(s));
    static const char *const texts[] = {"title_ar",       "title_fr",       "title_en",
                                        "description_ar", "description_fr", "description_en"};
    for (size_t i = 0; i < 6; i++)
        if (text_field(req, resp, o, texts[i], API_JSON_FIELD_NULLABLE,
                       i < 3 ? TITLE_MAX_BYTES : DESCRIPTION_MAX_BYTES) != 0)
            return -1;
    if (!jstr(o, "title_ar") && !jstr(o, "title_fr") && !jstr(o, "title_en")) {
        api_error(resp, 422, "invalid_value", "a title in at least one language is required",
                  "title_ar");
        return -1;
    }
    if (starts_at_field(req, resp, o, flags) != 0 ||
        text_field(req, resp, o, "place", flags, PLACE_MAX_BYTES) != 0)
        return -1;
    if ((r = api_json_choice(req, resp, "province", API_JSON_FIELD_NULLABLE,
                             (const char *const *)rt->provinces, rt->cfg.programme.nprovinces,
                             &s)) < 0)
        return -1;
    if (r == API_JSON_FIELD_SET)
        json_object_set_new(o, "province", json_string(s));
    else if (r == API_JSON_FIELD_IS_NULL)
        json_object_set_new(o, "province", json_null());
    if ((r = api_json_int(req, resp, "capacity", API_JSON_FIELD_NULLABLE, 0, 1000000, &v)) < 0)
        return -1;
    if (r == API_JSON_FIELD_SET)
        json_object_set_new(o, "capacity", json_integer(v));
    else if (r == API_JSON_FIELD_IS_NULL)
        json_object_set_new(o, "capacity", json_null());
    /* The event's own reminder lead; null: programme.reminder_before_s. */
    if ((r = api_json_int(req, resp, "reminder_before_s", API_JSON_FIELD_NULLABLE,
                          REMINDER_LEAD_MIN_S, REMINDER_LEAD_MAX_S, &v)) < 0)
        return -1;
    if (r == API_JSON_FIELD_SET)
        json_object_set_new(o, "reminder_before_s", json_integer(v));
    else if (r == API_JSON_FIELD_IS_NULL)
        json_object_set_new(o, "reminder_before_s", json_null());
    return 0;
}

/* The EVENT_ARGS fields of an event insert or update, each bound by its name. */
#define EVENT_ARGS 13
static void event_args(json_t *o, struct adminq_arg *a)
{
    static const char *const keys[] = {"code",           "kind",          "title_ar",
                                       "title_fr",       "title_en",      "description_ar",
                                       "description_fr", "description_en"};
    static const char *const names[] = {":code",           ":kind",          ":title_ar",
                                        ":title_fr",       ":title_en",      ":description_ar",
                                        ":description_fr", ":description_en"};
    for (size_t i = 0; i < 8; i++)
        a[i] = adminq_as(names[i], adminq_text(jstr(o, keys[i])));
    a[8] = adminq_as(":starts_at", opt_int(o, "starts_at"));
    a[9] = adminq_as(":place", adminq_text(jstr(o, "place")));
    a[10] = adminq_as(":province", adminq_text(jstr(o, "province")));
    a[11] = adminq_as(":capacity", opt_int(o, "capacity"));
    a[12] = adminq_as(":reminder_before_s", opt_int(o, "reminder_before_s"));
}

static void events_get(const struct api_request *req, struct http_response *resp)
{
    struct api_page page;
    int64_t from = 0, to = 0;
    if (api_page_parse(req, resp, &page) != 0 ||
        api_query_int(req, resp, "from", 0, INT64_MAX / 2, 0, &from) != 0 ||
        api_query_int(req, resp, "to", 0, INT64_MAX / 2, 0, &to) != 0)
        return;
    const char *status, *kind, *province;
    if (api_query_choice(req, resp, "status", event_statuses, 2, &status) != 0 ||
        api_query_choice(req, resp, "kind", event_kinds, 8, &kind) != 0 ||
        api_query_choice(req, resp, "province", req->rt->provinces, CONFIG_LIST_MAX, &province) !=
            0)
        return;
    struct db *db = api_json_db(resp);
    if (!db)
        return;
    struct adminq_arg a[7] = {
        adminq_as(":status", adminq_text(status)), adminq_as(":province", adminq_text(province)),
        adminq_as(":kind", adminq_text(kind)),
        adminq_as(":from", api_query(req, "from") ? adminq_int(from) : adminq_null()),
        adminq_as(":to", api_query(req, "to") ? adminq_int(to) : adminq_null())};
    api_json_reply_list(db, ADMINQ_EVENTS_LIST, ADMINQ_EVENTS_COUNT, a, 5, &page, resp);
}

static json_t *event_with_rsvps(struct db *db, int64_t id, struct http_response *resp)
{
    json_t *o = api_json_get_one(db, ADMINQ_EVENT_GET, id, resp);
    if (!o)
        return NULL;
    struct adminq_arg a = adminq_int(id);
    struct adminq_table t;
    if (api_json_select(db, ADMINQ_EVENT_RSVPS, &a, 1, &t, resp) != 0) {
        json_decref(o);
        return NULL;
    }
    json_object_set_new(o, "rsvp_list", api_json_rows(&t));
    adminq_table_free(&t);
    /* Whether staff may check members in now (the rule of store/events). */
    json_object_set_new(
        o, "checkin_open",
        json_boolean(event_checkin_open(
            jstr(o, "status"), json_integer_value(json_object_get(o, "starts_at")), db_now())));
    return o;
}

static void event_show(const struct api_request *req, struct http_response *resp)
{
    int64_t id;
    struct db *db;
    if (api_param_id(req, resp, "id", &id) != 0 || !(db = api_json_db(resp)))
        return;
    json_t *o = event_with_rsvps(db, id, resp);
    if (o)
        api_reply_json(resp, 200, o);
}

static void events_post(const struct api_request *req, struct http_response *resp)
{
    json_t *o = json_object();
    struct db *db = NULL;
    if (api_json_need_body(req, resp) != 0 ||
        event_fields(req, resp, o, API_JSON_FIELD_REQUIRED) != 0 || !(db = api_json_db(resp))) {
        json_decref(o);
        return;
    }
    struct adminq_arg a[EVENT_ARGS + 1];
    json_t *nm = api_json_take_normalised(o);
    event_args(o, a);
    a[EVENT_ARGS] = adminq_as(":now", adminq_int(db_now()));
    if (db_begin(db) != 0) {
        json_decref(o);
        json_decref(nm);
        api_error_db(resp);
        return;
    }
    int64_t id = 0;
    int rc = 0;
    enum adminq_write_result w = adminq_exec(db, ADMINQ_EVENT_INSERT, a, EVENT_ARGS + 1, NULL, &id);
    if (w != ADMINQ_OK) {
        api_json_write_failed(resp, w, "code");
        rc = -1;
    } else {
        rc = api_json_audit(db, req, "event.create", "event", id, json_pack("{s:O}", "created", o));
    }
    json_decref(o);
    if (api_json_finish(db, rc, resp) != 0) {
        json_decref(nm);
        return;
    }
    api_json_reply_normalised(resp, 201, event_with_rsvps(db, id, resp), nm);
}

static void event_patch(const struct api_request *req, struct http_response *resp)
{
    int64_t id;
    struct db *db;
    if (api_param_id(req, resp, "id", &id) != 0 || api_json_need_body(req, resp) != 0 ||
        !(db = api_json_db(resp)))
        return;
    json_t *before = api_json_begin_get(db, ADMINQ_EVENT_GET, id, resp);
    if (!before)
        return;
    json_t *after = json_deep_copy(before), *nm = NULL;
    int rc = 0;
    if (strcmp(jstr(before, "status") ? jstr(before, "status") : "", "scheduled") != 0) {
        api_error(resp, 409, "conflict", "a cancelled event cannot be changed", NULL);
        rc = -1;
    } else {
        rc = event_fields(req, resp, after, API_JSON_FIELD_OPTIONAL);
        nm = api_json_take_normalised(after);
    }
    if (rc == 0) {
        struct adminq_arg a[EVENT_ARGS + 2];
        a[0] = adminq_as(":id", adminq_int(id));
        event_args(after, a + 1);
        a[EVENT_ARGS + 1] = adminq_as(":now", adminq_int(db_now()));
        rc = api_json_update_audited(db, req, resp, ADMINQ_EVENT_UPDATE, a, EVENT_ARGS + 2, "code",
                                     "event.update", "event", id, before, after);
    }
    json_decref(before);
    json_decref(after);
    if (api_json_finish(db, rc, resp) != 0) {
        json_decref(nm);
        return;
    }
    api_json_reply_normalised(resp, 200, event_with_rsvps(db, id, resp), nm);
}

static void event_cancel(const struct api_request *req, struct http_response *resp)
{
    int64_t id;
    struct db *db = api_json_begin_id(req, resp, &id);
    if (!db)
        return;
    struct notice_env env;
    runtime_env_notice(req->rt, &env);
    int64_t notices = 0;
    enum programme_result r = programme_event_cancel(db, &env, &req->actor, id, &notices);
    if (r == PROGRAMME_NOT_FOUND)
        api_error(resp, 404, "not_found", "no such event", NULL);
    else if (r == PROGRAMME_CONFLICT)
        api_error(resp, 409, "conflict", "the event is already cancelled", NULL);
    if (api_json_finish(db, r == PROGRAMME_OK ? 0 : -1, resp) != 0)
        return;
    json_t *o = event_with_rsvps(db, id, resp);
    if (!o)
        return;
    json_object_set_new(o, "notices_queued", json_integer(notices));
    api_reply_json(resp, 200, o);
}

/* ------------------------------------------------------------------- ideas */

static void ideas_get(const struct api_request *req, struct http_response *resp)
{
    struct api_page page;
    int64_t member = 0;
    if (api_page_parse(req, resp, &page) != 0 ||
        api_query_int(req, resp, "member_id", 1, INT64_MAX, 0, &member) != 0)
        return;
    const char *status, *sector;
    if (api_query_choice(req, resp, "status", programme_idea_statuses, 8, &status) != 0 ||
        api_query_choice(req, resp, "sector", req->rt->sectors, CONFIG_LIST_MAX, &sector) != 0)
        return;
    struct db *db = api_json_db(resp);
    if (!db)
        return;
    struct adminq_arg a[5] = {adminq_as(":status", adminq_text(status)),
                              adminq_as(":sector", adminq_text(sector)),
                              adminq_as(":member_id", member ? adminq_int(member) : adminq_null())};
    api_json_reply_list(db, ADMINQ_IDEAS_LIST, ADMINQ_IDEAS_COUNT, a, 3, &page, resp);
}

static void idea_get(const struct api_request *req, struct http_response *resp)
{
    int64_t id;
    struct db *db;
    if (api_param_id(req, resp, "id", &id) != 0 || !(db = api_json_db(resp)))
        return;
    json_t *o = api_json_get_one(db, ADMINQ_IDEA_GET, id, resp);
    if (o)
        api_reply_json(resp, 200, o);
}

/* POST /ideas/{id}/status: the new status, and one SMS to the idea's
 * author (app/programme); the same status again is a no-op. */
static void idea_status_post(const struct api_request *req, struct http_response *resp)
{
    static const char *const fields[] = {"status", NULL};
    int64_t id, message_id = 0;
    const char *status = NULL;
    struct db *db;
    if (api_param_id(req, resp, "id", &id) != 0 || api_json_need_body(req, resp) != 0 ||
        api_json_only(req, resp, fields) != 0 ||
        api_json_choice(req, resp, "status", API_JSON_FIELD_REQUIRED, programme_idea_statuses, 8,
                        &status) < 0 ||
        !(db = api_json_db(resp)))
        return;
    struct notice_env env;
    runtime_env_notice(req->rt, &env);
    if (db_begin(db) != 0) {
        api_error_db(resp);
        return;
    }
    enum programme_result r =
        programme_idea_set_status(db, &env, &req->actor, id, status, &message_id);
    if (r == PROGRAMME_NOT_FOUND)
        api_error(resp, 404, "not_found", "no such idea", NULL);
    if (api_json_finish(db, r == PROGRAMME_OK ? 0 : -1, resp) != 0)
        return;
    json_t *o = api_json_get_one(db, ADMINQ_IDEA_GET, id, resp);
    if (!o)
        return;
    json_object_set_new(o, "notification_message_id",
                        message_id ? json_integer(message_id) : json_null());
    api_reply_json(resp, 200, o);
}

const struct api_route api_programme_routes[] = {
    {"GET", "/grants", API_ROLE_VIEWER, grants_get, API_BODY_JSON},
    {"POST", "/grants", API_ROLE_STAFF, grants_post, API_BODY_JSON},
    {"GET", "/grants/{id}", API_ROLE_VIEWER, grant_get, API_BODY_JSON},
    {"PATCH", "/grants/{id}", API_ROLE_STAFF, grant_patch, API_BODY_JSON},
    {"POST", "/grants/{id}/status", API_ROLE_STAFF, grant_status_post, API_BODY_JSON},
    {"GET", "/events", API_ROLE_VIEWER, events_get, API_BODY_JSON},
    {"POST", "/events", API_ROLE_STAFF, events_post, API_BODY_JSON},
    {"GET", "/events/{id}", API_ROLE_VIEWER, event_show, API_BODY_JSON},
    {"PATCH", "/events/{id}", API_ROLE_STAFF, event_patch, API_BODY_JSON},
    {"POST", "/events/{id}/cancel", API_ROLE_STAFF, event_cancel, API_BODY_JSON},
    {"GET", "/ideas", API_ROLE_VIEWER, ideas_get, API_BODY_JSON},
    {"GET", "/ideas/{id}", API_ROLE_VIEWER, idea_get, API_BODY_JSON},
    {"POST", "/ideas/{id}/status", API_ROLE_STAFF, idea_status_post, API_BODY_JSON},
    {NULL, NULL, API_ROLE_NONE, NULL, API_BODY_JSON},
};
