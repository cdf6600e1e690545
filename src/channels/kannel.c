/* kannel.c -- Kannel's wire format: an sms-service calls our get-url with
 * its escape codes as query fields (from=%p to=%P text=%b id=%I coding=%c
 * charset=%C ts=%t smsc=%i); replies go through the outbox (an empty 200,
 * nothing sent by Kannel itself); sends are POST {base}/cgi-bin/sendsms in
 * text/plain UTF-8 with X-Kannel-* headers (coding 2 for UCS-2) and a
 * dlr-url that carries our messages.id; reports arrive on that URL with
 * the event bit in status (%d). */
#include "channels/kannel.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "channels/adapter.h"
#include "core/utf8.h"

/* ---- text decoding ---- */

/* Windows-1252 0x80..0x9F (0: undefined, read as U+FFFD). */
static const uint16_t cp1252_high[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,
};

static bool kannel_is(const char *s, const char *name)
{
    return s && strcasecmp(s, name) == 0;
}

size_t kannel_decode_text(const char *raw, size_t len, const char *coding, const char *charset,
                          char *out)
{
    size_t n = 0;
    bool utf16 = kannel_is(charset, "UTF-16BE") || kannel_is(charset, "UCS-2") ||
                 kannel_is(charset, "UCS-2BE") || kannel_is(charset, "UTF-16");
    bool single = kannel_is(charset, "WINDOWS-1252") || kannel_is(charset, "ISO-8859-1") ||
                  kannel_is(charset, "LATIN1");
    bool utf8 = kannel_is(charset, "UTF-8");
    if (!utf16 && !single && !utf8 && coding && strcmp(coding, "2") == 0)
        utf16 = true; /* UCS-2 with no usable charset: raw UTF-16BE */
    if (utf16) {
        for (size_t i = 0; i + 1 < len; i += 2) {
            uint32_t u = ((uint32_t)(unsigned char)raw[i] << 8) | (unsigned char)raw[i + 1];
            if (u >= 0xD800 && u <= 0xDBFF && i + 3 < len) {
                uint32_t lo =
                    ((uint32_t)(unsigned char)raw[i + 2] << 8) | (unsigned char)raw[i + 3];
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                    i += 2;
                }
            }
            if (u == 0)
                u = '@'; /* GSM's '@' (septet 0) passed on as 0: core/sms_text.h */
            else if (u >= 0xD800 && u <= 0xDFFF)
                u = 0xFFFD;
            n += utf8_encode(u, out + n);
        }
        out[n] = '\0';
        return n;
    }
    if (!single && utf8_valid(raw, len)) {
        for (size_t i = 0; i < len; i++)
            out[i] = raw[i] ? raw[i] : '@';
        out[len] = '\0';
        return len;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)raw[i];
        uint32_t u = c;
        if (c >= 0x80 && c <= 0x9F)
            u = cp1252_high[c - 0x80] ? cp1252_high[c - 0x80] : 0xFFFD;
        if (u == 0)
            u = '@';
        n += utf8_encode(u, out + n);
    }
    out[n] = '\0';
    return n;
}

/* ---- inbound ---- */

/* Kannel's DLR event bits: 1 delivered, 2 not delivered, 4 buffered at
 * the SMSC, 8 accepted by the SMSC, 16 rejected by the SMSC (32: an
 * intermediate report, in newer releases). The most final bit wins. */
static enum delivery_state kannel_state(long bits)
{
    if (bits & 1)
        return DELIVERY_DELIVERED;
    if (bits & 16)
        return DELIVERY_REJECTED;
    if (bits & 2)
        return DELIVERY_FAILED;
    if (bits & 4)
        return DELIVERY_BUFFERED;
    if (bits & 32)
        return DELIVERY_SENT;
    if (bits & 8)
        return DELIVERY_ACCEPTED;
    return DELIVERY_UNKNOWN;
}

