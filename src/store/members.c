/* members.c -- queries on cooperatives and members. */
#include "store/members.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/fold.h"
#include "core/limits.h"
#include "core/test_number.h"
#include "store/db.h"
#include "store/db_sql.h"
#include "store/store_util.h"

int coop_find_by_code(struct db *db, const char *code, struct cooperative *out)
{
    struct db_stmt *st;
    if (!(st = db_stmt(db, "SELECT id, code, name, province, coalesce(sector,'') FROM cooperatives "
                           "WHERE code = ?1")))
        return store_fail(db, "coop_find");
    db_bind_text(st, 1, code);
    int rc = db_step(st);
    int result;
    if (rc == DB_ROW) {
        out->id = db_col_i64(st, 0);
        store_copy_text(out->code, sizeof out->code, st, 1);
        store_copy_text(out->name, sizeof out->name, st, 2);
        store_copy_text(out->province, sizeof out->province, st, 3);
        store_copy_text(out->sector, sizeof out->sector, st, 4);
        result = 1;
    } else if (rc == DB_DONE) {
        result = 0;
    } else {
        result = store_fail(db, "coop_find");
    }
    db_stmt_done(st);
    return result;
}

int member_find_by_phone(struct db *db, const char *phone, struct member *out)
{
    struct db_stmt *st;
    if (!(st = db_stmt(
              db,
              "SELECT m.id, m.phone, coalesce(m.name,''), coalesce(m.cooperative_id,0),"
              " coalesce(c.name,''), coalesce(m.province,''), coalesce(m.sector,''),"
              " coalesce(m.gender,''), coalesce(m.birth_year,0), m.language,"
              " coalesce(m.consent_at,0), coalesce(m.consent_channel,''),"
              " coalesce(m.registered_at,0), coalesce(m.opted_out_at,0), coalesce(m.erased_at,0),"
              " m.is_contact, coalesce(m.consent_state,'')"
              " FROM members m LEFT JOIN cooperatives c ON c.id = m.cooperative_id"
              " WHERE m.phone = ?1")))
        return store_fail(db, "member_find");
    db_bind_text(st, 1, phone);
    int rc = db_step(st);
    int result;
    if (rc == DB_ROW) {
        memset(out, 0, sizeof *out);
        out->id = db_col_i64(st, 0);
        store_copy_text(out->phone, sizeof out->phone, st, 1);
        store_copy_text(out->name, sizeof out->name, st, 2);
        out->cooperative_id = db_col_i64(st, 3);
        store_copy_text(out->cooperative_name, sizeof out->cooperative_name, st, 4);
        store_copy_text(out->province, sizeof out->province, st, 5);
        store_copy_text(out->sector, sizeof out->sector, st, 6);
        const char *g = db_col_text(st, 7);
        out->gender = g && *g ? g[0] : 0;
        out->birth_year = db_col_int(st, 8);
        store_copy_text(out->language, sizeof out->language, st, 9);
        out->consent_at = db_col_i64(st, 10);
        store_copy_text(out->consent_channel, sizeof out->consent_channel, st, 11);
        out->registered_at = db_col_i64(st, 12);
        out->opted_out_at = db_col_i64(st, 13);
        out->erased_at = db_col_i64(st, 14);
        out->is_contact = db_col_int(st, 15) != 0;
        store_copy_text(out->consent_state, sizeof out->consent_state, st, 16);
        result = 1;
    } else if (rc == DB_DONE) {
        result = 0;
    } else {
        result = store_fail(db, "member_find");
    }
    db_stmt_done(st);
    return result;
}

/* Bind what a member row derives from m, computed in C rather than by an
 * SQL function (the store's engines share none): :is_test from the phone
 * (core/test_number), :name_folded from the name (core/fold, as staff
 * search reads it). folded (FOLDED_NAME_MAX bytes) must outlive the
 * statement. */
static void bind_derived(struct db_stmt *st, const struct member *m, char *folded)
{
    fold_text(m->name, strlen(m->name), folded, FOLDED_NAME_MAX);
    store_bind_int64(st, ":is_test", test_number_is(m->phone) ? 1 : 0);
    store_bind_text(st, ":name_folded", folded);
}

