/* db_health.c -- the store's health on a full disk: the flag writes that
 * fail for want of space set (db_ping answers -1 meanwhile), the WAL
 * checkpoints that give space back, and failed statements logged with
 * identical errors collapsed. Internal to store/db (db_health.h). */
#include "store/db_health.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "core/limits.h"
#include "sys/log.h"

/* Store health (db_ping): set by writes failing with SQLITE_FULL or
 * SQLITE_IOERR, cleared by the next commit that changed something. */
static atomic_bool writes_failing;
static atomic_bool disk_tight; /* a write failed for want of space, once */
static _Atomic int64_t checkpoint_last_ms, probe_last_ms;

static int64_t monotonic_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Whether the caller may act now, at most once per DB_RECOVERY_INTERVAL_MS
 * for *last across threads. */
static bool recovery_due(_Atomic int64_t *last)
{
    int64_t now = monotonic_ms(), then = atomic_load(last);
    return now - then >= DB_RECOVERY_INTERVAL_MS &&
           atomic_compare_exchange_strong(last, &then, now);
}

/* Look at db's last error: a full disk or an I/O error sets the flag. */
void db_health_note_error(sqlite3 *db)
{
    int rc = sqlite3_extended_errcode(db) & 0xff; /* SQLITE_IOERR_WRITE... as SQLITE_IOERR */
    if (rc != SQLITE_FULL && rc != SQLITE_IOERR)
        return;
    atomic_store(&disk_tight, true);
    if (!atomic_exchange(&writes_failing, true)) {
        char q[300];
        log_error("db_writes_failing",
                  "error=%s reason=\"disk full or I/O error: /healthz answers 503 until a write "
                  "succeeds\"",
                  log_quote(sqlite3_errmsg(db), q, sizeof q));
    }
}

void db_health_note_ok(void)
{
    if (atomic_exchange(&writes_failing, false))
        log_info("db_writes_resumed", NULL);
}

bool db_health_failing(void)
{
    return atomic_load(&writes_failing);
}

/* While writes fail, give the WAL's space back (see db_ping in db.h).
 * Called outside a transaction. */
void db_health_checkpoint(sqlite3 *db)
{
    if (!atomic_load(&writes_failing) || !recovery_due(&checkpoint_last_ms))
        return;
    int rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    log_collapsed(rc == SQLITE_OK ? LOG_INFO : LOG_WARN, rc == SQLITE_OK ? "ckpt_ok" : "ckpt_fail",
                  LOG_COLLAPSE_INTERVAL_MS, "db_checkpoint", "mode=truncate result=%s",
                  sqlite3_errstr(rc));
}

/* After each commit (sqlite3_wal_hook, in place of SQLite's automatic
 * checkpoint with the same threshold): a passive checkpoint once the WAL
 * holds DB_WAL_PAGES pages, or DB_WAL_PAGES_TIGHT once the disk has been
 * found full, so the WAL is reused instead of growing into freed space. */
int db_health_wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
    (void)arg;
    if (pages >= (atomic_load(&disk_tight) ? DB_WAL_PAGES_TIGHT : DB_WAL_PAGES))
        sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    return SQLITE_OK;
}

/* Log a failed statement; identical errors (same code) are collapsed with
 * a count, so a full disk is a few lines, not one per request. */
void db_health_log_error(sqlite3 *db, const char *query, const char *error)
{
    char key[32], q[512];
    snprintf(key, sizeof key, "db_error:%d", sqlite3_extended_errcode(db));
    log_collapsed(LOG_ERROR, key, LOG_COLLAPSE_INTERVAL_MS, "db_error", "query=%s error=%s", query,
                  log_quote(error, q, sizeof q));
}

bool db_health_probe_due(void)
{
    return atomic_load(&writes_failing) && recovery_due(&probe_last_ms);
}
