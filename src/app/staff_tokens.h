/* staff_tokens.h -- issuing, revoking and checking the admin API's bearer
 * tokens: the token is shown once at creation and only its SHA-256 is
 * stored; creation and revocation are audited in their transaction. Used
 * by the API (tokens resource, authentication) and `taawund token`. */
#ifndef TAAWUN_APP_STAFF_TOKENS_H
#define TAAWUN_APP_STAFF_TOKENS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "store/db.h"

#include "store/audit.h"
#include "store/tokens.h"
#include "sys/bearer.h"

enum staff_token_result {
    STAFF_TOKEN_OK = 0,
    STAFF_TOKEN_EXISTS,    /* a live token has that name */
    STAFF_TOKEN_NOT_FOUND, /* no live token by that name / id */
    STAFF_TOKEN_INVALID,   /* bad name or role */
    STAFF_TOKEN_ERROR,     /* database or random generator failure (logged) */
};

/* Names: 1..TOKEN_NAME_MAX-1 bytes of letters, digits, '.', '_', '-', '@'. */
bool staff_token_name_valid(const char *name);

/* "admin", "staff" or "viewer". */
bool staff_token_role_valid(const char *role);

/* Create a live token name with role, in a transaction of its own with its
 * audit row. token (BEARER_TOKEN_LEN + 1 bytes) receives the token, the
 * only time it exists outside the caller; *row (may be NULL) the stored row. */
enum staff_token_result staff_token_create(struct db *db, const struct audit_actor *actor,
                                           const char *name, const char *role,
                                           char token[BEARER_TOKEN_LEN + 1], struct token_row *row)
    __attribute__((warn_unused_result));

/* Revoke the live token called name (id 0) or with id, with its audit row,
 * in a transaction of its own. *row (may be NULL) receives the token. */
enum staff_token_result staff_token_revoke(struct db *db, const struct audit_actor *actor,
                                           const char *name, int64_t id, struct token_row *row)
    __attribute__((warn_unused_result));

/* Check a presented token: 1 valid (*row filled; last use recorded), 0 not
 * a live token, -1 database failure. */
int staff_token_check(struct db *db, const char *presented, size_t len, struct token_row *row)
    __attribute__((warn_unused_result));

/* Record a failed authentication with a bearer token (an audit row,
 * action "token.auth_failed", who "unknown", in a transaction of its own):
 * reason is a word ("invalid_token"), client the caller's masked address
 * (core/cidr's cidr_addr_mask). Returns 0 or -1. */
int staff_token_auth_failed(struct db *db, const char *client_masked, const char *reason)
    __attribute__((warn_unused_result));

#endif
