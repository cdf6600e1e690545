/* admin_queries.h -- the SQL behind the staff admin API and the domain
 * services it drives: named statements (searches, details, stats, and the
 * writes on cooperatives, members, grants, events and ideas) run into a
 * small generic table of rows, so the API turns rows into JSON without
 * knowing SQL and this module knows no JSON.
 *
 * Each enum value documents its arguments and its columns. A statement of
 * more than three arguments takes them by name (":province", see
 * adminq_as); a filter left out, or given as NULL, means "any". The short
 * ones (an id, a limit) take them in order, ?1..?3. Functions borrow the
 * connection and never begin or commit a transaction. */
#ifndef TAAWUN_STORE_ADMIN_QUERIES_H
#define TAAWUN_STORE_ADMIN_QUERIES_H

#include <stddef.h>
#include <stdint.h>
#include "store/db.h"

/* Rows kept by one adminq_select at most (more are dropped, truncated set). */
#define ADMINQ_ROWS_MAX 20000
#define ADMINQ_ARGS_MAX 16

enum adminq {
    /* ---- reads ---- */
    /* :q (code, or name contains), :province, :sector; :limit, :offset */
    ADMINQ_COOPS_LIST,
    ADMINQ_COOPS_COUNT,
    /* ?1 id */
    ADMINQ_COOP_GET,
    /* :phone, :name (contains), :cooperative_id, :province, :sector,
     * :gender, :birth_year_min, :birth_year_max, :topic (members who would
     * receive it), :erased (1: include erased members); :limit, :offset */
    ADMINQ_MEMBERS_LIST,
    ADMINQ_MEMBERS_COUNT,
    /* as the two above, through the index of :phone, of :cooperative_id
     * (the filter must be given) */
    ADMINQ_MEMBERS_BY_PHONE_LIST,
    ADMINQ_MEMBERS_BY_PHONE_COUNT,
    ADMINQ_MEMBERS_BY_COOP_LIST,
    ADMINQ_MEMBERS_BY_COOP_COUNT,
    /* as the two above, and :name (a member_name_query, store/members.h) */
    ADMINQ_MEMBERS_BY_NAME_LIST,
    ADMINQ_MEMBERS_BY_NAME_COUNT,
    /* :name alone (no other filter; erased members left out) */
    ADMINQ_MEMBERS_NAME_LIST,
    ADMINQ_MEMBERS_NAME_COUNT,
    /* ?1 id */
    ADMINQ_MEMBER_GET,
    ADMINQ_MEMBER_TOPICS, /* topic, enabled (rows only; no row = on) */
    ADMINQ_MEMBER_GRANTS, /* grants of the member and of their cooperative */
    ADMINQ_MEMBER_RSVPS,
    ADMINQ_MEMBER_MESSAGES, /* ?1 id, ?2 limit: newest first */
    ADMINQ_MEMBER_PHONES,   /* ?1 id: phone, replaced_at, replaced_by, newest first */
    /* :status, :member_id, :cooperative_id, :programme, :reference;
     * :limit, :offset */
    ADMINQ_GRANTS_LIST,
    ADMINQ_GRANTS_COUNT,
    ADMINQ_GRANT_GET,     /* ?1 id */
    ADMINQ_GRANT_HISTORY, /* ?1 id */
    /* The recipient of a grant's notices, ?1 id: reference, phone, member_id
     * (0 none), language ("" unknown), notes ar/fr/en */
    ADMINQ_GRANT_RECIPIENT,
    /* :status, :province, :kind, :from (starts_at >=), :to (<);
     * :limit, :offset */
    ADMINQ_EVENTS_LIST,
    ADMINQ_EVENTS_COUNT,
    ADMINQ_EVENT_GET, /* ?1 id */
    /* ?1 event id: rsvp id, member_id, phone, name, language, created_at,
     * reminded_at, checked_in_at, checked_in_by, is_test (members not erased) */
    ADMINQ_EVENT_RSVPS,
    /* :status, :sector, :member_id; :limit, :offset */
    ADMINQ_IDEAS_LIST,
    ADMINQ_IDEAS_COUNT,
    ADMINQ_IDEA_GET, /* ?1 id */
    /* ?1 id: reference, title, status, phone, member_id, language (of a
     * member not erased; empty text and 0 otherwise) */
    ADMINQ_IDEA_RECIPIENT,
    /* :member_id, :broadcast_id, :status, :channel, :direction, :phone,
     * :kind; the list :before_id (ids below it, newest first), :limit,
     * :offset; the count :cap (counts no further). The _BY_ forms need
     * their filter (not NULL) and find the rows through its index. */
    ADMINQ_MESSAGES_LIST,
    ADMINQ_MESSAGES_COUNT,
    ADMINQ_MESSAGES_BY_MEMBER_LIST,
    ADMINQ_MESSAGES_BY_MEMBER_COUNT,
    ADMINQ_MESSAGES_BY_PHONE_LIST,
    ADMINQ_MESSAGES_BY_PHONE_COUNT,
    ADMINQ_MESSAGES_BY_BROADCAST_LIST,
    ADMINQ_MESSAGES_BY_BROADCAST_COUNT,
    /* Stats: key, count. ?1 the current local year for age bands. */
    ADMINQ_STATS_PROVINCE,
    ADMINQ_STATS_SECTOR,
    ADMINQ_STATS_GENDER,
    ADMINQ_STATS_AGE_BAND,
    /* Messages: rows ('status', status, count, 0, 0), then ('channel',
     * channel, sent (accepted by the provider), delivered, failed) */
    ADMINQ_STATS_MESSAGES,
    /* The channel of the newest message with ?1 phone. */
    ADMINQ_LAST_CHANNEL,
    /* Reminders due: ?1 now, ?2 seconds before the start (unless the event
     * has its own reminder_before_s), ?3 limit:
     * rsvp id, event id, member_id, phone, language, code, title_ar,
     * title_fr, title_en, starts_at, place */
    ADMINQ_REMINDERS_DUE,
    /* Same columns for every RSVP of event ?1. */
    ADMINQ_EVENT_NOTICE_TARGETS,

