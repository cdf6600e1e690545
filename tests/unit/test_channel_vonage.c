/* test_channel_vonage.c -- the Vonage adapter: inbound SMS as GET, form and
 * JSON (tests/data/vonage/), multipart parts, binary and ping requests,
 * delivery receipts, the `sig` signature (md5hash and sha256, values
 * computed independently with Python's hashlib), sends and the status of
 * each message part inside an HTTP 200. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "channel_testlib.h"
#include "channels/vonage.h"

#define SIGNATURE_SECRET "aBcD3fGhIjK1mN0pQrSt"

TL_CHANNEL_FIXTURE(vonage_ops, .name = "vg", .type = "vonage", .base_url = "https://rest.nexmo.com",
                   .username = "abcd1234", .api_key = "s3cr3tValue", .sender_id = "Taawun",
                   .signature_method = "md5hash")

static void test_inbound_get_post_json(void **state)
{
    (void)state;
    struct channel_settings ch = settings();
    static const char *const files[] = {"vonage/inbound_get.query", "vonage/inbound_post.form",
                                        "vonage/inbound.json"};
    for (size_t i = 0; i < 3; i++) {
        struct channel_batch b;
        struct channel_error err;
        assert_int_equal(tl_parse(ops(), &ch, "sms", files[i], &b, &err), 0);
        assert_int_equal(b.count, 1);
        assert_int_equal(b.events[0].kind, CHANNEL_EVENT_SMS);
        assert_string_equal(b.events[0].from_raw, "212612345678");
        assert_string_equal(b.events[0].to, "212522000000");
        assert_string_equal(b.events[0].text, i < 2 ? "Hello world" : "Bonjour");
        assert_string_equal(b.events[0].provider_id,
                            i < 2 ? "0A0000001234567B" : "0A0000001234567C");
        assert_null(b.events[0].concat_ref);
        channel_batch_free(&b);
    }
}

static void test_inbound_unicode(void **state)
{
    (void)state;
    struct channel_settings ch = settings();
    struct channel_batch b;
    struct channel_error err;
    assert_int_equal(tl_parse(ops(), &ch, "sms", "vonage/inbound_unicode.json", &b, &err), 0);
    assert_non_null(strstr(b.events[0].text, "\u0623\u0631\u064a\u062f"));
    channel_batch_free(&b);
}

static void test_multipart(void **state)
{
    (void)state;
    struct channel_settings ch = settings();
    struct channel_batch b1, b2, b3;
    struct channel_error err;
    assert_int_equal(tl_parse(ops(), &ch, "sms", "vonage/concat_part1.form", &b1, &err), 0);
    assert_int_equal(tl_parse(ops(), &ch, "sms", "vonage/concat_part2.json", &b2, &err), 0);
    assert_string_equal(b1.events[0].concat_ref, "108");
    assert_string_equal(b2.events[0].concat_ref, "108");
    assert_int_equal(b1.events[0].concat_total, 2);
    assert_int_equal(b1.events[0].concat_part, 1);
    assert_int_equal(b2.events[0].concat_total, 2);
    assert_int_equal(b2.events[0].concat_part, 2);
    char joined[512];
    snprintf(joined, sizeof joined, "%s%s", b1.events[0].text, b2.events[0].text);
    assert_non_null(strstr(joined, "province de Berkane. Merci"));
    channel_batch_free(&b1);
    channel_batch_free(&b2);
    assert_int_equal(tl_parse(ops(), &ch, "sms", "vonage/concat_bad.form", &b3, &err), 400);
}

static void test_binary_and_ping(void **state)
{
    (void)state;
    struct channel_settings ch = settings();
    struct channel_batch b;
    struct channel_error err;
    assert_int_equal(tl_parse(ops(), &ch, "sms", "vonage/inbound_binary.form", &b, &err), 0);
    assert_int_equal(b.count, 0);
    channel_batch_free(&b);
    /* Vonage checks the URL with an empty request: 200, nothing to do. */
    struct tl_request r;
    tl_request(&r, "GET", "/hooks/vg/sms", "", NULL, "", 0);
    assert_int_equal(ops()->inbound_parse(&ch, "sms", &r.req, &b, &err), 0);
    assert_int_equal(b.count, 0);
    channel_batch_free(&b);
    tl_request_free(&r);
    /* Garbage JSON is refused. */
    tl_request(&r, "POST", "/hooks/vg/sms", "", "application/json", "{\"msisdn\":", 10);
    assert_int_equal(ops()->inbound_parse(&ch, "sms", &r.req, &b, &err), -1);
    assert_int_equal(err.status, 400);
    tl_request_free(&r);
}

