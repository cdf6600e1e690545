/* recurrence.c -- recurring broadcasts: occurrences placed in the
 * programme's local time, rules attached to template drafts, paused,
 * changed and deleted, and the scheduler's tick that creates each
 * occurrence (a copy of the template) or records its skip, committed
 * before the broadcast tick sends it. */
#include "app/recurrence.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "app/broadcast.h"
#include "app/programme.h"
#include "core/limits.h"
#include "store/db.h"
#include "sys/log.h"

#define DAY_S 86400
#define EVE_HORIZON_S (3 * DAY_S) /* an eve is at most two local days before its event */
#define SKIP_LOOP_MAX 1000        /* missed occurrences looked at after a long stop */
#define PENDING_MAX 64

static const struct audit_actor scheduler_actor = {
    .who = "scheduler", .role = "system", .client = "local"};

/* ------------------------------------------------------------ local time */

/* A civil date (y, m 1..12, d) moved by days, through timegm at noon (no
 * zone involved). */
static void civil_add_days(int *y, int *m, int *d, int days)
{
    struct tm tm = {.tm_year = *y - 1900, .tm_mon = *m - 1, .tm_mday = *d + days, .tm_hour = 12};
    time_t t = timegm(&tm);
    struct tm out;
    gmtime_r(&t, &out);
    *y = out.tm_year + 1900;
    *m = out.tm_mon + 1;
    *d = out.tm_mday;
}

/* Weekday of a civil date, ISO 1 (Monday) .. 7. */
static int civil_weekday(int y, int m, int d)
{
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d, .tm_hour = 12};
    time_t t = timegm(&tm);
    struct tm out;
    gmtime_r(&t, &out);
    return out.tm_wday == 0 ? 7 : out.tm_wday;
}

static int days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

/* The local time minute on the civil date, through mktime and the zone's
 * rules (its offset on that very date). A time the clock skips that day
 * (Morocco moves from 02:00 to 03:00 after Ramadan) is the same time after
 * the change, 02:30 becoming 03:30: glibc's mktime answers 01:30 for it,
 * so the time read back decides. Of a time that happens twice (the hour
 * repeated when the clock goes back), the first. Returns 0 or -1. */
static int local_at(int y, int m, int d, int minute, int64_t *at)
{
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = m - 1,
                    .tm_mday = d,
                    .tm_hour = minute / 60,
                    .tm_min = minute % 60,
                    .tm_isdst = -1};
    time_t t = mktime(&tm);
    struct tm back;
    if (t == (time_t)-1 || !localtime_r(&t, &back))
        return -1;
    int got = back.tm_hour * 60 + back.tm_min;
    if (back.tm_mday == d && got < minute)
        t += (time_t)(minute - got) * 60;
    *at = (int64_t)t;
    return 0;
}

static int local_date(int64_t t, int *y, int *m, int *d)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!localtime_r(&tt, &tm))
        return -1;
    *y = tm.tm_year + 1900;
    *m = tm.tm_mon + 1;
    *d = tm.tm_mday;
    return 0;
}

int recurrence_next(const struct recurrence_record *r, int64_t after, int64_t *at, bool *clamped)
{
    int y, m, d;
    if (local_date(after, &y, &m, &d) != 0)
        return -1;
    if (clamped)
        *clamped = false;
    if (strcmp(r->kind, "weekly") == 0) {
        /* Today (if the time is still to come) or one of the next 7 days;
         * 8 days cover a time that fell before `after` today. */
        for (int i = 0; i <= 8; i++) {
            int yy = y, mm = m, dd = d;
            civil_add_days(&yy, &mm, &dd, i);
            int64_t t;
            if (civil_weekday(yy, mm, dd) == r->weekday &&
                local_at(yy, mm, dd, r->minute, &t) == 0 && t > after) {
                *at = t;
                return 0;
            }
        }
        return -1;
    }
    if (strcmp(r->kind, "monthly") == 0) {
        for (int i = 0; i <= 2; i++) {
            int yy = y + (m - 1 + i) / 12, mm = (m - 1 + i) % 12 + 1;
            int last = days_in_month(yy, mm);
            int dd = r->month_day > last ? last : r->month_day;
            int64_t t;
            if (local_at(yy, mm, dd, r->minute, &t) == 0 && t > after) {
                *at = t;
                if (clamped)
                    *clamped = r->month_day > last;
                return 0;
            }
        }
        return -1;
    }
    return -1;
}

