/* events.c -- upcoming events for the menus, and seat booking. */
#include "store/events.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store/db.h"
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

static void read_row(sqlite3_stmt *st, struct ussd_event *e)
{
    memset(e, 0, sizeof *e);
    e->id = sqlite3_column_int64(st, 0);
    store_copy_text(e->code, sizeof e->code, st, 1);
    store_copy_text(e->kind, sizeof e->kind, st, 2);
    store_copy_text(e->title, sizeof e->title, st, 3);
    store_copy_text(e->place, sizeof e->place, st, 4);
    time_t t = (time_t)sqlite3_column_int64(st, 5);
    struct tm tm;
    localtime_r(&t, &tm);
    e->day = tm.tm_mday;
    e->month = tm.tm_mon + 1;
    e->hour = tm.tm_hour;
    e->minute = tm.tm_min;
    e->capacity = sqlite3_column_int(st, 6);
    e->taken = sqlite3_column_int(st, 7);
    e->mine = sqlite3_column_int(st, 8) != 0;
}

int events_upcoming(sqlite3 *db, int64_t now, const char *province, int64_t member_id,
                    const char *lang, struct ussd_event *out, size_t max)
{
    char sql[1024];
    select_sql(lang,
               "WHERE e.status = 'scheduled' AND e.starts_at > ?2"
               " ORDER BY (coalesce(e.province,'') = ?3) DESC, e.starts_at, e.id LIMIT ?4",
               sql, sizeof sql);
    sqlite3_stmt *st;
    if (!(st = db_stmt(db, sql)))
        return store_fail(db, "events_upcoming");
    sqlite3_bind_int64(st, 1, member_id);
    sqlite3_bind_int64(st, 2, now);
    sqlite3_bind_text(st, 3, province ? province : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)max);
    size_t n = 0;
    int rc;
    while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW)
        read_row(st, &out[n++]);
    if (n < max && rc != SQLITE_DONE) {
        db_stmt_done(st);
        return store_fail(db, "events_upcoming");
    }
    db_stmt_done(st);
    return (int)n;
}

int event_get(sqlite3 *db, int64_t id, int64_t member_id, const char *lang, struct ussd_event *out)
{
    char sql[1024];
    select_sql(lang, "WHERE e.id = ?2", sql, sizeof sql);
    sqlite3_stmt *st;
    if (!(st = db_stmt(db, sql)))
        return store_fail(db, "event_get");
    sqlite3_bind_int64(st, 1, member_id);
    sqlite3_bind_int64(st, 2, id);
    int rc = sqlite3_step(st);
    int result = 0;
    if (rc == SQLITE_ROW) {
        read_row(st, out);
        result = 1;
    } else if (rc != SQLITE_DONE) {
        result = store_fail(db, "event_get");
    }
    db_stmt_done(st);
    return result;
}

int event_find_by_code(sqlite3 *db, const char *code, int64_t member_id, const char *lang,
                       struct ussd_event *out)
{
    char sql[1024];
    select_sql(lang, "WHERE upper(e.code) = upper(?2) ORDER BY e.starts_at DESC LIMIT 1", sql,
               sizeof sql);
    sqlite3_stmt *st;
    if (!(st = db_stmt(db, sql)))
        return store_fail(db, "event_find_by_code");
    sqlite3_bind_int64(st, 1, member_id);
    sqlite3_bind_text(st, 2, code, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    int result = 0;
    if (rc == SQLITE_ROW) {
        read_row(st, out);
        result = 1;
    } else if (rc != SQLITE_DONE) {
        result = store_fail(db, "event_find_by_code");
    }
    db_stmt_done(st);
    return result;
}

enum rsvp_result event_rsvp(sqlite3 *db, int64_t event_id, int64_t member_id)
{
    sqlite3_stmt *st;
    if (!(st = db_stmt(db, "SELECT e.status, coalesce(e.capacity,-1),"
                           " (SELECT count(*) FROM rsvps r WHERE r.event_id = e.id),"
                           " EXISTS (SELECT 1 FROM rsvps r WHERE r.event_id = e.id"
                           "         AND r.member_id = ?2), e.starts_at"
                           " FROM events e WHERE e.id = ?1"))) {
        store_fail(db, "event_rsvp");
        return RSVP_ERROR;
    }
    sqlite3_bind_int64(st, 1, event_id);
    sqlite3_bind_int64(st, 2, member_id);
    enum rsvp_result r = RSVP_ERROR;
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *status = (const char *)sqlite3_column_text(st, 0);
        int capacity = sqlite3_column_int(st, 1);
        int taken = sqlite3_column_int(st, 2);
        bool mine = sqlite3_column_int(st, 3) != 0;
        int64_t starts = sqlite3_column_int64(st, 4);
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
    sqlite3_bind_int64(st, 1, event_id);
    sqlite3_bind_int64(st, 2, member_id);
    sqlite3_bind_int64(st, 3, db_now());
    int rc = sqlite3_step(st);
    db_stmt_done(st);
    if (rc != SQLITE_DONE) {
        store_fail(db, "event_rsvp_insert");
        return RSVP_ERROR;
    }
    return RSVP_BOOKED;
}
