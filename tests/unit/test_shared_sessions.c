/* test_shared_sessions.c -- store/shared_sessions, the USSD sessions the
 * nodes of one database share, on both engines on a migrated database: a
 * record written and read back byte for byte, replaced, expired rows read
 * as none, counted as none and purged; an ended session marked; the cap
 * making room by purging, then by giving up the ended session seen longest
 * ago, and refusing when every row is a session under way. On PostgreSQL:
 * one step at a time per session, across connections (a second connection
 * waits for the key's lock until its lock_timeout, another key passes),
 * and a lock freed by the server when its connection dies. SQLite in memory
 * first, then a new database on the test run's PostgreSQL cluster
 * (tests/common/pg_fixture.h; each test skipped, counted, without one). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "store/db.h"
#include "store/shared_sessions.h"
#include "sys/log.h"
#include "../common/pg_fixture.h"
#include "../common/store_fixture.h"

static struct db *db;
static struct db_options pg_opt; /* the PostgreSQL test's database */

static int setup(void **state)
{
    (void)state;
    log_set_level(LOG_ERROR); /* no line per migration, nor for the refused lock */
    db = memory_db();
    assert_int_equal(db_migrate(db), 0);
    return 0;
}

/* Each test on a new PostgreSQL database (none when the run has no
 * cluster: the test skips, counted, at its start). */
