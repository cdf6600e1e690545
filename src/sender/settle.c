/* settle.c -- the results of the sender's requests written to the
 * outbox (store/messages) in one transaction per pass, then logged. */
#include "sender/settle.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/msisdn.h"
#include "store/db.h"
#include "store/delivery.h"
#include "sys/log.h"
#include "sys/log_summary.h"

/* Seconds before attempt number `attempts` + 1: base * 2^(attempts-1),
 * capped, +-20% jitter; the provider's hint wins when it gives one. */
static int64_t backoff_s(unsigned *seed, const struct channel_settings *ch, int attempts,
                         int hint_s)
{
    if (hint_s > 0)
        return hint_s;
    double base = ch->retry_base_s;
    double cap = ch->retry_max_s;
    double d = base;
    for (int i = 1; i < attempts && d < cap; i++)
        d *= 2;
    if (d > cap)
        d = cap;
    double jitter = 0.8 + 0.4 * ((double)rand_r(seed) / (double)RAND_MAX);
    d *= jitter;
    return d < 1 ? 1 : (int64_t)(d + 0.5);
}

static const char *outcome_name(enum send_outcome o)
{
    switch (o) {
    case SEND_ACCEPTED:
        return "sent";
    case SEND_RETRY:
        return "retry";
    case SEND_PERMANENT:
        return "failed";
    case SEND_OPTED_OUT:
        return "opted_out_at_carrier";
    }
    return "?";
}

/* Write one message's result (inside the caller's transaction). Returns 0
 * or -1; *what names the new status, *retry_at the next attempt (0: none). */
static int record_one(unsigned *seed, struct db *db, struct request *r, size_t i, int64_t now,
                      const char **what, int64_t *retry_at)
{
    const struct outbox_row *row = &r->rows[i];
    struct send_result *res = &r->results[i];
    res->reason[sizeof res->reason - 1] = '\0';
    res->provider_id[sizeof res->provider_id - 1] = '\0';
    int attempts = row->attempts + 1;
    *retry_at = 0;
    /* A failure's class kept on the row for the delivery report. */
    if (res->outcome != SEND_ACCEPTED) {
        enum send_error_class c = send_error_class_of(res, r->http_status);
        if (delivery_error_class_set(db, row->id, send_error_class_name(c)) != 0)
            return -1;
    }
    switch (res->outcome) {
    case SEND_ACCEPTED:
        *what = "sent";
        if (outbox_settle(db, row->id, "sent", res->provider_id, NULL, now) != 0)
            return -1;
        /* What the provider said it cost, for the delivery report. */
        return res->has_cost ? delivery_provider_cost_set(db, row->id, res->cost_mad) : 0;
    case SEND_RETRY: {
        int max_attempts = r->ch->max_attempts;
        const char *reason = res->reason[0] ? res->reason : "transient failure";
        if (attempts >= max_attempts) {
            *what = "failed";
            char err[MESSAGE_ERROR_MAX + 16];
            snprintf(err, sizeof err, "max_attempts: %.*s", MESSAGE_ERROR_MAX - 16, reason);
            return outbox_settle(db, row->id, "failed", NULL, err, now);
        }
        *what = "retry";
        *retry_at = now + backoff_s(seed, r->ch, attempts, res->retry_after_s);
        return outbox_requeue(db, row->id, *retry_at, reason, now);
    }
    case SEND_OPTED_OUT:
        *what = "opted_out_at_carrier";
        return outbox_opted_out_at_carrier(db, row->id, row->phone, now);
    case SEND_PERMANENT:
        break;
    }
    *what = "failed";
    return outbox_settle(db, row->id, "failed", NULL,
                         res->reason[0] ? res->reason : "permanent failure", now);
}

void settle_done(struct transfers *t, struct db *db, unsigned *seed)
{
    if (!t->done || !db)
        return;
    int64_t now = db_now();
    if (db_begin(db) != 0)
        return;
    for (struct request *r = t->done; r; r = r->next)
        for (size_t i = 0; i < r->n; i++) {
            const char *what;
            int64_t retry_at;
            if (record_one(seed, db, r, i, now, &what, &retry_at) != 0) {
                db_rollback(db);
                return;
            }
        }
    if (db_commit(db) != 0)
        return;
    /* Log after the commit, so each line says what is on disk. */
    struct request *r = t->done;
    t->done = NULL;
    while (r) {
        struct request *next = r->next;
        for (size_t i = 0; i < r->n; i++) {
            char masked[MSISDN_MAX], q[200], pid[160];
            msisdn_mask(r->rows[i].phone, masked);
            const struct send_result *res = &r->results[i];
            const char *outcome = outcome_name(res->outcome);
            int attempts = r->rows[i].attempts + 1;
            if (res->outcome == SEND_RETRY && attempts >= r->ch->max_attempts)
                outcome = "failed";
            log_debug("send_result",
                      "id=%lld channel=%s phone=%s outcome=%s attempts=%d batch=%zu "
                      "provider_id=%s reason=%s",
                      (long long)r->rows[i].id, r->ch->name, masked, outcome, attempts, r->n,
                      log_quote(res->provider_id, pid, sizeof pid),
                      log_quote(res->reason, q, sizeof q));
            log_summary_count(LOG_SUMMARY_SENDS, r->ch->name, outcome);
            if (res->outcome != SEND_ACCEPTED)
                log_summary_count(LOG_SUMMARY_SEND_ERRORS, r->ch->name,
                                  send_error_class_name(send_error_class_of(res, r->http_status)));
        }
        request_free(r);
        r = next;
    }
}

void settle_log(const struct channel_settings *ch, const struct outbox_row *row,
                const char *outcome, const char *reason, const char *provider_id)
{
    char masked[MSISDN_MAX], q[200], pid[160];
    msisdn_mask(row->phone, masked);
    log_debug("send_result", "id=%lld channel=%s phone=%s outcome=%s attempts=%d reason=%s%s%s",
              (long long)row->id, ch->name, masked, outcome, row->attempts + (provider_id ? 1 : 0),
              reason ? log_quote(reason, q, sizeof q) : "-", provider_id ? " provider_id=" : "",
              provider_id ? log_quote(provider_id, pid, sizeof pid) : "");
    log_summary_count(LOG_SUMMARY_SENDS, ch->name, outcome);
}
