/* twilio.c -- Twilio's Programmable Messaging wire format: inbound SMS and
 * status callbacks are form posts signed with X-Twilio-Signature (HMAC-SHA1
 * of the public URL and the sorted fields, keyed by the auth token), replies
 * are TwiML, sends are POST {base}/2010-04-01/Accounts/{sid}/Messages.json
 * with HTTP Basic, and errors carry a numeric code (21610: the recipient
 * opted out with the carrier). */
#include "channels/twilio.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channels/adapter.h"
#include "core/hex.h"

/* ---- signature ---- */

static int twilio_field_cmp(const void *a, const void *b)
{
    const struct form_field *x = *(const struct form_field *const *)a;
    const struct form_field *y = *(const struct form_field *const *)b;
    size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
    int c = memcmp(x->name, y->name, n);
    if (c != 0 || x->name_len != y->name_len)
        return c != 0 ? c : (x->name_len < y->name_len ? -1 : 1);
    n = x->value_len < y->value_len ? x->value_len : y->value_len;
    c = memcmp(x->value, y->value, n);
    if (c != 0 || x->value_len == y->value_len)
        return c;
    return x->value_len < y->value_len ? -1 : 1;
}

int twilio_signature(const char *auth_token, const char *url, const struct form *fields, char *out,
                     size_t outsz)
{
    size_t count = fields ? fields->count : 0;
    size_t len = strlen(url);
    for (size_t i = 0; i < count; i++)
        len += fields->fields[i].name_len + fields->fields[i].value_len;
    char *data = malloc(len + 1);
    const struct form_field **sorted = malloc((count ? count : 1) * sizeof *sorted);
    if (!data || !sorted || outsz < 29) {
        free(data);
        free(sorted);
        return -1;
    }
    for (size_t i = 0; i < count; i++)
        sorted[i] = &fields->fields[i];
    qsort(sorted, count, sizeof *sorted, twilio_field_cmp);
    size_t pos = strlen(url);
    memcpy(data, url, pos);
    for (size_t i = 0; i < count; i++) {
        memcpy(data + pos, sorted[i]->name, sorted[i]->name_len);
        pos += sorted[i]->name_len;
        memcpy(data + pos, sorted[i]->value, sorted[i]->value_len);
        pos += sorted[i]->value_len;
    }
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned n = adapter_hmac("sha1", auth_token, strlen(auth_token), data, pos, mac);
    free(data);
    free(sorted);
    if (n != 20)
        return -1;
    EVP_EncodeBlock((unsigned char *)out, mac, (int)n);
    return 0;
}

/* The URL Twilio signed: the public URL configured for the channel, the
 * path as received and the query as received. */
static int twilio_public_url(const struct channel_settings *ch, const struct channel_request *req,
                             char *out, size_t outsz)
{
    size_t pl = strlen(ch->public_url);
    while (pl > 0 && ch->public_url[pl - 1] == '/')
        pl--;
    const char *q = req->query_string ? req->query_string : "";
    int n = snprintf(out, outsz, "%.*s%s%s%s", (int)pl, ch->public_url, req->path ? req->path : "",
                     *q ? "?" : "", q);
    return pl == 0 || n < 0 || (size_t)n >= outsz ? -1 : 0;
}

