/* member_changes.c -- admin API changes to a member beyond the profile
 * (staff, issue 16 "missing" 8): a new phone number, the old one kept in
 * the member's history and their queued or held messages sent to the new
 * one; and consent withdrawn by staff on the member's request, which stops
 * every send to them (the send gate honours opted_out_at). Each change and
 * its audit row commit together; audit rows hold masked numbers only. */
#include <string.h>

#include "api/api.h"
#include "api/json.h"
#include "core/msisdn.h"
#include "core/test_number.h"
#include "store/admin_queries.h"
#include "store/db.h"

#define WITHDRAW_NOTE_MAX_BYTES 300

static const char *jstr(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static void reply_member(struct db *db, int64_t id, struct http_response *resp)
{
    json_t *o = api_json_get_one(db, ADMINQ_MEMBER_GET, id, resp);
    if (!o)
        return;
    struct adminq_arg a = adminq_int(id);
    struct adminq_table t;
    if (api_json_select(db, ADMINQ_MEMBER_PHONES, &a, 1, &t, resp) != 0) {
        json_decref(o);
        return;
    }
    json_object_set_new(o, "previous_phones", api_json_rows(&t));
    adminq_table_free(&t);
    api_reply_json(resp, 200, o);
}

/* The new number of the body, normalised into e164. Returns 0 or -1. */
static int phone_field(const struct api_request *req, struct http_response *resp,
                       char e164[MSISDN_MAX])
{
    static const char *const fields[] = {"phone", NULL};
    const char *s;
    if (api_json_need_body(req, resp) != 0 || api_json_only(req, resp, fields) != 0 ||
        api_json_string(req, resp, "phone", API_JSON_FIELD_REQUIRED, 64, &s) < 0)
        return -1;
    if (msisdn_normalize(s, strlen(s), e164) != MSISDN_OK) {
        api_error(resp, 422, "invalid_value", "phone is not a valid mobile number", "phone");
        return -1;
    }
    return 0;
}

/* The writes of a number change, in the open transaction. */
static int change_phone(struct db *db, const struct api_request *req, int64_t id, const char *old,
                        const char *phone, struct http_response *resp)
{
    int64_t now = db_now();
    struct adminq_arg a[] = {adminq_as(":id", adminq_int(id)),
                             adminq_as(":phone", adminq_text(phone)),
                             adminq_as(":now", adminq_int(now))};
    struct adminq_arg keep[] = {
        adminq_as(":id", adminq_int(id)), adminq_as(":old", adminq_text(old)),
        adminq_as(":now", adminq_int(now)), adminq_as(":who", adminq_text(req->actor.who))};
    enum adminq_write_result w = adminq_exec(db, ADMINQ_MEMBER_SET_PHONE, a, 3, NULL, NULL);
    if (w != ADMINQ_OK) {
        if (w == ADMINQ_CONFLICT)
            api_error(resp, 409, "conflict", "another member has this number", "phone");
        else
            api_json_write_failed(resp, w, "phone");
        return -1;
    }
    int64_t moved = 0;
    if (adminq_exec(db, ADMINQ_MEMBER_PHONE_KEEP, keep, 4, NULL, NULL) != ADMINQ_OK ||
        adminq_exec(db, ADMINQ_MEMBER_RETARGET, a, 3, &moved, NULL) != ADMINQ_OK)
        return -1;
    char from[MSISDN_MAX], to[MSISDN_MAX];
    msisdn_mask(old, from);
    msisdn_mask(phone, to);
    return api_json_audit(db, req, "member.phone", "member", id,
                          json_pack("{s:{s:s,s:s},s:I}", "phone", "from", from, "to", to,
                                    "messages_moved", (json_int_t)moved));
}

/* POST /members/{id}/phone {"phone"}: the member's new number. */
static void member_phone_post(const struct api_request *req, struct http_response *resp)
{
    int64_t id;
    char phone[MSISDN_MAX];
    struct db *db;
    if (api_param_id(req, resp, "id", &id) != 0 || phone_field(req, resp, phone) != 0 ||
        !(db = api_json_db(resp)))
        return;
    json_t *before = api_json_begin_get(db, ADMINQ_MEMBER_GET, id, resp);
    if (!before)
        return;
    const char *old = jstr(before, "phone");
    int rc = 0;
    if (!json_is_null(json_object_get(before, "erased_at"))) {
        api_error(resp, 409, "conflict", "this member's data was erased", NULL);
        rc = -1;
    } else if (old && strcmp(old, phone) == 0) {
        rc = 0; /* the number it has: nothing to change */
    } else if (!old || test_number_is(old) != test_number_is(phone)) {
        /* The trust boundary: a test member stays one, a real one stays real. */
        api_error(resp, 422, "invalid_value",
                  "a test number and a real member's number never replace each other", "phone");
        rc = -1;
    } else {
        rc = change_phone(db, req, id, old, phone, resp);
    }
    json_decref(before);
    if (api_json_finish(db, rc, resp) == 0)
        reply_member(db, id, resp);
}

/* POST /members/{id}/consent/withdraw {"note"?}: the member asked staff to
 * withdraw their consent; every send to them stops. Again: no change. */
static void member_withdraw_post(const struct api_request *req, struct http_response *resp)
{
    static const char *const fields[] = {"note", NULL};
    int64_t id;
    const char *note = NULL;
    struct db *db;
    if (api_param_id(req, resp, "id", &id) != 0 || api_json_only(req, resp, fields) != 0 ||
        api_json_string(req, resp, "note", 0, WITHDRAW_NOTE_MAX_BYTES, &note) < 0 ||
        !(db = api_json_db(resp)))
        return;
    json_t *before = api_json_begin_get(db, ADMINQ_MEMBER_GET, id, resp);
    if (!before)
        return;
    int rc = 0;
    if (!json_is_null(json_object_get(before, "erased_at"))) {
        api_error(resp, 409, "conflict", "this member's data was erased", NULL);
        rc = -1;
    } else if (json_is_null(json_object_get(before, "consent_withdrawn_at"))) {
        struct adminq_arg a[] = {adminq_as(":id", adminq_int(id)),
                                 adminq_as(":now", adminq_int(db_now())),
                                 adminq_as(":who", adminq_text(req->actor.who))};
        if (adminq_exec(db, ADMINQ_MEMBER_WITHDRAW_CONSENT, a, 3, NULL, NULL) != ADMINQ_OK)
            rc = -1;
        else
            rc = api_json_audit(db, req, "member.consent_withdrawn", "member", id,
                                json_pack("{s:s?,s:b}", "note", note, "was_opted_out",
                                          !json_is_null(json_object_get(before, "opted_out_at"))));
    }
    json_decref(before);
    if (api_json_finish(db, rc, resp) == 0)
        reply_member(db, id, resp);
}

const struct api_route api_member_changes_routes[] = {
    {"POST", "/members/{id}/phone", API_ROLE_STAFF, member_phone_post, API_BODY_JSON},
    {"POST", "/members/{id}/consent/withdraw", API_ROLE_STAFF, member_withdraw_post, API_BODY_JSON},
    {NULL, NULL, API_ROLE_NONE, NULL, API_BODY_JSON},
};
