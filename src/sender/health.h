/* health.h -- each channel's health as its provider's answers to our sends
 * show it: the state of the last request ("ok", "credentials_refused": our
 * key or token is wrong or revoked, "balance_exhausted": the account's
 * credit is used up, "rate_limited", "provider_error" or "unreachable"),
 * when a message last went and when and why the provider last failed us.
 * A change of state is logged once as a warning, never once per message.
 * Read by GET /channels and GET /channels/health (with the queue depth,
 * which the database holds), the console and GET /metrics.
 *
 * A message refused for good (a bad number, an opt-out at the carrier) is
 * no failure of the channel: the provider answered, the state is "ok".
 *
 * Thread-safe: the sender thread records, API threads read. */
#ifndef TAAWUN_SENDER_HEALTH_H
#define TAAWUN_SENDER_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "channels/channel.h"

#define HEALTH_CHANNELS_MAX 32 /* channel names remembered */
#define HEALTH_WORD_MAX 24     /* a state or class name, with the NUL */

struct health_state {
    char state[HEALTH_WORD_MAX];            /* "unknown" until the first answer */
    long http_status;                       /* of the last answer (0: none) */
    int64_t changed_at;                     /* unix seconds the state began (0: never) */
    int64_t last_success_at;                /* a message last accepted (0: never) */
    int64_t last_error_at;                  /* the provider last failed us (0: never) */
    char last_error_class[HEALTH_WORD_MAX]; /* its send_error_class_name, "" when none */
    bool credentials_refused;               /* the state is credentials_refused */
    bool balance_exhausted;                 /* the state is balance_exhausted */
};

/* The states, in the order GET /metrics lists them; NULL-terminated. */
extern const char *const health_states[];

/* Record the answer of one send request on channel (http_status 0: no
 * answer) with its n results as the adapter parsed them, at now; logs
 * channel_state at warn level when the state changes. */
void health_record(const char *channel, long http_status, const struct send_result *results,
                   size_t n, int64_t now);

/* The health of channel into *out (state "unknown" when no send was
 * answered). */
void health_get(const char *channel, struct health_state *out);

#endif
