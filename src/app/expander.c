/* expander.c -- the thread that runs chunked broadcast expansions (see
 * expander.h): a chunk per expanding broadcast in turn, each span sized
 * from the times the chunks before held the write lock (app/expand_span),
 * a pause between chunks. */
#include "app/expander.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/broadcast_expand.h"
#include "app/expand_span.h"
#include "core/limits.h"
#include "store/db.h"
#include "store/db_checkpoint.h"
#include "sys/clock.h"
#include "sys/log.h"

/* One broadcast being expanded, as this thread counts it. */
struct expansion {
    int64_t id;
    struct expand_span span; /* member ids of its next chunk */
    size_t chunks;
    double longest_ms, sum_ms, started_ms;
    double longest_commit_ms; /* of which COMMIT, in the longest chunk's or another */
    double longest_cpu_ms;    /* the longest chunk's CPU time */
    double longest_runq_ms;   /* and its wait for a core (the rest: blocked, the disk) */
    double sum_cpu_ms, sum_runq_ms;
    size_t over;           /* chunks that held it longer than EXPAND_HOLD_LIMIT_MS */
    size_t wal_waits;      /* chunks put off while the WAL was long */
    int64_t wal_pages_max; /* the WAL's longest after a chunk */
};

struct expander {
    pthread_t thread;
    bool stopping;
    int64_t fixed_span; /* test build: a fixed span; 0: adapted */
    int pause_ms;
    int64_t wal_pages; /* a chunk waits while the WAL holds as many */
    struct expansion list[EXPAND_BROADCASTS_MAX];
    size_t n;
};

/* The wake-up is process-wide: a send wakes whichever expander runs. */
static pthread_mutex_t wake_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake_cond = PTHREAD_COND_INITIALIZER;
static bool wake_pending;

void expander_wake(void)
{
    pthread_mutex_lock(&wake_lock);
    wake_pending = true;
    pthread_cond_broadcast(&wake_cond);
    pthread_mutex_unlock(&wake_lock);
}

static void pause_ms(int ms)
{
    struct timespec d = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&d, NULL);
}

#ifdef TAAWUN_TEST_HOOKS
static void take_test_knobs(struct expander *x)
{
    const char *span = getenv(EXPANDER_SPAN_ENV), *pause = getenv(EXPANDER_PAUSE_ENV),
               *wal = getenv(EXPANDER_WAL_PAGES_ENV);
    if (wal && *wal && strtoll(wal, NULL, 10) > 0)
        x->wal_pages = strtoll(wal, NULL, 10);
    if (span && *span)
        x->fixed_span = strtoll(span, NULL, 10) > 0 ? strtoll(span, NULL, 10) : 0;
    if (pause && *pause)
        x->pause_ms = atoi(pause) >= 0 ? atoi(pause) : EXPAND_PAUSE_MS;
    if (x->fixed_span || (pause && *pause) || x->wal_pages != EXPAND_WAL_PAGES)
        log_warn("test_expander", "span=%lld pause_ms=%d wal_pages=%lld", (long long)x->fixed_span,
                 x->pause_ms, (long long)x->wal_pages);
}
#else
static void take_test_knobs(struct expander *x)
{
    (void)x; /* production: the limits, always; the environment is not read */
}
#endif

/* Wait for a wake-up, EXPAND_POLL_MS at most, or the stop. Returns whether
 * woken by a send. */
static bool wait_wake(struct expander *x)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += EXPAND_POLL_MS / 1000;
    until.tv_nsec += (long)(EXPAND_POLL_MS % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&wake_lock);
    while (!wake_pending && !x->stopping)
        if (pthread_cond_timedwait(&wake_cond, &wake_lock, &until) == ETIMEDOUT)
            break;
    bool woken = wake_pending;
    wake_pending = false;
    pthread_mutex_unlock(&wake_lock);
    return woken;
}

static bool stopping(struct expander *x)
{
    pthread_mutex_lock(&wake_lock);
    bool s = x->stopping;
    pthread_mutex_unlock(&wake_lock);
    return s;
}

