/* test_age_band.c -- the age bands (core/age_band): every age falls in
 * exactly one band, at the same edges the SQL function and the members
 * filter use. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/age_band.h"

static const struct {
    int age;
    const char *want;
} cases[] = {
    {-3, "under-18"}, {0, "under-18"}, {17, "under-18"}, {18, "18-25"},
    {25, "18-25"},    {26, "26-35"},   {35, "26-35"},    {36, "36-50"},
    {50, "36-50"},    {51, "51+"},     {120, "51+"},
};

static void test_of_age(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_string_equal(age_band_of_age(cases[i].age), cases[i].want);
}

static void test_table_covers_ages(void **state)
{
    (void)state;
    /* Contiguous, youngest first, the last one open. */
    for (size_t i = 1; i < age_band_count; i++)
        assert_int_equal(age_bands[i].min_age, age_bands[i - 1].max_age + 1);
    assert_int_equal(age_bands[age_band_count - 1].max_age, -1);
    /* The names list: the bands in order, then "unknown", then NULL. */
    for (size_t i = 0; i < age_band_count; i++) {
        assert_string_equal(age_band_names[i], age_bands[i].name);
        assert_ptr_equal(age_band_find(age_bands[i].name), &age_bands[i]);
    }
    assert_string_equal(age_band_names[age_band_count], AGE_BAND_UNKNOWN);
    assert_null(age_band_names[age_band_count + 1]);
    assert_null(age_band_find(AGE_BAND_UNKNOWN));
    assert_null(age_band_find("12-14"));
}

static void test_list(void **state)
{
    (void)state;
    char out[80];
    assert_string_equal(age_band_list(out, sizeof out), "under-18, 18-25, 26-35, 36-50, 51+");
    char small[8];
    age_band_list(small, sizeof small);
    assert_true(strlen(small) < sizeof small);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_of_age),
        cmocka_unit_test(test_table_covers_ages),
        cmocka_unit_test(test_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
