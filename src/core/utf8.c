/* utf8.c -- strict UTF-8 (RFC 3629) validation, decoding, encoding and
 * measuring. Every text that comes from a phone or a catalog passes through
 * here before anything counts its characters. */
#include "core/utf8.h"

size_t utf8_decode(const char *s, size_t len, uint32_t *cp)
{
    const unsigned char *p = (const unsigned char *)s;
    uint32_t c;
    size_t need;
    uint32_t min;

    if (len == 0 || s == NULL)
        return 0;
    c = p[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c < 0xC2) /* continuation byte, or C0/C1 (always overlong) */
        return 0;
    if (c < 0xE0) {
        need = 2;
        min = 0x80;
        c &= 0x1F;
    } else if (c < 0xF0) {
        need = 3;
        min = 0x800;
        c &= 0x0F;
    } else if (c < 0xF5) {
        need = 4;
        min = 0x10000;
        c &= 0x07;
    } else {
        return 0;
    }
    if (len < need)
        return 0;
    for (size_t i = 1; i < need; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (p[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return need;
}

bool utf8_valid(const char *s, size_t len)
{
    size_t i = 0;
    uint32_t cp;

    while (i < len) {
        size_t n = utf8_decode(s + i, len - i, &cp);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

size_t utf8_encode(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;

    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp >= 0xD800 && cp <= 0xDFFF)
        return 0;
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    if (cp <= 0x10FFFF) {
        o[0] = (unsigned char)(0xF0 | (cp >> 18));
        o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[3] = (unsigned char)(0x80 | (cp & 0x3F));
        return 4;
    }
    return 0;
}

/* For invalid input each malformed byte counts as one code point, the way a
 * decoder that substitutes U+FFFD would see it. */
size_t utf8_count(const char *s, size_t len)
{
    size_t i = 0, n = 0;
    uint32_t cp;

    while (i < len) {
        size_t k = utf8_decode(s + i, len - i, &cp);
        i += k ? k : 1;
        n++;
    }
    return n;
}

/* Decodes forward rather than stepping back from max_bytes, so that for
 * invalid input the answer stops before the first malformed byte. */
size_t utf8_floor(const char *s, size_t len, size_t max_bytes)
{
    size_t i = 0;
    uint32_t cp;

    if (max_bytes < len)
        len = max_bytes;
    while (i < len) {
        size_t k = utf8_decode(s + i, len - i, &cp);
        if (k == 0)
            break;
        i += k;
    }
    return i;
}
