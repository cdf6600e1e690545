/* throttle.c -- a bounded table of failures per client address, with a
 * window, a threshold and a block (the policy of the admin API's bearer
 * tokens and of the console's sign-in). */
#include "app/throttle.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store/db.h"
#include "store/nodes.h"
#include "store/throttles.h"
#include "sys/clock.h"
#include "sys/log.h"

int64_t throttle_now(void)
{
    return (int64_t)(clock_ms(CLOCK_MONOTONIC) / 1e3);
}

static bool slot_idle(const struct throttle *t, const struct throttle_slot *s, int64_t now)
{
    return !s->client[0] || (s->blocked_until <= now && s->window_start + t->window_s <= now);
}

/* The slot of client, or NULL. With create, a missing client takes the
 * least recently seen idle slot, else the least recently seen one. Called
 * with t->lock held. */
static struct throttle_slot *slot_of(struct throttle *t, const char *client, bool create,
                                     int64_t now)
{
    struct throttle_slot *idle = NULL, *oldest = NULL;
    for (size_t i = 0; i < t->nslots; i++) {
        struct throttle_slot *s = &t->slots[i];
        if (s->client[0] && strcmp(s->client, client) == 0)
            return s;
        if (slot_idle(t, s, now) && (!idle || s->last_seen < idle->last_seen))
            idle = s;
        if (!oldest || s->last_seen < oldest->last_seen)
            oldest = s;
    }
    if (!create || !oldest)
        return NULL;
    struct throttle_slot *victim = idle ? idle : oldest;
    memset(victim, 0, sizeof *victim);
    snprintf(victim->client, sizeof victim->client, "%s", client);
    victim->window_start = now;
    return victim;
}

/* On a database several nodes share (store/nodes) the counts are the
 * database's, in its wall-clock seconds, so an address is blocked on every
 * node; a node that cannot reach it counts in its own table meanwhile. */
static struct db *shared_db(const struct throttle *t, struct throttles_policy *p)
{
    if (nodes_self() <= 0)
        return NULL;
    *p = (struct throttles_policy){t->log_event, t->failures_max, t->window_s, t->block_s};
    return db_thread();
}

int throttle_blocked(struct throttle *t, const char *client, int64_t now)
{
    struct throttles_policy p;
    struct db *db = shared_db(t, &p);
    int shared = db ? throttles_blocked(db, &p, client, db_now()) : -1;
    if (shared >= 0)
        return shared;
    pthread_mutex_lock(&t->lock);
    struct throttle_slot *s = slot_of(t, client, false, now);
    int left = s && s->blocked_until > now ? (int)(s->blocked_until - now) : 0;
    pthread_mutex_unlock(&t->lock);
    return left;
}

void throttle_failed(struct throttle *t, const char *client, int64_t now)
{
    struct throttles_policy p;
    struct db *db = shared_db(t, &p);
    int blocked = db ? throttles_failed(db, &p, client, db_now()) : -1;
    if (blocked > 0)
        log_warn(t->log_event, "client=%s failures=%d seconds=%d", client, blocked, t->block_s);
    if (blocked >= 0)
        return;
    pthread_mutex_lock(&t->lock);
    struct throttle_slot *s = slot_of(t, client, true, now);
    if (s) {
        if (s->window_start + t->window_s <= now) {
            s->window_start = now;
            s->failures = 0;
        }
        s->last_seen = now;
        if (++s->failures >= t->failures_max && s->blocked_until <= now) {
            s->blocked_until = now + t->block_s;
            log_warn(t->log_event, "client=%s failures=%d seconds=%d", client, s->failures,
                     t->block_s);
        }
    }
    pthread_mutex_unlock(&t->lock);
}

void throttle_succeeded(struct throttle *t, const char *client, int64_t now)
{
    struct throttles_policy p;
    struct db *db = shared_db(t, &p);
    if (db && throttles_succeeded(db, &p, client, db_now()) == 0)
        return;
    pthread_mutex_lock(&t->lock);
    struct throttle_slot *s = slot_of(t, client, false, now);
    if (s && s->blocked_until == 0)
        memset(s, 0, sizeof *s);
    pthread_mutex_unlock(&t->lock);
}
