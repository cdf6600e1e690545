/* test_retry_after.c -- a provider's Retry-After read into the wait before
 * the next attempt (sender/retry_after): delta-seconds, the three
 * HTTP-date forms, absent, garbage, huge and negative values, bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sender/retry_after.h"

/* Sun, 06 Nov 1994 08:49:37 GMT, RFC 9110's example date. */
#define EXAMPLE_DATE 784111777LL

static void test_delta_seconds(void **state)
{
    (void)state;
    assert_int_equal(retry_after_parse("1", 0), 1);
    assert_int_equal(retry_after_parse("120", 0), 120);
    assert_int_equal(retry_after_parse("0", 0), 0);
    assert_int_equal(retry_after_parse("007", 0), 7);
    assert_int_equal(retry_after_parse(" 5\t", 0), 5); /* OWS around the value */
    /* now does not matter for a delay. */
    assert_int_equal(retry_after_parse("30", EXAMPLE_DATE), 30);
}

static void test_http_dates(void **state)
{
    (void)state;
    /* IMF-fixdate, then the obsolete RFC 850 and asctime forms. */
    assert_int_equal(retry_after_parse("Sun, 06 Nov 1994 08:49:37 GMT", EXAMPLE_DATE - 90), 90);
    assert_int_equal(retry_after_parse("Sunday, 06-Nov-94 08:49:37 GMT", EXAMPLE_DATE - 2), 2);
    assert_int_equal(retry_after_parse("Sun Nov  6 08:49:37 1994", EXAMPLE_DATE - 3600), 3600);
    /* Now and in the past: retry at once. */
    assert_int_equal(retry_after_parse("Sun, 06 Nov 1994 08:49:37 GMT", EXAMPLE_DATE), 0);
    assert_int_equal(retry_after_parse("Sun, 06 Nov 1994 08:49:37 GMT", EXAMPLE_DATE + 5), 0);
}

static void test_absent_and_garbage(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "   ",
        "garbage",
        "-5",
        "-0",
        "+5",
        "1.5",
        "5s",
        "5 5",
        "0x10",
        "1e3",
        "Mon",
        "Sun, 32 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 25:49:37 GMT",
        "06 Nov 1994 08:49:37 GMT", /* a date starting with a digit is no HTTP-date */
        "\xff\xfe",
        "Sun, 06 Nov 1994 08:49:37 GMT and then a great deal more text after it",
    };
    assert_int_equal(retry_after_parse(NULL, 0), -1);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (retry_after_parse(bad[i], EXAMPLE_DATE - 10) != -1)
            fail_msg("\"%s\" read as a Retry-After", bad[i]);
        assert_int_equal(retry_after_seconds(bad[i], EXAMPLE_DATE - 10, 900), 0);
    }
    assert_int_equal(retry_after_seconds(NULL, 0, 900), 0);
}

static void test_huge(void **state)
{
    (void)state;
    /* Past any integer: RFC 9111's 2^31, never an overflow. */
    assert_int_equal(retry_after_parse("2147483647", 0), 2147483647LL);
    assert_int_equal(retry_after_parse("2147483648", 0), 2147483648LL);
    assert_int_equal(retry_after_parse("99999999999999999999999999999999", 0), 2147483648LL);
    assert_int_equal(retry_after_parse("Fri, 31 Dec 9999 23:59:59 GMT", 0), 253402300799LL);
}

static void test_bounds(void **state)
{
    (void)state;
    /* At least 1 s: "0" and a past date never make the sender spin. */
    assert_int_equal(retry_after_seconds("0", 0, 900), 1);
    assert_int_equal(retry_after_seconds("Sun, 06 Nov 1994 08:49:37 GMT", EXAMPLE_DATE + 60, 900),
                     1);
    assert_int_equal(retry_after_seconds("1", 0, 900), 1);
    assert_int_equal(retry_after_seconds("45", 0, 900), 45);
    /* At most the channel's retry_max_s. */
    assert_int_equal(retry_after_seconds("900", 0, 900), 900);
    assert_int_equal(retry_after_seconds("901", 0, 900), 900);
    assert_int_equal(retry_after_seconds("99999999999999999999", 0, 900), 900);
    assert_int_equal(retry_after_seconds("Fri, 31 Dec 9999 23:59:59 GMT", 0, 86400), 86400);
    assert_int_equal(retry_after_seconds("Sun, 06 Nov 1994 08:49:37 GMT", EXAMPLE_DATE - 5, 2), 2);
    assert_int_equal(retry_after_seconds("30", 0, 0), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_delta_seconds),
        cmocka_unit_test(test_http_dates),
        cmocka_unit_test(test_absent_and_garbage),
        cmocka_unit_test(test_huge),
        cmocka_unit_test(test_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
