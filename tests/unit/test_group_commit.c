/* test_group_commit.c -- store/db.c's group commit (db_group_write): writes
 * that arrive while another writer holds the write turn are committed
 * together, in one transaction, as soon as the turn is free; a failing job
 * rolls back alone. On a database file in a temporary directory (threads
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

#include "store/db.h"
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

static int insert_job(sqlite3 *db, void *arg)
{
    const struct writer *w = arg;
    char sql[64];
    snprintf(sql, sizeof sql, "INSERT INTO t (v) VALUES (%d)", w->value);
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
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

static int count_rows(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return n;
}

static void test_writes_waiting_for_the_turn_share_one_commit(void **state)
{
    (void)state;
    sqlite3 *db = db_thread();
    assert_non_null(db);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE t (v INTEGER)", NULL, NULL, NULL), SQLITE_OK);
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

static int setup(void **state)
{
    (void)state;
    if (!mkdtemp(dir))
        return -1;
    snprintf(opt.path, sizeof opt.path, "%s/group.db", dir);
    db_pool_init(&opt);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
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
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
