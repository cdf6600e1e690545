/* broadcasts.c -- the broadcasts table, the audience filter as one fixed
 * statement over members, the set-based expansion into the outbox, the
 * progress counts and the messages held for the send window. */
#include "store/broadcasts.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db.h"
#include "store/db_sql.h"
#include "store/db_notify.h"
#include "store/broadcasts_pg.h"
#include "store/store_util.h"

/* The audience (struct broadcast_audience, bound by bind_audience): each
 * list a JSON array, NULL for "any", tested by NUL (PostgreSQL must be told
 * its type where it first stands) and read as rows by LIST (text values) and
 * IDS (integer ones): SQLite's json_each, PostgreSQL's
 * jsonb_array_elements_text (the one spelling each engine has). */
// clang-format off
#define AUDIENCE_WHERE_OF(NUL, TOPIC_NUL, LIST, IDS)                                               \
    " FROM members m WHERE m.consent_at IS NOT NULL AND m.opted_out_at IS NULL"                    \
    " AND m.erased_at IS NULL AND m.is_test = 0"                                                   \
    " AND (" NUL(":provinces") " OR m.province IN (" LIST(":provinces") "))"                       \
    " AND (" NUL(":sectors") " OR m.sector IN (" LIST(":sectors") "))"                             \
    " AND (" NUL(":cooperatives")                                                                  \
    "  OR m.cooperative_id IN (" IDS(":cooperatives") "))"                                         \
    " AND (" NUL(":genders") " OR m.gender IN (" LIST(":genders") "))"                             \
    " AND (" NUL(":age_bands")                                                                     \
    "  OR age_band(m.birth_year, :year) IN (" LIST(":age_bands") "))"                              \
    " AND (" NUL(":events") " OR m.id IN (SELECT r.member_id FROM rsvps r"                         \
    "  WHERE r.event_id IN (" IDS(":events") ")))"                                                 \
    " AND (" NUL(":phones") " OR m.phone IN (" LIST(":phones") "))"                                \
    " AND (" NUL(":languages") " OR m.language IN (" LIST(":languages") "))"                       \
    " AND (" TOPIC_NUL " OR NOT EXISTS (SELECT 1 FROM member_topics t WHERE t.member_id = m.id"    \
    "  AND t.topic = :topic AND t.enabled = 0))"
// clang-format on
#define LITE_NULL(p) p " IS NULL"
#define LITE_LIST(p) "SELECT value FROM json_each(" p ")"
#define PG_NULL(p) "CAST(" p " AS jsonb) IS NULL"
#define PG_LIST(p) "SELECT jsonb_array_elements_text(CAST(" p " AS jsonb))"
#define PG_IDS(p) "SELECT CAST(v AS BIGINT) FROM jsonb_array_elements_text(CAST(" p " AS jsonb)) v"
#define AUDIENCE_WHERE AUDIENCE_WHERE_OF(LITE_NULL, ":topic IS NULL", LITE_LIST, LITE_LIST)
#define AUDIENCE_WHERE_PG                                                                          \
    AUDIENCE_WHERE_OF(PG_NULL, "CAST(:topic AS TEXT) IS NULL", PG_LIST, PG_IDS)

#define RECORD_COLS                                                                                \
    "id, name, coalesce(topic,''), channel, status, created_by, audience, texts,"                  \
    " coalesce(scheduled_at,0), coalesce(started_at,0), coalesce(cancelled_at,0),"                 \
    " coalesce(recipients,0), created_at, updated_at, coalesce(event_id,0),"                       \
    " coalesce(expand_total,0), coalesce(expand_queued,0)"

static void bind_audience(struct db_stmt *st, const struct broadcast_audience *a)
{
    store_bind_text(st, ":provinces", a->provinces);
    store_bind_text(st, ":sectors", a->sectors);
    store_bind_text(st, ":cooperatives", a->cooperatives);
    store_bind_text(st, ":genders", a->genders);
    store_bind_text(st, ":age_bands", a->age_bands);
    store_bind_int64(st, ":year", a->year);
    store_bind_text(st, ":events", a->events);
    store_bind_text(st, ":phones", a->phones);
    store_bind_text(st, ":languages", a->languages);
    store_bind_text_or_null(st, ":topic", a->topic);
}

void broadcast_record_clear(struct broadcast_record *r)
{
    if (!r)
        return;
    free(r->audience);
    free(r->texts);
    r->audience = r->texts = NULL;
}

