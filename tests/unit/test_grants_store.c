/* test_grants_store.c -- a member's grant applications as the USSD menus
 * read them (store/grants): their own and their cooperative's, never
 * another member's, newest first, cut at the limit, one found by a typed
 * reference; read in order from an index per arm, with no sort in a
 * temporary b-tree (each USSD step showing grants ran one, issue 14),
 * asserted on SQLite's plan of the statement the store ran; a typed
 * reference matched in C exactly as the query matches it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "store/db_sql.h"
#include "store/db.h"
#include "store/grants.h"
#include "../common/store_fixture.h"

static char last_grants_sql[4096];

static int on_statement(unsigned type, void *ctx, void *p, void *x)
{
    (void)type, (void)ctx, (void)x;
    const char *sql = sqlite3_sql((sqlite3_stmt *)p);
    if (sql && strncmp(sql, "EXPLAIN", 7) != 0 && strstr(sql, "FROM grants"))
        snprintf(last_grants_sql, sizeof last_grants_sql, "%s", sql);
    return 0;
}

/* Member 1 of cooperative 1 has two grants; member 2 of the same
 * cooperative one (not member 1's to see); the cooperative two of its own
 * (one also naming member 2); member 3, of no cooperative, one. */
static struct db *open_db(void)
{
    struct db *db = memory_db();
    assert_int_equal(db_migrate(db), 0);
    sqlite3_trace_v2(db->sq, SQLITE_TRACE_STMT, on_statement, NULL);
    exec(db, "INSERT INTO cooperatives (id, code, name, province, created_at, updated_at)"
             " VALUES (1, 'C1', 'Coop', 'berkane', 1, 1);"
             "INSERT INTO members (id, phone, language, cooperative_id, registered_via,"
             " registered_at, created_at, updated_at) VALUES"
             " (1, '+212600000001', 'fr', 1, 'ussd', 1, 1, 1),"
             " (2, '+212600000002', 'fr', 1, 'ussd', 1, 1, 1),"
             " (3, '+212600000003', 'fr', NULL, 'ussd', 1, 1, 1);"
             "INSERT INTO grants (id, reference, member_id, cooperative_id, programme, amount_mad,"
             " status, note_fr, note_ar, created_at, updated_at) VALUES"
             " (1, 'GR-2026-00001', 1, 1, 'p', 100, 'approved', 'un', NULL, 1, 50),"
             " (2, 'GR-2026-00002', 1, NULL, 'p', 200, 'submitted', NULL, 'deux', 1, 10),"
             " (3, 'GR-2026-00003', 2, NULL, 'p', 300, 'submitted', NULL, NULL, 1, 99),"
             " (4, 'GR-2026-00004', NULL, 1, 'p', 400, 'rejected', NULL, NULL, 1, 50),"
             " (5, 'GR-2026-00005', 2, 1, 'p', 500, 'approved', NULL, NULL, 1, 30),"
             " (6, 'GR-2026-00006', 3, NULL, 'p', 600, 'disbursed', NULL, NULL, 1, 70);");
    return db;
}

/* The plan of the newest statement on grants the store ran, details joined by ';'. */
static void last_plan(struct db *db, char *out, size_t outsz)
{
    assert_true(last_grants_sql[0] != '\0');
    char q[4200];
    snprintf(q, sizeof q, "EXPLAIN QUERY PLAN %s", last_grants_sql);
    sqlite3_stmt *p = NULL;
    assert_int_equal(sqlite3_prepare_v2(db->sq, q, -1, &p, NULL), SQLITE_OK);
    out[0] = '\0';
    while (sqlite3_step(p) == SQLITE_ROW) {
        strncat(out, (const char *)sqlite3_column_text(p, 3), outsz - strlen(out) - 2);
        strcat(out, ";");
    }
    sqlite3_finalize(p);
}

static void assert_no_sort_and_indexes(struct db *db)
{
    char plan[1024];
    last_plan(db, plan, sizeof plan);
    assert_null(strstr(plan, "TEMP B-TREE"));
    assert_non_null(strstr(plan, "USING INDEX grants_member_updated (member_id=?)"));
    assert_non_null(strstr(plan, "USING INDEX grants_cooperative_updated (cooperative_id=?)"));
}

