/* sender.c -- the outbox loop: every pass takes the due messages of each
 * channel, oldest and most urgent first, and delivers them. */
#include "sender/sender.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/runtime.h"
#include "store/db.h"
#include "store/messages.h"
#include "sys/log.h"

#define SENDER_BATCH 200
#define SENDER_IDLE_MS 200

struct sender {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop;
};

/* Sandbox: every due message is recorded as sent, with a provider id of
 * our own, in one transaction per batch. */
static int deliver_sandbox(sqlite3 *db, const char *channel)
{
    struct message_due due[SENDER_BATCH];
    int n = message_list_due(db, channel, db_now(), due, SENDER_BATCH);
    if (n <= 0)
        return n;
    if (db_begin(db) != 0)
        return -1;
    for (int i = 0; i < n; i++) {
        char provider_id[32];
        snprintf(provider_id, sizeof provider_id, "sandbox-%lld", (long long)due[i].id);
        if (message_mark_sent(db, due[i].id, provider_id) != 0) {
            db_rollback(db);
            return -1;
        }
    }
    if (db_commit(db) != 0)
        return -1;
    log_debug("sandbox_sent", "channel=%s count=%d", channel, n);
    return n;
}

static void *sender_main(void *arg)
{
    struct sender *s = arg;
    sqlite3 *db = NULL;
    for (;;) {
        pthread_mutex_lock(&s->lock);
        if (!s->stop) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += SENDER_IDLE_MS * 1000000L;
            if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&s->wake, &s->lock, &until);
        }
        bool stop = s->stop;
        pthread_mutex_unlock(&s->lock);
        if (stop)
            break;
        if (!db && !(db = db_thread()))
            continue;
        struct runtime *rt = runtime_acquire();
        if (!rt)
            continue;
        for (size_t i = 0; i < rt->cfg.nchannels; i++) {
            if (strcmp(rt->cfg.channels[i].type, "sandbox") == 0)
                while (deliver_sandbox(db, rt->cfg.channels[i].name) == SENDER_BATCH)
                    ;
        }
        runtime_release(rt);
    }
    return NULL;
}

struct sender *sender_start(void)
{
    struct sender *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->wake, NULL);
    if (pthread_create(&s->thread, NULL, sender_main, s) != 0) {
        log_error("sender_start_failed", "error=%d", errno);
        free(s);
        return NULL;
    }
    return s;
}

void sender_stop(struct sender *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->lock);
    s->stop = true;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->wake);
    free(s);
}