int broadcasts_insert(struct db *db, const struct broadcast_record *r, int64_t now, int64_t *id)
{
    struct db_stmt *st =
        db_stmt(db, "INSERT INTO broadcasts (name, topic, channel, audience, texts,"
                    " event_id, status, created_by, created_at, updated_at)"
                    " VALUES (:name, nullif(:topic, ''), :channel, :audience,"
                    " :texts, nullif(:event_id, 0), 'draft', :created_by, :now,"
                    " :now) RETURNING id");
    if (!st)
        return store_fail(db, "broadcasts_insert");
    store_bind_text(st, ":name", r->name);
    store_bind_text(st, ":topic", r->topic);
    store_bind_text(st, ":channel", r->channel);
    store_bind_text(st, ":audience", r->audience);
    store_bind_text(st, ":texts", r->texts);
    store_bind_text(st, ":created_by", r->created_by);
    store_bind_int64(st, ":event_id", r->event_id);
    store_bind_int64(st, ":now", now);
    return store_insert(db, st, id, "broadcasts_insert") == 1 ? 0 : -1;
}

int broadcasts_update_draft(struct db *db, const struct broadcast_record *r, int64_t now)
{
    struct db_stmt *st =
        db_stmt(db, "UPDATE broadcasts SET name = :name, topic = nullif(:topic, ''),"
                    " channel = :channel, audience = :audience, texts = :texts,"
                    " event_id = nullif(:event_id, 0), status = 'draft', scheduled_at = NULL,"
                    " approval_action = NULL, updated_at = :now WHERE id = :id"
                    " AND status IN ('draft','scheduled','awaiting_approval')");
    if (!st)
        return store_fail(db, "broadcasts_update_draft");
    store_bind_int64(st, ":id", r->id);
    store_bind_text(st, ":name", r->name);
    store_bind_text(st, ":topic", r->topic);
    store_bind_text(st, ":channel", r->channel);
    store_bind_text(st, ":audience", r->audience);
    store_bind_text(st, ":texts", r->texts);
    store_bind_int64(st, ":event_id", r->event_id);
    store_bind_int64(st, ":now", now);
    return store_exec_changed(db, st, "broadcasts_update_draft");
}

int broadcasts_delete_draft(struct db *db, int64_t id)
{
    struct db_stmt *st = db_stmt(db, "DELETE FROM broadcasts WHERE id = ?1 AND status = 'draft'");
    if (!st)
        return store_fail(db, "broadcasts_delete_draft");
    db_bind_i64(st, 1, id);
    return store_exec_changed(db, st, "broadcasts_delete_draft");
}

static int read_record(struct db_stmt *st, struct broadcast_record *r)
{
    memset(r, 0, sizeof *r);
    r->id = db_col_i64(st, 0);
    store_copy_text(r->name, sizeof r->name, st, 1);
    store_copy_text(r->topic, sizeof r->topic, st, 2);
    store_copy_text(r->channel, sizeof r->channel, st, 3);
    store_copy_text(r->status, sizeof r->status, st, 4);
    store_copy_text(r->created_by, sizeof r->created_by, st, 5);
    const char *aud = db_col_text(st, 6);
    const char *txt = db_col_text(st, 7);
    r->audience = strdup(aud ? aud : "{}");
    r->texts = strdup(txt ? txt : "{}");
    r->scheduled_at = db_col_i64(st, 8);
    r->started_at = db_col_i64(st, 9);
    r->cancelled_at = db_col_i64(st, 10);
    r->recipients = db_col_i64(st, 11);
    r->created_at = db_col_i64(st, 12);
    r->updated_at = db_col_i64(st, 13);
    r->event_id = db_col_i64(st, 14);
    r->expand_total = db_col_i64(st, 15);
    r->expand_queued = db_col_i64(st, 16);
    if (!r->audience || !r->texts) {
        broadcast_record_clear(r);
        return -1;
    }
    return 0;
}

int broadcasts_get(struct db *db, int64_t id, struct broadcast_record *out)
{
    memset(out, 0, sizeof *out);
    struct db_stmt *st = db_stmt(db, "SELECT " RECORD_COLS " FROM broadcasts WHERE id = ?1");
    if (!st)
        return store_fail(db, "broadcasts_get");
    db_bind_i64(st, 1, id);
    int rc = db_step(st), found = 0;
    if (rc == DB_ROW) {
        found = read_record(st, out) == 0 ? 1 : -1;
        rc = DB_DONE;
    }
    db_stmt_done(st);
    if (rc != DB_DONE || found < 0)
        return store_fail(db, "broadcasts_get");
    return found;
}

