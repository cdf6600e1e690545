/* api.c -- the admin API resources of the web console:
 *   POST /simulator/ussd {phone, session, text}: one USSD step through the
 *        sandbox channel as a test number only (core/test_number), audited
 *        under the staff user's name, answered {"type":"CON"|"END","screen":..};
 *   POST /simulator/sms {phone, text}: one SMS from a test number through the
 *        sandbox channel, audited, answered {"reply": the inline reply};
 *   POST /grants/{id}/status/preview {status, note...}: the SMS the member
 *        would get, made in a transaction that is rolled back;
 *   GET  /dashboard: outbound messages per channel and status since Monday
 *        (programme time) and grants per status with amounts. */
#include "console/api.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "api/json.h"
#include "app/inbound.h"
#include "app/programme.h"
#include "app/ussd.h"
#include "channels/channel_ops.h"
#include "core/limits.h"
#include "core/msisdn.h"
#include "core/test_number.h"
#include "runtime/env.h"
#include "runtime/runtime.h"
#include "store/audit.h"
#include "store/console_queries.h"
#include "store/db.h"
#include "sys/log.h"

#define SIM_SESSION_MAX 64 /* bytes of a simulator session id */
#define SIM_TEXT_MAX 512   /* bytes of the joined inputs */
#define SIM_SMS_MAX 1024   /* bytes of one simulated SMS (a few segments of Arabic) */
#define NOTE_PREVIEW_MAX 480

static struct ussd_sessions *sim_sessions;

void console_api_set_sessions(struct ussd_sessions *sessions)
{
    sim_sessions = sessions;
}

/* The channel the simulator's steps go through: the first test channel. */
static const struct channel_settings *sandbox_channel(const struct config *cfg)
{
    for (size_t i = 0; i < cfg->nchannels; i++) {
        const struct channel_ops *ops = channel_ops_find(cfg->channels[i].type);
        if (ops && ops->test)
            return &cfg->channels[i];
    }
    return NULL;
}

/* The simulator's phone normalised into phone: a test number only
 * (core/test_number), never a real member's. Returns 0, or fills resp. */
static int simulator_phone(const char *raw, char phone[MSISDN_MAX], struct http_response *resp)
{
    if (msisdn_normalize(raw, strlen(raw), phone) != MSISDN_OK) {
        api_error(resp, 422, "invalid_value", "phone is not a valid mobile number", "phone");
        return -1;
    }
    if (!test_number_is(phone)) {
        api_error(resp, 400, "not_a_test_number",
                  "the phone simulator acts as test numbers only, " TEST_NUMBER_FIRST
                  " to " TEST_NUMBER_LAST ", never as a real member",
                  "phone");
        return -1;
    }
    return 0;
}

/* One audit row per simulator step (action "simulator.ussd" or
 * "simulator.sms"), under the staff user's name, committed before the step
 * runs: nothing the simulator does goes unaudited. summary is stolen. */
