/* test_password.c -- staff password hashes (sys/password): the stored form
 * carries its parameters and a fresh salt, the right password verifies, a
 * wrong one or a damaged stored form never does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "sys/password.h"

static const char pw[] = "oujda-berkane-2026";

static void test_round_trip(void **state)
{
    (void)state;
    char a[PASSWORD_HASH_MAX], b[PASSWORD_HASH_MAX];
    assert_int_equal(password_hash(pw, strlen(pw), a), 0);
    assert_int_equal(password_hash(pw, strlen(pw), b), 0);
    assert_int_equal(strncmp(a, "scrypt$15$8$1$", 14), 0);
    assert_int_equal(strlen(a), 14 + 32 + 1 + 64);
    assert_string_not_equal(a, b); /* a new salt each time */
    assert_true(password_verify(pw, strlen(pw), a));
    assert_true(password_verify(pw, strlen(pw), b));
    assert_false(password_verify(pw, strlen(pw) - 1, a));
    assert_false(password_verify("Oujda-berkane-2026", strlen(pw), a));
    assert_false(password_verify("", 0, a));
}

static void test_damaged_stored_forms(void **state)
{
    (void)state;
    char good[PASSWORD_HASH_MAX], bad[PASSWORD_HASH_MAX + 8];
    assert_int_equal(password_hash(pw, strlen(pw), good), 0);
    assert_false(password_verify(pw, strlen(pw), NULL));
    assert_false(password_verify(pw, strlen(pw), ""));
    assert_false(password_verify(pw, strlen(pw), "plain-text-password"));
    /* Parameters out of bounds: refused before any work. */
    snprintf(bad, sizeof bad, "scrypt$40%s", good + 9);
    assert_false(password_verify(pw, strlen(pw), bad));
    /* A flipped hash digit, a truncated hash, upper-case hex, an extra byte. */
    size_t n = strlen(good);
    memcpy(bad, good, n + 1);
    bad[n - 1] = bad[n - 1] == '0' ? '1' : '0';
    assert_false(password_verify(pw, strlen(pw), bad));
    memcpy(bad, good, n + 1);
    bad[n - 2] = '\0';
    assert_false(password_verify(pw, strlen(pw), bad));
    memcpy(bad, good, n + 1);
    bad[n - 1] = 'F';
    assert_false(password_verify(pw, strlen(pw), bad));
    snprintf(bad, sizeof bad, "%s0", good);
    assert_false(password_verify(pw, strlen(pw), bad));
}

/* Temporary passwords: "xxxx-xxxx-xxxx" from the 31 characters not read
 * alike, long enough for PASSWORD_MIN, different every time, and every
 * character of the alphabet drawn (no position stuck, no letter left out). */
static void test_temporary(void **state)
{
    (void)state;
    static const char alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";
    char seen[256] = {0}, first[PASSWORD_TEMPORARY_LEN + 1];
    assert_true(PASSWORD_TEMPORARY_LEN >= PASSWORD_MIN);
    for (int round = 0; round < 200; round++) {
        char temp[PASSWORD_TEMPORARY_LEN + 1];
        assert_int_equal(password_temporary(temp), 0);
        assert_int_equal(strlen(temp), PASSWORD_TEMPORARY_LEN);
        for (size_t i = 0; i < PASSWORD_TEMPORARY_LEN; i++) {
            if (i % 5 == 4) {
                assert_int_equal(temp[i], '-');
                continue;
            }
            assert_non_null(strchr(alphabet, temp[i]));
            seen[(unsigned char)temp[i]] = 1;
        }
        if (round == 0)
            memcpy(first, temp, sizeof first);
        else
            assert_string_not_equal(first, temp);
    }
    for (const char *c = alphabet; *c; c++)
        assert_true(seen[(unsigned char)*c]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_damaged_stored_forms),
        cmocka_unit_test(test_temporary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
