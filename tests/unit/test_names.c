/* test_names.c -- store/names: members written by hand without a folded
 * name (as sqlite3 or the demo data would write them) get the one core/fold
 * gives, over several batches, inside the caller's transaction (a rollback
 * takes it back); rows without a name, and names already folded, are left
 * as they are; the names so folded are found by staff search; a failed
 * write answers -1 with its error left on the connection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/fold.h"
#include "core/limits.h"
#include "store/admin_queries.h"
#include "store/db.h"
#include "store/members.h"
#include "store/names.h"
#include "../common/store_fixture.h"

/* Several batches, and a part of one more. */
#define ROWS (5 * NAMES_FOLD_BATCH + 3)

static const char *const names[] = {
    "Hélène ŒUVRE-Dupré",
    "أمينة مصطفى کـريم",
    "  Zoë\tBOUCHRA  ",
    "فاطمة الزهراء ١٢",
};
static const char *const folded_names[] = {
    "helene oeuvre-dupre",
    "امينه مصطفي كريم",
    "zoe bouchra",
    "فاطمه الزهراء 12",
};
#define NAMES (sizeof names / sizeof names[0])

static struct db *migrated(void)
{
    struct db *db = memory_db();
    assert_int_equal(db_migrate(db), 0);
    return db;
}

/* ROWS members by hand, name_folded NULL, ids from -1 up; then one with no
 * name, and one whose folded name is there already (kept as it is). */
static void insert_raw(struct db *db)
{
    char sql[256];
    for (int i = 0; i < ROWS; i++) {
        snprintf(sql, sizeof sql,
                 "INSERT INTO members (id, phone, name, language, created_at, updated_at)"
                 " VALUES (%d, '+2126%08d', '%s', 'fr', 1, 1)",
                 i - 1, i, names[i % NAMES]);
        exec(db, sql);
    }
    exec(db, "INSERT INTO members (id, phone, language, created_at, updated_at)"
             " VALUES (1000, '+212699999998', 'fr', 1, 1)");
    exec(db, "INSERT INTO members (id, phone, name, name_folded, language, created_at,"
             " updated_at) VALUES (1001, '+212699999999', 'Hélène', 'kept', 'fr', 1, 1)");
    assert_int_equal(scalar(db, "SELECT count(*) FROM members WHERE name_folded IS NULL"),
                     ROWS + 1);
}

/* Every hand-written row's folded name is core/fold's, and the expected. */
static void assert_folded(struct db *db)
{
    for (int i = 0; i < ROWS; i++) {
        char sql[96], stored[FOLDED_NAME_MAX], folded[FOLDED_NAME_MAX];
        const char *name = names[i % NAMES];
        fold_text(name, strlen(name), folded, sizeof folded);
        assert_string_equal(folded, folded_names[i % NAMES]);
        snprintf(sql, sizeof sql, "SELECT name_folded FROM members WHERE id = %d", i - 1);
        assert_string_equal(text_of(db, sql, stored, sizeof stored), folded);
    }
    char stored[16];
    assert_string_equal(
        text_of(db, "SELECT name_folded FROM members WHERE id = 1000", stored, sizeof stored),
        "(null)");
    assert_string_equal(
        text_of(db, "SELECT name_folded FROM members WHERE id = 1001", stored, sizeof stored),
        "kept");
}

static void test_fold_missing(void **state)
{
    (void)state;
    struct db *db = migrated();
    insert_raw(db);

    /* Rolled back with the caller's transaction. */
    assert_int_equal(db_begin(db), 0);
    assert_int_equal(names_fold_missing(db), ROWS);
    db_rollback(db);
    assert_int_equal(scalar(db, "SELECT count(*) FROM members WHERE name_folded IS NULL"),
                     ROWS + 1);

    assert_int_equal(db_begin(db), 0);
    assert_int_equal(names_fold_missing(db), ROWS);
    assert_int_equal(db_commit(db), 0);
    assert_folded(db);

    /* Nothing left: nothing done. */
    assert_int_equal(db_begin(db), 0);
    assert_int_equal(names_fold_missing(db), 0);
    assert_int_equal(db_commit(db), 0);

    /* The folded names reached the search index (its triggers). */
    char query[256];
    assert_int_equal(member_name_query("HELENE oeuv", query, sizeof query), 0);
    struct adminq_arg a[] = {adminq_as(":name", adminq_text(query))};
    int64_t n = 0;
    assert_int_equal(adminq_scalar(db, ADMINQ_MEMBERS_NAME_COUNT, a, 1, &n), 0);
    assert_int_equal(n, (ROWS + NAMES - 1) / NAMES);
    db_close(db);
}

/* No member to fold: 0; exactly two batches of them: all of them. */
static void test_none_and_whole_batches(void **state)
{
    (void)state;
    struct db *db = migrated();
    assert_int_equal(db_begin(db), 0);
    assert_int_equal(names_fold_missing(db), 0);
    assert_int_equal(db_commit(db), 0);
    for (int i = 0; i < 2 * NAMES_FOLD_BATCH; i++) {
        char sql[192];
        snprintf(sql, sizeof sql,
                 "INSERT INTO members (phone, name, language, created_at, updated_at)"
                 " VALUES ('+2126%08d', 'Zoë', 'fr', 1, 1)",
                 i);
        exec(db, sql);
    }
    assert_int_equal(db_begin(db), 0);
    assert_int_equal(names_fold_missing(db), 2 * NAMES_FOLD_BATCH);
    assert_int_equal(db_commit(db), 0);
    assert_int_equal(scalar(db, "SELECT count(*) FROM members WHERE name_folded = 'zoe'"),
                     2 * NAMES_FOLD_BATCH);
    db_close(db);
}

/* A write refused (here by a trigger) past the first batch: -1, the
 * statement's error left for the caller to log, and the caller's rollback
 * takes back the batches written before it. */
static void test_failure(void **state)
{
    (void)state;
    struct db *db = migrated();
    insert_raw(db);
    char sql[192];
    snprintf(sql, sizeof sql,
             "CREATE TRIGGER refuse BEFORE UPDATE OF name_folded ON members"
             " WHEN NEW.id = %d BEGIN SELECT RAISE(ABORT, 'refused here'); END",
             NAMES_FOLD_BATCH + 2);
    exec(db, sql);
    assert_int_equal(db_begin(db), 0);
    assert_int_equal(names_fold_missing(db), -1);
    assert_non_null(strstr(sqlite3_errmsg(db->sq), "refused here"));
    db_rollback(db);
    assert_int_equal(scalar(db, "SELECT count(*) FROM members WHERE name_folded IS NULL"),
                     ROWS + 1);
    db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fold_missing),
        cmocka_unit_test(test_none_and_whole_batches),
        cmocka_unit_test(test_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
