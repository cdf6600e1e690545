/* broadcasts.c -- admin API resources of broadcasts: create a draft
 * (audience and texts validated, naming the field), edit, delete, preview
 * (recipients, texts as they will travel, encoding, segments, characters
 * forcing UCS-2, estimated cost), cancel, and progress; sending and
 * scheduling, with their approvals, are api/approvals.c. Read: viewer;
 * write: staff. Each change and its audit row commit together. */
#include "api/broadcasts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/json.h"
#include "api/templates.h"
#include "app/broadcast.h"
#include "app/scheduler.h"
#include "core/age_band.h"
#include "core/msisdn.h"
#include "core/ussd_menu.h"
#include "core/utf8.h"
#include "runtime/env.h"
#include "runtime/runtime.h"
#include "store/admin_queries.h"
#include "store/db.h"
#include "store/events.h"
#include "store/members.h"

#define AUDIENCE_LIST_MAX 10000 /* values in one audience list */

/* ------------------------------------------------------------ validation */

struct audience_rule {
    const char *plural, *singular;
    /* Check one value; append what to store to out. Returns 0, or -1 with
     * resp filled (field names the list). */
    int (*check)(const struct api_request *req, struct http_response *resp, struct db *db,
                 const char *field, json_t *v, json_t *out);
};

static int bad_value(struct http_response *resp, const char *field, const char *what)
{
    char msg[200];
    snprintf(msg, sizeof msg, "%s: %s", field, what);
    api_error(resp, 422, "invalid_value", msg, field);
    return -1;
}

static int check_choice(struct http_response *resp, const char *field, json_t *v,
                        const char *const *choices, size_t n, json_t *out)
{
    const char *s = json_string_value(v);
    if (!s || !api_json_in_list(s, choices, n))
        return bad_value(resp, field, "not one of the accepted values");
    json_array_append_new(out, json_string(s));
    return 0;
}

static int check_province(const struct api_request *req, struct http_response *resp, struct db *db,
                          const char *field, json_t *v, json_t *out)
{
    return check_choice(resp, field, v, (const char *const *)req->rt->provinces,
                        req->rt->cfg.programme.nprovinces, out);
}

static int check_sector(const struct api_request *req, struct http_response *resp, struct db *db,
                        const char *field, json_t *v, json_t *out)
{
    return check_choice(resp, field, v, (const char *const *)req->rt->sectors,
                        req->rt->cfg.programme.nsectors, out);
}

static int check_gender(const struct api_request *req, struct http_response *resp, struct db *db,
                        const char *field, json_t *v, json_t *out)
{
    static const char *const genders[] = {"f", "m", NULL};
    return check_choice(resp, field, v, genders, 2, out);
}

static int check_language(const struct api_request *req, struct http_response *resp, struct db *db,
                          const char *field, json_t *v, json_t *out)
{
    return check_choice(resp, field, v, (const char *const *)req->rt->languages,
                        req->rt->cfg.programme.nlanguages, out);
}

static int check_age_band(const struct api_request *req, struct http_response *resp, struct db *db,
                          const char *field, json_t *v, json_t *out)
{
    return check_choice(resp, field, v, age_band_names, age_band_count + 1, out);
}

/* A cooperative by id or by code; stored as its id. */
static int check_cooperative(const struct api_request *req, struct http_response *resp,
                             struct db *db, const char *field, json_t *v, json_t *out)
{
    if (json_is_string(v)) {
        struct cooperative c;
        int r = coop_find_by_code(db, json_string_value(v), &c);
        if (r < 0) {
            api_error_db(resp);
            return -1;
        }
        if (r == 0)
            return bad_value(resp, field, "no cooperative has this code");
        json_array_append_new(out, json_integer(c.id));
        return 0;
    }
    if (!json_is_integer(v))
        return bad_value(resp, field, "give cooperative codes (strings) or ids (integers)");
    struct adminq_arg a = adminq_int(json_integer_value(v));
    int64_t found = 0;
    struct adminq_table t;
    if (api_json_select(db, ADMINQ_COOP_GET, &a, 1, &t, resp) != 0)
        return -1;
    found = (int64_t)t.nrows;
    adminq_table_free(&t);
    if (!found)
        return bad_value(resp, field, "no cooperative has this id");
    json_array_append_new(out, json_integer(json_integer_value(v)));
    return 0;
}

