/* hex.h -- bytes to hexadecimal text and back, the one hex helper of
 * taawun (token values and hashes, password salts and keys, provider
 * signatures). Percent-encoding stays in core/form. Pure. */
#ifndef TAAWUN_CORE_HEX_H
#define TAAWUN_CORE_HEX_H

#include <stddef.h>

/* Write in[0..n) as lower-case hex into out, which must hold 2n + 1 bytes
 * (NUL-terminated). Both pointers borrowed. */
void hex_encode(const unsigned char *in, size_t n, char *out);

/* The value of one hex digit (0-9, a-f, A-F), or -1. */
int hex_digit_value(int c);

/* Decode exactly n bytes from s[0..slen), which must be 2n lower-case hex
 * digits as hex_encode writes them (upper case is refused). Returns 0, or
 * -1 (wrong length or a character that is no lower-case digit; out may then
 * be partly written). */
int hex_decode(const char *s, size_t slen, unsigned char *out, size_t n)
    __attribute__((warn_unused_result));

#endif