int recurrence_eve_at(int64_t starts_at, int minute, int64_t *at)
{
    int y, m, d;
    if (local_date(starts_at, &y, &m, &d) != 0)
        return -1;
    civil_add_days(&y, &m, &d, -1);
    return local_at(y, m, d, minute, at);
}

/* ------------------------------------------------------------- upcoming */

static bool is_eve(const struct recurrence_record *r)
{
    return strcmp(r->kind, "event_eve") == 0;
}

/* How many occurrences r may still create (-1: no limit). */
static int64_t left_of(const struct recurrence_record *r)
{
    if (!r->max_count)
        return -1;
    return r->max_count > r->created_count ? r->max_count - r->created_count : 0;
}

static int upcoming_events(struct db *db, const struct recurrence_record *r, int64_t after,
                           struct recurrence_occurrence *out, size_t max)
{
    struct recurrence_event ev[RECURRENCE_PREVIEW_MAX];
    if (max > RECURRENCE_PREVIEW_MAX)
        max = RECURRENCE_PREVIEW_MAX;
    /* Events up to a little over a year ahead, their eve after `after`. */
    int64_t from = after, to = after + 400LL * DAY_S;
    if (r->ends_at && r->ends_at + 2 * DAY_S < to)
        to = r->ends_at + 2 * DAY_S;
    int n = recurrences_events(db, r->event_filter, r->id, from, to, ev, RECURRENCE_PREVIEW_MAX);
    if (n < 0)
        return -1;
    size_t k = 0;
    for (int i = 0; i < n && k < max; i++) {
        int64_t eve;
        /* Not an occurrence: an eve before the rule began, after its end,
         * or too late to be sent (the tick will skip it). */
        if (recurrence_eve_at(ev[i].starts_at, r->minute, &eve) != 0 || eve < r->starts_at ||
            (r->ends_at && eve > r->ends_at) || after - eve > RECURRENCE_CATCH_UP_S)
            continue;
        struct recurrence_occurrence *o = &out[k++];
        memset(o, 0, sizeof *o);
        o->at = eve; /* may be before `after`: due at the next tick */
        o->event_id = ev[i].id;
        o->event_starts_at = ev[i].starts_at;
        snprintf(o->event_code, sizeof o->event_code, "%s", ev[i].code);
        snprintf(o->event_title_ar, sizeof o->event_title_ar, "%s", ev[i].title_ar);
        snprintf(o->event_title_fr, sizeof o->event_title_fr, "%s", ev[i].title_fr);
        snprintf(o->event_title_en, sizeof o->event_title_en, "%s", ev[i].title_en);
    }
    return (int)k;
}

int recurrence_upcoming(struct db *db, const struct recurrence_record *r, int64_t after,
                        struct recurrence_occurrence *out, size_t max)
{
    int64_t left = left_of(r);
    if (left >= 0 && (size_t)left < max)
        max = (size_t)left;
    if (is_eve(r))
        return upcoming_events(db, r, after, out, max);
    size_t k = 0;
    int64_t t = after < r->starts_at ? r->starts_at - 1 : after;
    while (k < max) {
        int64_t at;
        bool clamped;
        if (recurrence_next(r, t, &at, &clamped) != 0)
            return -1;
        if (r->ends_at && at > r->ends_at)
            break;
        memset(&out[k], 0, sizeof out[k]);
        out[k].at = at;
        out[k].clamped = clamped;
        k++;
        t = at;
    }
    return (int)k;
}

/* ----------------------------------------------------------------- audit */

/* A rule's audit row (app/programme's programme_audit; takes summary). */
static int audit(struct db *db, const struct audit_actor *actor, const char *action, int64_t id,
                 json_t *summary)
{
    return programme_audit(db, actor, action, "recurrence", id, summary);
}

/* The rule's fields staff set, as an audit summary takes them. */
static json_t *rule_json(const struct recurrence_record *r)
{
    json_t *filter = r->event_filter[0] ? json_loads(r->event_filter, 0, NULL) : NULL;
    return json_pack("{s:s,s:o,s:o,s:I,s:o,s:s,s:I,s:o,s:o,s:s}", "kind", r->kind, "weekday",
                     r->weekday ? json_integer(r->weekday) : json_null(), "month_day",
                     r->month_day ? json_integer(r->month_day) : json_null(), "minute",
                     (json_int_t)r->minute, "events", filter ? filter : json_null(), "audience",
                     r->audience, "starts_at", (json_int_t)r->starts_at, "ends_at",
                     r->ends_at ? json_integer(r->ends_at) : json_null(), "count",
                     r->max_count ? json_integer(r->max_count) : json_null(), "status", r->status);
}

