/* templates.c -- admin API resources of message templates: texts per
 * language staff save and reuse (placeholders {name}, {member_no}, {event},
 * {date} checked on save), listed by name, edited, archived (DELETE) and
 * brought back (PATCH archived=false). Read: viewer; write: staff; each
 * change and its audit row commit together. Also the check of texts per
 * language that broadcasts share. */
#include "api/templates.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/json.h"
#include "app/broadcast.h"
#include "core/placeholders.h"
#include "runtime/runtime.h"
#include "store/db.h"
#include "store/events.h"
#include "store/templates.h"

/* One language's text: a string of 1..BROADCAST_TEXT_MAX_BYTES bytes with
 * no unknown placeholder. Returns 0, or -1 with resp filled. */
static int check_text(struct http_response *resp, const char *field, json_t *v)
{
    const char *s = json_string_value(v);
    if (!s) {
        api_error(resp, 400, "invalid_field", "each text must be a string", field);
        return -1;
    }
    size_t n = strlen(s);
    if (n == 0 || n > BROADCAST_TEXT_MAX_BYTES) {
        api_error(resp, 422, "invalid_value", "each text must be 1 to 1600 bytes", field);
        return -1;
    }
    char word[PLACEHOLDER_WORD_MAX], msg[200];
    if (placeholders_find_unknown(s, word, sizeof word)) {
        snprintf(msg, sizeof msg,
                 "%s: unknown placeholder %s (use {name}, {member_no}, {event} or {date})", field,
                 word);
        api_error(resp, 400, "unknown_placeholder", msg, field);
        return -1;
    }
    return 0;
}

int api_templates_texts(const struct api_request *req, struct http_response *resp,
                        const char *field, json_t **out, json_t **nm)
{
    const struct config *cfg = &req->rt->cfg;
    json_t *t = json_object_get(req->json, field);
    char name[48], msg[200];
    *out = NULL;
    if (!t) {
        snprintf(msg, sizeof msg, "%s is required", field);
        api_error(resp, 400, "missing_field", msg, field);
        return -1;
    }
    if (!json_is_object(t)) {
        snprintf(msg, sizeof msg, "%s must be an object {language: text}", field);
        api_error(resp, 400, "invalid_field", msg, field);
        return -1;
    }
    const char *lang;
    json_t *v;
    json_object_foreach(t, lang, v)
    {
        snprintf(name, sizeof name, "%s.%.16s", field, lang);
        if (!api_json_in_list(lang, (const char *const *)req->rt->languages,
                              cfg->programme.nlanguages)) {
            api_error(resp, 422, "invalid_value", "not a language of the programme", name);
            return -1;
        }
        if (check_text(resp, name, v) != 0)
            return -1;
    }
    if (!json_is_string(json_object_get(t, cfg->programme.default_language))) {
        snprintf(name, sizeof name, "%s.%s", field, cfg->programme.default_language);
        snprintf(msg, sizeof msg,
                 "a text in the default language (%s) is required: members of other languages "
                 "without a text of their own get it",
                 cfg->programme.default_language);
        api_error(resp, 422, "invalid_value", msg, name);
        return -1;
    }
    if (!(*out = api_json_typographic_texts(t, field, nm)))
        api_error_db(resp);
    return *out ? 0 : -1;
}

/* ------------------------------------------------------------ broadcasts */

/* The body's "event" (a code or an id; null or absent: none) as an id into
 * *id. Returns 0, or -1 with resp filled. */
static int event_field(const struct api_request *req, struct http_response *resp, struct db *db,
                       int64_t *id)
{
    json_t *v = json_object_get(req->json, "event");
    struct ussd_event ev;
    int found;
    *id = 0;
    if (!v || json_is_null(v))
        return 0;
    if (json_is_string(v))
        found = event_find_by_code(db, json_string_value(v), 0, "ar", &ev);
    else if (json_is_integer(v))
        found = event_get(db, json_integer_value(v), 0, "ar", &ev);
    else {
        api_error(resp, 400, "invalid_field", "event: an event code (string) or id (integer)",
                  "event");
        return -1;
    }
    if (found < 0) {
        api_error_db(resp);
        return -1;
    }
    if (found == 0) {
        api_error(resp, 422, "invalid_value", "event: no such event", "event");
        return -1;
    }
    *id = ev.id;
    return 0;
}

