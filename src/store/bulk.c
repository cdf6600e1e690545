/* bulk.c -- the SQL of CSV import and export (see bulk.h): one SELECT per
 * kind gives every field as text, used both to find an object by its key
 * and to export all of them, so an exported file imported again compares
 * equal field by field. */
#include "store/bulk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fold.h"
#include "core/limits.h"
#include "core/test_number.h"
#include "store/db.h"
#include "store/db_sql.h"
#include "store/store_util.h"

#define COOP_SELECT                                                                                \
    "SELECT c.id, 0, c.code, c.name, c.province, c.sector, c.contact_phone FROM cooperatives c"
#define MEMBER_SELECT                                                                              \
    "SELECT m.id, coalesce(m.erased_at,0), m.phone, m.name, c.code, m.province, m.sector,"         \
    " m.gender, CAST(m.birth_year AS TEXT), m.language,"                                           \
    " CASE WHEN m.consent_at IS NULL THEN 'no' ELSE 'yes' END"                                     \
    " FROM members m LEFT JOIN cooperatives c ON c.id = m.cooperative_id"
#define GRANT_SELECT                                                                               \
    "SELECT g.id, 0, g.reference, m.phone, c.code, g.programme, CAST(g.amount_mad AS TEXT),"       \
    " g.status, g.note_ar, g.note_fr, g.note_en FROM grants g"                                     \
    " LEFT JOIN members m ON m.id = g.member_id LEFT JOIN cooperatives c ON c.id = "               \
    "g.cooperative_id"

static const char *const find_sql[BULK_KINDS_] = {
    COOP_SELECT " WHERE c.code = ?1",
    MEMBER_SELECT " WHERE m.phone = ?1",
    GRANT_SELECT " WHERE g.reference = ?1",
};
static const char *const export_sql[BULK_KINDS_] = {
    COOP_SELECT " ORDER BY c.code",
    MEMBER_SELECT " WHERE m.erased_at IS NULL AND m.is_test = 0 ORDER BY m.id",
    GRANT_SELECT " WHERE coalesce(m.is_test, 0) = 0 ORDER BY g.reference",
};

static const char *const names[BULK_KINDS_][BULK_FIELDS_MAX] = {
    {"code", "name", "province", "sector", "contact_phone"},
    {"phone", "name", "cooperative_code", "province", "sector", "gender", "birth_year", "language",
     "consent"},
    {"reference", "member_phone", "cooperative_code", "programme", "amount_mad", "status",
     "note_ar", "note_fr", "note_en"},
};
static const size_t counts[BULK_KINDS_] = {BC_COUNT_, BM_COUNT_, BG_COUNT_};

size_t bulk_field_count(enum bulk_kind kind)
{
    return (int)kind >= 0 && kind < BULK_KINDS_ ? counts[kind] : 0;
}

const char *bulk_field_name(enum bulk_kind kind, size_t field)
{
    return field < bulk_field_count(kind) ? names[kind][field] : NULL;
}

void bulk_record_clear(struct bulk_record *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < BULK_FIELDS_MAX; i++) {
        free(r->v[i]);
        r->v[i] = NULL;
    }
}

int bulk_find(struct db *db, enum bulk_kind kind, const char *key, struct bulk_record *out)
{
    memset(out, 0, sizeof *out);
    struct db_stmt *st = db_stmt(db, find_sql[kind]);
    if (!st)
        return store_fail(db, "bulk_find");
    db_bind_text(st, 1, key);
    int rc = db_step(st), found = 0;
    if (rc == DB_ROW) {
        found = 1;
        out->id = db_col_i64(st, 0);
        out->erased_at = db_col_i64(st, 1);
        for (size_t i = 0; i < counts[kind]; i++) {
            const char *t = db_col_text(st, (int)i + 2);
            if (t && !(out->v[i] = strdup(t)))
                found = -1;
        }
        rc = DB_DONE;
    }
    db_stmt_done(st);
    if (rc != DB_DONE || found < 0) {
        bulk_record_clear(out);
        return store_fail(db, "bulk_find");
    }
    return found;
}

/* The writes name their parameters: each field as its column name
 * (":code", ":birth_year"), then the time (:now), the row's id (:id,
 * updates), and what a member row derives from its fields, computed in C
 * (the store's engines share no such SQL function): the name folded as
 * staff search reads it (:name_folded; core/fold; NULL for no name), and
 * whether the phone is a test number (:is_test; core/test_number). A field
 * a statement leaves alone is not in it: PostgreSQL types every parameter
 * a statement has, and could not type one it never uses. A key given but
 * not found is -1, which the foreign key refuses; each key's equality
 * comes before its IS NULL, as PostgreSQL types a parameter where it
 * first meets it. */
#define COOP_OF(code)                                                                              \
    "coalesce((SELECT id FROM cooperatives WHERE code = " code "), CASE WHEN " code                \
    " IS NULL THEN NULL ELSE -1 END)"
#define MEMBER_OF(phone)                                                                           \
    "coalesce((SELECT id FROM members WHERE phone = " phone "), CASE WHEN " phone                  \
    " IS NULL THEN NULL ELSE -1 END)"