/* ------------------------------------------------------------ the rules */

/* r's next_at from now (weekly, monthly), or its end when none is left.
 * Returns 0, or -1 when it has no occurrence to come at all. */
static int place_next(struct recurrence_record *r, int64_t now)
{
    if (is_eve(r)) {
        r->next_at = 0;
        return r->ends_at && r->ends_at <= now ? -1 : 0;
    }
    struct recurrence_occurrence o;
    int64_t after = now > r->starts_at - 1 ? now : r->starts_at - 1;
    if (recurrence_upcoming(NULL, r, after, &o, 1) != 1)
        return -1;
    r->next_at = o.at;
    return 0;
}

enum recurrence_result recurrence_create(struct db *db, const struct audit_actor *actor,
                                         struct recurrence_record *r, int64_t now, int64_t *id)
{
    struct broadcast_record tpl;
    int found = broadcasts_get(db, r->broadcast_id, &tpl);
    if (found <= 0)
        return found < 0 ? RECURRENCE_ERROR : RECURRENCE_NOT_FOUND;
    bool draft = strcmp(tpl.status, "draft") == 0;
    broadcast_record_clear(&tpl);
    if (!draft)
        return RECURRENCE_CONFLICT;
    if (!r->starts_at)
        r->starts_at = now;
    snprintf(r->status, sizeof r->status, "active");
    r->ended_reason[0] = '\0';
    if (place_next(r, now) != 0)
        return RECURRENCE_INVALID;
    if (recurrences_insert(db, r, db_now(), id) != 0)
        return RECURRENCE_ERROR;
    json_t *summary = rule_json(r);
    json_object_set_new(summary, "broadcast_id", json_integer(r->broadcast_id));
    return audit(db, actor, "recurrence.create", *id, summary) == 0 ? RECURRENCE_OK
                                                                    : RECURRENCE_ERROR;
}

/* Rule id as stored, if it may still change. */
static enum recurrence_result load_live(struct db *db, int64_t id, struct recurrence_record *r)
{
    int found = recurrences_get(db, id, r);
    if (found <= 0)
        return found < 0 ? RECURRENCE_ERROR : RECURRENCE_NOT_FOUND;
    if (strcmp(r->status, "active") != 0 && strcmp(r->status, "paused") != 0)
        return RECURRENCE_CONFLICT;
    return RECURRENCE_OK;
}

enum recurrence_result recurrence_change(struct db *db, const struct audit_actor *actor,
                                         const struct recurrence_record *r, int64_t now)
{
    struct recurrence_record *before = malloc(sizeof *before), *after = malloc(sizeof *after);
    enum recurrence_result res = RECURRENCE_ERROR;
    if (!before || !after || (res = load_live(db, r->id, before)) != RECURRENCE_OK)
        goto out;
    *after = *r;
    after->created_count = before->created_count;
    after->skipped_count = before->skipped_count;
    after->last_at = before->last_at;
    after->ended_reason[0] = '\0';
    res = RECURRENCE_INVALID;
    if (place_next(after, now) != 0 || left_of(after) == 0)
        goto out;
    int done = recurrences_update(db, after, db_now());
    res = done < 0 ? RECURRENCE_ERROR : done == 0 ? RECURRENCE_NOT_FOUND : RECURRENCE_OK;
    if (res != RECURRENCE_OK)
        goto out;
    const char *action = strcmp(before->status, after->status) == 0 ? "recurrence.update"
                         : strcmp(after->status, "paused") == 0     ? "recurrence.pause"
                                                                    : "recurrence.resume";
    json_t *summary = json_pack("{s:o,s:o}", "from", rule_json(before), "to", rule_json(after));
    if (audit(db, actor, action, r->id, summary) != 0)
        res = RECURRENCE_ERROR;
out:
    free(before);
    free(after);
    return res;
}

