/* db_version.h -- a version of the member data USSD steps keep from one
 * step of a session to the next (app/ussd): the members table, their
 * cooperatives and their grants, the tables member_find_by_phone and
 * grants_for_member read. It changes after every commit of this process
 * that wrote a row of those tables, so a step that finds it unchanged since
 * it read them knows a read now would find the same rows.
 *
 * Counted per connection: SQLite's update hook marks a connection that
 * wrote such a row, and its WAL hook, which SQLite calls once the commit
 * is done and visible to every reader, adds one to the version (then calls
 * db_checkpoint_wal_hook, the WAL hook store/db had set alone). A version
 * read before a read transaction begins is therefore never newer than the
 * rows that transaction sees.
 *
 * A write made by another process (the sqlite3 shell) is not counted:
 * every writer of these tables in the product is this daemon (the API, the
 * console, SMS commands, imports); the command-line subcommands write
 * tokens and staff accounts only. db_member_data_version() is 0 (never
 * equal to a kept version) when a connection could not be watched (out of
 * memory, or not in WAL mode), and in a process with a PostgreSQL
 * connection: another node's commits reach no hook of this one, so every
 * step reads afresh. */
#ifndef TAAWUN_STORE_DB_VERSION_H
#define TAAWUN_STORE_DB_VERSION_H

#include <stdint.h>

struct db;

/* Watch db's writes (store/db, where it opens a connection, after its
 * pragmas; sets its WAL hook); db_version_unwatch before it closes. */
void db_version_watch(struct db *db);
void db_version_unwatch(struct db *db);

/* The current version, or 0 when versions cannot be trusted. */
uint64_t db_member_data_version(void);

#endif
