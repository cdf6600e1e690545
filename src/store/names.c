/* names.c -- members' missing folded names filled in from C (see names.h):
 * a round reads a batch of ids and names through the partial index
 * members_unfolded and folds them, gives the SELECT back, then updates each
 * row by id (no statement is stepped while another is open, which not
 * every engine allows). */
#include "store/names.h"

#include <assert.h>
#include <stdint.h>

#include "core/fold.h"
#include "core/limits.h"
#include "store/db_sql.h"

/* One round's rows: ids, and their names folded (NUL-terminated). */
struct fold_batch {
    int64_t id[NAMES_FOLD_BATCH];
    char folded[NAMES_FOLD_BATCH][FOLDED_NAME_MAX];
};

/* Read and fold up to NAMES_FOLD_BATCH unfolded names with ids above
 * after, in id order. Returns how many, or -1. */
static int read_batch(struct db *db, int64_t after, struct fold_batch *b)
{
    struct db_stmt *st = db_stmt(db, "SELECT id, name FROM members WHERE name_folded IS NULL"
                                     " AND name IS NOT NULL AND id > ?1 ORDER BY id LIMIT ?2");
    if (!st)
        return -1;
    db_bind_i64(st, 1, after);
    db_bind_i64(st, 2, NAMES_FOLD_BATCH);
    int n = 0, rc = DB_DONE;
    while (n < NAMES_FOLD_BATCH && (rc = db_step(st)) == DB_ROW) {
        const char *name = db_col_text(st, 1); /* NULL only when out of memory */
        if (!name) {
            rc = DB_FAILED;
            break;
        }
        b->id[n] = db_col_i64(st, 0);
        /* Every byte of the text, as a SQL function would read it. */
        fold_text(name, db_col_bytes(st, 1), b->folded[n], FOLDED_NAME_MAX);
        n++;
    }
    db_stmt_done(st);
    return rc == DB_DONE || rc == DB_ROW ? n : -1;
}

/* Write the batch's n folded names by id. Returns 0 or -1. */
static int write_batch(struct db *db, const struct fold_batch *b, int n)
{
    for (int i = 0; i < n; i++) {
        struct db_stmt *st = db_stmt(db, "UPDATE members SET name_folded = ?2 WHERE id = ?1");
        if (!st)
            return -1;
        db_bind_i64(st, 1, b->id[i]);
        db_bind_text(st, 2, b->folded[i]);
        int rc = db_step(st);
        db_stmt_done(st);
        if (rc != DB_DONE)
            return -1;
    }
    return 0;
}

int names_fold_missing(struct db *db)
{
    assert(db_in_transaction(db));
    struct fold_batch b;
    int64_t after = INT64_MIN; /* any id SQLite allows, 0 and below too */
    int total = 0, n;
    do {
        if ((n = read_batch(db, after, &b)) < 0 || write_batch(db, &b, n) != 0)
            return -1;
        total += n;
        if (n)
            after = b.id[n - 1];
    } while (n == NAMES_FOLD_BATCH);
    return total;
}
