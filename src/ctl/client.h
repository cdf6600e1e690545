/* client.h -- taawunctl's HTTP client (the one ctl module that knows
 * libcurl): one request with an optional bearer token and body, the answer
 * kept in a bounded buffer. */
#ifndef TAAWUN_CTL_CLIENT_H
#define TAAWUN_CTL_CLIENT_H

#include <stddef.h>
#include <stdio.h>

#define CLIENT_RESPONSE_MAX (64u * 1024 * 1024) /* bytes of one answer kept in memory */
#define CLIENT_ERROR_MAX 256

struct client_response {
    long status; /* HTTP status; 0 when no answer came */
    char *body;  /* malloc'd, NUL-terminated (may hold NULs), NULL when none */
    size_t len;
    char content_type[128];
    char error[CLIENT_ERROR_MAX]; /* the transport error when status is 0 */
};

/* One-time set-up and tear-down of libcurl. */
int client_global_init(void) __attribute__((warn_unused_result));
void client_global_cleanup(void);

/* method url with token (NULL: none) and body (NULL: none) of content_type.
 * Returns 0 when an HTTP answer came (any status), -1 on a connection
 * failure (out->error says why). Free with client_response_free. */
int client_request(const char *method, const char *url, const char *token, const char *content_type,
                   const char *body, size_t body_len, struct client_response *out)
    __attribute__((warn_unused_result));

/* GET url with token (NULL: none): a 2xx answer's body is written to to
 * as it arrives, whatever its size (an export of a million members);
 * any other answer's body is kept in out->body for its error. Returns as
 * client_request (-1 also when to cannot be written). */
int client_download(const char *url, const char *token, FILE *to, struct client_response *out)
    __attribute__((warn_unused_result));

void client_response_free(struct client_response *r);

/* Percent-encode s for a URL query or form (malloc'd; NULL on OOM). */
char *client_escape(const char *s);

#endif
