/* staff_accounts.h -- console accounts managed by an admin from the console
 * (issue 16, "missing" 2): create, change a role, disable and enable, reset
 * a password; and a user choosing their own password.
 *
 * An admin never types a colleague's password: creating an account or
 * resetting its password draws a temporary one (sys/password,
 * password_temporary) that the admin reads out or hands over once; it is
 * valid STAFF_ACCOUNT_TEMPORARY_S and lets its holder do one thing, choose
 * their own password (the console asks at once; the API answers 403
 * password_change_required to anything else). A reset or a disable ends
 * the account's sessions. The last active admin can be neither demoted nor
 * disabled, checked inside the change's write transaction so two admins
 * acting at once cannot both succeed.
 *
 * Each function runs in a write transaction of its own with its audit row
 * (actions staff_user.create, .role, .disable, .enable, .password_reset,
 * .password_change; a password never appears in a summary or a log). */
#ifndef TAAWUN_APP_STAFF_ACCOUNTS_H
#define TAAWUN_APP_STAFF_ACCOUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "store/db.h"

#include "store/audit.h"
#include "sys/password.h"

#define STAFF_ACCOUNT_TEMPORARY_S (72 * 3600) /* a temporary password works this long */

enum staff_account_result {
    STAFF_ACCOUNT_OK = 0,
    STAFF_ACCOUNT_NOT_FOUND,
    STAFF_ACCOUNT_EXISTS,         /* create: the name is taken */
    STAFF_ACCOUNT_INVALID,        /* a bad name, role or new password */
    STAFF_ACCOUNT_LAST_ADMIN,     /* would leave no active admin */
    STAFF_ACCOUNT_WRONG_PASSWORD, /* change: the current password is not theirs */
    STAFF_ACCOUNT_ERROR,          /* database or crypto failure (logged) */
};

/* Create account name with role and a temporary password, written to
 * password (shown once to the caller); *id and *until (when it expires)
 * are set. */
enum staff_account_result staff_account_create(struct db *db, const struct audit_actor *actor,
                                               const char *name, const char *role, int64_t now,
                                               char password[PASSWORD_TEMPORARY_LEN + 1],
                                               int64_t *id, int64_t *until)
    __attribute__((warn_unused_result));

/* Give account id role (STAFF_ACCOUNT_LAST_ADMIN when it is the last
 * active admin and role is not admin). Setting the role it has is OK and
 * writes nothing. */
enum staff_account_result staff_account_set_role(struct db *db, const struct audit_actor *actor,
                                                 int64_t id, const char *role)
    __attribute__((warn_unused_result));

/* Disable account id at now (its sessions end), or enable it again.
 * The state it is in already is OK and writes nothing. */
enum staff_account_result staff_account_set_disabled(struct db *db, const struct audit_actor *actor,
                                                     int64_t id, bool disabled, int64_t now)
    __attribute__((warn_unused_result));

/* A new temporary password for account id (its sessions end): written to
 * password, valid until *until. */
enum staff_account_result
staff_account_reset_password(struct db *db, const struct audit_actor *actor, int64_t id,
                             int64_t now, char password[PASSWORD_TEMPORARY_LEN + 1], int64_t *until)
    __attribute__((warn_unused_result));

/* User user_id, signed in as session_id, replaces their password: current
 * must be it, fresh is PASSWORD_MIN..PASSWORD_MAX bytes and differs from
 * it. Their other sessions end; this one goes on, no longer temporary. */
enum staff_account_result
staff_account_change_password(struct db *db, const struct audit_actor *actor, int64_t user_id,
                              int64_t session_id, const char *current, size_t current_len,
                              const char *fresh, size_t fresh_len, int64_t now)
    __attribute__((warn_unused_result));

#endif