    /* ---- writes ---- */
    /* :code, :name, :province, :sector, :contact_phone, :now */
    ADMINQ_COOP_INSERT,
    /* :id, then as insert */
    ADMINQ_COOP_UPDATE,
    /* :id, :name, :cooperative_id, :province, :sector, :gender, :birth_year,
     * :language, :is_contact, :now (not erased members only); name_folded
     * follows :name, folded by the runner (core/fold) */
    ADMINQ_MEMBER_UPDATE,
    /* :id, :phone, :now: a new number (is_test follows it, computed by the
     * runner, core/test_number; not erased members) */
    ADMINQ_MEMBER_SET_PHONE,
    /* :id, :old, :now, :who: the number a member had, kept */
    ADMINQ_MEMBER_PHONE_KEEP,
    /* :id, :phone, :now: the member's queued and held messages go to phone */
    ADMINQ_MEMBER_RETARGET,
    /* :id, :now, :who: opted out (every send stops), the withdrawal recorded */
    ADMINQ_MEMBER_WITHDRAW_CONSENT,
    /* :reference (NULL: GR-year-number), :member_id, :cooperative_id,
     * :programme, :amount_mad, :status, :note_ar, :note_fr, :note_en, :now */
    ADMINQ_GRANT_INSERT,
    /* :id, :programme, :amount_mad, :note_ar, :note_fr, :note_en, :now */
    ADMINQ_GRANT_UPDATE,
    /* :id, :status, :note_ar, :note_fr, :note_en, :now */
    ADMINQ_GRANT_SET_STATUS,
    /* :grant_id, :status, :note_ar, :note_fr, :note_en, :who, :now */
    ADMINQ_GRANT_HISTORY_INSERT,
    /* :code, :kind, :title_ar, :title_fr, :title_en, :description_ar,
     * :description_fr, :description_en, :starts_at, :place, :province,
     * :capacity, :now */
    ADMINQ_EVENT_INSERT,
    /* :id, then as insert (scheduled events only) */
    ADMINQ_EVENT_UPDATE,
    /* ?1 id, ?2 now: scheduled -> cancelled */
    ADMINQ_EVENT_CANCEL,
    /* ?1 rsvp id, ?2 now */
    ADMINQ_RSVP_MARK_REMINDED,
    /* ?1 id, ?2 status, ?3 now */
    ADMINQ_IDEA_SET_STATUS,
    ADMINQ_COUNT_
};

