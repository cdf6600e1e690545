/* test_metrics.c -- sys/metrics: counters per label tuple, histograms with
 * cumulative buckets and their sum, exact totals when threads count the
 * same series at once, and a full family dropping (and counting) new
 * series instead of sharing or overwriting one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "sys/metrics.h"

struct found {
    const char *want[METRICS_LABELS_MAX];
    size_t nlabels;
    int matches;
    struct metrics_sample sample;
    uint64_t cumulative[METRICS_BUCKETS_MAX + 1];
    size_t series;
};

static void find(const struct metrics_sample *s, void *ctx)
{
    struct found *f = ctx;
    f->series++;
    for (size_t i = 0; i < f->nlabels; i++)
        if (strcmp(s->labels[i], f->want[i]) != 0)
            return;
    f->matches++;
    f->sample = *s;
    if (s->cumulative)
        memcpy(f->cumulative, s->cumulative, sizeof f->cumulative);
}

/* The sample of labels in family id (fails unless exactly one matches). */
static struct found lookup(enum metrics_id id, const char *a, const char *b, const char *c)
{
    struct found f = {.want = {a, b, c}, .nlabels = metrics_family(id)->nlabels};
    metrics_each(id, find, &f);
    assert_int_equal(f.matches, 1);
    return f;
}

static void test_counters_per_label_tuple(void **state)
{
    (void)state;
    metrics_inc(METRICS_SENDS, ((const char *[]){"at", "accepted", "none"}));
    metrics_add(METRICS_SENDS, ((const char *[]){"at", "accepted", "none"}), 4);
    metrics_inc(METRICS_SENDS, ((const char *[]){"at", "retry", "balance_exhausted"}));
    metrics_inc(METRICS_SENDS, ((const char *[]){"vonage", "accepted", "none"}));
    assert_int_equal(lookup(METRICS_SENDS, "at", "accepted", "none").sample.count, 5);
    assert_int_equal(lookup(METRICS_SENDS, "at", "retry", "balance_exhausted").sample.count, 1);
    assert_int_equal(lookup(METRICS_SENDS, "vonage", "accepted", "none").sample.count, 1);
    /* A value longer than a label holds is cut, and still one series. */
    char longname[200];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    metrics_inc(METRICS_USSD_STEPS, ((const char *[]){longname}));
    metrics_inc(METRICS_USSD_STEPS, ((const char *[]){longname}));
    longname[METRICS_LABEL_VALUE_MAX - 1] = '\0';
    assert_int_equal(lookup(METRICS_USSD_STEPS, longname, NULL, NULL).sample.count, 2);
}

static void test_histogram_buckets_are_cumulative(void **state)
{
    (void)state;
    const struct metrics_family *f = metrics_family(METRICS_SEND_DURATION);
    assert_int_equal(f->type, METRICS_HISTOGRAM);
    const char *ch[] = {"hist"};
    metrics_observe(METRICS_SEND_DURATION, ch, 0.005); /* first bucket (0.01) */
    metrics_observe(METRICS_SEND_DURATION, ch, 0.01);  /* le is inclusive */
    metrics_observe(METRICS_SEND_DURATION, ch, 0.3);
    metrics_observe(METRICS_SEND_DURATION, ch, 1000); /* +Inf only */
    metrics_observe(METRICS_SEND_DURATION, ch, -1);   /* a clock stepping back counts as 0 */
    struct found got = lookup(METRICS_SEND_DURATION, "hist", NULL, NULL);
    assert_int_equal(got.sample.count, 5);
    assert_int_equal(got.cumulative[0], 3);
    size_t b05 = 0;
    while (f->buckets[b05] < 0.5)
        b05++;
    assert_int_equal(got.cumulative[b05], 4);
    assert_int_equal(got.cumulative[f->nbuckets - 1], 4);
    assert_int_equal(got.cumulative[f->nbuckets], 5);
    assert_true(got.sample.sum > 1000.314 && got.sample.sum < 1000.316);
    for (size_t b = 1; b < f->nbuckets; b++)
        assert_true(f->buckets[b] > f->buckets[b - 1]);
    /* A clock gone mad adds at most a million seconds, converted safely. */
    const char *mad[] = {"mad"};
    metrics_observe(METRICS_SEND_DURATION, mad, 1e300);
    assert_true(lookup(METRICS_SEND_DURATION, "mad", NULL, NULL).sample.sum == 1e6);
}

#define THREADS 4
#define PER_THREAD 50000

static void *count_many(void *arg)
{
    const char *labels[] = {arg};
    for (int i = 0; i < PER_THREAD; i++) {
        metrics_inc(METRICS_SMS_INBOUND, labels);
        metrics_observe(METRICS_DB_COMMIT, NULL, 0.001);
    }
    return NULL;
}

static void test_threads_count_exactly(void **state)
{
    (void)state;
    /* Every thread makes the same new series at once, and a second one. */
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, count_many, i % 2 ? "odd" : "even"), 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    assert_int_equal(lookup(METRICS_SMS_INBOUND, "even", NULL, NULL).sample.count,
                     (uint64_t)PER_THREAD * THREADS / 2);
    assert_int_equal(lookup(METRICS_SMS_INBOUND, "odd", NULL, NULL).sample.count,
                     (uint64_t)PER_THREAD * THREADS / 2);
    struct found commit = lookup(METRICS_DB_COMMIT, NULL, NULL, NULL);
    assert_int_equal(commit.sample.count, (uint64_t)PER_THREAD * THREADS);
}

static void test_a_full_family_drops_new_series(void **state)
{
    (void)state;
    uint64_t dropped = metrics_dropped();
    struct found all = {.nlabels = 0};
    char name[32];
    for (int i = 0; i < 200; i++) { /* the family keeps 64 */
        snprintf(name, sizeof name, "ch%d", i);
        metrics_inc(METRICS_DELIVERY_REPORTS, ((const char *[]){name}));
    }
    metrics_each(METRICS_DELIVERY_REPORTS, find, &all);
    assert_true(all.series > 0 && all.series < 200);
    assert_int_equal(metrics_dropped() - dropped, 200 - all.series);
    /* A series kept still counts; none was overwritten. */
    snprintf(name, sizeof name, "ch0");
    metrics_inc(METRICS_DELIVERY_REPORTS, ((const char *[]){name}));
    assert_int_equal(lookup(METRICS_DELIVERY_REPORTS, "ch0", NULL, NULL).sample.count, 2);
}

static void test_families_follow_the_naming_rules(void **state)
{
    (void)state;
    for (int id = 0; id < METRICS_FAMILIES; id++) {
        const struct metrics_family *f = metrics_family((enum metrics_id)id);
        size_t n = strlen(f->name);
        assert_true(strncmp(f->name, "taawun_", 7) == 0);
        if (f->type == METRICS_COUNTER)
            assert_string_equal(f->name + n - 6, "_total");
        else
            assert_string_equal(f->name + n - 8, "_seconds");
        assert_true(f->help && *f->help);
    }
    assert_true(metrics_start_time() > 1.7e9);
    assert_true(metrics_clock() > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_counters_per_label_tuple),
        cmocka_unit_test(test_histogram_buckets_are_cumulative),
        cmocka_unit_test(test_threads_count_exactly),
        cmocka_unit_test(test_a_full_family_drops_new_series),
        cmocka_unit_test(test_families_follow_the_naming_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