static void test_delivery_receipts(void **state)
{
    (void)state;
    struct channel_settings ch = settings();
    struct channel_batch b;
    struct channel_error err;
    assert_int_equal(tl_parse(ops(), &ch, "dlr", "vonage/dlr_delivered.query", &b, &err), 0);
    assert_int_equal(b.events[0].kind, CHANNEL_EVENT_DLR);
    assert_string_equal(b.events[0].dlr_provider_id, "0B00000012345678");
    assert_int_equal(b.events[0].state, DELIVERY_DELIVERED);
    assert_int_equal(b.events[0].dlr_message_id, 4242);
    assert_string_equal(b.events[0].error_code, "");
    assert_string_equal(b.events[0].to, "212612345678");
    channel_batch_free(&b);
    assert_int_equal(tl_parse(ops(), &ch, "dlr", "vonage/dlr_failed.json", &b, &err), 0);
    assert_int_equal(b.events[0].state, DELIVERY_FAILED);
    assert_string_equal(b.events[0].error_code, "6");
    assert_int_equal(b.events[0].dlr_message_id, 4243);
    channel_batch_free(&b);
    assert_int_equal(tl_parse(ops(), &ch, "dlr", "vonage/dlr_unknown_status.form", &b, &err), 0);
    assert_int_equal(b.events[0].state, DELIVERY_UNKNOWN);
    channel_batch_free(&b);
    assert_int_equal(tl_parse(ops(), &ch, "dlr", "vonage/inbound_post.form", &b, &err), 400);
}

/* The signature on a computed example: the parameters of
 * inbound_signed_*.{query,form}, secret SIGNATURE_SECRET; a value holds
 * '=' and '&' (replaced by '_' before hashing). */
static void test_signature_values(void **state)
{
    (void)state;
    const struct vonage_param p[] = {
        {"msisdn", "212612345678"},
        {"to", "212522000000"},
        {"messageId", "0A0000001234567D"},
        {"text", "Prix = 10 & plus"},
        {"type", "text"},
        {"keyword", "PRIX"},
        {"message-timestamp", "2024-05-02 10:11:12"},
        {"timestamp", "1714644672"},
        {"nonce", "6f2e1a3b-8c4d-4e5f-9a0b-1c2d3e4f5a6b"},
        {"sig", "ignored"},
    };
    char out[160];
    assert_int_equal(vonage_signature("md5hash", SIGNATURE_SECRET, p, 10, out, sizeof out), 0);
    assert_string_equal(out, "a93b3efd95cb0b2f3efa93c7a95f868e");
    assert_int_equal(vonage_signature("sha256", SIGNATURE_SECRET, p, 10, out, sizeof out), 0);
    assert_string_equal(out, "E77ADF5F1D6D2CA60B32A62C7F73D5178BAC2A44A1ABC8EA2DEEBEBCAD9D1C5E");
    assert_int_equal(vonage_signature("crc32", SIGNATURE_SECRET, p, 10, out, sizeof out), -1);
}

/* The `timestamp` the recorded signed requests carry. */
#define SIGNED_AT 1714644672

