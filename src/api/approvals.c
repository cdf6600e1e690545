/* approvals.c -- admin API resources that make a broadcast go, with its
 * checks (app/approval): send now and schedule (over a threshold the
 * broadcast waits for approval: 202 saying which threshold; past the
 * channel's monthly budget: 409 with the figures), approve and reject by a
 * second staff member, and each channel's spending this month against its
 * budget. Read: viewer; write: staff. Each change and its audit row commit
 * together. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/broadcasts.h"
#include "api/json.h"
#include "app/approval.h"
#include "app/broadcast.h"
#include "runtime/env.h"
#include "runtime/runtime.h"
#include "store/broadcasts.h"
#include "store/db.h"

/* What the budget leaves this month, in centimes as its figures are. */
static double remaining(const struct approval_check *c)
{
    return round((c->budget_mad - c->spent_mad - c->pending_mad) * 100.0) / 100.0;
}

/* 409 over_budget: the channel, its budget, this month's spending (spent
 * and pending) and the send's cost (check's figures). */
static void over_budget(struct http_response *resp, const char *channel,
                        const struct approval_check *c)
{
    char msg[320];
    snprintf(msg, sizeof msg,
             "channel %s: this month's budget (%s) is %.2f MAD; %.2f MAD is spent, %.2f MAD waits "
             "to go and this send would add %.2f MAD",
             channel, c->month, c->budget_mad, c->spent_mad, c->pending_mad, c->planned_mad);
    api_reply_json(resp, 409,
                   json_pack("{s:{s:s,s:s,s:s,s:s,s:f,s:f,s:f,s:f,s:f}}", "error", "code",
                             "over_budget", "message", msg, "channel", channel, "month", c->month,
                             "budget_mad", c->budget_mad, "spent_mad", c->spent_mad, "pending_mad",
                             c->pending_mad, "planned_mad", c->planned_mad, "remaining_mad",
                             c->budget_mad - c->spent_mad - c->pending_mad));
}

/* Broadcast id's plan at now worked out before the write transaction
 * (app/broadcast broadcast_plan_ahead: a national audience is counted
 * outside the write lock; env NULL: none needed), then a write
 * transaction begun; the caller frees the plan. NULL with 503 in resp and nothing begun. */
static struct broadcast_plan *begin_with_plan(struct db *db, const struct notice_env *env,
                                              int64_t id, int64_t now, struct http_response *resp)
{
    struct broadcast_plan *plan = calloc(1, sizeof *plan);
    if (plan && env && broadcast_plan_ahead(db, env, id, now, plan) != BROADCAST_OK)
        plan->ahead = false; /* worked out again inside, where it answers why */
    if (plan && db_begin(db) == 0)
        return plan;
    free(plan);
    api_error_db(resp);
    return NULL;
}

/* Answer a send's result r (in the open transaction): sent (200), waiting
 * for approval (202, committed), refused for the budget (409; the refusal
 * committed when keep_refusal, else rolled back), or an error. */
static void answer_send(struct http_response *resp, struct db *db, int64_t id,
                        enum broadcast_result r, const struct broadcast_plan *plan, int64_t queued,
                        bool keep_refusal)
{
    bool commit = r == BROADCAST_OK || r == BROADCAST_AWAITING_APPROVAL ||
                  (r == BROADCAST_OVER_BUDGET && keep_refusal);
    if (r == BROADCAST_OVER_BUDGET)
        over_budget(resp, plan->channel, &plan->check);
    else if (!commit)
        api_broadcast_error(resp, r, "sent");
    if (api_json_finish(db, commit ? 0 : -1, resp) != 0 || r == BROADCAST_OVER_BUDGET)
        return;
    json_t *o = api_broadcast_json(db, id, resp);
    if (!o)
        return;
    json_object_set_new(o, "messages_written", json_integer(queued));
    json_object_set_new(o, "held_until_window",
                        r != BROADCAST_OK || plan->window_open ? json_null()
                                                               : json_integer(plan->window_opens));
    json_object_set_new(o, "plan", api_broadcast_plan_json(id, plan));
    api_reply_json(resp, r == BROADCAST_OK ? 200 : 202, o);
}

/* POST /broadcasts/{id}/send */
static void broadcast_send_post(const struct api_request *req, struct http_response *resp)
{
    static const char *const none[] = {NULL};
    int64_t id, now;
    struct db *db;
    if (api_param_id(req, resp, "id", &id) != 0 || api_json_only(req, resp, none) != 0 ||
        api_broadcast_clock(resp, &now) != 0 || !(db = api_json_db(resp)))
        return;
    struct notice_env env;
    runtime_env_notice(req->rt, &env);
    struct broadcast_plan *plan = begin_with_plan(db, &env, id, now, resp);
    if (!plan)
        return;
    int64_t queued = 0;
    enum broadcast_result r = broadcast_send(db, &env, &req->actor, id, now, plan, &queued);
    answer_send(resp, db, id, r, plan, queued, true);
    free(plan);
}