static int simulator_audit(const struct api_request *req, const char *action, const char *phone,
                           json_t *summary, struct http_response *resp)
{
    struct db *db = api_json_db(resp);
    char *js = summary ? json_dumps(summary, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(summary);
    if (!db) {
        free(js);
        return -1;
    }
    int rc = js && db_begin(db) == 0 ? 0 : -1;
    if (rc == 0 &&
        (audit_write(db, &req->actor, action, "phone", phone, js) != 0 || db_commit(db) != 0)) {
        db_rollback(db);
        rc = -1;
    }
    free(js);
    if (rc != 0)
        api_error_db(resp);
    return rc;
}

static void simulator_ussd(const struct api_request *req, struct http_response *resp)
{
    static const char *const fields[] = {"phone", "session", "text", NULL};
    const char *raw = NULL, *session = NULL, *text = "";
    if (api_json_need_body(req, resp) != 0 || api_json_only(req, resp, fields) != 0 ||
        api_json_string(req, resp, "phone", API_JSON_FIELD_REQUIRED, 32, &raw) < 0 ||
        api_json_string(req, resp, "session", API_JSON_FIELD_REQUIRED, SIM_SESSION_MAX - 8,
                        &session) < 0)
        return;
    json_t *jt = json_object_get(req->json, "text");
    if (jt && !json_is_string(jt)) {
        api_error(resp, 400, "invalid_type", "text must be a string", "text");
        return;
    }
    if (jt)
        text = json_string_value(jt);
    if (strlen(text) > SIM_TEXT_MAX) {
        api_error(resp, 422, "invalid_value", "text is too long", "text");
        return;
    }
    char phone[MSISDN_MAX];
    if (simulator_phone(raw, phone, resp) != 0)
        return;
    const struct channel_settings *ch = sandbox_channel(&req->rt->cfg);
    if (!ch || !sim_sessions) {
        api_error(resp, 409, "no_sandbox",
                  "the phone simulator needs a channel of type sandbox in the configuration", NULL);
        return;
    }
    if (simulator_audit(req, "simulator.ussd", phone,
                        json_pack("{s:s,s:s}", "session", session, "text", text), resp) != 0)
        return;
    char sid[SIM_SESSION_MAX];
    snprintf(sid, sizeof sid, "console-%s", session); /* never a provider's id */
    struct ussd_step step = {.session_id = sid,
                             .service_code = ch->ussd_code,
                             .phone_raw = phone,
                             .network_code = "sim",
                             .text = text,
                             .text_len = strlen(text)};
    char screen[SCREEN_BYTES_MAX];
    bool end = false;
    enum ussd_result r =
        ussd_handle(sim_sessions, &req->rt->app, ch, &step, screen, sizeof screen, &end);
    if (r != USSD_OK) {
        api_error_db(resp);
        return;
    }
    api_reply_json(resp, 200,
                   json_pack("{s:s,s:s,s:s,s:s}", "type", end ? "END" : "CON", "screen", screen,
                             "channel", ch->name, "ussd_code", ch->ussd_code));
}

/* POST /simulator/sms {phone, text}: one SMS from a test number through
 * the sandbox channel, handled as a provider's webhook would be (the SMS
 * command router, stored and idempotent), answered with the reply the
 * member would get: {"reply": text | null, "channel": ..}. No reply means
 * the flood limit held the SMS back. */
static void simulator_sms(const struct api_request *req, struct http_response *resp)
{
    static const char *const fields[] = {"phone", "text", NULL};
    static atomic_uint_fast64_t seq;
    const char *raw = NULL, *text = NULL;
    if (api_json_need_body(req, resp) != 0 || api_json_only(req, resp, fields) != 0 ||
        api_json_string(req, resp, "phone", API_JSON_FIELD_REQUIRED, 32, &raw) < 0 ||
        api_json_string(req, resp, "text", API_JSON_FIELD_REQUIRED, SIM_SMS_MAX, &text) < 0)
        return;
    char phone[MSISDN_MAX];
    if (simulator_phone(raw, phone, resp) != 0)
        return;
    const struct channel_settings *ch = sandbox_channel(&req->rt->cfg);
    if (!ch) {
        api_error(resp, 409, "no_sandbox",
                  "the phone simulator needs a channel of type sandbox in the configuration", NULL);
        return;
    }
    if (simulator_audit(req, "simulator.sms", phone, json_pack("{s:s}", "text", text), resp) != 0)
        return;
    /* A provider id of its own per request: never a provider's, never a replay. */
    char pid[64];
    snprintf(pid, sizeof pid, "console-%lld-%llu", (long long)time(NULL),
             (unsigned long long)atomic_fetch_add(&seq, 1));
    struct channel_event ev = {.kind = CHANNEL_EVENT_SMS,
                               .provider_id = pid,
                               .from_raw = phone,
                               .to = ch->ussd_code,
                               .text = text,
                               .text_len = strlen(text)};
    struct inbound_context ic;
    runtime_env_inbound(req->rt, ch, true, &ic);
    struct inbound_sms_result r;
    if (inbound_sms(&ic, &ev, &r) != 0) {
        api_error_db(resp);
        return;
    }
    json_t *reply = r.has_inline_reply ? json_string(r.reply) : json_null();
    api_reply_json(resp, 200, json_pack("{s:o,s:s}", "reply", reply, "channel", ch->name));
}

static const char *opt_string(const struct api_request *req, const char *key)
{
    return json_string_value(json_object_get(req->json, key));
}

static void grant_status_preview(const struct api_request *req, struct http_response *resp)
{
    static const char *const fields[] = {"status", "note", "note_ar", "note_fr", "note_en", NULL};
    int64_t id;
    const char *status = NULL, *s;
    if (api_param_id(req, resp, "id", &id) != 0 || api_json_need_body(req, resp) != 0 ||
        api_json_only(req, resp, fields) != 0 ||
        api_json_choice(req, resp, "status", API_JSON_FIELD_REQUIRED, programme_grant_statuses, 16,
                        &status) < 0)
        return;
    for (size_t i = 1; fields[i]; i++)
        if (api_json_string(req, resp, fields[i], API_JSON_FIELD_NULLABLE, NOTE_PREVIEW_MAX, &s) <
            0)
            return;
    const char *all = opt_string(req, "note");
    const char *ar = opt_string(req, "note_ar"), *fr = opt_string(req, "note_fr"),
               *en = opt_string(req, "note_en");
    struct grant_status_change c = {.grant_id = id,
                                    .status = status,
                                    .note_ar = ar ? ar : all,
                                    .note_fr = fr ? fr : all,
                                    .note_en = en ? en : all};
    struct db *db = api_json_db(resp);
    if (!db)
        return;
    struct notice_env env;
    runtime_env_notice(req->rt, &env);
    if (db_begin(db) != 0) {
        api_error_db(resp);
        return;
    }
    int64_t message_id = 0;
    struct consoleq_message m;
    int got = 0;
    enum programme_result r = programme_grant_set_status(db, &env, &req->actor, &c, &message_id);
    if (r == PROGRAMME_OK && message_id)
        got = consoleq_message(db, message_id, &m);
    db_rollback(db); /* a preview changes nothing */
    if (r == PROGRAMME_NOT_FOUND) {
        api_error(resp, 404, "not_found", "no such grant", NULL);
        return;
    }
    if (r == PROGRAMME_CONFLICT) {
        api_error(resp, 409, "conflict", "the grant cannot take this status", "status");
        return;
    }
    if (r != PROGRAMME_OK || got < 0) {
        api_error_db(resp);
        return;
    }
    if (got == 0) {
        api_reply_json(resp, 200, json_pack("{s:n}", "message"));
        return;
    }
    char masked[MSISDN_MAX];
    msisdn_mask(m.phone, masked);
    api_reply_json(resp, 200,
                   json_pack("{s:{s:s,s:s,s:s,s:s,s:i}}", "message", "to", masked, "language",
                             m.language, "body", m.body, "encoding", m.encoding, "segments",
                             m.segments));
}

/* Monday 00:00 of this week, programme time (the process runs in its zone). */
static int64_t week_start(void)
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    int back = (tm.tm_wday + 6) % 7; /* days since Monday */
    tm.tm_mday -= back;
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    tm.tm_isdst = -1;
    return (int64_t)mktime(&tm);
}

