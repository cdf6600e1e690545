/* admin_queries.c -- the named statements of the staff admin API (see
 * admin_queries.h) and a small runner that binds arguments (by parameter
 * name, or by position for the short statements) and copies rows into a
 * generic table. Every statement goes through the per-thread cache
 * (db_stmt): filters are written "(... = :name OR :name IS NULL)" so each
 * statement's text is fixed (the comparison first: PostgreSQL types a
 * parameter where it first meets it, and IS NULL says nothing of a type). */
#include "store/admin_queries.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/fold.h"
#include "core/limits.h"
#include "core/test_number.h"
#include "store/db.h"
#include "store/db_sql.h"
#include "store/members.h"
#include "store/store_util.h"
#include "sys/log.h"

#define COOP_COLS                                                                                  \
    "c.id, c.code, c.name, c.province, c.sector, c.contact_phone, c.created_at, c.updated_at,"     \
    " (SELECT count(*) FROM members m WHERE m.cooperative_id = c.id AND m.erased_at IS NULL"       \
    "  AND m.is_test = 0)"                                                                         \
    " AS members"
/* A name containing :q: instr() is SQLite's spelling, strpos() PostgreSQL's. */
#define COOPS_WHERE_(contains)                                                                     \
    " FROM cooperatives c WHERE (c.code = :q OR " contains "(lower(c.name), lower(:q)) > 0"        \
    " OR :q IS NULL) AND (c.province = :province OR :province IS NULL)"                            \
    " AND (c.sector = :sector OR :sector IS NULL)"
#define COOPS_WHERE COOPS_WHERE_("instr")
#define COOPS_WHERE_PG COOPS_WHERE_("strpos")

#define MEMBER_COLS                                                                                \
    "m.id, m.phone, m.name, m.cooperative_id, c.code AS cooperative_code,"                         \
    " c.name AS cooperative_name, m.province, m.sector, m.gender, m.birth_year, m.language,"       \
    " m.consent_at, m.consent_channel, m.registered_via, m.registered_at, m.opted_out_at,"         \
    " m.erased_at, m.created_at, m.updated_at, m.is_contact, m.registered_by,"                     \
    " m.consent_state, m.consent_state_at, m.consent_state_channel, m.consent_withdrawn_at,"       \
    " m.consent_withdrawn_by"
/* Found by name, the folded names' index leads (a million members: the
 * matches only, in id order); otherwise the members table. */
#define MEMBERS_WHERE                                                                              \
    " FROM members m LEFT JOIN cooperatives c ON c.id = m.cooperative_id WHERE" MEMBERS_FILTERS
/* A phone's or a cooperative's members through their index (the filter
 * written as a plain equality the planner can use), not the million rows. */
#define MEMBERS_WHERE_BY(lead)                                                                     \
    " FROM members m LEFT JOIN cooperatives c ON c.id = m.cooperative_id WHERE " lead              \
    " AND" MEMBERS_FILTERS
#define MEMBERS_BY_NAME                                                                            \
    " FROM members_name_fts f JOIN members m ON m.id = f.rowid"                                    \
    " LEFT JOIN cooperatives c ON c.id = m.cooperative_id"                                         \
    " WHERE members_name_fts MATCH :name AND" MEMBERS_FILTERS
/* PostgreSQL's: the GIN index members_name_fts on this very expression
 * (store/migrations_pg.c), :name a tsquery (member_name_match). */
#define NAME_MATCHES_PG "to_tsvector('simple', m.name_folded) @@ to_tsquery('simple', :name)"
#define MEMBERS_BY_NAME_PG                                                                         \
    " FROM members m LEFT JOIN cooperatives c ON c.id = m.cooperative_id"                          \
    " WHERE " NAME_MATCHES_PG " AND" MEMBERS_FILTERS
#define MEMBERS_FILTERS                                                                            \
    " (m.phone = :phone OR :phone IS NULL)"                                                        \
    " AND (m.cooperative_id = :cooperative_id OR :cooperative_id IS NULL)"                         \
    " AND (m.province = :province OR :province IS NULL)"                                           \
    " AND (m.sector = :sector OR :sector IS NULL) AND (m.gender = :gender OR :gender IS NULL)"     \
    " AND (m.birth_year >= :birth_year_min OR :birth_year_min IS NULL)"                            \
    " AND (m.birth_year <= :birth_year_max OR :birth_year_max IS NULL)"                            \
    " AND ((m.consent_at IS NOT NULL AND m.opted_out_at IS NULL"                                   \
    "  AND m.erased_at IS NULL AND NOT EXISTS (SELECT 1 FROM member_topics t"                      \
    "  WHERE t.member_id = m.id AND t.topic = :topic AND t.enabled = 0)) OR :topic IS NULL)"       \
    " AND (:erased <> 0 OR m.erased_at IS NULL)"

