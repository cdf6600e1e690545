/* approvals.c -- the approval columns of the broadcasts table and a
 * channel's pending segments read from the hourly message counts. */
#include "store/approvals.h"

#include <string.h>

#include "store/db.h"
#include "store/db_sql.h"
#include "store/store_util.h"

int approvals_get(struct db *db, int64_t id, struct broadcast_approval *out)
{
    memset(out, 0, sizeof *out);
    struct db_stmt *st = db_stmt(
        db,
        "SELECT status, created_by, coalesce(approval_action,''), coalesce(approval_reasons,''),"
        " coalesce(approval_requested_by,''), coalesce(approval_requested_at,0),"
        " coalesce(approved_by,''), coalesce(approved_at,0), coalesce(approved_recipients,0),"
        " coalesce(approved_cost_mad,0), coalesce(rejected_by,''), coalesce(rejected_at,0),"
        " coalesce(rejection_reason,''), coalesce(refusal,''), coalesce(refused_at,0),"
        " coalesce(scheduled_at,0) FROM broadcasts WHERE id = ?1");
    if (!st)
        return store_fail(db, "approvals_get");
    db_bind_i64(st, 1, id);
    int rc = db_step(st);
    if (rc == DB_ROW) {
        store_copy_text(out->status, sizeof out->status, st, 0);
        store_copy_text(out->created_by, sizeof out->created_by, st, 1);
        store_copy_text(out->action, sizeof out->action, st, 2);
        store_copy_text(out->reasons, sizeof out->reasons, st, 3);
        store_copy_text(out->requested_by, sizeof out->requested_by, st, 4);
        out->requested_at = db_col_i64(st, 5);
        store_copy_text(out->approved_by, sizeof out->approved_by, st, 6);
        out->approved_at = db_col_i64(st, 7);
        out->approved_recipients = db_col_i64(st, 8);
        out->approved_cost_mad = db_col_double(st, 9);
        store_copy_text(out->rejected_by, sizeof out->rejected_by, st, 10);
        out->rejected_at = db_col_i64(st, 11);
        store_copy_text(out->rejection_reason, sizeof out->rejection_reason, st, 12);
        store_copy_text(out->refusal, sizeof out->refusal, st, 13);
        out->refused_at = db_col_i64(st, 14);
        out->scheduled_at = db_col_i64(st, 15);
    }
    db_stmt_done(st);
    if (rc != DB_ROW && rc != DB_DONE)
        return store_fail(db, "approvals_get");
    return rc == DB_ROW ? 1 : 0;
}

int approvals_request(struct db *db, int64_t id, const char *from, const char *action, int64_t at,
                      const char *reasons, const char *by, int64_t now)
{
    struct db_stmt *st = db_stmt(
        db, "UPDATE broadcasts SET status = 'awaiting_approval', approval_action = :action,"
            " scheduled_at = nullif(:at, 0), approval_reasons = :reasons,"
            " approval_requested_by = :by, approval_requested_at = :now, rejected_by = NULL,"
            " rejected_at = NULL, rejection_reason = NULL, refusal = NULL, refused_at = NULL,"
            " updated_at = :now WHERE id = :id AND status = :from");
    if (!st)
        return store_fail(db, "approvals_request");
    store_bind_int64(st, ":id", id);
    store_bind_text(st, ":from", from);
    store_bind_text(st, ":action", action);
    store_bind_int64(st, ":at", at);
    store_bind_text(st, ":reasons", reasons);
    store_bind_text(st, ":by", by);
    store_bind_int64(st, ":now", now);
    return store_exec_changed(db, st, "approvals_request");
}

int approvals_approve(struct db *db, int64_t id, const char *to, const char *by, int64_t recipients,
                      double cost_mad, int64_t now)
{
    struct db_stmt *st = db_stmt(
        db, "UPDATE broadcasts SET status = :to, approval_action = NULL, approved_by = :by,"
            " approved_at = :now, approved_recipients = :recipients, approved_cost_mad = :cost,"
            " scheduled_at = CASE WHEN :to = 'scheduled' THEN scheduled_at END, updated_at = :now"
            " WHERE id = :id AND status = 'awaiting_approval'");
    if (!st)
        return store_fail(db, "approvals_approve");
    store_bind_int64(st, ":id", id);
    store_bind_text(st, ":to", to);
    store_bind_text(st, ":by", by);
    store_bind_int64(st, ":recipients", recipients);
    db_bind_double(st, store_param(st, ":cost"), cost_mad);
    store_bind_int64(st, ":now", now);
    return store_exec_changed(db, st, "approvals_approve");
}

