/* twilio.h -- the Twilio adapter: inbound SMS and status callbacks signed
 * with X-Twilio-Signature, TwiML replies, sends with HTTP Basic. */
#ifndef TAAWUN_CHANNELS_TWILIO_H
#define TAAWUN_CHANNELS_TWILIO_H

#include "channels/channel.h"

extern const struct channel_ops twilio_ops;

/* The X-Twilio-Signature Twilio computes: Base64(HMAC-SHA1(auth_token, url
 * followed by every POST field sorted by name, each as name then value)).
 * fields may be NULL (no POST fields). out holds at least 29 bytes (a SHA-1
 * in Base64 and the NUL). Returns 0 or -1 (out of memory). Exposed for the
 * tests and tools that sign requests the way Twilio does. */
int twilio_signature(const char *auth_token, const char *url, const struct form *fields, char *out,
                     size_t outsz) __attribute__((warn_unused_result));

#endif
