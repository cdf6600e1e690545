/* africastalking.c -- Africa's Talking's wire format: USSD steps posted as
 * form fields (sessionId, serviceCode, phoneNumber, networkCode, text) and
 * answered in text/plain with "CON " or "END "; the USSD end-of-session
 * notice, inbound SMS and delivery reports (form posts); sends to
 * POST {base}/version1/messaging in bulk mode (one text, many recipients)
 * and the per-recipient statusCode of the answer. The sandbox channel
 * speaks the same inbound format (see sandbox.c). */
#include "channels/africastalking.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channels/adapter.h"
#include "core/utf8.h"

static const char *const form_types[] = {"application/x-www-form-urlencoded", NULL};

int at_ussd_parse(const struct channel_settings *ch, const struct channel_request *req,
                  struct ussd_step *out, struct channel_error *err)
{
    (void)ch;
    if (!req->form) {
        *err = (struct channel_error){"bad_request", "body is not a form", 0};
        return -1;
    }
    static const char *const required[] = {"sessionId", "phoneNumber", NULL};
    for (size_t i = 0; required[i]; i++) {
        size_t n = form_count(req->form, required[i]);
        if (n != 1 || !form_get(req->form, required[i]) || !*form_get(req->form, required[i])) {
            *err = (struct channel_error){"bad_request",
                                          n > 1 ? "duplicated field sessionId or phoneNumber"
                                                : "missing field sessionId or phoneNumber",
                                          0};
            return -1;
        }
    }
    if (form_count(req->form, "text") > 1 || form_count(req->form, "serviceCode") > 1) {
        *err = (struct channel_error){"bad_request", "duplicated field text or serviceCode", 0};
        return -1;
    }
    const struct form_field *text = form_find(req->form, "text");
    out->session_id = form_get(req->form, "sessionId");
    out->phone_raw = form_get(req->form, "phoneNumber");
    out->service_code = form_get(req->form, "serviceCode");
    out->network_code = form_get(req->form, "networkCode");
    if (!out->service_code)
        out->service_code = "";
    if (!out->network_code)
        out->network_code = "";
    out->text = text ? text->value : "";
    out->text_len = text ? text->value_len : 0;
    if (!utf8_valid(out->session_id, strlen(out->session_id)) ||
        !utf8_valid(out->service_code, strlen(out->service_code)) ||
        !utf8_valid(out->text, out->text_len) || memchr(out->text, '\0', out->text_len)) {
        *err = (struct channel_error){"bad_request", "a field is not valid UTF-8 text", 0};
        return -1;
    }
    if (strlen(out->session_id) >= USSD_SESSION_ID_MAX) {
        *err = (struct channel_error){"bad_request", "sessionId too long", 0};
        return -1;
    }
    return 0;
}

long at_ussd_reply(const char *screen, bool end, char *out, size_t outsz, const char **content_type)
{
    *content_type = "text/plain; charset=utf-8";
    int n = snprintf(out, outsz, "%s %s", end ? "END" : "CON", screen);
    return n < 0 || (size_t)n >= outsz ? -1 : n;
}

/* ---- inbound: end of session, SMS, delivery reports ---- */

/* AT delivery statuses (PROVIDERS.md): Sent, Submitted, Buffered are not
 * final; Success, Rejected, Failed are. */
static enum delivery_state at_state(const char *status)
{
    static const struct adapter_state_name map[] = {
        {"Submitted", DELIVERY_ACCEPTED}, {"Buffered", DELIVERY_BUFFERED},
        {"Sent", DELIVERY_SENT},          {"Success", DELIVERY_DELIVERED},
        {"Rejected", DELIVERY_REJECTED},  {"Failed", DELIVERY_FAILED},
    };
    return adapter_state_lookup(map, sizeof map / sizeof map[0], status);
}

