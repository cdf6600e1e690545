/* archive.h -- old messages moved out of the database into monthly archive
 * files, and erasures carried into those files.
 *
 * An archive file is an SQLite database, DIR/messages-YYYY-MM.sqlite (the
 * month of created_at, UTC), mode 0600 in a folder made 0700. Staff open it
 * with DB Browser for SQLite or `sqlite3 -header -csv FILE 'SELECT * FROM
 * messages'`; a month of broadcasts outgrows any spreadsheet, which is why
 * it is not one CSV file. Its `messages` table holds one row per archived
 * message, keyed by the message's id, with times as UTC text; its `about`
 * table says what the file is.
 *
 * Numbers: archives keep full E.164 numbers and texts, as the database did
 * (they exist to answer "what did we send to whom"), protected like the
 * database (0600, daemon's user). A message of a member erased before it
 * was archived goes in with its text emptied and its number masked
 * (+2126*****12, core/msisdn) and redacted = 1. Messages of test numbers
 * (core/test_number) are deleted without being archived.
 *
 * Erasure: member_erase (store/members) queues a request in the same
 * transaction (table archive_erasures); archive_apply_erasures empties the
 * text and masks the number of every row of that member (by member id or
 * by phone) in every archive file, and only then forgets the request.
 *
 * Crash safety, without a transaction spanning two files: a batch is first
 * written to its archive file (INSERT OR REPLACE by id, committed with
 * synchronous = FULL), then deleted from the database in one short write
 * transaction, each row only if it is unchanged since it was read (status,
 * updated_at, length of the text). A crash between the two leaves the rows
 * in both; the next pass writes them again over themselves and deletes
 * them: nothing is lost and nothing is archived twice. A row changed in
 * between (a late delivery report, an erasure) stays in the database and
 * is archived again, as it now is, by a later batch.
 *
 * Every function runs on the calling thread's connection db and begins and
 * commits its own transactions: never call it inside one. */
#ifndef TAAWUN_STORE_ARCHIVE_H
#define TAAWUN_STORE_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>
#include "store/db.h"

/* An archive file's path: DIR/messages-YYYY-MM.sqlite */
#define ARCHIVE_PATH_MAX 600

struct archive_batch {
    size_t read;     /* settled messages older than the limit found */
    size_t archived; /* written to an archive file (test numbers are not) */
    size_t deleted;  /* deleted from the database */
    size_t changed;  /* changed since they were read: left for a later batch */
    double hold_ms;  /* the database's write transaction, begin to commit */
};

/* One batch: up to max settled messages (every status but queued, sending
 * and held) created before `before`, oldest first, archived under dir then
 * deleted. *out is filled (zeroes when nothing was old). Returns 0, or -1
 * (logged) when an archive file or the database failed: then nothing of
 * that archive file's rows was deleted. */
int archive_messages_batch(struct db *db, const char *dir, int64_t before, size_t max,
                           struct archive_batch *out) __attribute__((warn_unused_result));

/* Carry up to max queued erasure requests into every archive file of dir,
 * then forget them. *applied gets how many requests were done. Returns 0,
 * or -1 (logged; the requests stay queued and are tried again). */
int archive_apply_erasures(struct db *db, const char *dir, size_t max, size_t *applied)
    __attribute__((warn_unused_result));

/* The archive file of the month holding unix time t under dir, in out
 * (ARCHIVE_PATH_MAX bytes). Returns 0, or -1 when it does not fit. */
int archive_path(const char *dir, int64_t t, char *out, size_t size)
    __attribute__((warn_unused_result));

#endif