int member_register(struct db *db, const struct member *m, const char *via, int64_t *id_out)
{
    struct db_stmt *st;
    /* A new phone inserts; an erased member registers again in place; a
     * member already registered is left untouched (a second session that
     * raced the first must not overwrite it). */
    if (!(st = db_stmt(
              db,
              "INSERT INTO members (phone, name, cooperative_id, province, sector, gender,"
              " birth_year, language, consent_at, consent_channel, registered_via, registered_at,"
              " created_at, updated_at, is_test, consent_state, consent_state_at,"
              " consent_state_channel, name_folded)"
              " VALUES (:phone, :name, nullif(:cooperative_id, 0), :province, :sector, :gender,"
              " :birth_year, :language, :now, :consent_channel, :via, :now, :now, :now,"
              " :is_test, 'given', :now, :consent_channel, :name_folded)"
              " ON CONFLICT(phone) DO UPDATE SET name=excluded.name,"
              " name_folded=excluded.name_folded,"
              " cooperative_id=excluded.cooperative_id, province=excluded.province,"
              " sector=excluded.sector, gender=excluded.gender, birth_year=excluded.birth_year,"
              " language=excluded.language, consent_at=excluded.consent_at,"
              " consent_channel=excluded.consent_channel, registered_via=excluded.registered_via,"
              " registered_at=excluded.registered_at, erased_at=NULL, opted_out_at=NULL,"
              " consent_state='given', consent_state_at=excluded.consent_state_at,"
              " consent_state_channel=excluded.consent_state_channel, registered_by=NULL,"
              " updated_at=excluded.updated_at"
              " WHERE members.erased_at IS NOT NULL OR members.registered_at IS NULL")))
        return store_fail(db, "member_register");
    int64_t now = db_now();
    char gender[2] = {m->gender, 0};
    store_bind_text(st, ":phone", m->phone);
    store_bind_text(st, ":name", m->name);
    store_bind_int64(st, ":cooperative_id", m->cooperative_id);
    store_bind_text(st, ":province", m->province);
    store_bind_text(st, ":sector", m->sector);
    store_bind_text(st, ":gender", m->gender ? gender : NULL); /* gender outlives the step */
    store_bind_int64(st, ":birth_year", m->birth_year);
    store_bind_text(st, ":language", m->language);
    store_bind_int64(st, ":now", now);
    store_bind_text(st, ":consent_channel", m->consent_channel);
    store_bind_text(st, ":via", via);
    char folded[FOLDED_NAME_MAX];
    bind_derived(st, m, folded);
    if (store_exec(db, st, "member_register") != 0)
        return -1;
    struct member found;
    if (member_find_by_phone(db, m->phone, &found) != 1)
        return -1;
    *id_out = found.id;
    return 0;
}

int member_register_by_contact(struct db *db, const struct member *m, int64_t contact_id,
                               int64_t *id_out)
{
    struct db_stmt *st;
    if (!(st = db_stmt(
              db, "INSERT INTO members (phone, name, cooperative_id, province, sector, gender,"
                  " birth_year, language, registered_via, registered_at, registered_by,"
                  " consent_state, consent_state_at, consent_state_channel, created_at, updated_at,"
                  " is_test, name_folded)"
                  " VALUES (:phone, :name, nullif(:cooperative_id, 0), coalesce((SELECT province"
                  " FROM cooperatives WHERE id = :cooperative_id), nullif(:province, '')), :sector,"
                  " :gender, :birth_year, :language, 'contact', :now, :contact, 'pending', :now,"
                  " 'contact',"
                  " :now, :now, :is_test, :name_folded) ON CONFLICT(phone) DO NOTHING"
                  " RETURNING id")))
        return store_fail(db, "member_register_by_contact");
    char gender[2] = {m->gender, 0};
    store_bind_text(st, ":phone", m->phone);
    store_bind_text(st, ":name", m->name);
    store_bind_int64(st, ":cooperative_id", m->cooperative_id);
    store_bind_text(st, ":province", m->province);
    store_bind_text(st, ":sector", m->sector);
    store_bind_text(st, ":gender", m->gender ? gender : NULL);
    store_bind_int64(st, ":birth_year", m->birth_year);
    store_bind_text(st, ":language", m->language);
    store_bind_int64(st, ":now", db_now());
    store_bind_int64(st, ":contact", contact_id);
    char folded[FOLDED_NAME_MAX];
    bind_derived(st, m, folded);
    return store_insert(db, st, id_out, "member_register_by_contact");
}