static int at_parse_event(const struct form *f, const char *kind, struct adapter_batch *b,
                          struct channel_error *err)
{
    if (strcmp(kind, "sms") == 0) {
        struct channel_event *e = adapter_batch_add(b, CHANNEL_EVENT_SMS);
        if (adapter_form_copy(b, f, "from", ADAPTER_FIELD_MAX, true, &e->from_raw, NULL, err) ||
            adapter_form_copy(b, f, "to", ADAPTER_FIELD_MAX, false, &e->to, NULL, err) ||
            adapter_form_copy(b, f, "id", ADAPTER_ID_MAX, false, &e->provider_id, NULL, err) ||
            adapter_form_text(b, f, "text", HTTP_BODY_CEILING, &e->text, &e->text_len, err))
            return -1;
        return 0;
    }
    if (strcmp(kind, "dlr") == 0) {
        struct channel_event *e = adapter_batch_add(b, CHANNEL_EVENT_DLR);
        const char *status;
        if (adapter_form_copy(b, f, "id", ADAPTER_ID_MAX, true, &e->dlr_provider_id, NULL, err) ||
            adapter_form_copy(b, f, "status", ADAPTER_FIELD_MAX, true, &status, NULL, err) ||
            adapter_form_copy(b, f, "phoneNumber", ADAPTER_FIELD_MAX, false, &e->to, NULL, err) ||
            adapter_form_copy(b, f, "failureReason", ADAPTER_FIELD_MAX, false, &e->error_code, NULL,
                              err))
            return -1;
        e->status = status;
        e->state = at_state(status);
        return 0;
    }
    if (strcmp(kind, "ussd-end") == 0) {
        struct channel_event *e = adapter_batch_add(b, CHANNEL_EVENT_USSD_END);
        if (adapter_form_copy(b, f, "sessionId", USSD_SESSION_ID_MAX - 1, true, &e->session_id,
                              NULL, err) ||
            adapter_form_copy(b, f, "status", ADAPTER_FIELD_MAX, false, &e->status, NULL, err) ||
            adapter_form_copy(b, f, "phoneNumber", ADAPTER_FIELD_MAX, false, &e->from_raw, NULL,
                              err) ||
            adapter_form_copy(b, f, "serviceCode", ADAPTER_FIELD_MAX, false, &e->to, NULL, err) ||
            adapter_form_copy(b, f, "errorMessage", ADAPTER_FIELD_MAX, false, &e->error_code, NULL,
                              err))
            return -1;
        /* How long the session lasted and the input it ended with: fields
         * the documentation leaves unconfirmed, so one absent, repeated or
         * malformed is left out, never a reason to refuse the notice. */
        const char *ms =
            form_count(f, "durationInMillis") == 1 ? form_get(f, "durationInMillis") : "";
        size_t ms_len = strlen(ms);
        if (ms_len > 0 && ms_len <= 12 && strspn(ms, "0123456789") == ms_len)
            e->duration_ms = strtoll(ms, NULL, 10);
        const struct form_field *in = form_count(f, "input") == 1 ? form_find(f, "input") : NULL;
        const char *input =
            in ? adapter_batch_str(b, in->value, in->value_len, USSD_SESSION_TEXT_MAX) : NULL;
        if (input) {
            e->text = input;
            e->text_len = in->value_len;
        }
        return 0;
    }
    return adapter_fail(err, 404, "not_found", "no such webhook");
}

int at_inbound_parse(const struct channel_settings *ch, const char *kind,
                     const struct channel_request *req, struct channel_batch *out,
                     struct channel_error *err)
{
    (void)ch;
    if (!req->form)
        return adapter_fail(err, 415, "unsupported_media_type",
                            "send application/x-www-form-urlencoded");
    struct adapter_batch b;
    if (adapter_batch_init(&b, 1, req->body_len + 64) != 0)
        return adapter_fail(err, 500, "internal", "out of memory");
    if (at_parse_event(req->form, kind, &b, err) != 0) {
        adapter_batch_drop(&b);
        return -1;
    }
    adapter_batch_done(&b, out);
    return 0;
}

long at_sms_reply(const char *reply, char *out, size_t outsz, const char **content_type)
{
    (void)reply; /* replies to Africa's Talking go through the outbox */
    *content_type = "text/plain; charset=utf-8";
    if (outsz == 0)
        return -1;
    out[0] = '\0';
    return 0;
}

/* ---- sending ---- */

/* true when s is "+" followed by 7 to 15 digits. */
static bool at_is_e164(const char *s)
{
    if (s[0] != '+')
        return false;
    size_t n = 0;
    for (const char *p = s + 1; *p; p++, n++)
        if (*p < '0' || *p > '9')
            return false;
    return n >= 7 && n <= 15;
}