static int twilio_verify(const struct channel_settings *ch, const struct channel_request *req,
                         struct channel_error *err)
{
    const char *presented = req->header ? req->header(req->header_ctx, "X-Twilio-Signature") : NULL;
    if (!presented || !*presented)
        return adapter_fail(err, 403, "forbidden", "missing X-Twilio-Signature");
    if (!ch->has_api_key)
        return adapter_fail(err, 403, "forbidden", "no auth token configured to check signatures");
    char url[CHANNEL_URL_MAX + 2048];
    if (twilio_public_url(ch, req, url, sizeof url) != 0)
        return adapter_fail(err, 403, "forbidden", "cannot rebuild the signed URL");
    const struct form *fields = req->form;
    if (!fields) {
        /* JSON bodies are signed through bodySHA256 in the query. */
        const char *want = req->query ? form_get(req->query, "bodySHA256") : NULL;
        unsigned char d[EVP_MAX_MD_SIZE];
        char hex[2 * EVP_MAX_MD_SIZE + 1];
        unsigned n = adapter_digest("sha256", req->body ? req->body : "", req->body_len, d);
        if (!want || n == 0)
            return adapter_fail(err, 403, "forbidden", "unsigned body");
        hex_encode(d, n, hex);
        if (!adapter_equal(hex, strlen(hex), want, strlen(want)))
            return adapter_fail(err, 403, "forbidden", "body does not match bodySHA256");
    }
    char expected[64];
    if (twilio_signature(ch->api_key, url, fields, expected, sizeof expected) != 0)
        return adapter_fail(err, 500, "internal", "out of memory");
    if (!adapter_equal(expected, strlen(expected), presented, strlen(presented)))
        return adapter_fail(err, 403, "forbidden", "X-Twilio-Signature does not match");
    return 0;
}

/* ---- inbound ---- */

static enum delivery_state twilio_state(const char *status)
{
    static const struct adapter_state_name map[] = {
        {"accepted", DELIVERY_ACCEPTED}, {"scheduled", DELIVERY_ACCEPTED},
        {"queued", DELIVERY_ACCEPTED},   {"sending", DELIVERY_ACCEPTED},
        {"sent", DELIVERY_SENT},         {"delivered", DELIVERY_DELIVERED},
        {"read", DELIVERY_DELIVERED},    {"undelivered", DELIVERY_FAILED},
        {"failed", DELIVERY_FAILED},     {"canceled", DELIVERY_REJECTED},
    };
    return adapter_state_lookup(map, sizeof map / sizeof map[0], status);
}

/* The first of two field names present (Twilio still sends the older
 * SmsSid / SmsStatus next to MessageSid / MessageStatus). */
static const char *twilio_pick(const struct form *f, const char *name, const char *old)
{
    return form_count(f, name) > 0 ? name : old;
}

static int twilio_inbound_parse(const struct channel_settings *ch, const char *kind,
                                const struct channel_request *req, struct channel_batch *out,
                                struct channel_error *err)
{
    (void)ch;
    const struct form *f = req->form;
    if (!f)
        return adapter_fail(err, 415, "unsupported_media_type",
                            "send application/x-www-form-urlencoded");
    bool sms = strcmp(kind, "sms") == 0, dlr = strcmp(kind, "dlr") == 0;
    if (!sms && !dlr)
        return adapter_fail(err, 404, "not_found", "no such webhook");
    struct adapter_batch b;
    if (adapter_batch_init(&b, 1, req->body_len + 64) != 0)
        return adapter_fail(err, 500, "internal", "out of memory");
    int rc;
    if (sms) {
        struct channel_event *e = adapter_batch_add(&b, CHANNEL_EVENT_SMS);
        rc = adapter_form_copy(&b, f, twilio_pick(f, "MessageSid", "SmsSid"), ADAPTER_ID_MAX, true,
                               &e->provider_id, NULL, err) ||
             adapter_form_copy(&b, f, "From", ADAPTER_FIELD_MAX, true, &e->from_raw, NULL, err) ||
             adapter_form_copy(&b, f, "To", ADAPTER_FIELD_MAX, false, &e->to, NULL, err) ||
             adapter_form_text(&b, f, "Body", HTTP_BODY_CEILING, &e->text, &e->text_len, err);
    } else {
        struct channel_event *e = adapter_batch_add(&b, CHANNEL_EVENT_DLR);
        const char *status;
        rc = adapter_form_copy(&b, f, twilio_pick(f, "MessageSid", "SmsSid"), ADAPTER_ID_MAX, true,
                               &e->dlr_provider_id, NULL, err) ||
             adapter_form_copy(&b, f, twilio_pick(f, "MessageStatus", "SmsStatus"),
                               ADAPTER_FIELD_MAX, true, &status, NULL, err) ||
             adapter_form_copy(&b, f, "ErrorCode", ADAPTER_FIELD_MAX, false, &e->error_code, NULL,
                               err) ||
             adapter_form_copy(&b, f, "To", ADAPTER_FIELD_MAX, false, &e->to, NULL, err);
        if (rc == 0) {
            e->status = status;
            e->state = twilio_state(status);
            /* Our id rides in the StatusCallback URL we gave (?id=). */
            e->dlr_message_id = adapter_parse_id(req->query ? form_get(req->query, "id") : NULL);
        }
    }
    if (rc != 0) {
        adapter_batch_drop(&b);
        return -1;
    }
    adapter_batch_done(&b, out);
    return 0;
}

