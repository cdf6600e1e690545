/* cidr.c -- strict parsing of addresses and CIDR prefixes, matching, and
 * the masked form of an address (see cidr.h). */
#include "core/cidr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static const unsigned char v4_mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

int cidr_addr_parse(const char *text, size_t len, struct cidr_addr *out)
{
    char buf[CIDR_TEXT_MAX];
    if (!text || len == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, text, len);
    buf[len] = '\0';
    if (strlen(buf) != len)
        return -1;
    memset(out, 0, sizeof *out);
    if (inet_pton(AF_INET, buf, out->bytes) == 1) {
        out->family = AF_INET;
        return 0;
    }
    if (inet_pton(AF_INET6, buf, out->bytes) != 1)
        return -1;
    out->family = AF_INET6;
    if (memcmp(out->bytes, v4_mapped_prefix, sizeof v4_mapped_prefix) == 0) {
        memmove(out->bytes, out->bytes + 12, 4);
        memset(out->bytes + 4, 0, 12);
        out->family = AF_INET;
    }
    return 0;
}

int cidr_parse(const char *text, struct cidr *out)
{
    if (!text)
        return -1;
    const char *slash = strchr(text, '/');
    size_t alen = slash ? (size_t)(slash - text) : strlen(text);
    if (cidr_addr_parse(text, alen, &out->addr) != 0)
        return -1;
    int max = out->addr.family == AF_INET ? 32 : 128;
    /* An IPv4-mapped prefix counts its bits in the IPv6 space. */
    bool mapped = out->addr.family == AF_INET && memchr(text, ':', alen) != NULL;
    if (!slash) {
        out->prefix = max;
        return 0;
    }
    const char *p = slash + 1;
    int bits = 0;
    size_t digits = 0;
    for (; *p >= '0' && *p <= '9' && digits < 4; p++, digits++)
        bits = bits * 10 + (*p - '0');
    if (digits == 0 || *p != '\0' || (digits > 1 && slash[1] == '0'))
        return -1;
    if (mapped) {
        if (bits < 96 || bits > 128)
            return -1;
        bits -= 96;
    }
    if (bits > max)
        return -1;
    out->prefix = bits;
    return 0;
}

bool cidr_contains(const struct cidr *c, const struct cidr_addr *a)
{
    if (c->addr.family != a->family)
        return false;
    for (int i = 0; i < c->prefix; i++) {
        int byte = i / 8, bit = 7 - i % 8;
        if (((c->addr.bytes[byte] >> bit) & 1) != ((a->bytes[byte] >> bit) & 1))
            return false;
    }
    return true;
}

void cidr_addr_format(const struct cidr_addr *a, char *out, size_t outsz)
{
    char buf[INET6_ADDRSTRLEN];
    if (!inet_ntop(a->family, a->bytes, buf, sizeof buf))
        snprintf(buf, sizeof buf, "unknown");
    snprintf(out, outsz, "%s", buf);
}

void cidr_addr_mask(const struct cidr_addr *a, char *out, size_t outsz)
{
    struct cidr_addr m = *a;
    int keep = a->family == AF_INET ? 3 : 6; /* bytes: /24, /48 */
    memset(m.bytes + keep, 0, sizeof m.bytes - (size_t)keep);
    char buf[INET6_ADDRSTRLEN];
    cidr_addr_format(&m, buf, sizeof buf);
    snprintf(out, outsz, "%s/%d", buf, keep * 8);
}
