/* console_auth.c -- web console accounts and sessions: scrypt passwords
 * (sys/password), random session values and CSRF tokens (sys/bearer),
 * lock-out per account (stored) and per address (a bounded table in memory),
 * audit rows for account creation, sign-in and sign-out. */
#include "app/console_auth.h"

#include <stdio.h>
#include <string.h>

#include "app/staff_tokens.h"
#include "app/throttle.h"
#include "store/db.h"
#include "sys/log.h"
#include "sys/password.h"

/* Failed sign-ins per client address (memory). */
static struct throttle_slot addr_slots[512];
static struct throttle addr_throttle =
    THROTTLE_INIT(addr_slots, CONSOLE_AUTH_ADDR_FAILURES_MAX, CONSOLE_AUTH_ADDR_WINDOW_S,
                  CONSOLE_AUTH_ADDR_LOCK_S, "console_address_locked");

/* ---- accounts ---- */

static int audit_user(sqlite3 *db, const struct audit_actor *actor, const char *action, int64_t id,
                      const char *name, const char *role)
{
    char summary[200], oid[24];
    /* Names are restricted to [A-Za-z0-9._@-], safe inside a JSON string. */
    snprintf(summary, sizeof summary, "{\"name\":\"%s\",\"role\":\"%s\"}", name, role);
    snprintf(oid, sizeof oid, "%lld", (long long)id);
    return audit_write(db, actor, action, "staff_user", oid, summary);
}

enum console_auth_result console_auth_user_create(sqlite3 *db, const struct audit_actor *actor,
                                                  const char *name, const char *role,
                                                  const char *password, size_t len, bool replace)
{
    if (!staff_token_name_valid(name) || strlen(name) >= STAFF_USER_NAME_MAX ||
        !staff_token_role_valid(role) || len < PASSWORD_MIN || len > PASSWORD_MAX)
        return CONSOLE_AUTH_INVALID;
    char hash[PASSWORD_HASH_MAX];
    if (password_hash(password, len, hash) != 0)
        return CONSOLE_AUTH_ERROR;
    int64_t now = db_now(), id = 0;
    if (db_begin(db) != 0)
        return CONSOLE_AUTH_ERROR;
    int rc = staff_users_insert(db, name, role, hash, now, &id);
    const char *action = "staff_user.create";
    if (rc == 1 && replace) {
        struct staff_user u;
        if (staff_users_update(db, name, role, hash) != 1 || staff_users_find(db, name, &u) != 1 ||
            staff_sessions_end_user(db, u.id, now) != 0) {
            db_rollback(db);
            return CONSOLE_AUTH_ERROR;
        }
        id = u.id;
        action = "staff_user.password";
        rc = 0;
    }
    if (rc == 1) {
        db_rollback(db);
        return CONSOLE_AUTH_EXISTS;
    }
    if (rc != 0 || audit_user(db, actor, action, id, name, role) != 0 || db_commit(db) != 0) {
        db_rollback(db);
        return CONSOLE_AUTH_ERROR;
    }
    log_info("staff_user_saved", "name=%s role=%s action=%s by=%s", name, role, action,
             actor->who ? actor->who : "?");
    return CONSOLE_AUTH_OK;
}

/* ---- sign-in ---- */

static enum console_auth_result login_failed(sqlite3 *db, const struct staff_user *u,
                                             const char *client, int64_t now)
{
    throttle_failed(&addr_throttle, client, throttle_now());
    if (!u) {
        log_warn("console_login_failed", "user_known=0 client=%s", client);
        return CONSOLE_AUTH_BAD_CREDENTIALS;
    }
    int failed = u->failed_logins + 1;
    int64_t locked_until = 0;
    if (failed >= CONSOLE_AUTH_USER_FAILURES_MAX) {
        locked_until = now + CONSOLE_AUTH_USER_LOCK_S;
        failed = 0;
    }
    if (staff_users_set_failures(db, u->id, failed, locked_until) != 0)
        return CONSOLE_AUTH_ERROR;
    log_warn("console_login_failed", "user=%s client=%s failures=%d locked=%d", u->name, client,
             locked_until ? CONSOLE_AUTH_USER_FAILURES_MAX : failed, locked_until ? 1 : 0);
    return CONSOLE_AUTH_BAD_CREDENTIALS;
}

