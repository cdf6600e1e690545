/* staff_accounts.c -- console accounts an admin manages (see
 * staff_accounts.h): temporary passwords drawn by sys/password, the last
 * active admin guarded inside each change's transaction, an audit row per
 * change. */
#include "app/staff_accounts.h"

#include <stdio.h>
#include <string.h>

#include "app/staff_tokens.h"
#include "store/db.h"
#include "store/staff_users.h"
#include "sys/log.h"

/* The audit row of a change to account u: {"name":..,"role":..} and, when
 * extra is not NULL, its members (a JSON object's inside, safe text). */
static int audit_account(struct db *db, const struct audit_actor *actor, const char *action,
                         const struct staff_user *u, const char *extra)
{
    char summary[300], oid[24];
    /* Names are restricted to [A-Za-z0-9._@-], safe inside a JSON string. */
    snprintf(summary, sizeof summary, "{\"name\":\"%s\",\"role\":\"%s\"%s%s}", u->name, u->role,
             extra ? "," : "", extra ? extra : "");
    snprintf(oid, sizeof oid, "%lld", (long long)u->id);
    return audit_write(db, actor, action, "staff_user", oid, summary);
}

/* Commit when rc is STAFF_ACCOUNT_OK, else roll back; the result. */
static enum staff_account_result finish(struct db *db, enum staff_account_result rc)
{
    if (rc == STAFF_ACCOUNT_OK && db_commit(db) == 0)
        return rc;
    db_rollback(db);
    return rc == STAFF_ACCOUNT_OK ? STAFF_ACCOUNT_ERROR : rc;
}

/* Begin, then read account id into *u. STAFF_ACCOUNT_OK with the
 * transaction open, or another result with nothing left open. */
static enum staff_account_result begin_get(struct db *db, int64_t id, struct staff_user *u)
{
    if (db_begin(db) != 0)
        return STAFF_ACCOUNT_ERROR;
    int found = staff_users_get(db, id, u);
    if (found == 1)
        return STAFF_ACCOUNT_OK;
    db_rollback(db);
    return found == 0 ? STAFF_ACCOUNT_NOT_FOUND : STAFF_ACCOUNT_ERROR;
}

/* A temporary password and its hash. Returns 0 or -1. */
static int temporary(char password[PASSWORD_TEMPORARY_LEN + 1], char hash[PASSWORD_HASH_MAX])
{
    if (password_temporary(password) != 0)
        return -1;
    return password_hash(password, PASSWORD_TEMPORARY_LEN, hash);
}

enum staff_account_result staff_account_create(struct db *db, const struct audit_actor *actor,
                                               const char *name, const char *role, int64_t now,
                                               char password[PASSWORD_TEMPORARY_LEN + 1],
                                               int64_t *id, int64_t *until)
{
    password[0] = '\0';
    if (!staff_token_name_valid(name) || strlen(name) >= STAFF_USER_NAME_MAX ||
        !staff_token_role_valid(role))
        return STAFF_ACCOUNT_INVALID;
    char hash[PASSWORD_HASH_MAX];
    if (temporary(password, hash) != 0)
        return STAFF_ACCOUNT_ERROR;
    *until = now + STAFF_ACCOUNT_TEMPORARY_S;
    if (db_begin(db) != 0)
        return STAFF_ACCOUNT_ERROR;
    int rc = staff_users_insert(db, name, role, hash, now, id);
    struct staff_user u;
    enum staff_account_result r = STAFF_ACCOUNT_OK;
    if (rc == 1)
        r = STAFF_ACCOUNT_EXISTS;
    else if (rc != 0 || staff_users_set_password(db, *id, hash, *until) != 1 ||
             staff_users_get(db, *id, &u) != 1 ||
             audit_account(db, actor, "staff_user.create", &u, "\"temporary_password\":true") != 0)
        r = STAFF_ACCOUNT_ERROR;
    r = finish(db, r);
    if (r != STAFF_ACCOUNT_OK) {
        memset(password, 0, PASSWORD_TEMPORARY_LEN + 1);
        return r;
    }
    log_info("staff_user_saved", "name=%s role=%s action=create by=%s", name, role,
             actor->who ? actor->who : "?");
    return r;
}

/* Whether changing u (to role, or disabling it) leaves an active admin. */
static enum staff_account_result keeps_an_admin(struct db *db, const struct staff_user *u,
                                                const char *role, bool disable)
{
    bool loses = strcmp(u->role, "admin") == 0 && u->disabled_at == 0 &&
                 (disable || strcmp(role, "admin") != 0);
    if (!loses)
        return STAFF_ACCOUNT_OK;
    int others = staff_users_active_admins(db, u->id);
    if (others < 0)
        return STAFF_ACCOUNT_ERROR;
    return others > 0 ? STAFF_ACCOUNT_OK : STAFF_ACCOUNT_LAST_ADMIN;
}

