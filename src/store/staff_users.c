/* staff_users.c -- queries on staff_users and staff_sessions (console
 * accounts, lock-out counters and hashed session tokens). */
#include "store/staff_users.h"

#include <string.h>

#include "store/db.h"
#include "store/db_sql.h"
#include "store/store_util.h"

#define USER_COLUMNS                                                                               \
    "id, name, role, password_hash, created_at, failed_logins, locked_until,"                      \
    " coalesce(last_login_at, 0), coalesce(disabled_at, 0), coalesce(password_temporary_until, 0)"

static void read_user(struct db_stmt *st, struct staff_user *out)
{
    memset(out, 0, sizeof *out);
    out->id = db_col_i64(st, 0);
    store_copy_text(out->name, sizeof out->name, st, 1);
    store_copy_text(out->role, sizeof out->role, st, 2);
    store_copy_text(out->password_hash, sizeof out->password_hash, st, 3);
    out->created_at = db_col_i64(st, 4);
    out->failed_logins = db_col_int(st, 5);
    out->locked_until = db_col_i64(st, 6);
    out->last_login_at = db_col_i64(st, 7);
    out->disabled_at = db_col_i64(st, 8);
    out->password_temporary_until = db_col_i64(st, 9);
}

int staff_users_insert(struct db *db, const char *name, const char *role, const char *hash,
                       int64_t now, int64_t *id)
{
    struct db_stmt *st = db_stmt(db, "INSERT INTO staff_users (name, role, password_hash,"
                                     " created_at) VALUES (?1, ?2, ?3, ?4) RETURNING id");
    if (!st)
        return store_fail(db, "staff_users_insert");
    db_bind_text(st, 1, name);
    db_bind_text(st, 2, role);
    db_bind_text(st, 3, hash);
    db_bind_i64(st, 4, now);
    int rc = store_insert_rc(st, id);
    if (db_failed_unique(rc))
        return 1;
    return rc == DB_DONE ? 0 : store_fail(db, "staff_users_insert");
}

int staff_users_update(struct db *db, const char *name, const char *role, const char *hash)
{
    struct db_stmt *st = db_stmt(db, "UPDATE staff_users SET role = ?2, password_hash = ?3,"
                                     " failed_logins = 0, locked_until = 0,"
                                     " password_temporary_until = NULL WHERE name = ?1");
    if (!st)
        return store_fail(db, "staff_users_update");
    db_bind_text(st, 1, name);
    db_bind_text(st, 2, role);
    db_bind_text(st, 3, hash);
    if (store_exec(db, st, "staff_users_update") != 0)
        return -1;
    return db_changes(db) > 0 ? 1 : 0;
}

int staff_users_find(struct db *db, const char *name, struct staff_user *out)
{
    struct db_stmt *st = db_stmt(db, "SELECT " USER_COLUMNS " FROM staff_users WHERE name = ?1");
    if (!st)
        return store_fail(db, "staff_users_find");
    db_bind_text(st, 1, name);
    int rc = db_step(st), result = 0;
    if (rc == DB_ROW) {
        read_user(st, out);
        result = 1;
    } else if (rc != DB_DONE) {
        result = store_fail(db, "staff_users_find");
    }
    db_stmt_done(st);
    return result;
}

int staff_users_get(struct db *db, int64_t id, struct staff_user *out)
{
    struct db_stmt *st = db_stmt(db, "SELECT " USER_COLUMNS " FROM staff_users WHERE id = ?1");
    if (!st)
        return store_fail(db, "staff_users_get");
    db_bind_i64(st, 1, id);
    int rc = db_step(st), result = 0;
    if (rc == DB_ROW) {
        read_user(st, out);
        result = 1;
    } else if (rc != DB_DONE) {
        result = store_fail(db, "staff_users_get");
    }
    db_stmt_done(st);
    return result;
}

