/* test_channel_infobip.c -- the Infobip adapter: JSON inbound messages and
 * delivery reports with three results in one POST (tests/data/infobip/),
 * the send request (one message, many destinations, our id as messageId)
 * and the status group of each destination in the answer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>

#include "channel_testlib.h"
#include "channels/infobip.h"

TL_CHANNEL_FIXTURE(infobip_ops, .name = "ib", .type = "infobip",
                   .base_url = "https://xyz123.api.infobip.com", .api_key = "0123abcd-ef45-6789",
                   .sender_id = "Taawun")

static void test_inbound_three_results(void **state)
{
    (void)state;
    struct channel_settings ch = settings();
    struct channel_batch b;
    struct channel_error err;
    assert_int_equal(tl_parse(ops(), &ch, "sms", "infobip/inbound_three.json", &b, &err), 0);
    assert_int_equal(b.count, 3);
    assert_string_equal(b.events[0].provider_id, "817790313235066447");
    assert_string_equal(b.events[0].from_raw, "212612345678");
    assert_string_equal(b.events[0].to, "212522000000");
    assert_string_equal(b.events[0].text, "INFO atelier");
    assert_non_null(strstr(b.events[1].text, "\u0627\u0644\u0633\u0644\u0627\u0645"));
    assert_string_equal(b.events[2].text, "");
    assert_int_equal(b.events[2].text_len, 0);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(b.events[i].kind, CHANNEL_EVENT_SMS);
    channel_batch_free(&b);
}

static void test_reports_three_results(void **state)
{
    (void)state;
    struct channel_settings ch = settings();
    struct channel_batch b;
    struct channel_error err;
    assert_int_equal(tl_parse(ops(), &ch, "dlr", "infobip/dlr_three.json", &b, &err), 0);
    assert_int_equal(b.count, 3);
    assert_int_equal(b.events[0].state, DELIVERY_DELIVERED);
    assert_int_equal(b.events[0].dlr_message_id, 4242);
    assert_string_equal(b.events[0].error_code, "");
    assert_string_equal(b.events[0].status, "DELIVERED_TO_HANDSET");
    assert_int_equal(b.events[1].state, DELIVERY_FAILED);
    assert_int_equal(b.events[1].dlr_message_id, 4243);
    assert_string_equal(b.events[1].error_code, "EC_ABSENT_SUBSCRIBER");
    assert_int_equal(b.events[2].state, DELIVERY_SENT);
    assert_int_equal(b.events[2].dlr_message_id, 0); /* an id Infobip made */
    assert_string_equal(b.events[2].dlr_provider_id, "2250be2d4219-3af1-78856-aabe-1362af1edfd2");
    channel_batch_free(&b);
}

static void test_inbound_refusals(void **state)
{
    (void)state;
    struct channel_settings ch = settings();
    struct channel_batch b;
    struct channel_error err;
    assert_int_equal(tl_parse(ops(), &ch, "dlr", "infobip/dlr_no_status.json", &b, &err), 400);
    assert_int_equal(tl_parse(ops(), &ch, "sms", "infobip/send_garbage.txt", &b, &err), 415);
    static const char *const bodies[] = {"[]", "{\"results\":{}}", "{\"results\":[1]}",
                                         "{\"results\":[{\"to\":\"1\"}]}", "{\"results\":["};
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        struct tl_request r;
        tl_request(&r, "POST", "/hooks/ib/sms", "", "application/json", bodies[i],
                   strlen(bodies[i]));
        assert_int_equal(ops()->inbound_parse(&ch, "sms", &r.req, &b, &err), -1);
        tl_request_free(&r);
    }
    struct tl_request r;
    tl_request(&r, "POST", "/hooks/ib/sms", "", "application/json", "{\"results\":[]}", 14);
    assert_int_equal(ops()->inbound_parse(&ch, "sms", &r.req, &b, &err), 0);
    assert_int_equal(b.count, 0);
    channel_batch_free(&b);
    assert_int_equal(ops()->inbound_parse(&ch, "ussd-end", &r.req, &b, &err), -1);
    assert_int_equal(err.status, 404);
    tl_request_free(&r);
}

