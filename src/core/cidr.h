/* cidr.h -- IP addresses and CIDR prefixes as the config writes them
 * ("10.0.0.5", "127.0.0.1/32", "2001:db8::/32"), parsed strictly: a numeric
 * IPv4 or IPv6 address, then optionally '/' and 0..32 (IPv4) or 0..128
 * (IPv6) in decimal digits, nothing else. Matching treats an IPv4-mapped
 * IPv6 address (::ffff:a.b.c.d) as the IPv4 address it carries. Also the
 * masked form of an address for audit rows (its /24 or /48 network).
 * Pure: libc and POSIX inet_pton/inet_ntop only. */
#ifndef TAAWUN_CORE_CIDR_H
#define TAAWUN_CORE_CIDR_H

#include <stdbool.h>
#include <stddef.h>

#define CIDR_TEXT_MAX 64 /* an address or prefix as text, with the NUL */

struct cidr_addr {
    int family;              /* AF_INET or AF_INET6 */
    unsigned char bytes[16]; /* 4 used for AF_INET */
};

struct cidr {
    struct cidr_addr addr;
    int prefix; /* bits that must match */
};

/* Parse an address alone (no prefix). IPv4-mapped IPv6 becomes IPv4.
 * Returns 0, or -1 when text is not exactly a numeric address. */
int cidr_addr_parse(const char *text, size_t len, struct cidr_addr *out)
    __attribute__((warn_unused_result));

/* Parse "address" (a full-length prefix) or "address/bits". Returns 0, or
 * -1 on anything else (empty or non-digit bits, leading '+', too many
 * bits, host names, spaces). */
int cidr_parse(const char *text, struct cidr *out) __attribute__((warn_unused_result));

/* true when a is inside c (families must agree after mapping). */
bool cidr_contains(const struct cidr *c, const struct cidr_addr *a);

/* The address as text ("203.0.113.9", "2001:db8::1") into out. */
void cidr_addr_format(const struct cidr_addr *a, char *out, size_t outsz);

/* The address's network for audit rows, never the host: "203.0.113.0/24",
 * "2001:db8:1::/48". */
void cidr_addr_mask(const struct cidr_addr *a, char *out, size_t outsz);

#endif