static void test_signature_verify(void **state)
{
    (void)state;
    struct channel_settings ch = settings();
    struct channel_error err;
    struct tl_request r;

    /* Unsigned channel: verify lets requests through (the webhook secret
     * guards it). */
    tl_request_file(&r, "/hooks/vg/sms", "vonage/inbound_get.query");
    assert_int_equal(ops()->verify(&ch, &r.req, &err), 0);
    ch.has_signature_secret = true;
    snprintf(ch.signature_secret, sizeof ch.signature_secret, SIGNATURE_SECRET);
    assert_int_equal(ops()->verify(&ch, &r.req, &err), -1); /* no sig */
    assert_int_equal(err.status, 403);
    tl_request_free(&r);

    tl_request_file(&r, "/hooks/vg/sms", "vonage/inbound_signed_md5hash.query");
    r.req.received_at = SIGNED_AT + 60;
    assert_int_equal(ops()->verify(&ch, &r.req, &err), 0);
    /* The same request replayed outside the window, or from the future. */
    r.req.received_at = SIGNED_AT + VONAGE_SIGNATURE_WINDOW_S + 1;
    assert_int_equal(ops()->verify(&ch, &r.req, &err), -1);
    assert_int_equal(err.status, 403);
    r.req.received_at = SIGNED_AT - VONAGE_SIGNATURE_WINDOW_S - 1;
    assert_int_equal(ops()->verify(&ch, &r.req, &err), -1);
    r.req.received_at = SIGNED_AT;
    snprintf(ch.signature_method, sizeof ch.signature_method, "sha256");
    assert_int_equal(ops()->verify(&ch, &r.req, &err), -1);
    snprintf(ch.signature_method, sizeof ch.signature_method, "md5hash");
    snprintf(ch.signature_secret, sizeof ch.signature_secret, "another-secret");
    assert_int_equal(ops()->verify(&ch, &r.req, &err), -1);
    snprintf(ch.signature_secret, sizeof ch.signature_secret, SIGNATURE_SECRET);
    tl_request_free(&r);

    /* Our own key= in the URL (not signed by Vonage), upper-case hex. */
    tl_request_file(&r, "/hooks/vg/sms", "vonage/inbound_signed_with_key.query");
    r.req.received_at = SIGNED_AT;
    assert_int_equal(ops()->verify(&ch, &r.req, &err), 0);
    tl_request_free(&r);

    snprintf(ch.signature_method, sizeof ch.signature_method, "sha256");
    tl_request_file(&r, "/hooks/vg/sms", "vonage/inbound_signed_sha256.form");
    r.req.received_at = SIGNED_AT;
    assert_int_equal(ops()->verify(&ch, &r.req, &err), 0);
    /* Tampered text. */
    form_free(&r.form);
    size_t len;
    char *body = tl_read("vonage/inbound_signed_sha256.form", &len);
    char *t = strstr(body, "Prix");
    assert_non_null(t);
    t[0] = 'p';
    assert_int_equal(form_parse(body, len, FORM_FIELDS_MAX, &r.form), FORM_OK);
    assert_int_equal(ops()->verify(&ch, &r.req, &err), -1);
    assert_int_equal(err.status, 403);
    tl_request_free(&r);
    free(body);
}

static void test_send_build(void **state)
{
    (void)state;
    struct channel_settings ch = settings();
    snprintf(ch.public_url, sizeof ch.public_url, "https://gw.example.org");
    ch.has_secret = true;
    snprintf(ch.secret, sizeof ch.secret, "k1");
    struct outbound_message m = {4242, "+212612345678", "\u0645\u0631\u062d\u0628\u0627",
                                 TEXT_UCS2};
    struct channel_http_call c;
    char reason[160], buf[512];
    assert_int_equal(ops()->send_build(&ch, &m, 1, &c, reason, sizeof reason), 0);
    assert_string_equal(c.url, "https://rest.nexmo.com/sms/json");
    assert_string_equal(c.method, "POST");
    assert_string_equal(tl_body_field(&c, "api_key", buf, sizeof buf), "abcd1234");
    assert_string_equal(tl_body_field(&c, "api_secret", buf, sizeof buf), "s3cr3tValue");
    assert_string_equal(tl_body_field(&c, "from", buf, sizeof buf), "Taawun");
    assert_string_equal(tl_body_field(&c, "to", buf, sizeof buf), "212612345678");
    assert_string_equal(tl_body_field(&c, "text", buf, sizeof buf), m.text);
    assert_string_equal(tl_body_field(&c, "type", buf, sizeof buf), "unicode");
    assert_string_equal(tl_body_field(&c, "client-ref", buf, sizeof buf), "4242");
    assert_string_equal(tl_body_field(&c, "status-report-req", buf, sizeof buf), "1");
    assert_string_equal(tl_body_field(&c, "callback", buf, sizeof buf),
                        "https://gw.example.org/hooks/vg/dlr?key=k1");
    channel_http_call_free(&c);
    m.text = "Bonjour";
    m.encoding = TEXT_GSM7;
    ch.public_url[0] = '\0';
    assert_int_equal(ops()->send_build(&ch, &m, 1, &c, reason, sizeof reason), 0);
    assert_string_equal(tl_body_field(&c, "type", buf, sizeof buf), "text");
    assert_null(tl_body_field(&c, "callback", buf, sizeof buf));
    channel_http_call_free(&c);
    ch.sender_id[0] = '\0';
    assert_int_equal(ops()->send_build(&ch, &m, 1, &c, reason, sizeof reason), -1);
}

