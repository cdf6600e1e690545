/* retention.c -- the retention pass: erasures into the archives, growing
 * tables trimmed, old messages archived then deleted, each in small write
 * transactions within a time budget per tick (see retention.h). */
#include "app/retention.h"

#include <time.h>

#include "core/limits.h"
#include "store/archive.h"
#include "store/db.h"
#include "store/purge.h"
#include "sys/clock.h"
#include "sys/log.h"

#define DAY_S 86400

static double ms_since(double t0)
{
    return clock_ms(CLOCK_MONOTONIC) - t0;
}

/* Between two batches: the write turn is free for other threads. */
static void batch_pause(void)
{
    struct timespec d = {0, RETENTION_BATCH_PAUSE_MS * 1000000L};
    nanosleep(&d, NULL);
}

static void note_hold(struct retention_totals *t, double hold_ms)
{
    t->batches++;
    t->hold_sum_ms += hold_ms;
    if (hold_ms > t->longest_hold_ms)
        t->longest_hold_ms = hold_ms;
}

/* The tables trimmed by age. Returns 1 when out of time, 0 when done, -1. */
static int purge_all(struct db *db, const struct retention_policy *p, int64_t now, double t0,
                     int budget_ms, struct retention_totals *t)
{
    const struct {
        enum purge_kind kind;
        int days;
    } plan[] = {
        {PURGE_INBOUND_PARTS, p->inbound_parts_days},
        {PURGE_USSD_DRAFTS, p->drafts_days},
        {PURGE_SMS_EXCHANGES, p->drafts_days},
        {PURGE_AUDIT, p->audit_days},
        {PURGE_CONSOLE_SESSIONS, p->console_sessions_days},
        {PURGE_USSD_SESSION_ENDS, p->ussd_session_ends_days},
    };
    for (size_t i = 0; i < sizeof plan / sizeof plan[0]; i++) {
        if (plan[i].days <= 0)
            continue;
        for (;;) {
            double hold;
            long n = purge_batch(db, plan[i].kind, now - (int64_t)plan[i].days * DAY_S,
                                 RETENTION_BATCH_ROWS, &hold);
            if (n < 0)
                return -1;
            note_hold(t, hold);
            t->purged += (size_t)n;
            if (n < RETENTION_BATCH_ROWS)
                break;
            if (ms_since(t0) >= budget_ms)
                return 1;
            batch_pause();
        }
    }
    return 0;
}

int retention_pass(struct db *db, const struct retention_policy *p, int64_t now, int budget_ms,
                   bool *purged, struct retention_totals *t)
{
    double t0 = clock_ms(CLOCK_MONOTONIC);
    int rc = *purged ? 0 : purge_all(db, p, now, t0, budget_ms, t);
    if (rc != 0)
        return rc;
    *purged = true;
    if (p->messages_days <= 0)
        return 0;
    int64_t before = now - (int64_t)p->messages_days * DAY_S;
    for (;;) {
        struct archive_batch b;
        rc = archive_messages_batch(db, p->archive_dir, before, RETENTION_BATCH_ROWS, &b);
        t->archived += b.archived;
        t->deleted += b.deleted;
        t->changed += b.changed;
        if (b.read)
            note_hold(t, b.hold_ms);
        if (rc != 0)
            return -1;
        if (b.read < RETENTION_BATCH_ROWS)
            return 0;
        if (ms_since(t0) >= budget_ms)
            return 1;
        batch_pause();
    }
}

/* Erasures reach the archives at every tick: a read when none is queued. */
static void erasures_tick(struct db *db, const struct retention_policy *p)
{
    size_t applied = 0;
    if (archive_apply_erasures(db, p->archive_dir, RETENTION_ERASURES_PER_PASS, &applied) != 0)
        log_collapsed(LOG_WARN, "retention_erasures", LOG_COLLAPSE_INTERVAL_MS,
                      "archive_erasure_failed", "detail=\"retried at the next tick\"");
    else if (applied)
        log_info("archive_erasures_applied", "requests=%zu", applied);
}

void retention_tick(struct retention *r, const struct retention_policy *p, int64_t now)
{
    struct db *db = db_thread();
    if (!db)
        return;
    erasures_tick(db, p);
    if (!r->backlog && now < r->next_at)
        return;
    int rc = retention_pass(db, p, now, RETENTION_TICK_BUDGET_MS, &r->purged, &r->totals);
    r->backlog = rc == 1;
    if (rc == 1)
        return;
    r->purged = false;
    r->next_at = now + RETENTION_IDLE_INTERVAL_S;
    if (rc < 0) {
        log_collapsed(LOG_WARN, "retention_pass", LOG_COLLAPSE_INTERVAL_MS, "retention_pass_failed",
                      "retry_in_s=%d", RETENTION_IDLE_INTERVAL_S);
        return;
    }
    const struct retention_totals *t = &r->totals;
    if (t->archived || t->deleted || t->changed || t->purged)
        log_info("retention_done",
                 "archived=%zu deleted=%zu changed=%zu purged=%zu batches=%zu "
                 "longest_hold_ms=%.1f mean_hold_ms=%.1f",
                 t->archived, t->deleted, t->changed, t->purged, t->batches, t->longest_hold_ms,
                 t->batches ? t->hold_sum_ms / (double)t->batches : 0.0);
    r->totals = (struct retention_totals){0};
}