/* The plan of stored broadcast id at now into *plan, and its status. */
static enum broadcast_result stored_plan(struct db *db, const struct notice_env *env, int64_t id,
                                         int64_t now, struct broadcast_plan *plan,
                                         char status[BROADCAST_STATUS_MAX])
{
    struct broadcast_record rec;
    int found = broadcasts_get(db, id, &rec);
    if (found <= 0)
        return found < 0 ? BROADCAST_ERROR : BROADCAST_NOT_FOUND;
    snprintf(status, BROADCAST_STATUS_MAX, "%s", rec.status);
    enum broadcast_result r = broadcast_plan_stored(db, env, &rec, now, plan);
    broadcast_record_clear(&rec);
    return r;
}

/* "at" of the body: unix seconds or a local time, in the future within a
 * year. Returns 0, or -1 with resp filled. */
static int read_at(const struct api_request *req, struct http_response *resp, int64_t now,
                   int64_t *at)
{
    json_t *v = json_object_get(req->json, "at");
    if (!v) {
        api_error(resp, 400, "missing_field", "at is required", "at");
        return -1;
    }
    if (json_is_integer(v)) {
        *at = json_integer_value(v);
    } else if (!json_is_string(v) || api_json_parse_time(json_string_value(v), at) != 0) {
        api_error(resp, 422, "invalid_value",
                  "at must be unix seconds or YYYY-MM-DDTHH:MM[:SS] in the programme's time "
                  "zone (optionally with Z or +HH:MM)",
                  "at");
        return -1;
    }
    if (*at <= now || *at > now + 366LL * 86400) {
        api_error(resp, 422, "invalid_value", "at must be in the future (within a year)", "at");
        return -1;
    }
    return 0;
}

/* Over a threshold, scheduling waits for approval; else it is scheduled. */
static enum broadcast_result schedule_gated(struct db *db, const struct api_request *req,
                                            int64_t id, int64_t at, int64_t now,
                                            struct broadcast_plan *plan)
{
    struct notice_env env;
    runtime_env_notice(req->rt, &env);
    char status[BROADCAST_STATUS_MAX] = "";
    if (env.approval_recipients > 0 || env.approval_cost_mad > 0) {
        enum broadcast_result r = stored_plan(db, &env, id, now, plan, status);
        if (r != BROADCAST_OK)
            return r;
    }
    if (strcmp(status, "draft") == 0 || strcmp(status, "scheduled") == 0) {
        enum approval_result g = approval_gate_schedule(
            db, &env, &req->actor, id, status, at, plan->recipients, plan->cost, now, &plan->check);
        if (g == APPROVAL_AWAITING)
            return BROADCAST_AWAITING_APPROVAL;
        if (g != APPROVAL_PASS)
            return g == APPROVAL_CONFLICT ? BROADCAST_CONFLICT : BROADCAST_ERROR;
    }
    return broadcast_schedule(db, &req->actor, id, at);
}

/* POST /broadcasts/{id}/schedule {"at": ...} */
static void broadcast_schedule_post(const struct api_request *req, struct http_response *resp)
{
    static const char *const fields[] = {"at", NULL};
    int64_t id, now, at = 0;
    struct db *db;
    if (api_param_id(req, resp, "id", &id) != 0 || api_json_need_body(req, resp) != 0 ||
        api_json_only(req, resp, fields) != 0 || api_broadcast_clock(resp, &now) != 0 ||
        read_at(req, resp, now, &at) != 0 || !(db = api_json_db(resp)))
        return;
    struct notice_env env;
    runtime_env_notice(req->rt, &env);
    bool gated = env.approval_recipients > 0 || env.approval_cost_mad > 0;
    struct broadcast_plan *plan = begin_with_plan(db, gated ? &env : NULL, id, now, resp);
    if (!plan)
        return;
    enum broadcast_result r = schedule_gated(db, req, id, at, now, plan);
    bool done = r == BROADCAST_OK || r == BROADCAST_AWAITING_APPROVAL;
    if (!done)
        api_broadcast_error(resp, r, "scheduled");
    json_t *o = NULL;
    if (api_json_finish(db, done ? 0 : -1, resp) == 0)
        o = api_broadcast_json(db, id, resp);
    if (o && r == BROADCAST_AWAITING_APPROVAL)
        json_object_set_new(o, "plan", api_broadcast_plan_json(id, plan));
    if (o)
        api_reply_json(resp, r == BROADCAST_OK ? 200 : 202, o);
    free(plan);
}

static void approval_error(struct http_response *resp, enum approval_result r)
{
    switch (r) {
    case APPROVAL_NOT_FOUND:
        api_error(resp, 404, "not_found", "no such broadcast", NULL);
        break;
    case APPROVAL_CONFLICT:
        api_error(resp, 409, "conflict", "the broadcast is not awaiting approval", NULL);
        break;
    case APPROVAL_FORBIDDEN:
        api_error(resp, 403, "own_broadcast",
                  "you created this broadcast or asked for its send: another staff member "
                  "must approve it",
                  NULL);
        break;
    default:
        api_error_db(resp);
        break;
    }
}

