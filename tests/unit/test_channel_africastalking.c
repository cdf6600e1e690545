/* test_channel_africastalking.c -- the Africa's Talking adapter against
 * recorded webhooks and API answers (tests/data/africastalking/): USSD steps
 * and end notices, inbound SMS, delivery reports, bulk sends and the
 * statusCode of each recipient. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "channel_testlib.h"
#include "channels/africastalking.h"

TL_CHANNEL_FIXTURE(africastalking_ops, .name = "at", .type = "africastalking",
                   .base_url = "https://api.sandbox.africastalking.com/", .username = "taawun",
                   .api_key = "atsk_0123456789abcdef", .sender_id = "TAAWUN")

/* ---- USSD (unchanged behaviour) ---- */

static void test_ussd_step_and_reply(void **state)
{
    (void)state;
    struct channel_settings ch = settings();
    static const char body[] =
        "sessionId=ATUid_1&serviceCode=%2A384%2A123%23&phoneNumber=%2B212612345678"
        "&networkCode=60401&text=1%2A2%2AFatima";
    struct tl_request r;
    tl_request(&r, "POST", "/hooks/at/ussd", "", "application/x-www-form-urlencoded", body,
               sizeof body - 1);
    struct ussd_step step;
    struct channel_error err;
    assert_int_equal(ops()->ussd_parse(&ch, &r.req, &step, &err), 0);
    assert_string_equal(step.session_id, "ATUid_1");
    assert_string_equal(step.service_code, "*384*123#");
    assert_string_equal(step.phone_raw, "+212612345678");
    assert_string_equal(step.network_code, "60401");
    assert_int_equal(step.text_len, 10);
    assert_memory_equal(step.text, "1*2*Fatima", 10);
    tl_request_free(&r);

    char out[64];
    const char *ct = NULL;
    assert_int_equal(ops()->ussd_reply("Bienvenue", false, out, sizeof out, &ct), 13);
    assert_string_equal(out, "CON Bienvenue");
    assert_int_equal(ops()->ussd_reply("Merci", true, out, sizeof out, &ct), 9);
    assert_string_equal(out, "END Merci");
    assert_string_equal(ct, "text/plain; charset=utf-8");
    assert_int_equal(ops()->ussd_reply("too long for this", true, out, 8, &ct), -1);
}

static void test_ussd_step_refusals(void **state)
{
    (void)state;
    struct channel_settings ch = settings();
    static const char *const bodies[] = {
        "serviceCode=%2A384%23&phoneNumber=%2B212612345678&text=",   /* no sessionId */
        "sessionId=a&sessionId=b&phoneNumber=%2B212612345678&text=", /* duplicated */
        "sessionId=a&phoneNumber=%2B212612345678&text=%FF",          /* not UTF-8 */
        "sessionId=a&phoneNumber=%2B212612345678&text=1&text=2",     /* two texts */
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        struct tl_request r;
        tl_request(&r, "POST", "/hooks/at/ussd", "", "application/x-www-form-urlencoded", bodies[i],
                   strlen(bodies[i]));
        struct ussd_step step;
        struct channel_error err = {0};
        assert_int_equal(ops()->ussd_parse(&ch, &r.req, &step, &err), -1);
        assert_string_equal(err.code, "bad_request");
        tl_request_free(&r);
    }
}

/* ---- inbound webhooks ---- */

