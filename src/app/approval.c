/* approval.c -- a broadcast's second pair of eyes and its channel's
 * monthly budget: the gate of the send path (thresholds, approvals on
 * record, the month's spending under the write lock), approve, reject, an
 * edit dropping the approval, and the state as the API shows it. */
#include "app/approval.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/limits.h"
#include "store/db.h"
#include "store/delivery.h"
#include "sys/log.h"

#define MAD_EPSILON 0.005 /* half a centime: costs are sums of prices */

/* A broadcast's audit row (app/programme's programme_audit; takes summary). */
static int audit(struct db *db, const struct audit_actor *actor, const char *action, int64_t id,
                 json_t *summary)
{
    return programme_audit(db, actor, action, "broadcast", id, summary);
}

static double centimes(double mad)
{
    return round(mad * 100.0) / 100.0;
}

/* ------------------------------------------------------------ budget */

/* The start of now's month in the programme's time zone (the process's),
 * its name, and the start of the next month into *next. */
static int64_t month_start(int64_t now, char month[8], int64_t *next)
{
    time_t t = (time_t)now;
    struct tm tm;
    *next = now - now % 86400 + 86400;
    if (!localtime_r(&t, &tm))
        return now - now % 86400;
    strftime(month, 8, "%Y-%m", &tm);
    tm.tm_mday = 1;
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    tm.tm_isdst = -1;
    struct tm after = tm;
    after.tm_mon++;
    time_t start = mktime(&tm), end = mktime(&after);
    if (start == (time_t)-1 || end == (time_t)-1)
        return now - now % 86400;
    *next = (int64_t)end;
    return (int64_t)start;
}

int approval_channel_month(struct db *db, const struct notice_env *env, size_t i, int64_t now,
                           struct approval_check *c)
{
    int64_t next, start = month_start(now, c->month, &next), pending = 0;
    struct delivery_cost taken = {.segments = 0};
    double spent;
    /* Spent: what /channels/costs says of this month (what providers took,
     * at their price when they said it); pending: what will cost and is
     * not in it yet (messages waiting, and the part of broadcasts still
     * expanding not yet written, from their plans), at the channel's
     * price. */
    int n = delivery_costs(db, start, next, env->channels[i], &taken, 1);
    if (n < 0 ||
        approvals_channel_pending(db, env->channels[i], (now - CHANNEL_EXPIRY_MAX_S) / 3600,
                                  start / 3600, &pending) != 0)
        return -1;
    if (n == 0)
        memset(&taken, 0, sizeof taken);
    (void)delivery_cost_mad(&taken, env->channel_price[i], &spent);
    c->budget_mad = env->channel_budget[i];
    c->budgeted = c->budget_mad > 0;
    c->spent_mad = centimes(spent);
    c->pending_mad = centimes((double)pending * env->channel_price[i]);
    return 0;
}

static int channel_index(const struct notice_env *env, const char *channel, size_t *at)
{
    for (size_t i = 0; i < env->nchannels; i++)
        if (strcmp(env->channels[i], channel) == 0) {
            *at = i;
            return 0;
        }
    return -1;
}

static json_t *refusal_json(const char *channel, const struct approval_check *c)
{
    return json_pack("{s:s,s:s,s:f,s:f,s:f,s:f}", "channel", channel, "month", c->month,
                     "budget_mad", c->budget_mad, "spent_mad", c->spent_mad, "pending_mad",
                     c->pending_mad, "planned_mad", c->planned_mad);
}

/* The budget's verdict; a refusal recorded (a scheduled broadcast back to
 * draft) with its audit row. */
static enum approval_result check_budget(struct db *db, const struct notice_env *env,
                                         const struct audit_actor *actor, int64_t id,
                                         const char *from, const char *channel,
                                         struct approval_check *c)
{
    size_t i;
    if (channel_index(env, channel, &i) != 0 || env->channel_budget[i] <= 0)
        return APPROVAL_PASS;
    if (approval_channel_month(db, env, i, db_now(), c) != 0)
        return APPROVAL_ERROR;
    if (c->spent_mad + c->pending_mad + c->planned_mad <= c->budget_mad + MAD_EPSILON)
        return APPROVAL_PASS;
    json_t *refusal = refusal_json(channel, c);
    char *text = refusal ? json_dumps(refusal, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    int moved = text ? approvals_refuse(db, id, from, "draft", text, db_now()) : -1;
    free(text);
    if (moved <= 0) {
        json_decref(refusal);
        return moved < 0 ? APPROVAL_ERROR : APPROVAL_CONFLICT;
    }
    json_object_set_new(refusal, "from", json_string(from));
    if (audit(db, actor, "broadcast.refused", id, refusal) != 0)
        return APPROVAL_ERROR;
    log_warn("broadcast_over_budget",
             "id=%lld channel=%s month=%s budget_mad=%.2f spent_mad=%.2f pending_mad=%.2f"
             " planned_mad=%.2f",
             (long long)id, channel, c->month, c->budget_mad, c->spent_mad, c->pending_mad,
             c->planned_mad);
    return APPROVAL_OVER_BUDGET;
}

/* -------------------------------------------------------- thresholds */

static void thresholds(const struct notice_env *env, int64_t recipients, double cost,
                       struct approval_check *c)
{
    c->nreasons = 0;
    if (env->approval_recipients > 0 && recipients > env->approval_recipients)
        c->reasons[c->nreasons++] = (struct approval_reason){
            "recipients", (double)env->approval_recipients, (double)recipients};
    if (env->approval_cost_mad > 0 && cost > env->approval_cost_mad + MAD_EPSILON)
        c->reasons[c->nreasons++] =
            (struct approval_reason){"cost_mad", env->approval_cost_mad, centimes(cost)};
}

static json_t *reasons_json(const struct approval_check *c)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < c->nreasons; i++)
        json_array_append_new(a, json_pack("{s:s,s:f,s:f}", "threshold", c->reasons[i].threshold,
                                           "limit", c->reasons[i].limit, "planned",
                                           c->reasons[i].planned));
    return a;
}