int broadcasts_list(struct db *db, const char *status, int64_t offset, size_t max,
                    struct broadcast_record *out, int64_t *total)
{
    struct db_stmt *st = db_stmt(db, "SELECT " RECORD_COLS " FROM broadcasts"
                                     " WHERE (CAST(?1 AS TEXT) IS NULL OR status = ?1)"
                                     " ORDER BY id DESC LIMIT ?2 OFFSET ?3");
    if (!st)
        return store_fail(db, "broadcasts_list");
    db_bind_text(st, 1, status); /* NULL: any */
    db_bind_i64(st, 2, (int64_t)max);
    db_bind_i64(st, 3, offset);
    size_t n = 0;
    int rc = DB_DONE;
    while (n < max && (rc = db_step(st)) == DB_ROW) {
        if (read_record(st, &out[n]) != 0) {
            rc = DB_FAILED;
            break;
        }
        n++;
    }
    db_stmt_done(st);
    if (rc != DB_ROW && rc != DB_DONE)
        goto fail;
    if (total) {
        st = db_stmt(
            db, "SELECT count(*) FROM broadcasts WHERE (CAST(?1 AS TEXT) IS NULL OR status = ?1)");
        if (!st)
            goto fail;
        db_bind_text(st, 1, status); /* NULL: any */
        if (store_read_int64(db, st, total, "broadcasts_list") != 0)
            goto clear;
    }
    return (int)n;
fail:
    store_fail(db, "broadcasts_list");
clear: /* logged */
    for (size_t i = 0; i < n; i++)
        broadcast_record_clear(&out[i]);
    return -1;
}

int broadcasts_set_status(struct db *db, int64_t id, const char *from, const char *to, int64_t when,
                          int64_t recipients, int64_t now)
{
    struct db_stmt *st =
        db_stmt(db, "UPDATE broadcasts SET status = :to, updated_at = :now,"
                    " scheduled_at = CASE WHEN :to = 'scheduled' THEN :when"
                    "  WHEN :to = 'draft' THEN NULL ELSE scheduled_at END,"
                    " started_at = CASE WHEN :to = 'started' THEN :when ELSE started_at END,"
                    " recipients = CASE WHEN :to = 'started' THEN :recipients ELSE recipients END,"
                    " cancelled_at = CASE WHEN :to = 'cancelled' THEN :when ELSE cancelled_at END"
                    " WHERE id = :id AND status = :from");
    if (!st)
        return store_fail(db, "broadcasts_set_status");
    store_bind_int64(st, ":id", id);
    store_bind_text(st, ":from", from);
    store_bind_text(st, ":to", to);
    store_bind_int64(st, ":when", when);
    store_bind_int64(st, ":recipients", recipients);
    store_bind_int64(st, ":now", now);
    return store_exec_changed(db, st, "broadcasts_set_status");
}

int broadcasts_due(struct db *db, int64_t now, int64_t *ids, size_t max)
{
    struct db_stmt *st = db_stmt(db, "SELECT id FROM broadcasts WHERE status = 'scheduled'"
                                     " AND scheduled_at <= ?1 ORDER BY scheduled_at, id LIMIT ?2");
    if (!st)
        return store_fail(db, "broadcasts_due");
    db_bind_i64(st, 1, now);
    db_bind_i64(st, 2, (int64_t)max);
    return store_read_ids(db, st, ids, max, "broadcasts_due");
}

int broadcasts_audience_count(struct db *db, const struct broadcast_audience *a,
                              void (*fn)(const char *language, int64_t count, void *ctx), void *ctx)
{
    struct db_stmt *st =
        db_is_postgresql(db)
            ? db_stmt(db,
                      "SELECT coalesce(m.language,''), count(*)" AUDIENCE_WHERE_PG " GROUP BY 1")
            : db_stmt(db, "SELECT coalesce(m.language,''), count(*)" AUDIENCE_WHERE " GROUP BY 1");
    if (!st)
        return store_fail(db, "broadcasts_audience_count");
    bind_audience(st, a);
    int rc;
    while ((rc = db_step(st)) == DB_ROW)
        fn(db_col_text(st, 0), db_col_i64(st, 1), ctx);
    db_stmt_done(st);
    return rc == DB_DONE ? 0 : store_fail(db, "broadcasts_audience_count");
}

_Static_assert((int)BROADCAST_NAME_GSM7 == (int)BROADCASTS_PG_GSM7 &&
                   (int)BROADCAST_NAME_UCS2 == (int)BROADCASTS_PG_UCS2 &&
                   (int)BROADCAST_NAME_NONE == (int)BROADCASTS_PG_NONE,
               "store/broadcasts_pg's name classes");

struct names_call {
    void (*fn)(const struct broadcast_names *n, void *ctx);
    void *ctx;
};

