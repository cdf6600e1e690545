/* password.h -- staff passwords hashed with scrypt (OpenSSL's
 * EVP_PBE_scrypt, memory-hard) and a per-password random salt. The stored
 * form carries its own parameters, so they can be raised later without
 * breaking old hashes: "scrypt$LOGN$R$P$SALT_HEX$HASH_HEX". */
#ifndef TAAWUN_SYS_PASSWORD_H
#define TAAWUN_SYS_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#define PASSWORD_MIN 10       /* characters (bytes) a new password needs at least */
#define PASSWORD_MAX 256      /* bytes of a password, longer ones are refused */
#define PASSWORD_HASH_MAX 200 /* bytes of the stored form, with the NUL */
#define PASSWORD_LOG_N 15     /* N = 2^15: 32 MiB with r = 8 */
#define PASSWORD_R 8
#define PASSWORD_P 1

#define PASSWORD_TEMPORARY_LEN 14 /* "abcd-efgh-jkmn": 12 characters of 31, ~59 bits */

/* Hash password[0..len) with a new random salt into out
 * (PASSWORD_HASH_MAX bytes). Returns 0, or -1 (logged; nothing secret). */
int password_hash(const char *password, size_t len, char out[PASSWORD_HASH_MAX])
    __attribute__((warn_unused_result));

/* true when password[0..len) matches stored (constant-time comparison of
 * the derived keys). A malformed stored form never matches. */
bool password_verify(const char *password, size_t len, const char *stored);

/* Spend the time of one verification without a stored hash, so an unknown
 * name answers as slowly as a known one. */
void password_dummy_verify(const char *password, size_t len);

/* A temporary password an admin reads out to a colleague: three groups of
 * four lower-case letters and digits, without those read alike (0/o, 1/l/i),
 * drawn with RAND_bytes. Returns 0, or -1 (logged). */
int password_temporary(char out[PASSWORD_TEMPORARY_LEN + 1]) __attribute__((warn_unused_result));

#endif
