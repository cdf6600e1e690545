/* vonage.c -- Vonage's SMS API wire format: inbound messages and delivery
 * receipts arrive as GET query strings, POST forms or POST JSON with the
 * same field names (msisdn, to, messageId, text, concat-*; status, err-code,
 * client-ref), optionally signed with `sig`; sends are form posts to
 * {base}/sms/json whose answer is HTTP 200 even on error, with a status per
 * message part. */
#include "channels/vonage.h"

#include <ctype.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channels/adapter.h"
#include "core/hex.h"

/* ---- where a request keeps its fields ---- */

/* A request's fields: a POST form, a POST JSON object, or the query. */
struct vonage_fields {
    const struct form *form; /* form or query */
    json_t *json;
    char tmp[64]; /* a JSON number as text (copied out at once) */
};

static int vonage_fields_open(const struct channel_request *req, struct vonage_fields *vf)
{
    memset(vf, 0, sizeof *vf);
    if (req->form && req->form->count > 0) {
        vf->form = req->form;
        return 0;
    }
    if (req->content_type && strcmp(req->content_type, "application/json") == 0 &&
        req->body_len > 0) {
        vf->json = adapter_json_object(req->body, req->body_len);
        return vf->json ? 0 : -1;
    }
    vf->form = req->query;
    return 0;
}

/* The value of name (NULL when absent); -1 in *count when duplicated. */
static const char *vonage_get(struct vonage_fields *vf, const char *name, size_t *len)
{
    if (vf->json)
        return adapter_json_text_len(vf->json, name, vf->tmp, sizeof vf->tmp, len);
    if (!vf->form || form_count(vf->form, name) != 1)
        return NULL;
    const struct form_field *f = form_find(vf->form, name);
    *len = f->value_len;
    return f->value;
}

static bool vonage_has(struct vonage_fields *vf, const char *name)
{
    if (vf->json)
        return json_object_get(vf->json, name) != NULL;
    return vf->form && form_count(vf->form, name) > 0;
}

/* Copy a field into the batch ("" when absent and optional). */
static int vonage_copy(struct vonage_fields *vf, struct adapter_batch *b, const char *name,
                       size_t max, bool required, const char **out, size_t *out_len,
                       struct channel_error *err)
{
    if (!vf->json && vf->form && form_count(vf->form, name) > 1)
        return adapter_fail(err, 400, "bad_request", "a field appears twice");
    size_t len = 0;
    const char *v = vonage_get(vf, name, &len);
    return adapter_value_copy(b, v, len, max, required, out, out_len, err);
}

/* ---- signature ---- */

static int vonage_param_cmp(const void *a, const void *b)
{
    const struct vonage_param *x = a, *y = b;
    return strcmp(x->name, y->name);
}

