/* shared_sessions.c -- the live USSD sessions in the database, shared by the
 * nodes of one (see shared_sessions.h). */
#include "store/shared_sessions.h"

#include <string.h>

#include "store/db.h"
#include "store/db_sql.h"
#include "store/nodes.h"
#include "store/store_util.h"
#include "sys/log.h"

int shared_sessions_lock(struct db *db, const char *key)
{
    if (!db_is_postgresql(db))
        return 0;
    /* The row is read after the lock, never in a snapshot taken before it
     * (a read transaction is REPEATABLE READ): the thread's one ends. */
    db_read_end();
    /* pg_advisory_lock returns void: the subquery's one row is counted. */
    struct db_stmt *st = db_stmt(db, "SELECT count(*) FROM (SELECT pg_advisory_lock("
                                     "CAST(?1 AS INTEGER), hashtext(?2))) AS l");
    if (!st)
        return store_fail(db, "shared_sessions_lock");
    db_bind_i64(st, 1, NODES_USSD_SESSION_CLASS);
    db_bind_text(st, 2, key);
    int64_t n = 0;
    return store_read_int64(db, st, &n, "shared_sessions_lock") == 0 && n == 1 ? 0 : -1;
}

int shared_sessions_unlock(struct db *db, const char *key)
{
    if (!db_is_postgresql(db))
        return 0;
    db_read_end(); /* a failed read transaction would refuse the unlock */
    struct db_stmt *st = db_stmt(db, "SELECT CASE WHEN pg_advisory_unlock(CAST(?1 AS INTEGER),"
                                     " hashtext(?2)) THEN 1 ELSE 0 END");
    if (!st)
        return store_fail(db, "shared_sessions_unlock");
    db_bind_i64(st, 1, NODES_USSD_SESSION_CLASS);
    db_bind_text(st, 2, key);
    int64_t held = 0; /* 0: lost with a reset of the connection (a notice says so) */
    return store_read_int64(db, st, &held, "shared_sessions_unlock") != 0 ? -1 : held == 1;
}

int shared_sessions_read(struct db *db, const char *key, int64_t since, unsigned char *record,
                         size_t cap, size_t *len, int64_t *last_seen, bool *closed)
{
    *len = 0;
    struct db_stmt *st = db_stmt(db, "SELECT record, last_seen, closed FROM ussd_sessions"
                                     " WHERE key = ?1 AND last_seen >= ?2");
    if (!st)
        return store_fail(db, "shared_sessions_read");
    db_bind_text(st, 1, key);
    db_bind_i64(st, 2, since);
    int rc = db_step(st);
    if (rc != DB_ROW) {
        db_stmt_done(st);
        if (rc == DB_DONE)
            return 0;
        db_log_error(db, "shared_sessions_read");
        return -1;
    }
    const void *p = db_col_blob(st, 0);
    size_t n = db_col_bytes(st, 0);
    bool fits = n <= cap;
    if (fits) {
        if (n)
            memcpy(record, p, n);
        *len = n;
        *last_seen = db_col_i64(st, 1);
        *closed = db_col_i64(st, 2) != 0;
    }
    db_stmt_done(st);
    if (!fits)
        log_warn("ussd_session_unreadable", "bytes=%zu room=%zu", n, cap);
    return fits ? 1 : -1;
}

/* Run st, prepared on db inside db_begin_claim's transaction (outside the
 * write lock all nodes share: a session's row is written only under its
 * key's lock, so a step never waits for another's commit, a held disk or a
 * broadcast's chunk), and end the transaction. *changes (when not NULL): the rows st changed. 0 or
 * -1. */
static int write_one(struct db *db, struct db_stmt *st, const char *what, int64_t *changes)
{
    if (!st) {
        db_rollback(db);
        return store_fail(db, what);
    }
    int rc = store_exec(db, st, what);
    if (changes)
        *changes = rc == 0 ? db_changes(db) : 0; /* before COMMIT, which changes none */
    return db_finish(db, rc);
}

