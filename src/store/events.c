/* events.c -- upcoming events for the menus, seat booking, and who came
 * (check-in on the day, the attendee list). */
#include "store/events.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store/db.h"
#include "store/db_sql.h"
#include "store/store_util.h"

static void select_sql(const char *lang, const char *where_order, char *buf, size_t bufsz)
{
    const char *c = store_lang_column(lang);
    snprintf(buf, bufsz,
             "SELECT e.id, e.code, e.kind,"
             " coalesce(nullif(e.title_%s,''), nullif(e.title_ar,''), nullif(e.title_fr,''),"
             "  nullif(e.title_en,''), e.code),"
             " e.place, e.starts_at, coalesce(e.capacity, -1),"
             " (SELECT count(*) FROM rsvps r WHERE r.event_id = e.id),"
             " EXISTS (SELECT 1 FROM rsvps r WHERE r.event_id = e.id AND r.member_id = ?1)"
             " FROM events e %s",
             c, where_order);
}

static void read_row(struct db_stmt *st, struct ussd_event *e)
{
    memset(e, 0, sizeof *e);
    e->id = db_col_i64(st, 0);
    store_copy_text(e->code, sizeof e->code, st, 1);
    store_copy_text(e->kind, sizeof e->kind, st, 2);
    store_copy_text(e->title, sizeof e->title, st, 3);
    store_copy_text(e->place, sizeof e->place, st, 4);
    time_t t = (time_t)db_col_i64(st, 5);
    struct tm tm;
    localtime_r(&t, &tm);
    e->day = tm.tm_mday;
    e->month = tm.tm_mon + 1;
    e->hour = tm.tm_hour;
    e->minute = tm.tm_min;
    e->capacity = db_col_int(st, 6);
    e->taken = db_col_int(st, 7);
    e->mine = db_col_int(st, 8) != 0;
}

int events_upcoming(struct db *db, int64_t now, const char *province, int64_t member_id,
                    const char *lang, struct ussd_event *out, size_t max)
{
    char sql[1024];
    select_sql(lang,
               "WHERE e.status = 'scheduled' AND e.starts_at > ?2"
               " ORDER BY (coalesce(e.province,'') = ?3) DESC, e.starts_at, e.id LIMIT ?4",
               sql, sizeof sql);
    struct db_stmt *st;
    if (!(st = db_stmt(db, sql)))
        return store_fail(db, "events_upcoming");
    db_bind_i64(st, 1, member_id);
    db_bind_i64(st, 2, now);
    db_bind_text(st, 3, province ? province : "");
    db_bind_i64(st, 4, (int64_t)max);
    size_t n = 0;
    int rc;
    while (n < max && (rc = db_step(st)) == DB_ROW)
        read_row(st, &out[n++]);
    if (n < max && rc != DB_DONE) {
        db_stmt_done(st);
        return store_fail(db, "events_upcoming");
    }
    db_stmt_done(st);
    return (int)n;
}

int event_get(struct db *db, int64_t id, int64_t member_id, const char *lang,
              struct ussd_event *out)
{
    char sql[1024];
    select_sql(lang, "WHERE e.id = ?2", sql, sizeof sql);
    struct db_stmt *st;
    if (!(st = db_stmt(db, sql)))
        return store_fail(db, "event_get");
    db_bind_i64(st, 1, member_id);
    db_bind_i64(st, 2, id);
    int rc = db_step(st);
    int result = 0;
    if (rc == DB_ROW) {
        read_row(st, out);
        result = 1;
    } else if (rc != DB_DONE) {
        result = store_fail(db, "event_get");
    }
    db_stmt_done(st);
    return result;
}