/* An event by id or by code; stored as its id. */
static int check_event(const struct api_request *req, struct http_response *resp, struct db *db,
                       const char *field, json_t *v, json_t *out)
{
    struct ussd_event ev;
    int r;
    if (json_is_string(v))
        r = event_find_by_code(db, json_string_value(v), 0, "ar", &ev);
    else if (json_is_integer(v))
        r = event_get(db, json_integer_value(v), 0, "ar", &ev);
    else
        return bad_value(resp, field, "give event codes (strings) or ids (integers)");
    if (r < 0) {
        api_error_db(resp);
        return -1;
    }
    if (r == 0)
        return bad_value(resp, field, "no such event");
    json_array_append_new(out, json_integer(ev.id));
    return 0;
}

static int check_phone(const struct api_request *req, struct http_response *resp, struct db *db,
                       const char *field, json_t *v, json_t *out)
{
    const char *s = json_string_value(v);
    char e164[MSISDN_MAX];
    if (!s || msisdn_normalize(s, strlen(s), e164) != MSISDN_OK)
        return bad_value(resp, field, "not a valid mobile number");
    json_array_append_new(out, json_string(e164));
    return 0;
}

static const struct audience_rule audience_rules[] = {
    {"provinces", "province", check_province},
    {"sectors", "sector", check_sector},
    {"cooperatives", "cooperative", check_cooperative},
    {"genders", "gender", check_gender},
    {"age_bands", "age_band", check_age_band},
    {"events", "event", check_event},
    {"phones", "phone", check_phone},
    {"languages", "language", check_language},
};
#define AUDIENCE_RULES (sizeof audience_rules / sizeof audience_rules[0])

/* The audience member of the body, normalised (plural keys, lists, ids,
 * E.164), into *out (new reference). Returns 0 or -1 with resp filled. */
static int audience_field(const struct api_request *req, struct http_response *resp, struct db *db,
                          json_t **out)
{
    json_t *aud = json_object_get(req->json, "audience");
    *out = json_object();
    if (!aud || json_is_null(aud))
        return 0;
    if (!json_is_object(aud)) {
        api_error(resp, 400, "invalid_field", "audience must be an object", "audience");
        return -1;
    }
    const char *key;
    json_t *v;
    json_object_foreach(aud, key, v)
    {
        bool known = false;
        for (size_t i = 0; i < AUDIENCE_RULES; i++)
            known |= strcmp(key, audience_rules[i].plural) == 0 ||
                     strcmp(key, audience_rules[i].singular) == 0;
        if (!known) {
            char field[96], msg[160];
            snprintf(field, sizeof field, "audience.%s", key);
            snprintf(msg, sizeof msg, "unknown audience filter '%s'", key);
            api_error(resp, 400, "unknown_field", msg, field);
            return -1;
        }
    }
    for (size_t i = 0; i < AUDIENCE_RULES; i++) {
        const struct audience_rule *r = &audience_rules[i];
        json_t *p = json_object_get(aud, r->plural), *s = json_object_get(aud, r->singular);
        char field[64];
        snprintf(field, sizeof field, "audience.%s", p ? r->plural : r->singular);
        if (p && s) {
            api_error(resp, 400, "invalid_field", "give either the list or the single value",
                      field);
            return -1;
        }
        json_t *given = p ? p : s;
        if (!given || json_is_null(given))
            continue;
        json_t *list = json_array();
        if (json_is_array(given)) {
            if (json_array_size(given) == 0 || json_array_size(given) > AUDIENCE_LIST_MAX) {
                json_decref(list);
                api_error(resp, 422, "invalid_value", "a list of 1 to 10000 values", field);
                return -1;
            }
            size_t k;
            json_t *item;
            json_array_foreach(given, k, item)
            {
                if (r->check(req, resp, db, field, item, list) != 0) {
                    json_decref(list);
                    return -1;
                }
            }
        } else if (r->check(req, resp, db, field, given, list) != 0) {
            json_decref(list);
            return -1;
        }
        json_object_set_new(*out, r->plural, list);
    }
    return 0;
}