int shared_sessions_put(struct db *db, const char *key, const unsigned char *record, size_t len,
                        int64_t last_seen, bool closed)
{
    if (db_begin_claim(db) != 0)
        return -1;
    struct db_stmt *st = db_stmt(db, "INSERT INTO ussd_sessions (key, record, last_seen, closed)"
                                     " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (key) DO UPDATE SET"
                                     " record = excluded.record, last_seen = excluded.last_seen,"
                                     " closed = excluded.closed");
    if (st) {
        db_bind_text(st, 1, key);
        db_bind_blob(st, 2, record, len);
        db_bind_i64(st, 3, last_seen);
        db_bind_i64(st, 4, closed ? 1 : 0);
    }
    return write_one(db, st, "shared_sessions_put", NULL);
}

int shared_sessions_delete(struct db *db, const char *key)
{
    if (db_begin_claim(db) != 0)
        return -1;
    struct db_stmt *st = db_stmt(db, "DELETE FROM ussd_sessions WHERE key = ?1");
    if (st)
        db_bind_text(st, 1, key);
    return write_one(db, st, "shared_sessions_delete", NULL);
}

int shared_sessions_close(struct db *db, const char *key, int64_t since)
{
    if (db_begin_claim(db) != 0)
        return -1;
    struct db_stmt *st = db_stmt(db, "UPDATE ussd_sessions SET closed = 1"
                                     " WHERE key = ?1 AND last_seen >= ?2");
    if (st) {
        db_bind_text(st, 1, key);
        db_bind_i64(st, 2, since);
    }
    int64_t changed = 0;
    return write_one(db, st, "shared_sessions_close", &changed) != 0 ? -1 : changed > 0;
}

int shared_sessions_count(struct db *db, int64_t since, int64_t *n)
{
    *n = 0;
    struct db_stmt *st = db_stmt(db, "SELECT count(*) FROM ussd_sessions WHERE last_seen >= ?1");
    if (!st)
        return store_fail(db, "shared_sessions_count");
    db_bind_i64(st, 1, since);
    return store_read_int64(db, st, n, "shared_sessions_count");
}

int shared_sessions_purge(struct db *db, int64_t since)
{
    struct db_stmt *st = db_stmt(db, "SELECT count(*) FROM (SELECT 1 FROM ussd_sessions"
                                     " WHERE last_seen < ?1 LIMIT 1) AS e");
    if (!st)
        return store_fail(db, "shared_sessions_purge");
    db_bind_i64(st, 1, since);
    int64_t any = 0;
    if (store_read_int64(db, st, &any, "shared_sessions_purge") != 0)
        return -1;
    if (!any)
        return 0;
    if (db_begin_claim(db) != 0)
        return -1;
    st = db_stmt(db, "DELETE FROM ussd_sessions WHERE key IN (SELECT key FROM ussd_sessions"
                     " WHERE last_seen < ?1 ORDER BY last_seen LIMIT ?2)");
    if (st) {
        db_bind_i64(st, 1, since);
        db_bind_i64(st, 2, SHARED_SESSIONS_PURGE_MAX);
    }
    int64_t deleted = 0;
    return write_one(db, st, "shared_sessions_purge", &deleted) != 0 ? -1 : (int)deleted;
}

int shared_sessions_room(struct db *db, int64_t since, int64_t max)
{
    int64_t live = 0;
    if (shared_sessions_count(db, since, &live) != 0)
        return -1;
    if (live < max)
        return 1;
    if (shared_sessions_purge(db, since) < 0 || shared_sessions_count(db, since, &live) != 0)
        return -1;
    if (live < max)
        return 1;
    if (db_begin_claim(db) != 0)
        return -1;
    struct db_stmt *st =
        db_stmt(db, "DELETE FROM ussd_sessions WHERE key IN (SELECT key FROM ussd_sessions"
                    " WHERE closed <> 0 ORDER BY last_seen LIMIT 1)");
    int64_t evicted = 0;
    return write_one(db, st, "shared_sessions_evict", &evicted) != 0 ? -1 : evicted > 0;
}
