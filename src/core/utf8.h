/* utf8.h -- strict UTF-8 validation, decoding and measuring.
 *
 * Strict means RFC 3629: no overlong forms, no surrogates, nothing above
 * U+10FFFF. All functions take a byte length; none needs a NUL. */
#ifndef TAAWUN_CORE_UTF8_H
#define TAAWUN_CORE_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* true when s[0..len) is well-formed UTF-8 (an empty string is). */
bool utf8_valid(const char *s, size_t len);

/* Decode one code point from s[0..len). Returns the bytes consumed (1..4)
 * and stores the code point in *cp, or returns 0 when the sequence is
 * malformed or truncated (len == 0 included). */
size_t utf8_decode(const char *s, size_t len, uint32_t *cp);

/* Encode cp into out (at least 4 bytes). Returns the bytes written, or 0
 * when cp is a surrogate or above U+10FFFF. */
size_t utf8_encode(uint32_t cp, char *out);

/* Number of code points in valid UTF-8 s[0..len). */
size_t utf8_count(const char *s, size_t len);

/* Byte length of the longest prefix of valid UTF-8 s[0..len) that is at
 * most max_bytes long and ends on a code point boundary. */
size_t utf8_floor(const char *s, size_t len, size_t max_bytes);

#endif
