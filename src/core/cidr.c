/* cidr.c -- numeric addresses and CIDR prefixes parsed strictly, and their
 * match against a client address (see cidr.h). */
#include "core/cidr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* The prefix after '/': one to three digits, in range. -1 if not. */
static int parse_prefix(const char *p, int max)
{
    size_t n = strspn(p, "0123456789");
    if (n == 0 || n > 3 || p[n] != '\0')
        return -1;
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (p[i] - '0');
    return v <= max ? v : -1;
}

static bool bit_set(const unsigned char *a, int i)
{
    return (a[i / 8] >> (7 - i % 8)) & 1;
}

int cidr_parse(const char *s, struct cidr *out, const char **why)
{
    const char *dummy = NULL;
    why = why ? why : &dummy;
    char addr[INET6_ADDRSTRLEN + 8];
    const char *slash = strchr(s, '/');
    size_t alen = slash ? (size_t)(slash - s) : strlen(s);
    if (alen == 0 || alen >= sizeof addr) {
        *why = "not a numeric IPv4 or IPv6 address";
        return -1;
    }
    memcpy(addr, s, alen);
    addr[alen] = '\0';
    memset(out, 0, sizeof *out);
    int bits;
    if (inet_pton(AF_INET, addr, out->addr) == 1) {
        out->family = AF_INET;
        bits = 32;
    } else if (inet_pton(AF_INET6, addr, out->addr) == 1) {
        out->family = AF_INET6;
        bits = 128;
    } else {
        *why = "not a numeric IPv4 or IPv6 address (host names are not resolved)";
        return -1;
    }
    out->prefix = slash ? parse_prefix(slash + 1, bits) : bits;
    if (out->prefix < 0) {
        *why = bits == 32 ? "the prefix after '/' must be 0 to 32 in digits"
                          : "the prefix after '/' must be 0 to 128 in digits";
        return -1;
    }
    for (int i = out->prefix; i < bits; i++)
        if (bit_set(out->addr, i)) {
            *why = "host bits are set after the prefix (write the network address, or /32 "
                   "or /128 for one host)";
            return -1;
        }
    return 0;
}

bool cidr_contains(const struct cidr *c, int family, const unsigned char *addr)
{
    static const unsigned char v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (family == AF_INET6 && c->family == AF_INET && memcmp(addr, v4_mapped, 12) == 0) {
        family = AF_INET;
        addr += 12;
    }
    if (family != c->family)
        return false;
    for (int i = 0; i < c->prefix; i++)
        if (bit_set(c->addr, i) != bit_set(addr, i))
            return false;
    return true;
}