static void names_group(const char *language, int name_class, int64_t count, int64_t max_id,
                        const char *longest, void *ctx)
{
    const struct names_call *call = ctx;
    struct broadcast_names n = {.language = language,
                                .name_class = (enum broadcast_name_class)name_class,
                                .count = count,
                                .max_id = max_id,
                                .longest = longest};
    call->fn(&n, call->ctx);
}

/* PostgreSQL: the names measured in C (store/broadcasts_pg). */
static int audience_names_pg(struct db *db, const struct broadcast_audience *a,
                             void (*fn)(const struct broadcast_names *n, void *ctx), void *ctx)
{
    struct db_stmt *st = db_stmt(db, "SELECT coalesce(m.language,'') COLLATE \"C\","
                                     " coalesce(m.name,''), count(*), max(m.id)" AUDIENCE_WHERE_PG
                                     " GROUP BY 1, 2 ORDER BY 1");
    if (!st)
        return store_fail(db, "broadcasts_audience_names");
    bind_audience(st, a);
    struct names_call call = {fn, ctx};
    int rc = broadcasts_pg_names(st, names_group, &call);
    db_stmt_done(st);
    return rc == DB_DONE ? 0 : store_fail(db, "broadcasts_audience_names");
}

int broadcasts_audience_names(struct db *db, const struct broadcast_audience *a,
                              void (*fn)(const struct broadcast_names *n, void *ctx), void *ctx)
{
    if (db_is_postgresql(db))
        return audience_names_pg(db, a, fn, ctx);
    /* The longest name of a group: the maximum of its units (zero-padded,
     * so text order is number order) followed by the name, cut off after. */
    struct db_stmt *st =
        db_stmt(db, "SELECT coalesce(m.language,''),"
                    " CASE WHEN coalesce(m.name,'') = '' THEN 2"
                    "  WHEN sms_encoding(m.name) = 'gsm7' THEN 0 ELSE 1 END, count(*), max(m.id),"
                    " max(printf('%010d', coalesce(sms_units(m.name), 0)) || "
                    "coalesce(m.name,''))" AUDIENCE_WHERE " GROUP BY 1, 2");
    if (!st)
        return store_fail(db, "broadcasts_audience_names");
    bind_audience(st, a);
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        const char *longest = db_col_text(st, 4);
        struct broadcast_names n = {
            .language = db_col_text(st, 0),
            .name_class = (enum broadcast_name_class)db_col_int(st, 1),
            .count = db_col_i64(st, 2),
            .max_id = db_col_i64(st, 3),
            .longest = longest && strlen(longest) >= 10 ? longest + 10 : "",
        };
        fn(&n, ctx);
    }
    db_stmt_done(st);
    return rc == DB_DONE ? 0 : store_fail(db, "broadcasts_audience_names");
}

int broadcasts_phones_unknown(struct db *db, const char *phones, int64_t *out)
{
    *out = 0;
    if (!phones)
        return 0;
    struct db_stmt *st =
        db_is_postgresql(db)
            ? db_stmt(db, "SELECT count(*) FROM jsonb_array_elements_text(CAST(?1 AS jsonb)) p"
                          " WHERE p NOT IN (SELECT phone FROM members)")
            : db_stmt(db, "SELECT count(*) FROM json_each(?1)"
                          " WHERE value NOT IN (SELECT phone FROM members)");
    if (!st)
        return store_fail(db, "broadcasts_phones_unknown");
    db_bind_text(st, 1, phones);
    return store_read_int64(db, st, out, "broadcasts_phones_unknown");
}

/* The expansion statement: fixed text, built once (BROADCAST_LANG_SLOTS
 * language slots; unused slots are bound to NULL and never match). Each
 * member's text is their language's; a personalised one (segments 0) gets
 * {member_no} and {name} put in (replace(): one statement, linear in the
 * audience) and its segments are measured by store/db's sms_segments(), so
 * a message's segments are always those of its own body (its encoding is
 * the text's: a name never changes it, struct broadcast_text). A text
 * without them is measured once, beforehand.
 *
 * PostgreSQL has no sms_segments() nor sms_encoding(): core/gsm stays the
 * one measure of a text. There the members are read and each message is
 * made here, as the SQLite statement makes it (the text by language, name
 * or fallback, core/placeholders' expansion, core/gsm's segments), and
 * inserted (expand_rows_pg). (The statement's named parameters, a slot's
 * four per language, are more than store/pg_params takes.) */
#define EXPAND_SQL_MAX 8192
static char expand_sql[EXPAND_SQL_MAX];
static pthread_once_t expand_once = PTHREAD_ONCE_INIT;

