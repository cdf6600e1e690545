/* forwarded.h -- who is calling, behind a reverse proxy: the socket peer,
 * or, only when that peer is a trusted proxy (http.trusted_proxies), the
 * address the proxy forwarded in X-Forwarded-For. The header is read from
 * the right: each hop that is itself a trusted proxy is skipped, and the
 * first one that is not is the client. A client that talks to the daemon
 * directly cannot choose its address (the header is ignored), and one that
 * sends its own X-Forwarded-For through the proxy only adds entries to the
 * left of the one the proxy appends, which is read first.
 *
 * Only X-Forwarded-For is read (the header nginx and Caddy set): honouring
 * RFC 7239 Forwarded as well would let a client pick whichever of the two
 * the proxy does not overwrite. */
#ifndef TAAWUN_HTTP_FORWARDED_H
#define TAAWUN_HTTP_FORWARDED_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "core/cidr.h"

/* The header read, by name. */
#define HTTP_FORWARDED_HEADER "X-Forwarded-For"

/* peer as an address (an IPv4-mapped IPv6 peer as IPv4). Returns 0, or -1
 * when peer is NULL or of another family. */
int http_forwarded_peer(const struct sockaddr *peer, struct cidr_addr *out)
    __attribute__((warn_unused_result));

/* The client address of a request whose socket peer is peer and whose
 * last X-Forwarded-For header is xff (NULL: none), given the trusted
 * proxies trusted[0..ntrusted). An entry that is not exactly a numeric
 * address ends the walk at the last trusted hop. Returns 0 with *out set,
 * or -1 when peer is unusable. Borrows everything. */
int http_forwarded_client(const struct sockaddr *peer, const char *xff, const struct cidr *trusted,
                          size_t ntrusted, struct cidr_addr *out)
    __attribute__((warn_unused_result));

/* a as a socket address (port 0) in *out, for struct http_request.client. */
const struct sockaddr *http_forwarded_sockaddr(const struct cidr_addr *a,
                                               struct sockaddr_storage *out);

#endif
