/* db_sql.h -- the statements of a struct db: internal to store/.
 *
 * The store's modules run their SQL through these and nothing else: a
 * statement from the connection's cache, parameters bound by position
 * (?1, ?2...) or by name (":phone", through store/store_util), a step that
 * says "a row" or "done", columns read by index, and what the last
 * statement changed (an INSERT's new id comes back through "RETURNING id",
 * store/store_util's store_insert). That is the whole contract a store engine fulfils;
 * the modules never see which engine holds the data.
 *
 * Two engines fulfil it: SQLite (the default), whose calls these inline
 * wrappers make directly, and PostgreSQL (store/db_pg, through libpq),
 * which takes the same SQL text with its parameters renumbered
 * (store/pg_params). The engines' own files (store/db, db_pg,
 * db_checkpoint, db_health, db_version, backup, archive: opening, pragmas,
 * the WAL, SQLite files) reach the handles inside struct db directly;
 * contrib/check-layers.sh refuses a sqlite3_ call in any other store/
 * file. Nothing above store/ includes this header (check-layers refuses
 * it too). */
#ifndef TAAWUN_STORE_DB_SQL_H
#define TAAWUN_STORE_DB_SQL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sqlite3.h>

/* The engines behind a connection. */
struct db_pg;      /* PostgreSQL (store/db_pg) */
struct db_pg_stmt; /* a statement of it */

struct db_stmt_cache; /* a connection's prepared statements (store/db_stmt) */

/* One connection: made by db_open(), freed by db_close(). Exactly one of
 * the engines' handles is set. */
struct db {
    sqlite3 *sq;
    struct db_pg *pg;
    struct db_stmt_cache *cache; /* made at its first statement */
};

/* A prepared statement of a connection: the engine's own, and whether its
 * connection's cache keeps it (and it is handed out now). */
struct db_stmt {
    sqlite3_stmt *sq;
    struct db_pg_stmt *pg;
    bool kept;
    bool busy;
};

/* What db_step() returns: DB_ROW, DB_DONE or an error code, SQLite's
 * extended result codes being the layer's vocabulary (store/db_pg maps
 * PostgreSQL's SQLSTATEs onto them: a UNIQUE conflict is
 * SQLITE_CONSTRAINT_UNIQUE on both). DB_FAILED, a code no step returns,
 * stands for a module's own failure (out of memory, say) on paths that
 * pass a step's code along. */
enum { DB_ROW = SQLITE_ROW, DB_DONE = SQLITE_DONE, DB_FAILED = -1 };

/* The kinds of a column's value (db_col_type). */
enum db_type { DB_NULL, DB_INTEGER, DB_FLOAT, DB_TEXT, DB_BLOB };

/* A prepared statement for sql on db, from db's cache (store/db_stmt:
 * prepared once per connection and reused). Ready for binding. Returns
 * NULL (logged) on error. Always give it back with db_stmt_done(). */
struct db_stmt *db_stmt(struct db *db, const char *sql);

/* Give a statement from db_stmt() back: reset and unbound if cached,
 * finalized otherwise. NULL is a no-op. */
void db_stmt_done(struct db_stmt *st);

/* The sqlite3_wal_hook of every connection (store/db_checkpoint; arg
 * unused): notes the WAL's size (pages) and wakes the checkpointer past
 * the threshold. Runs on the committing thread: atomics, and a signal now
 * and then. */
int db_checkpoint_wal_hook(void *arg, sqlite3 *db, const char *name, int pages);

/* ---- the PostgreSQL engine's side of each call (store/db_pg.c) ---- */

int db_pg_step(struct db_pg_stmt *st);
void db_pg_bind_i64(struct db_pg_stmt *st, int i, int64_t v);
void db_pg_bind_double(struct db_pg_stmt *st, int i, double v);
void db_pg_bind_text(struct db_pg_stmt *st, int i, const char *s, size_t len, bool copy);
void db_pg_bind_blob(struct db_pg_stmt *st, int i, const void *p, size_t len);
void db_pg_bind_null(struct db_pg_stmt *st, int i);
int db_pg_param_count(struct db_pg_stmt *st);
int db_pg_param_index(struct db_pg_stmt *st, const char *name);
int64_t db_pg_col_i64(struct db_pg_stmt *st, int c);
double db_pg_col_double(struct db_pg_stmt *st, int c);
const char *db_pg_col_text(struct db_pg_stmt *st, int c);
const void *db_pg_col_blob(struct db_pg_stmt *st, int c);
size_t db_pg_col_bytes(struct db_pg_stmt *st, int c);
enum db_type db_pg_col_type(struct db_pg_stmt *st, int c);
int db_pg_col_count(struct db_pg_stmt *st);
const char *db_pg_col_name(struct db_pg_stmt *st, int c);
int64_t db_pg_changes(struct db_pg *pg);
bool db_pg_in_transaction(struct db_pg *pg);
int db_pg_errcode(struct db_pg *pg);
const char *db_pg_errmsg(struct db_pg *pg);

/* ---- the statements, on either engine ----
 * SQLite's calls are inline (a USSD step runs dozens): one test of which
 * engine, then SQLite's own function. */

/* Run st one step: DB_ROW (a row to read), DB_DONE, or an error code
 * (db_failed_unique() and friends tell which). */
static inline int db_step(struct db_stmt *st)
{
    return st->sq ? sqlite3_step(st->sq) : db_pg_step(st->pg);
}

/* Parameters are numbered from 1. Text and blobs are bound without a copy:
 * they must stay valid until the statement is given back (db_bind_text_copy
 * copies). A NULL text binds SQL NULL. */
static inline void db_bind_i64(struct db_stmt *st, int i, int64_t v)
{
    if (st->sq)
        sqlite3_bind_int64(st->sq, i, (sqlite3_int64)v);
    else
        db_pg_bind_i64(st->pg, i, v);
}

