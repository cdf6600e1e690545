/* test_channel_kannel.c -- the Kannel adapter against requests recorded
 * from Debian's Kannel 1.4.5 with fakesmsc (tests/data/kannel/): get-url
 * calls with GSM text and with raw UTF-16BE (coding 2, no mo-recode),
 * recoded and Windows-1252 text, the two delivery report calls (8, then 1),
 * the POST sendsms request with X-Kannel-* headers and its answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "channel_testlib.h"
#include "channels/kannel.h"

TL_CHANNEL_FIXTURE(kannel_ops, .name = "kannel", .type = "kannel",
                   .base_url = "http://127.0.0.1:13013", .username = "taawun",
                   .api_key = "sendsms-pass", .sender_id = "Taawun",
                   .public_url = "http://127.0.0.1:8080", .secret = "s3cret", .dlr_mask = 31)

static void sms_case(const char *file, const char *want_text, const char *want_id)
{
    struct channel_settings ch = settings();
    struct channel_batch b;
    struct channel_error err;
    assert_int_equal(tl_parse(ops(), &ch, "sms", file, &b, &err), 0);
    assert_int_equal(b.count, 1);
    assert_int_equal(b.events[0].kind, CHANNEL_EVENT_SMS);
    assert_string_equal(b.events[0].from_raw, "+212600000001");
    assert_string_equal(b.events[0].to, "1234");
    assert_string_equal(b.events[0].text, want_text);
    assert_string_equal(b.events[0].provider_id, want_id);
    channel_batch_free(&b);
}

static void test_inbound_gsm_keeps_spaces(void **state)
{
    (void)state;
    /* %b keeps the double space that %a would squeeze. */
    struct channel_settings ch = settings();
    struct channel_batch b;
    struct channel_error err;
    assert_int_equal(tl_parse(ops(), &ch, "sms", "kannel/sms_gsm.query", &b, &err), 0);
    assert_string_equal(b.events[0].from_raw, "+212600000002");
    assert_string_equal(b.events[0].text, "Hello  two");
    assert_string_equal(b.events[0].provider_id, "b03128ce-df64-444c-96c0-b5e01647a80e");
    channel_batch_free(&b);
}

static void test_inbound_ucs2(void **state)
{
    (void)state;
    /* Raw UTF-16BE of "مرحبا", as Kannel sent it (some bytes unescaped). */
    sms_case("kannel/sms_ucs2_raw.query", "\u0645\u0631\u062d\u0628\u0627",
             "555472eb-4e12-4d8b-8ee1-c332265e3a2d");
    /* coding=2 and no charset: still UTF-16BE; a surrogate pair (U+1F600). */
    sms_case("kannel/sms_ucs2_no_charset.query", "\u0627\u0644\u0633\u0644\u0627\u0645 \U0001F600",
             "u2");
    /* Broken surrogates become U+FFFD. */
    sms_case("kannel/sms_broken_surrogate.query", "\uFFFDA\uFFFD", "s1");
}

static void test_inbound_recoded_and_latin(void **state)
{
    (void)state;
    sms_case("kannel/sms_recoded_utf8.query",
             "\u0627\u0644\u0633\u0644\u0627\u0645 \u0639\u0644\u064a\u0643\u0645\u060c "
             "\u0623\u0631\u064a\u062f \u0627\u0644\u062a\u0633\u062c\u064a\u0644",
             "r1");
    sms_case("kannel/sms_latin1.query", "caf\u00e9 \u20ac", "l1");
}

static void test_decode_text(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(kannel_decode_text("\x06\x45", 2, "2", "UTF-16BE", out), 2);
    assert_string_equal(out, "\u0645");
    /* An odd trailing byte is dropped. */
    assert_int_equal(kannel_decode_text("\x06\x45\x06", 3, "2", NULL, out), 2);
    /* A NUL in UTF-16, UTF-8 or 8-bit text is GSM's '@' (septet 0). */
    assert_int_equal(kannel_decode_text("\x00\x00", 2, "2", "UTF-16BE", out), 1);
    assert_string_equal(out, "@");
    kannel_decode_text("a\0b\xc3\xa9", 5, "0", "UTF-8", out);
    assert_string_equal(out, "a@b\u00e9");
    kannel_decode_text("a\0b", 3, "0", "WINDOWS-1252", out);
    assert_string_equal(out, "a@b");
    /* Invalid UTF-8 is read as Windows-1252. */
    kannel_decode_text("\xe9t\xe9", 3, "0", "GSM", out);
    assert_string_equal(out, "\u00e9t\u00e9");
}

