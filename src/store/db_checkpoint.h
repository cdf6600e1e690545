/* db_checkpoint.h -- the WAL checkpointer: a thread with a connection of
 * its own that copies the WAL into the database, so no writer ever runs a
 * checkpoint inside its write turn (issue 14: the commit that also
 * checkpointed 1,000 pages held the write turn up to 280 ms while a
 * broadcast to a million members expanded).
 *
 * Every connection's sqlite3_wal_hook is db_checkpoint_wal_hook (store/db
 * sets it where it opens one): after each commit it notes the WAL's size
 * and, once the WAL holds DB_WAL_PAGES pages or more (DB_WAL_PAGES_TIGHT
 * once the disk was found full), wakes the thread; nothing else. SQLite's
 * own automatic checkpoint (on the committing connection) is replaced by
 * the hook, so without a running checkpointer (the command-line
 * subcommands, most unit tests) nothing checkpoints until the last
 * connection closes, as SQLite does then.
 *
 * The thread (core/limits.h, DB_WAL_*):
 *   - PASSIVE: copies what it can without waiting for any writer or
 *     reader and without the process's write turn;
 *   - then, when nothing was left to copy and no commit came meanwhile,
 *     RESTART without waiting (a writer or a reader in the way makes it
 *     give up at once): the next commit writes from the WAL's start;
 *   - once a commit leaves the WAL at DB_WAL_CAP_TIMES times the threshold
 *     (the writers outpaced it, or readers kept it from restarting), that
 *     writer waits, still in its write turn, up to DB_WAL_CAP_WAIT_MS while
 *     the thread RESTARTs waiting as long for the readers in the way: with
 *     no writer able to begin, the restart succeeds unless a read
 *     transaction older than the WAL's start is open. So the WAL file stays
 *     within about the cap's pages plus what is committed once that wait
 *     ran out before the thread got its turn (a loaded machine), plus what
 *     is written while such an old reader stays (SQLite cannot overwrite
 *     frames a reader may need; a failed RESTART is not asked again within
 *     DB_WAL_CAP_INTERVAL_MS, so writers do not wait at each commit);
 *   - after DB_WAL_IDLE_MS without a commit, TRUNCATE without waiting:
 *     the WAL file goes back to nothing;
 *   - while writes fail for want of space (store/db_health), TRUNCATE at
 *     most once per DB_RECOVERY_INTERVAL_MS, waiting up to
 *     DB_WAL_CAP_WAIT_MS: the WAL's space back (event db_checkpoint).
 * Counted in taawun_db_checkpoints_total{mode,result} and
 * taawun_db_checkpoint_seconds{mode}; the WAL's size is read by
 * db_checkpoint_wal for /metrics. */
#ifndef TAAWUN_STORE_DB_CHECKPOINT_H
#define TAAWUN_STORE_DB_CHECKPOINT_H

#include <stdbool.h>
#include <stdint.h>

/* Start the checkpointer on the database at path (already opened and in WAL
 * mode by store/db). Returns 0, or -1 (logged). One per process; a second
 * start while it runs returns 0 and changes nothing. */
int db_checkpointer_start(const char *path) __attribute__((warn_unused_result));

/* Stop it: wake the thread, let it finish its checkpoint, join it, a last
 * TRUNCATE without waiting (the WAL emptied when no one is in the way; not
 * when the WAL is past its cap, so a stop never copies much) and close its
 * connection. A no-op when it does not run. */
void db_checkpointer_stop(void);

/* From store/db_health: a write failed for want of space (the threshold
 * becomes DB_WAL_PAGES_TIGHT for the life of the process, and the
 * recovery TRUNCATE starts), or the writes succeed again (it stops). */
void db_checkpoint_disk_full(void);
void db_checkpoint_disk_ok(void);

/* The WAL as last seen: its pages after the last commit or checkpoint, and
 * the WAL file's size on disk now (0 when absent; -1 when no checkpointer
 * runs, so the path is unknown). */
struct db_wal_size {
    int64_t pages;
    int64_t bytes;
};
void db_checkpoint_wal(struct db_wal_size *out);

#endif
