/* test_member_counts.c -- /stats' member figures come from counts kept by
 * triggers (member_counts): after the migration fills them, and after
 * registrations, edits, erasures, test members and deletes, each of the four
 * statements answers what a scan of the members answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "store/db_sql.h"
#include "store/admin_queries.h"
#include "store/db.h"
#include "store/migrations.h"
#include "../common/store_fixture.h"

#define YEAR 2026

/* 60 members: provinces, sectors, genders and years, some unknown; one in
 * seven erased, one in eleven a test member. */
static void add_members(struct db *db, int from)
{
    char sql[512];
    for (int i = from; i < from + 60; i++) {
        snprintf(sql, sizeof sql,
                 "INSERT INTO members (phone, name, province, sector, gender, birth_year,"
                 " language, erased_at, is_test, created_at, updated_at) VALUES ("
                 "'+2126%08d', 'M', %s, %s, %s, %s, 'fr', %s, %d, 1, 1)",
                 i, i % 5 ? (i % 2 ? "'berkane'" : "'nador'") : "NULL",
                 i % 6 ? "'agriculture'" : "NULL", i % 4 ? (i % 3 ? "'f'" : "'m'") : "NULL",
                 i % 9 ? (i % 2 ? "1990" : "1950") : "NULL", i % 7 ? "NULL" : "5", i % 11 == 0);
        exec(db, sql);
    }
}

/* Each statistic equals the scan it replaced. */
static void assert_stats_true(struct db *db)
{
    static const struct {
        enum adminq q;
        const char *scan;
    } cases[] = {
        {ADMINQ_STATS_PROVINCE, "SELECT coalesce(province, 'unknown'), count(*) FROM members"
                                " WHERE erased_at IS NULL AND is_test = 0 GROUP BY 1 ORDER BY 1"},
        {ADMINQ_STATS_SECTOR, "SELECT coalesce(sector, 'unknown'), count(*) FROM members"
                              " WHERE erased_at IS NULL AND is_test = 0 GROUP BY 1 ORDER BY 1"},
        {ADMINQ_STATS_GENDER, "SELECT coalesce(gender, 'unknown'), count(*) FROM members"
                              " WHERE erased_at IS NULL AND is_test = 0 GROUP BY 1 ORDER BY 1"},
        {ADMINQ_STATS_AGE_BAND, "SELECT age_band(birth_year, ?1), count(*) FROM members"
                                " WHERE erased_at IS NULL AND is_test = 0 GROUP BY 1 ORDER BY 1"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct adminq_arg year = adminq_int(YEAR);
        struct adminq_table t;
        assert_int_equal(
            adminq_select(db, cases[c].q, &year, cases[c].q == ADMINQ_STATS_AGE_BAND, &t), 0);
        sqlite3_stmt *st = NULL;
        assert_int_equal(sqlite3_prepare_v2(db->sq, cases[c].scan, -1, &st, NULL), SQLITE_OK);
        sqlite3_bind_int(st, 1, YEAR);
        size_t r = 0;
        while (sqlite3_step(st) == SQLITE_ROW) {
            assert_true(r < t.nrows);
            assert_string_equal(adminq_str(&t, r, 0), (const char *)sqlite3_column_text(st, 0));
            assert_int_equal(adminq_i64(&t, r, 1), sqlite3_column_int64(st, 1));
            r++;
        }
        assert_int_equal(r, t.nrows);
        sqlite3_finalize(st);
        adminq_table_free(&t);
    }
}

static void test_migration_counts_existing_members(void **state)
{
    (void)state;
    struct db *db = memory_db();
    /* Every migration but this one and those after it, then members. */
    migrate_before(db, "CREATE TABLE member_counts");
    add_members(db, 0);
    assert_int_equal(db_migrate(db), 0);
    assert_stats_true(db);
    db_close(db);
}

static void test_writes_keep_counts(void **state)
{
    (void)state;
    struct db *db = memory_db();
    assert_int_equal(db_migrate(db), 0);
    add_members(db, 0);
    assert_stats_true(db);
    exec(db, "UPDATE members SET province = 'driouch', birth_year = 1975 WHERE id % 3 = 0");
    assert_stats_true(db);
    exec(db, "UPDATE members SET erased_at = 9, province = NULL, gender = NULL WHERE id % 4 = 0");
    exec(db, "UPDATE members SET is_test = 1 WHERE id % 5 = 1");
    exec(db, "UPDATE members SET name = 'N'"); /* no counted column */
    assert_stats_true(db);
    exec(db, "DELETE FROM members WHERE id % 2 = 0");
    add_members(db, 1000);
    assert_stats_true(db);
    exec(db, "DELETE FROM members");
    struct adminq_table t;
    assert_int_equal(adminq_select(db, ADMINQ_STATS_PROVINCE, NULL, 0, &t), 0);
    assert_int_equal(t.nrows, 0); /* counts at 0 are not shown */
    adminq_table_free(&t);
    db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migration_counts_existing_members),
        cmocka_unit_test(test_writes_keep_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
