/* test_group_commit.c -- store/db_group's group commit: writes that arrive
 * while another writer holds the write turn are committed together, in one
 * transaction, as soon as the turn is free; a failing job rolls back alone;
 * a submitted job's caller is told only once the commit is on disk, and
 * how many jobs share a commit does not depend on how many threads wait
 * (none does); without the committer a job is its own transaction on the
 * calling thread. On a database file in a temporary directory (threads
 * each open their own connection). */
#include <pthread.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "store/db_sql.h"
#include "store/db.h"
#include "store/db_group.h"
#include "sys/metrics.h"

#define WRITERS 3

static char dir[] = "/tmp/taawun-group-XXXXXX";
static struct db_options opt = {.synchronous_full = true, .busy_timeout_ms = 5000};

struct writer {
    pthread_t thread;
    _Atomic long tid;
    int value;
    int rc;
};

static int insert_job(struct db *db, void *arg)
{
    const struct writer *w = arg;
    char sql[64];
    snprintf(sql, sizeof sql, "INSERT INTO t (v) VALUES (%d)", w->value);
    if (sqlite3_exec(db->sq, sql, NULL, NULL, NULL) != SQLITE_OK)
        return -1;
    return w->value < 0 ? -1 : 0; /* a negative value: the job fails after writing */
}

static void *writer_main(void *arg)
{
    struct writer *w = arg;
    w->tid = (long)syscall(SYS_gettid);
    w->rc = db_group_write(insert_job, w);
    return NULL;
}

static void take(const struct metrics_sample *s, void *ctx)
{
    *(uint64_t *)ctx = s->count;
}

static uint64_t counter(enum metrics_id id)
{
    uint64_t n = 0;
    metrics_each(id, take, &n);
    return n;
}

/* Whether thread tid of this process sleeps (state S in its stat file). */
static bool sleeping(long tid)
{
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/self/task/%ld/stat", tid);
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *close_paren = strrchr(buf, ')');
    return close_paren && close_paren[1] == ' ' && close_paren[2] == 'S';
}

/* Wait (bounded) until every writer sleeps in db_group_write, twice in a
 * row 20 ms apart (a thread blocked for an instant on the queue's mutex
 * before queueing is caught by the second look). */
static void wait_all_sleeping(struct writer *w, size_t n)
{
    int in_a_row = 0;
    for (int tries = 0; tries < 500 && in_a_row < 2; tries++) {
        bool all = true;
        for (size_t i = 0; i < n; i++)
            all = all && w[i].tid && sleeping(w[i].tid);
        in_a_row = all ? in_a_row + 1 : 0;
        nanosleep(&(struct timespec){.tv_nsec = 20 * 1000 * 1000}, NULL);
    }
    assert_int_equal(in_a_row, 2);
}

static int count_rows(struct db *db)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db->sq, "SELECT count(*) FROM t", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return n;
}

static void test_writes_waiting_for_the_turn_share_one_commit(void **state)
{
    (void)state;
    struct db *db = db_thread();
    assert_non_null(db);
    assert_int_equal(sqlite3_exec(db->sq, "CREATE TABLE t (v INTEGER)", NULL, NULL, NULL),
                     SQLITE_OK);
    uint64_t commits = counter(METRICS_DB_GROUP_COMMITS), jobs = counter(METRICS_DB_GROUP_JOBS);

    /* Another writer (the outbox, say) holds the write turn... */
    assert_int_equal(db_begin(db), 0);
    struct writer w[WRITERS] = {{.value = 1}, {.value = -2}, {.value = 3}};
    for (size_t i = 0; i < WRITERS; i++)
        assert_int_equal(pthread_create(&w[i].thread, NULL, writer_main, &w[i]), 0);
    /* ...while three writes arrive: one leads and waits for the turn, two
     * queue behind it. */
    wait_all_sleeping(w, WRITERS);
    assert_int_equal(db_commit(db), 0);
    for (size_t i = 0; i < WRITERS; i++)
        assert_int_equal(pthread_join(w[i].thread, NULL), 0);

    assert_int_equal(w[0].rc, 0);
    assert_int_equal(w[1].rc, -1); /* failed: its row rolled back alone */
    assert_int_equal(w[2].rc, 0);
    assert_int_equal(count_rows(db), 2);
    /* One transaction for all three, begun when the turn was free. */
    assert_int_equal(counter(METRICS_DB_GROUP_COMMITS) - commits, 1);
    assert_int_equal(counter(METRICS_DB_GROUP_JOBS) - jobs, WRITERS);
}

