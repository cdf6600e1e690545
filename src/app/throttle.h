/* throttle.h -- failures per client address, in memory (on a database
 * several nodes share, in the database: store/throttles): after
 * failures_max failures within window_s, the address is blocked for
 * block_s. Used by the admin API (bad bearer tokens) and the console
 * sign-in (bad passwords), each with its own table and policy.
 *
 * A table is a fixed array the caller provides (no allocation); when it is
 * full, a new address takes the slot of the least recently seen idle one
 * (not blocked, window over), else of the least recently seen. Thread-safe:
 * each throttle has its own mutex. The clock is passed in (monotonic
 * seconds, see throttle_now()) so tests can drive it. */
#ifndef TAAWUN_APP_THROTTLE_H
#define TAAWUN_APP_THROTTLE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define THROTTLE_CLIENT_MAX 64 /* textual client address, with the NUL */

struct throttle_slot {
    char client[THROTTLE_CLIENT_MAX]; /* "": free */
    int64_t window_start, blocked_until, last_seen;
    int failures;
};

struct throttle {
    pthread_mutex_t lock;
    int failures_max;      /* failures within window_s ... */
    int window_s;          /* ... that block the address ... */
    int block_s;           /* ... for this long */
    const char *log_event; /* logged once when an address gets blocked */
    struct throttle_slot *slots;
    size_t nslots;
};

/* A static throttle over a static array of slots:
 *   static struct throttle_slot slots[512];
 *   static struct throttle t = THROTTLE_INIT(slots, 20, 600, 900, "x_locked"); */
#define THROTTLE_INIT(slot_array, max, window, block, event)                                       \
    {                                                                                              \
        PTHREAD_MUTEX_INITIALIZER, (max), (window), (block), (event), (slot_array),                \
            sizeof(slot_array) / sizeof((slot_array)[0])                                           \
    }

/* Monotonic seconds, the clock the callers pass as now. */
int64_t throttle_now(void);

/* Seconds client stays blocked at now, 0 when it is not. client borrowed. */
int throttle_blocked(struct throttle *t, const char *client, int64_t now);

/* Count a failure from client at now; blocks it (logged as t->log_event
 * with client, failures and seconds) at the failures_max-th failure of a
 * window. */
void throttle_failed(struct throttle *t, const char *client, int64_t now);

/* Forget client's failures after a success, unless it has been blocked
 * (a block runs its course). */
void throttle_succeeded(struct throttle *t, const char *client, int64_t now);

#endif