static void test_member_and_cooperative_newest_first(void **state)
{
    (void)state;
    struct db *db = open_db();
    struct ussd_grant g[8];
    /* Updated 50 (id 4 before id 1: ties go to the higher id), 30, 10; never
     * grant 3 (member 2's own), each grant once (grant 1 is in both arms). */
    assert_int_equal(grants_for_member(db, 1, 1, "fr", g, 8), 4);
    assert_string_equal(g[0].reference, "GR-2026-00004");
    assert_string_equal(g[1].reference, "GR-2026-00001");
    assert_string_equal(g[1].note, "un");
    assert_int_equal(g[1].amount_mad, 100);
    assert_string_equal(g[1].status, "approved");
    assert_string_equal(g[2].reference, "GR-2026-00005");
    assert_string_equal(g[3].reference, "GR-2026-00002");
    assert_string_equal(g[3].note, "deux"); /* no French note: the Arabic one */
    assert_no_sort_and_indexes(db);

    /* Cut at the limit: the newest. */
    assert_int_equal(grants_for_member(db, 1, 1, "fr", g, 2), 2);
    assert_string_equal(g[0].reference, "GR-2026-00004");
    assert_string_equal(g[1].reference, "GR-2026-00001");

    /* Without a cooperative, one's own only. */
    assert_int_equal(grants_for_member(db, 3, 0, "ar", g, 8), 1);
    assert_string_equal(g[0].reference, "GR-2026-00006");
    assert_int_equal(grants_for_member(db, 1, 0, "ar", g, 8), 2);
    assert_string_equal(g[0].reference, "GR-2026-00001");
    assert_string_equal(g[1].reference, "GR-2026-00002");
    db_close(db);
}

static void test_find_by_reference_only_among_ones_own(void **state)
{
    (void)state;
    struct db *db = open_db();
    struct ussd_grant g;
    assert_int_equal(grant_find_for_member(db, 1, 1, "gr-2026-00004", "en", &g), 1);
    assert_string_equal(g.reference, "GR-2026-00004");
    assert_int_equal(g.amount_mad, 400);
    assert_no_sort_and_indexes(db);
    assert_int_equal(grant_find_for_member(db, 1, 1, "202600002", "en", &g), 1);
    assert_string_equal(g.reference, "GR-2026-00002");
    assert_int_equal(grant_find_for_member(db, 1, 1, "GR 2026 00005", "en", &g), 1);
    assert_string_equal(g.reference, "GR-2026-00005"); /* the cooperative's */
    /* Member 2's own, and member 3's: not member 1's to see. */
    assert_int_equal(grant_find_for_member(db, 1, 1, "GR-2026-00003", "en", &g), 0);
    assert_int_equal(grant_find_for_member(db, 1, 1, "GR-2026-00006", "en", &g), 0);
    assert_int_equal(grant_find_for_member(db, 3, 0, "GR-2026-00004", "en", &g), 0);
    assert_int_equal(grant_find_for_member(db, 3, 0, "GR-2026-00006", "en", &g), 1);
    db_close(db);
}

/* grant_reference_matches (the USSD step's lookup in the list it read)
 * answers as the query of grant_find_for_member does, reference by
 * reference, typed form by typed form. */
static void test_reference_matching_as_the_query(void **state)
{
    (void)state;
    static const char *const refs[] = {"GR-2026-00042", "gr-2026-00042", "GR2026-00042",
                                       "AGR-2026-7",    "GRGR-1",        "GR-2026-0004",
                                       "X-1",           "GR-",           "G-R-9"};
    static const char *const typed[] = {
        "GR-2026-00042", "gr202600042", "202600042", "2026 00042", "GR 2026/00042",
        "2026-0004",     "A2026-7",     "AGR20267",  "1",          "GRGR1",
        "GR1",           "X1",          "GR",        "",           "9",
        "G R 9",         "GR9",         "é202600042"};
    struct db *db = memory_db();
    assert_int_equal(db_migrate(db), 0);
    exec(db, "INSERT INTO members (id, phone, language, registered_via, registered_at,"
             " created_at, updated_at) VALUES (1, '+212600000001', 'fr', 'ussd', 1, 1, 1)");
    int agree = 0;
    for (size_t r = 0; r < sizeof refs / sizeof refs[0]; r++) {
        char sql[256];
        snprintf(sql, sizeof sql,
                 "DELETE FROM grants; INSERT INTO grants (reference, member_id, programme,"
                 " amount_mad, status, created_at, updated_at) VALUES ('%s', 1, 'p', 1,"
                 " 'submitted', 1, 1)",
                 refs[r]);
        exec(db, sql);
        for (size_t t = 0; t < sizeof typed / sizeof typed[0]; t++) {
            struct ussd_grant g;
            int found = grant_find_for_member(db, 1, 0, typed[t], "fr", &g);
            assert_true(found >= 0);
            if ((found == 1) != grant_reference_matches(typed[t], refs[r]))
                fail_msg("typed \"%s\", reference \"%s\": query %d", typed[t], refs[r], found);
            agree += found;
        }
    }
    assert_true(agree >= 12); /* the table does hold matches, not only misses */
    db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_member_and_cooperative_newest_first),
        cmocka_unit_test(test_find_by_reference_only_among_ones_own),
        cmocka_unit_test(test_reference_matching_as_the_query),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
