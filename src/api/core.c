/* core.c -- admin API resources: tokens and the audit log (admin),
 * cooperatives and members (read: viewer; write: staff). Every change and
 * its audit row commit in one transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "api/json.h"
#include "app/staff_tokens.h"
#include "core/age_band.h"
#include "core/msisdn.h"
#include "core/topic.h"
#include "core/ussd_menu.h"
#include "runtime/runtime.h"
#include "store/admin_queries.h"
#include "store/audit.h"
#include "store/db.h"
#include "store/members.h"

#define NAME_MAX_BYTES 255
#define MEMBER_MESSAGES_DEFAULT 10
#define MEMBER_MESSAGES_MAX 100

static int local_year(void)
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    return tm.tm_year + 1900;
}

/* --------------------------------------------------------------- programme */

/* n strings as a JSON array. */
static json_t *string_array(const char *items, size_t stride, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, json_string(items + i * stride));
    return a;
}

/* GET /programme: the programme's facts as the config (and core/age_band)
 * declare them, so that the console holds none of its own. */
static void programme_get(const struct api_request *req, struct http_response *resp)
{
    const struct config *c = &req->rt->cfg;
    json_t *bands = json_array();
    for (size_t i = 0; bands && i < age_band_count; i++) {
        const struct age_band *b = &age_bands[i];
        json_array_append_new(
            bands, json_pack("{s:s,s:i,s:o}", "name", b->name, "min_age", b->min_age, "max_age",
                             b->max_age < 0 ? json_null() : json_integer(b->max_age)));
    }
    json_t *body = json_pack(
        "{s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:s,s:i,s:s?,s:I}", "name", c->programme.name, "timezone",
        c->programme.timezone, "default_language", c->programme.default_language, "languages",
        string_array(c->programme.languages[0], sizeof c->programme.languages[0],
                     c->programme.nlanguages),
        "provinces",
        string_array(c->programme.provinces[0], sizeof c->programme.provinces[0],
                     c->programme.nprovinces),
        "sectors",
        string_array(c->programme.sectors[0], sizeof c->programme.sectors[0],
                     c->programme.nsectors),
        "age_bands", bands, "country_code", c->programme.country_code, "min_age",
        c->programme.min_age, "send_window",
        c->programme.send_window[0] ? c->programme.send_window : NULL, "reminder_before_s",
        (json_int_t)c->programme.reminder_before_s);
    /* What a broadcast may name: its topic (core/topic) and channel. */
    const char *channels[CONFIG_CHANNELS_MAX];
    size_t nchannels = api_broadcast_channels(c, channels);
    json_t *topics = json_array(), *bc = json_array();
    for (size_t i = 0; i < TOPIC_COUNT; i++)
        json_array_append_new(topics, json_string(topic_codes[i]));
    for (size_t i = 0; i < nchannels; i++)
        json_array_append_new(bc, json_string(channels[i]));
    json_object_set_new(body, "topics", topics);
    json_object_set_new(body, "broadcast_topic", json_string(API_BROADCAST_TOPIC));
    json_object_set_new(body, "broadcast_channels", bc);
    json_object_set_new(body, "outbound_channel", json_string(c->sms.outbound_channel));
    api_reply_json(resp, 200, body);
}

/* ------------------------------------------------------------------ tokens */

static json_t *token_json(const struct token_row *r)
{
    json_t *o = json_pack("{s:I,s:s,s:s,s:I}", "id", (json_int_t)r->id, "name", r->name, "role",
                          r->role, "created_at", (json_int_t)r->created_at);
    if (o) {
        json_object_set_new(o, "last_used_at",
                            r->last_used_at ? json_integer(r->last_used_at) : json_null());
        json_object_set_new(o, "revoked_at",
                            r->revoked_at ? json_integer(r->revoked_at) : json_null());
    }
    return o;
}

