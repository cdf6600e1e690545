/* deadline.c -- the watcher of request deadlines (see deadline.h): a list
 * of open connections with the time their current request started, and a
 * thread that shuts down the sockets of those past the deadline. */
#include "http/deadline.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "sys/clock.h"
#include "sys/log.h"

/* How often the watcher looks, in milliseconds. */
#define WATCH_PERIOD_MS 250
/* How often each_minute is called, in watcher periods. */
#define WATCH_PERIODS_PER_MINUTE (60 * 1000 / WATCH_PERIOD_MS)

struct http_deadline_conn {
    struct http_deadline_conn *prev, *next;
    int fd;
    long long started_ms; /* the current request's start */
    bool answering;       /* complete request being answered: no deadline */
    bool dropped;         /* shut down by the watcher already */
};

struct http_deadline {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t thread;
    bool stopping;
    long long deadline_ms;
    const char *listener;
    http_deadline_minute_fn each_minute;
    void *ctx;
    struct http_deadline_conn *conns; /* doubly linked, under lock */
    unsigned long dropped_in_minute;  /* under lock */
};

static long long monotonic_ms(void)
{
    return (long long)clock_ms(CLOCK_MONOTONIC);
}

/* Shut down the connections past the deadline; under d->lock. */
static void drop_late(struct http_deadline *d, long long now)
{
    for (struct http_deadline_conn *c = d->conns; c; c = c->next) {
        if (c->answering || c->dropped || now - c->started_ms < d->deadline_ms)
            continue;
        shutdown(c->fd, SHUT_RDWR);
        c->dropped = true;
        d->dropped_in_minute++;
    }
}

/* Once a minute: one line for the connections dropped, then the owner's
 * summaries. */
static void minute_summary(struct http_deadline *d)
{
    pthread_mutex_lock(&d->lock);
    unsigned long dropped = d->dropped_in_minute;
    d->dropped_in_minute = 0;
    pthread_mutex_unlock(&d->lock);
    if (dropped > 0)
        log_info("http_deadline",
                 "listener=%s dropped=%lu window_s=60 deadline_s=%lld "
                 "detail=\"requests slower than the deadline; their connections were closed\"",
                 d->listener, dropped, d->deadline_ms / 1000);
    if (d->each_minute)
        d->each_minute(d->ctx);
}

static void *watch(void *arg)
{
    struct http_deadline *d = arg;
    unsigned periods = 0;
    pthread_mutex_lock(&d->lock);
    while (!d->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += WATCH_PERIOD_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        int rc = 0;
        while (!d->stopping && rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&d->wake, &d->lock, &until);
        if (d->stopping)
            break;
        drop_late(d, monotonic_ms());
        if (++periods >= WATCH_PERIODS_PER_MINUTE) {
            periods = 0;
            pthread_mutex_unlock(&d->lock);
            minute_summary(d);
            pthread_mutex_lock(&d->lock);
        }
    }
    pthread_mutex_unlock(&d->lock);
    return NULL;
}

struct http_deadline *http_deadline_new(int deadline_s, const char *listener,
                                        http_deadline_minute_fn each_minute, void *ctx)
{
    struct http_deadline *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->deadline_ms = (long long)deadline_s * 1000;
    d->listener = listener;
    d->each_minute = each_minute;
    d->ctx = ctx;
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_mutex_init(&d->lock, NULL);
    pthread_cond_init(&d->wake, &attr);
    pthread_condattr_destroy(&attr);
    if (pthread_create(&d->thread, NULL, watch, d) != 0) {
        log_error("http_deadline", "listener=%s detail=\"cannot start the watcher thread\"",
                  listener);
        pthread_cond_destroy(&d->wake);
        pthread_mutex_destroy(&d->lock);
        free(d);
        return NULL;
    }
    return d;
}

void http_deadline_free(struct http_deadline *d)
{
    if (!d)
        return;
    pthread_mutex_lock(&d->lock);
    d->stopping = true;
    pthread_cond_signal(&d->wake);
    pthread_mutex_unlock(&d->lock);
    pthread_join(d->thread, NULL);
    while (d->conns) { /* none if the daemon stopped first; never leak */
        struct http_deadline_conn *c = d->conns;
        d->conns = c->next;
        free(c);
    }
    pthread_cond_destroy(&d->wake);
    pthread_mutex_destroy(&d->lock);
    free(d);
}

struct http_deadline_conn *http_deadline_track(struct http_deadline *d, int fd)
{
    struct http_deadline_conn *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->fd = fd;
    c->started_ms = monotonic_ms();
    pthread_mutex_lock(&d->lock);
    c->next = d->conns;
    if (d->conns)
        d->conns->prev = c;
    d->conns = c;
    pthread_mutex_unlock(&d->lock);
    return c;
}

void http_deadline_forget(struct http_deadline *d, struct http_deadline_conn *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&d->lock);
    if (c->prev)
        c->prev->next = c->next;
    else
        d->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    pthread_mutex_unlock(&d->lock);
    free(c);
}

void http_deadline_answering(struct http_deadline *d, struct http_deadline_conn *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&d->lock);
    c->answering = true;
    pthread_mutex_unlock(&d->lock);
}

void http_deadline_next_request(struct http_deadline *d, struct http_deadline_conn *c)
{
    if (!c)
        return;
    long long now = monotonic_ms();
    pthread_mutex_lock(&d->lock);
    c->answering = false;
    c->started_ms = now;
    pthread_mutex_unlock(&d->lock);
}
