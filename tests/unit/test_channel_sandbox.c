/* test_channel_sandbox.c -- the sandbox channel: Africa's Talking's inbound
 * format (tests/data/sandbox/), loopback only, no network; every message
 * accepted at once and a delivery report on demand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "channel_testlib.h"
#include "channels/sandbox.h"

TL_CHANNEL_FIXTURE(sandbox_ops, .name = "sandbox", .type = "sandbox")

static void test_table(void **state)
{
    (void)state;
    const struct channel_ops *o = channel_ops_find("sandbox");
    assert_ptr_equal(o, &sandbox_ops);
    assert_true(o->loopback_only);
    assert_true(o->test);
    assert_false(o->needs_secret);
    assert_false(o->network);
    assert_null(o->send_build);
    assert_null(o->send_parse);
    assert_null(o->verify);
    assert_non_null(o->ussd_parse);
    assert_string_equal(o->ussd_content_types[0], "application/x-www-form-urlencoded");
}

static void test_inbound(void **state)
{
    (void)state;
    struct channel_settings ch = settings();
    struct channel_batch b;
    struct channel_error err;
    assert_int_equal(tl_parse(&sandbox_ops, &ch, "sms", "sandbox/sms.form", &b, &err), 0);
    assert_string_equal(b.events[0].text, "AIDE");
    assert_string_equal(b.events[0].provider_id, "sandbox-in-1");
    channel_batch_free(&b);
    assert_int_equal(tl_parse(&sandbox_ops, &ch, "ussd-end", "sandbox/ussd_end.form", &b, &err), 0);
    assert_int_equal(b.events[0].kind, CHANNEL_EVENT_USSD_END);
    assert_string_equal(b.events[0].status, "Incomplete");
    channel_batch_free(&b);
}

static void test_send_and_report(void **state)
{
    (void)state;
    struct outbound_message m = {77, "+212612345678", "Bonjour", TEXT_GSM7};
    struct send_result r;
    memset(&r, 0x5a, sizeof r);
    sandbox_send(&m, &r);
    assert_int_equal(r.outcome, SEND_ACCEPTED);
    assert_string_equal(r.provider_id, "sandbox-77");
    assert_string_equal(r.reason, "");
    struct channel_batch b;
    assert_int_equal(sandbox_delivery_report(&m, r.provider_id, &b), 0);
    tl_check_batch(&b);
    assert_int_equal(b.count, 1);
    assert_int_equal(b.events[0].kind, CHANNEL_EVENT_DLR);
    assert_int_equal(b.events[0].state, DELIVERY_DELIVERED);
    assert_int_equal(b.events[0].dlr_message_id, 77);
    assert_string_equal(b.events[0].dlr_provider_id, "sandbox-77");
    assert_string_equal(b.events[0].to, "+212612345678");
    channel_batch_free(&b);
    assert_null(b.events);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_inbound),
        cmocka_unit_test(test_send_and_report),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
