/* retention.h -- how long rows are kept, and the pass that enforces it.
 *
 * The scheduler (app/scheduler) calls retention_tick every tick with the
 * current settings (retention.* in the config). A pass, when due:
 *   1. carries queued erasures into the message archives (store/archive);
 *   2. trims the growing tables by age (store/purge): inbound parts,
 *      drafts and SMS exchanges, audit rows, console sessions, USSD
 *      end-of-session notices;
 *   3. archives settled messages older than retention.messages_days to the
 *      monthly files, then deletes them (store/archive); queued, sending
 *      and held messages are never deleted, whatever their age.
 * Each deletion is a batch of RETENTION_BATCH_ROWS rows in its own write
 * transaction, with a pause of RETENTION_BATCH_PAUSE_MS between batches so
 * other writers take their turn; a tick spends at most
 * RETENTION_TICK_BUDGET_MS on it and the next tick goes on where it
 * stopped. Once nothing is left, the next pass is RETENTION_IDLE_INTERVAL_S
 * later by the scheduler's clock, and one info line (retention_done) says
 * what the backlog took, with the longest write transaction held. */
#ifndef TAAWUN_APP_RETENTION_H
#define TAAWUN_APP_RETENTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "store/db.h"

/* The settings (borrowed from the configuration for one tick). Days; 0 for
 * messages, audit rows and session notices: kept forever. */
struct retention_policy {
    int messages_days;
    int inbound_parts_days;
    int drafts_days;
    int audit_days;
    int console_sessions_days;
    int ussd_session_ends_days;
    const char *archive_dir;
};

/* What passes did since the last retention_done line. */
struct retention_totals {
    size_t archived, deleted, changed, purged, batches;
    double longest_hold_ms, hold_sum_ms;
};

/* The scheduler's retention state (its thread only). Zero it to start. */
struct retention {
    int64_t next_at; /* scheduler time of the next pass when idle */
    bool backlog;    /* the last pass ran out of time: go on at the next tick */
    bool purged;     /* the pass under way is done with the tables, on to messages */
    struct retention_totals totals;
};

/* One tick: a pass if one is due (see above). */
void retention_tick(struct retention *r, const struct retention_policy *p, int64_t now);

/* One pass at now within budget_ms, adding to *t; the tables are trimmed
 * first unless *purged says it was done (set once it is). Returns 1 when
 * work is left for a later call, 0 when done, -1 on a failure (logged). */
int retention_pass(struct db *db, const struct retention_policy *p, int64_t now, int budget_ms,
                   bool *purged, struct retention_totals *t) __attribute__((warn_unused_result));

#endif