static void tokens_get(const struct api_request *req, struct http_response *resp)
{
    struct db *db = api_json_db(resp);
    if (!db)
        return;
    struct token_row *rows = calloc(TOKENS_LIST_MAX, sizeof *rows);
    int n = rows ? tokens_list(db, rows, TOKENS_LIST_MAX) : -1;
    if (n < 0) {
        free(rows);
        api_error_db(resp);
        return;
    }
    json_t *items = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(items, token_json(&rows[i]));
    free(rows);
    api_reply_json(resp, 200, json_pack("{s:o}", "items", items));
}

static void tokens_post(const struct api_request *req, struct http_response *resp)
{
    static const char *const fields[] = {"name", "role", NULL};
    static const char *const roles[] = {"admin", "staff", "viewer", NULL};
    const char *name = NULL, *role = NULL;
    if (api_json_need_body(req, resp) || api_json_only(req, resp, fields) ||
        api_json_string(req, resp, "name", API_JSON_FIELD_REQUIRED, TOKEN_NAME_MAX - 1, &name) <
            0 ||
        api_json_choice(req, resp, "role", API_JSON_FIELD_REQUIRED, roles, 3, &role) < 0)
        return;
    if (!staff_token_name_valid(name)) {
        api_error(resp, 422, "invalid_value",
                  "name may hold letters, digits, '.', '_', '-' and '@' only", "name");
        return;
    }
    struct db *db = api_json_db(resp);
    if (!db)
        return;
    char token[BEARER_TOKEN_LEN + 1];
    struct token_row row;
    switch (staff_token_create(db, &req->actor, name, role, token, &row)) {
    case STAFF_TOKEN_OK: {
        json_t *o = token_json(&row);
        json_object_set_new(o, "token", json_string(token));
        bearer_wipe(token, sizeof token);
        api_reply_json(resp, 201, o);
        return;
    }
    case STAFF_TOKEN_EXISTS:
        api_error(resp, 409, "conflict", "a live token has this name", "name");
        return;
    case STAFF_TOKEN_INVALID:
        api_error(resp, 422, "invalid_value", "bad name or role", "name");
        return;
    default:
        api_error_db(resp);
        return;
    }
}

static void token_delete(const struct api_request *req, struct http_response *resp)
{
    int64_t id;
    if (api_param_id(req, resp, "id", &id) != 0)
        return;
    struct db *db = api_json_db(resp);
    if (!db)
        return;
    struct token_row row;
    switch (staff_token_revoke(db, &req->actor, NULL, id, &row)) {
    case STAFF_TOKEN_OK:
        row.revoked_at = db_now();
        api_reply_json(resp, 200, token_json(&row));
        return;
    case STAFF_TOKEN_NOT_FOUND:
        api_error(resp, 404, "not_found", "no live token with this id", NULL);
        return;
    default:
        api_error_db(resp);
        return;
    }
}

/* ------------------------------------------------------------------- audit */

static void audit_get(const struct api_request *req, struct http_response *resp)
{
    struct api_page page;
    int64_t since;
    if (api_page_parse(req, resp, &page) != 0 ||
        api_query_int(req, resp, "since", 0, INT64_MAX / 2, 0, &since) != 0)
        return;
    struct audit_filter f = {.who = api_query(req, "who"),
                             .object_type = api_query(req, "object_type"),
                             .object_id = api_query(req, "object_id"),
                             .action = api_query(req, "action"),
                             .since = since};
    if (!f.object_type)
        f.object_type = api_query(req, "object");
    struct db *db = api_json_db(resp);
    if (!db)
        return;
    struct audit_row *rows = calloc((size_t)page.limit, sizeof *rows);
    int64_t total = 0;
    int n = rows ? audit_list(db, &f, page.limit, page.offset, rows, &total) : -1;
    if (n < 0) {
        free(rows);
        api_error_db(resp);
        return;
    }
    json_t *items = json_array();
    for (int i = 0; i < n; i++) {
        struct audit_row *r = &rows[i];
        json_t *summary = json_loads(r->summary, 0, NULL);
        json_t *item =
            json_pack("{s:I,s:I,s:s,s:s,s:s,s:s,s:s,s:s,s:o}", "id", (json_int_t)r->id, "at",
                      (json_int_t)r->at, "who", r->who, "role", r->role, "action", r->action,
                      "object_type", r->object_type, "object_id", r->object_id, "client", r->client,
                      "summary", summary ? summary : json_object());
        api_json_add_local_times(item); /* at_local, as every other time */
        json_array_append_new(items, item);
    }
    audit_rows_free(rows, (size_t)n);
    free(rows);
    api_reply_page(resp, items, &page, total);
}