static void test_ussd_end_notices(void **state)
{
    (void)state;
    struct channel_settings ch = settings();
    struct channel_batch b;
    struct channel_error err;
    assert_int_equal(
        tl_parse(ops(), &ch, "ussd-end", "africastalking/ussd_end_success.form", &b, &err), 0);
    assert_int_equal(b.count, 1);
    assert_int_equal(b.events[0].kind, CHANNEL_EVENT_USSD_END);
    assert_string_equal(b.events[0].session_id, "ATUid_5e1b2c7d9a");
    assert_string_equal(b.events[0].status, "Success");
    assert_string_equal(b.events[0].from_raw, "+212612345678");
    assert_string_equal(b.events[0].to, "*384*123#");
    assert_string_equal(b.events[0].error_code, "");
    assert_int_equal(b.events[0].duration_ms, 24350);
    assert_string_equal(b.events[0].text, "1*2*Fatima");
    assert_int_equal(b.events[0].text_len, 10);
    channel_batch_free(&b);

    assert_int_equal(
        tl_parse(ops(), &ch, "ussd-end", "africastalking/ussd_end_failed.form", &b, &err), 0);
    assert_string_equal(b.events[0].status, "Failed");
    assert_string_equal(b.events[0].error_code, "SESSION_TIMEOUT");
    assert_int_equal(b.events[0].duration_ms, 180000);
    assert_string_equal(b.events[0].text, "1");
    channel_batch_free(&b);

    /* The unconfirmed fields malformed (a duration in words, the input
     * twice): left out, the notice still taken. */
    assert_int_equal(tl_parse(ops(), &ch, "ussd-end", "africastalking/ussd_end_odd.form", &b, &err),
                     0);
    assert_string_equal(b.events[0].session_id, "ATUid_odd01");
    assert_int_equal(b.events[0].duration_ms, -1);
    assert_string_equal(b.events[0].text, "");
    channel_batch_free(&b);
    channel_batch_free(&b); /* twice is fine */
}

static void test_inbound_sms(void **state)
{
    (void)state;
    struct channel_settings ch = settings();
    struct channel_batch b;
    struct channel_error err;
    assert_int_equal(tl_parse(ops(), &ch, "sms", "africastalking/sms.form", &b, &err), 0);
    assert_int_equal(b.count, 1);
    const struct channel_event *e = &b.events[0];
    assert_int_equal(e->kind, CHANNEL_EVENT_SMS);
    assert_string_equal(e->from_raw, "+212612345678");
    assert_string_equal(e->to, "24242");
    assert_string_equal(e->text, "INSCRIPTION Fatima");
    assert_string_equal(e->provider_id, "8d5f4b7e-6a1c-4f1e-9b8a-2c3d4e5f6a7b");
    assert_null(e->concat_ref);
    channel_batch_free(&b);

    assert_int_equal(
        tl_parse(ops(), &ch, "sms", "africastalking/sms_arabic_extra_field.form", &b, &err), 0);
    assert_string_equal(b.events[0].text,
                        "\u0627\u0644\u0633\u0644\u0627\u0645 \u0639\u0644\u064a\u0643\u0645\u060c "
                        "\u0623\u0631\u064a\u062f \u0627\u0644\u062a\u0633\u062c\u064a\u0644");
    assert_string_equal(b.events[0].provider_id, "ATXid_ar1");
    channel_batch_free(&b);
}

static void test_inbound_sms_refusals(void **state)
{
    (void)state;
    struct channel_settings ch = settings();
    struct channel_batch b;
    struct channel_error err;
    assert_int_equal(tl_parse(ops(), &ch, "sms", "africastalking/sms_no_from.form", &b, &err), 400);
    assert_int_equal(tl_parse(ops(), &ch, "sms", "africastalking/sms_bad_utf8.form", &b, &err),
                     400);
    assert_int_equal(
        tl_parse(ops(), &ch, "sms", "africastalking/sms_duplicate_from.form", &b, &err), 400);
    assert_int_equal(tl_parse(ops(), &ch, "nope", "africastalking/sms.form", &b, &err), 404);
    /* JSON is not what Africa's Talking posts. */
    struct tl_request r;
    tl_request(&r, "POST", "/hooks/at/sms", "", "application/json", "{}", 2);
    assert_int_equal(ops()->inbound_parse(&ch, "sms", &r.req, &b, &err), -1);
    assert_int_equal(err.status, 415);
    tl_request_free(&r);
}