static void test_send_build(void **state)
{
    (void)state;
    struct channel_settings ch = settings();
    snprintf(ch.public_url, sizeof ch.public_url, "https://gw.example.org");
    ch.has_secret = true;
    snprintf(ch.secret, sizeof ch.secret, "hook");
    const char *text = "\u0627\u062c\u062a\u0645\u0627\u0639 \"demain\"";
    struct outbound_message m[3] = {{101, "+212612345678", text, TEXT_UCS2},
                                    {102, "+212712345678", text, TEXT_UCS2},
                                    {103, "+212612345679", text, TEXT_UCS2}};
    struct channel_http_call c;
    char reason[160];
    assert_int_equal(ops()->send_build(&ch, m, 3, &c, reason, sizeof reason), 0);
    assert_string_equal(c.url, "https://xyz123.api.infobip.com/sms/2/text/advanced");
    assert_string_equal(tl_call_header(&c, "Authorization"), "App 0123abcd-ef45-6789");
    assert_string_equal(tl_call_header(&c, "Content-Type"), "application/json");
    json_error_t je;
    json_t *root = json_loadb(c.body, c.body_len, 0, &je);
    assert_non_null(root);
    json_t *msg = json_array_get(json_object_get(root, "messages"), 0);
    assert_int_equal(json_array_size(json_object_get(root, "messages")), 1);
    assert_string_equal(json_string_value(json_object_get(msg, "text")), text);
    assert_string_equal(json_string_value(json_object_get(msg, "from")), "Taawun");
    assert_string_equal(json_string_value(json_object_get(msg, "notifyUrl")),
                        "https://gw.example.org/hooks/ib/dlr?key=hook");
    assert_string_equal(json_string_value(json_object_get(msg, "notifyContentType")),
                        "application/json");
    json_t *d = json_object_get(msg, "destinations");
    assert_int_equal(json_array_size(d), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(d, 1), "to")),
                        "212712345678");
    assert_string_equal(json_string_value(json_object_get(json_array_get(d, 1), "messageId")),
                        "102");
    json_decref(root);
    channel_http_call_free(&c);

    struct outbound_message bad = {1, "+212612345678", "\xff", TEXT_GSM7};
    assert_int_equal(ops()->send_build(&ch, &bad, 1, &c, reason, sizeof reason), -1);
    m[1].text = "other";
    assert_int_equal(ops()->send_build(&ch, m, 3, &c, reason, sizeof reason), -1);
}

static void test_send_parse(void **state)
{
    (void)state;
    struct channel_settings ch = settings();
    /* Out of order on purpose: matched by messageId. */
    struct outbound_message m[3] = {{103, "+212612345679", "x", TEXT_GSM7},
                                    {101, "+212612345678", "x", TEXT_GSM7},
                                    {102, "+212712345678", "x", TEXT_GSM7}};
    struct send_result r[3];
    tl_send_parse(ops(), &ch, m, 3, 200, "infobip/send_three.json", r);
    assert_int_equal(r[0].outcome, SEND_PERMANENT);
    assert_non_null(strstr(r[0].reason, "NOT_REGISTERED"));
    assert_int_equal(r[1].outcome, SEND_ACCEPTED);
    assert_string_equal(r[1].provider_id, "101");
    assert_int_equal(r[2].outcome, SEND_RETRY);
    assert_true(r[2].retry_after_s >= 600);

    static const struct {
        long status;
        const char *file;
        enum send_outcome want;
    } cases[] = {
        {400, "infobip/send_400.json", SEND_PERMANENT},
        {401, "infobip/send_401.json", SEND_RETRY},
        {200, "infobip/send_garbage.txt", SEND_RETRY},
        {502, "infobip/send_garbage.txt", SEND_RETRY},
        {429, NULL, SEND_RETRY},
        {0, NULL, SEND_RETRY},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tl_send_parse(ops(), &ch, m, 3, cases[i].status, cases[i].file, r);
        for (size_t j = 0; j < 3; j++)
            assert_int_equal(r[j].outcome, cases[i].want);
    }
}

/* "\u0000" (GSM's '@') and other controls in an SMS text are cleaned, not
 * refused; in any other field a NUL is still refused. */
static void test_inbound_controls_cleaned(void **state)
{
    (void)state;
    struct channel_settings ch = settings();
    static const char ok[] = "{\"results\":[{\"from\":\"212600000001\",\"messageId\":\"i1\","
                             "\"text\":\"a\\u0000b\\u0001c\"}]}";
    tl_sms_text(ops(), &ch, "POST", "", "application/json", ok, sizeof ok - 1, "a@bc");
    static const char bad[] = "{\"results\":[{\"from\":\"2126\\u00001\",\"text\":\"a\"}]}";
    struct tl_request r;
    struct channel_batch b;
    struct channel_error err;
    tl_request(&r, "POST", "/hooks/ib/sms", "", "application/json", bad, sizeof bad - 1);
    assert_int_equal(ops()->inbound_parse(&ch, "sms", &r.req, &b, &err), -1);
    assert_int_equal(err.status, 400);
    tl_request_free(&r);
}

/* HTTP 429 and 503 wait what the answer's Retry-After says, else 429 its
 * fixed delay and 503 the backoff. */
static void test_send_parse_retry_after(void **state)
{
    (void)state;
    struct channel_settings ch = settings();
    static const struct tl_retry_case cases[] = {
        {429, NULL, 7, 7}, {429, NULL, 0, 30}, {503, NULL, 7, 7},
        {503, NULL, 0, 0}, {500, NULL, 7, 0},  {401, "infobip/send_401.json", 7, 300},
    };
    tl_retry_cases(ops(), &ch, cases, sizeof cases / sizeof cases[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inbound_controls_cleaned),
        cmocka_unit_test(test_inbound_three_results),
        cmocka_unit_test(test_reports_three_results),
        cmocka_unit_test(test_inbound_refusals),
        cmocka_unit_test(test_send_build),
        cmocka_unit_test(test_send_parse),
        cmocka_unit_test(test_send_parse_retry_after),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
