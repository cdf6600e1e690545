/* purge.c -- growing tables trimmed by age, one bounded DELETE per write
 * transaction (see purge.h). */
#include "store/purge.h"

#include <time.h>

#include "store/db.h"
#include "store/db_sql.h"
#include "store/store_util.h"

/* Rows picked by their key, or by where the engine keeps them (SQLite's
 * rowid, PostgreSQL's ctid) for a table whose key has four columns; pg is
 * PostgreSQL's spelling where it differs. */
static const struct {
    const char *table, *sql, *pg;
} purges[PURGE_KINDS] = {
    [PURGE_INBOUND_PARTS] = {"inbound_parts",
                             "DELETE FROM inbound_parts WHERE rowid IN (SELECT rowid FROM"
                             " inbound_parts WHERE created_at < ?1 LIMIT ?2)",
                             "DELETE FROM inbound_parts WHERE ctid IN (SELECT ctid FROM"
                             " inbound_parts WHERE created_at < ?1 LIMIT ?2)"},
    [PURGE_USSD_DRAFTS] = {"ussd_drafts", "DELETE FROM ussd_drafts WHERE phone IN (SELECT phone"
                                          " FROM ussd_drafts WHERE updated_at < ?1 LIMIT ?2)"},
    [PURGE_SMS_EXCHANGES] = {"sms_conversations",
                             "DELETE FROM sms_conversations WHERE phone IN (SELECT phone FROM"
                             " sms_conversations WHERE updated_at < ?1 LIMIT ?2)"},
    [PURGE_AUDIT] = {"audit_log", "DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log"
                                  " WHERE at < ?1 ORDER BY at LIMIT ?2)"},
    [PURGE_CONSOLE_SESSIONS] = {"staff_sessions",
                                "DELETE FROM staff_sessions WHERE id IN (SELECT id FROM"
                                " staff_sessions WHERE coalesce(ended_at, last_seen_at) < ?1"
                                " LIMIT ?2)"},
    [PURGE_USSD_SESSION_ENDS] = {"ussd_session_ends",
                                 "DELETE FROM ussd_session_ends WHERE id IN (SELECT id FROM"
                                 " ussd_session_ends WHERE created_at < ?1 ORDER BY created_at"
                                 " LIMIT ?2)"},
};

const char *purge_table(enum purge_kind kind)
{
    return kind < PURGE_KINDS ? purges[kind].table : "?";
}

long purge_batch(struct db *db, enum purge_kind kind, int64_t before, size_t max, double *hold_ms)
{
    *hold_ms = 0;
    if (kind >= PURGE_KINDS || db_begin(db) != 0)
        return -1;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    const char *sql = db_is_postgresql(db) && purges[kind].pg ? purges[kind].pg : purges[kind].sql;
    struct db_stmt *st = db_stmt(db, sql);
    if (!st) {
        db_rollback(db);
        return store_fail(db, purges[kind].table);
    }
    db_bind_i64(st, 1, before);
    db_bind_i64(st, 2, (int64_t)max);
    if (store_exec(db, st, purges[kind].table) != 0) {
        db_rollback(db);
        return -1;
    }
    long n = (long)db_changes(db);
    if (db_commit(db) != 0)
        return -1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    *hold_ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    return n;
}