static int kannel_sms(const struct form *f, struct adapter_batch *b, struct channel_error *err)
{
    struct channel_event *e = adapter_batch_add(b, CHANNEL_EVENT_SMS);
    if (adapter_form_copy(b, f, "from", ADAPTER_FIELD_MAX, true, &e->from_raw, NULL, err) ||
        adapter_form_copy(b, f, "to", ADAPTER_FIELD_MAX, false, &e->to, NULL, err) ||
        adapter_form_copy(b, f, "id", ADAPTER_ID_MAX, false, &e->provider_id, NULL, err))
        return -1;
    if (form_count(f, "text") > 1 || form_count(f, "coding") > 1 || form_count(f, "charset") > 1)
        return adapter_fail(err, 400, "bad_request", "a field appears twice");
    const struct form_field *t = form_find(f, "text");
    const char *coding = form_get(f, "coding"), *charset = form_get(f, "charset");
    if (t && t->value_len > 0) {
        if (t->value_len > HTTP_BODY_CEILING)
            return adapter_fail(err, 400, "bad_request", "text too long");
        char *utf8 = malloc(3 * t->value_len + 4);
        if (!utf8)
            return adapter_fail(err, 500, "internal", "out of memory");
        size_t n = kannel_decode_text(t->value, t->value_len, coding, charset, utf8);
        int rc = adapter_text_copy(b, utf8, n, 3 * t->value_len + 4, &e->text, &e->text_len, err);
        free(utf8);
        if (rc != 0)
            return -1;
    }
    return 0;
}

static int kannel_dlr(const struct form *f, struct adapter_batch *b, struct channel_error *err)
{
    struct channel_event *e = adapter_batch_add(b, CHANNEL_EVENT_DLR);
    const char *status, *id, *answer;
    long bits = 0;
    if (adapter_form_copy(b, f, "status", 8, true, &status, NULL, err) ||
        adapter_form_copy(b, f, "id", 24, false, &id, NULL, err) ||
        adapter_form_copy(b, f, "fid", ADAPTER_ID_MAX, false, &e->dlr_provider_id, NULL, err) ||
        adapter_form_copy(b, f, "to", ADAPTER_FIELD_MAX, false, &e->to, NULL, err))
        return -1;
    if (adapter_parse_long(status, 0, 255, &bits) != 0)
        return adapter_fail(err, 400, "bad_request", "status is not a DLR event number");
    e->status = status;
    e->state = kannel_state(bits);
    e->dlr_message_id = adapter_parse_id(id);
    if (*id && e->dlr_message_id == 0)
        return adapter_fail(err, 400, "bad_request", "id is not one of our message ids");
    /* The SMSC's answer (%A), kept as the error of a failure, cut short. */
    const struct form_field *a = form_count(f, "answer") == 1 ? form_find(f, "answer") : NULL;
    if (a && (e->state == DELIVERY_FAILED || e->state == DELIVERY_REJECTED) &&
        !memchr(a->value, '\0', a->value_len) && utf8_valid(a->value, a->value_len)) {
        size_t n = utf8_floor(a->value, a->value_len, ADAPTER_FIELD_MAX);
        answer = adapter_batch_str(b, a->value, n, ADAPTER_FIELD_MAX);
        if (answer)
            e->error_code = answer;
    }
    return 0;
}

static int kannel_inbound_parse(const struct channel_settings *ch, const char *kind,
                                const struct channel_request *req, struct channel_batch *out,
                                struct channel_error *err)
{
    (void)ch;
    bool sms = strcmp(kind, "sms") == 0, dlr = strcmp(kind, "dlr") == 0;
    if (!sms && !dlr)
        return adapter_fail(err, 404, "not_found", "no such webhook");
    /* Kannel calls with GET and the fields in the query; a form post of
     * the same fields is accepted too. */
    const struct form *f = req->form && req->form->count ? req->form : req->query;
    if (!f)
        return adapter_fail(err, 400, "bad_request", "no fields");
    size_t ql = req->query_string ? strlen(req->query_string) : 0;
    struct adapter_batch b;
    if (adapter_batch_init(&b, 1, 3 * (ql + req->body_len) + 64) != 0)
        return adapter_fail(err, 500, "internal", "out of memory");
    int rc = sms ? kannel_sms(f, &b, err) : kannel_dlr(f, &b, err);
    if (rc != 0) {
        adapter_batch_drop(&b);
        return -1;
    }
    adapter_batch_done(&b, out);
    return 0;
}

/* An empty 200: with omit-empty = true Kannel sends nothing back; the reply
 * goes through the outbox (sendsms), with retries and a delivery report. */
static long kannel_sms_reply(const char *reply, char *out, size_t outsz, const char **content_type)
{
    (void)reply;
    *content_type = "text/plain; charset=utf-8";
    if (outsz == 0)
        return -1;
    out[0] = '\0';
    return 0;
}

/* ---- sending ---- */

