/* reuse.h -- answers sent again as they were made (issue 14): an answer the route marked reusable
 * (http_response.reusable: a USSD screen) is kept per request thread, and
 * the same status, type and bytes later are answered with the response
 * kept instead of a new one (libmicrohttpd copies each header of each
 * response: the security headers cost a dozen allocations per answer).
 * Internal to http/server. */
#ifndef TAAWUN_HTTP_REUSE_H
#define TAAWUN_HTTP_REUSE_H

#include <microhttpd.h>
#include <stdbool.h>

#include "http/message.h"

/* Adds every answer's headers to a new response (http/server's). */
typedef void (*http_headers_fn)(struct MHD_Response *r, const struct http_response *resp);

/* Queue resp from this thread's kept responses (kept there when new, with
 * headers(); its body taken) when it is reusable and close_after is
 * false: MHD_YES or MHD_NO as MHD_queue_response; -1 when not (resp
 * untouched). */
int http_reuse_send(struct MHD_Connection *conn, struct http_response *resp, bool close_after,
                    http_headers_fn headers);

#endif