#define GRANT_COLS                                                                                 \
    "g.id, g.reference, g.member_id, m.name AS member_name, g.cooperative_id,"                     \
    " c.name AS cooperative_name, g.programme, g.amount_mad, g.status, g.note_ar, g.note_fr,"      \
    " g.note_en, g.created_at, g.updated_at"
#define GRANT_FROM                                                                                 \
    " FROM grants g LEFT JOIN members m ON m.id = g.member_id"                                     \
    " LEFT JOIN cooperatives c ON c.id = g.cooperative_id"
#define GRANTS_WHERE                                                                               \
    GRANT_FROM " WHERE (g.status = :status OR :status IS NULL)"                                    \
               " AND (g.member_id = :member_id OR :member_id IS NULL)"                             \
               " AND (g.cooperative_id = :cooperative_id OR :cooperative_id IS NULL)"              \
               " AND (g.programme = :programme OR :programme IS NULL)"                             \
               " AND (g.reference = :reference OR :reference IS NULL)"

#define EVENT_COLS                                                                                 \
    "e.id, e.code, e.kind, e.title_ar, e.title_fr, e.title_en, e.description_ar,"                  \
    " e.description_fr, e.description_en, e.starts_at, e.place, e.province, e.capacity,"           \
    " e.status, e.created_at, e.updated_at, e.reminder_before_s,"                                  \
    " (SELECT count(*) FROM rsvps r WHERE r.event_id = e.id) AS rsvps,"                            \
    " (SELECT count(*) FROM rsvps r JOIN members m ON m.id = r.member_id"                          \
    "  WHERE r.event_id = e.id AND r.checked_in_at IS NOT NULL AND m.is_test = 0) AS attended"
#define EVENTS_WHERE                                                                               \
    " FROM events e WHERE (e.status = :status OR :status IS NULL)"                                 \
    " AND (e.province = :province OR :province IS NULL) AND (e.kind = :kind OR :kind IS NULL)"     \
    " AND (e.starts_at >= :from OR :from IS NULL) AND (e.starts_at < :to OR :to IS NULL)"

#define IDEA_COLS                                                                                  \
    "i.id, i.reference, i.member_id, m.name AS member_name, i.sector, i.title, i.description,"     \
    " i.status, i.created_at, i.updated_at"
#define IDEAS_WHERE                                                                                \
    " FROM ideas i LEFT JOIN members m ON m.id = i.member_id"                                      \
    " WHERE (i.status = :status OR :status IS NULL) AND (i.sector = :sector OR :sector IS NULL)"   \
    " AND (i.member_id = :member_id OR :member_id IS NULL)"

#define MESSAGE_COLS                                                                               \
    "id, channel, direction, phone, member_id, kind, topic, body, encoding, segments, status,"     \
    " attempts, next_attempt_at, provider_id, broadcast_id, error, dlr_status, delivered_at,"      \
    " created_at, updated_at"
/* Ten million rows at national size: a member's, a phone's or a
 * broadcast's messages are found through their index (the filter that
 * leads, written as a plain equality the planner can use; the others stay
 * "... OR :x IS NULL"), the rest newest first down the ids. A page starts
 * below :before_id (keyset: the same cost at any depth); the count stops
 * at :cap rows. */
#define MESSAGES_FILTERS                                                                           \
    " (member_id = :member_id OR :member_id IS NULL)"                                              \
    " AND (broadcast_id = :broadcast_id OR :broadcast_id IS NULL)"                                 \
    " AND (status = :status OR :status IS NULL) AND (channel = :channel OR :channel IS NULL)"      \
    " AND (direction = :direction OR :direction IS NULL) AND (phone = :phone OR :phone IS NULL)"   \
    " AND (kind = :kind OR :kind IS NULL)"
#define MESSAGES_LIST_BY(lead)                                                                     \
    "SELECT " MESSAGE_COLS " FROM messages WHERE " lead                                            \
    " AND id < :before_id AND" MESSAGES_FILTERS " ORDER BY id DESC LIMIT :limit OFFSET :offset"
#define MESSAGES_COUNT_BY(lead)                                                                    \
    "SELECT count(*) FROM (SELECT 1 FROM messages WHERE " lead " AND" MESSAGES_FILTERS             \
    " LIMIT :cap) AS capped"

#define NOTICE_COLS                                                                                \
    "SELECT r.id, e.id, m.id, m.phone, m.language, e.code, e.title_ar, e.title_fr, e.title_en,"    \
    " e.starts_at, e.place FROM rsvps r JOIN events e ON e.id = r.event_id"                        \
    " JOIN members m ON m.id = r.member_id"

#define EVENT_VALUES                                                                               \
    ":code, :kind, :title_ar, :title_fr, :title_en, :description_ar, :description_fr,"             \
    " :description_en, :starts_at, :place, :province, :capacity, :reminder_before_s"

