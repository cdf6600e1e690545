/* db_group.c -- group commit by one committer thread (see db_group.h): a
 * queue of jobs under one mutex, the thread that runs them in batches, one
 * write transaction and one commit per batch. */
#include "store/db_group.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "store/db.h"
#include "store/db_sql.h"
#include "sys/log.h"
#include "sys/metrics.h"

struct group_job {
    db_job_fn fn;
    db_job_done_fn done; /* NULL: a caller waits in db_group_write */
    void *arg;
    int rc;
    bool finished; /* db_group_write's job: set under group_lock, then it may vanish */
    struct group_job *next;
};

static pthread_mutex_t group_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t group_work = PTHREAD_COND_INITIALIZER; /* the committer waits for jobs */
static pthread_cond_t group_done = PTHREAD_COND_INITIALIZER; /* writers wait for theirs */
static struct group_job *group_head, **group_tail = &group_head;
static pthread_t committer;
static bool committer_running, committer_stopping;

/* Whether a job queued now is run by the committer. Under group_lock. */
static bool queue_open(void)
{
    return committer_running && !committer_stopping;
}

/* One of the fixed statements of a batch (savepoints), from the statement
 * cache. Returns 0, or -1 (logged). */
static int run_fixed(struct db *db, const char *sql)
{
    struct db_stmt *st = db_stmt(db, sql);
    int rc = st ? db_step(st) : DB_FAILED;
    if (rc != DB_DONE && st)
        db_log_error(db, "group_savepoint");
    db_stmt_done(st);
    return rc == DB_DONE ? 0 : -1;
}

/* Run a batch of jobs in the transaction begun for it (begun false: it
 * could not begin, every job fails), each in its own savepoint, and commit;
 * every job gets its result. An error that ends the whole transaction (a
 * full disk, say) fails every job of the batch: none of them is kept. */
static void group_run(struct db *db, bool begun, struct group_job *batch)
{
    bool open = begun;
    uint64_t n = 0;
    for (struct group_job *j = batch; j; j = j->next) {
        j->rc = -1;
        n++;
        if (!open || run_fixed(db, "SAVEPOINT group_job") != 0)
            continue;
        j->rc = j->fn(db, j->arg);
        if (j->rc != 0)
            run_fixed(db, "ROLLBACK TO group_job");
        run_fixed(db, "RELEASE group_job");
        open = db_in_transaction(db);
    }
    if (!begun)
        return;
    if (!open)
        db_rollback(db); /* gives the write turn back */
    if (!open || db_commit(db) != 0) {
        for (struct group_job *j = batch; j; j = j->next)
            j->rc = -1;
        return;
    }
    metrics_inc(METRICS_DB_GROUP_COMMITS, NULL);
    metrics_add(METRICS_DB_GROUP_JOBS, NULL, n);
}

/* Tell every job of a run batch its result: the waiting writers first (one
 * broadcast), then the done functions, outside the lock. */
static void group_tell(struct group_job *batch)
{
    struct group_job *async = NULL, **async_tail = &async;
    bool waiters = false;
    pthread_mutex_lock(&group_lock);
    for (struct group_job *j = batch, *next; j; j = next) {
        next = j->next; /* a waiter's job may vanish once finished is set */
        if (j->done) {
            j->next = NULL;
            *async_tail = j;
            async_tail = &j->next;
        } else {
            j->finished = true;
            waiters = true;
        }
    }
    if (waiters)
        pthread_cond_broadcast(&group_done);
    pthread_mutex_unlock(&group_lock);
    for (struct group_job *j = async, *next; j; j = next) {
        next = j->next;
        j->done(j->arg, j->rc);
        free(j);
    }
}

/* No committer: the job as a transaction of its own, on this thread. */
static void run_alone(struct group_job *j)
{
    struct db *db = db_thread();
    bool begun = db && db_begin(db) == 0;
    j->next = NULL;
    group_run(db, begun, j);
}

static void *committer_main(void *unused)
{
    (void)unused;
    struct db *db = db_thread(); /* NULL (logged): every batch fails */
    pthread_mutex_lock(&group_lock);
    for (;;) {
        while (!group_head && !committer_stopping)
            pthread_cond_wait(&group_work, &group_lock);
        if (!group_head)
            break; /* stopping, and every queued job is done */
        /* First the write turn (another writer may hold it), then every job
         * queued by then, those that arrived meanwhile included. */
        pthread_mutex_unlock(&group_lock);
        bool begun = db && db_begin(db) == 0;
        pthread_mutex_lock(&group_lock);
        struct group_job *batch = group_head;
        group_head = NULL;
        group_tail = &group_head;
        pthread_mutex_unlock(&group_lock);
        group_run(db, begun, batch);
        group_tell(batch);
        pthread_mutex_lock(&group_lock);
    }
    pthread_mutex_unlock(&group_lock);
    return NULL;
}

int db_group_start(void)
{
    pthread_mutex_lock(&group_lock);
    int rc = 0;
    if (!committer_running) {
        rc = pthread_create(&committer, NULL, committer_main, NULL);
        committer_running = rc == 0;
        committer_stopping = false;
    }
    pthread_mutex_unlock(&group_lock);
    if (rc != 0) {
        log_error("group_commit_failed", "detail=\"cannot start the committer thread\" error=%d",
                  rc);
        return -1;
    }
    return 0;
}

void db_group_stop(void)
{
    pthread_mutex_lock(&group_lock);
    bool stop = queue_open();
    committer_stopping = true;
    pthread_cond_signal(&group_work);
    pthread_mutex_unlock(&group_lock);
    if (!stop)
        return;
    pthread_join(committer, NULL);
    pthread_mutex_lock(&group_lock);
    committer_running = false;
    committer_stopping = false;
    pthread_mutex_unlock(&group_lock);
}

/* Queue j for the committer; false (j not taken) when there is none. */
static bool enqueue(struct group_job *j)
{
    if (!queue_open())
        return false;
    *group_tail = j;
    group_tail = &j->next;
    pthread_cond_signal(&group_work);
    return true;
}

void db_group_submit(db_job_fn fn, db_job_done_fn done, void *arg)
{
    struct group_job *j = malloc(sizeof *j);
    if (!j) {
        done(arg, -1);
        return;
    }
    *j = (struct group_job){.fn = fn, .done = done, .arg = arg, .rc = -1};
    db_read_end(); /* the calling thread's reads after the write see it */
    pthread_mutex_lock(&group_lock);
    bool queued = enqueue(j);
    pthread_mutex_unlock(&group_lock);
    if (queued)
        return;
    run_alone(j);
    done(arg, j->rc);
    free(j);
}

int db_group_write(db_job_fn fn, void *arg)
{
    struct group_job job = {.fn = fn, .arg = arg, .rc = -1};
    db_read_end(); /* the reads after the write see it */
    pthread_mutex_lock(&group_lock);
    if (!enqueue(&job)) {
        pthread_mutex_unlock(&group_lock);
        run_alone(&job);
        return job.rc;
    }
    while (!job.finished)
        pthread_cond_wait(&group_done, &group_lock);
    pthread_mutex_unlock(&group_lock);
    return job.rc;
}
