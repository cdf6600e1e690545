/* tokens.c -- queries on staff_tokens (API tokens as hashes). */
#include "store/tokens.h"

#include <string.h>

#include "store/db.h"
#include "store/db_sql.h"
#include "store/store_util.h"

#define TOKEN_COLUMNS "id, name, role, created_at, coalesce(last_used_at,0), coalesce(revoked_at,0)"

static void read_row(struct db_stmt *st, struct token_row *out)
{
    memset(out, 0, sizeof *out);
    out->id = db_col_i64(st, 0);
    store_copy_text(out->name, sizeof out->name, st, 1);
    store_copy_text(out->role, sizeof out->role, st, 2);
    out->created_at = db_col_i64(st, 3);
    out->last_used_at = db_col_i64(st, 4);
    out->revoked_at = db_col_i64(st, 5);
}

int tokens_insert(struct db *db, const char *name, const char *role, const char *hash_hex,
                  int64_t now, int64_t *id)
{
    struct db_stmt *st = db_stmt(db, "INSERT INTO staff_tokens (name, role, token_hash, created_at)"
                                     " VALUES (?1, ?2, ?3, ?4) RETURNING id");
    if (!st)
        return store_fail(db, "tokens_insert");
    db_bind_text(st, 1, name);
    db_bind_text(st, 2, role);
    db_bind_text(st, 3, hash_hex);
    db_bind_i64(st, 4, now);
    int rc = store_insert_rc(st, id);
    if (db_failed_unique(rc))
        return 1;
    return rc == DB_DONE ? 0 : store_fail(db, "tokens_insert");
}

int tokens_find_live(struct db *db, const char *hash_hex, struct token_row *out, char *stored_hex,
                     size_t stored_sz)
{
    struct db_stmt *st = db_stmt(db, "SELECT " TOKEN_COLUMNS ", token_hash FROM staff_tokens"
                                     " WHERE token_hash = ?1 AND revoked_at IS NULL");
    if (!st)
        return store_fail(db, "tokens_find_live");
    db_bind_text(st, 1, hash_hex);
    int rc = db_step(st), result = 0;
    if (rc == DB_ROW) {
        read_row(st, out);
        store_copy_text(stored_hex, stored_sz, st, 6);
        result = 1;
    } else if (rc != DB_DONE) {
        result = store_fail(db, "tokens_find_live");
    }
    db_stmt_done(st);
    return result;
}

int tokens_touch(struct db *db, int64_t id, int64_t now)
{
    struct db_stmt *st = db_stmt(db, "UPDATE staff_tokens SET last_used_at = ?2 WHERE id = ?1"
                                     " AND (last_used_at IS NULL OR last_used_at < ?2 - ?3)");
    if (!st)
        return store_fail(db, "tokens_touch");
    db_bind_i64(st, 1, id);
    db_bind_i64(st, 2, now);
    db_bind_i64(st, 3, TOKENS_TOUCH_INTERVAL_S);
    return store_exec(db, st, "tokens_touch");
}

int tokens_revoke(struct db *db, const char *name, int64_t by_id, int64_t now,
                  struct token_row *out)
{
    struct db_stmt *st =
        db_stmt(db, "SELECT " TOKEN_COLUMNS " FROM staff_tokens"
                    " WHERE revoked_at IS NULL AND (id = ?1 OR (?1 = 0 AND name = ?2))");
    if (!st)
        return store_fail(db, "tokens_revoke");
    db_bind_i64(st, 1, by_id);
    db_bind_text(st, 2, name ? name : "");
    int rc = db_step(st);
    if (rc == DB_ROW)
        read_row(st, out);
    db_stmt_done(st);
    if (rc == DB_DONE)
        return 0;
    if (rc != DB_ROW)
        return store_fail(db, "tokens_revoke");
    if (!(st = db_stmt(db, "UPDATE staff_tokens SET revoked_at = ?2 WHERE id = ?1")))
        return store_fail(db, "tokens_revoke");
    db_bind_i64(st, 1, out->id);
    db_bind_i64(st, 2, now);
    rc = db_step(st);
    db_stmt_done(st);
    return rc == DB_DONE ? 1 : store_fail(db, "tokens_revoke");
}

int tokens_list(struct db *db, struct token_row *out, size_t max)
{
    struct db_stmt *st = db_stmt(db, "SELECT " TOKEN_COLUMNS " FROM staff_tokens"
                                     " ORDER BY revoked_at IS NOT NULL, id DESC LIMIT ?1");
    if (!st)
        return store_fail(db, "tokens_list");
    db_bind_i64(st, 1, (int64_t)max);
    size_t n = 0;
    int rc;
    while (n < max && (rc = db_step(st)) == DB_ROW)
        read_row(st, &out[n++]);
    if (n < max && rc != DB_DONE) {
        db_stmt_done(st);
        return store_fail(db, "tokens_list");
    }
    db_stmt_done(st);
    return (int)n;
}
