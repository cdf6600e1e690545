/* migrations.h -- the schema, as the numbered migrations db_migrate applies
 * (store/db.h): migration N (1-based) is db_migrations[N - 1], one SQL text
 * of one or more statements run in one transaction. Append only: a shipped
 * migration never changes, since databases in the field already ran it.
 *
 * PostgreSQL has its own list, numbered alike (store/migrations_pg.c):
 * db_migrations_pg[N - 1] brings a PostgreSQL database to version N. Its
 * first entries are NULL: PostgreSQL support starts at version
 * DB_MIGRATIONS_PG_BASELINE, whose entry is the whole schema as SQLite has
 * it after that many migrations; a PostgreSQL database never existed at an
 * earlier version. A later migration is appended to both lists. */
#ifndef TAAWUN_STORE_MIGRATIONS_H
#define TAAWUN_STORE_MIGRATIONS_H

#include <stddef.h>

#include "core/test_number.h"

extern const char *const db_migrations[];
extern const size_t db_migrations_count; /* the schema version this build writes */

/* The first version a PostgreSQL database has: its entry creates it all. */
#define DB_MIGRATIONS_PG_BASELINE 30

extern const char *const db_migrations_pg[]; /* NULL before the baseline */
extern const size_t db_migrations_pg_count;  /* equals db_migrations_count */
#define DB_MIGRATIONS_PG_FUNCTIONS_MAX 2048  /* bytes db_migrations_pg_functions needs */

/* The SQL functions the queries call, for PostgreSQL: CREATE OR REPLACE
 * FUNCTION statements for age_band(birth_year, year) (its CASE made from
 * core/age_band's table) and test_number(phone) (core/test_number's
 * range), written into buf[0..cap) with a NUL. They are made from this
 * build's tables, not kept by a migration: run them after every
 * migration, in the same transaction, so a new build's bands take effect.
 * Returns the length written, or -1 when cap is too small. */
int db_migrations_pg_functions(char *buf, size_t cap) __attribute__((warn_unused_result));

/* Whether row m (NEW, OLD or an alias) is an outbound message to a real
 * number, for the triggers that keep message_counts and message_costs: the
 * test range of core/test_number in plain SQL, phone being m's phone as
 * the engine must compare it (PostgreSQL: byte order, COLLATE "C", as
 * SQLite's BINARY compares it). */
#define DB_MESSAGE_COUNTED(m, phone)                                                               \
    "(" m ".direction = 'out' AND NOT (length(" m ".phone) = 13 AND " phone                        \
    " BETWEEN '" TEST_NUMBER_FIRST "' AND '" TEST_NUMBER_LAST "'))"
/* Whether member row m counts in the statistics (neither erased nor a
 * test member). */
#define DB_MEMBER_COUNTED(m) "(" m ".erased_at IS NULL AND " m ".is_test = 0)"

#endif
