/* health.h -- what each channel's provider last answered to our sends, as
 * staff need to see it: "ok", "credentials_refused" (HTTP 401/403: our key
 * or token is wrong or revoked), "provider_error" (another 4xx/5xx) or
 * "unreachable" (no answer). A change of state is logged once as a warning;
 * the admin API and the console show the current state (GET /channels).
 * A small piece meant to grow into full channel health (issue 12).
 *
 * Thread-safe: the sender thread records, API threads read. */
#ifndef TAAWUN_SENDER_HEALTH_H
#define TAAWUN_SENDER_HEALTH_H

#include <stddef.h>
#include <stdint.h>

#include "channels/channel.h"

#define HEALTH_CHANNELS_MAX 32 /* channel names remembered */

struct health_state {
    char state[24];     /* "unknown" until the first answer */
    long http_status;   /* of the last answer (0: none) */
    int64_t changed_at; /* unix seconds the state began (0: never) */
};

/* Record the answer of one send request on channel (status 0: no answer)
 * at now; logs channel_state at warn level when the state changes. */
void health_record(const char *channel, long http_status, int64_t now);

/* The state of channel into *out ("unknown" when no send was answered). */
void health_get(const char *channel, struct health_state *out);

/* The state an HTTP status means (0: "unreachable"). */
const char *health_state_of(long http_status);

#endif