static struct expansion *expansion_of(struct expander *x, int64_t id)
{
    for (size_t i = 0; i < x->n; i++)
        if (x->list[i].id == id)
            return &x->list[i];
    if (x->n == EXPAND_BROADCASTS_MAX)
        return NULL;
    struct expansion *e = &x->list[x->n++];
    *e = (struct expansion){.id = id, .started_ms = clock_ms(CLOCK_MONOTONIC)};
    expand_span_init(&e->span);
    if (x->fixed_span)
        e->span.span = x->fixed_span;
    return e;
}

static void expansion_forget(struct expander *x, struct expansion *e)
{
    *e = x->list[--x->n];
}

/* The WAL's pages now (those the last commit or checkpoint left). */
static int64_t wal_pages(void)
{
    struct db_wal_size w;
    db_checkpoint_wal(&w);
    return w.pages;
}

/* While the WAL holds EXPAND_WAL_PAGES pages or more, the next chunk waits
 * (EXPAND_WAL_WAIT_MS at most): a chunk every few ms leaves the
 * checkpointer no moment without a commit to restart the WAL in, and the
 * writer that takes it past its cap waits for a RESTART in its write turn
 * (store/db_checkpoint) -- that writer could be a USSD step. Returns
 * whether it waited. */
static bool wal_wait(const struct expander *x)
{
    if (wal_pages() < x->wal_pages)
        return false;
    for (int waited = 0; waited < EXPAND_WAL_WAIT_MS && wal_pages() >= x->wal_pages;
         waited += EXPAND_PAUSE_MS)
        pause_ms(EXPAND_PAUSE_MS);
    return true;
}

/* The broadcast_expanded line: the chunks' write holds, the longest's
 * parts (COMMIT; CPU, waiting for a core, the rest blocked: the disk) and
 * the share of each in all the holds. */
static void log_expanded(const struct expansion *e, const struct broadcast_chunk *c)
{
    double sum = e->sum_ms > 0 ? e->sum_ms : 1;
    log_info("broadcast_expanded",
             "id=%lld messages=%lld chunks=%zu longest_hold_ms=%.1f mean_hold_ms=%.1f "
             "longest_commit_ms=%.1f longest_hold_cpu_ms=%.1f longest_hold_runq_ms=%.1f "
             "over_limit=%zu hold_cpu_pct=%.0f hold_runq_pct=%.0f wal_waits=%zu "
             "wal_pages_max=%lld seconds=%.2f",
             (long long)e->id, (long long)c->queued, e->chunks, e->longest_ms,
             e->sum_ms / (double)e->chunks, e->longest_commit_ms, e->longest_cpu_ms,
             e->longest_runq_ms, e->over, 100 * e->sum_cpu_ms / sum, 100 * e->sum_runq_ms / sum,
             e->wal_waits, (long long)e->wal_pages_max,
             (clock_ms(CLOCK_MONOTONIC) - e->started_ms) / 1e3);
}

/* One chunk of broadcast id. Returns 0, or -1 when it failed (retried at
 * the next look). */