static const char *const sql_of[ADMINQ_COUNT_] = {
    [ADMINQ_COOPS_LIST] =
        "SELECT " COOP_COLS COOPS_WHERE " ORDER BY c.code LIMIT :limit OFFSET :offset",
    [ADMINQ_COOPS_COUNT] = "SELECT count(*)" COOPS_WHERE,
    [ADMINQ_COOP_GET] = "SELECT " COOP_COLS " FROM cooperatives c WHERE c.id = ?1",
    [ADMINQ_MEMBERS_LIST] =
        "SELECT " MEMBER_COLS MEMBERS_WHERE " ORDER BY m.id LIMIT :limit OFFSET :offset",
    [ADMINQ_MEMBERS_COUNT] = "SELECT count(*)" MEMBERS_WHERE,
    [ADMINQ_MEMBERS_BY_PHONE_LIST] = "SELECT " MEMBER_COLS MEMBERS_WHERE_BY(
        "m.phone = :phone") " ORDER BY m.id LIMIT :limit OFFSET :offset",
    [ADMINQ_MEMBERS_BY_PHONE_COUNT] = "SELECT count(*)" MEMBERS_WHERE_BY("m.phone = :phone"),
    [ADMINQ_MEMBERS_BY_COOP_LIST] = "SELECT " MEMBER_COLS MEMBERS_WHERE_BY(
        "m.cooperative_id = :cooperative_id") " ORDER BY m.id LIMIT :limit OFFSET :offset",
    [ADMINQ_MEMBERS_BY_COOP_COUNT] =
        "SELECT count(*)" MEMBERS_WHERE_BY("m.cooperative_id = :cooperative_id"),
    [ADMINQ_MEMBERS_BY_NAME_LIST] =
        "SELECT " MEMBER_COLS MEMBERS_BY_NAME " ORDER BY f.rowid LIMIT :limit OFFSET :offset",
    [ADMINQ_MEMBERS_BY_NAME_COUNT] = "SELECT count(*)" MEMBERS_BY_NAME,
    /* By name alone: erased members have no name, so none is in the index. */
    [ADMINQ_MEMBERS_NAME_LIST] =
        "SELECT " MEMBER_COLS " FROM members_name_fts f JOIN members m ON m.id = f.rowid"
        " LEFT JOIN cooperatives c ON c.id = m.cooperative_id"
        " WHERE members_name_fts MATCH :name"
        " ORDER BY f.rowid LIMIT :limit OFFSET :offset",
    [ADMINQ_MEMBERS_NAME_COUNT] =
        "SELECT count(*) FROM members_name_fts WHERE members_name_fts MATCH :name",
    [ADMINQ_MEMBER_GET] =
        "SELECT " MEMBER_COLS " FROM members m LEFT JOIN cooperatives c ON c.id = m.cooperative_id"
        " WHERE m.id = ?1",
    [ADMINQ_MEMBER_TOPICS] = "SELECT topic, enabled FROM member_topics WHERE member_id = ?1"
                             " ORDER BY topic",
    [ADMINQ_MEMBER_GRANTS] =
        "SELECT " GRANT_COLS GRANT_FROM " WHERE g.member_id = ?1 OR g.cooperative_id ="
        " (SELECT cooperative_id FROM members WHERE id = ?1)"
        " ORDER BY g.updated_at DESC, g.id DESC",
    [ADMINQ_MEMBER_RSVPS] = "SELECT e.id AS event_id, e.code, e.kind, e.title_ar, e.title_fr,"
                            " e.title_en, e.starts_at, e.place, e.status, r.created_at"
                            " FROM rsvps r JOIN events e ON e.id = r.event_id"
                            " WHERE r.member_id = ?1 ORDER BY e.starts_at",
    [ADMINQ_MEMBER_PHONES] = "SELECT phone, replaced_at, replaced_by FROM member_phones"
                             " WHERE member_id = ?1 ORDER BY id DESC",
    [ADMINQ_MEMBER_MESSAGES] = "SELECT " MESSAGE_COLS " FROM messages WHERE member_id = ?1"
                               " ORDER BY id DESC LIMIT ?2",
    [ADMINQ_GRANTS_LIST] = "SELECT " GRANT_COLS GRANTS_WHERE
                           " ORDER BY g.updated_at DESC, g.id DESC LIMIT :limit OFFSET :offset",
    [ADMINQ_GRANTS_COUNT] = "SELECT count(*)" GRANTS_WHERE,
    [ADMINQ_GRANT_GET] = "SELECT " GRANT_COLS GRANT_FROM " WHERE g.id = ?1",
    [ADMINQ_GRANT_HISTORY] = "SELECT id, status, note, note_ar, note_fr, note_en, changed_by,"
                             " changed_at FROM grant_history WHERE grant_id = ?1 ORDER BY id",
    [ADMINQ_GRANT_RECIPIENT] =
        "SELECT g.reference, coalesce(m.phone, c.contact_phone, '') AS phone,"
        " coalesce(m.id, cm.id, 0) AS member_id, coalesce(m.language, cm.language, '') AS language,"
        " g.note_ar, g.note_fr, g.note_en FROM grants g LEFT JOIN members m ON m.id = g.member_id"
        " LEFT JOIN cooperatives c ON c.id = g.cooperative_id"
        " LEFT JOIN members cm ON g.member_id IS NULL AND cm.phone = c.contact_phone"
        " WHERE g.id = ?1",
    [ADMINQ_EVENTS_LIST] =
        "SELECT " EVENT_COLS EVENTS_WHERE " ORDER BY e.starts_at, e.id LIMIT :limit OFFSET :offset",
    [ADMINQ_EVENTS_COUNT] = "SELECT count(*)" EVENTS_WHERE,
    [ADMINQ_EVENT_GET] = "SELECT " EVENT_COLS " FROM events e WHERE e.id = ?1",
    [ADMINQ_EVENT_RSVPS] = "SELECT r.id, r.member_id, m.phone, m.name, m.language, r.created_at,"
                           " r.reminded_at, r.checked_in_at, r.checked_in_by, m.is_test"
                           " FROM rsvps r JOIN members m ON m.id = r.member_id"
                           " WHERE r.event_id = ?1 AND m.erased_at IS NULL ORDER BY r.id",
    [ADMINQ_IDEAS_LIST] =
        "SELECT " IDEA_COLS IDEAS_WHERE " ORDER BY i.id DESC LIMIT :limit OFFSET :offset",
    [ADMINQ_IDEAS_COUNT] = "SELECT count(*)" IDEAS_WHERE,
    [ADMINQ_IDEA_GET] = "SELECT " IDEA_COLS
                        " FROM ideas i LEFT JOIN members m ON m.id = i.member_id WHERE i.id = ?1",
    [ADMINQ_IDEA_RECIPIENT] =
        "SELECT coalesce(i.reference, ''), i.title, i.status, coalesce(m.phone, ''),"
        " coalesce(m.id, 0), coalesce(m.language, '') FROM ideas i"
        " LEFT JOIN members m ON m.id = i.member_id AND m.erased_at IS NULL WHERE i.id = ?1",
    [ADMINQ_MESSAGES_LIST] = MESSAGES_LIST_BY("1 = 1"),
    [ADMINQ_MESSAGES_COUNT] = MESSAGES_COUNT_BY("1 = 1"),
    [ADMINQ_MESSAGES_BY_MEMBER_LIST] = MESSAGES_LIST_BY("member_id = :member_id"),
    [ADMINQ_MESSAGES_BY_MEMBER_COUNT] = MESSAGES_COUNT_BY("member_id = :member_id"),
    [ADMINQ_MESSAGES_BY_PHONE_LIST] = MESSAGES_LIST_BY("phone = :phone"),
    [ADMINQ_MESSAGES_BY_PHONE_COUNT] = MESSAGES_COUNT_BY("phone = :phone"),
    [ADMINQ_MESSAGES_BY_BROADCAST_LIST] = MESSAGES_LIST_BY("broadcast_id = :broadcast_id"),
    [ADMINQ_MESSAGES_BY_BROADCAST_COUNT] = MESSAGES_COUNT_BY("broadcast_id = :broadcast_id"),
    /* Members per value, from the counts kept by triggers (store/migrations.c). */
    [ADMINQ_STATS_PROVINCE] = "SELECT province, sum(n) FROM member_counts GROUP BY 1"
                              " HAVING sum(n) > 0 ORDER BY 1",
    [ADMINQ_STATS_SECTOR] = "SELECT sector, sum(n) FROM member_counts GROUP BY 1"
                            " HAVING sum(n) > 0 ORDER BY 1",
    [ADMINQ_STATS_GENDER] = "SELECT gender, sum(n) FROM member_counts GROUP BY 1"
                            " HAVING sum(n) > 0 ORDER BY 1",
    [ADMINQ_STATS_AGE_BAND] =
        "SELECT age_band(nullif(birth_year, 0), ?1), sum(n) FROM member_counts"
        " GROUP BY 1 HAVING sum(n) > 0 ORDER BY 1",
    /* Both message figures from one pass over the hourly counts (a year of
     * hours: 25 k rows at national size, sorted once, not twice). */
    [ADMINQ_STATS_MESSAGES] =
        "WITH t AS MATERIALIZED (SELECT channel, status, taken, sum(n) AS n FROM message_counts"
        " GROUP BY 1, 2, 3)"
        " SELECT 'status', status, sum(n), 0, 0 FROM t GROUP BY 2 HAVING sum(n) > 0"
        " UNION ALL SELECT 'channel', channel,"
        " sum(CASE WHEN status IN ('sent','delivered') OR taken <> 0 THEN n ELSE 0 END),"
        " sum(CASE WHEN status = 'delivered' THEN n ELSE 0 END),"
        " sum(CASE WHEN status = 'failed' THEN n ELSE 0 END) FROM t"
        " GROUP BY 2 HAVING sum(n) > 0 ORDER BY 1 DESC, 2",
    [ADMINQ_LAST_CHANNEL] =
        "SELECT channel FROM messages WHERE phone = ?1 ORDER BY id DESC LIMIT 1",
    [ADMINQ_REMINDERS_DUE] = NOTICE_COLS
    " WHERE e.status = 'scheduled' AND r.reminded_at IS NULL AND e.starts_at > ?1"
    " AND e.starts_at - coalesce(e.reminder_before_s, ?2) <= ?1 AND m.erased_at IS NULL"
    " ORDER BY e.starts_at, r.id LIMIT ?3",
    [ADMINQ_EVENT_NOTICE_TARGETS] =
        NOTICE_COLS " WHERE r.event_id = ?1 AND m.erased_at IS NULL ORDER BY r.id",

    [ADMINQ_COOP_INSERT] = "INSERT INTO cooperatives (code, name, province, sector, contact_phone,"
                           " created_at, updated_at) VALUES (:code, :name, :province, :sector,"
                           " :contact_phone, :now, :now) RETURNING id",
    [ADMINQ_COOP_UPDATE] = "UPDATE cooperatives SET code = :code, name = :name,"
                           " province = :province, sector = :sector,"
                           " contact_phone = :contact_phone, updated_at = :now WHERE id = :id",
    [ADMINQ_MEMBER_UPDATE] = "UPDATE members SET name = :name, name_folded = :name_folded,"
                             " cooperative_id = :cooperative_id,"
                             " province = :province, sector = :sector, gender = :gender,"
                             " birth_year = :birth_year, language = :language,"
                             " is_contact = :is_contact,"
                             " updated_at = :now WHERE id = :id AND erased_at IS NULL",
    [ADMINQ_MEMBER_SET_PHONE] = "UPDATE members SET phone = :phone, is_test = :is_test,"
                                " updated_at = :now WHERE id = :id AND erased_at IS NULL",
    [ADMINQ_MEMBER_PHONE_KEEP] = "INSERT INTO member_phones (member_id, phone, replaced_at,"
                                 " replaced_by) VALUES (:id, :old, :now, :who)",
    [ADMINQ_MEMBER_RETARGET] = "UPDATE messages SET phone = :phone, updated_at = :now"
                               " WHERE member_id = :id AND direction = 'out'"
                               " AND status IN ('queued', 'held')",
    [ADMINQ_MEMBER_WITHDRAW_CONSENT] =
        "UPDATE members SET opted_out_at = coalesce(opted_out_at, :now),"
        " consent_withdrawn_at = :now, consent_withdrawn_by = :who, updated_at = :now"
        " WHERE id = :id AND erased_at IS NULL",
    [ADMINQ_GRANT_INSERT] =
        "INSERT INTO grants (reference, member_id, cooperative_id, programme, amount_mad, status,"
        " note_ar, note_fr, note_en, created_at, updated_at) VALUES (coalesce(:reference,"
        " (SELECT printf('GR-%s-%05d', y.v, coalesce(max(CAST(substr(g.reference, 9) AS"
        " INTEGER)), 0) + 1) FROM (SELECT strftime('%Y', :now, 'unixepoch', 'localtime') AS v) y"
        " LEFT JOIN grants g ON g.reference GLOB 'GR-' || y.v || '-[0-9]*')),"
        " :member_id, :cooperative_id,"
        " :programme, :amount_mad, :status, :note_ar, :note_fr, :note_en, :now, :now)"
        " RETURNING id",
    [ADMINQ_GRANT_UPDATE] = "UPDATE grants SET programme = :programme, amount_mad = :amount_mad,"
                            " note_ar = :note_ar, note_fr = :note_fr, note_en = :note_en,"
                            " updated_at = :now WHERE id = :id",
    [ADMINQ_GRANT_SET_STATUS] = "UPDATE grants SET status = :status, note_ar = :note_ar,"
                                " note_fr = :note_fr, note_en = :note_en, updated_at = :now"
                                " WHERE id = :id",
    [ADMINQ_GRANT_HISTORY_INSERT] =
        "INSERT INTO grant_history (grant_id, status, note, note_ar, note_fr, note_en,"
        " changed_by, changed_at) VALUES (:grant_id, :status,"
        " coalesce(:note_ar, :note_fr, :note_en), :note_ar, :note_fr, :note_en, :who, :now)",
    [ADMINQ_EVENT_INSERT] =
        "INSERT INTO events (code, kind, title_ar, title_fr, title_en,"
        " description_ar, description_fr, description_en, starts_at, place,"
        " province, capacity, reminder_before_s, created_at, updated_at) VALUES (" EVENT_VALUES
        ", :now, :now) RETURNING id",
    [ADMINQ_EVENT_UPDATE] = "UPDATE events SET code = :code, kind = :kind, title_ar = :title_ar,"
                            " title_fr = :title_fr, title_en = :title_en,"
                            " description_ar = :description_ar, description_fr = :description_fr,"
                            " description_en = :description_en, starts_at = :starts_at,"
                            " place = :place, province = :province, capacity = :capacity,"
                            " reminder_before_s = :reminder_before_s,"
                            " updated_at = :now WHERE id = :id AND status = 'scheduled'",
    [ADMINQ_EVENT_CANCEL] = "UPDATE events SET status = 'cancelled', updated_at = ?2"
                            " WHERE id = ?1 AND status = 'scheduled'",
    [ADMINQ_RSVP_MARK_REMINDED] = "UPDATE rsvps SET reminded_at = ?2 WHERE id = ?1",
    [ADMINQ_IDEA_SET_STATUS] = "UPDATE ideas SET status = ?2, updated_at = ?3 WHERE id = ?1",
};

