/* recurrences.c -- the recurring broadcasts' rules, their occurrences
 * (each recorded once, with the template's copy in the same call) and the
 * events a "day before" rule serves. */
#include "store/recurrences.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db.h"
#include "store/db_sql.h"
#include "store/store_util.h"

#define RULE_COLS                                                                                  \
    "r.id, r.broadcast_id, r.kind, coalesce(r.weekday,0), coalesce(r.month_day,0), r.minute,"      \
    " coalesce(r.event_filter,''), r.audience, r.starts_at, coalesce(r.ends_at,0),"                \
    " coalesce(r.max_count,0), r.created_count, r.skipped_count, r.status,"                        \
    " coalesce(r.next_at,0), coalesce(r.last_at,0), coalesce(r.ended_reason,''), r.created_by,"    \
    " r.created_at, r.updated_at, coalesce(b.name,'')"
#define RULE_FROM " FROM recurrences r LEFT JOIN broadcasts b ON b.id = r.broadcast_id"

static void read_rule(struct db_stmt *st, struct recurrence_record *r)
{
    memset(r, 0, sizeof *r);
    r->id = db_col_i64(st, 0);
    r->broadcast_id = db_col_i64(st, 1);
    store_copy_text(r->kind, sizeof r->kind, st, 2);
    r->weekday = db_col_int(st, 3);
    r->month_day = db_col_int(st, 4);
    r->minute = db_col_int(st, 5);
    store_copy_text(r->event_filter, sizeof r->event_filter, st, 6);
    store_copy_text(r->audience, sizeof r->audience, st, 7);
    r->starts_at = db_col_i64(st, 8);
    r->ends_at = db_col_i64(st, 9);
    r->max_count = db_col_i64(st, 10);
    r->created_count = db_col_i64(st, 11);
    r->skipped_count = db_col_i64(st, 12);
    store_copy_text(r->status, sizeof r->status, st, 13);
    r->next_at = db_col_i64(st, 14);
    r->last_at = db_col_i64(st, 15);
    store_copy_text(r->ended_reason, sizeof r->ended_reason, st, 16);
    store_copy_text(r->created_by, sizeof r->created_by, st, 17);
    r->created_at = db_col_i64(st, 18);
    r->updated_at = db_col_i64(st, 19);
    store_copy_text(r->name, sizeof r->name, st, 20);
}

/* Bind the rule's fields (and :now) shared by insert and update; the SQL
 * stores NULL where 0 (or "") means none. */
static void bind_rule(struct db_stmt *st, const struct recurrence_record *r, int64_t now)
{
    store_bind_text(st, ":kind", r->kind);
    store_bind_int64(st, ":weekday", r->weekday);
    store_bind_int64(st, ":month_day", r->month_day);
    store_bind_int64(st, ":minute", r->minute);
    store_bind_text_or_null(st, ":event_filter", r->event_filter);
    store_bind_text(st, ":audience", r->audience[0] ? r->audience : "broadcast");
    store_bind_int64(st, ":starts_at", r->starts_at);
    store_bind_int64(st, ":ends_at", r->ends_at);
    store_bind_int64(st, ":max_count", r->max_count);
    store_bind_int64(st, ":next_at", r->next_at);
    store_bind_int64(st, ":last_at", r->last_at);
    store_bind_text(st, ":status", r->status);
    store_bind_text_or_null(st, ":ended_reason", r->ended_reason);
    store_bind_int64(st, ":now", now);
}

int recurrences_insert(struct db *db, const struct recurrence_record *r, int64_t now, int64_t *id)
{
    struct db_stmt *st = db_stmt(
        db, "INSERT INTO recurrences (broadcast_id, kind, weekday, month_day, minute,"
            " event_filter, audience, starts_at, ends_at, max_count, status, next_at, last_at,"
            " ended_reason, created_by, created_at, updated_at) VALUES (:broadcast_id, :kind,"
            " nullif(:weekday, 0), nullif(:month_day, 0), :minute, :event_filter, :audience,"
            " :starts_at, nullif(:ends_at, 0), nullif(:max_count, 0), :status,"
            " nullif(:next_at, 0), nullif(:last_at, 0), :ended_reason, :created_by, :now, :now)"
            " RETURNING id");
    if (!st)
        return store_fail(db, "recurrences_insert");
    store_bind_int64(st, ":broadcast_id", r->broadcast_id);
    store_bind_text(st, ":created_by", r->created_by);
    bind_rule(st, r, now);
    return store_insert(db, st, id, "recurrences_insert") == 1 ? 0 : -1;
}

