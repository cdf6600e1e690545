/* audit.c -- the audit_log table: appending a change's row inside its
 * transaction, and listing rows with filters for GET /api/v1/audit. */
#include "store/audit.h"

#include <stdlib.h>
#include <string.h>

#include "store/db.h"
#include "store/store_util.h"

int audit_write(sqlite3 *db, const struct audit_actor *actor, const char *action,
                const char *object_type, const char *object_id, const char *summary_json)
{
    sqlite3_stmt *st = db_stmt(db, "INSERT INTO audit_log (at, who, role, action, object_type,"
                                   " object_id, summary, client) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)");
    if (!st)
        return store_fail(db, "audit_write");
    sqlite3_bind_int64(st, 1, db_now());
    sqlite3_bind_text(st, 2, actor->who ? actor->who : "unknown", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, actor->role ? actor->role : "unknown", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, action, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, object_type, -1, SQLITE_STATIC);
    if (object_id)
        sqlite3_bind_text(st, 6, object_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, summary_json ? summary_json : "{}", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, actor->client ? actor->client : "", -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    db_stmt_done(st);
    return rc == SQLITE_DONE ? 0 : store_fail(db, "audit_write");
}

#define AUDIT_WHERE                                                                                \
    " FROM audit_log WHERE (?1 IS NULL OR who = ?1) AND (?2 IS NULL OR object_type = ?2)"          \
    " AND (?3 IS NULL OR object_id = ?3) AND (?4 IS NULL OR action = ?4) AND at >= ?5"

static void bind_filter(sqlite3_stmt *st, const struct audit_filter *f)
{
    const char *texts[] = {f->who, f->object_type, f->object_id, f->action};
    for (int i = 0; i < 4; i++)
        if (texts[i])
            sqlite3_bind_text(st, i + 1, texts[i], -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, f->since);
}

int audit_list(sqlite3 *db, const struct audit_filter *f, int64_t limit, int64_t offset,
               struct audit_row *out, int64_t *total)
{
    sqlite3_stmt *st;
    if (total) {
        if (!(st = db_stmt(db, "SELECT count(*)" AUDIT_WHERE)))
            return store_fail(db, "audit_count");
        bind_filter(st, f);
        int rc = sqlite3_step(st);
        *total = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
        db_stmt_done(st);
        if (rc != SQLITE_ROW)
            return store_fail(db, "audit_count");
    }
    if (!(st = db_stmt(db, "SELECT id, at, who, role, action, object_type, coalesce(object_id,''),"
                           " client, summary" AUDIT_WHERE " ORDER BY id DESC LIMIT ?6 OFFSET ?7")))
        return store_fail(db, "audit_list");
    bind_filter(st, f);
    sqlite3_bind_int64(st, 6, limit);
    sqlite3_bind_int64(st, 7, offset);
    int64_t n = 0;
    int rc;
    while (n < limit && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct audit_row *r = &out[n];
        memset(r, 0, sizeof *r);
        r->id = sqlite3_column_int64(st, 0);
        r->at = sqlite3_column_int64(st, 1);
        store_copy_text(r->who, sizeof r->who, st, 2);
        store_copy_text(r->role, sizeof r->role, st, 3);
        store_copy_text(r->action, sizeof r->action, st, 4);
        store_copy_text(r->object_type, sizeof r->object_type, st, 5);
        store_copy_text(r->object_id, sizeof r->object_id, st, 6);
        store_copy_text(r->client, sizeof r->client, st, 7);
        const char *s = (const char *)sqlite3_column_text(st, 8);
        r->summary = strdup(s ? s : "{}");
        n++;
        if (!r->summary) {
            db_stmt_done(st);
            audit_rows_free(out, (size_t)n);
            return -1;
        }
    }
    if (n < limit && rc != SQLITE_DONE) {
        db_stmt_done(st);
        audit_rows_free(out, (size_t)n);
        return store_fail(db, "audit_list");
    }
    db_stmt_done(st);
    return (int)n;
}

void audit_rows_free(struct audit_row *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++) {
        free(rows[i].summary);
        rows[i].summary = NULL;
    }
}
