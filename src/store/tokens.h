/* tokens.h -- the staff_tokens table: API tokens by name and role, kept as
 * SHA-256 hashes only (see sys/bearer.h), with creation, last use and
 * revocation times. At most one live (unrevoked) token per name.
 * Functions borrow the connection and never begin or commit. */
#ifndef TAAWUN_STORE_TOKENS_H
#define TAAWUN_STORE_TOKENS_H

#include <stddef.h>
#include <stdint.h>
#include "store/db.h"

#define TOKEN_NAME_MAX 64 /* bytes with the NUL */
#define TOKENS_LIST_MAX 1000

struct token_row {
    int64_t id;
    char name[TOKEN_NAME_MAX];
    char role[16];
    int64_t created_at;
    int64_t last_used_at; /* 0: never */
    int64_t revoked_at;   /* 0: live */
};

/* Insert a live token. Returns 0 with *id set, 1 when name already has a
 * live token, -1 on error. */
int tokens_insert(struct db *db, const char *name, const char *role, const char *hash_hex,
                  int64_t now, int64_t *id) __attribute__((warn_unused_result));

/* The live token whose hash is hash_hex, with the stored hash copied into
 * stored_hex (BEARER_HASH_LEN + 1 bytes) for a constant-time comparison.
 * Returns 1, 0 (none) or -1. */
int tokens_find_live(struct db *db, const char *hash_hex, struct token_row *out, char *stored_hex,
                     size_t stored_sz) __attribute__((warn_unused_result));

/* A token's last use is written at most once per this many seconds. */
#define TOKENS_TOUCH_INTERVAL_S 60

/* Record a use at now (at most once per TOKENS_TOUCH_INTERVAL_S); inside
 * the caller's write transaction. */
int tokens_touch(struct db *db, int64_t id, int64_t now) __attribute__((warn_unused_result));

/* Revoke the live token named name (by_id 0) or with id by_id. *out gets
 * the row as it was. Returns 1 revoked, 0 no such live token, -1. */
int tokens_revoke(struct db *db, const char *name, int64_t by_id, int64_t now,
                  struct token_row *out) __attribute__((warn_unused_result));

/* All tokens (live first, then newest), at most max. Returns the count or -1. */
int tokens_list(struct db *db, struct token_row *out, size_t max)
    __attribute__((warn_unused_result));

#endif
