/* server.h -- one HTTP listener on libmicrohttpd: thread pool, timeouts,
 * per-IP and memory limits, bounded raw bodies (413 beyond the limit), and
 * one route function that turns a complete request into a response.
 *
 * This module and http/later (a connection parked until its answer comes)
 * are the only ones that know libmicrohttpd. */
#ifndef TAAWUN_HTTP_SERVER_H
#define TAAWUN_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "http/message.h"

/* Headers on every response: the console's pages are served from this
 * origin only, never framed, never cached, and leak no referrer. */
#define HTTP_CONTENT_SECURITY_POLICY                                                               \
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "              \
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "                    \
    "form-action 'self'; frame-ancestors 'none'"

/* Longest raw query string kept (414 beyond it). */
#define HTTP_QUERY_MAX 8192

typedef void (*http_route_fn)(void *ctx, const struct http_request *req,
                              struct http_response *resp);

struct http_server_options {
    enum http_listener listener;
    const char *address; /* IPv4 or IPv6 literal */
    int port;            /* 0: any free port */
    int threads;
    int connection_timeout_s; /* silence on a connection */
    int request_deadline_s;   /* a whole request, headers and body (http/deadline.h) */
    int max_connections;
    int per_ip_connection_limit;
    int connection_memory_limit;
    size_t max_body_bytes;
};

struct http_server;

/* Bind and start serving. The port is never shared (no SO_REUSEPORT): when
 * another process listens on it, the start fails with "port P on A is in
 * use". Requests with bad framing (http/framing.h) are answered 400 and
 * their connection closed; requests slower than request_deadline_s lose
 * their connection. Returns NULL (logged) when the address cannot be used.
 * route is called from the pool's threads with ctx. */
struct http_server *http_server_start(const struct http_server_options *opt, http_route_fn route,
                                      void *ctx);

/* The port actually bound. */
int http_server_port(const struct http_server *s);

/* Stop accepting; wait up to grace_ms for requests in progress to finish. */
void http_server_quiesce(struct http_server *s, int grace_ms);

/* Stop and free (NULL is a no-op). */
void http_server_stop(struct http_server *s);

/* A query argument (decoded), or NULL. Borrowed for the request's life. */
const char *http_request_query(const struct http_request *req, const char *name);

/* A request header, or NULL. */
const char *http_request_header(const struct http_request *req, const char *name);

/* The last of the request's headers called name, or NULL: where a proxy
 * that adds a header line of its own puts what it adds (http/forwarded). */
const char *http_request_header_last(const struct http_request *req, const char *name);

/* true when the client address is 127.0.0.0/8 or ::1 (or v4-mapped). */
bool http_client_is_loopback(const struct sockaddr *sa);

/* true when the client matches an entry: an address ("10.0.0.5") or a CIDR
 * prefix ("196.201.214.0/24", "2001:db8::/32"). */
bool http_client_matches(const struct sockaddr *sa, const char *entry);

/* Fill resp with {"error":{"code":..,"message":..}} and the status. */
void http_error(struct http_response *resp, int status, const char *code, const char *message);

/* Fill resp with a copy of body (len bytes) and the content type. */
void http_reply(struct http_response *resp, int status, const char *content_type, const char *body,
                size_t len);

#endif
