/* events.c -- a webhook's events as one job of the group commit, its
 * connection parked until the commit is on disk (see events.h). */
#include "hooks/events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/inbound.h"
#include "core/limits.h"
#include "http/later.h"
#include "http/server.h"
#include "runtime/env.h"
#include "store/db_group.h"
#include "sys/log.h"
#include "sys/log_summary.h"
#include "sys/metrics.h"

/* One event of the request as its job needs it. */
struct call_event {
    struct inbound_context ic;     /* SMS: what it is handled with */
    struct inbound_sms_result sms; /* SMS: what became of it */
    struct inbound_sms_job *job;   /* SMS: prepared; NULL once finished */
    struct inbound_dlr_outcome dlr;
    struct ussd_end end; /* end-of-session notice: prepared */
};

/* One request's events on their way to the disk. Owned by the job from
 * its submission to its done function (which answers and frees it). */
struct call {
    struct runtime *rt; /* held: ch, ops and every event's context are in it */
    const struct channel_settings *ch;
    const struct channel_ops *ops;
    char kind[16]; /* the hook's: "sms" (answered with the adapter's body) or "dlr" */
    struct channel_batch batch;
    struct call_event *events; /* batch.count of them */
    struct http_later *later;
    char route[HTTP_ROUTE_MAX];
};

void hook_refused(const char *channel, const char *kind, int status)
{
    char q[96], key[LOG_COLLAPSE_KEY_MAX];
    snprintf(key, sizeof key, "webhook_refused:%s:%d", channel, status);
    log_collapsed(LOG_WARN, key, LOG_COLLAPSE_INTERVAL_MS, "webhook_refused",
                  "channel=%s status=%d path=%s", channel, status, log_quote(kind, q, sizeof q));
    log_summary_count(LOG_SUMMARY_WEBHOOKS_REFUSED, channel, NULL);
}

static void call_free(struct call *c)
{
    for (size_t i = 0; c->events && i < c->batch.count; i++)
        if (c->events[i].job)
            (void)inbound_sms_finish(c->events[i].job, -1);
    free(c->events);
    channel_batch_free(&c->batch);
    runtime_release(c->rt);
    free(c);
}

/* The request's call: the batch taken, every SMS prepared (its words read
 * here, on the HTTP thread). NULL when out of memory (batch still taken). */
static struct call *call_new(struct ussd_sessions *sessions, struct runtime *rt,
                             const struct channel_settings *ch, const struct channel_ops *ops,
                             const char *kind, struct channel_batch *batch)
{
    struct call *c = calloc(1, sizeof *c);
    if (!c) {
        channel_batch_free(batch);
        return NULL;
    }
    *c = (struct call){.ch = ch, .ops = ops, .batch = *batch};
    snprintf(c->kind, sizeof c->kind, "%s", kind);
    *batch = (struct channel_batch){0};
    c->events = calloc(c->batch.count, sizeof *c->events);
    bool ok = c->events != NULL;
    for (size_t i = 0; ok && i < c->batch.count; i++) {
        struct call_event *e = &c->events[i];
        if (c->batch.events[i].kind == CHANNEL_EVENT_USSD_END)
            ussd_end_prepare(sessions, ch, &c->batch.events[i], &e->end);
        if (c->batch.events[i].kind != CHANNEL_EVENT_SMS)
            continue;
        runtime_env_inbound(rt, ch, false, &e->ic);
        e->job = inbound_sms_prepare(&e->ic, &c->batch.events[i], &e->sms);
        ok = e->job != NULL;
    }
    if (!ok) {
        call_free(c); /* rt not taken yet */
        return NULL;
    }
    c->rt = rt;
    return c;
}

/* The job: every event of the request, in order, in one savepoint of the
 * group's transaction (on the committer's thread). The first SMS that gets
 * an answer may carry it inline, when the channel does that. */