/* The PostgreSQL spelling of the statements SQLite's cannot be (FTS5,
 * instr, printf, strftime, GLOB): the rest run as sql_of has them. */
static const char *const pg_sql_of[ADMINQ_COUNT_] = {
    [ADMINQ_COOPS_LIST] =
        "SELECT " COOP_COLS COOPS_WHERE_PG " ORDER BY c.code LIMIT :limit OFFSET :offset",
    [ADMINQ_COOPS_COUNT] = "SELECT count(*)" COOPS_WHERE_PG,
    [ADMINQ_MEMBERS_BY_NAME_LIST] =
        "SELECT " MEMBER_COLS MEMBERS_BY_NAME_PG " ORDER BY m.id LIMIT :limit OFFSET :offset",
    [ADMINQ_MEMBERS_BY_NAME_COUNT] = "SELECT count(*)" MEMBERS_BY_NAME_PG,
    [ADMINQ_MEMBERS_NAME_LIST] =
        "SELECT " MEMBER_COLS " FROM members m LEFT JOIN cooperatives c ON c.id = m.cooperative_id"
        " WHERE " NAME_MATCHES_PG " ORDER BY m.id LIMIT :limit OFFSET :offset",
    [ADMINQ_MEMBERS_NAME_COUNT] = "SELECT count(*) FROM members m WHERE " NAME_MATCHES_PG,
    /* The year's next number: the digits after "GR-<year>-" (as SQLite's
     * CAST reads a number's leading digits; none: left out). */
    [ADMINQ_GRANT_INSERT] =
        "INSERT INTO grants (reference, member_id, cooperative_id, programme, amount_mad, status,"
        " note_ar, note_fr, note_en, created_at, updated_at) VALUES (coalesce(:reference,"
        " (SELECT 'GR-' || y.v || '-' || lpad(CAST(n.next AS TEXT),"
        " greatest(5, length(CAST(n.next AS TEXT))), '0') FROM (SELECT CAST(:year AS TEXT) AS v) y"
        " CROSS JOIN LATERAL (SELECT coalesce(max(CAST(substring(g.reference"
        " FROM '^GR-[0-9]+-([0-9]{1,18})') AS BIGINT)), 0) + 1 AS next FROM grants g"
        " WHERE g.reference LIKE 'GR-' || y.v || '-%') n)),"
        " :member_id, :cooperative_id,"
        " :programme, :amount_mad, :status, :note_ar, :note_fr, :note_en, :now, :now)"
        " RETURNING id",
};

