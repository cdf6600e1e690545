/* backup.h -- copying the database while the daemon runs, and putting a
 * copy back in place while it does not.
 *
 * A backup reads one snapshot of the database (a read transaction held
 * through the whole copy: WAL lets the daemon's writers go on meanwhile)
 * with SQLite's online backup API, a few pages a step, into a temporary
 * file (0600) next to the destination; the copy is checked (PRAGMA
 * integrity_check) and only then renamed to its name, so a file with that
 * name is always a whole, checked backup. A restore refuses while the
 * database's lock file (the path plus ".lock", flock) is held by a daemon,
 * checks a private copy of the backup, keeps the current database (and a
 * WAL file a crash left) aside under a timestamped name, and renames the
 * copy in place (0600). Failures are logged. */
#ifndef TAAWUN_STORE_BACKUP_H
#define TAAWUN_STORE_BACKUP_H

#include <stddef.h>

/* Copy the database at db_path into dest (replaced if it exists). pages
 * receives the number of pages copied (may be NULL). Returns 0 or -1. */
int db_backup(const char *db_path, const char *dest, int busy_timeout_ms, int *pages)
    __attribute__((warn_unused_result));

/* Take the database's lock (db_path + ".lock", the daemon's own) without
 * waiting. Returns a descriptor to keep open while the lock is needed, -2
 * when another process holds it (a daemon serves the database), -1 on
 * another error. */
int db_backup_lock(const char *db_path) __attribute__((warn_unused_result));

/* Put the backup at src in place of the database at db_path; the caller
 * holds db_backup_lock. src is first copied next to db_path (0600) and
 * the copy checked: integrity_check answers "ok" and its schema version is
 * one this build knows (not newer than db_schema_version()). The current database, if any, is
 * renamed to db_path + "." + stamp (with its -wal and -shm files), and that name is copied into
 * aside ("" when there was none). Returns 0 or -1 (nothing changed, except after a failed final
 * rename, logged with both names). */
int db_restore(const char *src, const char *db_path, const char *stamp, char *aside, size_t asidesz)
    __attribute__((warn_unused_result));

#endif