/* Whether the approval on record covers recipients and cost. */
static bool covered(const struct broadcast_approval *a, int64_t recipients, double cost)
{
    if (!a->approved_at)
        return false;
    double grow = 1.0 + APPROVAL_GROWTH_PERCENT / 100.0;
    return (double)recipients <= (double)a->approved_recipients * grow &&
           cost <= a->approved_cost_mad * grow + MAD_EPSILON;
}

/* Over a threshold and not covered: ask (action, at), audited. */
static enum approval_result thresholds_gate(struct db *db, const struct notice_env *env,
                                            const struct audit_actor *actor, int64_t id,
                                            const char *from, const char *action, int64_t at,
                                            int64_t recipients, double cost,
                                            struct approval_check *c)
{
    thresholds(env, recipients, cost, c);
    if (c->nreasons == 0)
        return APPROVAL_PASS;
    struct broadcast_approval a;
    int found = approvals_get(db, id, &a);
    if (found <= 0)
        return found < 0 ? APPROVAL_ERROR : APPROVAL_NOT_FOUND;
    if (covered(&a, recipients, cost))
        return APPROVAL_PASS;
    json_t *reasons = reasons_json(c);
    char *text = reasons ? json_dumps(reasons, JSON_COMPACT) : NULL;
    int moved = text ? approvals_request(db, id, from, action, at, text, actor->who, db_now()) : -1;
    free(text);
    if (moved <= 0) {
        json_decref(reasons);
        return moved < 0 ? APPROVAL_ERROR : APPROVAL_CONFLICT;
    }
    json_t *summary =
        json_pack("{s:s,s:s,s:o,s:I,s:f,s:o}", "from", from, "action", action, "reasons", reasons,
                  "recipients", (json_int_t)recipients, "estimated_cost_mad", centimes(cost), "at",
                  at ? json_integer(at) : json_null());
    if (audit(db, actor, "broadcast.approval_requested", id, summary) != 0)
        return APPROVAL_ERROR;
    log_info("broadcast_awaiting_approval", "id=%lld action=%s recipients=%lld cost_mad=%.2f",
             (long long)id, action, (long long)recipients, cost);
    return APPROVAL_AWAITING;
}

enum approval_result approval_gate(struct db *db, const struct notice_env *env,
                                   const struct audit_actor *actor, int64_t id, const char *from,
                                   const char *channel, int64_t recipients, double cost_mad,
                                   int64_t now, struct approval_check *c)
{
    struct approval_check local;
    if (!c)
        c = &local;
    memset(c, 0, sizeof *c);
    c->planned_mad = centimes(cost_mad);
    (void)now;
    /* The budget first: no one is asked to approve what cannot go. */
    enum approval_result r = check_budget(db, env, actor, id, from, channel, c);
    if (r != APPROVAL_PASS)
        return r;
    return thresholds_gate(db, env, actor, id, from, "send", 0, recipients, cost_mad, c);
}

enum approval_result approval_gate_schedule(struct db *db, const struct notice_env *env,
                                            const struct audit_actor *actor, int64_t id,
                                            const char *from, int64_t at, int64_t recipients,
                                            double cost_mad, int64_t now, struct approval_check *c)
{
    struct approval_check local;
    if (!c)
        c = &local;
    memset(c, 0, sizeof *c);
    c->planned_mad = centimes(cost_mad);
    (void)now;
    return thresholds_gate(db, env, actor, id, from, "schedule", at, recipients, cost_mad, c);
}

/* ---------------------------------------------------- approve, reject */