int api_templates_broadcast_event(const struct api_request *req, struct http_response *resp,
                                  struct db *db, bool preview, struct broadcast_record *r)
{
    if (event_field(req, resp, db, &r->event_id) != 0)
        return -1;
    if (preview || broadcast_event_of(r) != 0)
        return 0;
    json_t *texts = json_loads(r->texts, 0, NULL);
    const char *lang;
    json_t *v;
    int rc = 0;
    json_object_foreach(texts, lang, v)
    {
        unsigned used = placeholders_used(json_string_value(v));
        if (rc == 0 && (used & ((1u << PLACEHOLDER_EVENT) | (1u << PLACEHOLDER_DATE)))) {
            char field[48], msg[240];
            snprintf(field, sizeof field, "texts.%.16s", lang);
            snprintf(msg, sizeof msg,
                     "%s: {event} and {date} name the broadcast's event: give event (its code "
                     "or id), or send to one event's attendees (audience.events)",
                     field);
            api_error(resp, 422, "event_required", msg, field);
            rc = -1;
        }
    }
    json_decref(texts);
    return rc;
}

static const char *const value_sources[] = {
    [BROADCAST_VALUE_NONE] = "none",
    [BROADCAST_VALUE_LONGEST_NAME] = "longest_name",
    [BROADCAST_VALUE_NAME_FALLBACK] = "name_fallback",
    [BROADCAST_VALUE_HIGHEST_NUMBER] = "highest_member_no",
    [BROADCAST_VALUE_EVENT] = "event",
    [BROADCAST_VALUE_LONGEST_UPCOMING] = "longest_upcoming_event",
};

void api_templates_plan_json(json_t *o, const struct broadcast_plan *plan)
{
    json_t *langs = json_object_get(o, "languages");
    json_object_set_new(o, "event_id", plan->event_id ? json_integer(plan->event_id) : json_null());
    json_object_set_new(o, "event_missing", json_boolean(plan->event_missing));
    for (size_t i = 0; i < plan->nlangs && i < json_array_size(langs); i++) {
        const struct broadcast_lang_plan *lp = &plan->langs[i];
        json_t *values = json_object();
        for (int p = 0; p < PLACEHOLDER_COUNT; p++)
            if (lp->values[p].source != BROADCAST_VALUE_NONE)
                json_object_set_new(values, placeholder_name((enum placeholder)p),
                                    json_pack("{s:s,s:s}", "value", lp->values[p].value, "source",
                                              value_sources[lp->values[p].source]));
        json_object_set_new(json_array_get(langs, i), "placeholders", values);
    }
}

/* ---------------------------------------------------------------- answers */

/* The placeholders the texts use, by name. */
static json_t *placeholders_json(json_t *texts)
{
    unsigned used = 0;
    const char *lang;
    json_t *v;
    json_object_foreach(texts, lang, v) used |= placeholders_used(json_string_value(v));
    json_t *a = json_array();
    for (int p = 0; p < PLACEHOLDER_COUNT; p++)
        if (used & (1u << p))
            json_array_append_new(a, json_string(placeholder_name((enum placeholder)p)));
    return a;
}

/* The fields staff write (name, texts, archived): what the audit compares. */
static json_t *fields_json(const struct template_record *r)
{
    json_t *texts = json_loads(r->texts, 0, NULL);
    return json_pack("{s:s,s:o,s:b}", "name", r->name, "texts", texts ? texts : json_object(),
                     "archived", r->archived_at != 0);
}

static json_t *template_json(const struct template_record *r)
{
    json_t *o = fields_json(r);
    if (!o)
        return NULL;
    json_object_set_new(o, "id", json_integer(r->id));
    json_object_set_new(o, "placeholders", placeholders_json(json_object_get(o, "texts")));
    json_object_set_new(o, "created_by", json_string(r->created_by));
    json_object_set_new(o, "created_at", json_integer(r->created_at));
    json_object_set_new(o, "updated_at", json_integer(r->updated_at));
    json_object_set_new(o, "archived_at",
                        r->archived_at ? json_integer(r->archived_at) : json_null());
    api_json_add_local_times(o);
    return o;
}

/* Template id as stored into *r; 0, or -1 with 404/503 in resp. */
static int load(struct db *db, int64_t id, struct template_record *r, struct http_response *resp)
{
    int found = templates_get(db, id, r);
    if (found > 0)
        return 0;
    if (found < 0)
        api_error_db(resp);
    else
        api_error(resp, 404, "not_found", "no such template", NULL);
    return -1;
}

