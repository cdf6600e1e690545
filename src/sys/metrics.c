/* metrics.c -- every metric family declared once, and their series kept in
 * fixed tables of atomics (see metrics.h). A series is found by the hash of
 * its label values with linear probing; a new one is claimed with a
 * compare-and-swap, its labels written, then published: readers and other
 * writers never see a half-written series and no increment takes a lock. */
#include "sys/metrics.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/hash.h"
#include "sys/clock.h"

/* Seconds: from a cached answer (1 ms) to a provider's slow answer (30 s). */
#define LATENCY_BUCKETS                                                                            \
    11,                                                                                            \
    {                                                                                              \
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5                            \
    }
#define SEND_BUCKETS                                                                               \
    11,                                                                                            \
    {                                                                                              \
        0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30                                       \
    }
/* Seconds: a write transaction's wait and commit, from 50 us to 2.5 s. */
#define DB_BUCKETS                                                                                 \
    13,                                                                                            \
    {                                                                                              \
        0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2.5   \
    }

static const struct metrics_family families[METRICS_FAMILIES] = {
    [METRICS_HTTP_REQUESTS] = {"taawun_http_requests_total",
                               "HTTP requests answered, by listener, route pattern and status.",
                               METRICS_COUNTER,
                               3,
                               {"listener", "route", "status"},
                               0,
                               {0}},
    [METRICS_HTTP_REQUEST_DURATION] = {"taawun_http_request_duration_seconds",
                                       "Time from a request's headers to its answer.",
                                       METRICS_HISTOGRAM,
                                       2,
                                       {"listener", "route"},
                                       LATENCY_BUCKETS},
    [METRICS_USSD_STEPS] = {"taawun_ussd_steps_total",
                            "USSD steps received from providers.",
                            METRICS_COUNTER,
                            1,
                            {"channel"},
                            0,
                            {0}},
    [METRICS_USSD_SESSIONS_REFUSED] = {"taawun_ussd_sessions_refused_total",
                                       "USSD sessions refused: ussd.max_sessions were live.",
                                       METRICS_COUNTER,
                                       1,
                                       {"channel"},
                                       0,
                                       {0}},
    [METRICS_SMS_INBOUND] = {"taawun_sms_inbound_total",
                             "Inbound SMS stored (replays excluded).",
                             METRICS_COUNTER,
                             1,
                             {"channel"},
                             0,
                             {0}},
    [METRICS_DELIVERY_REPORTS] = {"taawun_delivery_reports_total",
                                  "Delivery reports received and applied.",
                                  METRICS_COUNTER,
                                  1,
                                  {"channel"},
                                  0,
                                  {0}},
    [METRICS_SENDS] = {"taawun_sends_total",
                       "Messages sent to providers, by result and provider error class.",
                       METRICS_COUNTER,
                       3,
                       {"channel", "result", "error_class"},
                       0,
                       {0}},
    [METRICS_SEND_DURATION] = {"taawun_send_duration_seconds",
                               "Time of one send request to a provider.",
                               METRICS_HISTOGRAM,
                               1,
                               {"channel"},
                               SEND_BUCKETS},
    [METRICS_DB_WRITE_WAIT] = {"taawun_db_write_wait_seconds",
                               "Wait for the database's write turn (mutex and BEGIN IMMEDIATE).",
                               METRICS_HISTOGRAM,
                               0,
                               {0},
                               DB_BUCKETS},
    [METRICS_DB_COMMIT] = {"taawun_db_commit_seconds",
                           "Time to COMMIT a write transaction.",
                           METRICS_HISTOGRAM,
                           0,
                           {0},
                           DB_BUCKETS},
    [METRICS_DB_GROUP_COMMITS] = {"taawun_db_group_commits_total",
                                  "Group commits: transactions sharing one fsync among writes.",
                                  METRICS_COUNTER,
                                  0,
                                  {0},
                                  0,
                                  {0}},
    [METRICS_DB_GROUP_JOBS] = {"taawun_db_group_commit_jobs_total",
                               "Writes (inbound SMS, USSD end notices) committed by group commits.",
                               METRICS_COUNTER,
                               0,
                               {0},
                               0,
                               {0}},
    [METRICS_DB_CHECKPOINTS] =
        {"taawun_db_checkpoints_total",
         "WAL checkpoints run by the checkpointer thread, by mode and result.",
         METRICS_COUNTER,
         2,
         {"mode", "result"},
         0,
         {0}},
    [METRICS_DB_CHECKPOINT_DURATION] = {"taawun_db_checkpoint_seconds",
                                        "Time of one WAL checkpoint (outside any write turn).",
                                        METRICS_HISTOGRAM,
                                        1,
                                        {"mode"},
                                        DB_BUCKETS},
};