/* " CASE m.language WHEN :lang_0 THEN :<field>_0 ... ELSE :fallback_<field> END" */
static void append_case(char *sql, size_t *len, const char *field)
{
    *len += (size_t)snprintf(sql + *len, EXPAND_SQL_MAX - *len, " CASE m.language");
    for (int i = 0; i < BROADCAST_LANG_SLOTS; i++)
        *len += (size_t)snprintf(sql + *len, EXPAND_SQL_MAX - *len, " WHEN :lang_%d THEN :%s_%d", i,
                                 field, i);
    *len += (size_t)snprintf(sql + *len, EXPAND_SQL_MAX - *len, " ELSE :fallback_%s END", field);
}

static void append(char *sql, size_t *len, const char *text)
{
    *len += (size_t)snprintf(sql + *len, EXPAND_SQL_MAX - *len, "%s", text);
}

#define EXPAND_INSERT                                                                              \
    "INSERT INTO messages (channel, direction, phone, member_id, kind,"                            \
    " topic, body, encoding, segments, status, priority, next_attempt_at,"                         \
    " broadcast_id, created_at, updated_at)"

static void build_expand_sql(void)
{
    size_t len = 0;
    char *s = expand_sql;
    append(s, &len,
           EXPAND_INSERT " SELECT :channel, 'out', x.phone, x.id, 'broadcast', :topic, x.body,"
                         " x.encoding,"
                         " CASE WHEN x.segments > 0 THEN x.segments ELSE sms_segments(x.body) END,"
                         " :status, :priority, CASE WHEN :status = 'queued' THEN :now END,"
                         " :broadcast_id, :now, :now FROM (SELECT m.id, m.phone,");
    append_case(s, &len, "encoding");
    append(s, &len, " AS encoding,");
    append_case(s, &len, "segments");
    append(s, &len, " AS segments, CASE WHEN");
    append_case(s, &len, "segments");
    append(s, &len, " > 0 THEN");
    append_case(s, &len, "body");
    append(s, &len, " ELSE replace(replace(");
    append_case(s, &len, "body");
    append(s, &len,
           ", '{member_no}', printf('TA-%06d', m.id)), '{name}',"
           " CASE WHEN coalesce(m.name, '') = '' THEN");
    append_case(s, &len, "name_fallback");
    append(s, &len, " WHEN sms_encoding(m.name) = 'gsm7' OR");
    append_case(s, &len, "encoding");
    append(s, &len, " = 'ucs2' THEN m.name ELSE");
    append_case(s, &len, "name_fallback");
    append(s, &len,
           " END) END AS body" AUDIENCE_WHERE " AND m.id > :after AND m.id <= :until) AS x"
           " ORDER BY x.id");
    if (len >= EXPAND_SQL_MAX)
        expand_sql[0] = '\0'; /* cannot happen with the sizes above; prepare fails */
}

/* What one expansion writes: the arguments of broadcasts_expand_range. */
struct expansion {
    int64_t id;
    const struct broadcast_audience *a;
    const char *channel, *status;
    const struct broadcast_text *texts, *fallback;
    size_t ntexts;
    int priority;
    int64_t now, after, until;
};

/* Bind what both expansion statements share (all but the texts). */
static void bind_expansion(struct db_stmt *st, const struct expansion *e)
{
    bind_audience(st, e->a);
    store_bind_text(st, ":channel", e->channel);
    store_bind_text(st, ":status", e->status);
    store_bind_int64(st, ":priority", e->priority);
    store_bind_int64(st, ":now", e->now);
    store_bind_int64(st, ":broadcast_id", e->id);
    store_bind_int64(st, ":after", e->after);
    store_bind_int64(st, ":until", e->until);
}

/* Bind the texts' slots. */
static void bind_texts(struct db_stmt *st, const struct expansion *e)
{
    store_bind_text(st, ":fallback_body", e->fallback->body);
    store_bind_text(st, ":fallback_encoding", e->fallback->encoding);
    store_bind_int64(st, ":fallback_segments", e->fallback->segments);
    store_bind_text(st, ":fallback_name_fallback", e->fallback->name_fallback);
    for (size_t i = 0; i < e->ntexts; i++) { /* unused slots stay NULL and never match */
        /* ":name_fallback_" and the longest size_t, with room to spare */
        char name[48];
        snprintf(name, sizeof name, ":lang_%zu", i);
        store_bind_text(st, name, e->texts[i].language);
        snprintf(name, sizeof name, ":body_%zu", i);
        store_bind_text(st, name, e->texts[i].body);
        snprintf(name, sizeof name, ":encoding_%zu", i);
        store_bind_text(st, name, e->texts[i].encoding);
        snprintf(name, sizeof name, ":segments_%zu", i);
        store_bind_int64(st, name, e->texts[i].segments);
        snprintf(name, sizeof name, ":name_fallback_%zu", i);
        store_bind_text(st, name, e->texts[i].name_fallback);
    }
}

