/* routes.h -- the HTTP surface: which path and method does what. */
#ifndef TAAWUN_HTTP_ROUTES_H
#define TAAWUN_HTTP_ROUTES_H

#include "app/ussd.h"
#include "http/server.h"

/* What the routes share across requests (owned by main). */
struct route_ctx {
    struct ussd_sessions *sessions;
};

/* The route function for both listeners (see http_server_start). */
void routes_handle(void *ctx, const struct http_request *req, struct http_response *resp);

#endif
