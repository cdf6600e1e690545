/* db_checkpoint.c -- the WAL checkpointer (see db_checkpoint.h): what the
 * commits tell it through the wal hook (atomics), and its thread, which
 * checkpoints on a connection of its own without the write turn. */
#include "store/db_checkpoint.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "core/limits.h"
#include "store/db_sql.h"
#include "sys/log.h"
#include "sys/metrics.h"

/* What the commits tell, on the committing threads. */
static atomic_int wal_pages;          /* after the last commit or checkpoint */
static atomic_uint_fast64_t commits;  /* commits seen, ever */
static atomic_bool asked;             /* a checkpoint is wanted now */
static atomic_bool tight, recovering; /* the disk was found full; writes fail now */
static atomic_bool running;           /* the thread runs (the path below is set) */

static struct {
    pthread_mutex_t lock;  /* guards the fields below down to cap_next_ms */
    pthread_cond_t cond;   /* the thread's wake-up */
    pthread_cond_t capped; /* a RESTART at the cap ended */
    bool stopping;
    bool cap_asked;      /* a writer past the cap waits for a RESTART */
    uint64_t cap_done;   /* RESTARTs at the cap ended, ever */
    int64_t cap_next_ms; /* no new one before (one failed) */
    pthread_t thread;
    sqlite3 *db;
    char wal_path[600];
    int64_t recovered_ms; /* the last recovery TRUNCATE */
} ck = {.lock = PTHREAD_MUTEX_INITIALIZER,
        .cond = PTHREAD_COND_INITIALIZER,
        .capped = PTHREAD_COND_INITIALIZER};

/* The modes as counted: SQLITE_CHECKPOINT_PASSIVE .. TRUNCATE (0..3). */
static const char *const mode_names[] = {"passive", "full", "restart", "truncate"};

static int64_t monotonic_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int threshold(void)
{
    return atomic_load(&tight) ? DB_WAL_PAGES_TIGHT : DB_WAL_PAGES;
}

static void wake(void)
{
    pthread_mutex_lock(&ck.lock);
    pthread_cond_signal(&ck.cond);
    pthread_mutex_unlock(&ck.lock);
}

/* A CLOCK_REALTIME deadline ms from now, for pthread_cond_timedwait. */
static struct timespec deadline(int ms)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_sec += ms / 1000;
    t.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

/* The WAL is past its cap: this writer, in its write turn (no other writer
 * of the process can begin), asks the thread for a RESTART and waits for
 * it up to DB_WAL_CAP_WAIT_MS. None is asked within DB_WAL_CAP_INTERVAL_MS
 * of one that failed (a long reader): the writers do not wait each time. */
static void cap_wait(void)
{
    struct timespec until = deadline(DB_WAL_CAP_WAIT_MS);
    pthread_mutex_lock(&ck.lock);
    if (!ck.cap_asked && monotonic_ms() >= ck.cap_next_ms && !ck.stopping) {
        ck.cap_asked = true;
        pthread_cond_signal(&ck.cond);
    }
    for (uint64_t gen = ck.cap_done; ck.cap_asked && ck.cap_done == gen;)
        if (pthread_cond_timedwait(&ck.capped, &ck.lock, &until) != 0)
            break;
    pthread_mutex_unlock(&ck.lock);
}

int db_checkpoint_wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
    (void)arg;
    (void)db;
    (void)name;
    atomic_store(&wal_pages, pages);
    atomic_fetch_add(&commits, 1);
    if (pages < threshold() || !atomic_load(&running))
        return SQLITE_OK;
    if (pages >= threshold() * DB_WAL_CAP_TIMES)
        cap_wait();
    else if (!atomic_exchange(&asked, true))
        wake();
    return SQLITE_OK;
}

void db_checkpoint_disk_full(void)
{
    atomic_store(&tight, true);
    if (!atomic_exchange(&recovering, true) && atomic_load(&running))
        wake();
}

void db_checkpoint_disk_ok(void)
{
    atomic_store(&recovering, false);
}