/* ------------------------------------------------------------ cooperatives */

static bool digits_only(const char *s)
{
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

static void coops_get(const struct api_request *req, struct http_response *resp)
{
    struct api_page page;
    const char *province, *sector;
    if (api_page_parse(req, resp, &page) != 0 ||
        api_query_choice(req, resp, "province", req->rt->provinces, CONFIG_LIST_MAX, &province) !=
            0 ||
        api_query_choice(req, resp, "sector", req->rt->sectors, CONFIG_LIST_MAX, &sector) != 0)
        return;
    struct db *db = api_json_db(resp);
    if (!db)
        return;
    struct adminq_arg a[5] = {adminq_as(":q", adminq_text(api_query(req, "q"))),
                              adminq_as(":province", adminq_text(province)),
                              adminq_as(":sector", adminq_text(sector))};
    api_json_reply_list(db, ADMINQ_COOPS_LIST, ADMINQ_COOPS_COUNT, a, 3, &page, resp);
}

static void coop_get(const struct api_request *req, struct http_response *resp)
{
    int64_t id;
    struct db *db;
    if (api_param_id(req, resp, "id", &id) != 0 || !(db = api_json_db(resp)))
        return;
    json_t *o = api_json_get_one(db, ADMINQ_COOP_GET, id, resp);
    if (!o)
        return;
    struct adminq_arg a[] = {adminq_as(":cooperative_id", adminq_int(id)),
                             adminq_as(":limit", adminq_int(ADMINQ_ROWS_MAX)),
                             adminq_as(":offset", adminq_int(0))};
    struct adminq_table t;
    if (api_json_select(db, ADMINQ_GRANTS_LIST, a, 3, &t, resp) != 0) {
        json_decref(o);
        return;
    }
    json_object_set_new(o, "grants", api_json_rows(&t));
    adminq_table_free(&t);
    api_reply_json(resp, 200, o);
}

/* Read the cooperative fields of the body into *o (the row being built).
 * Returns 0 or -1 (resp filled). */
static int coop_fields(const struct api_request *req, struct http_response *resp, json_t *o,
                       int flags)
{
    static const char *const fields[] = {"code",   "name",          "province",
                                         "sector", "contact_phone", NULL};
    const struct config *cfg = &req->rt->cfg;
    const char *s;
    enum api_json_field_result r;
    if (api_json_only(req, resp, fields) != 0)
        return -1;
    if ((r = api_json_string(req, resp, "code", flags, CODE_MAX - 1, &s)) < 0)
        return -1;
    if (r == API_JSON_FIELD_SET) {
        if (!digits_only(s)) {
            api_error(resp, 422, "invalid_value", "code must be digits (typed on a keypad)",
                      "code");
            return -1;
        }
        json_object_set_new(o, "code", json_string(s));
    }
    if ((r = api_json_string(req, resp, "name", flags, NAME_MAX_BYTES, &s)) < 0)
        return -1;
    if (r == API_JSON_FIELD_SET)
        json_object_set_new(o, "name", json_string(s));
    if ((r = api_json_choice(req, resp, "province", flags, (const char *const *)req->rt->provinces,
                             cfg->programme.nprovinces, &s)) < 0)
        return -1;
    if (r == API_JSON_FIELD_SET)
        json_object_set_new(o, "province", json_string(s));
    if ((r = api_json_choice(req, resp, "sector", API_JSON_FIELD_NULLABLE,
                             (const char *const *)req->rt->sectors, cfg->programme.nsectors, &s)) <
        0)
        return -1;
    if (r == API_JSON_FIELD_SET)
        json_object_set_new(o, "sector", json_string(s));
    else if (r == API_JSON_FIELD_IS_NULL)
        json_object_set_new(o, "sector", json_null());
    if ((r = api_json_string(req, resp, "contact_phone", API_JSON_FIELD_NULLABLE, 64, &s)) < 0)
        return -1;
    if (r == API_JSON_FIELD_SET) {
        char e164[MSISDN_MAX];
        if (msisdn_normalize(s, strlen(s), e164) != MSISDN_OK) {
            api_error(resp, 422, "invalid_value", "contact_phone is not a valid mobile number",
                      "contact_phone");
            return -1;
        }
        json_object_set_new(o, "contact_phone", json_string(e164));
    } else if (r == API_JSON_FIELD_IS_NULL) {
        json_object_set_new(o, "contact_phone", json_null());
    }
    return 0;
}

static const char *jstr(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key)); /* NULL for null/absent */
}