enum approval_result approval_approve(struct db *db, const struct audit_actor *actor, int64_t id,
                                      int64_t recipients, double cost_mad, int64_t now, bool *send)
{
    *send = false;
    struct broadcast_approval a;
    int found = approvals_get(db, id, &a);
    if (found <= 0)
        return found < 0 ? APPROVAL_ERROR : APPROVAL_NOT_FOUND;
    if (strcmp(a.status, "awaiting_approval") != 0)
        return APPROVAL_CONFLICT;
    if (strcmp(actor->who, a.created_by) == 0 || strcmp(actor->who, a.requested_by) == 0)
        return APPROVAL_FORBIDDEN;
    *send = strcmp(a.action, "schedule") != 0 || a.scheduled_at <= now;
    int moved = approvals_approve(db, id, *send ? "draft" : "scheduled", actor->who, recipients,
                                  cost_mad, db_now());
    if (moved <= 0)
        return moved < 0 ? APPROVAL_ERROR : APPROVAL_CONFLICT;
    json_t *reasons = json_loads(a.reasons, 0, NULL);
    json_t *summary = json_pack(
        "{s:s,s:s,s:I,s:f,s:o,s:o,s:s}", "action", a.action, "requested_by", a.requested_by,
        "recipients", (json_int_t)recipients, "estimated_cost_mad", centimes(cost_mad), "reasons",
        reasons ? reasons : json_array(), "at", *send ? json_null() : json_integer(a.scheduled_at),
        "then", *send ? "send" : "scheduled");
    return audit(db, actor, "broadcast.approve", id, summary) == 0 ? APPROVAL_PASS : APPROVAL_ERROR;
}

enum approval_result approval_reject(struct db *db, const struct audit_actor *actor, int64_t id,
                                     const char *reason, int64_t now)
{
    (void)now;
    struct broadcast_approval a;
    int found = approvals_get(db, id, &a);
    if (found <= 0)
        return found < 0 ? APPROVAL_ERROR : APPROVAL_NOT_FOUND;
    if (strcmp(a.status, "awaiting_approval") != 0)
        return APPROVAL_CONFLICT;
    int moved = approvals_reject(db, id, actor->who, reason, db_now());
    if (moved <= 0)
        return moved < 0 ? APPROVAL_ERROR : APPROVAL_CONFLICT;
    json_t *summary =
        json_pack("{s:s,s:s,s:s,s:b}", "action", a.action, "requested_by", a.requested_by, "reason",
                  reason, "withdrawn", strcmp(actor->who, a.requested_by) == 0);
    return audit(db, actor, "broadcast.reject", id, summary) == 0 ? APPROVAL_PASS : APPROVAL_ERROR;
}

int approval_after_edit(struct db *db, const struct audit_actor *actor, int64_t id)
{
    struct broadcast_approval a;
    int found = approvals_get(db, id, &a);
    if (found <= 0)
        return found < 0 ? -1 : 0;
    int dropped = approvals_drop(db, id);
    if (dropped <= 0)
        return dropped;
    json_t *summary =
        json_pack("{s:s,s:I,s:I,s:f}", "approved_by", a.approved_by, "approved_at",
                  (json_int_t)a.approved_at, "approved_recipients",
                  (json_int_t)a.approved_recipients, "approved_cost_mad", a.approved_cost_mad);
    return audit(db, actor, "broadcast.approval_dropped", id, summary);
}

/* -------------------------------------------------------------- view */

static json_t *time_or_null(int64_t t)
{
    return t ? json_integer(t) : json_null();
}

static json_t *text_or_null(const char *s)
{
    return s[0] ? json_string(s) : json_null();
}

json_t *approval_json(struct db *db, int64_t id)
{
    struct broadcast_approval a;
    if (approvals_get(db, id, &a) < 0)
        return NULL;
    const char *state = strcmp(a.status, "awaiting_approval") == 0 ? "awaiting"
                        : a.approved_at                            ? "approved"
                        : a.rejected_at                            ? "rejected"
                                                                   : "none";
    json_t *reasons = a.reasons[0] ? json_loads(a.reasons, 0, NULL) : NULL;
    json_t *refusal = a.refusal[0] ? json_loads(a.refusal, 0, NULL) : NULL;
    if (refusal)
        json_object_set_new(refusal, "at", json_integer(a.refused_at));
    return json_pack(
        "{s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "status", state, "action",
        text_or_null(a.action), "reasons", reasons ? reasons : json_array(), "requested_by",
        text_or_null(a.requested_by), "requested_at", time_or_null(a.requested_at), "approved_by",
        text_or_null(a.approved_by), "approved_at", time_or_null(a.approved_at),
        "approved_recipients", a.approved_at ? json_integer(a.approved_recipients) : json_null(),
        "approved_cost_mad", a.approved_at ? json_real(a.approved_cost_mad) : json_null(),
        "rejected_by", text_or_null(a.rejected_by), "rejected_at", time_or_null(a.rejected_at),
        "rejection_reason", text_or_null(a.rejection_reason), "budget_refusal",
        refusal ? refusal : json_null(), "created_by", json_string(a.created_by));
}