enum { SLOT_EMPTY = 0, SLOT_WRITING, SLOT_READY };

#define OBSERVE_MAX_S 1e6 /* seconds one observation adds to a sum at most */

struct series {
    atomic_int state;
    uint64_t hash;
    char labels[METRICS_LABELS_MAX][METRICS_LABEL_VALUE_MAX];
    atomic_uint_fast64_t count;                            /* counters */
    atomic_uint_fast64_t buckets[METRICS_BUCKETS_MAX + 1]; /* histograms: per bucket, +Inf last */
    atomic_uint_fast64_t sum_ns;                           /* histograms: sum in 1e-9 units */
};

static struct series s_http[512], s_http_duration[256], s_ussd[64], s_refused[64], s_sms[64],
    s_dlr[64], s_sends[512], s_send_duration[64], s_db_wait[1], s_db_commit[1], s_db_groups[1],
    s_db_group_jobs[1], s_db_checkpoints[16], s_db_checkpoint_duration[8];
#define TABLE(a)                                                                                   \
    {                                                                                              \
        a, sizeof a / sizeof a[0]                                                                  \
    }
static const struct {
    struct series *series;
    size_t capacity;
} tables[METRICS_FAMILIES] = {
    [METRICS_HTTP_REQUESTS] = TABLE(s_http),
    [METRICS_HTTP_REQUEST_DURATION] = TABLE(s_http_duration),
    [METRICS_USSD_STEPS] = TABLE(s_ussd),
    [METRICS_USSD_SESSIONS_REFUSED] = TABLE(s_refused),
    [METRICS_SMS_INBOUND] = TABLE(s_sms),
    [METRICS_DELIVERY_REPORTS] = TABLE(s_dlr),
    [METRICS_SENDS] = TABLE(s_sends),
    [METRICS_SEND_DURATION] = TABLE(s_send_duration),
    [METRICS_DB_WRITE_WAIT] = TABLE(s_db_wait),
    [METRICS_DB_COMMIT] = TABLE(s_db_commit),
    [METRICS_DB_GROUP_COMMITS] = TABLE(s_db_groups),
    [METRICS_DB_GROUP_JOBS] = TABLE(s_db_group_jobs),
    [METRICS_DB_CHECKPOINTS] = TABLE(s_db_checkpoints),
    [METRICS_DB_CHECKPOINT_DURATION] = TABLE(s_db_checkpoint_duration),
};
#undef TABLE
static atomic_uint_fast64_t dropped;

const struct metrics_family *metrics_family(enum metrics_id id)
{
    return &families[id];
}

static uint64_t labels_hash(const struct metrics_family *f, const char *const *labels)
{
    uint64_t h = HASH_FNV1A_OFFSET_BASIS;
    for (size_t i = 0; i < f->nlabels; i++) {
        const char *v = labels[i] ? labels[i] : "";
        size_t n = strnlen(v, METRICS_LABEL_VALUE_MAX - 1);
        h = (h ^ hash_bytes(v, n)) * HASH_FNV1A_PRIME;
    }
    return h;
}

static bool labels_equal(const struct metrics_family *f, const struct series *s,
                         const char *const *labels)
{
    for (size_t i = 0; i < f->nlabels; i++) {
        const char *v = labels[i] ? labels[i] : "";
        if (strncmp(s->labels[i], v, METRICS_LABEL_VALUE_MAX - 1) != 0)
            return false;
    }
    return true;
}

/* The series of labels in family id, made when new; NULL when the table is
 * full (counted). The tables' sizes bound each family's series. */