static const char *const insert_sql[BULK_KINDS_] = {
    "INSERT INTO cooperatives (code, name, province, sector, contact_phone, created_at,"
    " updated_at) VALUES (:code, :name, :province, :sector, :contact_phone, :now, :now)"
    " RETURNING id",
    "INSERT INTO members (phone, name, cooperative_id, province, sector, gender, birth_year,"
    " language, consent_at, consent_channel, registered_via, registered_at, created_at,"
    " updated_at, is_test, name_folded) VALUES (:phone, :name, " COOP_OF(
        ":cooperative_code") ", :province, :sector, :gender, CAST(:birth_year AS BIGINT),"
                             " :language, CASE WHEN :consent = 'yes' THEN :now END,"
                             " CASE WHEN :consent = 'yes' THEN 'import' END, 'import', :now, :now,"
                             " :now, :is_test, :name_folded) RETURNING id",
    "INSERT INTO grants (reference, member_id, cooperative_id, programme, amount_mad, status,"
    " note_ar, note_fr, note_en, created_at, updated_at) VALUES (:reference, " MEMBER_OF(
        ":member_phone") ", " COOP_OF(":cooperative_code") ", :programme,"
                                                           " CAST(:amount_mad AS BIGINT), :status,"
                                                           " :note_ar, :note_fr, :note_en, :now,"
                                                           " :now) RETURNING id",
};
static const char *const update_sql[BULK_KINDS_] = {
    "UPDATE cooperatives SET name = :name, province = :province, sector = :sector,"
    " contact_phone = :contact_phone, updated_at = :now WHERE id = :id",
    "UPDATE members SET name = :name, name_folded = :name_folded, cooperative_id = " COOP_OF(
        ":cooperative_code") ", province = :province, sector = :sector, gender = :gender,"
                             " birth_year = CAST(:birth_year AS BIGINT), language = :language,"
                             " consent_at = CASE WHEN :consent = 'yes'"
                             " THEN coalesce(consent_at, :now) ELSE consent_at END,"
                             " consent_channel = CASE WHEN :consent = 'yes' AND consent_at IS NULL"
                             " THEN 'import' ELSE consent_channel END, updated_at = :now"
                             " WHERE id = :id",
    "UPDATE grants SET member_id = " MEMBER_OF(":member_phone") ", cooperative_id = " COOP_OF(
        ":cooperative_code") ", programme = :programme, amount_mad = CAST(:amount_mad AS BIGINT),"
                             " note_ar = :note_ar, note_fr = :note_fr, note_en = :note_en,"
                             " updated_at = :now WHERE id = :id",
};

/* Bind the text of field i to its parameter, if the statement has one. */
static void bind_field(struct db_stmt *st, enum bulk_kind kind, size_t i, const char *v)
{
    char param[40];
    snprintf(param, sizeof param, ":%s", names[kind][i]);
    int idx = db_param_index(st, param);
    if (idx && v && *v)
        db_bind_text(st, idx, v);
    else if (idx)
        db_bind_null(st, idx);
}

int bulk_write(struct db *db, enum bulk_kind kind, int64_t id, const char *const *v, int64_t now,
               int64_t *id_out)
{
    struct db_stmt *st = db_stmt(db, id ? update_sql[kind] : insert_sql[kind]);
    if (!st)
        return store_fail(db, "bulk_write");
    for (size_t i = 0; i < counts[kind]; i++)
        bind_field(st, kind, i, v[i]);
    store_bind_int64(st, ":now", now);
    if (id)
        store_bind_int64(st, ":id", id);
    char folded[FOLDED_NAME_MAX];
    if (kind == BULK_MEMBERS) {
        const char *name = v[BM_NAME] && *v[BM_NAME] ? v[BM_NAME] : NULL;
        if (name)
            fold_text(name, strlen(name), folded, sizeof folded);
        store_bind_text(st, ":name_folded", name ? folded : NULL);
        if (!id)
            store_bind_int64(st, ":is_test", test_number_is(v[BM_PHONE]) ? 1 : 0);
    }
    int64_t inserted; /* an UPDATE returns no row: 0 */
    int rc = store_insert_rc(st, &inserted);
    if (db_failed_constraint(rc))
        return -2;
    if (rc != DB_DONE)
        return store_fail(db, "bulk_write");
    if (id_out)
        *id_out = id ? id : inserted;
    return 0;
}

int bulk_field_is_number(enum bulk_kind kind, size_t field)
{
    return (kind == BULK_MEMBERS && field == BM_BIRTH_YEAR) ||
           (kind == BULK_GRANTS && field == BG_AMOUNT);
}

struct bulk_cursor {
    struct db *db;
    struct db_stmt *st;
    enum bulk_kind kind;
};

struct bulk_cursor *bulk_cursor_open(struct db *db, enum bulk_kind kind)
{
    struct bulk_cursor *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->db = db;
    c->kind = kind;
    if (!(c->st = db_stmt(db, export_sql[kind]))) {
        store_fail(db, "bulk_cursor_open");
        free(c);
        return NULL;
    }
    return c;
}

int bulk_cursor_next(struct bulk_cursor *c, const char *fields[BULK_FIELDS_MAX], size_t *n)
{
    int rc = db_step(c->st);
    if (rc == DB_DONE)
        return 0;
    if (rc != DB_ROW)
        return store_fail(c->db, "bulk_cursor_next");
    for (size_t i = 0; i < counts[c->kind]; i++)
        fields[i] = db_col_text(c->st, (int)i + 2);
    *n = counts[c->kind];
    return 1;
}

void bulk_cursor_close(struct bulk_cursor *c)
{
    if (!c)
        return;
    db_stmt_done(c->st);
    free(c);
}
