/* recurrences.h -- the recurring broadcasts' tables: a rule over a
 * template draft (weekly, monthly, or the day before each event matching a
 * filter, at a local minute of the day), its state (active, paused, ended,
 * deleted; the next occurrence due; counts), and its occurrences, each
 * recorded once per (rule, due time, event) by a UNIQUE key: the broadcast
 * copied from the template (status 'scheduled' at the due time, its
 * recurrence_id set) or a skipped occurrence. The scheduler's broadcast
 * tick (app/broadcast) sends the copy like any scheduled broadcast.
 *
 * Functions borrow the connection and never begin or commit a
 * transaction; a copy and its occurrence row are written by one call so
 * they commit together. Times are unix seconds, 0 for none. */
#ifndef TAAWUN_STORE_RECURRENCES_H
#define TAAWUN_STORE_RECURRENCES_H

#include <stddef.h>
#include <stdint.h>
#include "store/db.h"

#include "core/limits.h"
#include "store/broadcasts.h"

#define RECURRENCE_KIND_MAX 16
#define RECURRENCE_STATUS_MAX 16
#define RECURRENCE_REASON_MAX 32
#define RECURRENCES_LIST_MAX 200
#define RECURRENCE_OCCURRENCES_MAX 100 /* history rows read at once */
#define RECURRENCES_DUE_PER_TICK 64

/* A rule as stored. event_filter is JSON text ("" when none). */
struct recurrence_record {
    int64_t id;
    int64_t broadcast_id;           /* the template */
    char kind[RECURRENCE_KIND_MAX]; /* weekly, monthly, event_eve */
    int weekday;                    /* weekly: ISO 1 (Monday) .. 7 */
    int month_day;                  /* monthly: 1..31 (past a month's end: its last day) */
    int minute;                     /* local minute of the day, 0..1439 */
    char event_filter[RECURRENCE_FILTER_BYTES]; /* event_eve: {"provinces":[..]} */
    char audience[16];                          /* event_eve: broadcast | attendees */
    int64_t starts_at, ends_at, max_count;
    int64_t created_count, skipped_count;
    char status[RECURRENCE_STATUS_MAX]; /* active, paused, ended, deleted */
    int64_t next_at, last_at;
    char ended_reason[RECURRENCE_REASON_MAX]; /* count, end_date, template_deleted, "" */
    char created_by[64];
    int64_t created_at, updated_at;
    char name[BROADCAST_NAME_MAX]; /* the template's name (read only) */
};

/* Insert rule r (all but id, counts, created_at). Returns 0 with *id, or -1. */
int recurrences_insert(struct db *db, const struct recurrence_record *r, int64_t now, int64_t *id)
    __attribute__((warn_unused_result));

/* Rewrite rule r->id's rule and state (everything but broadcast_id,
 * created_by, created_at). Returns 1, 0 (no such rule) or -1. */
int recurrences_update(struct db *db, const struct recurrence_record *r, int64_t now)
    __attribute__((warn_unused_result));

/* Rule id. Returns 1 (found), 0 (none) or -1. */
int recurrences_get(struct db *db, int64_t id, struct recurrence_record *out)
    __attribute__((warn_unused_result));

/* Rules, newest first, deleted ones left out unless with_deleted, those of
 * template broadcast_id only when it is not 0: up to max from offset.
 * Returns the count, or -1; *total (may be NULL) gets the count of all. */
int recurrences_list(struct db *db, int64_t broadcast_id, int with_deleted, int64_t offset,
                     size_t max, struct recurrence_record *out, int64_t *total)
    __attribute__((warn_unused_result));

/* Ids of active weekly and monthly rules due at now (next_at <= now), and
 * of every active event_eve rule (their due times come from the events),
 * oldest first, at most max. Returns the count, or -1. */
int recurrences_due(struct db *db, int64_t now, int64_t *ids, size_t max)
    __attribute__((warn_unused_result));

/* Record the occurrence of rule rec at due_at (event_id 0: none) as a copy
 * of its template: status 'scheduled' at due_at, named name, the
 * template's audience or audience when not NULL, the event its {event}
 * and {date} name event_id (else the template's), created_by the rule's
 * creator, recurrence_id set. Returns 1 with *broadcast_id set, 0 when
 * that occurrence is already recorded (nothing written) or -1. */
int recurrences_occurrence_create(struct db *db, const struct recurrence_record *rec,
                                  int64_t due_at, int64_t event_id, const char *name,
                                  const char *audience, int64_t now, int64_t *broadcast_id)
    __attribute__((warn_unused_result));

/* Record the occurrence at due_at (event_id) as skipped. Returns 1, 0 when
 * already recorded, or -1. */
int recurrences_occurrence_skip(struct db *db, int64_t recurrence_id, int64_t due_at,
                                int64_t event_id, int64_t now) __attribute__((warn_unused_result));

/* One recorded occurrence, with its broadcast's status ("" when skipped). */
struct recurrence_occurrence_row {
    int64_t due_at, event_id, broadcast_id;
    char outcome[16];
    char broadcast_status[BROADCAST_STATUS_MAX];
};

/* The occurrences of rule id, newest first, at most max. Returns the
 * count, or -1. */
int recurrences_occurrences(struct db *db, int64_t id, struct recurrence_occurrence_row *out,
                            size_t max) __attribute__((warn_unused_result));

/* Ids of rule id's occurrences not yet started (status 'scheduled', or
 * 'awaiting_approval' when over a threshold: app/approval), at most max.
 * Returns the count, or -1. */
int recurrences_pending(struct db *db, int64_t id, int64_t *ids, size_t max)
    __attribute__((warn_unused_result));

/* An event a "day before" rule may serve. */
struct recurrence_event {
    int64_t id, starts_at;
    char code[32];
    char title_ar[128], title_fr[128], title_en[128]; /* "" when none */
};

/* Scheduled events starting in (from, to] that match filter (JSON text:
 * {"provinces":[..]}; an absent key or "" matches any), earliest first,
 * with no occurrence of rule recurrence_id recorded yet when recurrence_id
 * is not 0, at most max. Returns the count, or -1. */
int recurrences_events(struct db *db, const char *filter, int64_t recurrence_id, int64_t from,
                       int64_t to, struct recurrence_event *out, size_t max)
    __attribute__((warn_unused_result));

#endif
