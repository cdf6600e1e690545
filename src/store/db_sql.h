/* db_sql.h -- the statements of a struct db: internal to store/.
 *
 * The store's modules run their SQL through these and nothing else: a
 * statement from the per-thread cache, parameters bound by position
 * (?1, ?2...) or by name (":phone", through store/store_util), a step that
 * says "a row" or "done", columns read by index, and what the last
 * statement changed (an INSERT's new id comes back through "RETURNING id",
 * store/store_util's store_insert). That is the whole contract a store engine fulfils;
 * the modules never see which engine holds the data.
 *
 * Today's engine is SQLite, and these are thin inline wrappers over its
 * API. The engine's own files (store/db, db_checkpoint, db_health,
 * db_version, backup, archive: opening, pragmas, the WAL, SQLite files)
 * reach the handle inside struct db directly; contrib/check-layers.sh
 * refuses a sqlite3_ call in any other store/ file. Nothing above store/
 * includes this header (check-layers refuses it too). */
#ifndef TAAWUN_STORE_DB_SQL_H
#define TAAWUN_STORE_DB_SQL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

/* One connection: made by db_open(), freed by db_close(). */
struct db {
    sqlite3 *sq;
};

/* A prepared statement of a connection. */
struct db_stmt;

/* What db_step() returns besides an engine error code; DB_FAILED, a code
 * no step returns, stands for a module's own failure (out of memory, say)
 * on paths that pass a step's code along. */
enum { DB_ROW = SQLITE_ROW, DB_DONE = SQLITE_DONE, DB_FAILED = -1 };

/* The kinds of a column's value (db_col_type). */
enum db_type { DB_NULL, DB_INTEGER, DB_FLOAT, DB_TEXT, DB_BLOB };

/* A prepared statement for sql on db, from the calling thread's cache when
 * db is that thread's connection (statements are prepared once per thread
 * and reused), freshly prepared otherwise. Ready for binding. Returns NULL
 * (logged) on error. Always give it back with db_stmt_done(). */
struct db_stmt *db_stmt(struct db *db, const char *sql);

/* Give a statement from db_stmt() back: reset and unbound if cached,
 * finalized otherwise. NULL is a no-op. */
void db_stmt_done(struct db_stmt *st);

/* The sqlite3_wal_hook of every connection (store/db_checkpoint; arg
 * unused): notes the WAL's size (pages) and wakes the checkpointer past
 * the threshold. Runs on the committing thread: atomics, and a signal now
 * and then. */
int db_checkpoint_wal_hook(void *arg, sqlite3 *db, const char *name, int pages);

/* ---- the SQLite engine's statements ---- */

static inline sqlite3_stmt *db_sq_stmt(struct db_stmt *st)
{
    return (sqlite3_stmt *)(void *)st;
}

/* Run st one step: DB_ROW (a row to read), DB_DONE, or an error code
 * (db_failed_unique() and friends tell which). */
static inline int db_step(struct db_stmt *st)
{
    return sqlite3_step(db_sq_stmt(st));
}

/* Parameters are numbered from 1. Text and blobs are bound without a copy:
 * they must stay valid until the statement is given back (db_bind_text_copy
 * copies). A NULL text binds SQL NULL. */
static inline void db_bind_i64(struct db_stmt *st, int i, int64_t v)
{
    sqlite3_bind_int64(db_sq_stmt(st), i, (sqlite3_int64)v);
}

static inline void db_bind_double(struct db_stmt *st, int i, double v)
{
    sqlite3_bind_double(db_sq_stmt(st), i, v);
}

static inline void db_bind_text(struct db_stmt *st, int i, const char *s)
{
    sqlite3_bind_text(db_sq_stmt(st), i, s, -1, SQLITE_STATIC);
}

/* The first len bytes of s. */
static inline void db_bind_text_n(struct db_stmt *st, int i, const char *s, size_t len)
{
    sqlite3_bind_text(db_sq_stmt(st), i, s, (int)len, SQLITE_STATIC);
}