static inline void db_bind_double(struct db_stmt *st, int i, double v)
{
    if (st->sq)
        sqlite3_bind_double(st->sq, i, v);
    else
        db_pg_bind_double(st->pg, i, v);
}

static inline void db_bind_text(struct db_stmt *st, int i, const char *s)
{
    if (st->sq)
        sqlite3_bind_text(st->sq, i, s, -1, SQLITE_STATIC);
    else if (s)
        db_pg_bind_text(st->pg, i, s, strlen(s), false);
    else
        db_pg_bind_null(st->pg, i);
}

/* The first len bytes of s. */
static inline void db_bind_text_n(struct db_stmt *st, int i, const char *s, size_t len)
{
    if (st->sq)
        sqlite3_bind_text(st->sq, i, s, (int)len, SQLITE_STATIC);
    else if (s)
        db_pg_bind_text(st->pg, i, s, len, false);
    else
        db_pg_bind_null(st->pg, i);
}

static inline void db_bind_text_copy(struct db_stmt *st, int i, const char *s)
{
    if (st->sq)
        sqlite3_bind_text(st->sq, i, s, -1, SQLITE_TRANSIENT);
    else if (s)
        db_pg_bind_text(st->pg, i, s, strlen(s), true);
    else
        db_pg_bind_null(st->pg, i);
}

static inline void db_bind_blob(struct db_stmt *st, int i, const void *p, size_t len)
{
    if (st->sq)
        sqlite3_bind_blob(st->sq, i, p, (int)len, SQLITE_STATIC);
    else
        db_pg_bind_blob(st->pg, i, p, len);
}

static inline void db_bind_null(struct db_stmt *st, int i)
{
    if (st->sq)
        sqlite3_bind_null(st->sq, i);
    else
        db_pg_bind_null(st->pg, i);
}

/* How many parameters st has, and the number of the one called name
 * (":phone"), 0 when it has none of that name. */
static inline int db_param_count(struct db_stmt *st)
{
    return st->sq ? sqlite3_bind_parameter_count(st->sq) : db_pg_param_count(st->pg);
}

static inline int db_param_index(struct db_stmt *st, const char *name)
{
    return st->sq ? sqlite3_bind_parameter_index(st->sq, name) : db_pg_param_index(st->pg, name);
}

/* Columns of the current row are numbered from 0. A NULL reads as 0, 0.0,
 * NULL text (db_col_text) or an empty blob. */
static inline int64_t db_col_i64(struct db_stmt *st, int c)
{
    return st->sq ? (int64_t)sqlite3_column_int64(st->sq, c) : db_pg_col_i64(st->pg, c);
}

static inline int db_col_int(struct db_stmt *st, int c)
{
    return st->sq ? sqlite3_column_int(st->sq, c) : (int)db_pg_col_i64(st->pg, c);
}

static inline double db_col_double(struct db_stmt *st, int c)
{
    return st->sq ? sqlite3_column_double(st->sq, c) : db_pg_col_double(st->pg, c);
}

/* Valid until the next step, or until the statement is given back. */
static inline const char *db_col_text(struct db_stmt *st, int c)
{
    return st->sq ? (const char *)sqlite3_column_text(st->sq, c) : db_pg_col_text(st->pg, c);
}

static inline const void *db_col_blob(struct db_stmt *st, int c)
{
    return st->sq ? sqlite3_column_blob(st->sq, c) : db_pg_col_blob(st->pg, c);
}

/* Bytes of the column's text or blob (read it first). */
static inline size_t db_col_bytes(struct db_stmt *st, int c)
{
    return st->sq ? (size_t)sqlite3_column_bytes(st->sq, c) : db_pg_col_bytes(st->pg, c);
}

static inline enum db_type db_col_type(struct db_stmt *st, int c)
{
    if (!st->sq)
        return db_pg_col_type(st->pg, c);
    switch (sqlite3_column_type(st->sq, c)) {
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
    return st->sq ? sqlite3_column_count(st->sq) : db_pg_col_count(st->pg);
}

static inline const char *db_col_name(struct db_stmt *st, int c)
{
    return st->sq ? sqlite3_column_name(st->sq, c) : db_pg_col_name(st->pg, c);
}

/* ---- the connection ---- */

/* Whether db runs on PostgreSQL: for the few statements a module must
 * spell per engine (kept inside that module, side by side). Portable SQL
 * first: both engines take COALESCE, CASE, CAST(x AS BIGINT), RETURNING,
 * ON CONFLICT (target) DO UPDATE, a named subquery. */
static inline bool db_is_postgresql(const struct db *db)
{
    return db->pg != NULL;
}

/* Rows the last INSERT, UPDATE or DELETE on db changed. */
static inline int64_t db_changes(struct db *db)
{
    return db->sq ? (int64_t)sqlite3_changes64(db->sq) : db_pg_changes(db->pg);
}

/* Whether db is inside a transaction. */
static inline bool db_in_transaction(struct db *db)
{
    return db->sq ? !sqlite3_get_autocommit(db->sq) : db_pg_in_transaction(db->pg);
}

/* The last error on db: its code (as db_step returns them) and text. */
static inline int db_errcode(struct db *db)
{
    return db->sq ? sqlite3_extended_errcode(db->sq) : db_pg_errcode(db->pg);
}

static inline const char *db_errmsg(struct db *db)
{
    return db->sq ? sqlite3_errmsg(db->sq) : db_pg_errmsg(db->pg);
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
 * synchronous=NORMAL; PostgreSQL: synchronous_commit=off): only for work
 * that is redone when a crash loses it (a broadcast's expansion). 0, or -1
 * (not logged). */
int db_commits_unsynced(struct db *db);

#endif
