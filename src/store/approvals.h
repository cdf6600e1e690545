/* approvals.h -- the approval columns of the broadcasts table (a request
 * for a second staff member's approval, the approval with the recipients
 * and cost it covers, a rejection, a refusal for the channel's monthly
 * budget) and a channel's pending segments, read from the hourly counts
 * (message_counts: messages that will cost, not yet in the channel's
 * costs) and the plans of its broadcasts still being written. Functions borrow the connection and
 * never begin or commit a transaction. */
#ifndef TAAWUN_STORE_APPROVALS_H
#define TAAWUN_STORE_APPROVALS_H

#include <stdint.h>
#include "store/db.h"

#include "core/limits.h"

#define APPROVAL_NAME_MAX 64  /* staff names, as broadcasts.created_by */
#define APPROVAL_JSON_MAX 512 /* reasons and refusal, compact JSON */

/* A broadcast's approval state as stored; "" and 0 for none. */
struct broadcast_approval {
    char status[24]; /* the broadcast's status */
    char created_by[APPROVAL_NAME_MAX];
    char action[16];                 /* "send" | "schedule" while awaiting approval */
    char reasons[APPROVAL_JSON_MAX]; /* JSON array: the thresholds the request passed */
    char requested_by[APPROVAL_NAME_MAX];
    int64_t requested_at;
    char approved_by[APPROVAL_NAME_MAX];
    int64_t approved_at;
    int64_t approved_recipients;
    double approved_cost_mad;
    char rejected_by[APPROVAL_NAME_MAX];
    int64_t rejected_at;
    char rejection_reason[APPROVAL_REASON_MAX + 1];
    char refusal[APPROVAL_JSON_MAX]; /* JSON object: the budget figures of a refusal */
    int64_t refused_at;
    int64_t scheduled_at;
};

/* Broadcast id's approval state. Returns 1 (found), 0 (none) or -1. */
int approvals_get(struct db *db, int64_t id, struct broadcast_approval *out)
    __attribute__((warn_unused_result));

/* id from status `from` to 'awaiting_approval' for action ("send" or
 * "schedule", at: the schedule's time, 0 for none), with the reasons
 * (JSON), who asked and when; an earlier rejection and refusal cleared.
 * Returns 1 when moved, 0 when id was not in `from`, -1. */
int approvals_request(struct db *db, int64_t id, const char *from, const char *action, int64_t at,
                      const char *reasons, const char *by, int64_t now)
    __attribute__((warn_unused_result));

/* An awaiting id approved by `by`, covering recipients and cost, moved to
 * status `to` ("draft" before a send, "scheduled" with scheduled_at kept).
 * Returns 1, 0 (not awaiting approval) or -1. */
int approvals_approve(struct db *db, int64_t id, const char *to, const char *by, int64_t recipients,
                      double cost_mad, int64_t now) __attribute__((warn_unused_result));

/* An awaiting id rejected by `by` with reason: back to 'draft', the
 * request's action and time cleared. Returns 1, 0 (not awaiting) or -1. */
int approvals_reject(struct db *db, int64_t id, const char *by, const char *reason, int64_t now)
    __attribute__((warn_unused_result));

/* id's approval dropped (the broadcast was edited). Returns 1 when it had
 * one, 0 when not, -1. */
int approvals_drop(struct db *db, int64_t id) __attribute__((warn_unused_result));

/* An awaiting id back to 'draft' (withdrawn by an edit), its request
 * cleared. Returns 1, 0 (not awaiting) or -1. */
int approvals_withdraw(struct db *db, int64_t id, int64_t now) __attribute__((warn_unused_result));

/* A send of id refused (refusal: JSON), id moved from `from` to `to` (a
 * scheduled broadcast back to 'draft', so the scheduler stops trying it).
 * Returns 1, 0 (not in `from`) or -1. */
int approvals_refuse(struct db *db, int64_t id, const char *from, const char *to,
                     const char *refusal, int64_t now) __attribute__((warn_unused_result));

/* Segments of outbound messages on channel that cost or will cost but
 * are not in the channel's costs (message_costs, store/delivery) yet:
 * held, queued or sending, created from since_hour on (unix seconds /
 * 3600; older ones have expired), and sent or delivered without a
 * provider's id, created from month_hour on. What a provider took is in
 * the costs instead, from the hour it took it. Test numbers are not
 * counted (message_counts). Plus the messages not yet written of the
 * channel's broadcasts still 'expanding': the recipients left of the
 * plan (expand_total - expand_queued) at the plan's segments per
 * recipient (expand_segments / expand_total, rounded up), so two large
 * sends cannot pass the budget together while the first is written. */
int approvals_channel_pending(struct db *db, const char *channel, int64_t since_hour,
                              int64_t month_hour, int64_t *segments)
    __attribute__((warn_unused_result));

#endif
