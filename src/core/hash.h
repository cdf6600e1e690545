/* hash.h -- FNV-1a (64-bit), the one non-cryptographic string hash of
 * taawun: hash tables in memory (USSD sessions, catalogs, statement cache,
 * duplicate keys of an import). Never stored, never a security boundary:
 * secrets and tokens use SHA-256 (sys/bearer). Pure. */
#ifndef TAAWUN_CORE_HASH_H
#define TAAWUN_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_FNV1A_OFFSET_BASIS 14695981039346656037ULL
#define HASH_FNV1A_PRIME 1099511628211ULL

/* FNV-1a of the NUL-terminated string s (borrowed; not NULL). */
uint64_t hash_string(const char *s);

/* FNV-1a of the n bytes at p (borrowed; may be NULL when n is 0). */
uint64_t hash_bytes(const void *p, size_t n);

#endif