int recurrences_update(struct db *db, const struct recurrence_record *r, int64_t now)
{
    struct db_stmt *st = db_stmt(
        db, "UPDATE recurrences SET kind = :kind, weekday = nullif(:weekday, 0),"
            " month_day = nullif(:month_day, 0), minute = :minute, event_filter = :event_filter,"
            " audience = :audience, starts_at = :starts_at, ends_at = nullif(:ends_at, 0),"
            " max_count = nullif(:max_count, 0), created_count = :created_count,"
            " skipped_count = :skipped_count, status = :status, next_at = nullif(:next_at, 0),"
            " last_at = nullif(:last_at, 0), ended_reason = :ended_reason, updated_at = :now"
            " WHERE id = :id");
    if (!st)
        return store_fail(db, "recurrences_update");
    store_bind_int64(st, ":id", r->id);
    store_bind_int64(st, ":created_count", r->created_count);
    store_bind_int64(st, ":skipped_count", r->skipped_count);
    bind_rule(st, r, now);
    return store_exec_changed(db, st, "recurrences_update");
}

int recurrences_get(struct db *db, int64_t id, struct recurrence_record *out)
{
    memset(out, 0, sizeof *out);
    struct db_stmt *st = db_stmt(db, "SELECT " RULE_COLS RULE_FROM " WHERE r.id = ?1");
    if (!st)
        return store_fail(db, "recurrences_get");
    db_bind_i64(st, 1, id);
    int rc = db_step(st), found = 0;
    if (rc == DB_ROW) {
        read_rule(st, out);
        found = 1;
        rc = DB_DONE;
    }
    db_stmt_done(st);
    return rc == DB_DONE ? found : store_fail(db, "recurrences_get");
}

#define LIST_WHERE " WHERE (?1 = 0 OR r.broadcast_id = ?1) AND (?2 <> 0 OR r.status != 'deleted')"

int recurrences_list(struct db *db, int64_t broadcast_id, int with_deleted, int64_t offset,
                     size_t max, struct recurrence_record *out, int64_t *total)
{
    struct db_stmt *st = db_stmt(db, "SELECT " RULE_COLS RULE_FROM LIST_WHERE
                                     " ORDER BY r.id DESC LIMIT ?3 OFFSET ?4");
    if (!st)
        return store_fail(db, "recurrences_list");
    db_bind_i64(st, 1, broadcast_id);
    db_bind_i64(st, 2, with_deleted != 0);
    db_bind_i64(st, 3, (int64_t)max);
    db_bind_i64(st, 4, offset);
    size_t n = 0;
    int rc = DB_DONE;
    while (n < max && (rc = db_step(st)) == DB_ROW)
        read_rule(st, &out[n++]);
    db_stmt_done(st);
    if (rc != DB_ROW && rc != DB_DONE)
        return store_fail(db, "recurrences_list");
    if (total) {
        st = db_stmt(db, "SELECT count(*) FROM recurrences r" LIST_WHERE);
        if (!st)
            return store_fail(db, "recurrences_list");
        db_bind_i64(st, 1, broadcast_id);
        db_bind_i64(st, 2, with_deleted != 0);
        if (store_read_int64(db, st, total, "recurrences_list") != 0)
            return -1;
    }
    return (int)n;
}

int recurrences_due(struct db *db, int64_t now, int64_t *ids, size_t max)
{
    struct db_stmt *st = db_stmt(db, "SELECT id FROM recurrences WHERE status = 'active' AND"
                                     " (kind = 'event_eve' OR next_at <= ?1)"
                                     " ORDER BY coalesce(next_at, 0), id LIMIT ?2");
    if (!st)
        return store_fail(db, "recurrences_due");
    db_bind_i64(st, 1, now);
    db_bind_i64(st, 2, (int64_t)max);
    return store_read_ids(db, st, ids, max, "recurrences_due");
}

