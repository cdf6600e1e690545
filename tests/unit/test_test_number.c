/* test_test_number.c -- the reserved test range (core/test_number): its
 * thousand numbers and nothing else, and every one a valid number. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/msisdn.h"
#include "core/test_number.h"

static void test_range(void **state)
{
    (void)state;
    assert_true(test_number_is(TEST_NUMBER_FIRST));
    assert_true(test_number_is(TEST_NUMBER_LAST));
    assert_true(test_number_is("+447700900123"));
    static const char *const real[] = {
        "+212600000001", "+447700901000", "+44770090012",  "+4477009001234",
        "+447700800123", "447700900123",  "+44770090012a", "",
    };
    for (size_t i = 0; i < sizeof real / sizeof real[0]; i++)
        assert_false(test_number_is(real[i]));
    assert_false(test_number_is(NULL));
}

static void test_range_is_valid(void **state)
{
    (void)state;
    /* What staff type ("+44 7700 900123") normalises into the range. */
    char out[MSISDN_MAX];
    assert_int_equal(msisdn_normalize("+44 7700 900123", 15, out), MSISDN_OK);
    assert_string_equal(out, "+447700900123");
    assert_true(test_number_is(out));
    assert_int_equal(msisdn_normalize(TEST_NUMBER_LAST, strlen(TEST_NUMBER_LAST), out), MSISDN_OK);
    assert_true(test_number_is(out));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_range),
        cmocka_unit_test(test_range_is_valid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