int approvals_reject(struct db *db, int64_t id, const char *by, const char *reason, int64_t now)
{
    struct db_stmt *st = db_stmt(
        db, "UPDATE broadcasts SET status = 'draft', approval_action = NULL, scheduled_at = NULL,"
            " rejected_by = :by, rejected_at = :now, rejection_reason = :reason, updated_at = :now"
            " WHERE id = :id AND status = 'awaiting_approval'");
    if (!st)
        return store_fail(db, "approvals_reject");
    store_bind_int64(st, ":id", id);
    store_bind_text(st, ":by", by);
    store_bind_text(st, ":reason", reason);
    store_bind_int64(st, ":now", now);
    return store_exec_changed(db, st, "approvals_reject");
}

int approvals_drop(struct db *db, int64_t id)
{
    struct db_stmt *st = db_stmt(db, "UPDATE broadcasts SET approved_by = NULL, approved_at = NULL,"
                                     " approved_recipients = NULL, approved_cost_mad = NULL,"
                                     " approval_reasons = NULL, approval_action = NULL"
                                     " WHERE id = ?1 AND approved_at IS NOT NULL");
    if (!st)
        return store_fail(db, "approvals_drop");
    db_bind_i64(st, 1, id);
    return store_exec_changed(db, st, "approvals_drop");
}

int approvals_withdraw(struct db *db, int64_t id, int64_t now)
{
    struct db_stmt *st =
        db_stmt(db, "UPDATE broadcasts SET status = 'draft', approval_action = NULL,"
                    " scheduled_at = NULL, updated_at = ?2"
                    " WHERE id = ?1 AND status = 'awaiting_approval'");
    if (!st)
        return store_fail(db, "approvals_withdraw");
    db_bind_i64(st, 1, id);
    db_bind_i64(st, 2, now);
    return store_exec_changed(db, st, "approvals_withdraw");
}

int approvals_refuse(struct db *db, int64_t id, const char *from, const char *to,
                     const char *refusal, int64_t now)
{
    struct db_stmt *st =
        db_stmt(db, "UPDATE broadcasts SET status = :to, refusal = :refusal, refused_at = :now,"
                    " scheduled_at = CASE WHEN :to = 'draft' THEN NULL ELSE scheduled_at END,"
                    " updated_at = :now WHERE id = :id AND status = :from");
    if (!st)
        return store_fail(db, "approvals_refuse");
    store_bind_int64(st, ":id", id);
    store_bind_text(st, ":from", from);
    store_bind_text(st, ":to", to);
    store_bind_text(st, ":refusal", refusal);
    store_bind_int64(st, ":now", now);
    return store_exec_changed(db, st, "approvals_refuse");
}

int approvals_channel_pending(struct db *db, const char *channel, int64_t since_hour,
                              int64_t month_hour, int64_t *segments)
{
    *segments = 0;
    /* One statement: the messages written (their hourly counts), and the
     * unwritten part of the channel's broadcasts still expanding, at the
     * plan's segments per recipient (rounded up), read under the caller's
     * write lock alike. */
    struct db_stmt *st =
        db_stmt(db, "SELECT coalesce((SELECT sum(segments) FROM message_counts"
                    " WHERE hour >= ?2 AND channel = ?1 AND taken = 0"
                    " AND (status IN ('held','queued','sending')"
                    " OR (status IN ('sent','delivered') AND hour >= ?3))), 0)"
                    " + coalesce((SELECT sum((CASE WHEN expand_total > expand_queued"
                    " THEN expand_total - expand_queued ELSE 0 END"
                    " * coalesce(expand_segments, expand_total) + expand_total - 1) / expand_total)"
                    " FROM broadcasts WHERE status = 'expanding' AND channel = ?1"
                    " AND expand_total > 0), 0)");
    if (!st)
        return store_fail(db, "approvals_channel_pending");
    db_bind_text(st, 1, channel);
    db_bind_i64(st, 2, since_hour < month_hour ? since_hour : month_hour);
    db_bind_i64(st, 3, month_hour);
    return store_read_int64(db, st, segments, "approvals_channel_pending");
}
