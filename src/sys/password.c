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

#include "sys/log.h"

#define SALT_BYTES 16
#define KEY_BYTES 32
#define LOG_N_MAX 20 /* refuse stored parameters beyond 2^20 (1 GiB at r = 8) */
#define MAXMEM_BYTES (1200ull * 1024 * 1024)

static void to_hex(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Decode exactly n bytes of lower-case hex from s (which must end there:
 * at '$' or NUL). Returns 0 or -1. */
static int from_hex(const char *s, size_t slen, unsigned char *out, size_t n)
{
    if (slen != 2 * n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int hi = hex_value(s[2 * i]), lo = hex_value(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return 0;
}

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
    to_hex(salt, sizeof salt, salt_hex);
    to_hex(key, sizeof key, key_hex);
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
    if (from_hex(salt_hex, (size_t)(dollar - salt_hex), salt, sizeof salt) != 0 ||
        from_hex(dollar + 1, strlen(dollar + 1), want, sizeof want) != 0)
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