/* Run an update of one user prepared as st: 1 changed, 0 none, -1. */
static int update_one(struct db *db, struct db_stmt *st, const char *what)
{
    if (store_exec(db, st, what) != 0)
        return -1;
    return db_changes(db) > 0 ? 1 : 0;
}

int staff_users_set_role(struct db *db, int64_t id, const char *role)
{
    struct db_stmt *st = db_stmt(db, "UPDATE staff_users SET role = ?2 WHERE id = ?1");
    if (!st)
        return store_fail(db, "staff_users_set_role");
    db_bind_i64(st, 1, id);
    db_bind_text(st, 2, role);
    return update_one(db, st, "staff_users_set_role");
}

int staff_users_set_disabled(struct db *db, int64_t id, int64_t disabled_at)
{
    struct db_stmt *st = db_stmt(db, "UPDATE staff_users SET disabled_at = nullif(?2, 0)"
                                     " WHERE id = ?1");
    if (!st)
        return store_fail(db, "staff_users_set_disabled");
    db_bind_i64(st, 1, id);
    db_bind_i64(st, 2, disabled_at);
    return update_one(db, st, "staff_users_set_disabled");
}

int staff_users_set_password(struct db *db, int64_t id, const char *hash, int64_t temporary_until)
{
    struct db_stmt *st = db_stmt(db, "UPDATE staff_users SET password_hash = ?2,"
                                     " password_temporary_until = nullif(?3, 0),"
                                     " failed_logins = 0, locked_until = 0 WHERE id = ?1");
    if (!st)
        return store_fail(db, "staff_users_set_password");
    db_bind_i64(st, 1, id);
    db_bind_text(st, 2, hash);
    db_bind_i64(st, 3, temporary_until);
    return update_one(db, st, "staff_users_set_password");
}

int staff_users_active_admins(struct db *db, int64_t except_id)
{
    struct db_stmt *st = db_stmt(db, "SELECT count(*) FROM staff_users WHERE role = 'admin'"
                                     " AND disabled_at IS NULL AND id != ?1");
    if (!st)
        return store_fail(db, "staff_users_active_admins");
    db_bind_i64(st, 1, except_id);
    int rc = db_step(st), result = -1;
    if (rc == DB_ROW)
        result = db_col_int(st, 0);
    else
        store_fail(db, "staff_users_active_admins");
    db_stmt_done(st);
    return result;
}

/* The back-off after this failure: base_s doubled once per failure past
 * the free ones (at most 20 times), capped at cap_s; written with CASE, as
 * both engines take it (SQLite's scalar min() is not PostgreSQL's). */
#define BACKOFF_SHIFT                                                                              \
    "CAST(CASE WHEN failed_logins + 1 - :free < 20 THEN failed_logins + 1 - :free ELSE 20 END"     \
    " AS INTEGER)"
#define BACKOFF_S "(:base << " BACKOFF_SHIFT ")"
#define LOCK_S "CASE WHEN :cap < " BACKOFF_S " THEN :cap ELSE " BACKOFF_S " END"

/* One attempt counted, and the back-off it calls for set, when the account
 * is not in back-off (or bypass). RETURNING the new values: 1, 0 (no row:
 * in back-off), -1. */
static int attempt_claim(struct db *db, int64_t id, int64_t now, bool bypass,
                         const struct staff_backoff *p, int *failures, int64_t *until)
{
    struct db_stmt *st =
        db_stmt(db, "UPDATE staff_users SET failed_logins = failed_logins + 1,"
                    " locked_until = CASE WHEN failed_logins + 1 >= :free"
                    "   THEN CASE WHEN locked_until > :now + " LOCK_S " THEN locked_until"
                    "   ELSE :now + " LOCK_S " END"
                    "   ELSE locked_until END"
                    " WHERE id = :id AND (:bypass <> 0 OR locked_until <= :now)"
                    " RETURNING failed_logins, locked_until");
    if (!st)
        return store_fail(db, "staff_users_attempt");
    store_bind_int64(st, ":id", id);
    store_bind_int64(st, ":now", now);
    store_bind_int64(st, ":free", p->free_failures);
    store_bind_int64(st, ":base", p->base_s);
    store_bind_int64(st, ":cap", p->cap_s);
    store_bind_int64(st, ":bypass", bypass ? 1 : 0);
    int rc = db_step(st), result = 0;
    if (rc == DB_ROW) {
        *failures = db_col_int(st, 0);
        *until = db_col_i64(st, 1);
        result = 1;
        rc = db_step(st);
    }
    if (rc != DB_DONE)
        result = store_fail(db, "staff_users_attempt");
    db_stmt_done(st);
    return result;
}

