/* test_expand_span.c -- the span of an expansion's next chunk
 * (app/expand_span) from given holds: a cheap chunk grows the span a
 * quarter at most and moves the estimate a quarter of the way, a dear one
 * shrinks it to the aim at once, the limits hold, and over ids whose cost
 * alternates by 40 % (as a loaded machine's waits for a core make it) no
 * hold passes the aim by more than a tenth; doubling after each cheap
 * chunk, as the controller did before, reached 1.4 times the aim. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "app/expand_span.h"
#include "core/limits.h"

static void test_first_chunk_grows_a_quarter_at_most(void **state)
{
    (void)state;
    struct expand_span s;
    expand_span_init(&s);
    assert_int_equal(s.span, EXPAND_SPAN_FIRST);
    /* 512 ids in 2 ms: the aim would be 5,120 ids; a quarter more only */
    assert_int_equal(expand_span_next(&s, EXPAND_SPAN_FIRST, 2.0), EXPAND_SPAN_FIRST * 5 / 4);
    assert_int_equal(s.span, EXPAND_SPAN_FIRST * 5 / 4);
}

static void test_dear_chunk_shrinks_to_the_aim_at_once(void **state)
{
    (void)state;
    struct expand_span s = {.span = 2000, .ms_per_id = 0.01}; /* 2,000 ids: 20 ms */
    /* the chunk held 80 ms (waits for a core): 500 ids hold 20 ms at that cost */
    assert_int_equal(expand_span_next(&s, 2000, 80.0), 500);
}

static void test_cheap_chunk_moves_the_estimate_a_quarter(void **state)
{
    (void)state;
    struct expand_span s = {.span = 2000, .ms_per_id = 0.01};
    /* 10 ms, 0.005 ms an id: the estimate 0.00875, so 2,285 ids, not 4,000 */
    assert_int_equal(expand_span_next(&s, 2000, 10.0), 2285);
    assert_true(s.ms_per_id > 0.00874 && s.ms_per_id < 0.00876);
}

static void test_a_chunk_cut_short_counts_the_ids_it_covered(void **state)
{
    (void)state;
    struct expand_span s = {.span = 2000, .ms_per_id = 0.01};
    /* stopped at its budget after 1,000 of its 2,000 ids, in 20 ms */
    assert_int_equal(expand_span_next(&s, 1000, 20.0), 1000);
    assert_int_equal(expand_span_next(&s, 0, 20.0), 1000); /* nothing covered: unchanged */
}

static void test_limits(void **state)
{
    (void)state;
    struct expand_span s = {.span = 100, .ms_per_id = 0.01};
    assert_int_equal(expand_span_next(&s, 100, 1000.0), EXPAND_SPAN_MIN);
    s = (struct expand_span){.span = EXPAND_SPAN_MAX, .ms_per_id = 1e-6};
    assert_int_equal(expand_span_next(&s, EXPAND_SPAN_MAX, 0.0), EXPAND_SPAN_MAX);
}

static void test_alternating_costs_stay_near_the_aim(void **state)
{
    (void)state;
    struct expand_span s;
    expand_span_init(&s);
    double longest = 0;
    for (int i = 0; i < 200; i++) {
        double cost = i % 2 ? 0.014 : 0.010; /* ms an id */
        double hold = (double)s.span * cost;
        if (i >= 20 && hold > longest) /* once the first chunks have grown */
            longest = hold;
        expand_span_next(&s, s.span, hold);
    }
    assert_true(longest <= 1.1 * EXPAND_CHUNK_TARGET_MS);
    assert_true(longest >= 0.8 * EXPAND_CHUNK_TARGET_MS); /* and near it, not far under */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_chunk_grows_a_quarter_at_most),
        cmocka_unit_test(test_dear_chunk_shrinks_to_the_aim_at_once),
        cmocka_unit_test(test_cheap_chunk_moves_the_estimate_a_quarter),
        cmocka_unit_test(test_a_chunk_cut_short_counts_the_ids_it_covered),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_alternating_costs_stay_near_the_aim),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