enum recurrence_result recurrence_delete(struct db *db, const struct audit_actor *actor, int64_t id,
                                         int64_t now, int64_t *cancelled)
{
    if (cancelled)
        *cancelled = 0;
    struct recurrence_record *r = malloc(sizeof *r);
    int found = r ? recurrences_get(db, id, r) : -1;
    enum recurrence_result res = found < 0 ? RECURRENCE_ERROR : RECURRENCE_NOT_FOUND;
    if (found <= 0)
        goto out;
    res = RECURRENCE_CONFLICT;
    if (strcmp(r->status, "deleted") == 0)
        goto out;
    int64_t ids[PENDING_MAX];
    int n = recurrences_pending(db, id, ids, PENDING_MAX);
    res = RECURRENCE_ERROR;
    if (n < 0)
        goto out;
    for (int i = 0; i < n; i++)
        if (broadcast_cancel(db, actor, ids[i], now, NULL) != BROADCAST_OK)
            goto out;
    char from[RECURRENCE_STATUS_MAX];
    snprintf(from, sizeof from, "%s", r->status);
    snprintf(r->status, sizeof r->status, "deleted");
    r->next_at = 0;
    if (recurrences_update(db, r, db_now()) != 1)
        goto out;
    json_t *summary =
        json_pack("{s:s,s:i,s:o}", "from", from, "occurrences_cancelled", n, "rule", rule_json(r));
    if (audit(db, actor, "recurrence.delete", id, summary) != 0)
        goto out;
    if (cancelled)
        *cancelled = n;
    res = RECURRENCE_OK;
out:
    free(r);
    return res;
}

/* ------------------------------------------------------------- the tick */

/* "NAME · SUFFIX" cut to fit a broadcast's name on a UTF-8 boundary. */
static void occurrence_name(const char *name, const char *suffix, char *out, size_t outsz)
{
    char tail[64];
    int tl = snprintf(tail, sizeof tail, " \xC2\xB7 %s", suffix);
    size_t room = outsz - 1 - (size_t)(tl > 0 ? tl : 0);
    size_t n = strlen(name);
    if (n > room) {
        n = room;
        while (n > 0 && ((unsigned char)name[n] & 0xC0) == 0x80)
            n--;
    }
    snprintf(out, outsz, "%.*s%s", (int)n, name, tail);
}

/* The audience of an "attendees" occurrence: the members who booked
 * event_id, whatever the template's audience (malloc'd), or NULL when r
 * keeps the template's audience. *failed on error. */
static char *attendees_audience(const struct recurrence_record *r, int64_t event_id, bool *failed)
{
    *failed = false;
    if (strcmp(r->audience, "attendees") != 0)
        return NULL;
    json_t *a = json_pack("{s:[I]}", "events", (json_int_t)event_id);
    char *text = a ? json_dumps(a, JSON_COMPACT) : NULL;
    json_decref(a);
    *failed = text == NULL;
    return text;
}

/* Create (or, when late by more than RECURRENCE_CATCH_UP_S, skip) r's
 * occurrence at due, counted in r. Returns 0 or -1. */
static int occur(struct db *db, struct recurrence_record *r, int64_t due, int64_t now,
                 const struct recurrence_event *ev)
{
    int64_t event_id = ev ? ev->id : 0;
    if (now - due > RECURRENCE_CATCH_UP_S) {
        int s = recurrences_occurrence_skip(db, r->id, due, event_id, db_now());
        if (s > 0)
            r->skipped_count++;
        return s < 0 ? -1 : 0;
    }
    char when[32] = "?", name[BROADCAST_NAME_MAX];
    time_t t = (time_t)due;
    struct tm tm;
    if (localtime_r(&t, &tm))
        strftime(when, sizeof when, "%Y-%m-%d", &tm);
    occurrence_name(r->name, ev ? ev->code : when, name, sizeof name);
    bool failed;
    char *aud = ev ? attendees_audience(r, event_id, &failed) : NULL;
    if (ev && failed)
        return -1;
    int64_t bid = 0;
    int made = recurrences_occurrence_create(db, r, due, event_id, name, aud, db_now(), &bid);
    free(aud);
    if (made < 0)
        return -1;
    if (made == 0)
        return 0;
    r->created_count++;
    r->last_at = due;
    json_t *summary =
        json_pack("{s:I,s:I,s:I,s:I}", "broadcast_id", (json_int_t)bid, "due_at", (json_int_t)due,
                  "late_s", (json_int_t)(now - due), "event_id", (json_int_t)event_id);
    log_info("recurrence_occurrence", "id=%lld broadcast=%lld due=%lld late_s=%lld",
             (long long)r->id, (long long)bid, (long long)due, (long long)(now - due));
    return audit(db, &scheduler_actor, "recurrence.occurrence", r->id, summary);
}

static void end_rule(struct recurrence_record *r, const char *reason)
{
    snprintf(r->status, sizeof r->status, "ended");
    snprintf(r->ended_reason, sizeof r->ended_reason, "%s", reason);
    r->next_at = 0;
}