/* The occurrence's row, once: 1 (made, *id set), 0 (made before) or -1. */
static int occurrence_row(struct db *db, int64_t recurrence_id, int64_t due_at, int64_t event_id,
                          const char *outcome, int64_t now, int64_t *id)
{
    struct db_stmt *st = db_stmt(db, "INSERT INTO recurrence_occurrences (recurrence_id,"
                                     " due_at, event_id, outcome, created_at)"
                                     " VALUES (?1, ?2, ?3, ?4, ?5)"
                                     " ON CONFLICT DO NOTHING RETURNING id");
    if (!st)
        return store_fail(db, "recurrences_occurrence");
    db_bind_i64(st, 1, recurrence_id);
    db_bind_i64(st, 2, due_at);
    db_bind_i64(st, 3, event_id);
    db_bind_text(st, 4, outcome);
    db_bind_i64(st, 5, now);
    return store_insert(db, st, id, "recurrences_occurrence");
}

int recurrences_occurrence_create(struct db *db, const struct recurrence_record *rec,
                                  int64_t due_at, int64_t event_id, const char *name,
                                  const char *audience, int64_t now, int64_t *broadcast_id)
{
    *broadcast_id = 0;
    int64_t occurrence;
    int fresh = occurrence_row(db, rec->id, due_at, event_id, "created", now, &occurrence);
    if (fresh <= 0)
        return fresh;
    struct db_stmt *st = db_stmt(
        db, "INSERT INTO broadcasts (name, topic, channel, audience, texts, status, scheduled_at,"
            " created_by, created_at, updated_at, recurrence_id, event_id)"
            " SELECT :name, topic, channel, coalesce(:audience, audience), texts, 'scheduled',"
            " :due, :created_by, :now, :now, :rid, coalesce(nullif(:event_id, 0), event_id)"
            " FROM broadcasts WHERE id = :template RETURNING id");
    if (!st)
        return store_fail(db, "recurrences_occurrence_create");
    store_bind_text(st, ":name", name);
    store_bind_text(st, ":audience", audience);
    store_bind_int64(st, ":due", due_at);
    store_bind_text(st, ":created_by", rec->created_by);
    store_bind_int64(st, ":now", now);
    store_bind_int64(st, ":rid", rec->id);
    store_bind_int64(st, ":template", rec->broadcast_id);
    store_bind_int64(st, ":event_id", event_id);
    if (store_insert(db, st, broadcast_id, "recurrences_occurrence_create") != 1)
        return -1; /* or the template is gone (the trigger ends its rules) */
    st = db_stmt(db, "UPDATE recurrence_occurrences SET broadcast_id = ?1 WHERE id = ?2");
    if (!st)
        return store_fail(db, "recurrences_occurrence_create");
    db_bind_i64(st, 1, *broadcast_id);
    db_bind_i64(st, 2, occurrence);
    return store_exec(db, st, "recurrences_occurrence_create") == 0 ? 1 : -1;
}

int recurrences_occurrence_skip(struct db *db, int64_t recurrence_id, int64_t due_at,
                                int64_t event_id, int64_t now)
{
    int64_t occurrence;
    return occurrence_row(db, recurrence_id, due_at, event_id, "skipped", now, &occurrence);
}

int recurrences_occurrences(struct db *db, int64_t id, struct recurrence_occurrence_row *out,
                            size_t max)
{
    struct db_stmt *st =
        db_stmt(db, "SELECT o.due_at, o.event_id, coalesce(o.broadcast_id,0), o.outcome,"
                    " coalesce(b.status,'') FROM recurrence_occurrences o"
                    " LEFT JOIN broadcasts b ON b.id = o.broadcast_id"
                    " WHERE o.recurrence_id = ?1 ORDER BY o.due_at DESC, o.id DESC LIMIT ?2");
    if (!st)
        return store_fail(db, "recurrences_occurrences");
    db_bind_i64(st, 1, id);
    db_bind_i64(st, 2, (int64_t)max);
    size_t n = 0;
    int rc = DB_DONE;
    while (n < max && (rc = db_step(st)) == DB_ROW) {
        struct recurrence_occurrence_row *o = &out[n++];
        memset(o, 0, sizeof *o);
        o->due_at = db_col_i64(st, 0);
        o->event_id = db_col_i64(st, 1);
        o->broadcast_id = db_col_i64(st, 2);
        store_copy_text(o->outcome, sizeof o->outcome, st, 3);
        store_copy_text(o->broadcast_status, sizeof o->broadcast_status, st, 4);
    }
    db_stmt_done(st);
    if (rc != DB_ROW && rc != DB_DONE)
        return store_fail(db, "recurrences_occurrences");
    return (int)n;
}

