/* approval.h -- the checks a broadcast passes before its messages are
 * written: a second staff member's approval over a threshold of recipients
 * or cost (broadcasts.approval_recipients, broadcasts.approval_cost_mad),
 * and the channel's monthly budget (channels.[].monthly_budget_mad).
 *
 * The gate runs inside the write transaction that would queue the
 * messages (app/broadcast's send, so a send now, a scheduled one at its
 * time and any other caller of broadcast_send), after the plan: the month's
 * spending is read under the write lock, so two sends cannot both pass on
 * the same remainder. Its decisions are written in that transaction (the
 * request for approval, a refusal with its figures, their audit rows): the
 * caller commits them.
 *
 * The rules:
 *  - over a threshold ("more than"), a send waits in 'awaiting_approval'
 *    unless an approval on record covers its recipients and cost (with
 *    APPROVAL_GROWTH_PERCENT of growth);
 *  - an approval is given by a staff member (role staff or admin) who
 *    neither created the broadcast nor asked for its send; identities are
 *    names, a console user's or a token's, so a token and a user of the
 *    same name count as one person;
 *  - an edit drops the approval and takes the broadcast back to draft;
 *  - a send whose cost would take the channel's month (the programme's
 *    time zone; spent: what providers took that month, as GET
 *    /channels/costs says, plus pending: what waits to go, at the
 *    channel's price, a broadcast still being written in chunks counted
 *    for its whole plan) past its budget is refused, naming the channel,
 *    the budget, spent, pending and planned.
 * Every step writes an audit row (broadcast.approval_requested,
 * broadcast.approve, broadcast.reject, broadcast.approval_dropped,
 * broadcast.refused). */
#ifndef TAAWUN_APP_APPROVAL_H
#define TAAWUN_APP_APPROVAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "store/db.h"

#include "app/programme.h"
#include "store/approvals.h"
#include "store/audit.h"

enum approval_result {
    APPROVAL_PASS = 0,    /* the send may go */
    APPROVAL_AWAITING,    /* moved to awaiting_approval (commit) */
    APPROVAL_OVER_BUDGET, /* refused, the refusal recorded (commit) */
    APPROVAL_NOT_FOUND,
    APPROVAL_CONFLICT,  /* not awaiting approval */
    APPROVAL_FORBIDDEN, /* the approver created it or asked for it */
    APPROVAL_ERROR,     /* database (logged) */
};

/* One threshold a send passed. */
struct approval_reason {
    const char *threshold; /* "recipients" | "cost_mad" */
    double limit, planned;
};

/* What the gate found, for the answer. */
struct approval_check {
    struct approval_reason reasons[2];
    size_t nreasons;
    bool budgeted; /* the channel has a budget: the figures below are set */
    char month[8]; /* "YYYY-MM", the programme's time zone */
    double budget_mad;
    double spent_mad;   /* taken by providers this month: GET /channels/costs's cost_mad */
    double pending_mad; /* will cost, not taken yet (held, queued, sending; the unwritten
                           part of broadcasts expanding), at the price */
    double planned_mad; /* this send */
};

/* The send's gate for broadcast id (status `from`: draft or scheduled)
 * on channel, about to write recipients messages costing cost_mad at now
 * (programme clock). See the rules above. *c (may be NULL) gets what was
 * found. */
enum approval_result approval_gate(struct db *db, const struct notice_env *env,
                                   const struct audit_actor *actor, int64_t id, const char *from,
                                   const char *channel, int64_t recipients, double cost_mad,
                                   int64_t now, struct approval_check *c)
    __attribute__((warn_unused_result));

/* Scheduling id (status `from`) at `at`: over a threshold and not covered,
 * it waits for approval of the schedule (APPROVAL_AWAITING); else PASS and
 * the caller schedules it. The budget is checked when it goes. */
enum approval_result approval_gate_schedule(struct db *db, const struct notice_env *env,
                                            const struct audit_actor *actor, int64_t id,
                                            const char *from, int64_t at, int64_t recipients,
                                            double cost_mad, int64_t now, struct approval_check *c)
    __attribute__((warn_unused_result));

/* Approve awaiting id as actor, covering recipients and cost_mad (the
 * plan now). *send is set when the caller must now send it (a send, or a
 * schedule whose time has passed: it is a draft again); else it is
 * scheduled. APPROVAL_FORBIDDEN when actor created it or asked for it. */
enum approval_result approval_approve(struct db *db, const struct audit_actor *actor, int64_t id,
                                      int64_t recipients, double cost_mad, int64_t now, bool *send)
    __attribute__((warn_unused_result));

/* Reject awaiting id with reason (1 to APPROVAL_REASON_MAX bytes): back
 * to draft. The one who asked may reject (withdraw) their own request. */
enum approval_result approval_reject(struct db *db, const struct audit_actor *actor, int64_t id,
                                     const char *reason, int64_t now)
    __attribute__((warn_unused_result));

/* After an edit of id (now a draft): its approval, if any, dropped with an
 * audit row. Returns 0 or -1. */
int approval_after_edit(struct db *db, const struct audit_actor *actor, int64_t id)
    __attribute__((warn_unused_result));

/* Channel i of env (< env->nchannels) in now's month: spent (what
 * providers took, as GET /channels/costs says: store/delivery's
 * delivery_costs and delivery_cost_mad; a price of 0 counts the segments
 * no provider priced as 0), pending (held, queued or sending, and sent
 * without a provider's id, at the channel's price), its budget (0: none),
 * the month. */
int approval_channel_month(struct db *db, const struct notice_env *env, size_t i, int64_t now,
                           struct approval_check *c) __attribute__((warn_unused_result));

/* Broadcast id's approval as the API shows it: an object (status
 * "awaiting", "approved", "rejected" or "none", who, when, the thresholds,
 * a budget refusal), or NULL (database: logged). New reference. */
json_t *approval_json(struct db *db, int64_t id);

#endif
