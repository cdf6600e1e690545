/* db_sql.h -- the SQLite engine behind a struct db: internal to store/.
 *
 * The store's modules run their SQL through these: the connection's
 * SQLite handle and the per-thread cache of prepared statements. Nothing
 * above store/ includes this header (contrib/check-layers.sh refuses it),
 * so the layers above never depend on which engine holds the data. */
#ifndef TAAWUN_STORE_DB_SQL_H
#define TAAWUN_STORE_DB_SQL_H

#include <sqlite3.h>

/* One connection: made by db_open(), freed by db_close(). */
struct db {
    sqlite3 *sq;
};

/* A prepared statement for sql on db, from the calling thread's cache when
 * db is that thread's connection (statements are prepared once per thread
 * and reused), freshly prepared otherwise. Ready for binding. Returns NULL
 * (logged) on error. Always give it back with db_stmt_done(). */
sqlite3_stmt *db_stmt(struct db *db, const char *sql);

/* Give a statement from db_stmt() back: reset and unbound if cached,
 * finalized otherwise. NULL is a no-op. */
void db_stmt_done(sqlite3_stmt *st);

/* The sqlite3_wal_hook of every connection (store/db_checkpoint; arg
 * unused): notes the WAL's size (pages) and wakes the checkpointer past
 * the threshold. Runs on the committing thread: atomics, and a signal now
 * and then. */
int db_checkpoint_wal_hook(void *arg, sqlite3 *db, const char *name, int pages);

#endif