int member_consent_set(struct db *db, int64_t id, bool given, const char *channel)
{
    struct db_stmt *st;
    if (!(st = db_stmt(db, "UPDATE members SET consent_state = CASE WHEN ?2 <> 0 THEN 'given'"
                           " ELSE 'refused' END, consent_state_at = ?3,"
                           " consent_state_channel = ?4,"
                           " consent_at = CASE WHEN ?2 <> 0 THEN ?3 ELSE NULL END,"
                           " consent_channel = CASE WHEN ?2 <> 0 THEN ?4 ELSE NULL END,"
                           " updated_at = ?3 WHERE id = ?1")))
        return store_fail(db, "member_consent_set");
    db_bind_i64(st, 1, id);
    db_bind_i64(st, 2, given ? 1 : 0);
    db_bind_i64(st, 3, db_now());
    db_bind_text(st, 4, channel);
    return store_exec(db, st, "member_consent_set");
}

int member_set_language(struct db *db, int64_t id, const char *lang)
{
    struct db_stmt *st;
    if (!(st = db_stmt(db, "UPDATE members SET language=?1, updated_at=?2 WHERE id=?3")))
        return store_fail(db, "member_set_language");
    db_bind_text(st, 1, lang);
    db_bind_i64(st, 2, db_now());
    db_bind_i64(st, 3, id);
    return store_exec(db, st, "member_set_language");
}

void member_number(int64_t id, char out[16])
{
    snprintf(out, 16, "TA-%06lld", (long long)id);
}

int member_topics_get(struct db *db, int64_t id, bool enabled[TOPIC_COUNT])
{
    for (int i = 0; i < TOPIC_COUNT; i++)
        enabled[i] = true;
    struct db_stmt *st;
    if (!(st = db_stmt(db, "SELECT topic, enabled FROM member_topics WHERE member_id = ?1")))
        return store_fail(db, "member_topics_get");
    db_bind_i64(st, 1, id);
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        const char *topic = db_col_text(st, 0);
        for (int i = 0; topic && i < TOPIC_COUNT; i++)
            if (strcmp(topic, topic_codes[i]) == 0)
                enabled[i] = db_col_int(st, 1) != 0;
    }
    db_stmt_done(st);
    return rc == DB_DONE ? 0 : store_fail(db, "member_topics_get");
}

int member_topic_set(struct db *db, int64_t id, const char *topic, bool on)
{
    struct db_stmt *st;
    if (!(st = db_stmt(db, "INSERT INTO member_topics (member_id, topic, enabled, updated_at)"
                           " VALUES (?1, ?2, ?3, ?4) ON CONFLICT(member_id, topic) DO UPDATE"
                           " SET enabled = excluded.enabled, updated_at = excluded.updated_at")))
        return store_fail(db, "member_topic_set");
    db_bind_i64(st, 1, id);
    db_bind_text(st, 2, topic);
    db_bind_i64(st, 3, on ? 1 : 0);
    db_bind_i64(st, 4, db_now());
    return store_exec(db, st, "member_topic_set");
}

int member_set_stopped(struct db *db, int64_t id, bool stopped)
{
    struct db_stmt *st;
    if (!(st = db_stmt(db, "UPDATE members SET opted_out_at = CASE WHEN ?2 <> 0 THEN"
                           " coalesce(opted_out_at, ?3) ELSE NULL END, updated_at = ?3"
                           " WHERE id = ?1")))
        return store_fail(db, "member_set_stopped");
    db_bind_i64(st, 1, id);
    db_bind_i64(st, 2, stopped ? 1 : 0);
    db_bind_i64(st, 3, db_now());
    return store_exec(db, st, "member_set_stopped");
}

