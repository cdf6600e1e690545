/* test_members.c -- what store/members writes that the row derives from
 * the member: the folded name staff search reads (core/fold, computed in C
 * and bound) and the test flag of the phone (core/test_number), for a
 * registration, a re-registration of an erased member and a contact's
 * registration. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/fold.h"
#include "core/limits.h"
#include "store/db.h"
#include "store/members.h"
#include "../common/store_fixture.h"

/* Accents, a ligature and capitals; Arabic hamza, ta marbuta, alif maqsura,
 * Persian kaf and tatweel: each folded as staff search reads it. */
#define LATIN_NAME "Hélène ŒUVRE-Dupré"
#define LATIN_FOLDED "helene oeuvre-dupre"
#define ARABIC_NAME "أمينة مصطفى کـريم"
#define ARABIC_FOLDED "امينه مصطفي كريم"

#define TEST_PHONE "+447700900123" /* core/test_number's range */
#define REAL_PHONE "+212612345678"

static struct db *migrated(void)
{
    struct db *db = memory_db();
    assert_int_equal(db_migrate(db), 0);
    return db;
}

static struct member member_of(const char *phone, const char *name)
{
    struct member m = {.gender = 'f', .birth_year = 1990};
    snprintf(m.phone, sizeof m.phone, "%s", phone);
    snprintf(m.name, sizeof m.name, "%s", name);
    snprintf(m.language, sizeof m.language, "ar");
    snprintf(m.consent_channel, sizeof m.consent_channel, "ussd");
    return m;
}

/* The member with phone has name_folded as core/fold gives name, which is
 * expected (the literal guards against core/fold and the store agreeing on
 * a wrong folding), and is_test as said. */
static void assert_derived(struct db *db, const char *phone, const char *name, const char *expected,
                           int is_test)
{
    char folded[FOLDED_NAME_MAX], sql[128], stored[FOLDED_NAME_MAX];
    fold_text(name, strlen(name), folded, sizeof folded);
    assert_string_equal(folded, expected);
    snprintf(sql, sizeof sql, "SELECT name_folded FROM members WHERE phone = '%s'", phone);
    assert_string_equal(text_of(db, sql, stored, sizeof stored), expected);
    snprintf(sql, sizeof sql, "SELECT is_test FROM members WHERE phone = '%s'", phone);
    assert_int_equal(scalar(db, sql), is_test);
}

static void test_register(void **state)
{
    (void)state;
    struct db *db = migrated();
    struct member a = member_of(TEST_PHONE, ARABIC_NAME), l = member_of(REAL_PHONE, LATIN_NAME);
    int64_t id = 0;
    assert_int_equal(member_register(db, &a, "ussd", &id), 0);
    assert_true(id > 0);
    assert_int_equal(member_register(db, &l, "sms", &id), 0);
    assert_derived(db, TEST_PHONE, ARABIC_NAME, ARABIC_FOLDED, 1);
    assert_derived(db, REAL_PHONE, LATIN_NAME, LATIN_FOLDED, 0);

    /* Erased, then registered again in place under another name: the
     * folded name follows (ON CONFLICT's excluded row). */
    assert_int_equal(member_erase(db, id), 0);
    char stored[16];
    assert_string_equal(text_of(db,
                                "SELECT name_folded FROM members WHERE phone = '" REAL_PHONE "'",
                                stored, sizeof stored),
                        "(null)");
    struct member again = member_of(REAL_PHONE, ARABIC_NAME);
    assert_int_equal(member_register(db, &again, "ussd", &id), 0);
    assert_derived(db, REAL_PHONE, ARABIC_NAME, ARABIC_FOLDED, 0);
    /* A registered member is left as they were. */
    struct member other = member_of(TEST_PHONE, LATIN_NAME);
    assert_int_equal(member_register(db, &other, "ussd", &id), 0);
    assert_derived(db, TEST_PHONE, ARABIC_NAME, ARABIC_FOLDED, 1);
    db_close(db);
}

static void test_register_by_contact(void **state)
{
    (void)state;
    struct db *db = migrated();
    struct member contact = member_of("+212600000001", "Contact");
    int64_t contact_id = 0, id = 0;
    assert_int_equal(member_register(db, &contact, "ussd", &contact_id), 0);
    struct member a = member_of(TEST_PHONE, LATIN_NAME), r = member_of(REAL_PHONE, ARABIC_NAME);
    assert_int_equal(member_register_by_contact(db, &a, contact_id, &id), 1);
    assert_int_equal(member_register_by_contact(db, &r, contact_id, &id), 1);
    assert_derived(db, TEST_PHONE, LATIN_NAME, LATIN_FOLDED, 1);
    assert_derived(db, REAL_PHONE, ARABIC_NAME, ARABIC_FOLDED, 0);
    /* An empty name is folded to empty, as the SQL function folded it. */
    struct member blank = member_of("+212600000002", "");
    assert_int_equal(member_register_by_contact(db, &blank, contact_id, &id), 1);
    assert_int_equal(
        scalar(db, "SELECT name_folded = '' FROM members WHERE phone = '+212600000002'"), 1);
    db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_register),
        cmocka_unit_test(test_register_by_contact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