/* ---------------------------------------------------------------- answers */

static json_t *json_time(int64_t t)
{
    return t ? json_integer(t) : json_null();
}

int api_broadcast_get(struct db *db, int64_t id, struct broadcast_record *r,
                      struct http_response *resp)
{
    int found = broadcasts_get(db, id, r);
    if (found > 0)
        return 0;
    api_broadcast_error(resp, found < 0 ? BROADCAST_ERROR : BROADCAST_NOT_FOUND, NULL);
    return -1;
}

/* Stored broadcast r (borrowed) as JSON with its progress and approval,
 * or NULL with resp filled (503). */
static json_t *record_json(struct db *db, const struct broadcast_record *r,
                           struct http_response *resp)
{
    struct broadcast_progress p;
    if (broadcasts_progress(db, r->id, &p) != 0) {
        api_error_db(resp);
        return NULL;
    }
    json_t *aud = json_loads(r->audience, 0, NULL), *texts = json_loads(r->texts, 0, NULL);
    json_t *o = json_pack(
        "{s:I,s:s,s:o,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:I,s:s,s:I,s:I}", "id", (json_int_t)r->id,
        "name", r->name, "topic", r->topic[0] ? json_string(r->topic) : json_null(), "channel",
        r->channel, "status", r->status, "audience", aud ? aud : json_object(), "texts",
        texts ? texts : json_object(), "scheduled_at", json_time(r->scheduled_at), "started_at",
        json_time(r->started_at), "cancelled_at", json_time(r->cancelled_at), "recipients",
        (json_int_t)r->recipients, "created_by", r->created_by, "created_at",
        (json_int_t)r->created_at, "updated_at", (json_int_t)r->updated_at);
    if (!o) {
        api_error_db(resp);
        return NULL;
    }
    json_object_set_new(o, "event_id", r->event_id ? json_integer(r->event_id) : json_null());
    bool started = strcmp(r->status, "started") == 0;
    json_object_set_new(
        o, "progress",
        json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "held", (json_int_t)p.held,
                  "queued", (json_int_t)p.queued, "sending", (json_int_t)p.sending, "sent",
                  (json_int_t)p.sent, "delivered", (json_int_t)p.delivered, "failed",
                  (json_int_t)p.failed, "suppressed", (json_int_t)p.suppressed, "expired",
                  (json_int_t)p.expired, "cancelled", (json_int_t)p.cancelled, "total",
                  (json_int_t)p.total, "segments", (json_int_t)p.segments));
    /* A started broadcast whose every message is settled is finished. */
    bool finished = started && p.held + p.queued + p.sending == 0;
    json_object_set_new(o, "finished", json_boolean(finished));
    /* A large broadcast is written into the outbox in chunks (issue 14):
     * how many of the planned recipients are queued so far. */
    json_object_set_new(o, "expansion",
                        r->expand_total || strcmp(r->status, "expanding") == 0
                            ? json_pack("{s:I,s:I,s:b}", "queued", (json_int_t)r->expand_queued,
                                        "total", (json_int_t)r->expand_total, "done",
                                        strcmp(r->status, "expanding") != 0)
                            : json_null());
    json_t *approval = approval_json(db, r->id);
    if (!approval) {
        json_decref(o);
        api_error_db(resp);
        return NULL;
    }
    api_json_add_local_times(approval);
    api_json_add_local_times(json_object_get(approval, "budget_refusal"));
    json_object_set_new(o, "approval", approval);
    if (finished)
        json_object_set_new(o, "status", json_string("finished"));
    api_json_add_local_times(o);
    return o;
}

json_t *api_broadcast_json(struct db *db, int64_t id, struct http_response *resp)
{
    struct broadcast_record r;
    if (api_broadcast_get(db, id, &r, resp) != 0)
        return NULL;
    json_t *o = record_json(db, &r, resp);
    broadcast_record_clear(&r);
    return o;
}