int staff_users_attempt(struct db *db, int64_t id, int64_t now, bool bypass,
                        const struct staff_backoff *policy, int *failures, int64_t *backoff_until)
{
    int rc = attempt_claim(db, id, now, bypass, policy, failures, backoff_until);
    if (rc != 0)
        return rc;
    /* In back-off: refused, but counted all the same. */
    struct db_stmt *st = db_stmt(db, "UPDATE staff_users SET failed_logins = failed_logins + 1"
                                     " WHERE id = :id RETURNING failed_logins, locked_until");
    if (!st)
        return store_fail(db, "staff_users_attempt");
    store_bind_int64(st, ":id", id);
    rc = db_step(st);
    int result = 0;
    if (rc == DB_ROW) {
        *failures = db_col_int(st, 0);
        *backoff_until = db_col_i64(st, 1);
        rc = db_step(st);
    }
    if (rc != DB_DONE)
        result = store_fail(db, "staff_users_attempt");
    db_stmt_done(st);
    return result;
}

int staff_users_login_ok(struct db *db, int64_t id, int64_t now)
{
    struct db_stmt *st = db_stmt(db, "UPDATE staff_users SET failed_logins = 0, locked_until = 0,"
                                     " last_login_at = ?2 WHERE id = ?1");
    if (!st)
        return store_fail(db, "staff_users_login_ok");
    db_bind_i64(st, 1, id);
    db_bind_i64(st, 2, now);
    return store_exec(db, st, "staff_users_login_ok");
}

int staff_users_list(struct db *db, struct staff_user *out, size_t max)
{
    struct db_stmt *st = db_stmt(db, "SELECT " USER_COLUMNS " FROM staff_users ORDER BY name");
    if (!st)
        return store_fail(db, "staff_users_list");
    size_t n = 0;
    int rc;
    while (n < max && (rc = db_step(st)) == DB_ROW)
        read_user(st, &out[n++]);
    db_stmt_done(st);
    return (int)n;
}

int staff_sessions_insert(struct db *db, int64_t user_id, const char *token_hash, const char *csrf,
                          int64_t now, const char *client)
{
    struct db_stmt *st = db_stmt(db, "INSERT INTO staff_sessions (user_id, token_hash, csrf,"
                                     " created_at, last_seen_at, client)"
                                     " VALUES (:user_id, :token_hash, :csrf, :now, :now,"
                                     " :client)");
    if (!st)
        return store_fail(db, "staff_sessions_insert");
    store_bind_int64(st, ":user_id", user_id);
    store_bind_text(st, ":token_hash", token_hash);
    store_bind_text(st, ":csrf", csrf);
    store_bind_int64(st, ":now", now);
    store_bind_text(st, ":client", client);
    return store_exec(db, st, "staff_sessions_insert");
}

