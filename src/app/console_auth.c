/* console_auth.c -- web console accounts and sessions: scrypt passwords
 * (sys/password), random session values and CSRF tokens (sys/bearer),
 * back-off per account (stored, counted atomically, skipped by a known
 * browser) and failures per address (a bounded table in memory), audit
 * rows for account creation, sign-in, failed sign-ins and sign-out. */
#include "app/console_auth.h"

#include <stdio.h>
#include <string.h>

#include "app/staff_tokens.h"
#include "app/throttle.h"
#include "core/cidr.h"
#include "store/db.h"
#include "sys/log.h"
#include "sys/password.h"

/* Failed sign-ins per client address (memory): change only the answer to
 * a failure (429), never refuse a right password. */
static struct throttle_slot addr_slots[512];
static struct throttle addr_throttle =
    THROTTLE_INIT(addr_slots, CONSOLE_AUTH_ADDR_FAILURES_MAX, CONSOLE_AUTH_ADDR_WINDOW_S,
                  CONSOLE_AUTH_ADDR_LOCK_S, "console_address_locked");

/* ---- accounts ---- */

static int audit_user(struct db *db, const struct audit_actor *actor, const char *action,
                      int64_t id, const char *name, const char *role)
{
    char summary[200], oid[24];
    /* Names are restricted to [A-Za-z0-9._@-], safe inside a JSON string. */
    snprintf(summary, sizeof summary, "{\"name\":\"%s\",\"role\":\"%s\"}", name, role);
    snprintf(oid, sizeof oid, "%lld", (long long)id);
    return audit_write(db, actor, action, "staff_user", oid, summary);
}

