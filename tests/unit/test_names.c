/* test_names.c -- store/names: members written by hand without a folded
 * name (as sqlite3 or the demo data would write them) get the one core/fold
 * gives, over several batches, inside the caller's transaction (a rollback
 * takes it back); rows without a name, and names already folded, are left
 * as they are; the names so folded are found by staff search. */
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

/* More than two batches, and a part of a third. */
#define ROWS (2 * NAMES_FOLD_BATCH + 44)

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

/* A database with no member to fold answers 0. */
static void test_none(void **state)
{
    (void)state;
    struct db *db = migrated();
    assert_int_equal(db_begin(db), 0);
    assert_int_equal(names_fold_missing(db), 0);
    assert_int_equal(db_commit(db), 0);
    db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fold_missing),
        cmocka_unit_test(test_none),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
