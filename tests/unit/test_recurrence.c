/* test_recurrence.c -- occurrences of recurring broadcasts placed in the
 * programme's local time (app/recurrence) with the real tz database for
 * Africa/Casablanca: a weekly time kept across the Ramadan offset changes
 * of 2027, the hour skipped when the clock moves forward, the 31st and the
 * 29th of February clamped, the eve of an event across a change. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/recurrence.h"

/* Unix seconds of a UTC wall time (the expected values are worked out by
 * hand from the offsets: +01 normally, +00 from 7 February 03:00 to 14
 * March 02:00 in 2027). */
static int64_t utc(int y, int mo, int d, int h, int mi)
{
    struct tm tm = {
        .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
    return (int64_t)timegm(&tm);
}

static struct recurrence_record rule(const char *kind, int weekday, int month_day, int minute)
{
    struct recurrence_record r;
    memset(&r, 0, sizeof r);
    strcpy(r.kind, kind);
    r.weekday = weekday;
    r.month_day = month_day;
    r.minute = minute;
    return r;
}

static int setup(void **state)
{
    (void)state;
    setenv("TZ", "Africa/Casablanca", 1);
    tzset();
    return 0;
}

static void test_weekly_keeps_local_time_across_ramadan(void **state)
{
    (void)state;
    struct recurrence_record r = rule("weekly", 1, 0, 10 * 60); /* Mondays 10:00 */
    int64_t at, after = utc(2027, 1, 27, 12, 0);
    const int64_t want[] = {utc(2027, 2, 1, 9, 0), utc(2027, 2, 8, 10, 0), utc(2027, 3, 8, 10, 0),
                            utc(2027, 3, 15, 9, 0)};
    assert_int_equal(recurrence_next(&r, after, &at, NULL), 0);
    assert_int_equal(at, want[0]);
    assert_int_equal(recurrence_next(&r, at, &at, NULL), 0);
    assert_int_equal(at, want[1]);
    for (int i = 0; i < 4; i++)
        assert_int_equal(recurrence_next(&r, at, &at, NULL), 0);
    assert_int_equal(at, want[2]);
    assert_int_equal(recurrence_next(&r, at, &at, NULL), 0);
    assert_int_equal(at, want[3]);
    /* Strictly after: the occurrence itself is not "next" after itself. */
    assert_int_equal(recurrence_next(&r, want[0] - 1, &at, NULL), 0);
    assert_int_equal(at, want[0]);
}

static void test_skipped_hour_is_the_same_time_after_the_change(void **state)
{
    (void)state;
    /* Sunday 14 March 2027: 02:00 (+00) becomes 03:00 (+01); 02:30 does
     * not exist and is sent at 03:30 (+01) = 02:30 UTC, never at 01:30. */
    struct recurrence_record r = rule("weekly", 7, 0, 2 * 60 + 30);
    int64_t at;
    assert_int_equal(recurrence_next(&r, utc(2027, 3, 13, 12, 0), &at, NULL), 0);
    assert_int_equal(at, utc(2027, 3, 14, 2, 30));
    /* 7 February 2027: 03:00 (+01) goes back to 02:00 (+00); 02:30 happens
     * twice, the first is taken. */
    assert_int_equal(recurrence_next(&r, utc(2027, 2, 6, 12, 0), &at, NULL), 0);
    assert_int_equal(at, utc(2027, 2, 7, 1, 30));
}

static void test_monthly_clamps_to_the_last_day(void **state)
{
    (void)state;
    struct recurrence_record r = rule("monthly", 0, 31, 9 * 60);
    int64_t at;
    bool clamped;
    assert_int_equal(recurrence_next(&r, utc(2027, 10, 31, 9, 0), &at, &clamped), 0);
    assert_int_equal(at, utc(2027, 11, 30, 8, 0));
    assert_true(clamped);
    assert_int_equal(recurrence_next(&r, at, &at, &clamped), 0);
    assert_int_equal(at, utc(2027, 12, 31, 8, 0));
    assert_false(clamped);
    struct recurrence_record feb = rule("monthly", 0, 30, 9 * 60);
    assert_int_equal(recurrence_next(&feb, utc(2028, 1, 31, 0, 0), &at, &clamped), 0);
    assert_int_equal(at, utc(2028, 2, 29, 9, 0)); /* leap year, Ramadan 2028: +00 */
    assert_true(clamped);
    assert_int_equal(recurrence_next(&feb, utc(2027, 1, 31, 0, 0), &at, &clamped), 0);
    assert_int_equal(at, utc(2027, 2, 28, 9, 0)); /* Ramadan: +00 */
    assert_true(clamped);
    struct recurrence_record eve = rule("event_eve", 0, 0, 600);
    assert_int_equal(recurrence_next(&eve, 0, &at, NULL), -1);
}

static void test_eve_of_an_event(void **state)
{
    (void)state;
    int64_t at;
    /* An event at 09:00 on 8 February 2027 (+00): its eve at 18:00 on the
     * 7th, after the clock went back that night: 18:00 UTC. */
    assert_int_equal(recurrence_eve_at(utc(2027, 2, 8, 9, 0), 18 * 60, &at), 0);
    assert_int_equal(at, utc(2027, 2, 7, 18, 0));
    /* An event at 00:30 local on 1 January 2028 (+01 = 23:30 UTC the day
     * before): its eve is 31 December local. */
    assert_int_equal(recurrence_eve_at(utc(2027, 12, 31, 23, 30), 18 * 60, &at), 0);
    assert_int_equal(at, utc(2027, 12, 31, 17, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_weekly_keeps_local_time_across_ramadan, setup),
        cmocka_unit_test_setup(test_skipped_hour_is_the_same_time_after_the_change, setup),
        cmocka_unit_test_setup(test_monthly_clamps_to_the_last_day, setup),
        cmocka_unit_test_setup(test_eve_of_an_event, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
