/* channel.c -- the small functions of the contract every layer shares:
 * delivery state names and order, freeing inbound batches and HTTP call
 * descriptions. (The table of types is channels/channel_ops.) */
#include "channels/channel.h"

#include <stdlib.h>
#include <string.h>

const char *delivery_state_name(enum delivery_state s)
{
    switch (s) {
    case DELIVERY_UNKNOWN:
        return "unknown";
    case DELIVERY_ACCEPTED:
        return "accepted";
    case DELIVERY_BUFFERED:
        return "buffered";
    case DELIVERY_SENT:
        return "sent";
    case DELIVERY_DELIVERED:
        return "delivered";
    case DELIVERY_FAILED:
        return "failed";
    case DELIVERY_REJECTED:
        return "rejected";
    case DELIVERY_EXPIRED:
        return "expired";
    }
    return "unknown";
}

bool delivery_state_final(enum delivery_state s)
{
    return s == DELIVERY_DELIVERED || s == DELIVERY_FAILED || s == DELIVERY_REJECTED ||
           s == DELIVERY_EXPIRED;
}

void channel_batch_free(struct channel_batch *b)
{
    if (!b)
        return;
    free(b->events);
    free(b->arena);
    b->events = NULL;
    b->arena = NULL;
    b->count = 0;
}

void channel_http_call_free(struct channel_http_call *c)
{
    if (!c)
        return;
    free(c->body);
    c->body = NULL;
    c->body_len = 0;
}

enum send_error_class send_error_class_of(const struct send_result *r, long http_status)
{
    if (r->error_class != SEND_ERROR_DERIVED)
        return r->error_class;
    if (http_status == 0)
        return SEND_ERROR_UNREACHABLE;
    if (http_status == 401 || http_status == 403)
        return SEND_ERROR_CREDENTIALS;
    switch (r->outcome) {
    case SEND_ACCEPTED:
        return SEND_ERROR_NONE;
    case SEND_OPTED_OUT:
        return SEND_ERROR_OPTED_OUT;
    case SEND_PERMANENT:
        return SEND_ERROR_REJECTED;
    case SEND_RETRY:
        break;
    }
    return http_status == 429 ? SEND_ERROR_RATE_LIMITED : SEND_ERROR_PROVIDER;
}

const char *send_error_class_name(enum send_error_class c)
{
    static const char *const names[] = {
        [SEND_ERROR_DERIVED] = "provider_error",
        [SEND_ERROR_NONE] = "none",
        [SEND_ERROR_CREDENTIALS] = "credentials_refused",
        [SEND_ERROR_BALANCE] = "balance_exhausted",
        [SEND_ERROR_RATE_LIMITED] = "rate_limited",
        [SEND_ERROR_REJECTED] = "rejected",
        [SEND_ERROR_OPTED_OUT] = "opted_out",
        [SEND_ERROR_PROVIDER] = "provider_error",
        [SEND_ERROR_UNREACHABLE] = "unreachable",
    };
    return (unsigned)c < sizeof names / sizeof names[0] ? names[c] : "provider_error";
}