/* PostgreSQL: the rows gathered so far inserted in one statement, in the
 * order they were added (SQLite's ORDER BY x.id). 0 or -1. */
static int expand_flush_pg(struct db *db, const struct expansion *e, struct broadcasts_pg_rows *r)
{
    if (!r->count)
        return 0;
    struct db_stmt *st = db_stmt(
        db, EXPAND_INSERT " SELECT :channel, 'out', r.phone, r.member_id, 'broadcast', :topic,"
                          " r.body, r.encoding, r.segments, :status, :priority,"
                          " CASE WHEN :status = 'queued' THEN CAST(:now AS BIGINT) END,"
                          " :broadcast_id, :now, :now"
                          " FROM unnest(CAST(:member_ids AS BIGINT[]), CAST(:phones AS TEXT[]),"
                          " CAST(:bodies AS TEXT[]), CAST(:encodings AS TEXT[]),"
                          " CAST(:segments AS BIGINT[])) WITH ORDINALITY"
                          " AS r (member_id, phone, body, encoding, segments, n) ORDER BY r.n");
    if (!st)
        return store_fail(db, "broadcasts_expand");
    if (broadcasts_pg_rows_bind(st, r) != 0) {
        db_stmt_done(st);
        return -1;
    }
    store_bind_text(st, ":channel", e->channel);
    store_bind_text_or_null(st, ":topic", e->a->topic);
    store_bind_text(st, ":status", e->status);
    store_bind_int64(st, ":priority", e->priority);
    store_bind_int64(st, ":now", e->now);
    store_bind_int64(st, ":broadcast_id", e->id);
    broadcasts_pg_rows_clear(r);
    return store_exec(db, st, "broadcasts_expand");
}

/* PostgreSQL: one member's message added to r (its text by language, name
 * or fallback, as the SQLite statement makes it). 0 or -1. */
static int expand_row_pg(const struct expansion *e, struct broadcasts_pg_rows *r, int64_t id,
                         const char *phone, const char *language, const char *name)
{
    const struct broadcast_text *t = e->fallback; /* the statement's CASE m.language */
    for (size_t i = 0; language && i < e->ntexts; i++)
        if (e->texts[i].language && strcmp(e->texts[i].language, language) == 0) {
            t = &e->texts[i];
            break;
        }
    char *body = NULL;
    int64_t segments = t->segments;
    if (segments <= 0 &&
        broadcasts_pg_body(t->body, t->encoding, t->name_fallback, id, name, &body, &segments) != 0)
        return -1;
    int rc = broadcasts_pg_rows_add(r, id, phone, body ? body : t->body, t->encoding, segments);
    free(body);
    return rc;
}

/* The most messages one INSERT carries on PostgreSQL. */
#define EXPAND_ROWS_PG 512

/* PostgreSQL: the members in id order, a message each, inserted
 * EXPAND_ROWS_PG at a time. */
static int expand_rows_pg(struct db *db, const struct expansion *e, int64_t *inserted)
{
    struct db_stmt *st =
        db_stmt(db, "SELECT m.id, m.phone, m.language, coalesce(m.name, '')" AUDIENCE_WHERE_PG
                    " AND m.id > :after AND m.id <= :until ORDER BY m.id");
    if (!st)
        return store_fail(db, "broadcasts_expand");
    bind_audience(st, e->a);
    store_bind_int64(st, ":after", e->after);
    store_bind_int64(st, ":until", e->until);
    struct broadcasts_pg_rows rows = {0};
    int rc, failed = 0;
    while (!failed && (rc = db_step(st)) == DB_ROW) {
        failed = expand_row_pg(e, &rows, db_col_i64(st, 0), db_col_text(st, 1), db_col_text(st, 2),
                               db_col_text(st, 3));
        if (!failed && rows.count == EXPAND_ROWS_PG)
            failed = expand_flush_pg(db, e, &rows);
        ++*inserted;
    }
    db_stmt_done(st);
    if (!failed && rc != DB_DONE)
        failed = store_fail(db, "broadcasts_expand");
    if (!failed)
        failed = expand_flush_pg(db, e, &rows);
    broadcasts_pg_rows_free(&rows);
    return failed ? -1 : 0;
}

