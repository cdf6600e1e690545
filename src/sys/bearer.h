/* bearer.h -- API bearer tokens: 256 random bits from OpenSSL shown once as
 * 64 lower-case hex characters, stored only as their SHA-256 (hex), and
 * hashes compared in constant time. */
#ifndef TAAWUN_SYS_BEARER_H
#define TAAWUN_SYS_BEARER_H

#include <stdbool.h>
#include <stddef.h>

#define BEARER_TOKEN_LEN 64 /* hex characters of a token (256 bits) */
#define BEARER_HASH_LEN 64  /* hex characters of its SHA-256 */

/* A new token into out (BEARER_TOKEN_LEN + 1 bytes). Returns 0, or -1 when
 * the random generator fails (logged). */
int bearer_generate(char out[BEARER_TOKEN_LEN + 1]) __attribute__((warn_unused_result));

/* true when s[0..len) has the shape of a token (64 hex digits). */
bool bearer_well_formed(const char *s, size_t len);

/* SHA-256 of token[0..len) as hex into out (BEARER_HASH_LEN + 1 bytes).
 * Returns 0 or -1. */
int bearer_hash(const char *token, size_t len, char out[BEARER_HASH_LEN + 1])
    __attribute__((warn_unused_result));

/* Overwrite s[0..len) with zeros in a way the compiler keeps. */
void bearer_wipe(char *s, size_t len);

/* Constant-time equality of two hex hashes of BEARER_HASH_LEN characters. */
bool bearer_hash_equal(const char *a, const char *b);

#endif