static void dlr_case(const char *file, enum delivery_state want, int64_t id, const char *fid,
                     const char *error)
{
    struct channel_settings ch = settings();
    struct channel_batch b;
    struct channel_error err;
    assert_int_equal(tl_parse(ops(), &ch, "dlr", file, &b, &err), 0);
    assert_int_equal(b.count, 1);
    assert_int_equal(b.events[0].kind, CHANNEL_EVENT_DLR);
    assert_int_equal(b.events[0].state, want);
    assert_int_equal(b.events[0].dlr_message_id, id);
    assert_string_equal(b.events[0].dlr_provider_id, fid);
    assert_string_equal(b.events[0].error_code, error);
    channel_batch_free(&b);
}

static void test_delivery_reports(void **state)
{
    (void)state;
    dlr_case("kannel/dlr_accepted.query", DELIVERY_ACCEPTED, 42, "", "");
    dlr_case("kannel/dlr_delivered.query", DELIVERY_DELIVERED, 42,
             "5d808aa8-de1b-4120-b7f7-36ac6ac340e9", "");
    dlr_case("kannel/dlr_rejected.query", DELIVERY_REJECTED, 43, "",
             "NACK/0x0000000b/Invalid Destination Address");
    struct channel_settings ch = settings();
    struct channel_batch b;
    struct channel_error err;
    assert_int_equal(tl_parse(ops(), &ch, "dlr", "kannel/dlr_bad_status.query", &b, &err), 400);
    assert_int_equal(tl_parse(ops(), &ch, "dlr", "kannel/sms_gsm.query", &b, &err), 400);
    assert_int_equal(tl_parse(ops(), &ch, "ussd", "kannel/sms_gsm.query", &b, &err), 404);
}

static void test_reply_is_empty(void **state)
{
    (void)state;
    char out[8];
    const char *ct = NULL;
    assert_false(ops()->inline_reply);
    /* Kannel's get-url is a GET. */
    assert_string_equal(ops()->inbound_methods[0], "GET");
    assert_string_equal(ops()->inbound_methods[1], "POST");
    assert_null(ops()->inbound_methods[2]);
    assert_int_equal(ops()->sms_reply("ignored", out, sizeof out, &ct), 0);
    assert_string_equal(out, "");
    assert_non_null(strstr(ct, "text/plain"));
}

