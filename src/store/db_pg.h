/* db_pg.h -- the PostgreSQL engine behind struct db (libpq): internal to
 * store/. store/db opens and closes its connections, runs whole scripts and
 * makes statements here; the statement calls themselves are declared in
 * store/db_sql.h, beside SQLite's.
 *
 * A statement is the store's SQL text as SQLite takes it, its parameters
 * renumbered by store/pg_params ($N), prepared on the server once per
 * connection (at its first step, with the types of the values then bound:
 * an integer as bigint, a double as double precision, a blob as bytea,
 * text as text, NULL unknown) and run in libpq's single-row mode, so a long
 * read holds one row at a time. Statements may interleave as they do on
 * SQLite: when another statement needs the connection while one still has
 * rows to read, its rows are read ahead and kept for it.
 *
 * Errors are told in the layer's vocabulary (db_sql.h): PostgreSQL's
 * SQLSTATE mapped onto SQLite's extended codes (23505 a UNIQUE conflict,
 * 23514 CHECK, 23503 FOREIGN KEY, 23502 NOT NULL, P0001 a trigger's RAISE,
 * 40001/40P01 BUSY, 53100 FULL, a lost connection IOERR); the server's
 * message is kept for the log. A connection found broken is reset once
 * at the next statement; its prepared statements are then prepared again. */
#ifndef TAAWUN_STORE_DB_PG_H
#define TAAWUN_STORE_DB_PG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db_pg;
struct db_pg_stmt;

/* Connect with the libpq connection string conninfo: client encoding
 * UTF-8, and a lock not granted within lock_timeout_ms fails as BUSY, as
 * SQLite's busy_timeout does. NULL after one log line saying why (libpq's
 * message, which names no password). Free with db_pg_close. */
struct db_pg *db_pg_open(const char *conninfo, int lock_timeout_ms);
void db_pg_close(struct db_pg *pg);

/* Run sql, which may hold several statements (a migration, BEGIN...).
 * 0, or -1 with the error kept (db_pg_errcode, db_pg_errmsg). */
int db_pg_exec(struct db_pg *pg, const char *sql);

/* A statement for sql (SQLite's spelling of parameters), not yet sent to
 * the server. NULL when sql's parameters cannot be translated or out of
 * memory (the error kept). */
struct db_pg_stmt *db_pg_prepare(struct db_pg *pg, const char *sql);
/* Ready to bind and run again: its results read to the end (db_changes
 * then counts a change whose RETURNING row alone was read), its values
 * unbound. */
void db_pg_reset(struct db_pg_stmt *st);
/* Reset, forgotten on the server, freed. NULL is a no-op. */
void db_pg_finalize(struct db_pg_stmt *st);
/* The SQL as sent ($N). */
const char *db_pg_sql(const struct db_pg_stmt *st);

/* Rows changed by every INSERT, UPDATE and DELETE since the connection
 * opened (store/db: whether a commit wrote anything). */
int64_t db_pg_total_changes(struct db_pg *pg);

/* The same check as db_conninfo_check (store/db.h). */
int db_pg_conninfo_check(const char *conninfo, char *why, size_t cap);

/* The server's version as a number (150018 for 15.18), 0 if unknown. */
int db_pg_server_version(struct db_pg *pg);

/* For store/db_notify's listening connection (one that runs LISTEN and no
 * statements): the socket to poll for readability (-1 when the connection
 * is gone), and the notifications that arrived, read off the socket
 * without blocking: how many (each freed), or -1 when the connection is
 * broken (the error kept). */
int db_pg_socket(struct db_pg *pg);
int db_pg_notifications(struct db_pg *pg);

#endif