static int kannel_send_build(const struct channel_settings *ch, const struct outbound_message *msgs,
                             size_t n, struct channel_http_call *out, char *reason, size_t reasonsz)
{
    memset(out, 0, sizeof *out);
    if (n != 1) {
        snprintf(reason, reasonsz, "batch of %zu recipients", n);
        return -1;
    }
    if (!ch->username[0] || !ch->has_api_key) {
        snprintf(reason, reasonsz, "channel %s lacks its sendsms username or password", ch->name);
        return -1;
    }
    const struct outbound_message *m = &msgs[0];
    int rc = adapter_call_init(out, "POST", ch->base_url, "/cgi-bin/sendsms");
    rc |= adapter_call_header(out, "Content-Type", "text/plain; charset=UTF-8");
    rc |= adapter_call_header(out, "X-Kannel-Username", ch->username);
    rc |= adapter_call_header(out, "X-Kannel-Password", ch->api_key);
    rc |= adapter_call_header(out, "X-Kannel-To", adapter_digits(m->to));
    if (ch->sender_id[0])
        rc |= adapter_call_header(out, "X-Kannel-From", ch->sender_id);
    rc |= adapter_call_header(out, "X-Kannel-Coding", m->encoding == TEXT_UCS2 ? "2" : "0");
    if (ch->kannel_smsc[0])
        rc |= adapter_call_header(out, "X-Kannel-SMSC", ch->kannel_smsc);
    char dlr[CHANNEL_URL_MAX + 512];
    size_t dl = 0;
    if (ch->dlr_mask > 0 && adapter_hook_url(ch, "dlr", dlr, sizeof dlr, &dl) == 0) {
        char idtext[24], mask[8];
        snprintf(idtext, sizeof idtext, "%" PRId64, m->id);
        snprintf(mask, sizeof mask, "%d", ch->dlr_mask);
        rc |= adapter_url_arg(dlr, sizeof dlr, &dl, "id", idtext);
        /* Kannel fills in its escape codes: they must stay unencoded. */
        int k = snprintf(dlr + dl, sizeof dlr - dl, "&status=%%d&fid=%%F&ts=%%T&answer=%%A");
        rc |= k < 0 || (size_t)k >= sizeof dlr - dl ? -1 : 0;
        rc |= adapter_call_header(out, "X-Kannel-DLR-Mask", mask);
        rc |= adapter_call_header(out, "X-Kannel-DLR-Url", dlr);
    }
    size_t tl = strlen(m->text);
    out->body = malloc(tl + 1);
    if (rc != 0 || !out->body) {
        free(out->body);
        memset(out, 0, sizeof *out);
        snprintf(reason, reasonsz, "request does not fit (URL or header too long)");
        return -1;
    }
    memcpy(out->body, m->text, tl + 1);
    out->body_len = tl;
    return 0;
}

static void kannel_send_parse(const struct channel_settings *ch,
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
    char snip[80];
    adapter_snippet(body, body_len, snip, sizeof snip);
    if (http_status >= 200 && http_status < 300) {
        /* "0: Accepted for delivery", "3: Queued for later delivery". */
        if (body_len >= 2 && (body[0] == '0' || body[0] == '3') && body[1] == ':') {
            adapter_result(r, SEND_ACCEPTED, 0, NULL);
            r->provider_id[0] = '\0';
        } else {
            adapter_result(r, SEND_RETRY, 0, "unexpected answer: %s", snip);
        }
    } else if (http_status == 403 || http_status == 400) {
        /* Bad credentials, not routable, or refused arguments. */
        adapter_result(r, SEND_PERMANENT, 0, "HTTP %ld: %s", http_status, snip);
    } else {
        adapter_http_failure(a, r);
    }
    adapter_result_spread(results, n);
}

/* Webhooks come as GET (Kannel's get-url, Vonage's default) or POST. */
static const char *const get_or_post[] = {"GET", "POST", NULL};

const struct channel_ops kannel_ops = {
    .type = "kannel",
    .loopback_only = false,
    .needs_secret = true,
    .network = true,
    .max_batch = 1,
    .ussd_content_types = NULL,
    .ussd_parse = NULL,
    .ussd_reply = NULL,
    .verify = NULL,
    .inbound_parse = kannel_inbound_parse,
    .inbound_methods = get_or_post,
    .inline_reply = false,
    .sms_reply = kannel_sms_reply,
    .send_build = kannel_send_build,
    .send_parse = kannel_send_parse,
};