int vonage_signature(const char *method, const char *secret, const struct vonage_param *params,
                     size_t n, char *out, size_t outsz)
{
    bool md5hash = strcmp(method, "md5hash") == 0;
    if (outsz < 129 || (!md5hash && strcmp(method, "md5") != 0 && strcmp(method, "sha1") != 0 &&
                        strcmp(method, "sha256") != 0 && strcmp(method, "sha512") != 0))
        return -1;
    struct vonage_param *sorted = malloc((n ? n : 1) * sizeof *sorted);
    size_t len = strlen(secret) + 1, m = 0;
    for (size_t i = 0; i < n; i++)
        len += strlen(params[i].name) + strlen(params[i].value) + 2;
    char *data = malloc(len);
    if (!sorted || !data) {
        free(sorted);
        free(data);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if (strcmp(params[i].name, "sig") != 0)
            sorted[m++] = params[i];
    qsort(sorted, m, sizeof *sorted, vonage_param_cmp);
    size_t pos = 0;
    for (size_t i = 0; i < m; i++) {
        data[pos++] = '&';
        size_t nl = strlen(sorted[i].name);
        memcpy(data + pos, sorted[i].name, nl);
        pos += nl;
        data[pos++] = '=';
        for (const char *v = sorted[i].value; *v; v++)
            data[pos++] = (*v == '&' || *v == '=') ? '_' : *v;
    }
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned ml;
    if (md5hash) {
        size_t sl = strlen(secret);
        memcpy(data + pos, secret, sl);
        ml = adapter_digest("md5", data, pos + sl, mac);
    } else {
        ml = adapter_hmac(method, secret, strlen(secret), data, pos, mac);
    }
    free(sorted);
    free(data);
    if (ml == 0)
        return -1;
    hex_encode(mac, ml, out);
    if (!md5hash)
        for (char *p = out; *p; p++)
            *p = (char)toupper((unsigned char)*p);
    return 0;
}

/* Collect the request's parameters as text (JSON numbers written out). */
static size_t vonage_collect(struct vonage_fields *vf, struct vonage_param *params, size_t max,
                             char (*numbers)[32], bool skip_key)
{
    size_t n = 0;
    if (vf->json) {
        const char *k;
        json_t *v;
        json_object_foreach(vf->json, k, v)
        {
            if (n >= max)
                break;
            const char *t = adapter_json_text(vf->json, k, numbers[n], sizeof numbers[n]);
            if (!t || (skip_key && strcmp(k, "key") == 0))
                continue;
            params[n++] = (struct vonage_param){k, t};
        }
        return n;
    }
    for (size_t i = 0; vf->form && i < vf->form->count && n < max; i++) {
        const struct form_field *f = &vf->form->fields[i];
        if (memchr(f->value, '\0', f->value_len) || memchr(f->name, '\0', f->name_len) ||
            (skip_key && strcmp(f->name, "key") == 0))
            continue;
        params[n++] = (struct vonage_param){f->name, f->value};
    }
    return n;
}

static bool vonage_sig_matches(const struct channel_settings *ch, struct vonage_fields *vf,
                               const char *presented, bool skip_key)
{
    enum { MAXP = FORM_FIELDS_MAX };
    struct vonage_param params[MAXP];
    char numbers[MAXP][32];
    size_t n = vonage_collect(vf, params, MAXP, numbers, skip_key);
    char expected[2 * EVP_MAX_MD_SIZE + 1];
    const char *method = ch->signature_method[0] ? ch->signature_method : "md5hash";
    if (vonage_signature(method, ch->signature_secret, params, n, expected, sizeof expected) != 0)
        return false;
    char got[2 * EVP_MAX_MD_SIZE + 1];
    size_t gl = strlen(presented);
    if (gl >= sizeof got)
        return false;
    for (size_t i = 0; i <= gl; i++)
        got[i] = (char)tolower((unsigned char)presented[i]);
    for (char *p = expected; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return adapter_equal(expected, strlen(expected), got, gl);
}

/* A signed request is fresh: its `timestamp` (Unix seconds, signed with the
 * rest) lies within VONAGE_SIGNATURE_WINDOW_S of our clock. */
static int vonage_check_timestamp(struct vonage_fields *vf, int64_t now, struct channel_error *err)
{
    size_t len = 0;
    const char *ts = vonage_get(vf, "timestamp", &len);
    char buf[24];
    long when = 0;
    if (!ts || len == 0 || len >= sizeof buf)
        return adapter_fail(err, 403, "forbidden", "signed request without timestamp");
    memcpy(buf, ts, len);
    buf[len] = '\0';
    if (adapter_parse_long(buf, 0, LONG_MAX, &when) != 0)
        return adapter_fail(err, 403, "forbidden", "timestamp is not a number");
    int64_t skew = now - (int64_t)when;
    if (skew > VONAGE_SIGNATURE_WINDOW_S || skew < -VONAGE_SIGNATURE_WINDOW_S)
        return adapter_fail(err, 403, "forbidden", "timestamp outside the signature window");
    return 0;
}

static int vonage_verify(const struct channel_settings *ch, const struct channel_request *req,
                         struct channel_error *err)
{
    if (!ch->has_signature_secret)
        return 0; /* unsigned channel: the webhook secret protects it */
    struct vonage_fields vf;
    if (vonage_fields_open(req, &vf) != 0)
        return adapter_fail(err, 403, "forbidden", "unsigned request");
    size_t len = 0;
    const char *sig = vonage_get(&vf, "sig", &len);
    int rc = 0;
    if (!sig || len == 0 || memchr(sig, '\0', len))
        rc = adapter_fail(err, 403, "forbidden", "missing sig");
    else if (!vonage_sig_matches(ch, &vf, sig, false) &&
             !(vonage_has(&vf, "key") && vonage_sig_matches(ch, &vf, sig, true)))
        rc = adapter_fail(err, 403, "forbidden", "sig does not match");
    else
        rc = vonage_check_timestamp(&vf, req->received_at, err);
    json_decref(vf.json);
    return rc;
}

/* ---- inbound ---- */

static enum delivery_state vonage_state(const char *status)
{
    static const struct adapter_state_name map[] = {
        {"accepted", DELIVERY_ACCEPTED},   {"buffered", DELIVERY_BUFFERED},
        {"delivered", DELIVERY_DELIVERED}, {"expired", DELIVERY_EXPIRED},
        {"failed", DELIVERY_FAILED},       {"rejected", DELIVERY_REJECTED},
    };
    return adapter_state_lookup(map, sizeof map / sizeof map[0], status);
}

/* The text of an inbound SMS, a NUL and other controls cleaned. */
static int vonage_text(struct vonage_fields *vf, struct adapter_batch *b, const char **out,
                       size_t *out_len, struct channel_error *err)
{
    if (!vf->json && vf->form && form_count(vf->form, "text") > 1)
        return adapter_fail(err, 400, "bad_request", "a field appears twice");
    size_t len = 0;
    const char *v = vonage_get(vf, "text", &len);
    return adapter_text_copy(b, v, len, HTTP_BODY_CEILING, out, out_len, err);
}

static int vonage_sms(struct vonage_fields *vf, struct adapter_batch *b, struct channel_error *err)
{
    size_t tl = 0;
    const char *type = vonage_get(vf, "type", &tl);
    if (!vonage_has(vf, "msisdn") && !vonage_has(vf, "messageId") && !vonage_has(vf, "text"))
        return 0; /* Vonage's reachability check: no message */
    if (type && tl == 6 && memcmp(type, "binary", 6) == 0)
        return 0; /* binary messages (data/udh) carry no text to act on */
    struct channel_event *e = adapter_batch_add(b, CHANNEL_EVENT_SMS);
    if (vonage_copy(vf, b, "msisdn", ADAPTER_FIELD_MAX, true, &e->from_raw, NULL, err) ||
        vonage_copy(vf, b, "to", ADAPTER_FIELD_MAX, false, &e->to, NULL, err) ||
        vonage_copy(vf, b, "messageId", ADAPTER_ID_MAX, false, &e->provider_id, NULL, err) ||
        vonage_text(vf, b, &e->text, &e->text_len, err))
        return -1;
    size_t cl = 0;
    const char *concat = vonage_get(vf, "concat", &cl);
    if (concat && cl == 4 && memcmp(concat, "true", 4) == 0) {
        const char *ref, *total_s, *part_s;
        long total = 0, part = 0;
        if (vonage_copy(vf, b, "concat-ref", ADAPTER_FIELD_MAX, true, &ref, NULL, err) ||
            vonage_copy(vf, b, "concat-total", 8, true, &total_s, NULL, err) ||
            vonage_copy(vf, b, "concat-part", 8, true, &part_s, NULL, err))
            return -1;
        if (adapter_parse_long(total_s, 1, 255, &total) != 0 ||
            adapter_parse_long(part_s, 1, 255, &part) != 0 || part > total)
            return adapter_fail(err, 400, "bad_request", "concat-part or concat-total invalid");
        e->concat_ref = ref;
        e->concat_total = (int)total;
        e->concat_part = (int)part;
    }
    return 0;
}

static int vonage_dlr(struct vonage_fields *vf, struct adapter_batch *b, struct channel_error *err)
{
    struct channel_event *e = adapter_batch_add(b, CHANNEL_EVENT_DLR);
    const char *status, *ref;
    if (vonage_copy(vf, b, "messageId", ADAPTER_ID_MAX, true, &e->dlr_provider_id, NULL, err) ||
        vonage_copy(vf, b, "status", ADAPTER_FIELD_MAX, true, &status, NULL, err) ||
        vonage_copy(vf, b, "msisdn", ADAPTER_FIELD_MAX, false, &e->to, NULL, err) ||
        vonage_copy(vf, b, "err-code", ADAPTER_FIELD_MAX, false, &e->error_code, NULL, err) ||
        vonage_copy(vf, b, "client-ref", ADAPTER_FIELD_MAX, false, &ref, NULL, err))
        return -1;
    e->status = status;
    e->state = vonage_state(status);
    e->dlr_message_id = adapter_parse_id(ref);
    if (strcmp(e->error_code, "0") == 0)
        e->error_code = "";
    return 0;
}

static int vonage_inbound_parse(const struct channel_settings *ch, const char *kind,
                                const struct channel_request *req, struct channel_batch *out,
                                struct channel_error *err)
{
    (void)ch;
    bool sms = strcmp(kind, "sms") == 0, dlr = strcmp(kind, "dlr") == 0;
    if (!sms && !dlr)
        return adapter_fail(err, 404, "not_found", "no such webhook");
    struct vonage_fields vf;
    if (vonage_fields_open(req, &vf) != 0)
        return adapter_fail(err, 400, "bad_request", "body is not a JSON object");
    struct adapter_batch b;
    size_t ql = req->query_string ? strlen(req->query_string) : 0;
    if (adapter_batch_init(&b, 1, req->body_len + ql + 64) != 0) {
        json_decref(vf.json);
        return adapter_fail(err, 500, "internal", "out of memory");
    }
    int rc = sms ? vonage_sms(&vf, &b, err) : vonage_dlr(&vf, &b, err);
    json_decref(vf.json);
    if (rc != 0) {
        adapter_batch_drop(&b);
        return -1;
    }
    adapter_batch_done(&b, out);
    return 0;
}

static long vonage_sms_reply(const char *reply, char *out, size_t outsz, const char **content_type)
{
    (void)reply; /* replies go through the outbox */
    *content_type = "text/plain; charset=utf-8";
    if (outsz == 0)
        return -1;
    out[0] = '\0';
    return 0;
}

/* ---- sending ---- */

static int vonage_send_build(const struct channel_settings *ch, const struct outbound_message *msgs,
                             size_t n, struct channel_http_call *out, char *reason, size_t reasonsz)
{
    memset(out, 0, sizeof *out);
    if (n != 1) {
        snprintf(reason, reasonsz, "batch of %zu recipients", n);
        return -1;
    }
    if (!ch->username[0] || !ch->has_api_key || !ch->sender_id[0]) {
        snprintf(reason, reasonsz, "channel %s lacks api key, api secret or sender", ch->name);
        return -1;
    }
    char callback[CHANNEL_URL_MAX + 512] = "";
    size_t cl = 0;
    bool has_callback = adapter_hook_url(ch, "dlr", callback, sizeof callback, &cl) == 0;
    char idtext[24];
    snprintf(idtext, sizeof idtext, "%lld", (long long)msgs[0].id);
    const char *to = adapter_digits(msgs[0].to);
    size_t text_len = strlen(msgs[0].text);
    size_t cap = 256 + FORM_ENCODED_MAX(8, strlen(ch->username)) +
                 FORM_ENCODED_MAX(10, strlen(ch->api_key)) +
                 FORM_ENCODED_MAX(4, strlen(ch->sender_id)) + FORM_ENCODED_MAX(2, strlen(to)) +
                 FORM_ENCODED_MAX(4, text_len) + FORM_ENCODED_MAX(8, cl);
    char *body = malloc(cap);
    if (!body) {
        snprintf(reason, reasonsz, "out of memory");
        return -1;
    }
    size_t len = 0;
    body[0] = '\0';
    int rc = form_encode_append(body, cap, &len, "api_key", ch->username, strlen(ch->username));
    rc |= form_encode_append(body, cap, &len, "api_secret", ch->api_key, strlen(ch->api_key));
    rc |= form_encode_append(body, cap, &len, "from", ch->sender_id, strlen(ch->sender_id));
    rc |= form_encode_append(body, cap, &len, "to", to, strlen(to));
    rc |= form_encode_append(body, cap, &len, "text", msgs[0].text, text_len);
    if (msgs[0].encoding == TEXT_UCS2)
        rc |= form_encode_append(body, cap, &len, "type", "unicode", 7);
    else
        rc |= form_encode_append(body, cap, &len, "type", "text", 4);
    rc |= form_encode_append(body, cap, &len, "client-ref", idtext, strlen(idtext));
    if (has_callback) {
        rc |= form_encode_append(body, cap, &len, "status-report-req", "1", 1);
        rc |= form_encode_append(body, cap, &len, "callback", callback, cl);
    }
    rc |= adapter_call_init(out, "POST", ch->base_url, "/sms/json");
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

/* Vonage's per-message status codes (SMS API). */
static void vonage_status_result(long status, const char *text, struct send_result *r)
{
    switch (status) {
    case 1: /* Throttled */
        adapter_result(r, SEND_RETRY, 5, "%ld %s", status, text);
        r->error_class = SEND_ERROR_RATE_LIMITED;
        return;
    case 5:  /* Internal Error */
    case 10: /* Too Many Existing Binds */
        adapter_result(r, SEND_RETRY, 0, "%ld %s", status, text);
        return;
    case 4:  /* Invalid Credentials */
    case 8:  /* Partner Account Barred */
    case 11: /* Facility Not Allowed */
    case 14: /* Invalid Signature */
    case 32: /* Signature And API Secret Disallowed */
        adapter_result(r, SEND_RETRY, 300, "credentials refused: %ld %s", status, text);
        r->error_class = SEND_ERROR_CREDENTIALS; /* inside an HTTP 200 */
        return;
    case 9: /* Partner Quota Violation: not enough credit */
        adapter_result(r, SEND_RETRY, 3600, "%ld %s", status, text);
        r->error_class = SEND_ERROR_BALANCE;
        return;
    case 2:  /* Missing Parameters */
    case 3:  /* Invalid Parameters */
    case 6:  /* Invalid Message */
    case 7:  /* Number Barred */
    case 12: /* Message Too Long */
    case 15: /* Invalid Sender Address */
    case 22: /* Invalid Network Code */
    case 23: /* Invalid Callback Url */
    case 29: /* Non-Whitelisted Destination */
    case 33: /* Number De-activated */
        adapter_result(r, SEND_PERMANENT, 0, "%ld %s", status, text);
        return;
    }
    adapter_result(r, SEND_RETRY, 0, "unknown status %ld %s", status, text);
}

static void vonage_send_parse(const struct channel_settings *ch,
                              const struct outbound_message *msgs, size_t n,
                              const struct channel_http_answer *a, struct send_result *results)
{
    const char *body = a->body;
    size_t body_len = a->body_len;
    (void)ch;
    (void)msgs;
    if (n == 0)
        return;
    struct send_result *r = &results[0];
    if (adapter_http_failure(a, r)) {
        adapter_result_spread(results, n);
        return;
    }
    json_t *root = adapter_json_object(body, body_len);
    json_t *parts = root ? json_object_get(root, "messages") : NULL;
    size_t np = json_is_array(parts) ? json_array_size(parts) : 0;
    if (np == 0) {
        char snip[80];
        adapter_snippet(body, body_len, snip, sizeof snip);
        adapter_result(r, SEND_RETRY, 0, "unreadable answer: %s", snip);
    } else {
        /* A long text is sent as parts, each with a status: once one part
         * went, sending again would duplicate it, so any "0" is accepted. */
        json_t *first_bad = NULL;
        const char *accepted_id = NULL;
        for (size_t i = 0; i < np; i++) {
            json_t *p = json_array_get(parts, i);
            char tmp[32];
            const char *st =
                json_is_object(p) ? adapter_json_text(p, "status", tmp, sizeof tmp) : NULL;
            if (st && strcmp(st, "0") == 0) {
                if (!accepted_id)
                    accepted_id = json_string_value(json_object_get(p, "message-id"));
                if (!accepted_id)
                    accepted_id = "";
            } else if (!first_bad) {
                first_bad = p;
            }
        }
        if (accepted_id) {
            adapter_result(r, SEND_ACCEPTED, 0, NULL);
            snprintf(r->provider_id, sizeof r->provider_id, "%s", accepted_id);
        } else {
            char tmp[32], snip[96];
            const char *st = json_is_object(first_bad)
                                 ? adapter_json_text(first_bad, "status", tmp, sizeof tmp)
                                 : NULL;
            const char *et = json_is_object(first_bad)
                                 ? json_string_value(json_object_get(first_bad, "error-text"))
                                 : NULL;
            adapter_snippet(et, et ? strlen(et) : 0, snip, sizeof snip);
            long code = -1;
            if (!st || adapter_parse_long(st, 0, 1000000, &code) != 0)
                adapter_result(r, SEND_RETRY, 0, "part without a status: %s", snip);
            else
                vonage_status_result(code, snip, r);
        }
    }
    json_decref(root);
    adapter_result_spread(results, n);
}

/* Webhooks come as GET (Kannel's get-url, Vonage's default) or POST. */
static const char *const get_or_post[] = {"GET", "POST", NULL};

const struct channel_ops vonage_ops = {
    .type = "vonage",
    .loopback_only = false,
    .needs_secret = false, /* a webhook secret or a signature secret: checked by the config */
    .network = true,
    .max_batch = 1,
    .ussd_content_types = NULL,
    .ussd_parse = NULL,
    .ussd_reply = NULL,
    .verify = vonage_verify,
    .inbound_parse = vonage_inbound_parse,
    .inbound_methods = get_or_post,
    .inline_reply = false,
    .sms_reply = vonage_sms_reply,
    .send_build = vonage_send_build,
    .send_parse = vonage_send_parse,
};