/* The WAL file's size now (0 when absent). */
static int64_t wal_bytes(void)
{
    struct stat st;
    return stat(ck.wal_path, &st) == 0 ? (int64_t)st.st_size : 0;
}

void db_checkpoint_wal(struct db_wal_size *out)
{
    out->pages = atomic_load(&wal_pages);
    out->bytes = atomic_load(&running) ? wal_bytes() : -1;
}

/* One checkpoint in mode, waiting up to wait_ms for the writer and readers
 * in the way (0: not at all), counted; *log and *done are SQLite's (pages
 * in the WAL, pages of it in the database). Returns SQLite's code. */
static int checkpoint(int mode, int wait_ms, int *log, int *done)
{
    *log = *done = -1;
    sqlite3_busy_timeout(ck.db, wait_ms);
    double t0 = metrics_clock();
    int rc = sqlite3_wal_checkpoint_v2(ck.db, NULL, mode, log, done);
    const char *const by_mode[] = {mode_names[mode]};
    metrics_observe(METRICS_DB_CHECKPOINT_DURATION, by_mode, metrics_clock() - t0);
    const char *const labels[] = {mode_names[mode], rc == SQLITE_OK     ? "ok"
                                                    : rc == SQLITE_BUSY ? "busy"
                                                                        : "error"};
    metrics_inc(METRICS_DB_CHECKPOINTS, labels);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY)
        log_collapsed(LOG_WARN, "ckpt_error", LOG_COLLAPSE_INTERVAL_MS, "db_checkpoint_failed",
                      "mode=%s error=%s", mode_names[mode], sqlite3_errstr(rc));
    if (rc == SQLITE_OK && mode != SQLITE_CHECKPOINT_PASSIVE)
        atomic_store(&wal_pages, 0); /* restarted: the next commit writes from the start */
    else if (*log >= 0)
        atomic_store(&wal_pages, *log);
    return rc;
}

/* While writes fail for want of space: the WAL's space back, at most once
 * per DB_RECOVERY_INTERVAL_MS (event db_checkpoint). */
static void recover(void)
{
    int64_t now = monotonic_ms();
    if (now - ck.recovered_ms < DB_RECOVERY_INTERVAL_MS)
        return;
    ck.recovered_ms = now;
    int log, done;
    int rc = checkpoint(SQLITE_CHECKPOINT_TRUNCATE, DB_WAL_CAP_WAIT_MS, &log, &done);
    log_collapsed(rc == SQLITE_OK ? LOG_INFO : LOG_WARN, rc == SQLITE_OK ? "ckpt_ok" : "ckpt_fail",
                  LOG_COLLAPSE_INTERVAL_MS, "db_checkpoint", "mode=truncate result=%s",
                  sqlite3_errstr(rc));
}

/* PASSIVE, then `then` without waiting when nothing was left to copy and
 * no commit came meanwhile (a RESTART or TRUNCATE then copies nothing
 * while it holds SQLite's write lock). Returns the PASSIVE's code. */
static int catch_up(int then, int *log, int *done)
{
    uint64_t before = atomic_load(&commits);
    int rc = checkpoint(SQLITE_CHECKPOINT_PASSIVE, 0, log, done);
    if (rc == SQLITE_OK && *done == *log && atomic_load(&commits) == before)
        checkpoint(then, 0, log, done);
    return rc;
}

/* A writer waits past the cap (cap_wait): RESTART, waiting up to
 * DB_WAL_CAP_WAIT_MS for the readers in the way (the writers wait in turn
 * behind that writer), then let it go. */
static void cap(void)
{
    int log, done;
    int rc = checkpoint(SQLITE_CHECKPOINT_RESTART, DB_WAL_CAP_WAIT_MS, &log, &done);
    pthread_mutex_lock(&ck.lock);
    ck.cap_asked = false;
    ck.cap_done++;
    if (rc != SQLITE_OK)
        ck.cap_next_ms = monotonic_ms() + DB_WAL_CAP_INTERVAL_MS;
    pthread_cond_broadcast(&ck.capped);
    pthread_mutex_unlock(&ck.lock);
    if (rc != SQLITE_OK) /* a reader older than the WAL's start: it grows while it reads */
        log_collapsed(LOG_WARN, "ckpt_cap", LOG_COLLAPSE_INTERVAL_MS, "db_wal_over_cap",
                      "pages=%d result=%s", log, sqlite3_errstr(rc));
}