int broadcasts_expand(struct db *db, int64_t id, const struct broadcast_audience *a,
                      const char *channel, const struct broadcast_text *texts, size_t ntexts,
                      const struct broadcast_text *fallback, int priority, int hold, int64_t now,
                      int64_t *inserted)
{
    return broadcasts_expand_range(db, id, a, channel, texts, ntexts, fallback, priority, hold, now,
                                   0, INT64_MAX, inserted);
}

int broadcasts_expand_range(struct db *db, int64_t id, const struct broadcast_audience *a,
                            const char *channel, const struct broadcast_text *texts, size_t ntexts,
                            const struct broadcast_text *fallback, int priority, int hold,
                            int64_t now, int64_t after, int64_t until, int64_t *inserted)
{
    *inserted = 0;
    if (ntexts > BROADCAST_LANG_SLOTS)
        return -1;
    const struct expansion e = {.id = id,
                                .a = a,
                                .channel = channel,
                                .status = hold ? "held" : "queued",
                                .texts = texts,
                                .fallback = fallback,
                                .ntexts = ntexts,
                                .priority = priority,
                                .now = now,
                                .after = after,
                                .until = until};
    if (db_is_postgresql(db)) { /* queued ones wake every node's sender at commit */
        if (expand_rows_pg(db, &e, inserted) != 0)
            return -1;
        return *inserted > 0 && !hold ? db_notify_outbox(db) : 0;
    }
    pthread_once(&expand_once, build_expand_sql);
    struct db_stmt *st = db_stmt(db, expand_sql);
    if (!st)
        return store_fail(db, "broadcasts_expand");
    bind_expansion(st, &e);
    bind_texts(st, &e);
    if (store_exec(db, st, "broadcasts_expand") != 0)
        return -1;
    *inserted = db_changes(db);
    return 0;
}

/* ---- expansion in chunks ---- */

int broadcasts_expander_connection(struct db *db)
{
    return db_commits_unsynced(db) == 0 ? 0 : store_fail(db, "broadcasts_expander_connection");
}

int broadcasts_expand_begin(struct db *db, int64_t id, const char *from, const char *spec,
                            int64_t total, int64_t segments, int64_t when, int64_t now)
{
    struct db_stmt *st =
        db_stmt(db, "UPDATE broadcasts SET status = 'expanding', started_at = :when,"
                    " recipients = 0, expand_after = 0,"
                    " expand_until = (SELECT coalesce(max(id), 0) FROM members),"
                    " expand_total = :total, expand_segments = :segments,"
                    " expand_queued = 0,"
                    " expand_spec = :spec, updated_at = :now"
                    " WHERE id = :id AND status = :from");
    if (!st)
        return store_fail(db, "broadcasts_expand_begin");
    store_bind_int64(st, ":id", id);
    store_bind_text(st, ":from", from);
    store_bind_text(st, ":spec", spec);
    store_bind_int64(st, ":total", total);
    store_bind_int64(st, ":segments", segments);
    store_bind_int64(st, ":when", when);
    store_bind_int64(st, ":now", now);
    return store_exec_changed(db, st, "broadcasts_expand_begin");
}

int broadcasts_expansion_get(struct db *db, int64_t id, struct broadcast_expansion *out)
{
    memset(out, 0, sizeof *out);
    struct db_stmt *st = db_stmt(db, "SELECT status = 'expanding', coalesce(expand_after, 0),"
                                     " coalesce(expand_until, 0), coalesce(expand_total, 0),"
                                     " coalesce(expand_queued, 0), expand_spec"
                                     " FROM broadcasts WHERE id = ?1");
    if (!st)
        return store_fail(db, "broadcasts_expansion_get");
    db_bind_i64(st, 1, id);
    int rc = db_step(st), found = 0;
    if (rc == DB_ROW) {
        out->expanding = db_col_int(st, 0) != 0;
        out->after = db_col_i64(st, 1);
        out->until = db_col_i64(st, 2);
        out->total = db_col_i64(st, 3);
        out->queued = db_col_i64(st, 4);
        const char *spec = db_col_text(st, 5);
        out->spec = strdup(spec ? spec : "{}");
        found = out->spec ? 1 : -1;
        rc = DB_DONE;
    }
    db_stmt_done(st);
    if (rc != DB_DONE || found < 0)
        return store_fail(db, "broadcasts_expansion_get");
    return found;
}

void broadcast_expansion_clear(struct broadcast_expansion *e)
{
    if (!e)
        return;
    free(e->spec);
    e->spec = NULL;
}

