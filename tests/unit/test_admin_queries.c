/* test_admin_queries.c -- the admin API's statements on an in-memory
 * database: named arguments reach the parameter they name whatever their
 * order, a filter left out means "any", and the runner refuses a name the
 * statement lacks or a positional argument to a long statement. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "store/admin_queries.h"
#include "store/db.h"

static struct db *memory_db(void)
{
    struct db_options opt = {.path = ":memory:", .busy_timeout_ms = 1000};
    struct db *db = db_open(&opt);
    assert_non_null(db);
    assert_int_equal(db_migrate(db), 0);
    return db;
}

static void insert_coop(struct db *db, const char *code, const char *province)
{
    /* Deliberately not in the column order of the statement. */
    struct adminq_arg a[] = {
        adminq_as(":now", adminq_int(1700000000)),  adminq_as(":province", adminq_text(province)),
        adminq_as(":code", adminq_text(code)),      adminq_as(":name", adminq_text("Coop")),
        adminq_as(":sector", adminq_text("argan")),
    };
    assert_int_equal(adminq_exec(db, ADMINQ_COOP_INSERT, a, 5, NULL, NULL), ADMINQ_OK);
}

static void test_named_arguments(void **state)
{
    (void)state;
    struct db *db = memory_db();
    insert_coop(db, "C1", "Souss-Massa");
    insert_coop(db, "C2", "Draa-Tafilalet");
    insert_coop(db, "C3", "Souss-Massa");

    int64_t n = -1;
    struct adminq_arg by_province[] = {adminq_as(":province", adminq_text("Souss-Massa"))};
    assert_int_equal(adminq_scalar(db, ADMINQ_COOPS_COUNT, by_province, 1, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(adminq_scalar(db, ADMINQ_COOPS_COUNT, NULL, 0, &n), 0);
    assert_int_equal(n, 3); /* no filter: any */

    struct adminq_arg page[] = {adminq_as(":offset", adminq_int(1)),
                                adminq_as(":limit", adminq_int(1)),
                                adminq_as(":province", adminq_text("Souss-Massa"))};
    struct adminq_table t;
    assert_int_equal(adminq_select(db, ADMINQ_COOPS_LIST, page, 3, &t), 0);
    assert_int_equal(t.nrows, 1);
    assert_string_equal(adminq_str(&t, 0, 1), "C3");
    adminq_table_free(&t);
    db_close(db);
}

static void test_refused_arguments(void **state)
{
    (void)state;
    struct db *db = memory_db();
    int64_t n = -1;
    struct adminq_arg unknown[] = {adminq_as(":provinc", adminq_text("Souss-Massa"))};
    assert_int_equal(adminq_scalar(db, ADMINQ_COOPS_COUNT, unknown, 1, &n), -1);
    struct adminq_arg positional[] = {adminq_text("x"), adminq_text("Souss-Massa")};
    struct adminq_table t;
    assert_int_equal(adminq_select(db, ADMINQ_COOPS_LIST, positional, 2, &t), -1);
    /* A short statement still takes its arguments in order. */
    struct adminq_arg id = adminq_int(1);
    assert_int_equal(adminq_scalar(db, ADMINQ_COOP_GET, &id, 1, &n), 0);
    assert_int_equal(n, 0); /* no row */
    db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_named_arguments),
        cmocka_unit_test(test_refused_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