static void test_delivery_reports(void **state)
{
    (void)state;
    struct channel_settings ch = settings();
    static const struct {
        const char *file, *id;
        enum delivery_state state;
        const char *reason;
    } cases[] = {
        {"africastalking/dlr_success.form", "ATXid_8f2b4c6d1e", DELIVERY_DELIVERED, ""},
        {"africastalking/dlr_failed.form", "ATXid_11bb", DELIVERY_FAILED, "UserInBlackList"},
        {"africastalking/dlr_buffered.form", "ATXid_22cc", DELIVERY_BUFFERED, ""},
        {"africastalking/dlr_weird_status.form", "ATXid_33dd", DELIVERY_UNKNOWN, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct channel_batch b;
        struct channel_error err;
        assert_int_equal(tl_parse(ops(), &ch, "dlr", cases[i].file, &b, &err), 0);
        assert_int_equal(b.count, 1);
        assert_int_equal(b.events[0].kind, CHANNEL_EVENT_DLR);
        assert_string_equal(b.events[0].dlr_provider_id, cases[i].id);
        assert_int_equal(b.events[0].state, cases[i].state);
        assert_string_equal(b.events[0].error_code, cases[i].reason);
        assert_int_equal(b.events[0].dlr_message_id, 0);
        channel_batch_free(&b);
    }
}

static void test_sms_reply_is_a_plain_ack(void **state)
{
    (void)state;
    char out[16];
    const char *ct = NULL;
    assert_false(ops()->inline_reply);
    assert_int_equal(ops()->sms_reply("ignored", out, sizeof out, &ct), 0);
    assert_string_equal(out, "");
    assert_non_null(ct);
}

/* ---- sending ---- */

static void test_send_single(void **state)
{
    (void)state;
    struct channel_settings ch = settings();
    struct outbound_message m = {17, "+212612345678", "Bonjour & bienvenue, 100% coop", TEXT_GSM7};
    struct channel_http_call c;
    char reason[160];
    assert_int_equal(ops()->send_build(&ch, &m, 1, &c, reason, sizeof reason), 0);
    assert_string_equal(c.method, "POST");
    assert_string_equal(c.url, "https://api.sandbox.africastalking.com/version1/messaging");
    assert_string_equal(tl_call_header(&c, "apiKey"), "atsk_0123456789abcdef");
    assert_string_equal(tl_call_header(&c, "Accept"), "application/json");
    assert_string_equal(tl_call_header(&c, "Content-Type"), "application/x-www-form-urlencoded");
    static const char want[] = "username=taawun&to=%2B212612345678&message=Bonjour%20%26%20"
                               "bienvenue%2C%20100%25%20coop&from=TAAWUN&bulkSMSMode=1";
    assert_int_equal(c.body_len, sizeof want - 1);
    assert_memory_equal(c.body, want, sizeof want - 1);
    assert_string_equal(c.basic_user, "");
    channel_http_call_free(&c);
    assert_null(c.body);
    channel_http_call_free(&c);
    channel_http_call_free(NULL);
}

static void test_send_bulk_arabic(void **state)
{
    (void)state;
    struct channel_settings ch = settings();
    ch.sender_id[0] = '\0';
    const char *text = "\u0645\u0631\u062d\u0628\u0627";
    struct outbound_message m[3] = {{1, "+212612345678", text, TEXT_UCS2},
                                    {2, "+212712345678", text, TEXT_UCS2},
                                    {3, "+212612345679", text, TEXT_UCS2}};
    struct channel_http_call c;
    char reason[160], buf[256];
    assert_int_equal(ops()->send_build(&ch, m, 3, &c, reason, sizeof reason), 0);
    assert_string_equal(tl_body_field(&c, "to", buf, sizeof buf),
                        "+212612345678,+212712345678,+212612345679");
    assert_string_equal(tl_body_field(&c, "message", buf, sizeof buf), text);
    assert_string_equal(tl_body_field(&c, "bulkSMSMode", buf, sizeof buf), "1");
    assert_null(tl_body_field(&c, "from", buf, sizeof buf));
    channel_http_call_free(&c);
}

static void test_send_build_refusals(void **state)
{
    (void)state;
    struct channel_settings ch = settings();
    struct outbound_message two[2] = {{1, "+212612345678", "a", TEXT_GSM7},
                                      {2, "+212712345678", "b", TEXT_GSM7}};
    struct channel_http_call c;
    char reason[160];
    assert_int_equal(ops()->send_build(&ch, two, 2, &c, reason, sizeof reason), -1);
    assert_non_null(strstr(reason, "same text"));
    struct outbound_message bad = {3, "0612345678", "a", TEXT_GSM7};
    assert_int_equal(ops()->send_build(&ch, &bad, 1, &c, reason, sizeof reason), -1);
    assert_int_equal(ops()->send_build(&ch, two, ops()->max_batch + 1, &c, reason, sizeof reason),
                     -1);
    ch.has_api_key = false;
    assert_int_equal(ops()->send_build(&ch, two, 1, &c, reason, sizeof reason), -1);
    assert_null(strstr(reason, "atsk_")); /* never a secret in a reason */
}

static void test_send_parse_bulk_ok(void **state)
{
    (void)state;
    struct channel_settings ch = settings();
    struct outbound_message m[2] = {{1, "+212712345678", "x", TEXT_GSM7},
                                    {2, "+212612345678", "x", TEXT_GSM7}};
    struct send_result r[2];
    tl_send_parse(ops(), &ch, m, 2, 201, "africastalking/send_ok_bulk.json", r);
    assert_int_equal(r[0].outcome, SEND_ACCEPTED);
    assert_string_equal(r[0].provider_id, "ATXid_a2"); /* matched by number, not order */
    assert_int_equal(r[1].outcome, SEND_ACCEPTED);
    assert_string_equal(r[1].provider_id, "ATXid_a1");
    /* What AT says each message cost, in dirhams (the delivery report). */
    assert_true(r[0].has_cost && r[1].has_cost);
    assert_true(r[0].cost_mad > 0.2499 && r[0].cost_mad < 0.2501);
}

/* A cost in another currency, or not a plain amount, is not taken: the
 * config's price per segment counts instead. */
static void test_send_parse_cost_other_currency(void **state)
{
    (void)state;
    struct channel_settings ch = settings();
    struct outbound_message m[2] = {{1, "+212612345678", "x", TEXT_GSM7},
                                    {2, "+212712345678", "x", TEXT_GSM7}};
    struct send_result r[2];
    tl_send_parse(ops(), &ch, m, 2, 201, "africastalking/send_cost_other.json", r);
    assert_int_equal(r[0].outcome, SEND_ACCEPTED);
    assert_int_equal(r[1].outcome, SEND_ACCEPTED);
    assert_false(r[0].has_cost);
    assert_false(r[1].has_cost);
}

static void test_send_parse_each_status_code(void **state)
{
    (void)state;
    struct channel_settings ch = settings();
    struct outbound_message m[7] = {
        {1, "+212600000001", "x", TEXT_GSM7}, {2, "+212600000002", "x", TEXT_GSM7},
        {3, "+212600000003", "x", TEXT_GSM7}, {4, "+212600000004", "x", TEXT_GSM7},
        {5, "+212600000005", "x", TEXT_GSM7}, {6, "+212600000006", "x", TEXT_GSM7},
        {7, "+212600000007", "x", TEXT_GSM7}, /* absent from the answer */
    };
    struct send_result r[7];
    tl_send_parse(ops(), &ch, m, 7, 201, "africastalking/send_mixed.json", r);
    assert_int_equal(r[0].outcome, SEND_ACCEPTED);
    assert_string_equal(r[0].provider_id, "ATXid_m1");
    assert_int_equal(r[1].outcome, SEND_OPTED_OUT);
    assert_int_equal(r[2].outcome, SEND_PERMANENT);
    assert_non_null(strstr(r[2].reason, "InvalidPhoneNumber"));
    assert_int_equal(r[3].outcome, SEND_RETRY);
    assert_true(r[3].retry_after_s >= 600);
    assert_int_equal(r[4].outcome, SEND_RETRY);
    assert_int_equal(r[5].outcome, SEND_PERMANENT);
    assert_int_equal(r[6].outcome, SEND_RETRY);
    /* The classes channel health and metrics read (issue 12): statusCode 405
     * InsufficientBalance is a used-up balance, whatever the HTTP status. */
    static const enum send_error_class want[] = {
        SEND_ERROR_NONE,     SEND_ERROR_OPTED_OUT, SEND_ERROR_REJECTED, SEND_ERROR_BALANCE,
        SEND_ERROR_PROVIDER, SEND_ERROR_REJECTED,  SEND_ERROR_PROVIDER};
    for (size_t i = 0; i < 7; i++)
        assert_int_equal(send_error_class_of(&r[i], 201), want[i]);
    assert_string_equal(send_error_class_name(send_error_class_of(&r[3], 201)),
                        "balance_exhausted");
}

static void test_send_parse_failures(void **state)
{
    (void)state;
    struct channel_settings ch = settings();
    struct outbound_message m[2] = {{1, "+212600000001", "x", TEXT_GSM7},
                                    {2, "+212600000002", "x", TEXT_GSM7}};
    struct send_result r[2];
    tl_send_parse(ops(), &ch, m, 2, 201, "africastalking/send_invalid_sender.json", r);
    assert_int_equal(r[0].outcome, SEND_PERMANENT);
    assert_string_equal(r[0].reason, "InvalidSenderId");
    assert_int_equal(r[1].outcome, SEND_PERMANENT);
    static const struct {
        long status;
        const char *file;
        enum send_outcome want;
    } cases[] = {
        {201, "africastalking/send_garbage.txt", SEND_RETRY},
        {200, "africastalking/send_truncated.json", SEND_RETRY},
        {502, "africastalking/send_garbage.txt", SEND_RETRY},
        {500, NULL, SEND_RETRY},
        {429, NULL, SEND_RETRY},
        {0, NULL, SEND_RETRY},
        {401, "africastalking/send_401.txt", SEND_RETRY},
        {400, "africastalking/send_401.txt", SEND_PERMANENT},
    };
    static const enum send_error_class classes[] = {SEND_ERROR_PROVIDER,     SEND_ERROR_PROVIDER,
                                                    SEND_ERROR_PROVIDER,     SEND_ERROR_PROVIDER,
                                                    SEND_ERROR_RATE_LIMITED, SEND_ERROR_UNREACHABLE,
                                                    SEND_ERROR_CREDENTIALS,  SEND_ERROR_REJECTED};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tl_send_parse(ops(), &ch, m, 2, cases[i].status, cases[i].file, r);
        assert_int_equal(r[0].outcome, cases[i].want);
        assert_int_equal(r[1].outcome, cases[i].want);
        assert_int_equal(send_error_class_of(&r[1], cases[i].status), classes[i]);
    }
    tl_send_parse(ops(), &ch, m, 1, 401, "africastalking/send_401.txt", r);
    assert_true(r[0].retry_after_s >= 60);
}