static void coops_post(const struct api_request *req, struct http_response *resp)
{
    json_t *o = json_object();
    struct db *db = NULL;
    if (api_json_need_body(req, resp) != 0 ||
        coop_fields(req, resp, o, API_JSON_FIELD_REQUIRED) != 0 || !(db = api_json_db(resp))) {
        json_decref(o);
        return;
    }
    struct adminq_arg a[] = {adminq_as(":code", adminq_text(jstr(o, "code"))),
                             adminq_as(":name", adminq_text(jstr(o, "name"))),
                             adminq_as(":province", adminq_text(jstr(o, "province"))),
                             adminq_as(":sector", adminq_text(jstr(o, "sector"))),
                             adminq_as(":contact_phone", adminq_text(jstr(o, "contact_phone"))),
                             adminq_as(":now", adminq_int(db_now()))};
    if (db_begin(db) != 0) {
        json_decref(o);
        api_error_db(resp);
        return;
    }
    int64_t id = 0;
    enum adminq_write_result w = adminq_exec(db, ADMINQ_COOP_INSERT, a, 6, NULL, &id);
    int rc = 0;
    if (w != ADMINQ_OK) {
        api_json_write_failed(resp, w, "code");
        rc = -1;
    } else {
        rc = api_json_audit(db, req, "cooperative.create", "cooperative", id,
                            json_pack("{s:O}", "created", o));
    }
    json_decref(o);
    if (api_json_finish(db, rc, resp) != 0)
        return;
    json_t *created = api_json_get_one(db, ADMINQ_COOP_GET, id, resp);
    if (created)
        api_reply_json(resp, 201, created);
}

static void coop_patch(const struct api_request *req, struct http_response *resp)
{
    int64_t id;
    struct db *db;
    if (api_param_id(req, resp, "id", &id) != 0 || api_json_need_body(req, resp) != 0 ||
        !(db = api_json_db(resp)))
        return;
    json_t *before = api_json_begin_get(db, ADMINQ_COOP_GET, id, resp);
    if (!before)
        return;
    json_t *after = json_deep_copy(before);
    int rc = coop_fields(req, resp, after, API_JSON_FIELD_OPTIONAL);
    if (rc == 0) {
        struct adminq_arg a[] = {
            adminq_as(":id", adminq_int(id)),
            adminq_as(":code", adminq_text(jstr(after, "code"))),
            adminq_as(":name", adminq_text(jstr(after, "name"))),
            adminq_as(":province", adminq_text(jstr(after, "province"))),
            adminq_as(":sector", adminq_text(jstr(after, "sector"))),
            adminq_as(":contact_phone", adminq_text(jstr(after, "contact_phone"))),
            adminq_as(":now", adminq_int(db_now()))};
        rc = api_json_update_audited(db, req, resp, ADMINQ_COOP_UPDATE, a, 7, "code",
                                     "cooperative.update", "cooperative", id, before, after);
    }
    json_decref(before);
    json_decref(after);
    if (api_json_finish(db, rc, resp) != 0)
        return;
    json_t *now = api_json_get_one(db, ADMINQ_COOP_GET, id, resp);
    if (now)
        api_reply_json(resp, 200, now);
}

/* ----------------------------------------------------------------- members */

