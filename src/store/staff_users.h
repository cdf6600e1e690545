/* staff_users.h -- the staff_users and staff_sessions tables of the web
 * console: accounts with a role and an scrypt hash (sys/password.h), their
 * failed sign-ins and lock-out, and sessions kept as SHA-256 hashes of the
 * cookie value with a CSRF token and the time of last use.
 * Functions borrow the connection and never begin or commit. */
#ifndef TAAWUN_STORE_STAFF_USERS_H
#define TAAWUN_STORE_STAFF_USERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "store/db.h"

#define STAFF_USER_NAME_MAX 64  /* bytes with the NUL */
#define STAFF_HASH_TEXT_MAX 200 /* stored password form, with the NUL */
#define STAFF_CSRF_MAX 65       /* 64 hex characters and the NUL */
#define STAFF_USERS_LIST_MAX 1000

struct staff_user {
    int64_t id;
    char name[STAFF_USER_NAME_MAX];
    char role[16];
    char password_hash[STAFF_HASH_TEXT_MAX];
    int64_t created_at;
    int failed_logins;    /* sign-in attempts since the last success */
    int64_t locked_until; /* back-off: attempts before this are refused (0: none) */
    int64_t last_login_at;
    int64_t disabled_at;              /* 0: active */
    int64_t password_temporary_until; /* 0: a password the user chose */
};

struct staff_session {
    int64_t id;
    int64_t user_id;
    char user_name[STAFF_USER_NAME_MAX];
    char role[16];
    char csrf[STAFF_CSRF_MAX];
    int64_t created_at;
    int64_t last_seen_at;
    bool password_temporary; /* the user must choose a password first */
};

/* Insert a user. Returns 0 with *id set, 1 when the name is taken, -1. */
int staff_users_insert(struct db *db, const char *name, const char *role, const char *hash,
                       int64_t now, int64_t *id) __attribute__((warn_unused_result));

/* Replace a user's password hash and role (an existing name); the
 * password is the user's own (not temporary). Returns 1 updated, 0 no such
 * user, -1. */
int staff_users_update(struct db *db, const char *name, const char *role, const char *hash)
    __attribute__((warn_unused_result));

/* The user called name. Returns 1, 0 (none) or -1. */
int staff_users_find(struct db *db, const char *name, struct staff_user *out)
    __attribute__((warn_unused_result));

/* The user with id. Returns 1, 0 (none) or -1. */
int staff_users_get(struct db *db, int64_t id, struct staff_user *out)
    __attribute__((warn_unused_result));

/* Set user id's role. Returns 1 updated, 0 no such user, -1. */
int staff_users_set_role(struct db *db, int64_t id, const char *role)
    __attribute__((warn_unused_result));

/* Disable user id at disabled_at (0: enable it again). Returns 1, 0, -1. */
int staff_users_set_disabled(struct db *db, int64_t id, int64_t disabled_at)
    __attribute__((warn_unused_result));

/* Replace user id's password hash; temporary_until > 0 makes it a
 * temporary password valid until then, 0 the user's own. Failures and
 * back-off are cleared. Returns 1, 0, -1. */
int staff_users_set_password(struct db *db, int64_t id, const char *hash, int64_t temporary_until)
    __attribute__((warn_unused_result));

/* How many admins are active (not disabled), leaving out user except_id
 * (0: none). Returns the count or -1. */
int staff_users_active_admins(struct db *db, int64_t except_id) __attribute__((warn_unused_result));

/* How failed sign-ins slow an account down: the first free_failures in a
 * row cost nothing; from then on each puts the account in back-off for
 * base_s doubled per further failure, at most cap_s. */
struct staff_backoff {
    int free_failures;
    int base_s;
    int cap_s;
};

/* Count one sign-in attempt on user id at now, before its password is
 * checked, in one atomic statement (UPDATE ... SET failed_logins =
 * failed_logins + 1 ... RETURNING: parallel attempts each count once, and
 * no two read the same count). When the account is not in back-off at now,
 * or bypass (the attempt comes from a browser the user signed in with),
 * the attempt may check the password: returns 1, and the back-off the
 * count now calls for is already set (a success clears it, see
 * staff_users_login_ok). Otherwise returns 0: refused, counted, the
 * back-off not extended. *failures and *backoff_until receive the stored
 * values. -1 on a database failure. */
int staff_users_attempt(struct db *db, int64_t id, int64_t now, bool bypass,
                        const struct staff_backoff *policy, int *failures, int64_t *backoff_until)
    __attribute__((warn_unused_result));

/* Record a successful sign-in at now (failures reset). */
int staff_users_login_ok(struct db *db, int64_t id, int64_t now)
    __attribute__((warn_unused_result));

/* All users, by name, at most max. Returns the count or -1. */
int staff_users_list(struct db *db, struct staff_user *out, size_t max)
    __attribute__((warn_unused_result));

/* A new live session. Returns 0 or -1. */
int staff_sessions_insert(struct db *db, int64_t user_id, const char *token_hash, const char *csrf,
                          int64_t now, const char *client) __attribute__((warn_unused_result));

/* The live session whose token hash is token_hash, used at or after
 * idle_since, with its user (an active one). Returns 1, 0 (none, ended,
 * idle, or its user disabled) or -1. */
int staff_sessions_find(struct db *db, const char *token_hash, int64_t idle_since,
                        struct staff_session *out) __attribute__((warn_unused_result));

/* 1 when token_hash is the hash of a session of user_id created at or
 * after since, live or ended (the browser presenting it signed in as that
 * user before), 0 when not, -1. */
int staff_sessions_known(struct db *db, int64_t user_id, const char *token_hash, int64_t since)
    __attribute__((warn_unused_result));

/* Record a use of session id at now. */
int staff_sessions_touch(struct db *db, int64_t id, int64_t now)
    __attribute__((warn_unused_result));

/* End session id (sign-out). */
int staff_sessions_end(struct db *db, int64_t id, int64_t now) __attribute__((warn_unused_result));

/* End every live session of user_id (password change). */
int staff_sessions_end_user(struct db *db, int64_t user_id, int64_t now)
    __attribute__((warn_unused_result));

/* End every live session of user_id but keep_id (the user changing their
 * own password stays signed in there). */
int staff_sessions_end_others(struct db *db, int64_t user_id, int64_t keep_id, int64_t now)
    __attribute__((warn_unused_result));

#endif
