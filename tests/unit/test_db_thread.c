/* test_db_thread.c -- store/db's per-thread connection: its read
 * transaction (db_read_begin/db_read_end), which a USSD step opens around
 * its reads: one snapshot for all of them, ended by any write of the same
 * thread (db_begin, db_group_write), so the write can begin and the reads
 * after it see it; and its statement cache, found by the SQL's text
 * whatever buffer holds it; the write turn, taken in the order asked. A
 * file database in WAL mode, a second connection writing beside it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/db_sql.h"
#include "store/db.h"
#include "store/db_group.h"

static char dir[] = "/tmp/test_db_thread_XXXXXX";
static struct db_options opt = {.busy_timeout_ms = 1000};

static void exec_ok(struct db *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db->sq, sql, NULL, NULL, &err) != SQLITE_OK)
        fail_msg("%s: %s", sql, err ? err : "?");
}

static int rows(struct db *db)
{
    struct db_stmt *st = db_stmt(db, "SELECT count(*) FROM t");
    assert_non_null(st);
    assert_int_equal(db_step(st), DB_ROW);
    int n = db_col_int(st, 0);
    db_stmt_done(st);
    return n;
}

static int insert_row(struct db *db, void *arg)
{
    (void)arg;
    return sqlite3_exec(db->sq, "INSERT INTO t VALUES (1)", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static int setup(void **state)
{
    (void)state;
    if (!mkdtemp(dir))
        return -1;
    snprintf(opt.path, sizeof opt.path, "%s/t.db", dir);
    db_pool_init(&opt);
    struct db *db = db_thread();
    if (!db)
        return -1;
    exec_ok(db, "CREATE TABLE t (x INTEGER)");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char path[600];
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s%s", opt.path, suffixes[i]);
        unlink(path);
    }
    rmdir(dir);
    return 0;
}

/* The reads inside one read transaction see one snapshot; after it, the
 * other connection's write. */
static void test_one_snapshot(void **state)
{
    (void)state;
    struct db *db = db_thread(), *other = db_open(&opt);
    assert_non_null(other);
    int before = rows(db);
    db_read_begin(db);
    assert_int_equal(rows(db), before);
    exec_ok(other, "INSERT INTO t VALUES (2)");
    assert_int_equal(rows(db), before);
    db_read_end();
    assert_int_equal(rows(db), before + 1);
    db_close(other);
}

/* A write of the same thread ends the read transaction first: BEGIN
 * IMMEDIATE would fail inside it, and the reads after the commit see it. */
static void test_write_ends_it(void **state)
{
    (void)state;
    struct db *db = db_thread();
    int before = rows(db);
    db_read_begin(db);
    assert_int_equal(rows(db), before);
    assert_int_equal(db_begin(db), 0);
    exec_ok(db, "INSERT INTO t VALUES (3)");
    assert_int_equal(db_commit(db), 0);
    assert_int_equal(rows(db), before + 1);

    db_read_begin(db);
    assert_int_equal(rows(db), before + 1);
    assert_int_equal(db_group_write(insert_row, NULL), 0);
    assert_int_equal(rows(db), before + 2);
    assert_true(sqlite3_get_autocommit(db->sq));
    db_read_end(); /* none open: nothing to do */
    assert_true(sqlite3_get_autocommit(db->sq));
}

/* Inside a write transaction, db_read_begin() leaves it alone: the write
 * commits as usual. */
static void test_inside_a_write(void **state)
{
    (void)state;
    struct db *db = db_thread();
    int before = rows(db);
    assert_int_equal(db_begin(db), 0);
    db_read_begin(db);
    exec_ok(db, "INSERT INTO t VALUES (4)");
    db_read_end();
    assert_false(sqlite3_get_autocommit(db->sq));
    assert_int_equal(db_commit(db), 0);
    assert_int_equal(rows(db), before + 1);
}

/* The cache answers by text: the same text from another buffer gets the
 * cached statement; a buffer reused for another text never gets the
 * statement its old text had. */
static void test_statement_cache(void **state)
{
    (void)state;
    struct db *db = db_thread();
    char a[64], b[64];
    snprintf(a, sizeof a, "SELECT count(*) FROM t WHERE x = ?1");
    snprintf(b, sizeof b, "%s", a);
    struct db_stmt *first = db_stmt(db, a);
    assert_non_null(first);
    db_stmt_done(first);
    struct db_stmt *again = db_stmt(db, b);
    assert_ptr_equal(again, first);
    db_stmt_done(again);
    snprintf(a, sizeof a, "SELECT count(*) FROM t WHERE x <> ?1");
    struct db_stmt *other = db_stmt(db, a);
    assert_non_null(other);
    assert_ptr_not_equal(other, first);
    assert_string_equal(sqlite3_sql(other->sq), a);
    db_stmt_done(other);
    snprintf(a, sizeof a, "%s", b);
    struct db_stmt *back = db_stmt(db, a);
    assert_ptr_equal(back, first);
    db_stmt_done(back);
}

/* The write turn is handed over in the order asked: a thread writing in a
 * loop (the sender draining a large broadcast) lets one that waits in
 * before its next transaction, not after many. */
static atomic_int loops_done, seen_by_waiter = -1;
static atomic_bool waiter_asking;

static void *waiter(void *arg)
{
    (void)arg;
    struct db *db = db_thread();
    atomic_store(&waiter_asking, true);
    if (db_begin(db) != 0)
        return NULL;
    atomic_store(&seen_by_waiter, atomic_load(&loops_done));
    exec_ok(db, "INSERT INTO t VALUES (5)");
    if (db_commit(db) != 0)
        atomic_store(&seen_by_waiter, -2);
    return NULL;
}

static void test_write_turn_in_order(void **state)
{
    (void)state;
    struct db *db = db_thread();
    assert_int_equal(db_begin(db), 0);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, waiter, NULL), 0);
    while (!atomic_load(&waiter_asking))
        usleep(1000);
    usleep(50000); /* it waits for the turn now */
    for (int i = 0; i < 50; i++) {
        exec_ok(db, "INSERT INTO t VALUES (6)");
        assert_int_equal(db_commit(db), 0);
        atomic_fetch_add(&loops_done, 1);
        assert_int_equal(db_begin(db), 0);
    }
    assert_int_equal(db_commit(db), 0);
    pthread_join(t, NULL);
    assert_int_equal(atomic_load(&seen_by_waiter), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_snapshot),        cmocka_unit_test(test_write_ends_it),
        cmocka_unit_test(test_inside_a_write),      cmocka_unit_test(test_statement_cache),
        cmocka_unit_test(test_write_turn_in_order),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