/* Answer status with template id as stored now, what the typography
 * changed (nm, taken) attached. */
static void reply_template(struct db *db, int64_t id, int status, json_t *nm,
                           struct http_response *resp)
{
    struct template_record r;
    if (load(db, id, &r, resp) != 0) {
        json_decref(nm);
        return;
    }
    json_t *o = template_json(&r);
    template_record_clear(&r);
    if (!o)
        api_error_db(resp);
    api_json_reply_normalised(resp, status, o, nm);
}

/* Fill resp for a failed write. */
static void write_failed(struct http_response *resp, enum template_write w)
{
    if (w == TEMPLATE_WRITE_NAME_TAKEN)
        api_error(resp, 409, "conflict", "a template (perhaps archived) has this name", "name");
    else if (w == TEMPLATE_WRITE_NOT_FOUND)
        api_error(resp, 404, "not_found", "no such template", NULL);
    else
        api_error_db(resp);
}

/* ---------------------------------------------------------------- handlers */

static void templates_get_list(const struct api_request *req, struct http_response *resp)
{
    struct api_page page;
    int64_t archived = 0;
    struct db *db;
    if (api_page_parse(req, resp, &page) != 0 ||
        api_query_int(req, resp, "archived", 0, 1, 0, &archived) != 0 || !(db = api_json_db(resp)))
        return;
    size_t max = page.limit < TEMPLATES_LIST_MAX ? (size_t)page.limit : TEMPLATES_LIST_MAX;
    struct template_record *rows = calloc(max ? max : 1, sizeof *rows);
    int64_t total = 0;
    int n = rows ? templates_list(db, archived != 0, page.offset, max, rows, &total) : -1;
    if (n < 0) {
        free(rows);
        api_error_db(resp);
        return;
    }
    json_t *items = json_array();
    for (int i = 0; i < n; i++) {
        json_array_append_new(items, template_json(&rows[i]));
        template_record_clear(&rows[i]);
    }
    free(rows);
    api_reply_page(resp, items, &page, total);
}

static void template_get(const struct api_request *req, struct http_response *resp)
{
    int64_t id;
    struct db *db;
    if (api_param_id(req, resp, "id", &id) != 0 || !(db = api_json_db(resp)))
        return;
    reply_template(db, id, 200, NULL, resp);
}

/* name and texts of the body into r (texts owned by r); *nm what the
 * typography changed. Returns 0, or -1 with resp filled. */