int event_find_by_code(struct db *db, const char *code, int64_t member_id, const char *lang,
                       struct ussd_event *out)
{
    char sql[1024];
    select_sql(lang, "WHERE upper(e.code) = upper(?2) ORDER BY e.starts_at DESC LIMIT 1", sql,
               sizeof sql);
    struct db_stmt *st;
    if (!(st = db_stmt(db, sql)))
        return store_fail(db, "event_find_by_code");
    db_bind_i64(st, 1, member_id);
    db_bind_text(st, 2, code);
    int rc = db_step(st);
    int result = 0;
    if (rc == DB_ROW) {
        read_row(st, out);
        result = 1;
    } else if (rc != DB_DONE) {
        result = store_fail(db, "event_find_by_code");
    }
    db_stmt_done(st);
    return result;
}

enum rsvp_result event_rsvp(struct db *db, int64_t event_id, int64_t member_id)
{
    struct db_stmt *st;
    if (!(st = db_stmt(db, "SELECT e.status, coalesce(e.capacity,-1),"
                           " (SELECT count(*) FROM rsvps r WHERE r.event_id = e.id),"
                           " EXISTS (SELECT 1 FROM rsvps r WHERE r.event_id = e.id"
                           "         AND r.member_id = ?2), e.starts_at"
                           " FROM events e WHERE e.id = ?1"))) {
        store_fail(db, "event_rsvp");
        return RSVP_ERROR;
    }
    db_bind_i64(st, 1, event_id);
    db_bind_i64(st, 2, member_id);
    enum rsvp_result r = RSVP_ERROR;
    if (db_step(st) == DB_ROW) {
        const char *status = db_col_text(st, 0);
        int capacity = db_col_int(st, 1);
        int taken = db_col_int(st, 2);
        bool mine = db_col_int(st, 3) != 0;
        int64_t starts = db_col_i64(st, 4);
        if (mine)
            r = RSVP_ALREADY;
        else if (!status || strcmp(status, "scheduled") != 0 || starts <= db_now())
            r = RSVP_CLOSED;
        else if (capacity >= 0 && taken >= capacity)
            r = RSVP_FULL;
        else
            r = RSVP_BOOKED;
    } else {
        r = RSVP_CLOSED;
    }
    db_stmt_done(st);
    if (r != RSVP_BOOKED)
        return r;
    if (!(st = db_stmt(db,
                       "INSERT INTO rsvps (event_id, member_id, created_at) VALUES (?1,?2,?3)"))) {
        store_fail(db, "event_rsvp_insert");
        return RSVP_ERROR;
    }
    db_bind_i64(st, 1, event_id);
    db_bind_i64(st, 2, member_id);
    db_bind_i64(st, 3, db_now());
    int rc = db_step(st);
    db_stmt_done(st);
    if (rc != DB_DONE) {
        store_fail(db, "event_rsvp_insert");
        return RSVP_ERROR;
    }
    return RSVP_BOOKED;
}

bool event_checkin_open(const char *status, int64_t starts_at, int64_t now)
{
    return status && strcmp(status, "scheduled") == 0 && starts_at - EVENT_CHECKIN_OPENS_S <= now;
}

/* The event's status and start, and whether the member exists (not
 * erased) and has a booking (checked in or not). */
static enum checkin_result checkin_state(struct db *db, int64_t event_id, int64_t member_id,
                                         int64_t now, int *booked, bool *in)
{
    struct db_stmt *st =
        db_stmt(db, "SELECT e.status, e.starts_at,"
                    " EXISTS (SELECT 1 FROM members m WHERE m.id = ?2 AND m.erased_at IS NULL),"
                    " (SELECT count(*) FROM rsvps r WHERE r.event_id = e.id AND r.member_id = ?2),"
                    " EXISTS (SELECT 1 FROM rsvps r WHERE r.event_id = e.id AND r.member_id = ?2"
                    "         AND r.checked_in_at IS NOT NULL)"
                    " FROM events e WHERE e.id = ?1");
    if (!st) {
        store_fail(db, "event_check_in");
        return CHECKIN_ERROR;
    }
    db_bind_i64(st, 1, event_id);
    db_bind_i64(st, 2, member_id);
    enum checkin_result r = CHECKIN_NO_EVENT;
    int rc = db_step(st);
    if (rc == DB_ROW) {
        const char *status = db_col_text(st, 0);
        *booked = db_col_int(st, 3);
        *in = db_col_int(st, 4) != 0;
        if (!db_col_int(st, 2))
            r = CHECKIN_NO_MEMBER;
        else if (!status || strcmp(status, "scheduled") != 0)
            r = CHECKIN_CANCELLED;
        else if (!event_checkin_open(status, db_col_i64(st, 1), now))
            r = CHECKIN_TOO_EARLY;
        else
            r = CHECKIN_DONE;
    } else if (rc != DB_DONE) {
        r = CHECKIN_ERROR;
        store_fail(db, "event_check_in");
    }
    db_stmt_done(st);
    return r;
}