int recurrences_pending(struct db *db, int64_t id, int64_t *ids, size_t max)
{
    struct db_stmt *st =
        db_stmt(db, "SELECT id FROM broadcasts WHERE recurrence_id = ?1"
                    " AND status IN ('scheduled','awaiting_approval') ORDER BY id LIMIT ?2");
    if (!st)
        return store_fail(db, "recurrences_pending");
    db_bind_i64(st, 1, id);
    db_bind_i64(st, 2, (int64_t)max);
    return store_read_ids(db, st, ids, max, "recurrences_pending");
}

#define EVENTS_SQL(ANY, PROVINCES)                                                                 \
    "SELECT e.id, e.starts_at, e.code,"                                                            \
    " coalesce(e.title_ar,''), coalesce(e.title_fr,''), coalesce(e.title_en,'')"                   \
    " FROM events e WHERE e.status = 'scheduled' AND e.starts_at > :from"                          \
    " AND e.starts_at <= :to"                                                                      \
    " AND (" ANY "  OR e.province IN (" PROVINCES "))"                                             \
    " AND NOT EXISTS (SELECT 1 FROM recurrence_occurrences o"                                      \
    "  WHERE o.recurrence_id = :rid AND o.event_id = e.id)"                                        \
    " ORDER BY e.starts_at, e.id LIMIT :max"

int recurrences_events(struct db *db, const char *filter, int64_t recurrence_id, int64_t from,
                       int64_t to, struct recurrence_event *out, size_t max)
{
    /* The filter's provinces (absent or null: any), read by each engine's
     * JSON functions (PostgreSQL's refuse a scalar: only an array is read). */
    struct db_stmt *st = db_stmt(
        db, db_is_postgresql(db)
                ? EVENTS_SQL("coalesce(jsonb_typeof(CAST(:filter AS jsonb) -> 'provinces'),"
                             " 'null') = 'null'",
                             "SELECT jsonb_array_elements_text(CASE WHEN jsonb_typeof(CAST(:filter"
                             " AS jsonb) -> 'provinces') = 'array' THEN CAST(:filter AS jsonb)"
                             " -> 'provinces' END)")
                : EVENTS_SQL("json_extract(:filter, '$.provinces') IS NULL",
                             "SELECT value FROM json_each(:filter, '$.provinces')"));
    if (!st)
        return store_fail(db, "recurrences_events");
    store_bind_text(st, ":filter", filter && *filter ? filter : "{}");
    store_bind_int64(st, ":rid", recurrence_id);
    store_bind_int64(st, ":from", from);
    store_bind_int64(st, ":to", to);
    store_bind_int64(st, ":max", (int64_t)max);
    size_t n = 0;
    int rc = DB_DONE;
    while (n < max && (rc = db_step(st)) == DB_ROW) {
        struct recurrence_event *e = &out[n++];
        memset(e, 0, sizeof *e);
        e->id = db_col_i64(st, 0);
        e->starts_at = db_col_i64(st, 1);
        store_copy_text(e->code, sizeof e->code, st, 2);
        store_copy_text(e->title_ar, sizeof e->title_ar, st, 3);
        store_copy_text(e->title_fr, sizeof e->title_fr, st, 4);
        store_copy_text(e->title_en, sizeof e->title_en, st, 5);
    }
    db_stmt_done(st);
    if (rc != DB_ROW && rc != DB_DONE)
        return store_fail(db, "recurrences_events");
    return (int)n;
}