static int call_run(struct db *db, void *arg)
{
    struct call *c = arg;
    bool replied = false;
    for (size_t i = 0; i < c->batch.count; i++) {
        struct call_event *e = &c->events[i];
        const struct channel_event *ev = &c->batch.events[i];
        if (ev->kind == CHANNEL_EVENT_SMS) {
            e->ic.inline_reply = c->ops->inline_reply && !replied;
            if (inbound_sms_run(db, e->job) != 0)
                return -1;
            replied = replied || e->sms.has_inline_reply;
        } else if (ev->kind == CHANNEL_EVENT_DLR) {
            if (inbound_dlr_run(db, c->ch, ev, &e->dlr) != 0)
                return -1;
        } else if (ev->kind == CHANNEL_EVENT_USSD_END) {
            if (ussd_end_run(db, &e->end) != 0)
                return -1;
        }
    }
    return 0;
}

/* An inbound SMS webhook's answer: the adapter's body (TwiML, Kannel's
 * reply text, or a plain acknowledgement). */
static void sms_answer(const struct channel_ops *ops, const char *reply, struct http_response *resp)
{
    if (!ops->sms_reply) {
        http_reply(resp, 200, "text/plain", "", 0);
        return;
    }
    char body[INBOUND_REPLY_MAX + 256];
    const char *ctype = "text/plain";
    long n = ops->sms_reply(reply, body, sizeof body, &ctype);
    if (n < 0) {
        http_error(resp, 500, "internal", "reply too large");
        return;
    }
    http_reply(resp, 200, ctype, body, (size_t)n);
}

/* After the commit (rc 0) or its failure: each event finished (logged,
 * counted), and the request's answer made in resp. */
static void call_answer(struct call *c, int rc, struct http_response *resp)
{
    const char *reply = NULL;
    for (size_t i = 0; i < c->batch.count; i++) {
        struct call_event *e = &c->events[i];
        const struct channel_event *ev = &c->batch.events[i];
        if (ev->kind == CHANNEL_EVENT_SMS) {
            int done = inbound_sms_finish(e->job, rc);
            e->job = NULL;
            if (done == 0 && !e->sms.duplicate)
                metrics_inc(METRICS_SMS_INBOUND, (const char *const[]){c->ch->name});
            if (done == 0 && e->sms.has_inline_reply && !reply)
                reply = e->sms.reply;
        } else if (ev->kind == CHANNEL_EVENT_DLR && rc == 0) {
            inbound_dlr_logged(c->ch, ev, &e->dlr);
            metrics_inc(METRICS_DELIVERY_REPORTS, (const char *const[]){c->ch->name});
        } else if (ev->kind == CHANNEL_EVENT_USSD_END && rc == 0) {
            ussd_end_logged(&e->end);
        }
    }
    if (rc != 0)
        http_error(resp, 503, "unavailable", "the database is unavailable; try again");
    else if (strcmp(c->kind, "sms") == 0)
        sms_answer(c->ops, reply, resp);
    else
        http_reply(resp, 200, "text/plain", "", 0);
    snprintf(resp->route, sizeof resp->route, "%s", c->route);
}

/* The job's end, on the committer's thread: the parked request answered. */
static void call_done(void *arg, int rc)
{
    struct call *c = arg;
    struct http_response resp = {0};
    call_answer(c, rc, &resp);
    if (rc != 0)
        hook_refused(c->ch->name, c->kind, resp.status);
    http_later_answer(c->later, &resp);
    call_free(c);
}

void hook_events_commit(struct ussd_sessions *sessions, struct runtime **rt,
                        const struct channel_settings *ch, const struct channel_ops *ops,
                        const char *kind, struct channel_batch *batch,
                        const struct http_request *req, struct http_response *resp)
{
    if (batch->count == 0) { /* a provider's test ping: nothing to commit */
        channel_batch_free(batch);
        if (strcmp(kind, "sms") == 0)
            sms_answer(ops, NULL, resp);
        else
            http_reply(resp, 200, "text/plain", "", 0);
        return;
    }
    struct call *c = call_new(sessions, *rt, ch, ops, kind, batch);
    if (!c) {
        http_error(resp, 503, "unavailable", "out of memory; try again");
        return;
    }
    snprintf(c->route, sizeof c->route, "%s", resp->route);
    *rt = NULL; /* the call holds it now */
    c->later = http_answer_later(req);
    if (!c->later) { /* cannot park: wait for the commit on this thread */
        call_answer(c, db_group_write(call_run, c), resp);
        call_free(c);
        return;
    }
    db_group_submit(call_run, call_done, c);
}
