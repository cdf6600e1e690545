/* channel_ops.h -- every adapter by its type name: the one place that knows
 * them all, apart from channel.h's contract (so that channel.c and the
 * adapters never include each other). */
#ifndef TAAWUN_CHANNELS_CHANNEL_OPS_H
#define TAAWUN_CHANNELS_CHANNEL_OPS_H

#include "channels/channel.h"

/* The operations of a type name ("africastalking", ...), or NULL (also
 * for NULL). The result is static. */
const struct channel_ops *channel_ops_find(const char *type);

/* Names of all known types, NULL-terminated (for config errors). */
extern const char *const channel_ops_names[];

#endif
