/* test_channel_twilio.c -- the Twilio adapter: X-Twilio-Signature on
 * Twilio's documented example and on forged requests, inbound SMS and
 * status callbacks (tests/data/twilio/), TwiML replies, sends and the error
 * codes of the API (21610 opted out, 20429 rate limited, 21211 bad number). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "channel_testlib.h"
#include "channels/twilio.h"

TL_CHANNEL_FIXTURE(twilio_ops, .name = "tw", .type = "twilio", .base_url = "https://api.twilio.com",
                   .username = "AC0123456789abcdef0123456789abcdef", .api_key = "12345",
                   .sender_id = "+212522000000", .public_url = "https://mycompany.com")

/* Twilio's documented example (twilio.com/docs/usage/security): auth token
 * 12345, URL https://mycompany.com/myapp.php?foo=1&bar=2, the fields of
 * tests/data/twilio/doc_example.form; signature RSOYDt4T1cUTdK1PDd93/VVr8B8=. */
static const char *const doc_signature[] = {"X-Twilio-Signature",
                                            "RSOYDt4T1cUTdK1PDd93/VVr8B8=", NULL};

static void doc_request(struct tl_request *r, const char *query)
{
    size_t len;
    char *body = tl_read("twilio/doc_example.form", &len);
    tl_request(r, "POST", "/myapp.php", query, "application/x-www-form-urlencoded", body, len);
    free(body);
}

static void test_signature_documented_example(void **state)
{
    (void)state;
    struct tl_request r;
    doc_request(&r, "foo=1&bar=2");
    char sig[64];
    assert_int_equal(twilio_signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2",
                                      &r.form, sig, sizeof sig),
                     0);
    assert_string_equal(sig, "RSOYDt4T1cUTdK1PDd93/VVr8B8=");

    struct channel_settings ch = settings();
    struct channel_error err = {0};
    r.req.header_ctx = (void *)doc_signature;
    assert_int_equal(ops()->verify(&ch, &r.req, &err), 0);
    /* The public URL may carry a trailing slash in the config. */
    snprintf(ch.public_url, sizeof ch.public_url, "https://mycompany.com/");
    assert_int_equal(ops()->verify(&ch, &r.req, &err), 0);
    tl_request_free(&r);
}

static void test_signature_forgeries(void **state)
{
    (void)state;
    struct channel_settings ch = settings();
    struct channel_error err;
    struct tl_request r;

    /* Another query string (the URL is signed). */
    doc_request(&r, "foo=1&bar=3");
    r.req.header_ctx = (void *)doc_signature;
    assert_int_equal(ops()->verify(&ch, &r.req, &err), -1);
    assert_int_equal(err.status, 403);
    tl_request_free(&r);

    /* A field changed (Digits=1235). */
    static const char tampered[] = "CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1235"
                                   "&From=%2B14158675309&To=%2B18005551212";
    tl_request(&r, "POST", "/myapp.php", "foo=1&bar=2", "application/x-www-form-urlencoded",
               tampered, sizeof tampered - 1);
    r.req.header_ctx = (void *)doc_signature;
    assert_int_equal(ops()->verify(&ch, &r.req, &err), -1);
    assert_int_equal(err.status, 403);
    tl_request_free(&r);

    /* A field added. */
    doc_request(&r, "foo=1&bar=2");
    form_free(&r.form);
    static const char added[] = "CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234"
                                "&From=%2B14158675309&To=%2B18005551212&Extra=1";
    assert_int_equal(form_parse(added, sizeof added - 1, FORM_FIELDS_MAX, &r.form), FORM_OK);
    r.req.header_ctx = (void *)doc_signature;
    assert_int_equal(ops()->verify(&ch, &r.req, &err), -1);
    tl_request_free(&r);

    /* Forged, truncated, empty and missing signatures; another token. */
    static const char *const forged[] = {"X-Twilio-Signature",
                                         "AAAAAAAAAAAAAAAAAAAAAAAAAAA=", NULL};
    static const char *const truncated[] = {"X-Twilio-Signature", "RSOYDt4T1cUTdK1PDd93/VVr8B8",
                                            NULL};
    static const char *const empty[] = {"X-Twilio-Signature", "", NULL};
    static const char *const none[] = {"X-Other", "RSOYDt4T1cUTdK1PDd93/VVr8B8=", NULL};
    const char *const *headers[] = {forged, truncated, empty, none};
    for (size_t i = 0; i < 4; i++) {
        doc_request(&r, "foo=1&bar=2");
        r.req.header_ctx = (void *)headers[i];
        err = (struct channel_error){0};
        assert_int_equal(ops()->verify(&ch, &r.req, &err), -1);
        assert_int_equal(err.status, 403);
        tl_request_free(&r);
    }
    doc_request(&r, "foo=1&bar=2");
    r.req.header_ctx = (void *)doc_signature;
    snprintf(ch.api_key, sizeof ch.api_key, "54321");
    assert_int_equal(ops()->verify(&ch, &r.req, &err), -1);
    ch = settings();
    snprintf(ch.public_url, sizeof ch.public_url, "http://mycompany.com");
    assert_int_equal(ops()->verify(&ch, &r.req, &err), -1);
    r.req.header = NULL;
    ch = settings();
    assert_int_equal(ops()->verify(&ch, &r.req, &err), -1);
    tl_request_free(&r);
}

