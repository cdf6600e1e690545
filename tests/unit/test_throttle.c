/* test_throttle.c -- failures per address (app/throttle) with the clock
 * driven by the test: threshold, window, block, success, a full table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "app/throttle.h"

static struct throttle_slot slots[4];
static struct throttle t = THROTTLE_INIT(slots, 3, 60, 120, "test_blocked");

static int setup(void **state)
{
    (void)state;
    memset(slots, 0, sizeof slots);
    return 0;
}

static void test_blocks_at_threshold(void **state)
{
    (void)state;
    int64_t now = 1000;
    throttle_failed(&t, "10.0.0.1", now);
    throttle_failed(&t, "10.0.0.1", now + 1);
    assert_int_equal(throttle_blocked(&t, "10.0.0.1", now + 1), 0);
    throttle_failed(&t, "10.0.0.1", now + 2);
    assert_int_equal(throttle_blocked(&t, "10.0.0.1", now + 2), 120);
    assert_int_equal(throttle_blocked(&t, "10.0.0.1", now + 100), 22);
    assert_int_equal(throttle_blocked(&t, "10.0.0.1", now + 122), 0);
    assert_int_equal(throttle_blocked(&t, "10.0.0.2", now + 2), 0); /* others unaffected */
}

static void test_window_resets(void **state)
{
    (void)state;
    int64_t now = 5000;
    throttle_failed(&t, "a", now);
    throttle_failed(&t, "a", now + 1);
    throttle_failed(&t, "a", now + 61); /* a new window: count 1 */
    throttle_failed(&t, "a", now + 62);
    assert_int_equal(throttle_blocked(&t, "a", now + 62), 0);
    throttle_failed(&t, "a", now + 63);
    assert_int_equal(throttle_blocked(&t, "a", now + 63), 120);
}

static void test_success_forgets_unless_blocked(void **state)
{
    (void)state;
    int64_t now = 9000;
    throttle_failed(&t, "b", now);
    throttle_failed(&t, "b", now);
    throttle_succeeded(&t, "b", now);
    throttle_failed(&t, "b", now);
    throttle_failed(&t, "b", now);
    assert_int_equal(throttle_blocked(&t, "b", now), 0);
    throttle_failed(&t, "b", now);
    throttle_succeeded(&t, "b", now); /* a block runs its course */
    assert_int_equal(throttle_blocked(&t, "b", now), 120);
}

static void test_full_table_keeps_blocked(void **state)
{
    (void)state;
    int64_t now = 20000;
    for (int i = 0; i < 3; i++)
        throttle_failed(&t, "blocked", now);
    /* Fill the other slots; once their windows are over, newcomers take
     * those idle slots, not the blocked address's, though it is older. */
    for (int i = 0; i < 3; i++) {
        char client[16];
        snprintf(client, sizeof client, "c%d", i);
        throttle_failed(&t, client, now + 1 + i);
    }
    for (int i = 0; i < 3; i++) {
        char client[16];
        snprintf(client, sizeof client, "d%d", i);
        throttle_failed(&t, client, now + 70);
    }
    assert_true(throttle_blocked(&t, "blocked", now + 71) > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_blocks_at_threshold, setup),
        cmocka_unit_test_setup(test_window_resets, setup),
        cmocka_unit_test_setup(test_success_forgets_unless_blocked, setup),
        cmocka_unit_test_setup(test_full_table_keeps_blocked, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
