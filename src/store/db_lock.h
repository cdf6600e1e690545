/* db_lock.h -- one daemon per database. */
#ifndef TAAWUN_STORE_DB_LOCK_H
#define TAAWUN_STORE_DB_LOCK_H

/* One daemon per database: take an exclusive flock(2) on "PATH.lock"
 * (created 0600 beside the database; it holds the holder's pid) and keep it
 * for the life of the process (the kernel releases it at exit, however the
 * process ends). SQLite's own locks are untouched, so the command-line
 * subcommands and `sqlite3 .backup` still work next to the daemon. Returns
 * 0, or -1 (logged, naming the pid that holds it) when another process
 * holds the lock or the file cannot be opened. */
int db_lock_exclusive(const char *path) __attribute__((warn_unused_result));

#endif