/* A retry of a request AT had already taken is answered "DuplicateRequest":
 * the message was accepted, it is no failure. DoNotDisturbRejection, which
 * shares statusCode 409, stays permanent. */
static void test_send_parse_duplicate_request(void **state)
{
    (void)state;
    struct channel_settings ch = settings();
    struct outbound_message m[2] = {{1, "+212600000001", "x", TEXT_GSM7},
                                    {2, "+212600000002", "x", TEXT_GSM7}};
    struct send_result r[2];
    tl_send_parse(ops(), &ch, m, 2, 201, "africastalking/send_duplicate.json", r);
    assert_int_equal(r[0].outcome, SEND_ACCEPTED);
    assert_string_equal(r[0].provider_id, "ATXid_d1");
    assert_int_equal(r[1].outcome, SEND_PERMANENT);
    assert_non_null(strstr(r[1].reason, "DoNotDisturbRejection"));
    tl_send_parse(ops(), &ch, m, 2, 409, "africastalking/send_duplicate_409.txt", r);
    assert_int_equal(r[0].outcome, SEND_ACCEPTED);
    assert_int_equal(r[1].outcome, SEND_ACCEPTED);
    tl_send_parse(ops(), &ch, m, 2, 409, "africastalking/send_garbage.txt", r);
    assert_true(r[0].outcome != SEND_ACCEPTED);
}