static int setup_pg(void **state)
{
    (void)state;
    log_set_level(LOG_ERROR);
    if (!pg_test_conninfo())
        return 0;
    pg_opt = (struct db_options){.engine = DB_ENGINE_POSTGRESQL, .busy_timeout_ms = 300};
    pg_fresh_database(pg_opt.conninfo, sizeof pg_opt.conninfo);
    db = db_open(&pg_opt);
    assert_non_null(db);
    assert_int_equal(db_migrate(db), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    db_close(db);
    db = NULL;
    return 0;
}

/* The test's database is there (SQLite's always is), else it skips. */
static void need_db(void)
{
    if (!db)
        pg_skip_unless_available();
}

static const unsigned char record1[] = {1, 0, 2, 0xff, 0x1f, 0, 0, 7};
static const unsigned char record2[] = {9, 8, 7};

static void test_written_read_back_and_expired(void **state)
{
    (void)state;
    need_db();
    unsigned char got[64];
    size_t len = 99;
    int64_t seen = 0;
    bool closed = true;
    const char *key = "at\x1f"
                      "ATUid_1";
    assert_int_equal(shared_sessions_read(db, key, 0, got, sizeof got, &len, &seen, &closed), 0);
    assert_int_equal(len, 0);
    assert_int_equal(shared_sessions_put(db, key, record1, sizeof record1, 1000, false), 0);
    assert_int_equal(shared_sessions_read(db, key, 900, got, sizeof got, &len, &seen, &closed), 1);
    assert_int_equal(len, sizeof record1);
    assert_memory_equal(got, record1, sizeof record1);
    assert_int_equal(seen, 1000);
    assert_false(closed);
    /* Too small a buffer is an error, not a cut record. */
    assert_int_equal(shared_sessions_read(db, key, 900, got, 4, &len, &seen, &closed), -1);

    assert_int_equal(shared_sessions_put(db, key, record2, sizeof record2, 1010, true), 0);
    assert_int_equal(shared_sessions_read(db, key, 900, got, sizeof got, &len, &seen, &closed), 1);
    assert_int_equal(len, sizeof record2);
    assert_memory_equal(got, record2, sizeof record2);
    assert_int_equal(seen, 1010);
    assert_true(closed);
    assert_int_equal(scalar(db, "SELECT count(*) FROM ussd_sessions"), 1);

    /* Idle past the ttl: no session, though the row is still there. */
    assert_int_equal(shared_sessions_read(db, key, 1011, got, sizeof got, &len, &seen, &closed), 0);
    int64_t n = -1;
    assert_int_equal(shared_sessions_count(db, 1011, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(shared_sessions_count(db, 1010, &n), 0);
    assert_int_equal(n, 1);

    assert_int_equal(shared_sessions_delete(db, key), 0);
    assert_int_equal(scalar(db, "SELECT count(*) FROM ussd_sessions"), 0);
}

static void test_close_and_purge(void **state)
{
    (void)state;
    need_db();
    for (int i = 0; i < 5; i++) {
        char key[16];
        snprintf(key, sizeof key, "k%d", i);
        assert_int_equal(shared_sessions_put(db, key, record1, sizeof record1, 100 + i, false), 0);
    }
    assert_int_equal(shared_sessions_close(db, "k3", 100), 1);
    assert_int_equal(shared_sessions_close(db, "k0", 101), 0); /* expired: not live */
    assert_int_equal(shared_sessions_close(db, "nobody", 0), 0);
    assert_int_equal(scalar(db, "SELECT closed FROM ussd_sessions WHERE key = 'k3'"), 1);
    assert_int_equal(scalar(db, "SELECT count(*) FROM ussd_sessions WHERE closed <> 0"), 1);

    assert_int_equal(shared_sessions_purge(db, 103), 3); /* k0, k1, k2 */
    assert_int_equal(shared_sessions_purge(db, 103), 0);
    assert_int_equal(scalar(db, "SELECT count(*) FROM ussd_sessions"), 2);
    assert_int_equal(scalar(db, "SELECT count(*) FROM ussd_sessions WHERE key IN ('k3','k4')"), 2);
}

static void test_room_under_the_cap(void **state)
{
    (void)state;
    need_db();
    assert_int_equal(shared_sessions_room(db, 0, 2), 1);
    assert_int_equal(shared_sessions_put(db, "old", record1, sizeof record1, 10, false), 0);
    assert_int_equal(shared_sessions_put(db, "a", record1, sizeof record1, 100, false), 0);
    assert_int_equal(shared_sessions_put(db, "b", record1, sizeof record1, 101, false), 0);
    /* Two live of two: the expired one goes, which is not enough. */
    assert_int_equal(shared_sessions_room(db, 50, 2), 0);
    assert_int_equal(scalar(db, "SELECT count(*) FROM ussd_sessions"), 2);
    /* An ended session gives way, the one seen longest ago first. */
    assert_int_equal(shared_sessions_put(db, "c", record1, sizeof record1, 102, true), 0);
    assert_int_equal(shared_sessions_put(db, "d", record1, sizeof record1, 103, true), 0);
    assert_int_equal(shared_sessions_room(db, 50, 4), 1);
    assert_int_equal(scalar(db, "SELECT count(*) FROM ussd_sessions WHERE key = 'c'"), 0);
    assert_int_equal(scalar(db, "SELECT count(*) FROM ussd_sessions WHERE key = 'd'"), 1);
    assert_int_equal(shared_sessions_room(db, 50, 4), 1); /* three live of four */
}

/* PostgreSQL: the lock on a key is one connection's at a time. */
static void test_one_step_at_a_time(void **state)
{
    (void)state;
    need_db();
    struct db *other = db_open(&pg_opt); /* lock_timeout 300 ms */
    assert_non_null(other);
    assert_int_equal(shared_sessions_lock(db, "at\x1f"
                                              "S1"),
                     0);
    assert_int_equal(shared_sessions_lock(other, "at\x1f"
                                                 "S1"),
                     -1); /* waited, then gave up */
    assert_int_equal(shared_sessions_lock(other, "at\x1f"
                                                 "S2"),
                     0); /* another session passes */
    assert_int_equal(shared_sessions_unlock(other, "at\x1f"
                                                   "S2"),
                     1);
    assert_int_equal(shared_sessions_unlock(db, "at\x1f"
                                                "S1"),
                     1);
    assert_int_equal(shared_sessions_lock(other, "at\x1f"
                                                 "S1"),
                     0);
    assert_int_equal(shared_sessions_unlock(other, "at\x1f"
                                                   "S1"),
                     1);
    assert_int_equal(shared_sessions_unlock(other, "at\x1f"
                                                   "S1"),
                     0); /* not held: no error */

    /* A holder whose connection dies leaves nothing held. */
    struct db *doomed = db_open(&pg_opt);
    assert_non_null(doomed);
    assert_int_equal(shared_sessions_lock(doomed, "at\x1f"
                                                  "S3"),
                     0);
    assert_int_equal(shared_sessions_lock(other, "at\x1f"
                                                 "S3"),
                     -1);
    db_close(doomed);
    assert_int_equal(shared_sessions_lock(other, "at\x1f"
                                                 "S3"),
                     0);
    assert_int_equal(shared_sessions_unlock(other, "at\x1f"
                                                   "S3"),
                     1);
    db_close(other);
}

/* SQLite: one process, the lock is its in-memory table's; these do nothing. */
static void test_sqlite_lock_is_a_no_op(void **state)
{
    (void)state;
    assert_int_equal(shared_sessions_lock(db, "k"), 0);
    assert_int_equal(shared_sessions_lock(db, "k"), 0);
    assert_int_equal(shared_sessions_unlock(db, "k"), 0);
}

int main(void)
{
    const struct CMUnitTest sqlite[] = {
        cmocka_unit_test_setup_teardown(test_written_read_back_and_expired, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_and_purge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_room_under_the_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sqlite_lock_is_a_no_op, setup, teardown),
    };
    const struct CMUnitTest pg[] = {
        cmocka_unit_test_setup_teardown(test_written_read_back_and_expired, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_close_and_purge, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_room_under_the_cap, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_one_step_at_a_time, setup_pg, teardown),
    };
    int failed = cmocka_run_group_tests_name("sqlite", sqlite, NULL, NULL);
    return failed + cmocka_run_group_tests_name("postgresql", pg, NULL, NULL);
}
