/* test_bulk.c -- what a member row imported from CSV derives from its
 * fields (store/bulk): the folded name staff search reads (core/fold,
 * computed in C and bound; NULL for an empty cell) on insert and on
 * update, and the phone's test flag (core/test_number) on insert. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/fold.h"
#include "core/limits.h"
#include "store/bulk.h"
#include "store/db.h"
#include "../common/store_fixture.h"

#define LATIN_NAME "Hélène ŒUVRE-Dupré"
#define LATIN_FOLDED "helene oeuvre-dupre"
#define ARABIC_NAME "أمينة مصطفى کـريم"
#define ARABIC_FOLDED "امينه مصطفي كريم"

#define NOW 1700000000

static struct db *migrated(void)
{
    struct db *db = memory_db();
    assert_int_equal(db_migrate(db), 0);
    return db;
}

/* Import (id 0: insert) or update one member row of phone and name. */
static int64_t write_member(struct db *db, int64_t id, const char *phone, const char *name)
{
    const char *v[BULK_FIELDS_MAX] = {
        [BM_PHONE] = phone, [BM_NAME] = name, [BM_LANGUAGE] = "fr", [BM_CONSENT] = "yes"};
    int64_t out = 0;
    assert_int_equal(bulk_write(db, BULK_MEMBERS, id, v, NOW, &out), 0);
    assert_true(out > 0);
    return out;
}

/* name_folded of the member with phone: as core/fold gives name and as
 * expected ("(null)" for none). */
static void assert_folded(struct db *db, const char *phone, const char *name, const char *expected)
{
    char folded[FOLDED_NAME_MAX], sql[128], stored[FOLDED_NAME_MAX];
    if (name) {
        fold_text(name, strlen(name), folded, sizeof folded);
        assert_string_equal(folded, expected);
    }
    snprintf(sql, sizeof sql, "SELECT name_folded FROM members WHERE phone = '%s'", phone);
    assert_string_equal(text_of(db, sql, stored, sizeof stored), expected);
}

static void test_member_insert_update(void **state)
{
    (void)state;
    struct db *db = migrated();
    int64_t test_id = write_member(db, 0, "+447700900042", ARABIC_NAME);
    int64_t real_id = write_member(db, 0, "+212612345678", LATIN_NAME);
    write_member(db, 0, "+212612345679", "");
    assert_folded(db, "+447700900042", ARABIC_NAME, ARABIC_FOLDED);
    assert_folded(db, "+212612345678", LATIN_NAME, LATIN_FOLDED);
    assert_folded(db, "+212612345679", NULL, "(null)"); /* an empty cell: no name */
    assert_int_equal(scalar(db, "SELECT is_test FROM members WHERE phone = '+447700900042'"), 1);
    assert_int_equal(scalar(db, "SELECT is_test FROM members WHERE phone = '+212612345678'"), 0);

    /* Updated: the folded name follows the name, the test flag stays. */
    assert_int_equal(write_member(db, test_id, "+447700900042", LATIN_NAME), test_id);
    assert_int_equal(write_member(db, real_id, "+212612345678", ""), real_id);
    assert_folded(db, "+447700900042", LATIN_NAME, LATIN_FOLDED);
    assert_folded(db, "+212612345678", NULL, "(null)");
    assert_int_equal(scalar(db, "SELECT is_test FROM members WHERE phone = '+447700900042'"), 1);
    assert_int_equal(scalar(db, "SELECT is_test FROM members WHERE phone = '+212612345678'"), 0);

    /* A cooperative's row binds none of a member's derived values. */
    const char *coop[BULK_FIELDS_MAX] = {
        [BC_CODE] = "C1", [BC_NAME] = "Coop", [BC_PROVINCE] = "Souss-Massa"};
    int64_t coop_id = 0;
    assert_int_equal(bulk_write(db, BULK_COOPERATIVES, 0, coop, NOW, &coop_id), 0);
    assert_int_equal(bulk_write(db, BULK_COOPERATIVES, coop_id, coop, NOW, NULL), 0);
    db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_member_insert_update),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