json_t *api_broadcast_plan_json(int64_t id, const struct broadcast_plan *plan)
{
    json_t *langs = json_array();
    for (size_t i = 0; i < plan->nlangs; i++) {
        const struct broadcast_lang_plan *lp = &plan->langs[i];
        json_t *chars = json_array(), *codes = json_array();
        size_t kept = lp->nforcing < BROADCAST_FORCING_MAX ? lp->nforcing : BROADCAST_FORCING_MAX;
        for (size_t k = 0; k < kept; k++) {
            char u[8] = {0}, code[16];
            size_t n = utf8_encode(lp->forcing[k], u);
            u[n < sizeof u ? n : 0] = '\0';
            snprintf(code, sizeof code, "U+%04X", (unsigned)lp->forcing[k]);
            json_array_append_new(chars, json_string(u));
            json_array_append_new(codes, json_string(code));
        }
        json_array_append_new(
            langs, json_pack("{s:s,s:s,s:I,s:s,s:b,s:s,s:I,s:I,s:I,s:I,s:o,s:o,s:I}", "language",
                             lp->language, "text_language", lp->text_language, "recipients",
                             (json_int_t)lp->recipients, "text", lp->body, "opt_out_hint_added",
                             lp->hint_added, "encoding", text_encoding_name(lp->measure.encoding),
                             "characters", (json_int_t)lp->measure.chars, "units",
                             (json_int_t)lp->measure.units, "segments",
                             (json_int_t)lp->measure.segments, "segments_total",
                             (json_int_t)(lp->recipients * (int64_t)lp->measure.segments),
                             "ucs2_characters", chars, "ucs2_codepoints", codes,
                             "ucs2_characters_total", (json_int_t)lp->nforcing));
    }
    json_t *o = json_pack("{s:I,s:I,s:s,s:f,s:I,s:f,s:s,s:I,s:{s:b,s:I},s:o}", "broadcast_id",
                          (json_int_t)id, "recipients", (json_int_t)plan->recipients, "channel",
                          plan->channel, "price_per_segment_mad", plan->price_per_segment,
                          "segments", (json_int_t)plan->segments, "estimated_cost_mad", plan->cost,
                          "currency", "MAD", "phones_not_members", (json_int_t)plan->phones_unknown,
                          "send_window", "open", plan->window_open, "opens_at",
                          (json_int_t)plan->window_opens, "languages", langs);
    api_json_add_local_times(json_object_get(o, "send_window"));
    api_templates_plan_json(o, plan);
    return o;
}

void api_broadcast_error(struct http_response *resp, enum broadcast_result r, const char *what)
{
    switch (r) {
    case BROADCAST_NOT_FOUND:
        api_error(resp, 404, "not_found", "no such broadcast", NULL);
        break;
    case BROADCAST_CONFLICT: {
        char msg[120];
        snprintf(msg, sizeof msg, "the broadcast cannot be %s in its status", what);
        api_error(resp, 409, "conflict", msg, NULL);
        break;
    }
    case BROADCAST_INVALID:
        api_error(resp, 422, "invalid_value",
                  "the broadcast's channel is no longer configured or its default-language "
                  "text is missing",
                  NULL);
        break;
    default:
        api_error_db(resp);
        break;
    }
}

/* ---------------------------------------------------------------- handlers */

static void broadcasts_get_list(const struct api_request *req, struct http_response *resp)
{
    static const char *const statuses[] = {"draft",   "awaiting_approval", "scheduled", "expanding",
                                           "started", "cancelled",         NULL};
    struct api_page page;
    const char *status;
    if (api_page_parse(req, resp, &page) != 0 ||
        api_query_choice(req, resp, "status", statuses, 6, &status) != 0)
        return;
    struct db *db = api_json_db(resp);
    if (!db)
        return;
    struct broadcast_record *rows = calloc((size_t)page.limit, sizeof *rows);
    int64_t total = 0;
    int n = rows ? broadcasts_list(db, status, page.offset, (size_t)page.limit, rows, &total) : -1;
    if (n < 0) {
        free(rows);
        api_error_db(resp);
        return;
    }
    json_t *items = json_array();
    int i = 0;
    for (; i < n; i++) {
        json_t *o = record_json(db, &rows[i], resp);
        if (!o)
            break; /* resp holds the error */
        json_array_append_new(items, o);
    }
    bool failed = i < n;
    for (i = 0; i < n; i++)
        broadcast_record_clear(&rows[i]);
    free(rows);
    if (failed)
        json_decref(items);
    else
        api_reply_page(resp, items, &page, total);
}

