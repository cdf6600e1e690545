/* password.c -- scrypt password hashes with OpenSSL: RAND_bytes for the
 * salt, EVP_PBE_scrypt to derive the key, CRYPTO_memcmp to compare. */
#include "sys/password.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "sys/log.h"

#define SALT_BYTES 16
#define KEY_BYTES 32
#define LOG_N_MAX 20 /* refuse stored parameters beyond 2^20 (1 GiB at r = 8) */
#define MAXMEM_BYTES (1200ull * 1024 * 1024)

static int derive(const char *password, size_t len, const unsigned char *salt, int log_n,
                  uint64_t r, uint64_t p, unsigned char key[KEY_BYTES])
{
    if (EVP_PBE_scrypt(password, len, salt, SALT_BYTES, (uint64_t)1 << log_n, r, p, MAXMEM_BYTES,
                       key, KEY_BYTES) != 1) {
        log_error("password_kdf_failed", NULL);
        return -1;
    }
    return 0;
}

int password_hash(const char *password, size_t len, char out[PASSWORD_HASH_MAX])
{
    unsigned char salt[SALT_BYTES], key[KEY_BYTES];
    char salt_hex[2 * SALT_BYTES + 1], key_hex[2 * KEY_BYTES + 1];
    if (RAND_bytes(salt, (int)sizeof salt) != 1) {
        log_error("password_random_failed", NULL);
        return -1;
    }
    if (derive(password, len, salt, PASSWORD_LOG_N, PASSWORD_R, PASSWORD_P, key) != 0)
        return -1;
    hex_encode(salt, sizeof salt, salt_hex);
    hex_encode(key, sizeof key, key_hex);
    OPENSSL_cleanse(key, sizeof key);
    int n = snprintf(out, PASSWORD_HASH_MAX, "scrypt$%d$%d$%d$%s$%s", PASSWORD_LOG_N, PASSWORD_R,
                     PASSWORD_P, salt_hex, key_hex);
    return n > 0 && n < PASSWORD_HASH_MAX ? 0 : -1;
}

bool password_verify(const char *password, size_t len, const char *stored)
{
    int log_n, r, p, used = 0;
    if (!stored || sscanf(stored, "scrypt$%2d$%2d$%2d$%n", &log_n, &r, &p, &used) != 3 ||
        used == 0 || log_n < 10 || log_n > LOG_N_MAX || r < 1 || r > 32 || p < 1 || p > 16)
        return false;
    const char *salt_hex = stored + used;
    const char *dollar = strchr(salt_hex, '$');
    if (!dollar)
        return false;
    unsigned char salt[SALT_BYTES], want[KEY_BYTES], got[KEY_BYTES];
    if (hex_decode(salt_hex, (size_t)(dollar - salt_hex), salt, sizeof salt) != 0 ||
        hex_decode(dollar + 1, strlen(dollar + 1), want, sizeof want) != 0)
        return false;
    if (derive(password, len, salt, log_n, (uint64_t)r, (uint64_t)p, got) != 0)
        return false;
    bool ok = CRYPTO_memcmp(got, want, KEY_BYTES) == 0;
    OPENSSL_cleanse(got, sizeof got);
    return ok;
}

void password_dummy_verify(const char *password, size_t len)
{
    static const unsigned char salt[SALT_BYTES] = {0};
    unsigned char key[KEY_BYTES];
    if (derive(password, len, salt, PASSWORD_LOG_N, PASSWORD_R, PASSWORD_P, key) == 0)
        OPENSSL_cleanse(key, sizeof key);
}

int password_temporary(char out[PASSWORD_TEMPORARY_LEN + 1])
{
    static const char alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";
    const size_t base = sizeof alphabet - 1; /* 31 */
    const unsigned limit = 256 - 256 % base; /* bytes at or above: dropped, no bias */
    unsigned char r[32];
    size_t n = 0;
    while (n < PASSWORD_TEMPORARY_LEN) {
        if (RAND_bytes(r, sizeof r) != 1) {
            log_error("password_random_failed", NULL);
            return -1;
        }
        for (size_t i = 0; i < sizeof r && n < PASSWORD_TEMPORARY_LEN; i++) {
            if (n % 5 == 4)
                out[n++] = '-';
            if (r[i] < limit)
                out[n++] = alphabet[r[i] % base];
        }
    }
    out[n] = '\0';
    OPENSSL_cleanse(r, sizeof r);
    return 0;
}