static struct series *series_of(enum metrics_id id, const char *const *labels)
{
    const struct metrics_family *f = &families[id];
    struct series *t = tables[id].series;
    size_t capacity = tables[id].capacity;
    uint64_t h = labels_hash(f, labels);
    for (size_t probe = 0; probe < capacity; probe++) {
        struct series *s = &t[(h + probe) % capacity];
        int state = atomic_load_explicit(&s->state, memory_order_acquire);
        if (state == SLOT_EMPTY) {
            int expected = SLOT_EMPTY;
            if (atomic_compare_exchange_strong(&s->state, &expected, SLOT_WRITING)) {
                s->hash = h;
                for (size_t i = 0; i < f->nlabels; i++)
                    snprintf(s->labels[i], sizeof s->labels[i], "%s", labels[i] ? labels[i] : "");
                atomic_store_explicit(&s->state, SLOT_READY, memory_order_release);
                return s;
            }
            state = expected;
        }
        /* Another thread is writing this slot's labels: a few stores. */
        while (state == SLOT_WRITING) {
            sched_yield();
            state = atomic_load_explicit(&s->state, memory_order_acquire);
        }
        if (s->hash == h && labels_equal(f, s, labels))
            return s;
    }
    atomic_fetch_add_explicit(&dropped, 1, memory_order_relaxed);
    return NULL;
}

void metrics_add(enum metrics_id id, const char *const *labels, uint64_t n)
{
    struct series *s = series_of(id, labels);
    if (s)
        atomic_fetch_add_explicit(&s->count, n, memory_order_relaxed);
}

void metrics_observe(enum metrics_id id, const char *const *labels, double value)
{
    const struct metrics_family *f = &families[id];
    struct series *s = series_of(id, labels);
    if (!s)
        return;
    if (!(value >= 0)) /* negative or NaN: a clock that stepped back */
        value = 0;
    size_t b = 0;
    while (b < f->nbuckets && value > f->buckets[b])
        b++;
    atomic_fetch_add_explicit(&s->buckets[b], 1, memory_order_relaxed);
    /* A duration past OBSERVE_MAX_S is a broken clock: counted at the cap,
     * so the conversion to integer nanoseconds stays defined. */
    double ns = (value < OBSERVE_MAX_S ? value : OBSERVE_MAX_S) * 1e9;
    atomic_fetch_add_explicit(&s->sum_ns, (uint64_t)(ns + 0.5), memory_order_relaxed);
}

double metrics_clock(void)
{
    return clock_ms(CLOCK_MONOTONIC) / 1e3;
}

void metrics_each(enum metrics_id id, void (*fn)(const struct metrics_sample *s, void *ctx),
                  void *ctx)
{
    const struct metrics_family *f = &families[id];
    struct series *t = tables[id].series;
    for (size_t i = 0; i < tables[id].capacity; i++) {
        struct series *s = &t[i];
        if (atomic_load_explicit(&s->state, memory_order_acquire) != SLOT_READY)
            continue;
        const char *labels[METRICS_LABELS_MAX];
        for (size_t l = 0; l < f->nlabels; l++)
            labels[l] = s->labels[l];
        uint64_t cumulative[METRICS_BUCKETS_MAX + 1], total = 0;
        struct metrics_sample sample = {.labels = labels};
        if (f->type == METRICS_COUNTER) {
            sample.count = atomic_load_explicit(&s->count, memory_order_relaxed);
        } else {
            for (size_t b = 0; b <= f->nbuckets; b++) {
                total += atomic_load_explicit(&s->buckets[b], memory_order_relaxed);
                cumulative[b] = total;
            }
            sample.count = total;
            sample.cumulative = cumulative;
            sample.sum = (double)atomic_load_explicit(&s->sum_ns, memory_order_relaxed) / 1e9;
        }
        fn(&sample, ctx);
    }
}

uint64_t metrics_dropped(void)
{
    return atomic_load_explicit(&dropped, memory_order_relaxed);
}

static double start_time;
static pthread_once_t start_once = PTHREAD_ONCE_INIT;

static void start_time_read(void)
{
    start_time = clock_ms(CLOCK_REALTIME) / 1e3;
}

double metrics_start_time(void)
{
    pthread_once(&start_once, start_time_read);
    return start_time;
}