static int at_send_build(const struct channel_settings *ch, const struct outbound_message *msgs,
                         size_t n, struct channel_http_call *out, char *reason, size_t reasonsz)
{
    memset(out, 0, sizeof *out);
    if (n == 0 || n > africastalking_ops.max_batch) {
        snprintf(reason, reasonsz, "batch of %zu recipients", n);
        return -1;
    }
    if (!ch->has_api_key || !ch->username[0]) {
        snprintf(reason, reasonsz, "channel %s has no username or api key", ch->name);
        return -1;
    }
    size_t text_len = strlen(msgs[0].text);
    size_t cap = 256 + FORM_ENCODED_MAX(8, strlen(ch->username)) + FORM_ENCODED_MAX(8, text_len) +
                 FORM_ENCODED_MAX(4, strlen(ch->sender_id)) +
                 FORM_ENCODED_MAX(2, n * (MSISDN_MAX + 1));
    for (size_t i = 0; i < n; i++) {
        if (!at_is_e164(msgs[i].to)) {
            snprintf(reason, reasonsz, "recipient is not an E.164 number");
            return -1;
        }
        if (strcmp(msgs[i].text, msgs[0].text) != 0) {
            snprintf(reason, reasonsz, "a bulk send needs the same text for every recipient");
            return -1;
        }
    }
    char *list = malloc(n * (MSISDN_MAX + 1) + 1);
    char *body = malloc(cap);
    if (!list || !body) {
        free(list);
        free(body);
        snprintf(reason, reasonsz, "out of memory");
        return -1;
    }
    size_t ll = 0;
    for (size_t i = 0; i < n; i++) {
        if (i)
            list[ll++] = ',';
        size_t tl = strlen(msgs[i].to);
        memcpy(list + ll, msgs[i].to, tl);
        ll += tl;
    }
    list[ll] = '\0';
    size_t len = 0;
    body[0] = '\0';
    int rc = form_encode_append(body, cap, &len, "username", ch->username, strlen(ch->username));
    rc |= form_encode_append(body, cap, &len, "to", list, ll);
    rc |= form_encode_append(body, cap, &len, "message", msgs[0].text, text_len);
    if (ch->sender_id[0])
        rc |= form_encode_append(body, cap, &len, "from", ch->sender_id, strlen(ch->sender_id));
    rc |= form_encode_append(body, cap, &len, "bulkSMSMode", "1", 1);
    free(list);
    rc |= adapter_call_init(out, "POST", ch->base_url, "/version1/messaging");
    rc |= adapter_call_header(out, "apiKey", ch->api_key);
    rc |= adapter_call_header(out, "Accept", "application/json");
    rc |= adapter_call_header(out, "Content-Type", "application/x-www-form-urlencoded");
    if (rc != 0) {
        free(body);
        memset(out, 0, sizeof *out);
        snprintf(reason, reasonsz, "request does not fit (URL, header or body too long)");
        return -1;
    }
    out->body = body;
    out->body_len = len;
    return 0;
}

#define AT_DUPLICATE "DuplicateRequest"

/* A request AT had already accepted: accepted again, with its message id
 * when AT gives one (the delivery report finds the message by it). */
static void at_duplicate_result(const char *message_id, struct send_result *r)
{
    adapter_result(r, SEND_ACCEPTED, 0, NULL);
    bool known = message_id && strcmp(message_id, "None") != 0;
    snprintf(r->provider_id, sizeof r->provider_id, "%s", known ? message_id : "");
}

static bool at_mentions_duplicate(const char *body, size_t len)
{
    size_t n = strlen(AT_DUPLICATE);
    for (size_t i = 0; body && i + n <= len; i++)
        if (memcmp(body + i, AT_DUPLICATE, n) == 0)
            return true;
    return false;
}

/* The outcome of one recipient's statusCode (PROVIDERS.md). */
static void at_recipient_result(long code, const char *status, const char *message_id,
                                struct send_result *r)
{
    /* "DuplicateRequest": AT already took this very request (our retry
     * after a lost answer). The message is on its way: accepted, never
     * failed, whatever code comes with it. */
    if (strcmp(status, AT_DUPLICATE) == 0) {
        at_duplicate_result(message_id, r);
        return;
    }
    switch (code) {
    case 100: /* Processed */
    case 101: /* Sent */
    case 102: /* Queued */
        adapter_result(r, SEND_ACCEPTED, 0, NULL);
        snprintf(r->provider_id, sizeof r->provider_id, "%s", message_id ? message_id : "");
        return;
    case 401: /* RiskHold */
    case 402: /* InvalidSenderId */
    case 403: /* InvalidPhoneNumber */
    case 404: /* UnsupportedNumberType */
    case 407: /* CouldNotRoute */
    case 409: /* DoNotDisturbRejection */
        adapter_result(r, SEND_PERMANENT, 0, "%ld %s", code, status);
        return;
    case 406: /* UserInBlacklist */
        adapter_result(r, SEND_OPTED_OUT, 0, "%ld %s", code, status);
        return;
    case 405: /* InsufficientBalance: top up, then it goes */
        adapter_result(r, SEND_RETRY, 3600, "%ld %s", code, status);
        r->error_class = SEND_ERROR_BALANCE;
        return;
    case 500: /* InternalServerError */
    case 501: /* GatewayError */
    case 502: /* RejectedByGateway */
        adapter_result(r, SEND_RETRY, 0, "%ld %s", code, status);
        return;
    }
    /* An unknown code: accepted if AT gave a message id, else try again. */
    if (message_id && *message_id && strcmp(message_id, "None") != 0) {
        adapter_result(r, SEND_ACCEPTED, 0, NULL);
        snprintf(r->provider_id, sizeof r->provider_id, "%s", message_id);
    } else {
        adapter_result(r, SEND_RETRY, 0, "unknown statusCode %ld %s", code, status);
    }
}

