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