/* Birth-year bounds of an age band (core/age_band). Returns 0, or -1 for
 * an unknown band. */
static int age_band_years(const char *name, int year, struct adminq_arg *min_by,
                          struct adminq_arg *max_by)
{
    const struct age_band *band = age_band_find(name);
    if (!band)
        return -1;
    *max_by = adminq_int(year - band->min_age);
    *min_by = band->max_age < 0 ? adminq_null() : adminq_int(year - band->max_age);
    return 0;
}

static void members_get(const struct api_request *req, struct http_response *resp)
{
    struct api_page page;
    int64_t coop = 0, erased = 0;
    if (api_page_parse(req, resp, &page) != 0 ||
        api_query_int(req, resp, "cooperative_id", 1, INT64_MAX, 0, &coop) != 0 ||
        api_query_int(req, resp, "erased", 0, 1, 0, &erased) != 0)
        return;
    char e164[MSISDN_MAX];
    const char *phone;
    if (api_query_phone(req, resp, "phone", e164, &phone) != 0)
        return;
    static const char *const genders[] = {"f", "m", NULL};
    const char *gender, *province, *sector;
    if (api_query_choice(req, resp, "gender", genders, 2, &gender) != 0 ||
        api_query_choice(req, resp, "province", req->rt->provinces, CONFIG_LIST_MAX, &province) !=
            0 ||
        api_query_choice(req, resp, "sector", req->rt->sectors, CONFIG_LIST_MAX, &sector) != 0)
        return;
    struct adminq_arg min_by = adminq_null(), max_by = adminq_null();
    const char *band = api_query(req, "age_band");
    if (band && age_band_years(band, local_year(), &min_by, &max_by) != 0) {
        char msg[160], list[120];
        snprintf(msg, sizeof msg, "age_band must be one of %s", age_band_list(list, sizeof list));
        api_error(resp, 400, "invalid_parameter", msg, "age_band");
        return;
    }
    const char *topic;
    if (api_query_choice(req, resp, "topic", topic_codes, TOPIC_COUNT, &topic) != 0)
        return;
    /* The name as typed, folded as the stored names are (store/members). */
    const char *typed = api_query(req, "name");
    char name[FOLDED_NAME_MAX];
    if (typed && *typed && member_name_query(typed, name, sizeof name) != 0) {
        api_error(resp, 400, "invalid_parameter", "name must hold a letter or a digit", "name");
        return;
    }
    struct db *db = api_json_db(resp);
    if (!db)
        return;
    struct adminq_arg a[13] = {
        adminq_as(":phone", adminq_text(phone)),
        adminq_as(":cooperative_id", coop ? adminq_int(coop) : adminq_null()),
        adminq_as(":province", adminq_text(province)),
        adminq_as(":sector", adminq_text(sector)),
        adminq_as(":gender", adminq_text(gender)),
        adminq_as(":birth_year_min", min_by),
        adminq_as(":birth_year_max", max_by),
        adminq_as(":topic", adminq_text(topic)),
        adminq_as(":erased", adminq_int(erased))};
    bool filtered = phone || coop || province || sector || gender || band || topic || erased;
    if (typed && *typed && !filtered) {
        struct adminq_arg n[3] = {adminq_as(":name", adminq_text(name))};
        api_json_reply_list(db, ADMINQ_MEMBERS_NAME_LIST, ADMINQ_MEMBERS_NAME_COUNT, n, 1, &page,
                            resp);
    } else if (typed && *typed) {
        a[9] = adminq_as(":name", adminq_text(name));
        api_json_reply_list(db, ADMINQ_MEMBERS_BY_NAME_LIST, ADMINQ_MEMBERS_BY_NAME_COUNT, a, 10,
                            &page, resp);
    } else if (phone) {
        api_json_reply_list(db, ADMINQ_MEMBERS_BY_PHONE_LIST, ADMINQ_MEMBERS_BY_PHONE_COUNT, a, 9,
                            &page, resp);
    } else if (coop) {
        api_json_reply_list(db, ADMINQ_MEMBERS_BY_COOP_LIST, ADMINQ_MEMBERS_BY_COOP_COUNT, a, 9,
                            &page, resp);
    } else {
        api_json_reply_list(db, ADMINQ_MEMBERS_LIST, ADMINQ_MEMBERS_COUNT, a, 9, &page, resp);
    }
}

