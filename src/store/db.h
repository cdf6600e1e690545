/* db.h -- the store's connections: opening with the right settings,
 * numbered migrations, write transactions, and one connection per thread.
 *
 * Every thread that touches the database uses its own connection
 * (db_thread()); writes run inside db_begin() (BEGIN IMMEDIATE) and
 * db_commit(), so anything acknowledged to a provider is on disk first.
 *
 * A connection is a struct db, opaque above store/: the layers above pass
 * it to the store's functions and never see the engine behind it (SQLite
 * today, reached inside store/ through store/db_sql.h). */
#ifndef TAAWUN_STORE_DB_H
#define TAAWUN_STORE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;

/* The engine a connection runs on: SQLite (a file, the default) or
 * PostgreSQL (a server, reached through libpq). */
enum db_engine { DB_ENGINE_SQLITE, DB_ENGINE_POSTGRESQL };

struct db_options {
    enum db_engine engine;
    char path[512];        /* SQLite: the database file */
    char conninfo[1024];   /* PostgreSQL: a libpq connection string */
    bool synchronous_full; /* synchronous=FULL, else NORMAL */
    int busy_timeout_ms;   /* how long a write waits for another's lock */
};

/* Open (creating if needed) with WAL, busy_timeout, foreign keys and the
 * synchronous mode, and the SQL function age_band(birth_year, year) (the
 * core/age_band name, 'unknown' for a NULL birth year). Its commits tell
 * store/db_checkpoint the WAL's size and never checkpoint themselves.
 * Returns NULL and logs on failure. Free with db_close. */
struct db *db_open(const struct db_options *opt);
void db_close(struct db *db);

/* Whether conninfo is a libpq connection string taawund accepts: one
 * libpq parses, with no password in it (a password lives in libpq's
 * password file, readable by the daemon only). 0, or -1 with why[0..cap)
 * saying what is wrong (never the password). */
int db_conninfo_check(const char *conninfo, char *why, size_t cap);

/* What db runs on, for the operator ("SQLite 3.40.1", "PostgreSQL
 * 15.18"), and the schema version it holds without changing anything
 * (0 for a new database; -1 on error, logged). */
void db_describe(struct db *db, char *out, size_t cap);
int db_schema_found(struct db *db);

/* Apply the numbered migrations the database lacks (PRAGMA user_version),
 * each in its own transaction. Returns 0 or -1 (logged). */
int db_migrate(struct db *db) __attribute__((warn_unused_result));

/* The schema version this build migrates to. */
int db_schema_version(void);

/* Run the SQL file at path in one transaction when the database has no
 * cooperatives yet (demo data on first start). Returns 1 when loaded, 0
 * when skipped, -1 on error (logged). */
int db_load_if_empty(struct db *db, const char *path) __attribute__((warn_unused_result));

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. begin and commit return 0 or -1.
 * db_begin() (and store/db_group's jobs) first end the calling thread's
 * read transaction, if one is open (below). */
int db_begin(struct db *db) __attribute__((warn_unused_result));
int db_commit(struct db *db) __attribute__((warn_unused_result));
void db_rollback(struct db *db);
/* End the write transaction db_begin() opened: COMMIT when rc is 0, else
 * ROLLBACK. Returns 0 once committed, -1 otherwise. Every write takes the
 * turn, a single statement too: one outside it waits on SQLite's busy
 * handler while this process's writers pass the lock along. */
int db_finish(struct db *db, int rc) __attribute__((warn_unused_result));

/* A transaction for writes that other locks already order (store/messages'
 * outbox_claim_begin, for the sender's claim, which takes its rows FOR
 * UPDATE SKIP LOCKED; store/shared_sessions, under a session key's lock):
 * on SQLite the same as db_begin(); on PostgreSQL BEGIN at READ COMMITTED
 * without the write lock every node shares, so these and other writes run
 * side by side. End it with db_commit or db_rollback. 0 or -1. */
int db_begin_claim(struct db *db) __attribute__((warn_unused_result));

/* A read transaction (BEGIN DEFERRED ... COMMIT) around the reads of one
 * unit of work, such as a USSD step: one snapshot, and SQLite takes and
 * drops its WAL read lock once for all of them instead of once per
 * statement. db_read_begin() begins one on db unless the calling thread
 * has one open already or db is inside another transaction (the reads then
 * run as they would without); db_read_end() ends the calling thread's, if
 * any. A write ends it first (db_begin, db_group_write), so reads after a
 * write run on their own unless db_read_begin() is called again. */
void db_read_begin(struct db *db);
void db_read_end(void);

/* Per-thread connections. db_pool_init() records the options (call once
 * before any thread uses db_thread()); db_thread() returns the calling
 * thread's connection, opening it on first use (NULL on failure); it is
 * closed when the thread exits. */
void db_pool_init(const struct db_options *opt);
struct db *db_thread(void);

/* A connection of its own with the pool's options, for a long read that
 * outlives the request which began it (an export streamed while it is
 * sent, on whichever thread sends it): never the thread's, so the
 * thread's other requests keep theirs. NULL (logged) on failure. Close
 * with db_close. Added (issue 14). */
struct db *db_open_reader(void);

/* The health check: whether db answers a trivial query and the store can
 * write. 0 or -1; NULL gives -1.
 *
 * Writes that fail with SQLITE_FULL or SQLITE_IOERR (a full disk) set a
 * store-wide flag that the next commit that changed something clears;
 * while it is set, db_ping() returns -1, and at most once per
 * DB_RECOVERY_INTERVAL_MS (core/limits.h) it tries a tiny write itself
 * (rewriting user_version), so the flag clears once space returns even when
 * no traffic comes. Meanwhile store/db_checkpoint's thread checkpoints the
 * WAL with TRUNCATE at the same pace (only a checkpoint gives the WAL's
 * space back) and, for the life of the process, from DB_WAL_PAGES_TIGHT
 * pages on instead of DB_WAL_PAGES. */
int db_ping(struct db *db) __attribute__((warn_unused_result));

/* Log that the last statement on db failed (event db_error, query=QUERY,
 * identical errors collapsed with a count) and note a full disk for
 * db_ping. query is a short name, not SQL text. */
void db_log_error(struct db *db, const char *query);

/* Whether writes are failing for want of space (the flag above). */
bool db_writes_failing(void);

/* Current time in unix seconds (one place to read the clock). */
int64_t db_now(void);

#endif
