/* migrations.h -- the schema, as the numbered migrations db_migrate applies
 * (store/db.h): migration N (1-based) is db_migrations[N - 1], one SQL text
 * of one or more statements run in one transaction. Append only: a shipped
 * migration never changes, since databases in the field already ran it. */
#ifndef TAAWUN_STORE_MIGRATIONS_H
#define TAAWUN_STORE_MIGRATIONS_H

#include <stddef.h>

extern const char *const db_migrations[];
extern const size_t db_migrations_count; /* the schema version this build writes */

#endif