/* POST /broadcasts/{id}/approve: by a staff member who neither created it
 * nor asked for it; then sent (or scheduled, when its time is ahead). */
static void broadcast_approve_post(const struct api_request *req, struct http_response *resp)
{
    static const char *const none[] = {NULL};
    int64_t id, now;
    struct db *db;
    if (api_param_id(req, resp, "id", &id) != 0 || api_json_only(req, resp, none) != 0 ||
        api_broadcast_clock(resp, &now) != 0 || !(db = api_json_db(resp)))
        return;
    struct notice_env env;
    runtime_env_notice(req->rt, &env);
    struct broadcast_plan *plan = begin_with_plan(db, &env, id, now, resp);
    if (!plan)
        return;
    char status[BROADCAST_STATUS_MAX];
    bool send = false;
    int64_t queued = 0;
    enum broadcast_result r = stored_plan(db, &env, id, now, plan, status);
    enum approval_result a = APPROVAL_ERROR;
    if (r == BROADCAST_OK &&
        (a = approval_approve(db, &req->actor, id, plan->recipients, plan->cost, now, &send)) ==
            APPROVAL_PASS &&
        send)
        r = broadcast_send(db, &env, &req->actor, id, now, plan, &queued);
    if (r == BROADCAST_OK && a != APPROVAL_PASS) {
        approval_error(resp, a);
        db_rollback(db);
    } else if (send || r != BROADCAST_OK) {
        answer_send(resp, db, id, r, plan, queued, false); /* a refusal undoes the approval */
    } else if (api_json_finish(db, 0, resp) == 0) {
        json_t *o = api_broadcast_json(db, id, resp);
        if (o)
            api_reply_json(resp, 200, o);
    }
    free(plan);
}

/* POST /broadcasts/{id}/reject {"reason": ...}: back to draft. */
static void broadcast_reject_post(const struct api_request *req, struct http_response *resp)
{
    static const char *const fields[] = {"reason", NULL};
    int64_t id, now;
    const char *reason = NULL;
    struct db *db;
    if (api_param_id(req, resp, "id", &id) != 0 || api_json_need_body(req, resp) != 0 ||
        api_json_only(req, resp, fields) != 0 ||
        api_json_string(req, resp, "reason", API_JSON_FIELD_REQUIRED, APPROVAL_REASON_MAX,
                        &reason) < 0 ||
        api_broadcast_clock(resp, &now) != 0 || !(db = api_json_db(resp)))
        return;
    if (db_begin(db) != 0) {
        api_error_db(resp);
        return;
    }
    enum approval_result r = approval_reject(db, &req->actor, id, reason, now);
    if (r != APPROVAL_PASS)
        approval_error(resp, r);
    if (api_json_finish(db, r == APPROVAL_PASS ? 0 : -1, resp) != 0)
        return;
    json_t *o = api_broadcast_json(db, id, resp);
    if (o)
        api_reply_json(resp, 200, o);
}

/* GET /channels/budgets: each channel's spending this month (the
 * programme's time zone; spent as GET /channels/costs says, and pending)
 * against its monthly budget. */
static void channels_budgets_get(const struct api_request *req, struct http_response *resp)
{
    struct db *db = api_json_db(resp);
    if (!db)
        return;
    struct notice_env env;
    runtime_env_notice(req->rt, &env);
    json_t *items = json_array();
    for (size_t i = 0; items && i < env.nchannels; i++) {
        struct approval_check c = {0};
        if (approval_channel_month(db, &env, i, db_now(), &c) != 0) {
            json_decref(items);
            api_error_db(resp);
            return;
        }
        json_array_append_new(
            items,
            json_pack("{s:s,s:s,s:o,s:f,s:f,s:o,s:f,s:b}", "channel", env.channels[i], "month",
                      c.month, "monthly_budget_mad",
                      c.budgeted ? json_real(c.budget_mad) : json_null(), "spent_mad", c.spent_mad,
                      "pending_mad", c.pending_mad, "remaining_mad",
                      c.budgeted ? json_real(remaining(&c)) : json_null(), "price_per_segment_mad",
                      env.channel_price[i], "test", env.channel_test[i]));
    }
    if (!items) {
        api_error_db(resp);
        return;
    }
    api_reply_json(resp, 200, json_pack("{s:o}", "items", items));
}

const struct api_route api_approvals_routes[] = {
    {"POST", "/broadcasts/{id}/send", API_ROLE_STAFF, broadcast_send_post, API_BODY_JSON},
    {"POST", "/broadcasts/{id}/schedule", API_ROLE_STAFF, broadcast_schedule_post, API_BODY_JSON},
    {"POST", "/broadcasts/{id}/approve", API_ROLE_STAFF, broadcast_approve_post, API_BODY_JSON},
    {"POST", "/broadcasts/{id}/reject", API_ROLE_STAFF, broadcast_reject_post, API_BODY_JSON},
    {"GET", "/channels/budgets", API_ROLE_VIEWER, channels_budgets_get, API_BODY_JSON},
    {NULL, NULL, API_ROLE_NONE, NULL, API_BODY_JSON},
};