static int read_fields(const struct api_request *req, struct http_response *resp,
                       struct template_record *r, json_t **nm)
{
    const char *name = NULL;
    json_t *texts = NULL;
    if (api_json_string(req, resp, "name", API_JSON_FIELD_REQUIRED, TEMPLATE_NAME_MAX - 1, &name) <
            0 ||
        api_templates_texts(req, resp, "texts", &texts, nm) != 0)
        return -1;
    snprintf(r->name, sizeof r->name, "%s", name);
    r->texts = json_dumps(texts, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(texts);
    if (!r->texts) {
        api_error_db(resp);
        return -1;
    }
    return 0;
}

static void templates_post(const struct api_request *req, struct http_response *resp)
{
    static const char *const fields[] = {"name", "texts", NULL};
    struct template_record r = {0};
    json_t *nm = NULL;
    struct db *db;
    if (api_json_need_body(req, resp) != 0 || api_json_only(req, resp, fields) != 0 ||
        !(db = api_json_db(resp)) || read_fields(req, resp, &r, &nm) != 0) {
        template_record_clear(&r);
        json_decref(nm);
        return;
    }
    snprintf(r.created_by, sizeof r.created_by, "%s", req->principal.name);
    int64_t id = 0;
    int rc = -1;
    if (db_begin(db) != 0) {
        api_error_db(resp);
    } else {
        enum template_write w = templates_insert(db, &r, db_now(), &id);
        if (w != TEMPLATE_WRITE_OK)
            write_failed(resp, w);
        else
            rc = api_json_audit(db, req, "template.create", "template", id, fields_json(&r));
        rc = api_json_finish(db, rc, resp);
    }
    template_record_clear(&r);
    if (rc == 0)
        reply_template(db, id, 201, nm, resp);
    else
        json_decref(nm);
}

/* Template id rewritten from req's body laid over its stored fields, with
 * its audit row (what changed), inside the open transaction; *nm what the
 * typography changed. Returns 0, or -1 with resp filled. */
static int rewrite(const struct api_request *req, struct http_response *resp, struct db *db,
                   int64_t id, json_t **nm)
{
    struct template_record before, after = {0};
    if (load(db, id, &before, resp) != 0)
        return -1;
    bool archived = before.archived_at != 0;
    json_t *was = fields_json(&before), *merged = was ? json_deep_copy(was) : NULL, *now = NULL;
    template_record_clear(&before);
    int rc = -1;
    if (!merged || json_object_update(merged, req->json) != 0) {
        api_error_db(resp);
        goto out;
    }
    struct api_request over = *req;
    over.json = merged;
    if (api_json_bool(&over, resp, "archived", 0, &archived) < 0 ||
        read_fields(&over, resp, &after, nm) != 0)
        goto out;
    after.id = id;
    after.archived_at = archived; /* fields_json reads it as a flag */
    enum template_write w = templates_update(db, &after, archived, db_now());
    if (w != TEMPLATE_WRITE_OK) {
        write_failed(resp, w);
        goto out;
    }
    now = fields_json(&after);
    rc = api_json_audit_changes(db, req, "template.update", "template", id, was, now);
out:
    template_record_clear(&after);
    json_decref(was);
    json_decref(merged);
    json_decref(now);
    return rc;
}

/* PATCH: the fields given (name, texts, archived) replace the stored ones. */
static void template_patch(const struct api_request *req, struct http_response *resp)
{
    static const char *const fields[] = {"name", "texts", "archived", NULL};
    int64_t id;
    struct db *db;
    json_t *nm = NULL;
    if (api_param_id(req, resp, "id", &id) != 0 || api_json_need_body(req, resp) != 0 ||
        api_json_only(req, resp, fields) != 0 || !(db = api_json_db(resp)))
        return;
    if (db_begin(db) != 0) {
        api_error_db(resp);
        return;
    }
    int rc = rewrite(req, resp, db, id, &nm);
    if (api_json_finish(db, rc, resp) == 0)
        reply_template(db, id, 200, nm, resp);
    else
        json_decref(nm);
}

/* Archive template id (as stored: no field checked again) with its audit
 * row, inside the open transaction. Returns 0, or -1 with resp filled. */
static int archive(const struct api_request *req, struct http_response *resp, struct db *db,
                   int64_t id)
{
    struct template_record r;
    if (load(db, id, &r, resp) != 0)
        return -1;
    json_t *was = fields_json(&r), *now = NULL;
    int rc = -1;
    enum template_write w = templates_update(db, &r, true, db_now());
    r.archived_at = 1; /* fields_json reads it as a flag */
    if (w != TEMPLATE_WRITE_OK)
        write_failed(resp, w);
    else if ((now = fields_json(&r)))
        rc = api_json_audit_changes(db, req, "template.archive", "template", id, was, now);
    template_record_clear(&r);
    json_decref(was);
    json_decref(now);
    return rc;
}

/* DELETE: archived, not deleted (kept for the audit trail and its name;
 * PATCH archived=false brings it back). */
static void template_delete(const struct api_request *req, struct http_response *resp)
{
    int64_t id;
    struct db *db = api_json_begin_id(req, resp, &id);
    if (!db || api_json_finish(db, archive(req, resp, db, id), resp) != 0)
        return;
    api_reply_json(resp, 200, json_pack("{s:I,s:b}", "id", (json_int_t)id, "archived", 1));
}

const struct api_route api_templates_routes[] = {
    {"GET", "/templates", API_ROLE_VIEWER, templates_get_list, API_BODY_JSON},
    {"POST", "/templates", API_ROLE_STAFF, templates_post, API_BODY_JSON},
    {"GET", "/templates/{id}", API_ROLE_VIEWER, template_get, API_BODY_JSON},
    {"PATCH", "/templates/{id}", API_ROLE_STAFF, template_patch, API_BODY_JSON},
    {"DELETE", "/templates/{id}", API_ROLE_STAFF, template_delete, API_BODY_JSON},
    {NULL, NULL, API_ROLE_NONE, NULL, API_BODY_JSON},
};
