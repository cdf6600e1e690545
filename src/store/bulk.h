/* bulk.h -- the SQL of CSV import and export: cooperatives, members and
 * grants as rows of text fields in a fixed order (the export's columns),
 * found by their natural key (cooperative code, member phone, grant
 * reference), inserted or updated from such rows, and listed for export.
 * Every field travels as text ("yes"/"no" for consent, decimal numbers,
 * codes); NULL stands for an empty cell. Functions borrow the connection
 * and never begin or commit a transaction. */
#ifndef TAAWUN_STORE_BULK_H
#define TAAWUN_STORE_BULK_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

enum bulk_kind { BULK_COOPERATIVES = 0, BULK_MEMBERS, BULK_GRANTS, BULK_KINDS_ };

#define BULK_FIELDS_MAX 9

/* Field order per kind (the export's column order). */
enum bulk_coop_field { BC_CODE = 0, BC_NAME, BC_PROVINCE, BC_SECTOR, BC_CONTACT_PHONE, BC_COUNT_ };
enum bulk_member_field {
    BM_PHONE = 0,
    BM_NAME,
    BM_COOPERATIVE,
    BM_PROVINCE,
    BM_SECTOR,
    BM_GENDER,
    BM_BIRTH_YEAR,
    BM_LANGUAGE,
    BM_CONSENT,
    BM_COUNT_
};
enum bulk_grant_field {
    BG_REFERENCE = 0,
    BG_MEMBER_PHONE,
    BG_COOPERATIVE,
    BG_PROGRAMME,
    BG_AMOUNT,
    BG_STATUS,
    BG_NOTE_AR,
    BG_NOTE_FR,
    BG_NOTE_EN,
    BG_COUNT_
};

/* Fields of kind, and their English names (the export's header). */
size_t bulk_field_count(enum bulk_kind kind);
const char *bulk_field_name(enum bulk_kind kind, size_t field);

/* A stored object as text fields (malloc'd; NULL for SQL NULL). */
struct bulk_record {
    int64_t id;
    int64_t erased_at; /* members */
    char *v[BULK_FIELDS_MAX];
};
void bulk_record_clear(struct bulk_record *r);

/* Find by natural key (field 0). Returns 1 (found), 0 or -1. */
int bulk_find(sqlite3 *db, enum bulk_kind kind, const char *key, struct bulk_record *out)
    __attribute__((warn_unused_result));

/* Insert (id 0) or update (the row with field 0's key) from v (borrowed,
 * NULL for empty). Members: consent "yes" stamps consent now when there is
 * none; anything else leaves consent as it is. Grants: the status is
 * written only on insert (status changes go through app/programme).
 * Returns 0 with *id_out (may be NULL), -2 on a constraint (e.g. an
 * unknown cooperative code), or -1. */
int bulk_write(sqlite3 *db, enum bulk_kind kind, int64_t id, const char *const *v, int64_t now,
               int64_t *id_out) __attribute__((warn_unused_result));

/* Call row(ctx, fields, n) for every object of kind in key order (members:
 * not erased). Returns 0, or -1 (also when row returns non-zero). */
int bulk_export(sqlite3 *db, enum bulk_kind kind,
                int (*row)(void *ctx, const char *const *fields, size_t n), void *ctx)
    __attribute__((warn_unused_result));

#endif