enum checkin_result event_check_in(struct db *db, int64_t event_id, int64_t member_id, bool present,
                                   const char *by, int64_t now)
{
    int booked = 0;
    bool in = false;
    enum checkin_result r = checkin_state(db, event_id, member_id, now, &booked, &in);
    if (r != CHECKIN_DONE)
        return r;
    if (in == present)
        return CHECKIN_UNCHANGED;
    const char *sql =
        present && !booked
            ? "INSERT INTO rsvps (event_id, member_id, created_at, checked_in_at, checked_in_by)"
              " VALUES (?1, ?2, ?3, ?3, ?4)"
            : "UPDATE rsvps SET checked_in_at = CASE WHEN ?5 <> 0 THEN ?3 END,"
              " checked_in_by = CASE WHEN ?5 <> 0 THEN ?4 END WHERE event_id = ?1 AND member_id = "
              "?2";
    struct db_stmt *st = db_stmt(db, sql);
    if (!st) {
        store_fail(db, "event_check_in");
        return CHECKIN_ERROR;
    }
    db_bind_i64(st, 1, event_id);
    db_bind_i64(st, 2, member_id);
    db_bind_i64(st, 3, now);
    db_bind_text(st, 4, by);
    if (!(present && !booked))
        db_bind_i64(st, 5, present);
    int rc = db_step(st);
    db_stmt_done(st);
    if (rc != DB_DONE) {
        store_fail(db, "event_check_in");
        return CHECKIN_ERROR;
    }
    return CHECKIN_DONE;
}

int event_attendees(struct db *db, int64_t event_id,
                    int (*fn)(void *ctx, const struct event_attendee *a), void *ctx)
{
    struct db_stmt *st = db_stmt(
        db, "SELECT m.id, m.phone, m.name, m.language, c.name, r.created_at,"
            " coalesce(r.checked_in_at, 0), coalesce(r.reminded_at, 0)"
            " FROM rsvps r JOIN members m ON m.id = r.member_id"
            " LEFT JOIN cooperatives c ON c.id = m.cooperative_id"
            " WHERE r.event_id = ?1 AND m.erased_at IS NULL AND m.is_test = 0 ORDER BY r.id");
    if (!st)
        return store_fail(db, "event_attendees");
    db_bind_i64(st, 1, event_id);
    int n = 0, rc;
    while ((rc = db_step(st)) == DB_ROW) {
        struct event_attendee a = {.member_id = db_col_i64(st, 0),
                                   .booked_at = db_col_i64(st, 5),
                                   .checked_in_at = db_col_i64(st, 6),
                                   .reminded_at = db_col_i64(st, 7)};
        store_copy_text(a.phone, sizeof a.phone, st, 1);
        store_copy_text(a.name, sizeof a.name, st, 2);
        store_copy_text(a.language, sizeof a.language, st, 3);
        store_copy_text(a.cooperative, sizeof a.cooperative, st, 4);
        int stop = fn(ctx, &a);
        if (stop) {
            db_stmt_done(st);
            return stop;
        }
        n++;
    }
    db_stmt_done(st);
    if (rc != DB_DONE)
        return store_fail(db, "event_attendees");
    return n;
}
