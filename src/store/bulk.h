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
#include "store/db.h"

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
int bulk_find(struct db *db, enum bulk_kind kind, const char *key, struct bulk_record *out)
    __attribute__((warn_unused_result));

/* Insert (id 0) or update (the row with field 0's key) from v (borrowed,
 * NULL for empty). Members: consent "yes" stamps consent now when there is
 * none; anything else leaves consent as it is. Grants: the status is
 * written only on insert (status changes go through app/programme).
 * Returns 0 with *id_out (may be NULL), -2 on a constraint (e.g. an
 * unknown cooperative code), or -1. */
int bulk_write(struct db *db, enum bulk_kind kind, int64_t id, const char *const *v, int64_t now,
               int64_t *id_out) __attribute__((warn_unused_result));

/* Whether field of kind holds a number (birth year, amount): a
 * spreadsheet cell of a number, every other field a cell of text. */
int bulk_field_is_number(enum bulk_kind kind, size_t field);

/* Every object of kind in key order (members: neither erased nor test),
 * read one at a time: one SELECT on db (borrowed; best a connection of its
 * own, as the statement stays open between rows). Free with
 * bulk_cursor_close. NULL (logged) on failure. */
struct bulk_cursor;
struct bulk_cursor *bulk_cursor_open(struct db *db, enum bulk_kind kind);
/* The next object's fields (NULL for an empty cell; valid until the next
 * call) and their count. Returns 1 (a row), 0 (no more) or -1 (logged). */
int bulk_cursor_next(struct bulk_cursor *c, const char *fields[BULK_FIELDS_MAX], size_t *n)
    __attribute__((warn_unused_result));
void bulk_cursor_close(struct bulk_cursor *c);

#endif