int member_erase(struct db *db, int64_t id)
{
    static const char *const sql[] = {
        "UPDATE members SET name = NULL, name_folded = NULL, cooperative_id = NULL, province = "
        "NULL, sector = NULL,"
        " gender = NULL, birth_year = NULL, consent_at = NULL, consent_channel = NULL,"
        " is_contact = 0,"
        " registered_at = NULL, opted_out_at = coalesce(opted_out_at, ?2), erased_at = ?2,"
        " updated_at = ?2 WHERE id = ?1",
        "DELETE FROM member_topics WHERE member_id = ?1",
        "DELETE FROM member_phones WHERE member_id = ?1",
        "DELETE FROM rsvps WHERE member_id = ?1",
        "UPDATE ideas SET title = '', description = '', updated_at = ?2 WHERE member_id = ?1",
        "UPDATE messages SET body = '', updated_at = ?2 WHERE member_id = ?1"
        " AND status NOT IN ('queued', 'sending')",
        "DELETE FROM messages WHERE member_id = ?1 AND status = 'queued'",
        "DELETE FROM ussd_drafts WHERE phone = (SELECT phone FROM members WHERE id = ?1)",
        /* The archives of old messages are redacted by the retention pass
         * (store/archive.h). */
        "INSERT INTO archive_erasures (member_id, phone, requested_at)"
        " SELECT id, phone, ?2 FROM members WHERE id = ?1",
    };
    int64_t now = db_now();
    for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++) {
        struct db_stmt *st;
        if (!(st = db_stmt(db, sql[i])))
            return store_fail(db, "member_erase");
        db_bind_i64(st, 1, id);
        if (db_param_count(st) >= 2)
            db_bind_i64(st, 2, now);
        if (store_exec(db, st, "member_erase") != 0)
            return -1;
    }
    return 0;
}

/* Whether word[0..len) holds a letter or a digit (any non-ASCII byte
 * counts: folded text keeps only letters, digits and punctuation). */
static bool has_alnum(const char *word, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)word[i];
        if (c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
            return true;
    }
    return false;
}

int member_name_query(const char *typed, char *out, size_t outsz)
{
    char folded[FOLDED_NAME_MAX];
    fold_text(typed, strlen(typed), folded, sizeof folded);
    size_t used = 0, words = 0;
    for (const char *p = folded; *p && words < SEARCH_WORDS_MAX;) {
        size_t n = strcspn(p, " ");
        if (has_alnum(p, n)) {
            if (used + (words ? 1 : 0) + n + 1 > outsz) /* a space, the word, the NUL */
                return -1;
            if (words)
                out[used++] = ' ';
            memcpy(out + used, p, n);
            used += n;
            words++;
        }
        p += n;
        while (*p == ' ')
            p++;
    }
    if (!words)
        return -1;
    out[used] = '\0';
    return 0;
}

/* How one engine's full-text query spells a required word prefix. */
struct name_match_syntax {
    char quote;            /* opens and closes the word; doubled inside it */
    char escape;           /* also doubled inside the word ('\0': none) */
    const char *prefix;    /* after the closing quote */
    const char *separator; /* between words */
};

static const struct name_match_syntax fts5_syntax = {'"', '\0', "*", " "};
static const struct name_match_syntax tsquery_syntax = {'\'', '\\', ":*", " & "};

int member_name_match(const struct db *db, const char *words, char *out, size_t outsz)
{
    const struct name_match_syntax *x = db_is_postgresql(db) ? &tsquery_syntax : &fts5_syntax;
    size_t used = 0, nwords = 0, sep = strlen(x->separator), pre = strlen(x->prefix);
    for (const char *p = words; *p;) {
        size_t n = strcspn(p, " ");
        if (n) {
            /* at worst every byte doubled, the separator, quotes, prefix */
            if (used + sep + 2 * n + 2 + pre + 1 > outsz)
                return -1;
            if (nwords++) {
                memcpy(out + used, x->separator, sep);
                used += sep;
            }
            out[used++] = x->quote;
            for (size_t i = 0; i < n; i++) {
                out[used++] = p[i];
                if (p[i] == x->quote || (x->escape && p[i] == x->escape))
                    out[used++] = p[i];
            }
            out[used++] = x->quote;
            memcpy(out + used, x->prefix, pre);
            used += pre;
        }
        p += n;
        while (*p == ' ')
            p++;
    }
    if (!nwords)
        return -1;
    out[used] = '\0';
    return 0;
}
