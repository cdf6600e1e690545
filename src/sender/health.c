/* health.c -- each channel's health from its provider's answers, with a
 * change of state logged once (see health.h). */
#include "sender/health.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "sys/log.h"

struct health_entry {
    char name[CHANNEL_NAME_MAX];
    struct health_state s;
};

static pthread_mutex_t health_lock = PTHREAD_MUTEX_INITIALIZER;
static struct health_entry health_table[HEALTH_CHANNELS_MAX];
static size_t health_count;

const char *const health_states[] = {"unknown",
                                     "ok",
                                     "credentials_refused",
                                     "balance_exhausted",
                                     "rate_limited",
                                     "provider_error",
                                     "unreachable",
                                     NULL};

/* How much a class says about the channel: 0 nothing (accepted, or this
 * message refused for good), more is worse. */
static int severity(enum send_error_class c)
{
    switch (c) {
    case SEND_ERROR_UNREACHABLE:
        return 5;
    case SEND_ERROR_CREDENTIALS:
        return 4;
    case SEND_ERROR_BALANCE:
        return 3;
    case SEND_ERROR_PROVIDER:
    case SEND_ERROR_DERIVED:
        return 2;
    case SEND_ERROR_RATE_LIMITED:
        return 1;
    case SEND_ERROR_NONE:
    case SEND_ERROR_REJECTED:
    case SEND_ERROR_OPTED_OUT:
        break;
    }
    return 0;
}

/* The entry of name, made when room is left; NULL otherwise. Locked. */
static struct health_entry *entry_of(const char *name, int create)
{
    for (size_t i = 0; i < health_count; i++)
        if (strcmp(health_table[i].name, name) == 0)
            return &health_table[i];
    if (!create || health_count == HEALTH_CHANNELS_MAX)
        return NULL;
    struct health_entry *e = &health_table[health_count++];
    snprintf(e->name, sizeof e->name, "%s", name);
    snprintf(e->s.state, sizeof e->s.state, "unknown");
    return e;
}

/* What one request says: the worst class among its results (none when
 * every message went or was refused for its own sake), and whether one
 * message went. */
static enum send_error_class request_class(long http_status, const struct send_result *results,
                                           size_t n, bool *accepted)
{
    enum send_error_class worst = SEND_ERROR_NONE;
    *accepted = false;
    for (size_t i = 0; i < n; i++) {
        enum send_error_class c = send_error_class_of(&results[i], http_status);
        if (c == SEND_ERROR_NONE)
            *accepted = true;
        if (severity(c) > severity(worst))
            worst = c;
    }
    if (n == 0 && http_status == 0)
        worst = SEND_ERROR_UNREACHABLE;
    return worst;
}

void health_record(const char *channel, long http_status, const struct send_result *results,
                   size_t n, int64_t now)
{
    bool accepted;
    enum send_error_class worst = request_class(http_status, results, n, &accepted);
    const char *state = severity(worst) ? send_error_class_name(worst) : "ok";
    char was[HEALTH_WORD_MAX] = "";
    pthread_mutex_lock(&health_lock);
    struct health_entry *e = entry_of(channel, 1);
    bool changed = e && strcmp(e->s.state, state) != 0;
    if (e) {
        if (changed) {
            snprintf(was, sizeof was, "%s", e->s.state);
            snprintf(e->s.state, sizeof e->s.state, "%s", state);
            e->s.changed_at = now;
        }
        e->s.http_status = http_status;
        if (accepted)
            e->s.last_success_at = now;
        if (severity(worst)) {
            e->s.last_error_at = now;
            snprintf(e->s.last_error_class, sizeof e->s.last_error_class, "%s", state);
        }
        e->s.credentials_refused = worst == SEND_ERROR_CREDENTIALS;
        e->s.balance_exhausted = worst == SEND_ERROR_BALANCE;
    }
    pthread_mutex_unlock(&health_lock);
    if (changed)
        log_warn("channel_state", "channel=%s state=%s was=%s http_status=%ld", channel, state, was,
                 http_status);
}

void health_get(const char *channel, struct health_state *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->state, sizeof out->state, "unknown");
    pthread_mutex_lock(&health_lock);
    struct health_entry *e = entry_of(channel, 0);
    if (e)
        *out = e->s;
    pthread_mutex_unlock(&health_lock);
}