static int attach(struct db *db, json_t *o, const char *key, enum adminq q, struct adminq_arg *a,
                  size_t n, struct http_response *resp)
{
    struct adminq_table t;
    if (api_json_select(db, q, a, n, &t, resp) != 0)
        return -1;
    json_object_set_new(o, key, api_json_rows(&t));
    adminq_table_free(&t);
    return 0;
}

static void member_get(const struct api_request *req, struct http_response *resp)
{
    int64_t id, nmsg;
    struct db *db;
    if (api_param_id(req, resp, "id", &id) != 0 ||
        api_query_int(req, resp, "messages", 0, MEMBER_MESSAGES_MAX, MEMBER_MESSAGES_DEFAULT,
                      &nmsg) != 0 ||
        !(db = api_json_db(resp)))
        return;
    json_t *o = api_json_get_one(db, ADMINQ_MEMBER_GET, id, resp);
    if (!o)
        return;
    struct adminq_arg a[2] = {adminq_int(id), adminq_int(nmsg)};
    struct adminq_table t;
    if (api_json_select(db, ADMINQ_MEMBER_TOPICS, a, 1, &t, resp) != 0) {
        json_decref(o);
        return;
    }
    json_t *topics = json_object();
    for (size_t i = 0; i < TOPIC_COUNT; i++) {
        bool on = true;
        for (size_t r = 0; r < t.nrows; r++)
            if (strcmp(adminq_str(&t, r, 0), topic_codes[i]) == 0)
                on = adminq_i64(&t, r, 1) != 0;
        json_object_set_new(topics, topic_codes[i], json_boolean(on));
    }
    adminq_table_free(&t);
    json_object_set_new(o, "topics", topics);
    char no[16];
    member_number(id, no);
    json_object_set_new(o, "member_no", json_string(no));
    if (attach(db, o, "grants", ADMINQ_MEMBER_GRANTS, a, 1, resp) != 0 ||
        attach(db, o, "rsvps", ADMINQ_MEMBER_RSVPS, a, 1, resp) != 0 ||
        attach(db, o, "previous_phones", ADMINQ_MEMBER_PHONES, a, 1, resp) != 0 ||
        attach(db, o, "messages", ADMINQ_MEMBER_MESSAGES, a, 2, resp) != 0) {
        json_decref(o);
        return;
    }
    api_reply_json(resp, 200, o);
}

/* is_contact: their cooperative's contact person, who may register members
 * of it over USSD (app/agent); only a member with a cooperative can be
 * one. Read into after (as 0/1, like the column). Returns 0 or -1. */
static int member_contact_field(const struct api_request *req, struct http_response *resp,
                                json_t *after)
{
    bool on;
    enum api_json_field_result r = api_json_bool(req, resp, "is_contact", 0, &on);
    if (r < 0)
        return -1;
    if (r == API_JSON_FIELD_SET)
        json_object_set_new(after, "is_contact", json_integer(on ? 1 : 0));
    if (json_integer_value(json_object_get(after, "is_contact")) == 1 &&
        !json_is_integer(json_object_get(after, "cooperative_id"))) {
        api_error(resp, 422, "invalid_value", "a contact person needs a cooperative", "is_contact");
        return -1;
    }
    return 0;
}

