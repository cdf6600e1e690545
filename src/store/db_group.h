/* db_group.h -- group commit: the writes many threads ask for at the same
 * moment committed together, one transaction and one fsync for all, by one
 * committer thread (issue 14).
 *
 * A job is a function run inside the group's write transaction, in a
 * savepoint of its own (a failing job rolls back alone), on the committer's
 * thread and connection. Its caller either waits for it (db_group_write) or
 * is told once it is on disk (db_group_submit): then no thread waits, so an
 * HTTP connection can be parked meanwhile (http/later.h) and the SMS of
 * every connection share a commit, not only those of the HTTP pool's
 * threads.
 *
 * The committer loops: wait for a job; take the write turn (store/db's
 * db_begin: jobs keep arriving meanwhile); take every job queued by then;
 * run them; commit once; tell each job's caller its result; again. No timed
 * wait: a commit starts as soon as the writer is free. Counted in
 * taawun_db_group_commits_total and taawun_db_group_commit_jobs_total.
 *
 * Without the committer (before db_group_start, after db_group_stop, in the
 * tools and in unit tests that never start it) each job is a transaction of
 * its own on the calling thread, done before the call returns. */
#ifndef TAAWUN_STORE_DB_GROUP_H
#define TAAWUN_STORE_DB_GROUP_H

#include "store/db.h"

/* A job: 0, or -1 when it failed (what it wrote is rolled back). It must not
 * begin or commit transactions, and must use the db it is given. */
typedef int (*db_job_fn)(struct db *db, void *arg);

/* A job's end: rc is the job's result once the commit is on disk, or -1
 * when the job or the commit failed (nothing of the job kept). */
typedef void (*db_job_done_fn)(void *arg, int rc);

/* Start the committer thread (the pool, db_pool_init, set up first).
 * Returns 0, or -1 (logged): jobs then run on their callers' threads. */
int db_group_start(void) __attribute__((warn_unused_result));

/* Stop it: the jobs already queued are still run and committed, and their
 * callers told; later jobs run on their callers' threads. No-op when not
 * started. */
void db_group_stop(void);

/* Queue fn(db, arg); done(arg, rc) is called exactly once, after the commit
 * (or its failure), on the committer's thread, or on the calling thread
 * before this returns when there is no committer (or no memory: rc -1).
 * done must not wait for another job. */
void db_group_submit(db_job_fn fn, db_job_done_fn done, void *arg);

/* Queue fn(db, arg) and wait: returns fn's result once the commit is on
 * disk, or -1 when it failed. Never call it from a job or a done function
 * (the committer would wait for itself), nor while holding the write turn. */
int db_group_write(db_job_fn fn, void *arg) __attribute__((warn_unused_result));

#endif
