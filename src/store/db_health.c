/* db_health.c -- the store's health on a full disk: the flag writes that
 * fail for want of space set (db_ping answers -1 meanwhile; the WAL
 * checkpointer told, which gives the WAL's space back), and failed
 * statements logged with identical errors collapsed. Internal to store/db
 * (db_health.h). */
#include "store/db_health.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "core/limits.h"
#include "store/db_checkpoint.h"
#include "store/db_sql.h"
#include "sys/log.h"

/* Store health (db_ping): set by writes failing with SQLITE_FULL or
 * SQLITE_IOERR, cleared by the next commit that changed something. */
static atomic_bool writes_failing;
static _Atomic int64_t probe_last_ms;

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
void db_health_note_error(struct db *db)
{
    int rc = db_errcode(db) & 0xff; /* SQLITE_IOERR_WRITE... as SQLITE_IOERR */
    if (rc != SQLITE_FULL && rc != SQLITE_IOERR)
        return;
    db_checkpoint_disk_full();
    if (!atomic_exchange(&writes_failing, true)) {
        char q[300];
        log_error("db_writes_failing",
                  "error=%s reason=\"disk full, I/O error or the database server lost:"
                  " /healthz answers 503 until a write succeeds\"",
                  log_quote(db_errmsg(db), q, sizeof q));
    }
}

void db_health_note_ok(void)
{
    if (atomic_exchange(&writes_failing, false)) {
        db_checkpoint_disk_ok();
        log_info("db_writes_resumed", NULL);
    }
}

bool db_health_failing(void)
{
    return atomic_load(&writes_failing);
}

/* Log a failed statement; identical errors (same code) are collapsed with
 * a count, so a full disk is a few lines, not one per request. */
void db_health_log_error(struct db *db, const char *query, const char *error)
{
    char key[32], q[512];
    snprintf(key, sizeof key, "db_error:%d", db_errcode(db));
    log_collapsed(LOG_ERROR, key, LOG_COLLAPSE_INTERVAL_MS, "db_error", "query=%s error=%s", query,
                  log_quote(error, q, sizeof q));
}

bool db_health_probe_due(void)
{
    return atomic_load(&writes_failing) && recovery_due(&probe_last_ms);
}