static void test_send_build(void **state)
{
    (void)state;
    struct channel_settings ch = settings();
    snprintf(ch.kannel_smsc, sizeof ch.kannel_smsc, "fake");
    const char *arabic =
        "\u062a\u0639\u0627\u0648\u0646\u064a\u0629: \u0627\u062c\u062a\u0645\u0627\u0639";
    struct outbound_message m = {42, "+212600000009", arabic, TEXT_UCS2};
    struct channel_http_call c;
    char reason[160];
    assert_int_equal(ops()->send_build(&ch, &m, 1, &c, reason, sizeof reason), 0);
    assert_string_equal(c.method, "POST");
    assert_string_equal(c.url, "http://127.0.0.1:13013/cgi-bin/sendsms");
    assert_string_equal(tl_call_header(&c, "Content-Type"), "text/plain; charset=UTF-8");
    assert_string_equal(tl_call_header(&c, "X-Kannel-Username"), "taawun");
    assert_string_equal(tl_call_header(&c, "X-Kannel-Password"), "sendsms-pass");
    assert_string_equal(tl_call_header(&c, "X-Kannel-To"), "212600000009");
    assert_string_equal(tl_call_header(&c, "X-Kannel-From"), "Taawun");
    assert_string_equal(tl_call_header(&c, "X-Kannel-Coding"), "2");
    assert_string_equal(tl_call_header(&c, "X-Kannel-SMSC"), "fake");
    assert_string_equal(tl_call_header(&c, "X-Kannel-DLR-Mask"), "31");
    assert_string_equal(tl_call_header(&c, "X-Kannel-DLR-Url"),
                        "http://127.0.0.1:8080/hooks/kannel/dlr?key=s3cret&id=42"
                        "&status=%d&fid=%F&ts=%T&answer=%A");
    assert_int_equal(c.body_len, strlen(arabic));
    assert_memory_equal(c.body, arabic, c.body_len);
    channel_http_call_free(&c);

    m.text = "Bonjour";
    m.encoding = TEXT_GSM7;
    ch.dlr_mask = 0;
    ch.sender_id[0] = '\0';
    ch.kannel_smsc[0] = '\0';
    assert_int_equal(ops()->send_build(&ch, &m, 1, &c, reason, sizeof reason), 0);
    assert_string_equal(tl_call_header(&c, "X-Kannel-Coding"), "0");
    assert_null(tl_call_header(&c, "X-Kannel-DLR-Url"));
    assert_null(tl_call_header(&c, "X-Kannel-From"));
    assert_null(tl_call_header(&c, "X-Kannel-SMSC"));
    channel_http_call_free(&c);

    ch.has_api_key = false;
    assert_int_equal(ops()->send_build(&ch, &m, 1, &c, reason, sizeof reason), -1);
}

static void test_send_parse(void **state)
{
    (void)state;
    struct channel_settings ch = settings();
    struct outbound_message m = {42, "+212600000009", "x", TEXT_GSM7};
    struct send_result r;
    static const struct {
        long status;
        const char *file;
        enum send_outcome want;
    } cases[] = {
        {202, "kannel/send_accepted.txt", SEND_ACCEPTED},
        {202, "kannel/send_queued.txt", SEND_ACCEPTED},
        {403, "kannel/send_403.txt", SEND_PERMANENT},
        {503, "kannel/send_503.txt", SEND_RETRY},
        {202, "kannel/send_503.txt", SEND_RETRY},
        {0, NULL, SEND_RETRY},
        {500, NULL, SEND_RETRY},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tl_send_parse(ops(), &ch, &m, 1, cases[i].status, cases[i].file, &r);
        assert_int_equal(r.outcome, cases[i].want);
        if (r.outcome == SEND_ACCEPTED)
            assert_string_equal(r.provider_id, "");
    }
}

/* A NUL (GSM's '@') and other controls in an SMS are cleaned, not refused. */
static void test_inbound_controls_cleaned(void **state)
{
    (void)state;
    struct channel_settings ch = settings();
    tl_sms_text(
        ops(), &ch, "GET",
        "key=s3cret&from=%2B212600000001&to=1234&id=k1&coding=0&charset=UTF-8&text=a%00b%03c", NULL,
        "", 0, "a@bc");
}

/* A 503 ("temporary failure") waits what the answer's Retry-After says,
 * else the backoff. */
static void test_send_parse_retry_after(void **state)
{
    (void)state;
    struct channel_settings ch = settings();
    static const struct tl_retry_case cases[] = {
        {503, "kannel/send_503.txt", 7, 7},
        {503, "kannel/send_503.txt", 0, 0},
        {429, NULL, 4, 4},
        {500, NULL, 7, 0},
    };
    tl_retry_cases(ops(), &ch, cases, sizeof cases / sizeof cases[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inbound_controls_cleaned),
        cmocka_unit_test(test_inbound_gsm_keeps_spaces),
        cmocka_unit_test(test_inbound_ucs2),
        cmocka_unit_test(test_inbound_recoded_and_latin),
        cmocka_unit_test(test_decode_text),
        cmocka_unit_test(test_delivery_reports),
        cmocka_unit_test(test_reply_is_empty),
        cmocka_unit_test(test_send_build),
        cmocka_unit_test(test_send_parse),
        cmocka_unit_test(test_send_parse_retry_after),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