static void json_case(const char *query, bool want_ok)
{
    static const char body[] = "{\"MessageSid\":\"SM1\"}";
    struct tl_request r;
    tl_request(&r, "POST", "/hooks/tw/dlr", query, "application/json", body, sizeof body - 1);
    struct channel_settings ch = settings();
    char url[256], sig[64];
    snprintf(url, sizeof url, "https://mycompany.com/hooks/tw/dlr?%s", query);
    assert_int_equal(twilio_signature("12345", url, NULL, sig, sizeof sig), 0);
    const char *h[] = {"X-Twilio-Signature", sig, NULL};
    r.req.header_ctx = (void *)h;
    struct channel_error err;
    assert_int_equal(ops()->verify(&ch, &r.req, &err), want_ok ? 0 : -1);
    tl_request_free(&r);
}

/* JSON webhooks: the URL carries bodySHA256 (SHA-256 of the raw body, hex)
 * and the signature covers the URL alone. */
static void test_signature_json_body(void **state)
{
    (void)state;
    json_case("bodySHA256=b4fd85f2ce8bfebc5cbc4a67ac690906953178daf04df41e183024cc01315de4", true);
    json_case("bodySHA256=0000000000000000000000000000000000000000000000000000000000000000", false);
    json_case("other=1", false);
}

static void test_inbound_sms(void **state)
{
    (void)state;
    struct channel_settings ch = settings();
    struct channel_batch b;
    struct channel_error err;
    assert_int_equal(tl_parse(ops(), &ch, "sms", "twilio/sms.form", &b, &err), 0);
    assert_int_equal(b.count, 1);
    assert_int_equal(b.events[0].kind, CHANNEL_EVENT_SMS);
    assert_string_equal(b.events[0].provider_id, "SM1f0e8d2c3b4a5968778695a4b3c2d1e0");
    assert_string_equal(b.events[0].from_raw, "+212612345678");
    assert_string_equal(b.events[0].to, "+212522000000");
    assert_string_equal(b.events[0].text, "STOP");
    channel_batch_free(&b);

    assert_int_equal(tl_parse(ops(), &ch, "sms", "twilio/sms_arabic.form", &b, &err), 0);
    assert_non_null(strstr(b.events[0].text, "\u0627\u0644\u0633\u0644\u0627\u0645"));
    assert_non_null(strstr(b.events[0].text, " & <ok>"));
    channel_batch_free(&b);

    assert_int_equal(tl_parse(ops(), &ch, "sms", "twilio/sms_no_sid.form", &b, &err), 400);
    assert_int_equal(tl_parse(ops(), &ch, "ussd-end", "twilio/sms.form", &b, &err), 404);
    assert_null(ops()->ussd_parse);
}