/* Statements with more parameters than this take named arguments only. */
#define ADMINQ_POSITIONAL_MAX 3

static void bind_arg(struct db_stmt *st, int idx, const struct adminq_arg *a)
{
    switch (a->type) {
    case ADMINQ_NULL:
        db_bind_null(st, idx);
        break;
    case ADMINQ_INT:
        db_bind_i64(st, idx, a->i);
        break;
    case ADMINQ_REAL:
        db_bind_double(st, idx, (double)a->i);
        break;
    case ADMINQ_TEXT:
        db_bind_text(st, idx, a->s);
        break;
    }
}

/* Parameters no caller gives: what a row derives from an argument,
 * computed here in C (the store's engines share no such SQL function).
 * :name_folded is the text argument :name folded as staff search reads it
 * (core/fold; NULL when :name is NULL or not given); :is_test whether the
 * text argument :phone is a test number (core/test_number; 0 otherwise);
 * :year the local calendar year of the integer argument :now (as SQLite's
 * strftime('%Y', :now, 'unixepoch', 'localtime') reads it). */
static bool is_derived(const char *name)
{
    return strcmp(name, ":name_folded") == 0 || strcmp(name, ":is_test") == 0 ||
           strcmp(name, ":year") == 0;
}

/* The statements whose :name is a member_name_query, bound as the
 * engine's full-text query of it (member_name_match). */
