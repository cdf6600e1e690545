/* console_auth.h -- staff accounts of the web console: creating them (scrypt
 * hashes, audited), signing in, sessions identified by a random cookie
 * value of which only the SHA-256 is stored, each with its CSRF token and
 * an idle timeout, and signing out.
 *
 * Failed sign-ins never lock a staff member out: every attempt on an
 * account is counted atomically before its password is checked
 * (store/staff_users.h, staff_users_attempt), and past the first few
 * failures the account is in a short back-off (capped) during which
 * attempts are refused unchecked, except from a browser that presents the
 * cookie of one of that user's earlier sessions (a known browser): the
 * staff member on their own browser always gets in, and a valid sign-in
 * clears the back-off. Per client address, failures are counted in memory
 * and only ever change the answer to a failure (429 instead of 401): a
 * right password passes from any address. Every failed sign-in leaves an
 * audit row (action "session.login_failed": account if known, masked
 * address, reason). */
#ifndef TAAWUN_APP_CONSOLE_AUTH_H
#define TAAWUN_APP_CONSOLE_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "store/db.h"

#include "store/audit.h"
#include "store/staff_users.h"
#include "sys/bearer.h"

#define CONSOLE_AUTH_TOKEN_LEN BEARER_TOKEN_LEN   /* hex characters of a session cookie value */
#define CONSOLE_AUTH_FREE_FAILURES 5              /* failures in a row before any back-off */
#define CONSOLE_AUTH_BACKOFF_BASE_S 5             /* the first back-off, doubled per failure */
#define CONSOLE_AUTH_BACKOFF_CAP_S 300            /* the longest back-off */
#define CONSOLE_AUTH_KNOWN_BROWSER_S (30 * 86400) /* a session cookie this recent skips it */
#define CONSOLE_AUTH_ADDR_FAILURES_MAX 20         /* failed sign-ins from one address ... */
#define CONSOLE_AUTH_ADDR_WINDOW_S 600            /* ... within this window ... */
#define CONSOLE_AUTH_ADDR_LOCK_S 900              /* ... answered 429 this long */
#define CONSOLE_AUTH_TOUCH_EVERY_S 15             /* last use is written at most this often */

enum console_auth_result {
    CONSOLE_AUTH_OK = 0,
    CONSOLE_AUTH_BAD_CREDENTIALS, /* unknown name or wrong password (never told apart) */
    CONSOLE_AUTH_LOCKED,          /* back-off, or a failure from a throttled address:
                                   *retry_after_s says how long */
    CONSOLE_AUTH_EXISTS,          /* user create: the name is taken */
    CONSOLE_AUTH_INVALID,         /* bad name, role or password length */
    CONSOLE_AUTH_ERROR,           /* database or crypto failure (logged) */
    /* Added with the console's account management (issue 16): told only
     * to a caller who gave the right password. */
    CONSOLE_AUTH_DISABLED, /* an admin disabled the account */
    CONSOLE_AUTH_EXPIRED,  /* a temporary password past its time (app/staff_accounts) */
};

/* Create user name with role and password[0..len) in a transaction of its
 * own with its audit row; with replace, an existing user gets the new
 * password and role instead (its sessions end). Names follow
 * staff_token_name_valid; passwords are PASSWORD_MIN..PASSWORD_MAX bytes. */
enum console_auth_result console_auth_user_create(struct db *db, const struct audit_actor *actor,
                                                  const char *name, const char *role,
                                                  const char *password, size_t len, bool replace)
    __attribute__((warn_unused_result));

/* Sign in from client at now; known (may be NULL) is the session cookie
 * value the browser presented, if any. On CONSOLE_AUTH_OK, token
 * (CONSOLE_AUTH_TOKEN_LEN + 1 bytes) receives the cookie value, shown only
 * to this caller, and *out the session (CSRF token included;
 * password_temporary when the user must choose a password first). On
 * CONSOLE_AUTH_LOCKED, *retry_after_s is set. A right password on a
 * disabled account, or a temporary one past its time, is a failed sign-in
 * (audited) answered CONSOLE_AUTH_DISABLED or CONSOLE_AUTH_EXPIRED. */
enum console_auth_result console_auth_login(struct db *db, const char *name, const char *password,
                                            size_t len, const char *client, const char *known,
                                            int64_t now, char token[CONSOLE_AUTH_TOKEN_LEN + 1],
                                            struct staff_session *out, int *retry_after_s)
    __attribute__((warn_unused_result));

/* The live session of a presented cookie value, not idle for idle_s or
 * more: 1 (*out filled, last use recorded), 0 none, -1 database failure. */
int console_auth_session_check(struct db *db, const char *token, size_t len, int64_t now,
                               int idle_s, struct staff_session *out)
    __attribute__((warn_unused_result));

/* End session s (audited as its user from client). Returns 0 or -1. */
int console_auth_logout(struct db *db, const struct staff_session *s, const char *client)
    __attribute__((warn_unused_result));

/* true when the CSRF token presented equals the session's (constant time). */
bool console_auth_csrf_ok(const struct staff_session *s, const char *presented);

#endif
