/* db_version.c -- the member data version (see db_version.h). */
#include "store/db_version.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "store/db_sql.h"

static _Atomic uint64_t version = 1;
static atomic_bool untrusted; /* a connection is not watched: always 0 */

/* A connection's mark: it wrote a row of a watched table since its last
 * commit (or rollback, which leaves it set: one needless change). */
struct watch {
    _Atomic bool wrote;
};

/* The tables the kept reads come from (store/members.c member_find_by_phone,
 * store/grants.c grants_for_member). */
static bool watched(const char *table)
{
    return strcmp(table, "members") == 0 || strcmp(table, "cooperatives") == 0 ||
           strcmp(table, "grants") == 0;
}

static void on_update(void *arg, int op, const char *dbname, const char *table, sqlite3_int64 rowid)
{
    (void)op;
    (void)dbname;
    (void)rowid;
    struct watch *w = arg;
    if (table && watched(table))
        atomic_store(&w->wrote, true);
}

/* After a commit, visible to every reader: count it when it wrote a
 * watched row, then the checkpointer's hook. */
static int on_commit_done(void *arg, sqlite3 *db, const char *name, int pages)
{
    struct watch *w = arg;
    if (atomic_exchange(&w->wrote, false))
        atomic_fetch_add(&version, 1);
    return db_checkpoint_wal_hook(NULL, db, name, pages);
}

static bool in_wal_mode(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    bool wal = false;
    if (sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char *mode = sqlite3_column_text(st, 0);
        wal = mode && strcmp((const char *)mode, "wal") == 0;
    }
    sqlite3_finalize(st);
    return wal;
}

void db_version_watch(struct db *conn)
{
    sqlite3 *db = conn->sq;
    if (!db) { /* PostgreSQL: no hook sees every node's commits */
        atomic_store(&untrusted, true);
        return;
    }
    struct watch *w = calloc(1, sizeof *w);
    if (!w || !in_wal_mode(db)) {
        /* Without the WAL hook after each commit, no version can be told. */
        atomic_store(&untrusted, true);
        free(w);
        sqlite3_wal_hook(db, db_checkpoint_wal_hook, NULL);
        return;
    }
    sqlite3_update_hook(db, on_update, w);
    sqlite3_wal_hook(db, on_commit_done, w);
}

void db_version_unwatch(struct db *conn)
{
    sqlite3 *db = conn ? conn->sq : NULL;
    if (!db)
        return;
    sqlite3_wal_hook(db, db_checkpoint_wal_hook, NULL);
    free(sqlite3_update_hook(db, NULL, NULL));
}

uint64_t db_member_data_version(void)
{
    return atomic_load(&untrusted) ? 0 : atomic_load(&version);
}
