/* sandbox.h -- the sandbox channel type (no network, loopback only). */
#ifndef TAAWUN_CHANNELS_SANDBOX_H
#define TAAWUN_CHANNELS_SANDBOX_H

#include "channels/channel.h"

extern const struct channel_ops sandbox_ops;

#endif