static void dashboard_get(const struct api_request *req, struct http_response *resp)
{
    (void)req;
    struct db *db = api_json_db(resp);
    if (!db)
        return;
    struct consoleq_count rows[CONSOLEQ_ROWS_MAX];
    int64_t since = week_start();
    int n = consoleq_messages_since(db, since, rows, CONSOLEQ_ROWS_MAX);
    if (n < 0) {
        api_error_db(resp);
        return;
    }
    json_t *week = json_object();
    for (int i = 0; i < n; i++) {
        char channel[sizeof rows[i].key];
        memcpy(channel, rows[i].key, sizeof channel);
        channel[sizeof channel - 1] = '\0';
        char *slash = strrchr(channel, '/');
        if (!slash)
            continue;
        *slash = '\0';
        json_t *per = json_object_get(week, channel);
        if (!per) {
            per = json_object();
            json_object_set_new(week, channel, per);
        }
        json_object_set_new(per, slash + 1, json_integer(rows[i].count));
    }
    n = consoleq_grants_by_status(db, rows, CONSOLEQ_ROWS_MAX);
    if (n < 0) {
        json_decref(week);
        api_error_db(resp);
        return;
    }
    json_t *grants = json_object();
    for (int i = 0; i < n; i++)
        json_object_set_new(grants, rows[i].key,
                            json_pack("{s:I,s:I}", "count", (json_int_t)rows[i].count, "amount_mad",
                                      (json_int_t)rows[i].amount));
    api_reply_json(resp, 200,
                   json_pack("{s:I,s:o,s:o}", "week_start", (json_int_t)since, "messages_this_week",
                             week, "grants_by_status", grants));
}

const struct api_route console_api_routes[] = {
    {"POST", "/simulator/ussd", API_ROLE_STAFF, simulator_ussd, API_BODY_JSON},
    {"POST", "/simulator/sms", API_ROLE_STAFF, simulator_sms, API_BODY_JSON},
    {"POST", "/grants/{id}/status/preview", API_ROLE_STAFF, grant_status_preview, API_BODY_JSON},
    {"GET", "/dashboard", API_ROLE_VIEWER, dashboard_get, API_BODY_JSON},
    {NULL, NULL, API_ROLE_NONE, NULL, API_BODY_JSON},
};
