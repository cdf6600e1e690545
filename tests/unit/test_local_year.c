/* test_local_year.c -- the programme's year (sys/local_year): at a given
 * time in the process's zone, and now, kept per thread, equal to a fresh
 * reading. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <time.h>

#include "sys/local_year.h"

static void test_at(void **state)
{
    (void)state;
    setenv("TZ", "Africa/Casablanca", 1);
    tzset();
    assert_int_equal(local_year(1798761600), 2027); /* 2027-01-01 00:00 UTC: 01:00 local */
    assert_int_equal(local_year(1798758000), 2027); /* 2026-12-31 23:00 UTC: 00:00 local */
    assert_int_equal(local_year(1798754400), 2026); /* 2026-12-31 22:00 UTC: 23:00 local */
    setenv("TZ", "UTC", 1);
    tzset();
    assert_int_equal(local_year(1798758000), 2026);
}

static void test_now_kept(void **state)
{
    (void)state;
    setenv("TZ", "Africa/Casablanca", 1);
    tzset();
    int want = local_year((int64_t)time(NULL));
    assert_int_equal(local_year_now(), want); /* asked */
    assert_int_equal(local_year_now(), want); /* kept */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_at),
        cmocka_unit_test(test_now_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