static void test_table(void **state)
{
    (void)state;
    assert_true(ops()->network);
    assert_true(ops()->needs_secret);
    assert_true(ops()->max_batch > 1);
    assert_null(ops()->verify);
    assert_null(channel_ops_find("nope"));
    assert_string_equal(delivery_state_name(DELIVERY_DELIVERED), "delivered");
    assert_string_equal(delivery_state_name(DELIVERY_BUFFERED), "buffered");
    assert_true(delivery_state_final(DELIVERY_EXPIRED));
    assert_true(delivery_state_final(DELIVERY_REJECTED));
    assert_false(delivery_state_final(DELIVERY_SENT));
    assert_false(delivery_state_final(DELIVERY_UNKNOWN));
    size_t n = 0;
    for (; channel_ops_names[n]; n++)
        assert_non_null(channel_ops_find(channel_ops_names[n]));
    assert_int_equal(n, 6);
}

/* A NUL (GSM's '@') and other controls in an SMS are cleaned, not refused. */
static void test_inbound_controls_cleaned(void **state)
{
    (void)state;
    struct channel_settings ch = settings();
    static const char body[] = "from=%2B212600000001&to=1234&id=x1&text=ETAT%00gr%01 1%092";
    tl_sms_text(ops(), &ch, "POST", "", TL_FORM, body, sizeof body - 1, "ETAT@gr 1 2");
}