enum console_auth_result console_auth_user_create(struct db *db, const struct audit_actor *actor,
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

static const struct staff_backoff user_backoff = {
    CONSOLE_AUTH_FREE_FAILURES, CONSOLE_AUTH_BACKOFF_BASE_S, CONSOLE_AUTH_BACKOFF_CAP_S};

/* The audit row of a failed sign-in, in a transaction of its own: the
 * account when known (never the name typed for an unknown one: it may be a
 * password), the client's network only, the reason, the count. */
static void audit_failure(struct db *db, const struct staff_user *u, const char *client,
                          const char *reason, int failures)
{
    char masked[CIDR_TEXT_MAX] = "unknown", summary[160], oid[24];
    struct cidr_addr a;
    if (cidr_addr_parse(client, strlen(client), &a) == 0)
        cidr_addr_mask(&a, masked, sizeof masked);
    struct audit_actor actor = {
        .who = u ? u->name : "unknown", .role = u ? u->role : "none", .client = masked};
    snprintf(summary, sizeof summary, "{\"reason\":\"%s\",\"failures\":%d}", reason, failures);
    snprintf(oid, sizeof oid, "%lld", u ? (long long)u->id : 0LL);
    if (db_begin(db) != 0 ||
        audit_write(db, &actor, "session.login_failed", "staff_user", u ? oid : NULL, summary) !=
            0 ||
        db_commit(db) != 0) {
        db_rollback(db);
        log_warn("console_login_audit_failed", "client=%s", client);
    }
}

/* A failed sign-in (reason: "unknown_user", "wrong_password", "backoff"):
 * logged, audited, counted per address. The answer is 401, or 429 when
 * the account is in back-off or the address is throttled. */
static enum console_auth_result login_failed(struct db *db, const struct staff_user *u,
                                             const char *client, const char *reason, int failures,
                                             int backoff_s, int *retry_after_s)
{
    int64_t mono = throttle_now();
    int blocked = throttle_blocked(&addr_throttle, client, mono);
    if (!blocked)
        throttle_failed(&addr_throttle, client, mono);
    log_warn("console_login_failed", "user=%s client=%s reason=%s failures=%d backoff_s=%d",
             u ? u->name : "-", client, reason, failures, backoff_s);
    audit_failure(db, u, client, reason, failures);
    int wait = backoff_s > blocked ? backoff_s : blocked;
    if (strcmp(reason, "backoff") == 0 || blocked > 0) {
        *retry_after_s = wait > 0 ? wait : 1;
        return CONSOLE_AUTH_LOCKED;
    }
    return CONSOLE_AUTH_BAD_CREDENTIALS;
}

/* Whether the browser's cookie value known is that of an earlier session
 * of u (then the account's back-off does not apply to it). */
static bool known_browser(struct db *db, const struct staff_user *u, const char *known, int64_t now)
{
    size_t n = known ? strlen(known) : 0;
    char hash[BEARER_HASH_LEN + 1];
    if (!bearer_well_formed(known, n) || bearer_hash(known, n, hash) != 0)
        return false;
    return staff_sessions_known(db, u->id, hash, now - CONSOLE_AUTH_KNOWN_BROWSER_S) == 1;
}

/* A new session for u (password checked): the cookie value into token,
 * the session into *out, failures and back-off cleared, audited. */
static enum console_auth_result login_ok(struct db *db, const struct staff_user *u,
                                         const char *client, int64_t now,
                                         char token[CONSOLE_AUTH_TOKEN_LEN + 1],
                                         struct staff_session *out)
{
    char hash[BEARER_HASH_LEN + 1], csrf[BEARER_TOKEN_LEN + 1];
    if (bearer_generate(token) != 0 || bearer_generate(csrf) != 0 ||
        bearer_hash(token, CONSOLE_AUTH_TOKEN_LEN, hash) != 0)
        goto error;
    struct audit_actor actor = {.who = u->name, .role = u->role, .client = client};
    if (db_begin(db) != 0)
        goto error;
    if (staff_users_login_ok(db, u->id, now) != 0 ||
        staff_sessions_insert(db, u->id, hash, csrf, now, client) != 0 ||
        audit_user(db, &actor, "session.login", u->id, u->name, u->role) != 0 ||
        db_commit(db) != 0) {
        db_rollback(db);
        goto error;
    }
    memset(out, 0, sizeof *out);
    out->user_id = u->id;
    snprintf(out->user_name, sizeof out->user_name, "%s", u->name);
    snprintf(out->role, sizeof out->role, "%s", u->role);
    snprintf(out->csrf, sizeof out->csrf, "%s", csrf);
    out->created_at = out->last_seen_at = now;
    out->password_temporary = u->password_temporary_until != 0;
    log_info("console_login", "user=%s role=%s client=%s", u->name, u->role, client);
    return CONSOLE_AUTH_OK;
error:
    bearer_wipe(token, CONSOLE_AUTH_TOKEN_LEN);
    token[0] = '\0';
    return CONSOLE_AUTH_ERROR;
}

enum console_auth_result console_auth_login(struct db *db, const char *name, const char *password,
                                            size_t len, const char *client, const char *known,
                                            int64_t now, char token[CONSOLE_AUTH_TOKEN_LEN + 1],
                                            struct staff_session *out, int *retry_after_s)
{
    token[0] = '\0';
    *retry_after_s = 0;
    if (!name || !staff_token_name_valid(name) || len > PASSWORD_MAX) {
        password_dummy_verify(password, len > PASSWORD_MAX ? PASSWORD_MAX : len);
        return login_failed(db, NULL, client, "unknown_user", 0, 0, retry_after_s);
    }
    struct staff_user u;
    int found = staff_users_find(db, name, &u);
    if (found < 0)
        return CONSOLE_AUTH_ERROR;
    if (found == 0) {
        password_dummy_verify(password, len);
        return login_failed(db, NULL, client, "unknown_user", 0, 0, retry_after_s);
    }
    bool bypass = known_browser(db, &u, known, now);
    int failures = 0;
    int64_t until = 0;
    if (db_begin(db) != 0)
        return CONSOLE_AUTH_ERROR;
    int may = staff_users_attempt(db, u.id, now, bypass, &user_backoff, &failures, &until);
    if (may < 0 || db_commit(db) != 0) {
        db_rollback(db);
        return CONSOLE_AUTH_ERROR;
    }
    int backoff_s = until > now ? (int)(until - now) : 0;
    if (may == 0)
        return login_failed(db, &u, client, "backoff", failures, backoff_s, retry_after_s);
    if (!password_verify(password, len, u.password_hash))
        return login_failed(db, &u, client, "wrong_password", failures, 0, retry_after_s);
    if (u.disabled_at || (u.password_temporary_until && u.password_temporary_until <= now)) {
        bool disabled = u.disabled_at != 0;
        log_warn("console_login_refused", "user=%s client=%s reason=%s", u.name, client,
                 disabled ? "disabled" : "temporary_expired");
        audit_failure(db, &u, client, disabled ? "disabled" : "temporary_expired", failures);
        return disabled ? CONSOLE_AUTH_DISABLED : CONSOLE_AUTH_EXPIRED;
    }
    return login_ok(db, &u, client, now, token, out);
}

int console_auth_session_check(struct db *db, const char *token, size_t len, int64_t now,
                               int idle_s, struct staff_session *out)
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
        if (db_begin(db) != 0 || db_finish(db, staff_sessions_touch(db, out->id, now)) != 0)
            log_collapsed(LOG_WARN, "console_session_touch_failed", LOG_COLLAPSE_INTERVAL_MS,
                          "console_session_touch_failed", "user=%s", out->user_name);
        else
            out->last_seen_at = now;
    }
    return 1;
}

int console_auth_logout(struct db *db, const struct staff_session *s, const char *client)
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