static void test_status_callbacks(void **state)
{
    (void)state;
    struct channel_settings ch = settings();
    struct tl_request r;
    size_t len;
    char *body = tl_read("twilio/status_delivered.form", &len);
    tl_request(&r, "POST", "/hooks/tw/dlr", "id=4242", "application/x-www-form-urlencoded", body,
               len);
    free(body);
    struct channel_batch b;
    struct channel_error err;
    assert_int_equal(ops()->inbound_parse(&ch, "dlr", &r.req, &b, &err), 0);
    tl_check_batch(&b);
    assert_int_equal(b.events[0].kind, CHANNEL_EVENT_DLR);
    assert_string_equal(b.events[0].dlr_provider_id, "SM5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d");
    assert_int_equal(b.events[0].state, DELIVERY_DELIVERED);
    assert_int_equal(b.events[0].dlr_message_id, 4242);
    channel_batch_free(&b);
    tl_request_free(&r);

    assert_int_equal(tl_parse(ops(), &ch, "dlr", "twilio/status_undelivered.form", &b, &err), 0);
    assert_int_equal(b.events[0].state, DELIVERY_FAILED);
    assert_string_equal(b.events[0].error_code, "30003");
    assert_int_equal(b.events[0].dlr_message_id, 0);
    channel_batch_free(&b);
}

