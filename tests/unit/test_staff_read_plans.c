/* test_staff_read_plans.c -- the staff reads that must stay cheap at
 * national size (1 M members, 100 k grants, 10 M messages) read what they
 * answer through an index, asserted on SQLite's own query plan of the
 * statement the store actually ran (found among the connection's prepared
 * statements), and answer what they should: the dashboard's grants per
 * status (a covering index, test members left out), GET /messages (a page
 * down the ids from before_id, no sort; a member's or a phone's messages
 * through their index; the count bounded). No timing: plans and rows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "store/db_sql.h"
#include "store/admin_queries.h"
#include "store/console_queries.h"
#include "store/db.h"
#include "../common/store_fixture.h"

/* The text of every statement the store ran on the connection (a trace). */
#define RAN_MAX 32
static char ran[RAN_MAX][4096];
static size_t nran;

static int on_statement(unsigned type, void *ctx, void *p, void *x)
{
    (void)type, (void)ctx, (void)x;
    const char *sql = sqlite3_sql((sqlite3_stmt *)p);
    if (sql && strncmp(sql, "EXPLAIN", 7) != 0)
        snprintf(ran[nran++ % RAN_MAX], sizeof ran[0], "%s", sql);
    return 0;
}

static struct db *open_db(void)
{
    struct db *db = memory_db();
    assert_int_equal(db_migrate(db), 0);
    nran = 0;
    sqlite3_trace_v2(db->sq, SQLITE_TRACE_STMT, on_statement, NULL);
    exec(db, "INSERT INTO cooperatives (id, code, name, province, created_at, updated_at)"
             " VALUES (1, 'C1', 'Coop', 'berkane', 1, 1);"
             "INSERT INTO members (id, phone, language, registered_via, registered_at,"
             " created_at, updated_at, is_test) VALUES (1, '+212600000001', 'fr', 'ussd', 1, 1, 1,"
             " 0), (2, '+447700900001', 'fr', 'ussd', 1, 1, 1, 1);"
             "INSERT INTO grants (reference, member_id, cooperative_id, programme, amount_mad,"
             " status, created_at, updated_at) VALUES ('GR-2026-00001', 1, NULL, 'p', 100,"
             " 'approved', 1, 1), ('GR-2026-00002', 1, NULL, 'p', 50, 'approved', 1, 1),"
             " ('GR-2026-00003', 2, NULL, 'p', 70, 'approved', 1, 1),"
             " ('GR-2026-00004', NULL, 1, 'p', 5, 'submitted', 1, 1);"
             "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 40)"
             " INSERT INTO messages (channel, direction, phone, member_id, kind, body, encoding,"
             " segments, status, created_at, updated_at) SELECT 'at', 'out',"
             " CASE i % 2 WHEN 0 THEN '+212600000001' ELSE '+212600000009' END,"
             " CASE i % 2 WHEN 0 THEN 1 END, 'reply', 'x', 'gsm7', 1, 'delivered', i, i FROM k;");
    return db;
}

/* The plan (its details joined by ';') of the newest statement run on db
 * whose text contains `part`, as SQLite would run it now. */
static void plan_of(struct db *db, const char *part, char *out, size_t outsz)
{
    const char *sql = NULL;
    for (size_t i = nran; i > 0 && i + RAN_MAX > nran && !sql; i--)
        if (strstr(ran[(i - 1) % RAN_MAX], part))
            sql = ran[(i - 1) % RAN_MAX];
    assert_non_null(sql);
    char q[4200];
    snprintf(q, sizeof q, "EXPLAIN QUERY PLAN %s", sql);
    sqlite3_stmt *p = NULL;
    assert_int_equal(sqlite3_prepare_v2(db->sq, q, -1, &p, NULL), SQLITE_OK);
    out[0] = '\0';
    while (sqlite3_step(p) == SQLITE_ROW) {
        strncat(out, (const char *)sqlite3_column_text(p, 3), outsz - strlen(out) - 2);
        strcat(out, ";");
    }
    sqlite3_finalize(p);
}

static void test_dashboard_grants_from_a_covering_index(void **state)
{
    (void)state;
    struct db *db = open_db();
    struct consoleq_count rows[8];
    int n = consoleq_grants_by_status(db, rows, 8);
    assert_int_equal(n, 2);
    assert_string_equal(rows[0].key, "approved");
    assert_int_equal(rows[0].count, 2); /* the test member's grant left out */
    assert_int_equal(rows[0].amount, 150);
    assert_string_equal(rows[1].key, "submitted");
    assert_int_equal(rows[1].amount, 5);
    char plan[1024];
    plan_of(db, "FROM grants", plan, sizeof plan);
    assert_non_null(strstr(plan, "SCAN grants USING COVERING INDEX grants_status_amount"));
    db_close(db);
}