int broadcasts_expand_advance(struct db *db, int64_t id, int64_t after, int64_t added, int64_t now)
{
    struct db_stmt *st = db_stmt(db, "UPDATE broadcasts SET expand_after = :after,"
                                     " expand_queued = expand_queued + :added,"
                                     " recipients = expand_queued + :added,"
                                     " status = CASE WHEN :after >= expand_until THEN 'started'"
                                     "  ELSE status END,"
                                     " expand_spec = CASE WHEN :after >= expand_until THEN NULL"
                                     "  ELSE expand_spec END, updated_at = :now"
                                     " WHERE id = :id AND status = 'expanding'");
    if (!st)
        return store_fail(db, "broadcasts_expand_advance");
    store_bind_int64(st, ":id", id);
    store_bind_int64(st, ":after", after);
    store_bind_int64(st, ":added", added);
    store_bind_int64(st, ":now", now);
    return store_exec_changed(db, st, "broadcasts_expand_advance");
}

int broadcasts_expanding(struct db *db, int64_t *ids, size_t max)
{
    struct db_stmt *st = db_stmt(db, "SELECT id FROM broadcasts WHERE status = 'expanding'"
                                     " ORDER BY started_at, id LIMIT ?1");
    if (!st)
        return store_fail(db, "broadcasts_expanding");
    db_bind_i64(st, 1, (int64_t)max);
    return store_read_ids(db, st, ids, max, "broadcasts_expanding");
}

int broadcasts_progress(struct db *db, int64_t id, struct broadcast_progress *out)
{
    memset(out, 0, sizeof *out);
    /* The counts kept by triggers on messages (store/migrations): a few
     * rows, however many messages the broadcast has. */
    struct db_stmt *st = db_stmt(db, "SELECT status, n, segments FROM broadcast_counts"
                                     " WHERE broadcast_id = ?1 AND n <> 0");
    if (!st)
        return store_fail(db, "broadcasts_progress");
    db_bind_i64(st, 1, id);
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        const char *s = db_col_text(st, 0);
        int64_t n = db_col_i64(st, 1);
        static const struct {
            const char *name;
            size_t offset;
        } fields[] = {
            {"held", offsetof(struct broadcast_progress, held)},
            {"queued", offsetof(struct broadcast_progress, queued)},
            {"sending", offsetof(struct broadcast_progress, sending)},
            {"sent", offsetof(struct broadcast_progress, sent)},
            {"delivered", offsetof(struct broadcast_progress, delivered)},
            {"failed", offsetof(struct broadcast_progress, failed)},
            {"suppressed", offsetof(struct broadcast_progress, suppressed)},
            {"expired", offsetof(struct broadcast_progress, expired)},
            {"cancelled", offsetof(struct broadcast_progress, cancelled)},
        };
        for (size_t i = 0; s && i < sizeof fields / sizeof fields[0]; i++)
            if (strcmp(s, fields[i].name) == 0)
                *(int64_t *)((char *)out + fields[i].offset) += n;
        out->total += n;
        out->segments += db_col_i64(st, 2);
    }
    db_stmt_done(st);
    return rc == DB_DONE ? 0 : store_fail(db, "broadcasts_progress");
}

int64_t broadcasts_cancel_messages(struct db *db, int64_t id, const char *reason, int64_t now)
{
    struct db_stmt *st = db_stmt(db, "UPDATE messages SET status = 'cancelled', error = ?2,"
                                     " next_attempt_at = NULL, updated_at = ?3"
                                     " WHERE broadcast_id = ?1 AND status IN ('queued','held')");
    if (!st)
        return store_fail(db, "broadcasts_cancel_messages");
    db_bind_i64(st, 1, id);
    db_bind_text(st, 2, reason);
    db_bind_i64(st, 3, now);
    if (store_exec(db, st, "broadcasts_cancel_messages") != 0)
        return -1;
    return db_changes(db);
}

int broadcasts_hold_message(struct db *db, int64_t message_id)
{
    struct db_stmt *st = db_stmt(db, "UPDATE messages SET status = 'held', next_attempt_at = NULL"
                                     " WHERE id = ?1 AND status = 'queued'");
    if (!st)
        return store_fail(db, "broadcasts_hold_message");
    db_bind_i64(st, 1, message_id);
    return store_exec(db, st, "broadcasts_hold_message");
}

int64_t broadcasts_release_held(struct db *db, int64_t now)
{
    struct db_stmt *st = db_stmt(db, "UPDATE messages SET status = 'queued', next_attempt_at = ?1,"
                                     " updated_at = ?1 WHERE status = 'held'");
    if (!st)
        return store_fail(db, "broadcasts_release_held");
    db_bind_i64(st, 1, now);
    if (store_exec(db, st, "broadcasts_release_held") != 0)
        return -1;
    int64_t released = db_changes(db);
    return released > 0 && db_notify_outbox(db) != 0 ? -1 : released;
}