/* HTTP 429 and 503 wait what the answer's Retry-After says, else 429 its
 * fixed delay and 503 the backoff; other statuses keep their own. */
static void test_send_parse_retry_after(void **state)
{
    (void)state;
    struct channel_settings ch = settings();
    static const struct tl_retry_case cases[] = {
        {429, NULL, 7, 7},
        {429, NULL, 0, 30},
        {503, NULL, 7, 7},
        {503, NULL, 0, 0},
        {500, NULL, 7, 0},
        {502, NULL, 7, 0},
        {401, "africastalking/send_401.txt", 7, 300},
    };
    tl_retry_cases(ops(), &ch, cases, sizeof cases / sizeof cases[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inbound_controls_cleaned),
        cmocka_unit_test(test_ussd_step_and_reply),
        cmocka_unit_test(test_ussd_step_refusals),
        cmocka_unit_test(test_ussd_end_notices),
        cmocka_unit_test(test_inbound_sms),
        cmocka_unit_test(test_inbound_sms_refusals),
        cmocka_unit_test(test_delivery_reports),
        cmocka_unit_test(test_sms_reply_is_a_plain_ack),
        cmocka_unit_test(test_send_single),
        cmocka_unit_test(test_send_bulk_arabic),
        cmocka_unit_test(test_send_build_refusals),
        cmocka_unit_test(test_send_parse_bulk_ok),
        cmocka_unit_test(test_send_parse_cost_other_currency),
        cmocka_unit_test(test_send_parse_each_status_code),
        cmocka_unit_test(test_send_parse_failures),
        cmocka_unit_test(test_send_parse_duplicate_request),
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_send_parse_retry_after),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