static bool is_name_search(enum adminq q)
{
    return q == ADMINQ_MEMBERS_BY_NAME_LIST || q == ADMINQ_MEMBERS_BY_NAME_COUNT ||
           q == ADMINQ_MEMBERS_NAME_LIST || q == ADMINQ_MEMBERS_NAME_COUNT;
}

static const char *text_arg(const struct adminq_arg *args, size_t nargs, const char *name)
{
    for (size_t i = 0; i < nargs; i++)
        if (args[i].name && strcmp(args[i].name, name) == 0)
            return args[i].type == ADMINQ_TEXT ? args[i].s : NULL;
    return NULL;
}

static const struct adminq_arg *int_arg(const struct adminq_arg *args, size_t nargs,
                                        const char *name)
{
    for (size_t i = 0; i < nargs; i++)
        if (args[i].name && strcmp(args[i].name, name) == 0)
            return args[i].type == ADMINQ_INT ? &args[i] : NULL;
    return NULL;
}

static void bind_year(struct db_stmt *st, int idx, const struct adminq_arg *now)
{
    struct tm tm;
    time_t t = now ? (time_t)now->i : 0;
    if (now && localtime_r(&t, &tm))
        db_bind_i64(st, idx, (int64_t)tm.tm_year + 1900);
    else
        db_bind_null(st, idx);
}

