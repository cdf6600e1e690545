/* hex.c -- lower-case hexadecimal encoding and strict decoding. */
#include "core/hex.h"

void hex_encode(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

int hex_digit_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* A lower-case digit's value, or -1. */
static int lower_digit_value(char c)
{
    return (c >= 'A' && c <= 'F') ? -1 : hex_digit_value((unsigned char)c);
}

int hex_decode(const char *s, size_t slen, unsigned char *out, size_t n)
{
    if (slen != 2 * n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int hi = lower_digit_value(s[2 * i]), lo = lower_digit_value(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return 0;
}
