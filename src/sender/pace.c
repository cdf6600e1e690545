/* pace.c -- per-channel token buckets and in-flight counts of the sender. */
#include "sender/pace.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sys/clock.h"

double pace_clock(void)
{
    return clock_ms(CLOCK_MONOTONIC) / 1e3;
}

/* Milliseconds until a bucket holding tokens (< 1) refilled at rate per
 * second holds one token (at least 1). */
static long ms_until_token(double tokens, double rate)
{
    return (long)((1 - tokens) / rate * 1000) + 1;
}

struct pace *pace_find(struct pace_table *t, const char *name)
{
    struct pace *free_slot = NULL, *idle_slot = NULL;
    for (size_t i = 0; i < PACE_CHANNELS_MAX; i++) {
        struct pace *c = &t->chans[i];
        if (c->used && strcmp(c->name, name) == 0)
            return c;
        if (!free_slot && !c->used)
            free_slot = c;
        if (!idle_slot && c->used && c->inflight == 0)
            idle_slot = c; /* a channel a reload may have removed */
    }
    if (!free_slot)
        free_slot = idle_slot;
    if (!free_slot)
        return NULL;
    memset(free_slot, 0, sizeof *free_slot);
    free_slot->used = true;
    snprintf(free_slot->name, sizeof free_slot->name, "%s", name);
    free_slot->refilled_at = pace_clock();
    free_slot->tokens = 1;
    return free_slot;
}

size_t pace_allowance(struct pace *p, double rate, int concurrency, size_t batch, size_t claim_max,
                      int *slots, long *wait_ms)
{
    double t = pace_clock();
    p->tokens += (t - p->refilled_at) * rate;
    p->refilled_at = t;
    double burst = rate < 1 ? 1 : rate;
    if (!p->primed) {
        p->primed = true;
        p->tokens = burst;
    }
    if (p->tokens > burst)
        p->tokens = burst;
    *slots = concurrency - p->inflight;
    *wait_ms = PACE_IDLE_MS;
    if (*slots <= 0)
        return 0; /* a finishing transfer wakes the poll */
    if (p->tokens < 1) {
        *wait_ms = ms_until_token(p->tokens, rate);
        return 0;
    }
    size_t limit = (size_t)p->tokens;
    if (limit > (size_t)*slots * batch)
        limit = (size_t)*slots * batch;
    if (limit > claim_max)
        limit = claim_max;
    return limit;
}

long pace_spend(struct pace *p, double rate, size_t n)
{
    p->tokens -= (double)n;
    return p->tokens >= 1 ? 0 : ms_until_token(p->tokens, rate);
}