enum console_auth_result console_auth_login(sqlite3 *db, const char *name, const char *password,
                                            size_t len, const char *client, int64_t now,
                                            char token[CONSOLE_AUTH_TOKEN_LEN + 1],
                                            struct staff_session *out, int *retry_after_s)
{
    token[0] = '\0';
    *retry_after_s = 0;
    int blocked = throttle_blocked(&addr_throttle, client, throttle_now());
    if (blocked > 0) {
        *retry_after_s = blocked;
        return CONSOLE_AUTH_LOCKED;
    }
    if (!name || !staff_token_name_valid(name) || len > PASSWORD_MAX) {
        password_dummy_verify(password, len > PASSWORD_MAX ? PASSWORD_MAX : len);
        return login_failed(db, NULL, client, now);
    }
    struct staff_user u;
    int found = staff_users_find(db, name, &u);
    if (found < 0)
        return CONSOLE_AUTH_ERROR;
    if (found == 0) {
        password_dummy_verify(password, len);
        return login_failed(db, NULL, client, now);
    }
    if (u.locked_until > now) {
        *retry_after_s = (int)(u.locked_until - now);
        log_warn("console_login_refused", "user=%s client=%s reason=locked", u.name, client);
        return CONSOLE_AUTH_LOCKED;
    }
    if (!password_verify(password, len, u.password_hash)) {
        enum console_auth_result r = login_failed(db, &u, client, now);
        if (r == CONSOLE_AUTH_BAD_CREDENTIALS &&
            u.failed_logins + 1 >= CONSOLE_AUTH_USER_FAILURES_MAX)
            *retry_after_s = CONSOLE_AUTH_USER_LOCK_S;
        return r;
    }
    char hash[BEARER_HASH_LEN + 1], csrf[BEARER_TOKEN_LEN + 1];
    if (bearer_generate(token) != 0 || bearer_generate(csrf) != 0 ||
        bearer_hash(token, CONSOLE_AUTH_TOKEN_LEN, hash) != 0) {
        bearer_wipe(token, CONSOLE_AUTH_TOKEN_LEN);
        token[0] = '\0';
        return CONSOLE_AUTH_ERROR;
    }
    struct audit_actor actor = {.who = u.name, .role = u.role, .client = client};
    if (db_begin(db) != 0)
        goto error;
    if (staff_users_login_ok(db, u.id, now) != 0 ||
        staff_sessions_insert(db, u.id, hash, csrf, now, client) != 0 ||
        audit_user(db, &actor, "session.login", u.id, u.name, u.role) != 0 || db_commit(db) != 0) {
        db_rollback(db);
        goto error;
    }
    memset(out, 0, sizeof *out);
    out->user_id = u.id;
    snprintf(out->user_name, sizeof out->user_name, "%s", u.name);
    snprintf(out->role, sizeof out->role, "%s", u.role);
    snprintf(out->csrf, sizeof out->csrf, "%s", csrf);
    out->created_at = out->last_seen_at = now;
    log_info("console_login", "user=%s role=%s client=%s", u.name, u.role, client);
    return CONSOLE_AUTH_OK;
error:
    bearer_wipe(token, CONSOLE_AUTH_TOKEN_LEN);
    token[0] = '\0';
    return CONSOLE_AUTH_ERROR;
}

int console_auth_session_check(sqlite3 *db, const char *token, size_t len, int64_t now, int idle_s,
                               struct staff_session *out)
{
    if (!bearer_well_formed(token, len))
        return 0;
    char hash[BEARER_HASH_LEN + 1];
    if (bearer_hash(token, len, hash) != 0)
        return -1;
    /* The lookup is by the hash of a 256-bit random value: an equality
     * match in SQL reveals nothing useful about other sessions. */
    int rc = staff_sessions_find(db, hash, now - idle_s, out);
    if (rc != 1)
        return rc;
    if (now - out->last_seen_at >= CONSOLE_AUTH_TOUCH_EVERY_S) {
        if (staff_sessions_touch(db, out->id, now) != 0)
            log_warn("console_session_touch_failed", "user=%s", out->user_name);
        else
            out->last_seen_at = now;
    }
    return 1;
}

int console_auth_logout(sqlite3 *db, const struct staff_session *s, const char *client)
{
    struct audit_actor actor = {.who = s->user_name, .role = s->role, .client = client};
    if (db_begin(db) != 0)
        return -1;
    if (staff_sessions_end(db, s->id, db_now()) != 0 ||
        audit_user(db, &actor, "session.logout", s->user_id, s->user_name, s->role) != 0 ||
        db_commit(db) != 0) {
        db_rollback(db);
        return -1;
    }
    log_info("console_logout", "user=%s client=%s", s->user_name, client);
    return 0;
}

bool console_auth_csrf_ok(const struct staff_session *s, const char *presented)
{
    size_t n = presented ? strlen(presented) : 0;
    return n == BEARER_TOKEN_LEN && strlen(s->csrf) == BEARER_TOKEN_LEN &&
           bearer_hash_equal(s->csrf, presented); /* 64 hex characters each */
}