/* One look: a writer waiting at the cap, or woken past the threshold (a
 * commit during the last look wakes it again: the chase goes on while the
 * writers write), or idle (no commit since the last look, DB_WAL_IDLE_MS
 * ago), or neither. */
static void look(bool capped, bool woken, bool idle)
{
    int log, done;
    if (capped)
        cap();
    else if (atomic_load(&recovering))
        recover();
    else if (idle && wal_bytes() > 0)
        catch_up(SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
    else if (woken)
        catch_up(SQLITE_CHECKPOINT_RESTART, &log, &done);
}

/* The thread: wait for a wake-up or DB_WAL_IDLE_MS, look, until stopped. */
static void *run(void *arg)
{
    (void)arg;
    uint64_t seen = atomic_load(&commits);
    pthread_mutex_lock(&ck.lock);
    while (!ck.stopping) {
        if (!atomic_load(&asked) && !ck.cap_asked) {
            struct timespec until = deadline(DB_WAL_IDLE_MS);
            pthread_cond_timedwait(&ck.cond, &ck.lock, &until);
        }
        if (ck.stopping)
            break;
        bool capped = ck.cap_asked;
        pthread_mutex_unlock(&ck.lock);
        bool woken = atomic_exchange(&asked, false);
        uint64_t now = atomic_load(&commits);
        look(capped, woken, !capped && !woken && now == seen);
        seen = now;
        pthread_mutex_lock(&ck.lock);
    }
    ck.cap_asked = false; /* a writer still waiting goes on */
    pthread_cond_broadcast(&ck.capped);
    pthread_mutex_unlock(&ck.lock);
    return NULL;
}

int db_checkpointer_start(const char *path)
{
    if (atomic_load(&running))
        return 0;
    char q[640];
    if (snprintf(ck.wal_path, sizeof ck.wal_path, "%s-wal", path) >= (int)sizeof ck.wal_path ||
        sqlite3_open_v2(path, &ck.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
            SQLITE_OK) {
        log_error("db_checkpointer_failed", "path=%s error=%s", log_quote(path, q, sizeof q),
                  ck.db ? sqlite3_errmsg(ck.db) : "path too long or out of memory");
        sqlite3_close(ck.db);
        ck.db = NULL;
        return -1;
    }
    sqlite3_extended_result_codes(ck.db, 1);
    /* A first read opens the WAL: until then a checkpoint does nothing. */
    if (sqlite3_exec(ck.db, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL) != SQLITE_OK)
        log_warn("db_checkpointer_read_failed", "error=%s", sqlite3_errmsg(ck.db));
    ck.stopping = false;
    if (atomic_load(&wal_pages) >= threshold())
        atomic_store(&asked, true); /* what was written before (migrations, demo data) */
    atomic_store(&running, true);
    if (pthread_create(&ck.thread, NULL, run, NULL) != 0) {
        atomic_store(&running, false);
        log_error("db_checkpointer_failed", "path=%s error=\"no thread\"",
                  log_quote(path, q, sizeof q));
        sqlite3_close(ck.db);
        ck.db = NULL;
        return -1;
    }
    return 0;
}

void db_checkpointer_stop(void)
{
    if (!atomic_load(&running))
        return;
    pthread_mutex_lock(&ck.lock);
    ck.stopping = true;
    pthread_cond_signal(&ck.cond);
    pthread_mutex_unlock(&ck.lock);
    pthread_join(ck.thread, NULL);
    int log, done; /* the writers have stopped; a WAL past its cap waits for the next start */
    if (atomic_load(&wal_pages) <= threshold() * DB_WAL_CAP_TIMES)
        catch_up(SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
    atomic_store(&running, false);
    sqlite3_close(ck.db);
    ck.db = NULL;
}