int staff_sessions_find(struct db *db, const char *token_hash, int64_t idle_since,
                        struct staff_session *out)
{
    struct db_stmt *st = db_stmt(db, "SELECT s.id, s.user_id, u.name, u.role, s.csrf, s.created_at,"
                                     " s.last_seen_at, u.password_temporary_until IS NOT NULL"
                                     " FROM staff_sessions s JOIN staff_users u ON u.id = s.user_id"
                                     " WHERE s.token_hash = ?1 AND s.ended_at IS NULL"
                                     " AND s.last_seen_at >= ?2 AND u.disabled_at IS NULL");
    if (!st)
        return store_fail(db, "staff_sessions_find");
    db_bind_text(st, 1, token_hash);
    db_bind_i64(st, 2, idle_since);
    int rc = db_step(st), result = 0;
    if (rc == DB_ROW) {
        memset(out, 0, sizeof *out);
        out->id = db_col_i64(st, 0);
        out->user_id = db_col_i64(st, 1);
        store_copy_text(out->user_name, sizeof out->user_name, st, 2);
        store_copy_text(out->role, sizeof out->role, st, 3);
        store_copy_text(out->csrf, sizeof out->csrf, st, 4);
        out->created_at = db_col_i64(st, 5);
        out->last_seen_at = db_col_i64(st, 6);
        out->password_temporary = db_col_int(st, 7) != 0;
        result = 1;
    } else if (rc != DB_DONE) {
        result = store_fail(db, "staff_sessions_find");
    }
    db_stmt_done(st);
    return result;
}

int staff_sessions_known(struct db *db, int64_t user_id, const char *token_hash, int64_t since)
{
    struct db_stmt *st = db_stmt(db, "SELECT 1 FROM staff_sessions WHERE token_hash = :token_hash"
                                     " AND user_id = :user_id AND created_at >= :since");
    if (!st)
        return store_fail(db, "staff_sessions_known");
    store_bind_text(st, ":token_hash", token_hash);
    store_bind_int64(st, ":user_id", user_id);
    store_bind_int64(st, ":since", since);
    int rc = db_step(st), result = 0;
    if (rc == DB_ROW)
        result = 1;
    else if (rc != DB_DONE)
        result = store_fail(db, "staff_sessions_known");
    db_stmt_done(st);
    return result;
}

int staff_sessions_touch(struct db *db, int64_t id, int64_t now)
{
    struct db_stmt *st = db_stmt(db, "UPDATE staff_sessions SET last_seen_at = ?2 WHERE id = ?1");
    if (!st)
        return store_fail(db, "staff_sessions_touch");
    db_bind_i64(st, 1, id);
    db_bind_i64(st, 2, now);
    return store_exec(db, st, "staff_sessions_touch");
}

int staff_sessions_end(struct db *db, int64_t id, int64_t now)
{
    struct db_stmt *st = db_stmt(db, "UPDATE staff_sessions SET ended_at = ?2"
                                     " WHERE id = ?1 AND ended_at IS NULL");
    if (!st)
        return store_fail(db, "staff_sessions_end");
    db_bind_i64(st, 1, id);
    db_bind_i64(st, 2, now);
    return store_exec(db, st, "staff_sessions_end");
}

int staff_sessions_end_user(struct db *db, int64_t user_id, int64_t now)
{
    struct db_stmt *st = db_stmt(db, "UPDATE staff_sessions SET ended_at = ?2"
                                     " WHERE user_id = ?1 AND ended_at IS NULL");
    if (!st)
        return store_fail(db, "staff_sessions_end_user");
    db_bind_i64(st, 1, user_id);
    db_bind_i64(st, 2, now);
    return store_exec(db, st, "staff_sessions_end_user");
}

int staff_sessions_end_others(struct db *db, int64_t user_id, int64_t keep_id, int64_t now)
{
    struct db_stmt *st = db_stmt(db, "UPDATE staff_sessions SET ended_at = ?3"
                                     " WHERE user_id = ?1 AND id != ?2 AND ended_at IS NULL");
    if (!st)
        return store_fail(db, "staff_sessions_end_others");
    db_bind_i64(st, 1, user_id);
    db_bind_i64(st, 2, keep_id);
    db_bind_i64(st, 3, now);
    return store_exec(db, st, "staff_sessions_end_others");
}
