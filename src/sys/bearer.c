/* bearer.c -- API bearer tokens with OpenSSL: RAND_bytes for the value,
 * SHA-256 for what is stored, CRYPTO_memcmp to compare. */
#include "sys/bearer.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <string.h>

#include "core/hex.h"
#include "sys/log.h"

int bearer_generate(char out[BEARER_TOKEN_LEN + 1])
{
    unsigned char raw[BEARER_TOKEN_LEN / 2];
    if (RAND_bytes(raw, (int)sizeof raw) != 1) {
        log_error("token_random_failed", NULL);
        return -1;
    }
    hex_encode(raw, sizeof raw, out);
    OPENSSL_cleanse(raw, sizeof raw);
    return 0;
}

bool bearer_well_formed(const char *s, size_t len)
{
    if (len != BEARER_TOKEN_LEN)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

int bearer_hash(const char *token, size_t len, char out[BEARER_HASH_LEN + 1])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (EVP_Digest(token, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != BEARER_HASH_LEN / 2)
        return -1;
    hex_encode(md, mdlen, out);
    return 0;
}

bool bearer_hash_equal(const char *a, const char *b)
{
    return CRYPTO_memcmp(a, b, BEARER_HASH_LEN) == 0;
}

void bearer_wipe(char *s, size_t len)
{
    OPENSSL_cleanse(s, len);
}
