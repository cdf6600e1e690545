/* cidr.h -- numeric addresses and CIDR prefixes, parsed strictly: what
 * `allow_from` (and any other address list) accepts, and the match of a
 * client address against it. Pure: no name resolution, ever.
 *
 * Accepted: "ADDRESS" or "ADDRESS/PREFIX", where ADDRESS is a numeric IPv4
 * address (four decimal parts, as inet_pton reads them) or IPv6 address,
 * and PREFIX is one to three decimal digits, 0-32 for IPv4 and 0-128 for
 * IPv6. Refused: host names, an empty or non-digit prefix ("1.2.3.4/",
 * "/x", "/+8", "/ 8"), a prefix out of range, and host bits set below the
 * prefix ("203.0.113.5/24": the operator meant 203.0.113.0/24 or
 * 203.0.113.5/32, and guessing which would widen or narrow the list). */
#ifndef TAAWUN_CORE_CIDR_H
#define TAAWUN_CORE_CIDR_H

#include <stdbool.h>
#include <stddef.h>

struct cidr {
    int family;             /* AF_INET or AF_INET6 */
    unsigned char addr[16]; /* network order; 4 bytes used for AF_INET */
    int prefix;             /* bits that must match: 0..32 or 0..128 */
};

/* Parse s into *out. Returns 0, or -1 with why set to a static sentence
 * saying what is wrong (why may be NULL). */
int cidr_parse(const char *s, struct cidr *out, const char **why)
    __attribute__((warn_unused_result));

/* Whether the address of family (AF_INET: 4 bytes, AF_INET6: 16) at addr
 * is inside c. An IPv4-mapped IPv6 address (::ffff:a.b.c.d) matches an
 * IPv4 prefix as a.b.c.d. */
bool cidr_contains(const struct cidr *c, int family, const unsigned char *addr);

#endif
