/* sandbox.h -- the sandbox channel type (no network, loopback only). */
#ifndef TAAWUN_CHANNELS_SANDBOX_H
#define TAAWUN_CHANNELS_SANDBOX_H

#include "channels/channel.h"

extern const struct channel_ops sandbox_ops;

/* The sandbox's "send": every message is accepted at once, with provider
 * id "sandbox-{id}". The sender calls this instead of send_build/send_parse
 * (which are NULL: network is false). */
void sandbox_send(const struct outbound_message *msg, struct send_result *result);

/* The delivery report the sandbox produces for a message it accepted: one
 * CHANNEL_EVENT_DLR event, DELIVERY_DELIVERED, for msg->id and provider_id (as
 * sandbox_send gave it; borrowed, copied). *out owns its memory (free with
 * channel_batch_free). Returns 0 or -1 (out of memory). */
int sandbox_delivery_report(const struct outbound_message *msg, const char *provider_id,
                            struct channel_batch *out) __attribute__((warn_unused_result));

#endif
