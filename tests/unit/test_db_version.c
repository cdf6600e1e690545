/* test_db_version.c -- store/db_version: the member data version changes
 * after a commit that wrote members, cooperatives or grants (inserted,
 * updated or deleted), from any connection store/db opened, the group
 * committer's too; never before the commit is done; not for a commit that
 * wrote other tables only. On a database file in a temporary directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "store/db_sql.h"
#include "store/db.h"
#include "store/db_group.h"
#include "store/db_version.h"

static char dir[] = "/tmp/taawun-version-XXXXXX";
static struct db_options opt = {.busy_timeout_ms = 5000};

static int write_sql(struct db *db, const char *sql)
{
    if (db_begin(db) != 0)
        return -1;
    int rc = sqlite3_exec(db->sq, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
    return db_finish(db, rc);
}

static int group_job(struct db *db, void *arg)
{
    return sqlite3_exec(db->sq, arg, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static void test_watched_tables(void **state)
{
    (void)state;
    struct db *db = db_thread();
    assert_non_null(db);
    static const char *const changes[] = {
        "INSERT INTO members (phone, name) VALUES ('+212600000001', 'A')",
        "UPDATE members SET name = 'B'",
        "INSERT INTO cooperatives (code) VALUES ('1002')",
        "INSERT INTO grants (reference, status) VALUES ('GR-1', 'submitted')",
        "UPDATE grants SET status = 'approved'",
        "DELETE FROM grants WHERE reference = 'GR-1'",
        "DELETE FROM members WHERE phone = '+212600000001'",
    };
    for (size_t i = 0; i < sizeof changes / sizeof changes[0]; i++) {
        uint64_t before = db_member_data_version();
        assert_int_not_equal(before, 0);
        assert_int_equal(write_sql(db, changes[i]), 0);
        assert_true(db_member_data_version() > before);
    }
}

static void test_other_tables(void **state)
{
    (void)state;
    struct db *db = db_thread();
    uint64_t before = db_member_data_version();
    assert_int_equal(write_sql(db, "INSERT INTO messages (body) VALUES ('x')"), 0);
    assert_int_equal(write_sql(db, "UPDATE messages SET body = 'y'"), 0);
    assert_int_equal(db_group_write(group_job, "INSERT INTO messages (body) VALUES ('z')"), 0);
    assert_int_equal(db_member_data_version(), before);
}

/* Not before the commit: a step reading the version while the write is
 * still open must not take the old rows for the new version. */
static void test_after_the_commit(void **state)
{
    (void)state;
    struct db *db = db_thread();
    uint64_t before = db_member_data_version();
    assert_int_equal(db_begin(db), 0);
    assert_int_equal(sqlite3_exec(db->sq, "INSERT INTO members (phone) VALUES ('+212600000002')",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(db_member_data_version(), before);
    assert_int_equal(db_commit(db), 0);
    assert_true(db_member_data_version() > before);
}

/* The committer's connection and one opened apart count alike. */
static void test_every_connection(void **state)
{
    (void)state;
    uint64_t before = db_member_data_version();
    assert_int_equal(db_group_write(group_job, "UPDATE members SET name = 'C'"), 0);
    assert_true(db_member_data_version() > before);
    struct db *own = db_open(&opt);
    assert_non_null(own);
    before = db_member_data_version();
    assert_int_equal(sqlite3_exec(own->sq, "UPDATE members SET name = 'D'", NULL, NULL, NULL),
                     SQLITE_OK);
    assert_true(db_member_data_version() > before);
    db_close(own);
}

static int setup(void **state)
{
    (void)state;
    if (!mkdtemp(dir))
        return -1;
    snprintf(opt.path, sizeof opt.path, "%s/version.db", dir);
    db_pool_init(&opt);
    struct db *db = db_thread();
    if (!db ||
        sqlite3_exec(db->sq,
                     "CREATE TABLE members (id INTEGER PRIMARY KEY, phone TEXT, name TEXT);"
                     "CREATE TABLE cooperatives (id INTEGER PRIMARY KEY, code TEXT);"
                     "CREATE TABLE grants (id INTEGER PRIMARY KEY, reference TEXT, status TEXT);"
                     "CREATE TABLE messages (id INTEGER PRIMARY KEY, body TEXT);",
                     NULL, NULL, NULL) != SQLITE_OK)
        return -1;
    return db_group_start();
}

static int teardown(void **state)
{
    (void)state;
    db_group_stop();
    const char *names[] = {"version.db", "version.db-wal", "version.db-shm"};
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
        cmocka_unit_test(test_watched_tables),
        cmocka_unit_test(test_other_tables),
        cmocka_unit_test(test_after_the_commit),
        cmocka_unit_test(test_every_connection),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
