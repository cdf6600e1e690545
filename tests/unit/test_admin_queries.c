/* test_admin_queries.c -- the admin API's statements on an in-memory
 * database: named arguments reach the parameter they name whatever their
 * order, a filter left out means "any", and the runner refuses a name the
 * statement lacks or a positional argument to a long statement; the values
 * a member's row derives (the folded name, the test flag) are the runner's,
 * computed in C. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/fold.h"
#include "core/limits.h"
#include "store/admin_queries.h"
#include "store/db.h"
#include "../common/store_fixture.h"

static struct db *migrated(void)
{
    struct db *db = memory_db();
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
    struct db *db = migrated();
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
    struct db *db = migrated();
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

#define NAME "Hélène ŒUVRE-Dupré أمينة مصطفى کـريم"
#define NAME_FOLDED "helene oeuvre-dupre امينه مصطفي كريم"

static enum adminq_write_result update_name(struct db *db, const char *name)
{
    struct adminq_arg a[] = {adminq_as(":id", adminq_int(1)), adminq_as(":name", adminq_text(name)),
                             adminq_as(":language", adminq_text("ar")),
                             adminq_as(":is_contact", adminq_int(0)),
                             adminq_as(":now", adminq_int(1700000001))};
    int64_t changes = 0;
    enum adminq_write_result w = adminq_exec(db, ADMINQ_MEMBER_UPDATE, a, 5, &changes, NULL);
    if (w == ADMINQ_OK)
        assert_int_equal(changes, 1);
    return w;
}

static void set_phone(struct db *db, const char *phone)
{
    struct adminq_arg a[] = {adminq_as(":now", adminq_int(1700000002)),
                             adminq_as(":phone", adminq_text(phone)),
                             adminq_as(":id", adminq_int(1))};
    assert_int_equal(adminq_exec(db, ADMINQ_MEMBER_SET_PHONE, a, 3, NULL, NULL), ADMINQ_OK);
}

static void test_member_derived(void **state)
{
    (void)state;
    struct db *db = migrated();
    exec(db, "INSERT INTO members (id, phone, name, language, created_at, updated_at)"
             " VALUES (1, '+212612345678', 'x', 'fr', 1, 1)");
    char folded[FOLDED_NAME_MAX], stored[FOLDED_NAME_MAX];
    fold_text(NAME, strlen(NAME), folded, sizeof folded);
    assert_string_equal(folded, NAME_FOLDED);
    assert_int_equal(update_name(db, NAME), ADMINQ_OK);
    assert_string_equal(
        text_of(db, "SELECT name_folded FROM members WHERE id = 1", stored, sizeof stored),
        NAME_FOLDED);
    assert_int_equal(update_name(db, NULL), ADMINQ_OK); /* no name, no folded name */
    assert_string_equal(
        text_of(db, "SELECT name_folded FROM members WHERE id = 1", stored, sizeof stored),
        "(null)");

    /* The test flag follows the number, into the range and out of it. */
    set_phone(db, "+447700900999");
    assert_int_equal(scalar(db, "SELECT is_test FROM members WHERE id = 1"), 1);
    set_phone(db, "+447700901000");
    assert_int_equal(scalar(db, "SELECT is_test FROM members WHERE id = 1"), 0);

    /* A derived parameter is the runner's: an argument naming it is refused. */
    struct adminq_arg forged[] = {
        adminq_as(":id", adminq_int(1)), adminq_as(":phone", adminq_text("+212612345678")),
        adminq_as(":is_test", adminq_int(1)), adminq_as(":now", adminq_int(1700000003))};
    assert_int_equal(adminq_exec(db, ADMINQ_MEMBER_SET_PHONE, forged, 4, NULL, NULL), ADMINQ_ERROR);
    assert_int_equal(scalar(db, "SELECT is_test FROM members WHERE id = 1"), 0);
    db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_named_arguments),
        cmocka_unit_test(test_refused_arguments),
        cmocka_unit_test(test_member_derived),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