static int expand_one(struct expander *x, struct db *db, int64_t id)
{
    struct expansion *e = expansion_of(x, id);
    if (!e)
        return 0; /* more at once than the table: served once one ends */
    e->wal_waits += wal_wait(x);
    struct broadcast_chunk c;
    int64_t span = e->span.span; /* a fixed test span: whole, never cut short */
    if (broadcast_expand_chunk(db, id, span, x->fixed_span ? 0 : EXPAND_CHUNK_TARGET_MS, &c) != 0) {
        log_collapsed(LOG_WARN, "broadcast_expand", LOG_COLLAPSE_INTERVAL_MS,
                      "broadcast_expand_failed", "id=%lld detail=\"retried\"", (long long)id);
        return -1;
    }
    if (c.stopped) {
        log_info("broadcast_expand_stopped", "id=%lld chunks=%zu", (long long)id, e->chunks);
        expansion_forget(x, e);
        return 0;
    }
    e->chunks++;
    e->sum_ms += c.hold_ms;
    int64_t pages = wal_pages();
    if (pages > e->wal_pages_max)
        e->wal_pages_max = pages;
    e->over += c.hold_ms > EXPAND_HOLD_LIMIT_MS;
    e->sum_cpu_ms += c.cpu_ms;
    e->sum_runq_ms += c.runq_ms;
    if (c.hold_ms > e->longest_ms) {
        e->longest_ms = c.hold_ms;
        e->longest_cpu_ms = c.cpu_ms;
        e->longest_runq_ms = c.runq_ms;
    }
    if (c.commit_ms > e->longest_commit_ms)
        e->longest_commit_ms = c.commit_ms;
    if (!x->fixed_span)
        expand_span_next(&e->span, c.covered, c.hold_ms);
    log_debug("broadcast_chunk",
              "id=%lld span=%lld covered=%lld written=%lld after=%lld queued=%lld total=%lld "
              "hold_ms=%.1f commit_ms=%.1f cpu_ms=%.1f runq_ms=%.1f",
              (long long)id, (long long)span, (long long)c.covered, (long long)c.written,
              (long long)c.after, (long long)c.queued, (long long)c.total, c.hold_ms, c.commit_ms,
              c.cpu_ms, c.runq_ms);
    if (c.done) {
        log_expanded(e, &c);
        expansion_forget(x, e);
    }
    return 0;
}

/* The broadcasts expanding now into ids. When woken by a send, the write
 * turn is taken once first: the transaction that began the expansion has
 * then committed, so it is seen. */
static int look(struct db *db, bool woken, int64_t *ids)
{
    if (woken && (db_begin(db) != 0 || db_commit(db) != 0))
        return -1;
    return broadcasts_expanding(db, ids, EXPAND_BROADCASTS_MAX);
}

/* Expansions this thread counted that are no longer expanding (cancelled
 * between two chunks) end here. */
static void forget_gone(struct expander *x, const int64_t *ids, int n)
{
    for (size_t i = 0; i < x->n;) {
        bool listed = false;
        for (int k = 0; k < n && !listed; k++)
            listed = ids[k] == x->list[i].id;
        if (listed) {
            i++;
            continue;
        }
        log_info("broadcast_expand_stopped", "id=%lld chunks=%zu", (long long)x->list[i].id,
                 x->list[i].chunks);
        expansion_forget(x, &x->list[i]);
    }
}

static void *run(void *arg)
{
    struct expander *x = arg;
    struct db *db = db_thread();
    if (db && broadcasts_expander_connection(db) != 0)
        db = NULL; /* logged */
    bool woken = false;
    while (db && !stopping(x)) {
        int64_t ids[EXPAND_BROADCASTS_MAX];
        int n = look(db, woken, ids);
        bool failed = n < 0;
        if (n >= 0)
            forget_gone(x, ids, n);
        for (int i = 0; i < n && !stopping(x); i++) {
            failed |= expand_one(x, db, ids[i]) != 0;
            pause_ms(x->pause_ms);
        }
        woken = n > 0 && !failed ? false : wait_wake(x);
    }
    return NULL;
}

struct expander *expander_start(void)
{
    struct expander *x = calloc(1, sizeof *x);
    if (!x)
        return NULL;
    x->pause_ms = EXPAND_PAUSE_MS;
    x->wal_pages = EXPAND_WAL_PAGES;
    take_test_knobs(x);
    if (pthread_create(&x->thread, NULL, run, x) != 0) {
        log_error("expander_start_failed", NULL);
        free(x);
        return NULL;
    }
    return x;
}

void expander_stop(struct expander *x)
{
    if (!x)
        return;
    pthread_mutex_lock(&wake_lock);
    x->stopping = true;
    pthread_cond_broadcast(&wake_cond);
    pthread_mutex_unlock(&wake_lock);
    pthread_join(x->thread, NULL);
    free(x);
}
