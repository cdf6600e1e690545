/* pace.h -- how fast the sender may go on each channel: a token bucket
 * (messages per second, a burst of one second's worth, full at start) and
 * a limit of requests in flight. Kept by channel name between passes, so a
 * reload keeps a channel's bucket and in-flight count.
 *
 * Not thread-safe: the sender thread alone uses its table. */
#ifndef TAAWUN_SENDER_PACE_H
#define TAAWUN_SENDER_PACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "channels/channel.h"
#include "config/config.h"

#define PACE_CHANNELS_MAX (2 * CONFIG_CHANNELS_MAX)
#define PACE_IDLE_MS 200 /* longest sleep between passes */

/* What the sender remembers of one channel. */
struct pace {
    char name[CHANNEL_NAME_MAX];
    bool used;
    bool primed; /* the bucket starts full */
    double tokens;
    double refilled_at; /* monotonic seconds */
    int inflight;       /* requests started and not yet collected */
    int64_t next_sweep; /* db_now() of the next expiry sweep */
};

struct pace_table {
    struct pace chans[PACE_CHANNELS_MAX];
};

/* Monotonic seconds. */
double pace_clock(void);

/* The entry of channel name, created (taking a free entry, else one with
 * nothing in flight) when missing. NULL when the table is full of busy
 * channels. Borrowed from t. */
struct pace *pace_find(struct pace_table *t, const char *name);

/* Refill p at rate messages per second and say what may start now:
 * returns how many messages may be claimed (0: none), with *slots the
 * requests that may start; when 0, *wait_ms says when to look again. At
 * most claim_max, and slots * batch. */
size_t pace_allowance(struct pace *p, double rate, int concurrency, size_t batch, size_t claim_max,
                      int *slots, long *wait_ms);

/* Take n messages' tokens; returns the milliseconds until the next pass
 * when more may be due (0 when tokens remain). */
long pace_spend(struct pace *p, double rate, size_t n);

#endif