int api_broadcast_clock(struct http_response *resp, int64_t *now)
{
    if (scheduler_clock(now) != 0) {
        api_error(resp, 503, "unavailable", "the programme clock cannot be read", NULL);
        return -1;
    }
    return 0;
}

/* A broadcast as the body describes it (name, topic, channel, audience,
 * texts) into *r, name required unless preview; *nm what the texts'
 * typography changed (or NULL). Returns 0, or -1 with resp filled. The
 * caller clears *r (broadcast_record_clear) and drops *nm either way. */
static int read_draft(const struct api_request *req, struct http_response *resp, struct db *db,
                      bool preview, struct broadcast_record *r, json_t **nm)
{
    static const char *const fields[] = {"name",  "topic", "channel", "audience",
                                         "texts", "event", NULL};
    const struct config *cfg = &req->rt->cfg;
    const char *name = "preview", *topic = API_BROADCAST_TOPIC, *channel = NULL;
    enum api_json_field_result tr;
    memset(r, 0, sizeof *r);
    if (api_json_need_body(req, resp) != 0 || api_json_only(req, resp, fields) != 0 ||
        api_json_string(req, resp, "name", preview ? 0 : API_JSON_FIELD_REQUIRED,
                        BROADCAST_NAME_MAX - 1, &name) < 0 ||
        (tr = api_json_choice(req, resp, "topic", API_JSON_FIELD_NULLABLE, topic_codes, TOPIC_COUNT,
                              &topic)) < 0)
        return -1;
    if (tr == API_JSON_FIELD_IS_NULL)
        topic = NULL;
    else if (tr == API_JSON_FIELD_ABSENT)
        topic = API_BROADCAST_TOPIC;
    /* Without "channel", sms.outbound_channel. */
    const char *channels[CONFIG_CHANNELS_MAX];
    size_t nchannels = api_broadcast_channels(cfg, channels);
    if (api_json_choice(req, resp, "channel", 0, channels, nchannels, &channel) < 0)
        return -1;
    if (!channel)
        channel = cfg->sms.outbound_channel;
    json_t *audience = NULL, *texts = NULL;
    if (api_templates_texts(req, resp, "texts", &texts, nm) != 0 ||
        audience_field(req, resp, db, &audience) != 0) {
        json_decref(texts);
        json_decref(audience);
        return -1;
    }
    snprintf(r->name, sizeof r->name, "%s", name ? name : "preview");
    snprintf(r->topic, sizeof r->topic, "%s", topic ? topic : "");
    snprintf(r->channel, sizeof r->channel, "%s", channel);
    snprintf(r->created_by, sizeof r->created_by, "%s", req->principal.name);
    r->audience = json_dumps(audience, JSON_COMPACT | JSON_SORT_KEYS);
    r->texts = json_dumps(texts, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(texts);
    json_decref(audience);
    if (!r->audience || !r->texts) {
        api_error_db(resp);
        return -1;
    }
    return api_templates_broadcast_event(req, resp, db, preview, r);
}

static void broadcasts_post(const struct api_request *req, struct http_response *resp)
{
    struct db *db = api_json_db(resp);
    struct broadcast_record r;
    json_t *nm = NULL;
    if (!db)
        return;
    int rc = read_draft(req, resp, db, false, &r, &nm);
    if (rc != 0 || db_begin(db) != 0) {
        if (rc == 0)
            api_error_db(resp);
        broadcast_record_clear(&r);
        json_decref(nm);
        return;
    }
    int64_t id = 0;
    rc = broadcast_create(db, &req->actor, &r, &id);
    broadcast_record_clear(&r);
    json_t *o = api_json_finish(db, rc, resp) == 0 ? api_broadcast_json(db, id, resp) : NULL;
    api_json_reply_normalised(resp, 201, o, nm);
}

/* The stored draft id as the body of POST /broadcasts describes it, with
 * the fields of body laid over it (a new reference), or NULL with resp
 * filled (404, 503). */
static json_t *draft_over(struct db *db, int64_t id, json_t *body, struct http_response *resp)
{
    struct broadcast_record s;
    if (api_broadcast_get(db, id, &s, resp) != 0)
        return NULL;
    json_t *aud = json_loads(s.audience, 0, NULL), *texts = json_loads(s.texts, 0, NULL);
    json_t *o = aud && texts ? json_pack("{s:s,s:s?,s:s,s:O,s:O,s:o}", "name", s.name, "topic",
                                         s.topic[0] ? s.topic : NULL, "channel", s.channel,
                                         "audience", aud, "texts", texts, "event",
                                         s.event_id ? json_integer(s.event_id) : json_null())
                             : NULL;
    json_decref(aud);
    json_decref(texts);
    broadcast_record_clear(&s);
    if (!o || json_object_update(o, body) != 0) {
        json_decref(o);
        api_error_db(resp);
        return NULL;
    }
    return o;
}

/* PATCH /broadcasts/{id}: a draft rewritten, the fields the body leaves
 * out kept as stored; 409 once it is scheduled, started or cancelled (it
 * went, or goes, as it stands). */
static void broadcast_patch(const struct api_request *req, struct http_response *resp)
{
    int64_t id;
    struct db *db;
    if (api_param_id(req, resp, "id", &id) != 0 || api_json_need_body(req, resp) != 0 ||
        !(db = api_json_db(resp)))
        return;
    json_t *merged = draft_over(db, id, req->json, resp);
    if (!merged)
        return;
    struct api_request over = *req;
    over.json = merged;
    struct broadcast_record r;
    json_t *nm = NULL;
    int rc = read_draft(&over, resp, db, false, &r, &nm);
    json_decref(merged);
    if (rc != 0 || db_begin(db) != 0) {
        if (rc == 0)
            api_error_db(resp);
        broadcast_record_clear(&r);
        json_decref(nm);
        return;
    }
    r.id = id;
    enum broadcast_result res = broadcast_update(db, &req->actor, &r);
    broadcast_record_clear(&r);
    if (res != BROADCAST_OK)
        api_broadcast_error(resp, res, "edited");
    json_t *o = NULL;
    if (api_json_finish(db, res == BROADCAST_OK ? 0 : -1, resp) == 0)
        o = api_broadcast_json(db, id, resp);
    api_json_reply_normalised(resp, 200, o, nm);
}

/* DELETE /broadcasts/{id}: a draft deleted (audited); 409 for any other. */
static void broadcast_delete_one(const struct api_request *req, struct http_response *resp)
{
    int64_t id;
    struct db *db = api_json_begin_id(req, resp, &id);
    if (!db)
        return;
    enum broadcast_result res = broadcast_delete(db, &req->actor, id);
    if (res != BROADCAST_OK)
        api_broadcast_error(resp, res, "deleted");
    if (api_json_finish(db, res == BROADCAST_OK ? 0 : -1, resp) != 0)
        return;
    api_reply_json(resp, 200, json_pack("{s:I,s:b}", "id", (json_int_t)id, "deleted", 1));
}

/* Answer the plan of rec (cleared here) at now: the broadcast id (0: a
 * body not stored) and what the texts' normalisation changed (nm, taken). */
static void reply_plan(const struct api_request *req, struct http_response *resp, struct db *db,
                       struct broadcast_record *rec, int64_t now, int64_t id, json_t *nm)
{
    struct notice_env env;
    runtime_env_notice(req->rt, &env);
    struct broadcast_plan *plan = malloc(sizeof *plan);
    enum broadcast_result r = plan ? broadcast_plan_for(db, &env, rec, now, plan) : BROADCAST_ERROR;
    broadcast_record_clear(rec);
    if (r != BROADCAST_OK)
        api_broadcast_error(resp, r, "previewed");
    json_t *o = r == BROADCAST_OK ? api_broadcast_plan_json(id, plan) : NULL;
    api_json_reply_normalised(resp, 200, o, nm);
    free(plan);
}

/* POST /broadcasts/preview: the plan of a broadcast described in the body
 * (as POST /broadcasts takes it, name optional), stored nowhere: the
 * console's live measure and preview (texts as they travel, with the
 * opt-out hint, encoding, segments, recipients, cost). */
static void broadcasts_preview_post(const struct api_request *req, struct http_response *resp)
{
    int64_t now;
    struct db *db = api_json_db(resp);
    struct broadcast_record rec;
    json_t *nm = NULL;
    if (!db || api_broadcast_clock(resp, &now) != 0)
        return;
    if (read_draft(req, resp, db, true, &rec, &nm) != 0) {
        broadcast_record_clear(&rec);
        json_decref(nm);
        return;
    }
    reply_plan(req, resp, db, &rec, now, 0, nm);
}

static void broadcast_get(const struct api_request *req, struct http_response *resp)
{
    int64_t id;
    struct db *db;
    if (api_param_id(req, resp, "id", &id) != 0 || !(db = api_json_db(resp)))
        return;
    json_t *o = api_broadcast_json(db, id, resp);
    if (o)
        api_reply_json(resp, 200, o);
}

static void broadcast_preview(const struct api_request *req, struct http_response *resp)
{
    static const char *const none[] = {NULL};
    int64_t id, now;
    struct db *db;
    if (api_param_id(req, resp, "id", &id) != 0 || api_json_only(req, resp, none) != 0 ||
        api_broadcast_clock(resp, &now) != 0 || !(db = api_json_db(resp)))
        return;
    struct broadcast_record rec;
    if (api_broadcast_get(db, id, &rec, resp) != 0)
        return;
    reply_plan(req, resp, db, &rec, now, id, NULL);
}

static void broadcast_cancel_post(const struct api_request *req, struct http_response *resp)
{
    int64_t id, now;
    struct db *db;
    if (api_broadcast_clock(resp, &now) != 0 || !(db = api_json_begin_id(req, resp, &id)))
        return;
    int64_t stopped = 0;
    enum broadcast_result r = broadcast_cancel(db, &req->actor, id, now, &stopped);
    if (r != BROADCAST_OK)
        api_broadcast_error(resp, r, "cancelled");
    if (api_json_finish(db, r == BROADCAST_OK ? 0 : -1, resp) != 0)
        return;
    json_t *o = api_broadcast_json(db, id, resp);
    if (o) {
        json_object_set_new(o, "messages_cancelled", json_integer(stopped));
        api_reply_json(resp, 200, o);
    }
}

const struct api_route api_broadcasts_routes[] = {
    {"GET", "/broadcasts", API_ROLE_VIEWER, broadcasts_get_list, API_BODY_JSON},
    {"POST", "/broadcasts", API_ROLE_STAFF, broadcasts_post, API_BODY_JSON},
    {"POST", "/broadcasts/preview", API_ROLE_VIEWER, broadcasts_preview_post, API_BODY_JSON},
    {"GET", "/broadcasts/{id}", API_ROLE_VIEWER, broadcast_get, API_BODY_JSON},
    {"PATCH", "/broadcasts/{id}", API_ROLE_STAFF, broadcast_patch, API_BODY_JSON},
    {"DELETE", "/broadcasts/{id}", API_ROLE_STAFF, broadcast_delete_one, API_BODY_JSON},
    {"GET", "/broadcasts/{id}/preview", API_ROLE_VIEWER, broadcast_preview, API_BODY_JSON},
    {"POST", "/broadcasts/{id}/preview", API_ROLE_VIEWER, broadcast_preview, API_BODY_JSON},
    {"POST", "/broadcasts/{id}/cancel", API_ROLE_STAFF, broadcast_cancel_post, API_BODY_JSON},
    {NULL, NULL, API_ROLE_NONE, NULL, API_BODY_JSON},
};