/* Read the profile fields of the body into after. Returns 0 or -1. */
static int member_fields(const struct api_request *req, struct http_response *resp, struct db *db,
                         json_t *after)
{
    static const char *const fields[] = {"name",     "cooperative_id", "province",
                                         "sector",   "gender",         "birth_year",
                                         "language", "is_contact",     NULL};
    static const char *const genders[] = {"f", "m", NULL};
    const struct runtime *rt = req->rt;
    const struct config *cfg = &rt->cfg;
    const char *s;
    int64_t v;
    enum api_json_field_result r;
    if (api_json_only(req, resp, fields) != 0)
        return -1;
    if ((r = api_json_string(req, resp, "name", 0, MEMBER_NAME_MAX - 1, &s)) < 0)
        return -1;
    if (r == API_JSON_FIELD_SET)
        json_object_set_new(after, "name", json_string(s));
    if ((r = api_json_int(req, resp, "cooperative_id", API_JSON_FIELD_NULLABLE, 1, INT64_MAX, &v)) <
        0)
        return -1;
    if (r == API_JSON_FIELD_SET) {
        struct adminq_arg a = adminq_int(v);
        struct adminq_table t;
        if (api_json_select(db, ADMINQ_COOP_GET, &a, 1, &t, resp) != 0)
            return -1;
        size_t found = t.nrows;
        adminq_table_free(&t);
        if (!found) {
            api_error(resp, 422, "invalid_value", "no such cooperative", "cooperative_id");
            return -1;
        }
        json_object_set_new(after, "cooperative_id", json_integer(v));
    } else if (r == API_JSON_FIELD_IS_NULL) {
        json_object_set_new(after, "cooperative_id", json_null());
    }
    if ((r = api_json_choice(req, resp, "province", 0, (const char *const *)rt->provinces,
                             cfg->programme.nprovinces, &s)) < 0)
        return -1;
    if (r == API_JSON_FIELD_SET)
        json_object_set_new(after, "province", json_string(s));
    if ((r = api_json_choice(req, resp, "sector", 0, (const char *const *)rt->sectors,
                             cfg->programme.nsectors, &s)) < 0)
        return -1;
    if (r == API_JSON_FIELD_SET)
        json_object_set_new(after, "sector", json_string(s));
    if ((r = api_json_choice(req, resp, "gender", API_JSON_FIELD_NULLABLE, genders, 2, &s)) < 0)
        return -1;
    if (r == API_JSON_FIELD_SET)
        json_object_set_new(after, "gender", json_string(s));
    else if (r == API_JSON_FIELD_IS_NULL)
        json_object_set_new(after, "gender", json_null());
    int year = local_year();
    if ((r = api_json_int(req, resp, "birth_year", API_JSON_FIELD_NULLABLE, year - 120,
                          year - cfg->programme.min_age, &v)) < 0)
        return -1;
    if (r == API_JSON_FIELD_SET)
        json_object_set_new(after, "birth_year", json_integer(v));
    else if (r == API_JSON_FIELD_IS_NULL)
        json_object_set_new(after, "birth_year", json_null());
    if ((r = api_json_choice(req, resp, "language", 0, (const char *const *)rt->languages,
                             cfg->programme.nlanguages, &s)) < 0)
        return -1;
    if (r == API_JSON_FIELD_SET)
        json_object_set_new(after, "language", json_string(s));
    return member_contact_field(req, resp, after);
}

static struct adminq_arg opt_int(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? adminq_int(json_integer_value(v)) : adminq_null();
}

