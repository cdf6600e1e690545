/* bytepack.h -- bytes written and read back compactly: lengths and counts
 * as varints, short strings with a length byte, mostly-zero structs with
 * their zero runs squeezed (app/ussd_session keeps its records this way).
 * The writer trusts its caller for room; the reader checks every length
 * against what it reads from and where it writes, and stops at the first
 * fault (bad set), never overflowing. Pure. */
#ifndef TAAWUN_CORE_BYTEPACK_H
#define TAAWUN_CORE_BYTEPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes written to p[0..n); the caller gives room for all. */
struct packer {
    unsigned char *p;
    size_t n;
};

void put_bytes(struct packer *w, const void *src, size_t len);
void put_byte(struct packer *w, uint8_t v);

/* v in 7-bit groups, the lowest first: a length takes a byte or two. */
void put_varint(struct packer *w, uint64_t v);

/* A string of at most max (<= 255) bytes: its length in a byte, then its
 * bytes (no NUL). */
void put_short_string(struct packer *w, const char *s, size_t max);

/* src[0..len) (len < 2^21) with each run of zero bytes written as a 0 and
 * the run's length (1..255, longer runs in several), after its squeezed
 * length as a varint: at most 2 * len + 3 bytes. */
void put_squeezed(struct packer *w, const unsigned char *src, size_t len);

/* Reads p[at..n); bad once anything did not fit. */
struct unpacker {
    const unsigned char *p;
    size_t n, at;
    bool bad;
};

/* len bytes into dst (room bytes there). */
void take_bytes(struct unpacker *r, void *dst, size_t len, size_t room);
uint8_t take_byte(struct unpacker *r);
uint64_t take_varint(struct unpacker *r);

/* A put_short_string() into dst (room bytes, zeroed: it stays terminated). */
void take_short_string(struct unpacker *r, char *dst, size_t room);

/* A put_squeezed() into dst[0..room): bad unless it fills it exactly. */
void take_squeezed(struct unpacker *r, unsigned char *dst, size_t room);

#endif
