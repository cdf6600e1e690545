/* health.c -- each channel's last provider answer as a state, with the
 * change logged once (see health.h). */
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

const char *health_state_of(long http_status)
{
    if (http_status == 0)
        return "unreachable";
    if (http_status == 401 || http_status == 403)
        return "credentials_refused";
    if (http_status >= 200 && http_status < 300)
        return "ok";
    return "provider_error";
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

void health_record(const char *channel, long http_status, int64_t now)
{
    const char *state = health_state_of(http_status);
    char was[sizeof((struct health_state *)0)->state] = "";
    pthread_mutex_lock(&health_lock);
    struct health_entry *e = entry_of(channel, 1);
    int changed = e && strcmp(e->s.state, state) != 0;
    if (e) {
        if (changed) {
            snprintf(was, sizeof was, "%s", e->s.state);
            snprintf(e->s.state, sizeof e->s.state, "%s", state);
            e->s.changed_at = now;
        }
        e->s.http_status = http_status;
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