enum staff_account_result staff_account_set_role(struct db *db, const struct audit_actor *actor,
                                                 int64_t id, const char *role)
{
    if (!staff_token_role_valid(role))
        return STAFF_ACCOUNT_INVALID;
    struct staff_user u;
    enum staff_account_result r = begin_get(db, id, &u);
    if (r != STAFF_ACCOUNT_OK)
        return r;
    if (strcmp(u.role, role) == 0)
        return finish(db, STAFF_ACCOUNT_OK);
    r = keeps_an_admin(db, &u, role, false);
    char extra[80];
    snprintf(extra, sizeof extra, "\"changes\":{\"role\":{\"from\":\"%s\",\"to\":\"%s\"}}", u.role,
             role);
    if (r == STAFF_ACCOUNT_OK && (staff_users_set_role(db, id, role) != 1 ||
                                  audit_account(db, actor, "staff_user.role", &u, extra) != 0))
        r = STAFF_ACCOUNT_ERROR;
    r = finish(db, r);
    if (r == STAFF_ACCOUNT_OK)
        log_info("staff_user_saved", "name=%s role=%s action=role by=%s", u.name, role,
                 actor->who ? actor->who : "?");
    return r;
}

enum staff_account_result staff_account_set_disabled(struct db *db, const struct audit_actor *actor,
                                                     int64_t id, bool disabled, int64_t now)
{
    struct staff_user u;
    enum staff_account_result r = begin_get(db, id, &u);
    if (r != STAFF_ACCOUNT_OK)
        return r;
    if ((u.disabled_at != 0) == disabled)
        return finish(db, STAFF_ACCOUNT_OK);
    if (disabled)
        r = keeps_an_admin(db, &u, u.role, true);
    if (r == STAFF_ACCOUNT_OK &&
        (staff_users_set_disabled(db, id, disabled ? now : 0) != 1 ||
         (disabled && staff_sessions_end_user(db, id, now) != 0) ||
         audit_account(db, actor, disabled ? "staff_user.disable" : "staff_user.enable", &u,
                       NULL) != 0))
        r = STAFF_ACCOUNT_ERROR;
    r = finish(db, r);
    if (r == STAFF_ACCOUNT_OK)
        log_info("staff_user_saved", "name=%s action=%s by=%s", u.name,
                 disabled ? "disable" : "enable", actor->who ? actor->who : "?");
    return r;
}

enum staff_account_result
staff_account_reset_password(struct db *db, const struct audit_actor *actor, int64_t id,
                             int64_t now, char password[PASSWORD_TEMPORARY_LEN + 1], int64_t *until)
{
    password[0] = '\0';
    char hash[PASSWORD_HASH_MAX];
    if (temporary(password, hash) != 0)
        return STAFF_ACCOUNT_ERROR;
    *until = now + STAFF_ACCOUNT_TEMPORARY_S;
    struct staff_user u;
    enum staff_account_result r = begin_get(db, id, &u);
    if (r == STAFF_ACCOUNT_OK) {
        char extra[64];
        snprintf(extra, sizeof extra, "\"temporary_until\":%lld", (long long)*until);
        if (staff_users_set_password(db, id, hash, *until) != 1 ||
            staff_sessions_end_user(db, id, now) != 0 ||
            audit_account(db, actor, "staff_user.password_reset", &u, extra) != 0)
            r = STAFF_ACCOUNT_ERROR;
        r = finish(db, r);
    }
    if (r != STAFF_ACCOUNT_OK) {
        memset(password, 0, PASSWORD_TEMPORARY_LEN + 1);
        return r;
    }
    log_info("staff_user_saved", "name=%s action=password_reset by=%s", u.name,
             actor->who ? actor->who : "?");
    return r;
}

enum staff_account_result
staff_account_change_password(struct db *db, const struct audit_actor *actor, int64_t user_id,
                              int64_t session_id, const char *current, size_t current_len,
                              const char *fresh, size_t fresh_len, int64_t now)
{
    if (fresh_len < PASSWORD_MIN || fresh_len > PASSWORD_MAX || current_len > PASSWORD_MAX ||
        (fresh_len == current_len && memcmp(fresh, current, fresh_len) == 0))
        return STAFF_ACCOUNT_INVALID;
    struct staff_user u;
    int found = staff_users_get(db, user_id, &u);
    if (found != 1)
        return found == 0 ? STAFF_ACCOUNT_NOT_FOUND : STAFF_ACCOUNT_ERROR;
    if (!password_verify(current, current_len, u.password_hash))
        return STAFF_ACCOUNT_WRONG_PASSWORD;
    char hash[PASSWORD_HASH_MAX];
    if (password_hash(fresh, fresh_len, hash) != 0)
        return STAFF_ACCOUNT_ERROR;
    enum staff_account_result r = begin_get(db, user_id, &u);
    if (r != STAFF_ACCOUNT_OK)
        return r;
    if (staff_users_set_password(db, user_id, hash, 0) != 1 ||
        staff_sessions_end_others(db, user_id, session_id, now) != 0 ||
        audit_account(db, actor, "staff_user.password_change", &u, NULL) != 0)
        r = STAFF_ACCOUNT_ERROR;
    r = finish(db, r);
    if (r == STAFF_ACCOUNT_OK)
        log_info("staff_user_saved", "name=%s action=password_change", u.name);
    return r;
}