enum adminq_type { ADMINQ_NULL = 0, ADMINQ_INT, ADMINQ_REAL, ADMINQ_TEXT };

/* An argument. Text is borrowed until the call returns. */
struct adminq_arg {
    const char *name; /* ":province"; NULL: by position */
    enum adminq_type type;
    int64_t i;
    const char *s;
};

static inline struct adminq_arg adminq_int(int64_t v)
{
    return (struct adminq_arg){.type = ADMINQ_INT, .i = v};
}
/* NULL s gives a NULL argument. */
static inline struct adminq_arg adminq_text(const char *s)
{
    return (struct adminq_arg){.type = s ? ADMINQ_TEXT : ADMINQ_NULL, .s = s};
}
static inline struct adminq_arg adminq_null(void)
{
    return (struct adminq_arg){.type = ADMINQ_NULL};
}
/* The argument a bound to the parameter called name (":province"). */
static inline struct adminq_arg adminq_as(const char *name, struct adminq_arg a)
{
    a.name = name;
    return a;
}

struct adminq_cell {
    enum adminq_type type;
    int64_t i;
    double r;
    char *s; /* ADMINQ_TEXT: malloc'd, owned by the table */
};

/* Rows of a select: names[ncols] and cells[nrows * ncols] row-major. */
struct adminq_table {
    size_t ncols, nrows, cap;
    char **names;
    struct adminq_cell *cells;
    int truncated; /* more than ADMINQ_ROWS_MAX rows matched */
};

/* Run read q with args[0..nargs) into *out (free with adminq_table_free):
 * named arguments bind their parameter (a name q lacks is an error), the
 * others bind in order (extra ones are ignored; refused for a statement of
 * more than three parameters). The parameters a statement derives from its
 * arguments (:name_folded, :is_test) are the runner's: an argument naming
 * one is refused. Returns 0 or -1 (logged). */
int adminq_select(struct db *db, enum adminq q, const struct adminq_arg *args, size_t nargs,
                  struct adminq_table *out) __attribute__((warn_unused_result));

/* The single integer of a count query (or the first column of its first
 * row; 0 when no row). Returns 0 or -1. */
int adminq_scalar(struct db *db, enum adminq q, const struct adminq_arg *args, size_t nargs,
                  int64_t *out) __attribute__((warn_unused_result));

enum adminq_write_result {
    ADMINQ_OK = 0,
    ADMINQ_ERROR = -1,    /* logged */
    ADMINQ_CONFLICT = -2, /* a UNIQUE constraint: duplicate code/reference */
    ADMINQ_INVALID = -3,  /* a CHECK or foreign key constraint */
};

/* Run write q. *changes (may be NULL) gets the rows changed, *rowid (may be
 * NULL) the id of the row an INSERT made (its RETURNING id), else 0. */
enum adminq_write_result adminq_exec(struct db *db, enum adminq q, const struct adminq_arg *args,
                                     size_t nargs, int64_t *changes, int64_t *rowid)
    __attribute__((warn_unused_result));

void adminq_table_free(struct adminq_table *t);

/* The cell at (row, col); NULL outside the table. */
const struct adminq_cell *adminq_at(const struct adminq_table *t, size_t row, size_t col);
/* Text of a cell ("" for NULL and numbers), and integer (0 for NULL/text). */
const char *adminq_str(const struct adminq_table *t, size_t row, size_t col);
int64_t adminq_i64(const struct adminq_table *t, size_t row, size_t col);

#endif
