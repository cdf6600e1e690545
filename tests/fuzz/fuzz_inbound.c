/* fuzz_inbound.c -- libFuzzer target for the channel adapters: the input
 * is fed to every adapter as the body of an inbound webhook (kinds sms, dlr
 * and ussd-end; form and JSON content types; and as the query of a GET),
 * to the signature checks and USSD parsers, and as a provider's answer to
 * send_parse. Checks: no crash, every event string is valid UTF-8 without
 * NUL and matches its length, every send result is well formed. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channels/channel.h"
#include "channels/channel_ops.h"
#include "core/form.h"
#include "core/limits.h"
#include "core/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* CHECK(): an assert() that survives NDEBUG. */
#include "fuzz_check.h"

static void fuzz_check_string(const char *s)
{
    CHECK(s != NULL);
    CHECK(utf8_valid(s, strlen(s)));
}

static void fuzz_check_batch(const struct channel_batch *b)
{
    for (size_t i = 0; i < b->count; i++) {
        const struct channel_event *e = &b->events[i];
        fuzz_check_string(e->provider_id);
        fuzz_check_string(e->from_raw);
        fuzz_check_string(e->to);
        fuzz_check_string(e->dlr_provider_id);
        fuzz_check_string(e->error_code);
        fuzz_check_string(e->session_id);
        fuzz_check_string(e->status);
        CHECK(e->text != NULL && strlen(e->text) == e->text_len);
        CHECK(utf8_valid(e->text, e->text_len));
        if (e->concat_ref)
            fuzz_check_string(e->concat_ref);
        if (e->concat_total > 1)
            CHECK(e->concat_part >= 1 && e->concat_part <= e->concat_total);
        CHECK(e->state >= DELIVERY_UNKNOWN && e->state <= DELIVERY_EXPIRED);
    }
}

static const char *fuzz_header(void *ctx, const char *name)
{
    (void)name;
    return ctx;
}

static struct channel_settings fuzz_settings(const char *type)
{
    struct channel_settings ch;
    memset(&ch, 0, sizeof ch);
    snprintf(ch.name, sizeof ch.name, "fz");
    snprintf(ch.type, sizeof ch.type, "%s", type);
    snprintf(ch.base_url, sizeof ch.base_url, "https://api.example.org");
    snprintf(ch.username, sizeof ch.username, "user");
    snprintf(ch.api_key, sizeof ch.api_key, "key");
    ch.has_api_key = true;
    snprintf(ch.secret, sizeof ch.secret, "secret");
    ch.has_secret = true;
    snprintf(ch.signature_secret, sizeof ch.signature_secret, "sigsecret");
    ch.has_signature_secret = true;
    snprintf(ch.signature_method, sizeof ch.signature_method, "sha256");
    snprintf(ch.public_url, sizeof ch.public_url, "https://gw.example.org");
    snprintf(ch.sender_id, sizeof ch.sender_id, "Taawun");
    ch.dlr_mask = 31;
    return ch;
}

static void fuzz_inbound(const struct channel_ops *ops, const struct channel_settings *ch,
                         const char *method, const char *ctype, const char *body, size_t len,
                         const char *query, size_t qlen)
{
    static const char *const kinds[] = {"sms", "dlr", "ussd-end", "ussd"};
    struct form form, q;
    bool is_form = strcmp(ctype, "application/x-www-form-urlencoded") == 0;
    if (is_form && form_parse(body, len, FORM_FIELDS_MAX, &form) != FORM_OK)
        return; /* the HTTP edge answers 400 before any adapter */
    if (form_parse(query, qlen, FORM_FIELDS_MAX, &q) != FORM_OK) {
        if (is_form)
            form_free(&form);
        return;
    }
    char *qs = malloc(qlen + 1);
    CHECK(qs != NULL);
    memcpy(qs, query, qlen);
    qs[qlen] = '\0';
    struct channel_request req = {
        .method = method,
        .path = "/hooks/fz/sms",
        .query_string = qs,
        .content_type = ctype,
        .body = body,
        .body_len = len,
        .form = is_form ? &form : NULL,
        .query = &q,
        .header = fuzz_header,
        .header_ctx = "AAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    };
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        struct channel_batch b = {0};
        struct channel_error err = {0};
        if (ops->inbound_parse) {
            if (ops->inbound_parse(ch, kinds[k], &req, &b, &err) == 0) {
                fuzz_check_batch(&b);
                channel_batch_free(&b);
            } else {
                CHECK(err.code != NULL && err.message != NULL);
                CHECK(b.events == NULL && b.arena == NULL);
            }
        }
    }
    if (ops->verify) {
        struct channel_error err = {0};
        if (ops->verify(ch, &req, &err) != 0)
            CHECK(err.status == 403 || err.status == 500);
    }
    if (ops->ussd_parse && is_form) {
        struct ussd_step step;
        struct channel_error err = {0};
        if (ops->ussd_parse(ch, &req, &step, &err) == 0) {
            CHECK(utf8_valid(step.text, step.text_len));
            fuzz_check_string(step.session_id);
        }
    }
    free(qs);
    form_free(&q);
    if (is_form)
        form_free(&form);
}

static void fuzz_send_parse(const struct channel_ops *ops, const struct channel_settings *ch,
                            const char *body, size_t len)
{
    static const long statuses[] = {0, 200, 201, 202, 400, 401, 403, 404, 429, 500, 503};
    struct outbound_message msgs[3] = {{101, "+212612345678", "x", TEXT_GSM7},
                                       {102, "+212712345678", "x", TEXT_GSM7},
                                       {103, "+212612345679", "x", TEXT_GSM7}};
    size_t n = ops->max_batch >= 3 ? 3 : 1;
    for (size_t s = 0; s < 2 * (sizeof statuses / sizeof statuses[0]); s++) {
        struct send_result r[3];
        /* Each status without a Retry-After, then with one. */
        const size_t ns = sizeof statuses / sizeof statuses[0];
        const struct channel_http_answer a = {statuses[s % ns], body, len, s < ns ? 0 : 7};
        memset(r, 0x5a, sizeof r);
        ops->send_parse(ch, msgs, n, &a, r);
        for (size_t i = 0; i < n; i++) {
            CHECK(r[i].outcome >= SEND_ACCEPTED && r[i].outcome <= SEND_OPTED_OUT);
            CHECK(memchr(r[i].reason, '\0', sizeof r[i].reason) != NULL);
            CHECK(memchr(r[i].provider_id, '\0', sizeof r[i].provider_id) != NULL);
            CHECK(r[i].retry_after_s >= 0);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *)data;
    for (size_t t = 0; channel_ops_names[t]; t++) {
        const struct channel_ops *ops = channel_ops_find(channel_ops_names[t]);
        CHECK(ops != NULL);
        struct channel_settings ch = fuzz_settings(ops->type);
        fuzz_inbound(ops, &ch, "POST", "application/x-www-form-urlencoded", body, size, "", 0);
        fuzz_inbound(ops, &ch, "POST", "application/json", body, size, "id=7", 4);
        fuzz_inbound(ops, &ch, "GET", "", "", 0, body, size);
        ch.has_signature_secret = false;
        fuzz_inbound(ops, &ch, "POST", "application/x-www-form-urlencoded", body, size,
                     "key=secret", 10);
        if (ops->send_parse)
            fuzz_send_parse(ops, &ch, body, size);
    }
    return 0;
}