/* The ids of ADMINQ_MESSAGES_*_LIST with a member, a phone or neither. */
static size_t list(struct db *db, enum adminq q, int64_t member, const char *phone, int64_t before,
                   int64_t *ids)
{
    struct adminq_arg a[] = {
        adminq_as(":member_id", member ? adminq_int(member) : adminq_null()),
        adminq_as(":phone", adminq_text(phone)),
        adminq_as(":before_id", adminq_int(before)),
        adminq_as(":limit", adminq_int(5)),
        adminq_as(":offset", adminq_int(0)),
    };
    struct adminq_table t;
    assert_int_equal(adminq_select(db, q, a, sizeof a / sizeof a[0], &t), 0);
    for (size_t r = 0; r < t.nrows; r++)
        ids[r] = adminq_i64(&t, r, 0);
    size_t n = t.nrows;
    adminq_table_free(&t);
    return n;
}

static void test_messages_pages_through_indexes(void **state)
{
    (void)state;
    struct db *db = open_db();
    int64_t ids[8];
    char plan[1024];
    assert_int_equal(list(db, ADMINQ_MESSAGES_LIST, 0, NULL, 38, ids), 5);
    assert_int_equal(ids[0], 37);
    assert_int_equal(ids[4], 33);
    plan_of(db, "id < :before_id AND (member_id = :member_id", plan, sizeof plan);
    assert_non_null(strstr(plan, "SEARCH messages USING INTEGER PRIMARY KEY (rowid<?)"));
    assert_null(strstr(plan, "TEMP B-TREE"));

    assert_int_equal(list(db, ADMINQ_MESSAGES_BY_MEMBER_LIST, 1, NULL, 30, ids), 5);
    assert_int_equal(ids[0], 28);
    assert_int_equal(ids[4], 20);
    plan_of(db, "member_id = :member_id AND id <", plan, sizeof plan);
    assert_non_null(strstr(plan, "USING INDEX messages_member (member_id=? AND rowid<?)"));
    assert_null(strstr(plan, "TEMP B-TREE"));

    assert_int_equal(list(db, ADMINQ_MESSAGES_BY_PHONE_LIST, 0, "+212600000009", 10, ids), 5);
    assert_int_equal(ids[0], 9);
    plan_of(db, "phone = :phone AND id <", plan, sizeof plan);
    assert_non_null(strstr(plan, "USING INDEX messages_phone (phone=? AND rowid<?)"));

    /* The count stops at :cap. */
    struct adminq_arg c[] = {adminq_as(":cap", adminq_int(7))};
    int64_t total = 0;
    assert_int_equal(adminq_scalar(db, ADMINQ_MESSAGES_COUNT, c, 1, &total), 0);
    assert_int_equal(total, 7);
    c[0] = adminq_as(":cap", adminq_int(1000));
    assert_int_equal(adminq_scalar(db, ADMINQ_MESSAGES_COUNT, c, 1, &total), 0);
    assert_int_equal(total, 40);
    db_close(db);
}

/* A phone's and a cooperative's members through their index, the other
 * filters still applied. */
static void test_members_by_phone_and_cooperative_through_indexes(void **state)
{
    (void)state;
    struct db *db = open_db();
    exec(db, "UPDATE members SET cooperative_id = 1, gender = 'f' WHERE id = 1");
    struct adminq_arg a[] = {
        adminq_as(":phone", adminq_text("+212600000001")), adminq_as(":erased", adminq_int(0)),
        adminq_as(":limit", adminq_int(10)), adminq_as(":offset", adminq_int(0))};
    struct adminq_table t;
    assert_int_equal(adminq_select(db, ADMINQ_MEMBERS_BY_PHONE_LIST, a, 4, &t), 0);
    assert_int_equal(t.nrows, 1);
    assert_int_equal(adminq_i64(&t, 0, 0), 1);
    adminq_table_free(&t);
    char plan[1024];
    plan_of(db, "WHERE m.phone = :phone AND", plan, sizeof plan);
    assert_non_null(strstr(plan, "SEARCH m USING INDEX sqlite_autoindex_members_1 (phone=?)"));

    a[0] = adminq_as(":cooperative_id", adminq_int(1));
    struct adminq_arg g = adminq_as(":gender", adminq_text("m"));
    int64_t n = -1;
    assert_int_equal(adminq_scalar(db, ADMINQ_MEMBERS_BY_COOP_COUNT, a, 2, &n), 0);
    assert_int_equal(n, 1);
    struct adminq_arg b[] = {a[0], a[1], g};
    assert_int_equal(adminq_scalar(db, ADMINQ_MEMBERS_BY_COOP_COUNT, b, 3, &n), 0);
    assert_int_equal(n, 0); /* the other filters still apply */
    plan_of(db, "WHERE m.cooperative_id = :cooperative_id AND", plan, sizeof plan);
    assert_non_null(strstr(plan, "USING INDEX members_cooperative (cooperative_id=?)"));
    db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dashboard_grants_from_a_covering_index),
        cmocka_unit_test(test_messages_pages_through_indexes),
        cmocka_unit_test(test_members_by_phone_and_cooperative_through_indexes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
