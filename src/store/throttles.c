/* throttles.c -- failed authentications per client address in the
 * database (see throttles.h). */
#include "store/throttles.h"

#include <stdbool.h>

#include "store/db.h"
#include "store/db_sql.h"
#include "store/store_util.h"

/* The one integer sql (of ?1 = the scope, ?2 = the client) reads into
 * *out. 0 or -1 (logged as what). */
static int read_int(struct db *db, const char *sql, const struct throttles_policy *p,
                    const char *client, const char *what, int64_t *out)
{
    struct db_stmt *st = db_stmt(db, sql);
    if (!st)
        return store_fail(db, what);
    db_bind_text(st, 1, p->scope);
    db_bind_text(st, 2, client);
    return store_read_int64(db, st, out, what) < 0 ? -1 : 0;
}

int throttles_blocked(struct db *db, const struct throttles_policy *p, const char *client,
                      int64_t now)
{
    int64_t until = 0;
    if (read_int(db,
                 "SELECT coalesce(max(blocked_until), 0) FROM throttles"
                 " WHERE scope = ?1 AND client = ?2",
                 p, client, "throttles_blocked", &until) != 0)
        return -1;
    return until > now ? (int)(until - now) : 0;
}

int throttles_failed(struct db *db, const struct throttles_policy *p, const char *client,
                     int64_t now)
{
    if (db_begin(db) != 0)
        return -1;
    /* A window over starts again at 1; a block is never cut short. */
    struct db_stmt *st =
        db_stmt(db, "INSERT INTO throttles (scope, client, window_start, failures, blocked_until)"
                    " VALUES (?1, ?2, ?3, 1, 0) ON CONFLICT (scope, client) DO UPDATE SET"
                    " failures = CASE WHEN throttles.window_start + ?4 <= ?3 THEN 1"
                    " ELSE throttles.failures + 1 END,"
                    " window_start = CASE WHEN throttles.window_start + ?4 <= ?3 THEN ?3"
                    " ELSE throttles.window_start END"
                    " RETURNING failures, blocked_until");
    if (!st) {
        db_rollback(db);
        return store_fail(db, "throttles_failed");
    }
    db_bind_text(st, 1, p->scope);
    db_bind_text(st, 2, client);
    db_bind_i64(st, 3, now);
    db_bind_i64(st, 4, p->window_s);
    int rc = db_step(st);
    int failures = rc == DB_ROW ? db_col_int(st, 0) : 0;
    int64_t until = rc == DB_ROW ? db_col_i64(st, 1) : 0;
    db_stmt_done(st);
    if (rc != DB_ROW) {
        db_log_error(db, "throttles_failed");
        db_rollback(db);
        return -1;
    }
    bool blocks = failures >= p->failures_max && until <= now;
    if (blocks) {
        st = db_stmt(db, "UPDATE throttles SET blocked_until = ?3 WHERE scope = ?1"
                         " AND client = ?2");
        if (!st) {
            db_rollback(db);
            return store_fail(db, "throttles_block");
        }
        db_bind_text(st, 1, p->scope);
        db_bind_text(st, 2, client);
        db_bind_i64(st, 3, now + p->block_s);
        if (store_exec(db, st, "throttles_block") != 0) {
            db_rollback(db);
            return -1;
        }
    }
    return db_commit(db) != 0 ? -1 : blocks ? failures : 0;
}

int throttles_succeeded(struct db *db, const struct throttles_policy *p, const char *client,
                        int64_t now)
{
    (void)now;
    /* Every authenticated request passes here: a read, and a write only
     * when there is something to forget. */
    int64_t n = 0;
    if (read_int(db,
                 "SELECT count(*) FROM throttles WHERE scope = ?1 AND client = ?2"
                 " AND blocked_until = 0",
                 p, client, "throttles_succeeded", &n) != 0)
        return -1;
    if (n == 0)
        return 0;
    if (db_begin(db) != 0)
        return -1;
    struct db_stmt *st = db_stmt(db, "DELETE FROM throttles WHERE scope = ?1 AND client = ?2"
                                     " AND blocked_until = 0");
    if (!st) {
        db_rollback(db);
        return store_fail(db, "throttles_succeeded");
    }
    db_bind_text(st, 1, p->scope);
    db_bind_text(st, 2, client);
    return db_finish(db, store_exec(db, st, "throttles_succeeded"));
}