static inline void db_bind_text_copy(struct db_stmt *st, int i, const char *s)
{
    sqlite3_bind_text(db_sq_stmt(st), i, s, -1, SQLITE_TRANSIENT);
}

static inline void db_bind_blob(struct db_stmt *st, int i, const void *p, size_t len)
{
    sqlite3_bind_blob(db_sq_stmt(st), i, p, (int)len, SQLITE_STATIC);
}

static inline void db_bind_null(struct db_stmt *st, int i)
{
    sqlite3_bind_null(db_sq_stmt(st), i);
}

/* How many parameters st has, and the number of the one called name
 * (":phone"), 0 when it has none of that name. */
static inline int db_param_count(struct db_stmt *st)
{
    return sqlite3_bind_parameter_count(db_sq_stmt(st));
}

static inline int db_param_index(struct db_stmt *st, const char *name)
{
    return sqlite3_bind_parameter_index(db_sq_stmt(st), name);
}

/* Columns of the current row are numbered from 0. A NULL reads as 0, 0.0,
 * NULL text (db_col_text) or an empty blob. */
static inline int64_t db_col_i64(struct db_stmt *st, int c)
{
    return (int64_t)sqlite3_column_int64(db_sq_stmt(st), c);
}

static inline int db_col_int(struct db_stmt *st, int c)
{
    return sqlite3_column_int(db_sq_stmt(st), c);
}

static inline double db_col_double(struct db_stmt *st, int c)
{
    return sqlite3_column_double(db_sq_stmt(st), c);
}

/* Valid until the next step, or until the statement is given back. */
static inline const char *db_col_text(struct db_stmt *st, int c)
{
    return (const char *)sqlite3_column_text(db_sq_stmt(st), c);
}

static inline const void *db_col_blob(struct db_stmt *st, int c)
{
    return sqlite3_column_blob(db_sq_stmt(st), c);
}

/* Bytes of the column's text or blob (read it first). */
static inline size_t db_col_bytes(struct db_stmt *st, int c)
{
    return (size_t)sqlite3_column_bytes(db_sq_stmt(st), c);
}

static inline enum db_type db_col_type(struct db_stmt *st, int c)
{
    switch (sqlite3_column_type(db_sq_stmt(st), c)) {
    case SQLITE_INTEGER:
        return DB_INTEGER;
    case SQLITE_FLOAT:
        return DB_FLOAT;
    case SQLITE_TEXT:
        return DB_TEXT;
    case SQLITE_BLOB:
        return DB_BLOB;
    default:
        return DB_NULL;
    }
}

static inline int db_col_count(struct db_stmt *st)
{
    return sqlite3_column_count(db_sq_stmt(st));
}

static inline const char *db_col_name(struct db_stmt *st, int c)
{
    return sqlite3_column_name(db_sq_stmt(st), c);
}

/* ---- the connection, after a statement ---- */

/* Rows the last INSERT, UPDATE or DELETE on db changed. */
static inline int64_t db_changes(struct db *db)
{
    return (int64_t)sqlite3_changes64(db->sq);
}

/* Whether db is inside a transaction. */
static inline bool db_in_transaction(struct db *db)
{
    return !sqlite3_get_autocommit(db->sq);
}

/* What a failed step's code (db_step) says: a UNIQUE or PRIMARY KEY
 * conflict; a CHECK, FOREIGN KEY or NOT NULL constraint refused the row;
 * any constraint at all (those, and a trigger's refusal). */
static inline bool db_failed_unique(int rc)
{
    return rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY;
}

static inline bool db_failed_invalid(int rc)
{
    return rc == SQLITE_CONSTRAINT_CHECK || rc == SQLITE_CONSTRAINT_FOREIGNKEY ||
           rc == SQLITE_CONSTRAINT_NOTNULL;
}

static inline bool db_failed_constraint(int rc)
{
    return (rc & 0xff) == SQLITE_CONSTRAINT;
}

/* This connection's commits no longer wait for the disk (SQLite:
 * synchronous=NORMAL): only for work that is redone when a crash loses it
 * (a broadcast's expansion). 0, or -1 (not logged). */
int db_commits_unsynced(struct db *db);

#endif
