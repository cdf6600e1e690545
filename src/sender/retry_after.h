/* retry_after.h -- a provider's Retry-After header (RFC 9110 §10.2.3, sent
 * with HTTP 503 and RFC 6585's 429) read into the wait before the next
 * attempt, bounded by the channel's settings. Pure but for curl_getdate
 * (libcurl's HTTP-date reader). */
#ifndef TAAWUN_SENDER_RETRY_AFTER_H
#define TAAWUN_SENDER_RETRY_AFTER_H

#include <stdint.h>

/* The wait value asks for, in seconds from now (Unix seconds; the answer's
 * Date when it has one, so clocks that disagree do not matter):
 * delta-seconds (digits only, optional spaces around, too many digits read
 * as 2^31 as RFC 9111 §1.2.2 says) or an HTTP-date (IMF-fixdate, and the
 * obsolete RFC 850 and asctime forms recipients must accept), a date past
 * giving 0. Returns -1 when value is NULL, empty or neither form (a sign,
 * a fraction, garbage). */
int64_t retry_after_parse(const char *value, int64_t now);

/* The wait the provider's Retry-After value asks for, as the sender
 * schedules it: at least 1 s (a provider's "0" or a past date never makes
 * the sender spin) and at most max_s (the channel's retry_max_s, its
 * longest retry delay: a header cannot hold members' messages longer than
 * the operator allows). 0 when value is absent or malformed: the adapter
 * then keeps its own delay. max_s < 1 is read as 1. */
int retry_after_seconds(const char *value, int64_t now, int max_s);

#endif