/* ---- db_group_submit: nobody waits ---- */

#define SUBMITTED 100

struct submitted {
    int value;
    int rc;   /* what done was told */
    int seen; /* rows with value seen from another connection when done ran */
    _Atomic int done_calls;
};

static _Atomic int submitted_done;

static int insert_value(struct db *db, void *arg)
{
    const struct submitted *j = arg;
    char sql[64];
    snprintf(sql, sizeof sql, "INSERT INTO t (v) VALUES (%d)", j->value);
    return sqlite3_exec(db->sq, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

/* Rows holding value, read on a connection of its own (what is committed). */
static int committed_rows(int value)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(opt.path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return -1;
    }
    char sql[64];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM t WHERE v = %d", value);
    sqlite3_stmt *st = NULL;
    int n = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

static void submitted_end(void *arg, int rc)
{
    struct submitted *j = arg;
    j->rc = rc;
    j->seen = committed_rows(j->value);
    j->done_calls++;
    submitted_done++;
}

/* A hundred writes submitted from one thread while another writer holds the
 * turn: no thread waits for them, one commit takes them all, and each
 * caller is told after it, when another connection sees the row. */
static void test_submitted_jobs_share_one_commit_and_are_told_after_it(void **state)
{
    (void)state;
    struct db *db = db_thread();
    assert_non_null(db);
    uint64_t commits = counter(METRICS_DB_GROUP_COMMITS), jobs = counter(METRICS_DB_GROUP_JOBS);
    static struct submitted j[SUBMITTED];
    submitted_done = 0;
    assert_int_equal(db_begin(db), 0);
    for (int i = 0; i < SUBMITTED; i++) {
        j[i] = (struct submitted){.value = 1000 + i, .rc = 99};
        db_group_submit(insert_value, submitted_end, &j[i]);
    }
    nanosleep(&(struct timespec){.tv_nsec = 50 * 1000 * 1000}, NULL);
    assert_int_equal(submitted_done, 0); /* nothing is told before the commit */
    assert_int_equal(db_commit(db), 0);
    for (int tries = 0; tries < 1000 && submitted_done < SUBMITTED; tries++)
        nanosleep(&(struct timespec){.tv_nsec = 5 * 1000 * 1000}, NULL);
    assert_int_equal(submitted_done, SUBMITTED);
    for (int i = 0; i < SUBMITTED; i++) {
        assert_int_equal(j[i].done_calls, 1);
        assert_int_equal(j[i].rc, 0);
        assert_int_equal(j[i].seen, 1);
    }
    /* The committer took the turn once it was free, then every job. */
    assert_int_equal(counter(METRICS_DB_GROUP_COMMITS) - commits, 1);
    assert_int_equal(counter(METRICS_DB_GROUP_JOBS) - jobs, SUBMITTED);
}

/* Without the committer (stopped), a job is a transaction of its own on the
 * calling thread: done before the call returns, and db_group_write too. */
static void test_without_the_committer_jobs_run_on_the_caller(void **state)
{
    (void)state;
    db_group_stop();
    struct submitted one = {.value = 5000, .rc = 99};
    submitted_done = 0;
    db_group_submit(insert_value, submitted_end, &one);
    assert_int_equal(submitted_done, 1);
    assert_int_equal(one.rc, 0);
    assert_int_equal(one.seen, 1);
    struct writer w = {.value = 5001};
    assert_int_equal(db_group_write(insert_job, &w), 0);
    assert_int_equal(committed_rows(5001), 1);
    assert_int_equal(db_group_start(), 0);
}

static int setup(void **state)
{
    (void)state;
    if (!mkdtemp(dir))
        return -1;
    snprintf(opt.path, sizeof opt.path, "%s/group.db", dir);
    db_pool_init(&opt);
    /* This thread's connection first, as taawund opens its own before any
     * thread (the file is in WAL mode then): two connections switching a
     * new file to WAL at once may get SQLITE_BUSY without a busy wait (seen
     * under ASan on a loaded machine: "database is locked"). */
    if (!db_thread())
        return -1;
    return db_group_start();
}

static int teardown(void **state)
{
    (void)state;
    db_group_stop();
    const char *names[] = {"group.db", "group.db-wal", "group.db-shm"};
    char path[600];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writes_waiting_for_the_turn_share_one_commit),
        cmocka_unit_test(test_submitted_jobs_share_one_commit_and_are_told_after_it),
        cmocka_unit_test(test_without_the_committer_jobs_run_on_the_caller),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
