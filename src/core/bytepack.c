/* bytepack.c -- varints, short strings and squeezed zero runs. */
#include "core/bytepack.h"

#include <string.h>

void put_bytes(struct packer *w, const void *src, size_t len)
{
    if (len)
        memcpy(w->p + w->n, src, len);
    w->n += len;
}

void put_byte(struct packer *w, uint8_t v)
{
    w->p[w->n++] = v;
}

void put_varint(struct packer *w, uint64_t v)
{
    while (v >= 0x80) {
        w->p[w->n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    w->p[w->n++] = (unsigned char)v;
}

void put_short_string(struct packer *w, const char *s, size_t max)
{
    size_t len = strnlen(s, max > UINT8_MAX ? UINT8_MAX : max);
    put_byte(w, (uint8_t)len);
    put_bytes(w, s, len);
}

/* How many zero bytes p[0..n) starts with, a word at a time. */
static size_t leading_zeros(const unsigned char *p, size_t n)
{
    size_t i = 0;
    uint64_t word;
    while (i + sizeof word <= n) {
        memcpy(&word, p + i, sizeof word);
        if (word)
            break;
        i += sizeof word;
    }
    while (i < n && !p[i])
        i++;
    return i;
}

void put_squeezed(struct packer *w, const unsigned char *src, size_t len)
{
    /* The bytes go after a gap for the longest length (3 varint bytes:
     * up to 2^21 - 1), then move back once the length is written. */
    size_t at = w->n;
    w->n += 3;
    size_t start = w->n;
    for (size_t i = 0; i < len;) {
        size_t literal = strnlen((const char *)src + i, len - i);
        put_bytes(w, src + i, literal);
        i += literal;
        size_t zeros = leading_zeros(src + i, len - i);
        i += zeros;
        while (zeros > 0) {
            unsigned char pair[2] = {0, zeros > UINT8_MAX ? UINT8_MAX : (unsigned char)zeros};
            put_bytes(w, pair, sizeof pair);
            zeros -= pair[1];
        }
    }
    size_t squeezed = w->n - start;
    w->n = at;
    put_varint(w, squeezed);
    memmove(w->p + w->n, w->p + start, squeezed);
    w->n += squeezed;
}

void take_bytes(struct unpacker *r, void *dst, size_t len, size_t room)
{
    if (r->bad || len > room || len > r->n - r->at) {
        r->bad = true;
        return;
    }
    if (len)
        memcpy(dst, r->p + r->at, len);
    r->at += len;
}

uint8_t take_byte(struct unpacker *r)
{
    uint8_t v = 0;
    take_bytes(r, &v, sizeof v, sizeof v);
    return v;
}

uint64_t take_varint(struct unpacker *r)
{
    uint64_t v = 0;
    for (unsigned shift = 0; !r->bad; shift += 7) {
        uint8_t b = take_byte(r);
        r->bad = r->bad || shift > 63;
        v |= r->bad ? 0 : (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            break;
    }
    return r->bad ? 0 : v;
}

void take_short_string(struct unpacker *r, char *dst, size_t room)
{
    size_t len = take_byte(r);
    take_bytes(r, dst, len, room ? room - 1 : 0);
}

void take_squeezed(struct unpacker *r, unsigned char *dst, size_t room)
{
    uint64_t len = take_varint(r);
    r->bad = r->bad || len > r->n - r->at;
    size_t end = r->bad ? r->at : r->at + (size_t)len, out = 0;
    while (!r->bad && r->at < end) {
        const unsigned char *from = r->p + r->at;
        const unsigned char *zero = memchr(from, 0, end - r->at);
        size_t literal = zero ? (size_t)(zero - from) : end - r->at;
        if (literal) { /* bytes other than 0, as they are */
            r->bad = out + literal > room;
            if (!r->bad)
                memcpy(dst + out, from, literal);
            out += literal;
            r->at += literal;
            continue;
        }
        size_t run = r->at + 1 < end ? r->p[r->at + 1] : 0; /* a 0 and its run */
        r->bad = run == 0 || out + run > room;
        if (!r->bad)
            memset(dst + out, 0, run);
        out += run;
        r->at += 2;
    }
    r->bad = r->bad || out != room;
}
