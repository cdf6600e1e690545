/* migrate_store.h -- a programme's SQLite database copied whole into an
 * empty PostgreSQL database (`taawund migrate-store`): every table, every
 * row with its id, in one PostgreSQL transaction, checked before it
 * commits.
 *
 * What is copied is read from the schemas, never from a list written
 * here: the tables the target's catalogue holds (PostgreSQL's migrations
 * made them) that the source holds too, column by column by name. The
 * source's virtual tables and their shadow tables (staff search's FTS5
 * index, a GIN index on PostgreSQL) are left out; any other table of the
 * source the target lacks is refused, as its rows would be lost. A table
 * only the target has (its record of the schema version) keeps what
 * PostgreSQL's migrations put there.
 *
 * The copy:
 * - tables in the order of their foreign keys (a referenced table first),
 *   rows in the order of their primary key (a member registered by an
 *   earlier member);
 * - each value as the kind it is (integer, real, text, blob, NULL; text
 *   for a bytea column as its bytes), rows sent a batch at a time (one
 *   INSERT of many rows, one round trip): the batch's values are copied
 *   out of the source's row, which its next step overwrites (why
 *   store/archive's copy, straight from one row to one insert, is not
 *   the one used here);
 * - the tables' own triggers (those of the schema: the counts kept per
 *   hour, channel, broadcast and member) disabled for the copy and enabled
 *   again before the commit, so that the count tables hold the source's
 *   rows, copied like any other table, and nothing the triggers would add;
 * - then checked: every table's row count and a checksum of all its values
 *   read back from both databases must agree, else everything is rolled
 *   back;
 * - then every identity column's sequence set past the largest id copied,
 *   so the next row PostgreSQL makes gets a new id.
 * The source is only read, in one read transaction (one snapshot), on a
 * connection made query_only. */
#ifndef TAAWUN_STORE_MIGRATE_STORE_H
#define TAAWUN_STORE_MIGRATE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "store/db.h"

/* The most tables, and columns of one table, a copy handles, and a
 * table's or column's longest name (taawun's are lower-case words). */
#define MIGRATE_STORE_TABLES_MAX 96
#define MIGRATE_STORE_COLUMNS_MAX 64
#define MIGRATE_STORE_NAME_MAX 64

enum migrate_store_result {
    MIGRATE_STORE_DONE,             /* committed and checked */
    MIGRATE_STORE_NOT_TAAWUN,       /* the source holds no taawun schema */
    MIGRATE_STORE_SOURCE_OLD,       /* its schema is older than this build's */
    MIGRATE_STORE_SOURCE_NEW,       /* its schema is newer than this build's */
    MIGRATE_STORE_NOT_POSTGRESQL,   /* the source is not SQLite or the target not PostgreSQL */
    MIGRATE_STORE_TARGET_NOT_READY, /* the target is not at this build's schema */
    MIGRATE_STORE_TARGET_NOT_EMPTY, /* a table of the target holds rows */
    MIGRATE_STORE_SCHEMAS_DIFFER,   /* a table or column of one has no place in the other */
    MIGRATE_STORE_CHECK_FAILED,     /* the copy read back differs: rolled back */
    MIGRATE_STORE_FAILED,           /* a statement failed: rolled back */
};

struct migrate_store_table {
    char name[MIGRATE_STORE_NAME_MAX];
    int64_t rows;
};

/* What a copy did, or why it did not. */
struct migrate_store_report {
    int source_version; /* the source's schema version (0: none) */
    int build_version;  /* this build's */
    struct migrate_store_table tables[MIGRATE_STORE_TABLES_MAX]; /* copied, in order */
    size_t count;
    int64_t rows;  /* all tables' */
    char why[512]; /* a refusal's or failure's detail: a table, a column, an error */
};

/* Copy the SQLite database src into the PostgreSQL database dst, which
 * db_migrate has brought to this build's schema and which holds no row
 * in the tables to be copied. src (borrowed) is made query_only and must
 * be at this build's schema version: an older file is refused (a daemon
 * of this build migrates it at its next start), never changed here. dst
 * (borrowed): a table's INSERT is prepared once (its connection keeps
 * it, store/db_stmt) and run per batch. Neither connection
 * may be inside a transaction. *out is filled in every case. Returns
 * MIGRATE_STORE_DONE once committed; on anything else dst is as it was. */
enum migrate_store_result migrate_store_copy(struct db *src, struct db *dst,
                                             struct migrate_store_report *out)
    __attribute__((warn_unused_result));

#endif
