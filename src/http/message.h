/* message.h -- a request as a route function sees it and the answer it
 * gives, shared by http/server (which reads and writes them on
 * libmicrohttpd) and http/later (answers given after the route function
 * returned). Types only. */
#ifndef TAAWUN_HTTP_MESSAGE_H
#define TAAWUN_HTTP_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

enum http_listener { HTTP_PUBLIC = 0, HTTP_ADMIN = 1 };

/* Longest Set-Cookie value a response carries (the console's session). */
#define HTTP_SET_COOKIE_MAX 256

/* Longest route pattern a response names for metrics, with the NUL. */
#define HTTP_ROUTE_MAX 64

struct http_later_slot;

struct http_request {
    enum http_listener listener;
    const char *method;
    const char *path;         /* without the query */
    const char *query_string; /* raw query as received, without '?' ("" when none) */
    const char *content_type; /* lower-case media type, "" when absent */
    const char *body;         /* NUL-terminated copy; may hold NULs (see body_len) */
    size_t body_len;
    const struct sockaddr *client;
    void *connection; /* for http_request_query / http_request_header */
    /* Where http_answer_later (http/later.h) puts its handle: server.c's
     * state of this request. Added (issue 14). */
    struct http_later_slot *later;
};

struct http_response {
    int status;
    const char *content_type;
    char *body; /* malloc'd, owned by the response */
    size_t body_len;
    const char *allow;                    /* Allow header for 405, or NULL */
    int retry_after_s;                    /* Retry-After header (429, 503) when > 0 */
    char set_cookie[HTTP_SET_COOKIE_MAX]; /* Set-Cookie header when not "" (web console) */
    /* The route pattern that answered ("/api/v1/members/{id}"), never the
     * raw path: the label of taawun_http_requests_total ("" counts as
     * "other"). Added (issue 12) for /metrics. */
    char route[HTTP_ROUTE_MAX];
    /* A body made in pieces after the route function returned, for an
     * answer too large to hold (a broadcast's CSV of a million rows): when
     * stream is set, body is not sent; stream(stream_ctx, buf, max) is
     * called on the connection's own thread for the next bytes and
     * returns how many it wrote (1..max), 0 at the end, or -1 to cut the
     * answer short (sent chunked, so the client sees it unfinished).
     * stream_free(stream_ctx) is called once, when the answer is over or
     * abandoned (also if it never started). Added (issue 16) for the
     * delivery report's CSV export. */
    long (*stream)(void *ctx, char *buf, size_t max);
    void (*stream_free)(void *ctx);
    void *stream_ctx;
    /* Content-Disposition header when not "" (an export's file name).
     * Added (issue 16, missing 12). */
    char content_disposition[128];
    /* The same status, type and body always mean the same answer (a USSD
     * screen): http/server may send one it made before for them instead
     * of making it again. Added (issue 14). */
    bool reusable;
};

#endif
