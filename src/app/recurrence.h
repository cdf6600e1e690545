/* recurrence.h -- recurring broadcasts: a rule over a template draft whose
 * every occurrence is a broadcast of its own, copied from the template and
 * sent by the scheduler like any scheduled broadcast (progress, delivery
 * and cancel per occurrence; the send window holds it as it holds any).
 *
 * Rules, all in the programme's local time (the process runs in
 * programme.timezone, Africa/Casablanca: its offset changes around
 * Ramadan, so each occurrence is placed by mktime on its own date, never
 * by adding a fixed number of seconds):
 *   weekly     a weekday (ISO 1 = Monday .. 7) at a minute of the day;
 *   monthly    a day of the month at a minute of the day; past the end of
 *              a shorter month (the 31st in April, the 30th in February)
 *              the month's last day, and the occurrence says so (clamped);
 *   event_eve  the day before each scheduled event matching a filter
 *              (its provinces; none: every event), at a minute of the
 *              day; the audience is, with "attendees" (the default), the
 *              members who booked that event (the template's audience
 *              set aside: {"events":[id]}), else the template's audience.
 *              One occurrence per event, ever (a rescheduled event is not
 *              served twice). Consent, opt-outs and the topic apply as to
 *              any broadcast.
 * A rule ends at its end time (no occurrence after it) or after max_count
 * occurrences created; it can be paused (occurrences due meanwhile are
 * not made up on resume), resumed and deleted (its occurrences not yet
 * started are cancelled; the rule is kept, status 'deleted', for history).
 *
 * Missed occurrences (the daemon was down): only the latest one due is
 * considered; it is created once when at most RECURRENCE_CATCH_UP_S late,
 * else skipped; every older one is skipped. Skips are recorded and
 * audited, never sent one per tick.
 *
 * No double send: an occurrence is created (copy + occurrence row, UNIQUE
 * per rule, time and event) and the rule moved past it in one committed
 * transaction before anything is sent; the send is the broadcast tick's,
 * one transaction that expands the audience and marks the copy started.
 * A crash between the two leaves a scheduled copy that the next tick
 * sends. Functions that write run inside the caller's transaction unless
 * they say otherwise, with their audit rows (object type "recurrence"). */
#ifndef TAAWUN_APP_RECURRENCE_H
#define TAAWUN_APP_RECURRENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "store/db.h"

#include "store/audit.h"
#include "store/recurrences.h"

/* One occurrence to come. */
struct recurrence_occurrence {
    int64_t at;                        /* when it is due (unix seconds) */
    bool clamped;                      /* monthly: the month is shorter than month_day */
    int64_t event_id, event_starts_at; /* event_eve; 0 otherwise */
    char event_code[32];
    char event_title_ar[128], event_title_fr[128], event_title_en[128];
};

enum recurrence_result {
    RECURRENCE_OK = 0,
    RECURRENCE_NOT_FOUND,
    RECURRENCE_CONFLICT, /* the template is no draft, or the rule is deleted or ended */
    RECURRENCE_INVALID,  /* the rule has no occurrence to come */
    RECURRENCE_ERROR,    /* database (logged) */
};

/* The first occurrence of weekly or monthly rule r strictly after
 * `after`. Returns 0 with *at (and *clamped, may be NULL), or -1 (another
 * kind, or the time cannot be represented). */
int recurrence_next(const struct recurrence_record *r, int64_t after, int64_t *at, bool *clamped)
    __attribute__((warn_unused_result));

/* The local minute `minute` of the day before the local day of starts_at.
 * Returns 0 with *at, or -1. */
int recurrence_eve_at(int64_t starts_at, int minute, int64_t *at)
    __attribute__((warn_unused_result));

/* Up to max occurrences of r to come after `after` (not before its
 * starts_at, within its end and the count it has left; an event_eve
 * rule's events already served left out): what the preview and the list
 * show. Returns the count, or -1. */
int recurrence_upcoming(struct db *db, const struct recurrence_record *r, int64_t after,
                        struct recurrence_occurrence *out, size_t max)
    __attribute__((warn_unused_result));

/* Attach rule r (kind and its fields, event_filter, audience, starts_at,
 * ends_at, max_count, created_by) to template draft r->broadcast_id:
 * active, its next occurrence worked out from now, audited.
 * RECURRENCE_CONFLICT when the template is no draft, RECURRENCE_INVALID
 * when no occurrence is to come. */
enum recurrence_result recurrence_create(struct db *db, const struct audit_actor *actor,
                                         struct recurrence_record *r, int64_t now, int64_t *id)
    __attribute__((warn_unused_result));

/* Change rule r->id to r (its rule fields, ends_at, max_count, and status
 * "active" or "paused"), the next occurrence worked out again from now
 * (none made up for the time it was paused), audited with what changed.
 * RECURRENCE_CONFLICT for an ended or deleted rule. */
enum recurrence_result recurrence_change(struct db *db, const struct audit_actor *actor,
                                         const struct recurrence_record *r, int64_t now)
    __attribute__((warn_unused_result));

/* Delete rule id: status 'deleted', its occurrences not yet started
 * cancelled (*cancelled, may be NULL, gets how many), audited. */
enum recurrence_result recurrence_delete(struct db *db, const struct audit_actor *actor, int64_t id,
                                         int64_t now, int64_t *cancelled)
    __attribute__((warn_unused_result));

/* The scheduler's tick: every rule due at now gets its occurrence (or its
 * skip) created and committed in a transaction of its own, before the
 * broadcast tick sends it. Returns 0 or -1. */
int recurrence_tick(struct db *db, int64_t now) __attribute__((warn_unused_result));

#endif