/* A recipient's "cost" ("MAD 0.2500") into r when it is in dirhams; an
 * amount in another currency (the account's: "KES 0.8000") is left out,
 * the config's price counts instead. */
static void at_cost(const char *cost, struct send_result *r)
{
    char currency[4], tail;
    double amount;
    if (cost && sscanf(cost, "%3s %lf%c", currency, &amount, &tail) == 2 &&
        strcmp(currency, "MAD") == 0 && amount >= 0 && amount < 1000) {
        r->has_cost = true;
        r->cost_mad = amount;
    }
}

static bool at_same_number(const char *ours, const char *theirs)
{
    return strcmp(adapter_digits(ours), adapter_digits(theirs)) == 0;
}

static void at_send_parse(const struct channel_settings *ch, const struct outbound_message *msgs,
                          size_t n, const struct channel_http_answer *a,
                          struct send_result *results)
{
    long http_status = a->status;
    const char *body = a->body;
    size_t body_len = a->body_len;
    (void)ch;
    if (n == 0)
        return;
    if (http_status == 409 && at_mentions_duplicate(body, body_len)) {
        /* The whole request was a duplicate of one AT accepted. */
        at_duplicate_result(NULL, &results[0]);
        adapter_result_spread(results, n);
        return;
    }
    if (adapter_http_failure(a, &results[0])) {
        adapter_result_spread(results, n);
        return;
    }
    json_t *root = adapter_json_object(body, body_len);
    json_t *data = root ? json_object_get(root, "SMSMessageData") : NULL;
    json_t *recipients = data ? json_object_get(data, "Recipients") : NULL;
    if (!json_is_array(recipients)) {
        char snip[80];
        adapter_snippet(body, body_len, snip, sizeof snip);
        adapter_result(&results[0], SEND_RETRY, 0, "unreadable answer: %s", snip);
        adapter_result_spread(results, n);
        json_decref(root);
        return;
    }
    size_t nrec = json_array_size(recipients);
    if (nrec == 0) {
        /* A whole-request refusal ("InvalidSenderId") comes as a Message
         * with no recipients. */
        const char *m = json_string_value(json_object_get(data, "Message"));
        if (m && strncmp(m, "Sent", 4) != 0)
            adapter_result(&results[0], SEND_PERMANENT, 0, "%s", m);
        else
            adapter_result(&results[0], SEND_RETRY, 0, "no recipient in the answer");
        adapter_result_spread(results, n);
        json_decref(root);
        return;
    }
    bool *used = calloc(nrec, sizeof *used);
    for (size_t i = 0; i < n; i++) {
        json_t *match = NULL;
        for (size_t j = 0; j < nrec && used; j++) {
            json_t *rcp = json_array_get(recipients, j);
            const char *num = json_string_value(json_object_get(rcp, "number"));
            if (!used[j] && num && at_same_number(msgs[i].to, num)) {
                used[j] = true;
                match = rcp;
                break;
            }
        }
        if (!match && n == 1 && nrec == 1)
            match = json_array_get(recipients, 0); /* number written another way */
        if (!json_is_object(match)) {
            adapter_result(&results[i], SEND_RETRY, 0, "recipient missing from the answer");
            continue;
        }
        char tmp[32];
        const char *code_s = adapter_json_text(match, "statusCode", tmp, sizeof tmp);
        long code = 0;
        if (!code_s || adapter_parse_long(code_s, 0, 100000, &code) != 0)
            code = 0;
        const char *status = json_string_value(json_object_get(match, "status"));
        const char *mid = json_string_value(json_object_get(match, "messageId"));
        at_recipient_result(code, status ? status : "", mid, &results[i]);
        if (results[i].outcome == SEND_ACCEPTED)
            at_cost(json_string_value(json_object_get(match, "cost")), &results[i]);
    }
    free(used);
    json_decref(root);
}

const struct channel_ops africastalking_ops = {
    .type = "africastalking",
    .loopback_only = false,
    .needs_secret = true,
    .network = true,
    .max_batch = 100,
    .ussd_content_types = form_types,
    .ussd_parse = at_ussd_parse,
    .ussd_reply = at_ussd_reply,
    .verify = NULL,
    .inbound_parse = at_inbound_parse,
    .inline_reply = false,
    .sms_reply = at_sms_reply,
    .send_build = at_send_build,
    .send_parse = at_send_parse,
};
