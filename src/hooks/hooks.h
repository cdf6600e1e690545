/* hooks.h -- what the public listener serves: the providers' webhooks
 * /hooks/{channel}/{ussd,sms,dlr,ussd-end}[/{token}], and /healthz (on both
 * listeners). main sends every other admin-listener path to the API or the
 * console first. */
#ifndef TAAWUN_HOOKS_HOOKS_H
#define TAAWUN_HOOKS_HOOKS_H

#include "app/ussd.h"
#include "http/server.h"

/* What the webhooks share across requests (owned by main). */
struct hooks_ctx {
    struct ussd_sessions *sessions;
};

/* Serve /healthz (both listeners) and /hooks/... (public listener only);
 * anything else gets 404. Fills resp. */
void hooks_handle(void *ctx, const struct http_request *req, struct http_response *resp);

#endif