/* TwiML: <Response><Message>reply</Message></Response>, or <Response/>. */
static long twilio_sms_reply(const char *reply, char *out, size_t outsz, const char **content_type)
{
    *content_type = "text/xml; charset=utf-8";
    static const char head[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
    size_t pos = 0;
    int n = snprintf(out, outsz, "%s%s", head, reply ? "<Response><Message>" : "<Response/>");
    if (n < 0 || (size_t)n >= outsz)
        return -1;
    pos = (size_t)n;
    if (!reply)
        return (long)pos;
    for (const char *p = reply; *p; p++) {
        const char *esc = NULL;
        switch (*p) {
        case '&':
            esc = "&amp;";
            break;
        case '<':
            esc = "&lt;";
            break;
        case '>':
            esc = "&gt;";
            break;
        case '"':
            esc = "&quot;";
            break;
        case '\'':
            esc = "&apos;";
            break;
        }
        size_t el = esc ? strlen(esc) : 1;
        if (pos + el >= outsz)
            return -1;
        if (esc)
            memcpy(out + pos, esc, el);
        else
            out[pos] = *p;
        pos += el;
    }
    n = snprintf(out + pos, outsz - pos, "</Message></Response>");
    if (n < 0 || (size_t)n >= outsz - pos)
        return -1;
    return (long)(pos + (size_t)n);
}

/* ---- sending ---- */

static int twilio_send_build(const struct channel_settings *ch, const struct outbound_message *msgs,
                             size_t n, struct channel_http_call *out, char *reason, size_t reasonsz)
{
    memset(out, 0, sizeof *out);
    if (n != 1) {
        snprintf(reason, reasonsz, "batch of %zu recipients", n);
        return -1;
    }
    if (!ch->username[0] || !ch->has_api_key || !ch->sender_id[0]) {
        snprintf(reason, reasonsz, "channel %s lacks AccountSid, auth token or sender", ch->name);
        return -1;
    }
    char path[256] = "/2010-04-01/Accounts/";
    size_t pl = strlen(path);
    if (form_encode_append(path, sizeof path, &pl, NULL, ch->username, strlen(ch->username)) ||
        pl + sizeof "/Messages.json" > sizeof path) {
        snprintf(reason, reasonsz, "AccountSid too long");
        return -1;
    }
    memcpy(path + pl, "/Messages.json", sizeof "/Messages.json");
    char callback[CHANNEL_URL_MAX + 512] = "";
    size_t cl = 0;
    char idtext[24];
    snprintf(idtext, sizeof idtext, "%lld", (long long)msgs[0].id);
    bool has_callback = adapter_hook_url(ch, "dlr", callback, sizeof callback, &cl) == 0 &&
                        adapter_url_arg(callback, sizeof callback, &cl, "id", idtext) == 0;
    size_t text_len = strlen(msgs[0].text);
    size_t cap = 128 + FORM_ENCODED_MAX(2, strlen(msgs[0].to)) +
                 FORM_ENCODED_MAX(19, strlen(ch->sender_id)) + FORM_ENCODED_MAX(4, text_len) +
                 FORM_ENCODED_MAX(14, cl);
    char *body = malloc(cap);
    if (!body) {
        snprintf(reason, reasonsz, "out of memory");
        return -1;
    }
    size_t len = 0;
    body[0] = '\0';
    bool service = strncmp(ch->sender_id, "MG", 2) == 0 && strlen(ch->sender_id) == 34;
    int rc = form_encode_append(body, cap, &len, "To", msgs[0].to, strlen(msgs[0].to));
    rc |= form_encode_append(body, cap, &len, service ? "MessagingServiceSid" : "From",
                             ch->sender_id, strlen(ch->sender_id));
    rc |= form_encode_append(body, cap, &len, "Body", msgs[0].text, text_len);
    if (has_callback)
        rc |= form_encode_append(body, cap, &len, "StatusCallback", callback, cl);
    rc |= adapter_call_init(out, "POST", ch->base_url, path);
    rc |= adapter_call_header(out, "Accept", "application/json");
    rc |= adapter_call_header(out, "Content-Type", "application/x-www-form-urlencoded");
    snprintf(out->basic_user, sizeof out->basic_user, "%s", ch->username);
    snprintf(out->basic_password, sizeof out->basic_password, "%s", ch->api_key);
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

static void twilio_send_parse(const struct channel_settings *ch,
                              const struct outbound_message *msgs, size_t n,
                              const struct channel_http_answer *a, struct send_result *results)
{
    long http_status = a->status;
    const char *body = a->body;
    size_t body_len = a->body_len;
    (void)ch;
    (void)msgs;
    if (n == 0)
        return;
    struct send_result *r = &results[0];
    json_t *root = adapter_json_object(body, body_len);
    if (http_status >= 200 && http_status < 300) {
        const char *sid = root ? json_string_value(json_object_get(root, "sid")) : NULL;
        if (sid && *sid) {
            adapter_result(r, SEND_ACCEPTED, 0, NULL);
            snprintf(r->provider_id, sizeof r->provider_id, "%s", sid);
        } else {
            char snip[80];
            adapter_snippet(body, body_len, snip, sizeof snip);
            adapter_result(r, SEND_RETRY, 0, "unreadable answer: %s", snip);
        }
    } else if (http_status >= 400 && http_status < 500 && root &&
               json_is_integer(json_object_get(root, "code"))) {
        long long code = json_integer_value(json_object_get(root, "code"));
        const char *msg = json_string_value(json_object_get(root, "message"));
        char snip[96];
        adapter_snippet(msg, msg ? strlen(msg) : 0, snip, sizeof snip);
        if (code == 21610)
            adapter_result(r, SEND_OPTED_OUT, 0, "%lld %s", code, snip);
        else if (code == 20429 || http_status == 429)
            adapter_result(r, SEND_RETRY, adapter_retry_after(a, ADAPTER_RATE_LIMITED_S), "%lld %s",
                           code, snip);
        else if (code == 20003 || http_status == 401 || http_status == 403) {
            adapter_result(r, SEND_RETRY, 300, "credentials refused: %lld %s", code, snip);
            r->error_class = SEND_ERROR_CREDENTIALS;
        } else
            adapter_result(r, SEND_PERMANENT, 0, "%lld %s", code, snip);
    } else {
        adapter_http_failure(a, r);
    }
    json_decref(root);
    adapter_result_spread(results, n);
}

const struct channel_ops twilio_ops = {
    .type = "twilio",
    .loopback_only = false,
    .needs_secret = false, /* requests are signed */
    .network = true,
    .max_batch = 1,
    .ussd_content_types = NULL,
    .ussd_parse = NULL,
    .ussd_reply = NULL,
    .verify = twilio_verify,
    .inbound_parse = twilio_inbound_parse,
    .inline_reply = true,
    .sms_reply = twilio_sms_reply,
    .send_build = twilio_send_build,
    .send_parse = twilio_send_parse,
};