static void test_twiml_replies(void **state)
{
    (void)state;
    char out[256];
    const char *ct = NULL;
    assert_true(ops()->inline_reply);
    long n = ops()->sms_reply("Merci <Fatima> & \"bienvenue\"", out, sizeof out, &ct);
    assert_true(n > 0);
    assert_string_equal(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Message>"
                             "Merci &lt;Fatima&gt; &amp; &quot;bienvenue&quot;"
                             "</Message></Response>");
    assert_int_equal((size_t)n, strlen(out));
    assert_non_null(strstr(ct, "xml"));
    n = ops()->sms_reply(NULL, out, sizeof out, &ct);
    assert_string_equal(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>");
    assert_int_equal(ops()->sms_reply("\u0634\u0643\u0631\u0627", out, sizeof out, &ct) > 0, 1);
    assert_non_null(strstr(out, "\u0634\u0643\u0631\u0627"));
    assert_int_equal(ops()->sms_reply("a long reply", out, 60, &ct), -1);
}

static void test_send_build(void **state)
{
    (void)state;
    struct channel_settings ch = settings();
    ch.has_secret = true;
    snprintf(ch.secret, sizeof ch.secret, "hook&secret");
    struct outbound_message m = {4242, "+212612345678", "Bonjour Fatima", TEXT_GSM7};
    struct channel_http_call c;
    char reason[160], buf[512];
    assert_int_equal(ops()->send_build(&ch, &m, 1, &c, reason, sizeof reason), 0);
    assert_string_equal(c.url, "https://api.twilio.com/2010-04-01/Accounts/"
                               "AC0123456789abcdef0123456789abcdef/Messages.json");
    assert_string_equal(c.basic_user, "AC0123456789abcdef0123456789abcdef");
    assert_string_equal(c.basic_password, "12345");
    assert_string_equal(tl_body_field(&c, "To", buf, sizeof buf), "+212612345678");
    assert_string_equal(tl_body_field(&c, "From", buf, sizeof buf), "+212522000000");
    assert_string_equal(tl_body_field(&c, "Body", buf, sizeof buf), "Bonjour Fatima");
    assert_string_equal(tl_body_field(&c, "StatusCallback", buf, sizeof buf),
                        "https://mycompany.com/hooks/tw/dlr?key=hook%26secret&id=4242");
    channel_http_call_free(&c);

    snprintf(ch.sender_id, sizeof ch.sender_id, "MG0123456789abcdef0123456789abcdef");
    assert_int_equal(ops()->send_build(&ch, &m, 1, &c, reason, sizeof reason), 0);
    assert_null(tl_body_field(&c, "From", buf, sizeof buf));
    assert_string_equal(tl_body_field(&c, "MessagingServiceSid", buf, sizeof buf),
                        "MG0123456789abcdef0123456789abcdef");
    channel_http_call_free(&c);

    struct outbound_message two[2] = {m, m};
    assert_int_equal(ops()->send_build(&ch, two, 2, &c, reason, sizeof reason), -1);
}

static void test_send_parse(void **state)
{
    (void)state;
    struct channel_settings ch = settings();
    struct outbound_message m = {1, "+212612345678", "x", TEXT_GSM7};
    struct send_result r;
    tl_send_parse(ops(), &ch, &m, 1, 201, "twilio/send_created.json", &r);
    assert_int_equal(r.outcome, SEND_ACCEPTED);
    assert_string_equal(r.provider_id, "SM9f8e7d6c5b4a39281706f5e4d3c2b1a0");

    static const struct {
        long status;
        const char *file;
        enum send_outcome want;
    } cases[] = {
        {400, "twilio/error_21610.json", SEND_OPTED_OUT},
        {400, "twilio/error_21211.json", SEND_PERMANENT},
        {400, "twilio/error_21408.json", SEND_PERMANENT},
        {429, "twilio/error_20429.json", SEND_RETRY},
        {401, "twilio/error_20003.json", SEND_RETRY},
        {503, "twilio/send_garbage.txt", SEND_RETRY},
        {201, "twilio/send_garbage.txt", SEND_RETRY},
        {0, NULL, SEND_RETRY},
        {404, "twilio/send_garbage.txt", SEND_PERMANENT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tl_send_parse(ops(), &ch, &m, 1, cases[i].status, cases[i].file, &r);
        assert_int_equal(r.outcome, cases[i].want);
    }
    tl_send_parse(ops(), &ch, &m, 1, 400, "twilio/error_21610.json", &r);
    assert_non_null(strstr(r.reason, "21610"));
}

/* A NUL (GSM's '@') and other controls in an SMS are cleaned, not refused. */
static void test_inbound_controls_cleaned(void **state)
{
    (void)state;
    struct channel_settings ch = settings();
    static const char body[] = "From=%2B212600000001&To=1234&MessageSid=SM1&Body=a%00b%1Bc%0Ad";
    tl_sms_text(ops(), &ch, "POST", "", TL_FORM, body, sizeof body - 1, "a@bc\nd");
}

/* Error 20429 in a 429 waits what the answer's Retry-After says, else its
 * fixed delay; a 503 likewise, else the backoff; credentials keep theirs. */
static void test_send_parse_retry_after(void **state)
{
    (void)state;
    struct channel_settings ch = settings();
    static const struct tl_retry_case cases[] = {
        {429, "twilio/error_20429.json", 7, 7},   {429, "twilio/error_20429.json", 0, 30},
        {429, "twilio/send_garbage.txt", 7, 7},   {503, "twilio/send_garbage.txt", 7, 7},
        {503, "twilio/send_garbage.txt", 0, 0},   {500, "twilio/send_garbage.txt", 7, 0},
        {401, "twilio/error_20003.json", 7, 300},
    };
    tl_retry_cases(ops(), &ch, cases, sizeof cases / sizeof cases[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inbound_controls_cleaned),
        cmocka_unit_test(test_signature_documented_example),
        cmocka_unit_test(test_signature_forgeries),
        cmocka_unit_test(test_signature_json_body),
        cmocka_unit_test(test_inbound_sms),
        cmocka_unit_test(test_status_callbacks),
        cmocka_unit_test(test_twiml_replies),
        cmocka_unit_test(test_send_build),
        cmocka_unit_test(test_send_parse),
        cmocka_unit_test(test_send_parse_retry_after),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
