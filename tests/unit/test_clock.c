/* test_clock.c -- the process's clocks (sys/clock): milliseconds from the
 * clock sys/metrics reads too, and the thread's wait for a core read from
 * a schedstat file each thread opens once and keeps (not opened at each
 * reading: an expansion chunk reads it twice inside its write hold), closed
 * when the thread ends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sys/clock.h"
#include "sys/metrics.h"

/* How many of the process's file descriptors are a schedstat file. */
static int schedstat_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        char path[300], target[300];
        snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
        ssize_t len = readlink(path, target, sizeof target - 1);
        if (len > 0) {
            target[len] = '\0';
            n += strstr(target, "/schedstat") != NULL;
        }
    }
    closedir(d);
    return n;
}

static void test_one_monotonic_source(void **state)
{
    (void)state;
    double ms = clock_ms(CLOCK_MONOTONIC), s = metrics_clock();
    assert_true(s * 1e3 >= ms && s * 1e3 - ms < 1000); /* read after, the same clock */
    assert_true(clock_ms(CLOCK_THREAD_CPUTIME_ID) >= 0);
}

struct seen {
    int open_before, open_after_first, open_after_many;
    double first, last;
};

static void *read_runq(void *arg)
{
    struct seen *s = arg;
    s->open_before = schedstat_fds();
    s->first = clock_runq_ms();
    s->open_after_first = schedstat_fds();
    s->last = s->first;
    for (int i = 0; i < 1000; i++) {
        double v = clock_runq_ms();
        if (v < s->last)
            s->last = -1; /* went back */
        else
            s->last = v;
    }
    s->open_after_many = schedstat_fds();
    return NULL;
}

static void test_runq_file_kept_per_thread(void **state)
{
    (void)state;
    int open_at_start = schedstat_fds();
    struct seen s = {0};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, read_runq, &s), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(s.open_before, open_at_start);
    assert_int_equal(s.open_after_first, open_at_start + 1); /* opened once */
    assert_int_equal(s.open_after_many, open_at_start + 1);  /* and kept */
    assert_true(s.first >= 0 && s.last >= s.first);          /* never going back */
    assert_int_equal(schedstat_fds(), open_at_start);        /* closed at the thread's end */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_monotonic_source),
        cmocka_unit_test(test_runq_file_kept_per_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
