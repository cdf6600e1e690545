/* audit.c -- the audit_log table: appending a change's row inside its
 * transaction, and listing rows with filters for GET /api/v1/audit. */
#include "store/audit.h"

#include <stdlib.h>
#include <string.h>

#include "store/db.h"
#include "store/db_sql.h"
#include "store/store_util.h"

int audit_write(struct db *db, const struct audit_actor *actor, const char *action,
                const char *object_type, const char *object_id, const char *summary_json)
{
    struct db_stmt *st = db_stmt(db, "INSERT INTO audit_log (at, who, role, action, object_type,"
                                     " object_id, summary, client) VALUES (:at, :who, :role,"
                                     " :action, :object_type, :object_id, :summary, :client)");
    if (!st)
        return store_fail(db, "audit_write");
    store_bind_int64(st, ":at", db_now());
    store_bind_text(st, ":who", actor->who ? actor->who : "unknown");
    store_bind_text(st, ":role", actor->role ? actor->role : "unknown");
    store_bind_text(st, ":action", action);
    store_bind_text(st, ":object_type", object_type);
    store_bind_text(st, ":object_id", object_id);
    store_bind_text(st, ":summary", summary_json ? summary_json : "{}");
    store_bind_text(st, ":client", actor->client ? actor->client : "");
    return store_exec(db, st, "audit_write");
}

/* Each filter NULL for any, typed where it first stands (PostgreSQL cannot
 * tell a parameter's type from IS NULL alone). */
#define AUDIT_WHERE                                                                                \
    " FROM audit_log WHERE (CAST(:who AS TEXT) IS NULL OR who = :who)"                             \
    " AND (CAST(:object_type AS TEXT) IS NULL OR object_type = :object_type)"                      \
    " AND (CAST(:object_id AS TEXT) IS NULL OR object_id = :object_id)"                            \
    " AND (CAST(:action AS TEXT) IS NULL OR action = :action) AND at >= :since"

static void bind_filter(struct db_stmt *st, const struct audit_filter *f)
{
    store_bind_text(st, ":who", f->who); /* NULL: any */
    store_bind_text(st, ":object_type", f->object_type);
    store_bind_text(st, ":object_id", f->object_id);
    store_bind_text(st, ":action", f->action);
    store_bind_int64(st, ":since", f->since);
}

int audit_list(struct db *db, const struct audit_filter *f, int64_t limit, int64_t offset,
               struct audit_row *out, int64_t *total)
{
    struct db_stmt *st;
    if (total) {
        if (!(st = db_stmt(db, "SELECT count(*)" AUDIT_WHERE)))
            return store_fail(db, "audit_count");
        bind_filter(st, f);
        int rc = db_step(st);
        *total = rc == DB_ROW ? db_col_i64(st, 0) : -1;
        db_stmt_done(st);
        if (rc != DB_ROW)
            return store_fail(db, "audit_count");
    }
    if (!(st = db_stmt(db, "SELECT id, at, who, role, action, object_type, coalesce(object_id,''),"
                           " client, summary" AUDIT_WHERE
                           " ORDER BY id DESC LIMIT :limit OFFSET :offset")))
        return store_fail(db, "audit_list");
    bind_filter(st, f);
    store_bind_int64(st, ":limit", limit);
    store_bind_int64(st, ":offset", offset);
    int64_t n = 0;
    int rc;
    while (n < limit && (rc = db_step(st)) == DB_ROW) {
        struct audit_row *r = &out[n];
        memset(r, 0, sizeof *r);
        r->id = db_col_i64(st, 0);
        r->at = db_col_i64(st, 1);
        store_copy_text(r->who, sizeof r->who, st, 2);
        store_copy_text(r->role, sizeof r->role, st, 3);
        store_copy_text(r->action, sizeof r->action, st, 4);
        store_copy_text(r->object_type, sizeof r->object_type, st, 5);
        store_copy_text(r->object_id, sizeof r->object_id, st, 6);
        store_copy_text(r->client, sizeof r->client, st, 7);
        const char *s = db_col_text(st, 8);
        r->summary = strdup(s ? s : "{}");
        n++;
        if (!r->summary) {
            db_stmt_done(st);
            audit_rows_free(out, (size_t)n);
            return -1;
        }
    }
    if (n < limit && rc != DB_DONE) {
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