static void member_patch(const struct api_request *req, struct http_response *resp)
{
    int64_t id;
    struct db *db;
    if (api_param_id(req, resp, "id", &id) != 0 || api_json_need_body(req, resp) != 0 ||
        !(db = api_json_db(resp)))
        return;
    json_t *before = api_json_begin_get(db, ADMINQ_MEMBER_GET, id, resp);
    if (!before)
        return;
    json_t *after = json_deep_copy(before);
    int rc = 0;
    if (!json_is_null(json_object_get(before, "erased_at"))) {
        api_error(resp, 409, "conflict", "this member's data was erased", NULL);
        rc = -1;
    } else {
        rc = member_fields(req, resp, db, after);
    }
    if (rc == 0) {
        struct adminq_arg a[] = {adminq_as(":id", adminq_int(id)),
                                 adminq_as(":name", adminq_text(jstr(after, "name"))),
                                 adminq_as(":cooperative_id", opt_int(after, "cooperative_id")),
                                 adminq_as(":province", adminq_text(jstr(after, "province"))),
                                 adminq_as(":sector", adminq_text(jstr(after, "sector"))),
                                 adminq_as(":gender", adminq_text(jstr(after, "gender"))),
                                 adminq_as(":birth_year", opt_int(after, "birth_year")),
                                 adminq_as(":language", adminq_text(jstr(after, "language"))),
                                 adminq_as(":is_contact", opt_int(after, "is_contact")),
                                 adminq_as(":now", adminq_int(db_now()))};
        enum adminq_write_result w = adminq_exec(db, ADMINQ_MEMBER_UPDATE, a, 10, NULL, NULL);
        if (w != ADMINQ_OK) {
            api_json_write_failed(resp, w, NULL);
            rc = -1;
        } else {
            static const char *const derived[] = {"updated_at", "cooperative_code",
                                                  "cooperative_name"};
            for (size_t i = 0; i < 3; i++) {
                json_object_del(before, derived[i]);
                json_object_del(after, derived[i]);
            }
            rc = api_json_audit(db, req, "member.update", "member", id,
                                json_pack("{s:o}", "changes", api_json_diff(before, after)));
        }
    }
    json_decref(before);
    json_decref(after);
    if (api_json_finish(db, rc, resp) != 0)
        return;
    json_t *now = api_json_get_one(db, ADMINQ_MEMBER_GET, id, resp);
    if (now)
        api_reply_json(resp, 200, now);
}

/* DELETE /members/{id}: erase the member's personal data, as the member
 * can from the USSD profile menu (store/members member_erase). */
static void member_delete(const struct api_request *req, struct http_response *resp)
{
    int64_t id;
    struct db *db;
    if (api_param_id(req, resp, "id", &id) != 0 || !(db = api_json_db(resp)))
        return;
    json_t *before = api_json_begin_get(db, ADMINQ_MEMBER_GET, id, resp);
    if (!before)
        return;
    int rc = 0;
    if (!json_is_null(json_object_get(before, "erased_at"))) {
        api_error(resp, 409, "conflict", "this member's data was already erased", NULL);
        rc = -1;
    } else if (member_erase(db, id) != 0) {
        rc = -1;
    } else {
        rc = api_json_audit(db, req, "member.erase", "member", id, json_pack("{s:b}", "erased", 1));
    }
    json_decref(before);
    if (api_json_finish(db, rc, resp) != 0)
        return;
    json_t *now = api_json_get_one(db, ADMINQ_MEMBER_GET, id, resp);
    if (now)
        api_reply_json(resp, 200, now);
}

const struct api_route api_core_routes[] = {
    {"GET", "/programme", API_ROLE_VIEWER, programme_get, API_BODY_JSON},
    {"GET", "/tokens", API_ROLE_ADMIN, tokens_get, API_BODY_JSON},
    {"POST", "/tokens", API_ROLE_ADMIN, tokens_post, API_BODY_JSON},
    {"DELETE", "/tokens/{id}", API_ROLE_ADMIN, token_delete, API_BODY_JSON},
    {"GET", "/audit", API_ROLE_ADMIN, audit_get, API_BODY_JSON},
    {"GET", "/cooperatives", API_ROLE_VIEWER, coops_get, API_BODY_JSON},
    {"POST", "/cooperatives", API_ROLE_STAFF, coops_post, API_BODY_JSON},
    {"GET", "/cooperatives/{id}", API_ROLE_VIEWER, coop_get, API_BODY_JSON},
    {"PATCH", "/cooperatives/{id}", API_ROLE_STAFF, coop_patch, API_BODY_JSON},
    {"GET", "/members", API_ROLE_VIEWER, members_get, API_BODY_JSON},
    {"GET", "/members/{id}", API_ROLE_VIEWER, member_get, API_BODY_JSON},
    {"PATCH", "/members/{id}", API_ROLE_STAFF, member_patch, API_BODY_JSON},
    {"DELETE", "/members/{id}", API_ROLE_STAFF, member_delete, API_BODY_JSON},
    {NULL, NULL, API_ROLE_NONE, NULL, API_BODY_JSON},
};
