/* hash.c -- FNV-1a, 64-bit (http://www.isthe.com/chongo/tech/comp/fnv/). */
#include "core/hash.h"

uint64_t hash_string(const char *s)
{
    uint64_t h = HASH_FNV1A_OFFSET_BASIS;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        h ^= *p;
        h *= HASH_FNV1A_PRIME;
    }
    return h;
}

uint64_t hash_bytes(const void *p, size_t n)
{
    const unsigned char *b = p;
    uint64_t h = HASH_FNV1A_OFFSET_BASIS;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= HASH_FNV1A_PRIME;
    }
    return h;
}