static void bind_derived(struct db_stmt *st, const struct adminq_arg *args, size_t nargs)
{
    int idx = db_param_index(st, ":name_folded");
    if (idx) {
        const char *name = text_arg(args, nargs, ":name");
        char folded[FOLDED_NAME_MAX];
        if (name) {
            fold_text(name, strlen(name), folded, sizeof folded);
            db_bind_text_copy(st, idx, folded); /* folded dies with this block */
        } else {
            db_bind_null(st, idx);
        }
    }
    if ((idx = db_param_index(st, ":is_test")))
        db_bind_i64(st, idx, test_number_is(text_arg(args, nargs, ":phone")) ? 1 : 0);
    if ((idx = db_param_index(st, ":year")))
        bind_year(st, idx, int_arg(args, nargs, ":now"));
}

/* A name search's full-text query at most: every byte of the words
 * doubled, and per word its quotes, prefix mark and separator. */
#define NAME_MATCH_MAX (2 * FOLDED_NAME_MAX + 8 * SEARCH_WORDS_MAX)

/* A name search's :name (words, member_name_query) bound as db's
 * full-text query of it. 0, or -1 when it holds no word. */
static int bind_name_match(struct db *db, struct db_stmt *st, const struct adminq_arg *args,
                           size_t nargs)
{
    int idx = db_param_index(st, ":name");
    const char *words = text_arg(args, nargs, ":name");
    if (!idx || !words)
        return 0;
    char match[NAME_MATCH_MAX];
    if (member_name_match(db, words, match, sizeof match) != 0)
        return -1;
    db_bind_text_copy(st, idx, match); /* match dies with this block */
    return 0;
}

/* The statement of q with args bound: by name when an argument has one
 * (parameters no argument names stay NULL), else by position, then the
 * derived parameters (bind_derived). An unknown name, a derived
 * parameter's name, or a positional argument to a statement of more than
 * ADMINQ_POSITIONAL_MAX parameters, is refused. NULL (logged) on error. */
static struct db_stmt *prepare(struct db *db, enum adminq q, const struct adminq_arg *args,
                               size_t nargs)
{
    if ((int)q < 0 || q >= ADMINQ_COUNT_ || !sql_of[q]) {
        log_error("adminq_unknown_query", "query=%d", (int)q);
        return NULL;
    }
    const char *sql = db_is_postgresql(db) && pg_sql_of[q] ? pg_sql_of[q] : sql_of[q];
    struct db_stmt *st = db_stmt(db, sql); /* logs its failure */
    if (!st)
        return NULL;
    int np = db_param_count(st);
    for (size_t i = 0; i < nargs; i++) {
        int idx = (int)i + 1;
        if (args[i].name)
            idx = is_derived(args[i].name) ? 0 : db_param_index(st, args[i].name);
        else if (np > ADMINQ_POSITIONAL_MAX)
            idx = 0;
        else if (idx > np)
            continue; /* extra positional arguments are ignored */
        if (idx == 0) {
            log_error("adminq_bad_argument", "query=%d argument=%s", (int)q,
                      args[i].name ? args[i].name : "positional");
            db_stmt_done(st);
            return NULL;
        }
        bind_arg(st, idx, &args[i]);
    }
    bind_derived(st, args, nargs);
    if (is_name_search(q) && bind_name_match(db, st, args, nargs) != 0) {
        log_error("adminq_bad_argument", "query=%d argument=:name", (int)q);
        db_stmt_done(st);
        return NULL;
    }
    return st;
}

