/* forwarded.c -- the client address behind trusted proxies (see
 * forwarded.h): the socket peer, or the rightmost untrusted hop of
 * X-Forwarded-For when the peer is trusted. */
#include "http/forwarded.h"

#include <netinet/in.h>
#include <string.h>

int http_forwarded_peer(const struct sockaddr *peer, struct cidr_addr *out)
{
    memset(out, 0, sizeof *out);
    if (!peer)
        return -1;
    if (peer->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)peer;
        out->family = AF_INET;
        memcpy(out->bytes, &in->sin_addr, 4);
        return 0;
    }
    if (peer->sa_family != AF_INET6)
        return -1;
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)peer;
    if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
        out->family = AF_INET;
        memcpy(out->bytes, &in6->sin6_addr.s6_addr[12], 4);
    } else {
        out->family = AF_INET6;
        memcpy(out->bytes, &in6->sin6_addr, 16);
    }
    return 0;
}

static bool is_trusted(const struct cidr_addr *a, const struct cidr *trusted, size_t ntrusted)
{
    for (size_t i = 0; i < ntrusted; i++)
        if (cidr_contains(&trusted[i], a))
            return true;
    return false;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

int http_forwarded_client(const struct sockaddr *peer, const char *xff, const struct cidr *trusted,
                          size_t ntrusted, struct cidr_addr *out)
{
    if (http_forwarded_peer(peer, out) != 0)
        return -1;
    if (!xff || !is_trusted(out, trusted, ntrusted))
        return 0;
    const char *end = xff + strlen(xff);
    for (;;) {
        const char *start = end;
        while (start > xff && start[-1] != ',')
            start--;
        const char *s = start, *e = end;
        while (s < e && is_space(*s))
            s++;
        while (e > s && is_space(e[-1]))
            e--;
        struct cidr_addr hop;
        if (cidr_addr_parse(s, (size_t)(e - s), &hop) != 0)
            return 0; /* not an address: the last trusted hop is all we know */
        *out = hop;
        if (!is_trusted(out, trusted, ntrusted) || start == xff)
            return 0;
        end = start - 1; /* before the comma */
    }
}

const struct sockaddr *http_forwarded_sockaddr(const struct cidr_addr *a,
                                               struct sockaddr_storage *out)
{
    memset(out, 0, sizeof *out);
    if (a->family == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)(void *)out;
        in->sin_family = AF_INET;
        memcpy(&in->sin_addr, a->bytes, 4);
    } else {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)out;
        in6->sin6_family = AF_INET6;
        memcpy(&in6->sin6_addr, a->bytes, 16);
    }
    return (const struct sockaddr *)out;
}