static void test_send_parse(void **state)
{
    (void)state;
    struct channel_settings ch = settings();
    struct outbound_message m = {1, "+212612345678", "x", TEXT_GSM7};
    struct send_result r;
    tl_send_parse(ops(), &ch, &m, 1, 200, "vonage/send_ok.json", &r);
    assert_int_equal(r.outcome, SEND_ACCEPTED);
    assert_string_equal(r.provider_id, "0C00000012345678");
    tl_send_parse(ops(), &ch, &m, 1, 200, "vonage/send_ok_multipart.json", &r);
    assert_int_equal(r.outcome, SEND_ACCEPTED);
    assert_string_equal(r.provider_id, "0C000000PART0001");
    static const struct {
        long status;
        const char *file;
        enum send_outcome want;
    } cases[] = {
        {200, "vonage/send_throttled.json", SEND_RETRY},
        {200, "vonage/send_invalid_params.json", SEND_PERMANENT},
        {200, "vonage/send_quota.json", SEND_RETRY},
        {200, "vonage/send_bad_credentials.json", SEND_RETRY},
        {200, "vonage/send_garbage.txt", SEND_RETRY},
        {500, "vonage/send_garbage.txt", SEND_RETRY},
        {429, NULL, SEND_RETRY},
        {0, NULL, SEND_RETRY},
        {400, "vonage/send_garbage.txt", SEND_PERMANENT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tl_send_parse(ops(), &ch, &m, 1, cases[i].status, cases[i].file, &r);
        assert_int_equal(r.outcome, cases[i].want);
    }
    tl_send_parse(ops(), &ch, &m, 1, 200, "vonage/send_quota.json", &r);
    assert_true(r.retry_after_s >= 600);
    assert_non_null(strstr(r.reason, "Quota"));
    /* Inside an HTTP 200, the status names the class (issue 12). */
    assert_int_equal(send_error_class_of(&r, 200), SEND_ERROR_BALANCE);
    tl_send_parse(ops(), &ch, &m, 1, 200, "vonage/send_bad_credentials.json", &r);
    assert_int_equal(send_error_class_of(&r, 200), SEND_ERROR_CREDENTIALS);
    tl_send_parse(ops(), &ch, &m, 1, 200, "vonage/send_throttled.json", &r);
    assert_int_equal(send_error_class_of(&r, 200), SEND_ERROR_RATE_LIMITED);
    tl_send_parse(ops(), &ch, &m, 1, 200, "vonage/send_invalid_params.json", &r);
    assert_int_equal(send_error_class_of(&r, 200), SEND_ERROR_REJECTED);
}

/* A NUL (GSM's '@') and other controls in an SMS are cleaned, not refused:
 * form, query (GET) and JSON. */
static void test_inbound_controls_cleaned(void **state)
{
    (void)state;
    struct channel_settings ch = settings();
    static const char form[] = "msisdn=212600000001&to=1234&messageId=m1&text=a%00b%7F%C2%85c";
    tl_sms_text(ops(), &ch, "POST", "", TL_FORM, form, sizeof form - 1, "a@bc");
    tl_sms_text(ops(), &ch, "GET", "msisdn=212600000001&to=1234&messageId=m2&text=x%00y", NULL, "",
                0, "x@y");
    static const char json[] = "{\"msisdn\":\"212600000001\",\"to\":\"1234\",\"messageId\":\"m3\","
                               "\"text\":\"j\\u0000k\\u0007\"}";
    tl_sms_text(ops(), &ch, "POST", "", "application/json", json, sizeof json - 1, "j@k");
}

/* HTTP 429 and 503 wait what the answer's Retry-After says; status 1
 * (Throttled) inside a 200 keeps its own delay: a 200's Retry-After means
 * nothing. */
static void test_send_parse_retry_after(void **state)
{
    (void)state;
    struct channel_settings ch = settings();
    static const struct tl_retry_case cases[] = {
        {429, NULL, 7, 7},
        {429, NULL, 0, 30},
        {503, NULL, 7, 7},
        {503, NULL, 0, 0},
        {200, "vonage/send_throttled.json", 7, 5},
    };
    tl_retry_cases(ops(), &ch, cases, sizeof cases / sizeof cases[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inbound_controls_cleaned),
        cmocka_unit_test(test_inbound_get_post_json),
        cmocka_unit_test(test_inbound_unicode),
        cmocka_unit_test(test_multipart),
        cmocka_unit_test(test_binary_and_ping),
        cmocka_unit_test(test_delivery_receipts),
        cmocka_unit_test(test_signature_values),
        cmocka_unit_test(test_signature_verify),
        cmocka_unit_test(test_send_build),
        cmocka_unit_test(test_send_parse),
        cmocka_unit_test(test_send_parse_retry_after),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
