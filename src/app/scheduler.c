/* scheduler.c -- a thread that ticks every SCHEDULER_TICK_MS and queues
 * what the clock makes due (event reminders). In a test build only
 * (-DTAAWUN_TEST_HOOKS, the Makefile's taawund-test) the clock is read
 * from a file named at start (see scheduler.h); the production binary has
 * no such code. */
#include "app/scheduler.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/broadcast.h"
#include "app/recurrence.h"
#include "app/retention.h"
#include "store/db.h"
#include "store/messages.h"
#include "store/nodes.h"
#include "sys/log.h"
#include "sys/log_summary.h"

#define NOW_FILE_MAX 512

struct scheduler {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool stopping;
    scheduler_env_acquire acquire;
    scheduler_env_release release;
    void *ctx;
    char now_file[NOW_FILE_MAX]; /* "" : real time; only set in a test build */
    struct retention retention;  /* this thread's retention state */
};

#ifdef TAAWUN_TEST_HOOKS
static int read_now_file(const char *path, int64_t *now)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char buf[32] = {0};
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *end;
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    while (*end == ' ' || *end == '\n' || *end == '\r' || *end == '\t')
        end++;
    if (errno || end == buf || *end || v < 0)
        return -1;
    *now = (int64_t)v;
    return 0;
}

int scheduler_now(const struct scheduler *s, int64_t *now)
{
    if (!s || !s->now_file[0]) {
        *now = db_now();
        return 0;
    }
    return read_now_file(s->now_file, now);
}

static char clock_file[NOW_FILE_MAX];
static pthread_once_t clock_once = PTHREAD_ONCE_INIT;

static void clock_init(void)
{
    const char *f = getenv(SCHEDULER_NOW_ENV);
    if (f && *f)
        snprintf(clock_file, sizeof clock_file, "%s", f);
}

int scheduler_clock(int64_t *now)
{
    pthread_once(&clock_once, clock_init);
    if (!clock_file[0]) {
        *now = db_now();
        return 0;
    }
    return read_now_file(clock_file, now);
}

/* Name the test clock file from the environment, once, at start. */
static void scheduler_take_test_clock(struct scheduler *s)
{
    const char *f = getenv(SCHEDULER_NOW_ENV);
    if (f && *f) {
        snprintf(s->now_file, sizeof s->now_file, "%s", f);
        char q[NOW_FILE_MAX + 8];
        log_warn("test_clock", "file=%s detail=\"the scheduler reads the time from this file\"",
                 log_quote(s->now_file, q, sizeof q));
    }
}
#else
/* Production build: the real clock, always; the environment is not read. */
int scheduler_now(const struct scheduler *s, int64_t *now)
{
    (void)s;
    *now = db_now();
    return 0;
}

int scheduler_clock(int64_t *now)
{
    *now = db_now();
    return 0;
}

static void scheduler_take_test_clock(struct scheduler *s)
{
    (void)s;
}
#endif

int scheduler_tick(const struct notice_env *env, int64_t now)
{
    struct db *db = db_thread();
    if (!db)
        return -1;
    int n;
    /* Drain what is due in bounded batches. */
    for (int round = 0; round < 100; round++) {
        n = programme_send_reminders(db, env, now, SCHEDULER_REMINDERS_PER_TICK);
        if (n < 0)
            return -1;
        if (n < SCHEDULER_REMINDERS_PER_TICK)
            break;
    }
    /* Occurrences of recurring broadcasts are created and committed
     * first, then sent by the broadcast tick like any scheduled one; a
     * failure there leaves the due broadcasts to go. */
    int rc = recurrence_tick(db, now);
    if (broadcast_tick(db, env, now) != 0)
        rc = -1;
    return rc;
}

/* The scheduler's work, on the one node holding the lease (store/nodes;
 * SQLite: the one node): what a dead node left sending queued again, due
 * reminders, recurrences and broadcasts, retention. */
static void lease_holder_tick(struct scheduler *s, const struct notice_env *env, int64_t now)
{
    if (nodes_tick() != 1)
        return;
    int requeued, lost;
    struct db *db = db_thread();
    if (db && outbox_requeue_dead_nodes(db, now, &requeued, &lost) == 0 && (requeued || lost))
        log_warn("outbox_reconciled",
                 "requeued=%d failed=%d reason=\"left sending by a node that died; requeued "
                 "ones are sent at most once more\"",
                 requeued, lost);
    if (scheduler_tick(env, now) != 0)
        log_warn("scheduler_tick_failed", "detail=\"will retry at the next tick\"");
    retention_tick(&s->retention, &env->retention, now);
}

static void *run(void *arg)
{
    struct scheduler *s = arg;
    int interval_ms = s->now_file[0] ? SCHEDULER_TEST_TICK_MS : SCHEDULER_TICK_MS;
    pthread_mutex_lock(&s->lock);
    while (!s->stopping) {
        pthread_mutex_unlock(&s->lock);
        int64_t now;
        struct notice_env env;
        void *hold = NULL;
        bool clock_read = scheduler_now(s, &now) == 0;
        if (clock_read)
            log_summary_tick(now); /* the traffic's line, once a minute */
        if (clock_read && s->acquire(s->ctx, &env, &hold)) {
            lease_holder_tick(s, &env, now);
            s->release(hold);
        }
        pthread_mutex_lock(&s->lock);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += interval_ms / 1000;
        until.tv_nsec += (long)(interval_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        while (!s->stopping && pthread_cond_timedwait(&s->cond, &s->lock, &until) != ETIMEDOUT) {
        }
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

struct scheduler *scheduler_start(scheduler_env_acquire acquire, scheduler_env_release release,
                                  void *ctx)
{
    struct scheduler *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->acquire = acquire;
    s->release = release;
    s->ctx = ctx;
    scheduler_take_test_clock(s);
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->cond, NULL);
    if (pthread_create(&s->thread, NULL, run, s) != 0) {
        log_error("scheduler_start_failed", NULL);
        pthread_cond_destroy(&s->cond);
        pthread_mutex_destroy(&s->lock);
        free(s);
        return NULL;
    }
    return s;
}

void scheduler_stop(struct scheduler *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->lock);
    s->stopping = true;
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL);
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->lock);
    free(s);
}
