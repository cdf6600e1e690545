/* sender.c -- the outbox thread. Each pass goes over every channel of the
 * current runtime: expired messages swept, the sandbox's messages
 * completed in place, an HTTP channel's due messages claimed and started
 * as requests as its pace allows (sender/claim, sender/pace); then curl
 * moves the transfers on (sender/transfer) and the results of those that
 * ended are recorded in one transaction (sender/settle).
 *
 * Channel settings (throughput, concurrency, attempts, backoff, expiry,
 * timeout) are read from the runtime config as they are: the schema in
 * config/config.c gives each its default and a lower bound of 1. */
#include "sender/sender.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "channels/channel.h"
#include "channels/channel_ops.h"
#include "runtime/runtime.h"
#include "sender/claim.h"
#include "sender/pace.h"
#include "sender/settle.h"
#include "sender/transfer.h"
#include "store/db.h"
#include "store/db_notify.h"
#include "store/messages.h"
#include "sys/log.h"
#include "sys/log_summary.h"

#define SENDER_SANDBOX_ROUNDS 50  /* sandbox transactions per pass at most */
#define SENDER_RETRY_RECORD_MS 50 /* results left unrecorded (database busy): look again */
#define SENDER_RELISTEN_S 5       /* PostgreSQL: a lost listening connection, opened again */

struct sender {
    pthread_t thread;
    pthread_mutex_t lock;
    bool stop;
    int grace_ms;
    struct transfers tr;
    struct pace_table pace;
    unsigned seed;
};

/* PostgreSQL: the connection on which other nodes' queued messages wake
 * this sender (store/db_notify), opened on the sender's thread, again at
 * most every SENDER_RELISTEN_S after it broke; meanwhile the sender polls. */
struct listener {
    struct db_notify *n;
    int64_t next_try; /* unix s */
};

static void listener_check(struct listener *l, struct db *db)
{
    if (l->n && db_notify_drain(l->n) < 0) {
        db_notify_close(l->n);
        l->n = NULL;
    }
    if (!l->n && db_now() >= l->next_try) {
        l->next_try = db_now() + SENDER_RELISTEN_S;
        l->n = db_notify_listen(db);
    }
}

/* The running sender, for sender_wake(). */
static pthread_mutex_t running_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sender *running;

/* Expired messages of ch, swept at most once a second. */
static void sweep_expired(struct db *db, const struct channel_settings *ch, struct pace *p,
                          int64_t now)
{
    if (now < p->next_sweep)
        return;
    p->next_sweep = now + 1;
    int n = outbox_expire(db, ch->name, now - ch->expiry_s, now);
    if (n > 0) {
        log_debug("outbox_expired", "channel=%s count=%d", ch->name, n);
        log_summary_add(LOG_SUMMARY_SENDS, ch->name, "expired", (unsigned long)n);
    }
}

static bool stop_flag(struct sender *s)
{
    pthread_mutex_lock(&s->lock);
    bool stop = s->stop;
    pthread_mutex_unlock(&s->lock);
    return stop;
}

/* One pass over every channel. Returns how long the loop may sleep. A stop
 * asked meanwhile ends the sandbox's rounds (a pass may hold thousands). */
static long dispatch(struct sender *s, struct db *db)
{
    struct runtime *rt = runtime_acquire();
    if (!rt)
        return PACE_IDLE_MS;
    long wait = PACE_IDLE_MS;
    int64_t now = db_now();
    for (size_t i = 0; i < rt->cfg.nchannels; i++) {
        const struct channel_settings *ch = &rt->cfg.channels[i];
        const struct channel_ops *ops = channel_ops_find(ch->type);
        struct pace *p = pace_find(&s->pace, ch->name);
        if (!ops || !p)
            continue;
        assert(ch->throughput_per_s > 0 && ch->concurrency > 0 && ch->max_attempts > 0 &&
               ch->retry_base_s > 0 && ch->retry_max_s >= ch->retry_base_s && ch->expiry_s > 0 &&
               ch->request_timeout_s > 0);
        sweep_expired(db, ch, p, now);
        if (!ops->network) {
            for (int round = 0; round < SENDER_SANDBOX_ROUNDS && !stop_flag(s); round++)
                if (claim_sandbox(db, ch, now) < CLAIM_SANDBOX_BATCH)
                    break;
            continue;
        }
        if (!ops->send_build || !ops->send_parse)
            continue;
        long w = claim_http(&s->tr, db, rt, ch, ops, p, now);
        if (w < wait)
            wait = w;
    }
    runtime_release(rt);
    return wait;
}

/* true once sender_stop() asked; *deadline is then set (monotonic s). */
static bool stop_asked(struct sender *s, bool stopping, double *deadline)
{
    pthread_mutex_lock(&s->lock);
    bool stop = s->stop;
    int grace_ms = s->grace_ms;
    pthread_mutex_unlock(&s->lock);
    if (stop && !stopping)
        *deadline = pace_clock() + grace_ms / 1000.0;
    return stop;
}

static void *sender_main(void *arg)
{
    struct sender *s = arg;
    struct db *db = NULL;
    bool stopping = false;
    double deadline = 0;
    struct listener listen = {.n = NULL, .next_try = 0};
    for (;;) {
        stopping = stop_asked(s, stopping, &deadline);
        if (!db)
            db = db_thread();
        if (db)
            listener_check(&listen, db);
        long wait = PACE_IDLE_MS;
        if (!stopping && db)
            wait = dispatch(s, db);
        transfers_perform(&s->tr);
        settle_done(&s->tr, db, &s->seed);
        if (stopping && (s->tr.inflight == 0 || pace_clock() >= deadline))
            break;
        if (s->tr.done && wait > SENDER_RETRY_RECORD_MS)
            wait = SENDER_RETRY_RECORD_MS;
        transfers_wait(&s->tr, wait, db_notify_socket(listen.n));
    }
    db_notify_close(listen.n);
    transfers_abandon(&s->tr);
    settle_done(&s->tr, db, &s->seed);
    /* Results that could not be recorded are freed by transfers_cleanup():
     * their messages stay 'sending'. */
    return NULL;
}

void sender_wake(void)
{
    pthread_mutex_lock(&running_lock);
    if (running)
        transfers_wakeup(&running->tr);
    pthread_mutex_unlock(&running_lock);
}

struct sender *sender_start(void)
{
    struct sender *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (transfers_init(&s->tr) != 0) {
        free(s);
        return NULL;
    }
    s->seed = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)s;
    pthread_mutex_init(&s->lock, NULL);
    if (pthread_create(&s->thread, NULL, sender_main, s) != 0) {
        log_error("sender_start_failed", "error=%d", errno);
        transfers_cleanup(&s->tr);
        pthread_mutex_destroy(&s->lock);
        free(s);
        return NULL;
    }
    pthread_mutex_lock(&running_lock);
    running = s;
    pthread_mutex_unlock(&running_lock);
    message_set_waker(sender_wake);
    return s;
}

void sender_stop(struct sender *s, int grace_ms)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->lock);
    s->stop = true;
    s->grace_ms = grace_ms;
    pthread_mutex_unlock(&s->lock);
    transfers_wakeup(&s->tr);
    pthread_join(s->thread, NULL);
    message_set_waker(NULL);
    pthread_mutex_lock(&running_lock);
    running = NULL;
    pthread_mutex_unlock(&running_lock);
    transfers_cleanup(&s->tr);
    pthread_mutex_destroy(&s->lock);
    free(s);
}