/* A weekly or monthly rule due at now: the older missed occurrences
 * skipped, the latest created (or skipped when too late), next_at moved
 * past now. Returns 0 or -1. */
static int tick_calendar(struct db *db, struct recurrence_record *r, int64_t now)
{
    int64_t due = r->next_at, skipped_before = r->skipped_count;
    for (int i = 0; i < SKIP_LOOP_MAX; i++) {
        int64_t n;
        if (recurrence_next(r, due, &n, NULL) != 0)
            return -1;
        if (n > now || (r->ends_at && n > r->ends_at))
            break;
        if (recurrences_occurrence_skip(db, r->id, due, 0, db_now()) < 0)
            return -1;
        r->skipped_count++;
        due = n;
    }
    if (occur(db, r, due, now, NULL) != 0)
        return -1;
    if (r->skipped_count > skipped_before) {
        json_t *summary =
            json_pack("{s:I,s:I}", "skipped", (json_int_t)(r->skipped_count - skipped_before),
                      "latest_due_at", (json_int_t)due);
        log_warn("recurrence_skipped", "id=%lld skipped=%lld detail=\"missed while stopped\"",
                 (long long)r->id, (long long)(r->skipped_count - skipped_before));
        if (audit(db, &scheduler_actor, "recurrence.skip", r->id, summary) != 0)
            return -1;
    }
    int64_t next;
    if (r->max_count && r->created_count >= r->max_count)
        end_rule(r, "count");
    else if (recurrence_next(r, due > now ? due : now, &next, NULL) != 0)
        return -1;
    else if (r->ends_at && next > r->ends_at)
        end_rule(r, "end_date");
    else
        r->next_at = next;
    return 0;
}

/* An event_eve rule: the events whose eve has come. Returns 0 or -1. */
static int tick_events(struct db *db, struct recurrence_record *r, int64_t now)
{
    struct recurrence_event ev[RECURRENCE_EVENTS_PER_TICK];
    int n = recurrences_events(db, r->event_filter, r->id, now, now + EVE_HORIZON_S, ev,
                               RECURRENCE_EVENTS_PER_TICK);
    if (n < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        int64_t eve;
        if (recurrence_eve_at(ev[i].starts_at, r->minute, &eve) != 0 || eve > now)
            continue;
        if (r->max_count && r->created_count >= r->max_count)
            break;
        /* An eve before the rule began, or after its end, is no occurrence
         * of it: recorded as skipped so it is not looked at again. */
        bool outside = eve < r->starts_at || (r->ends_at && eve > r->ends_at);
        if (outside) {
            if (recurrences_occurrence_skip(db, r->id, eve, ev[i].id, db_now()) < 0)
                return -1;
            continue;
        }
        if (occur(db, r, eve, now, &ev[i]) != 0)
            return -1;
    }
    if (r->max_count && r->created_count >= r->max_count)
        end_rule(r, "count");
    else if (r->ends_at && now > r->ends_at)
        end_rule(r, "end_date");
    return 0;
}

/* Rule id at now in a transaction of its own. Returns 0 or -1. */
static int tick_one(struct db *db, int64_t id, int64_t now)
{
    struct recurrence_record *r = malloc(sizeof *r);
    if (!r)
        return -1;
    if (db_begin(db) != 0) {
        free(r);
        return -1;
    }
    int found = recurrences_get(db, id, r), rc = -1;
    if (found == 0 || (found == 1 && strcmp(r->status, "active") != 0)) {
        rc = 0; /* paused, ended or deleted since it was listed */
    } else if (found == 1) {
        rc = is_eve(r) ? tick_events(db, r, now) : tick_calendar(db, r, now);
        if (rc == 0 && recurrences_update(db, r, db_now()) != 1)
            rc = -1;
    }
    if (rc == 0 && db_commit(db) == 0) {
        free(r);
        return 0;
    }
    db_rollback(db);
    free(r);
    return -1;
}

int recurrence_tick(struct db *db, int64_t now)
{
    int64_t ids[RECURRENCES_DUE_PER_TICK];
    int n = recurrences_due(db, now, ids, RECURRENCES_DUE_PER_TICK);
    if (n < 0)
        return -1;
    int rc = 0;
    for (int i = 0; i < n; i++)
        if (tick_one(db, ids[i], now) != 0) {
            log_warn("recurrence_tick_failed", "id=%lld detail=\"retried at the next tick\"",
                     (long long)ids[i]);
            rc = -1;
        }
    return rc;
}
