/* vonage.h -- the Vonage (ex-Nexmo) SMS API adapter: inbound SMS (GET or
 * POST, form or JSON, multipart parts), delivery receipts, optional `sig`
 * verification, sends to {base}/sms/json. */
#ifndef TAAWUN_CHANNELS_VONAGE_H
#define TAAWUN_CHANNELS_VONAGE_H

#include "channels/channel.h"

extern const struct channel_ops vonage_ops;

/* One parameter of a request, for signing (borrowed strings). */
struct vonage_param {
    const char *name;
    const char *value;
};

/* Vonage's signature of params[0..n) (the one called "sig" is skipped):
 * sort by name, build "&name=value..." with '&' and '=' inside values
 * replaced by '_', then method "md5hash" (MD5 of the string followed by
 * the secret, lower-case hex) or "md5" / "sha1" / "sha256" / "sha512"
 * (HMAC keyed by the secret, upper-case hex). out holds 129 bytes or more.
 * Returns 0, or -1 (unknown method, out of memory). Exposed for tests. */
int vonage_signature(const char *method, const char *secret, const struct vonage_param *params,
                     size_t n, char *out, size_t outsz) __attribute__((warn_unused_result));

#endif
