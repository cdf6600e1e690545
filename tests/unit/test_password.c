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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_damaged_stored_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
