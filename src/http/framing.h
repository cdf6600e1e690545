/* framing.h -- the request framing rules libmicrohttpd is lenient about,
 * checked before a request is served: a front proxy and taawund must agree
 * where a request ends, or a second request can hide inside the first's
 * body (request smuggling). The rules (RFC 9112, 6.1-6.3 and 3.2):
 *
 *   - Content-Length and Transfer-Encoding together: refused;
 *   - more than one Content-Length, or one that is not all digits: refused;
 *   - a transfer coding other than exactly "chunked", or more than one
 *     Transfer-Encoding header, or one in an HTTP/1.0 request: refused;
 *   - HTTP/1.1 without exactly one Host header: refused.
 *
 * A refused request is answered 400 and its connection closed (server.c).
 * Pure C: the caller feeds the headers one by one. */
#ifndef TAAWUN_HTTP_FRAMING_H
#define TAAWUN_HTTP_FRAMING_H

#include <stdbool.h>

enum http_framing_verdict {
    HTTP_FRAMING_OK = 0,
    HTTP_FRAMING_LENGTH_AND_CHUNKED, /* Content-Length and Transfer-Encoding */
    HTTP_FRAMING_MANY_LENGTHS,       /* Content-Length more than once */
    HTTP_FRAMING_BAD_LENGTH,         /* Content-Length not a decimal number */
    HTTP_FRAMING_UNKNOWN_CODING,     /* Transfer-Encoding other than one "chunked" */
    HTTP_FRAMING_CODING_IN_HTTP10,   /* Transfer-Encoding in an HTTP/1.0 request */
    HTTP_FRAMING_NO_HOST,            /* HTTP/1.1 without a Host header */
    HTTP_FRAMING_MANY_HOSTS,         /* Host more than once */
};

/* What the rules need of one request's headers: counts and whether the
 * values seen were acceptable. Start zeroed. */
struct http_framing {
    unsigned content_lengths;
    unsigned transfer_encodings;
    unsigned hosts;
    bool bad_length;     /* a Content-Length value was not all digits */
    bool unknown_coding; /* a Transfer-Encoding value was not "chunked" */
};

/* Note one request header (name case-insensitive, value as received; both
 * borrowed). Headers the rules do not concern are ignored. */
void http_framing_add(struct http_framing *f, const char *name, const char *value);

/* The verdict on the headers added, for the request's version ("HTTP/1.1",
 * "HTTP/1.0"; borrowed). The first rule broken, in the order of the enum. */
enum http_framing_verdict http_framing_check(const struct http_framing *f, const char *version);

/* A short reason for logs and the 400's message ("" for HTTP_FRAMING_OK). */
const char *http_framing_reason(enum http_framing_verdict v);

#endif