void adminq_table_free(struct adminq_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i].s);
    for (size_t i = 0; t->names && i < t->ncols; i++)
        free(t->names[i]);
    free(t->cells);
    free(t->names);
    memset(t, 0, sizeof *t);
}

static int add_row(struct adminq_table *t, struct db_stmt *st)
{
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        struct adminq_cell *c = realloc(t->cells, cap * t->ncols * sizeof *c);
        if (!c)
            return -1;
        t->cells = c;
        t->cap = cap;
    }
    struct adminq_cell *row = &t->cells[t->nrows * t->ncols];
    memset(row, 0, t->ncols * sizeof *row);
    t->nrows++; /* counted before filling so a failure frees what was copied */
    for (size_t c = 0; c < t->ncols; c++) {
        switch (db_col_type(st, (int)c)) {
        case DB_NULL:
            row[c].type = ADMINQ_NULL;
            break;
        case DB_INTEGER:
            row[c].type = ADMINQ_INT;
            row[c].i = db_col_i64(st, (int)c);
            break;
        case DB_FLOAT:
            row[c].type = ADMINQ_REAL;
            row[c].r = db_col_double(st, (int)c);
            break;
        default: {
            const char *s = db_col_text(st, (int)c);
            row[c].type = ADMINQ_TEXT;
            if (!(row[c].s = strdup(s ? s : "")))
                return -1;
        }
        }
    }
    return 0;
}

int adminq_select(struct db *db, enum adminq q, const struct adminq_arg *args, size_t nargs,
                  struct adminq_table *out)
{
    memset(out, 0, sizeof *out);
    struct db_stmt *st = prepare(db, q, args, nargs);
    if (!st)
        return -1;
    out->ncols = (size_t)db_col_count(st);
    out->names = calloc(out->ncols ? out->ncols : 1, sizeof *out->names);
    if (!out->names) {
        db_stmt_done(st);
        return -1;
    }
    for (size_t c = 0; c < out->ncols; c++)
        if (!(out->names[c] = strdup(db_col_name(st, (int)c)))) {
            db_stmt_done(st);
            adminq_table_free(out);
            return -1;
        }
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        if (out->nrows >= ADMINQ_ROWS_MAX) {
            out->truncated = 1;
            rc = DB_DONE;
            break;
        }
        if (add_row(out, st) != 0) {
            db_stmt_done(st);
            adminq_table_free(out);
            return -1;
        }
    }
    if (rc != DB_DONE) {
        store_fail(db, "adminq_select");
        db_stmt_done(st);
        adminq_table_free(out);
        return -1;
    }
    db_stmt_done(st);
    return 0;
}

int adminq_scalar(struct db *db, enum adminq q, const struct adminq_arg *args, size_t nargs,
                  int64_t *out)
{
    struct db_stmt *st = prepare(db, q, args, nargs);
    if (!st)
        return -1;
    int rc = db_step(st);
    *out = rc == DB_ROW ? db_col_i64(st, 0) : 0;
    db_stmt_done(st);
    if (rc != DB_ROW && rc != DB_DONE)
        return store_fail(db, "adminq_scalar");
    return 0;
}

enum adminq_write_result adminq_exec(struct db *db, enum adminq q, const struct adminq_arg *args,
                                     size_t nargs, int64_t *changes, int64_t *rowid)
{
    struct db_stmt *st = prepare(db, q, args, nargs);
    if (!st)
        return ADMINQ_ERROR;
    int64_t id; /* an INSERT's, RETURNING id; 0 for other statements */
    int rc = store_insert_rc(st, &id);
    if (db_failed_unique(rc))
        return ADMINQ_CONFLICT;
    if (db_failed_invalid(rc))
        return ADMINQ_INVALID;
    if (rc != DB_DONE)
        return store_fail(db, "adminq_exec");
    if (changes)
        *changes = db_changes(db);
    if (rowid)
        *rowid = id;
    return ADMINQ_OK;
}

const struct adminq_cell *adminq_at(const struct adminq_table *t, size_t row, size_t col)
{
    if (!t || row >= t->nrows || col >= t->ncols)
        return NULL;
    return &t->cells[row * t->ncols + col];
}

const char *adminq_str(const struct adminq_table *t, size_t row, size_t col)
{
    const struct adminq_cell *c = adminq_at(t, row, col);
    return c && c->type == ADMINQ_TEXT ? c->s : "";
}

int64_t adminq_i64(const struct adminq_table *t, size_t row, size_t col)
{
    const struct adminq_cell *c = adminq_at(t, row, col);
    return c && c->type == ADMINQ_INT ? c->i : 0;
}
