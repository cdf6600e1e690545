/* test_text_input.c -- cleaning free text members type (core/text_input). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "core/text_input.h"

struct clean_case {
    const char *in;
    size_t min, max;
    bool breaks;
    bool ok;
    const char *out;
};

static const struct clean_case cases[] = {
    {"Fatima Zahra", 2, 60, false, true, "Fatima Zahra"},
    {"  Fatima   Zahra  ", 2, 60, false, true, "Fatima Zahra"},
    {"فاطمة الزهراء", 2, 60, false, true, "فاطمة الزهراء"},
    {"ⵜⴰⵎⴰⵣⵉⵖⵜ", 2, 60, false, true, "ⵜⴰⵎⴰⵣⵉⵖⵜ"},
    {"Ali*Baba", 2, 60, false, true, "Ali*Baba"},
    {"Élodie N'Diaye", 2, 60, false, true, "Élodie N'Diaye"},
    {"A", 2, 60, false, false, NULL},             /* too short */
    {"12345", 2, 60, false, false, NULL},         /* no letters */
    {"٠١٢٣", 2, 60, false, false, NULL},          /* Arabic-Indic digits are not letters */
    {"😀😀😀", 2, 60, false, false, NULL},           /* symbols are not letters */
    {"Ali#Baba", 2, 60, false, false, NULL},      /* '#' ends a USSD string */
    {"Ali\x01", 2, 60, false, false, NULL},       /* control character */
    {"Ali\nBaba", 2, 60, false, false, NULL},     /* a break refused over USSD */
    {"Ali\nBaba", 2, 60, true, true, "Ali Baba"}, /* and a space in an SMS */
    {"Ali\xc2\x85", 2, 60, true, false, NULL},    /* C1 control */
    {"\xc3\x28", 2, 60, false, false, NULL},      /* invalid UTF-8 */
    {"abcdefghij", 2, 9, false, false, NULL},     /* too long */
    {"abcdefghi", 2, 9, false, true, "abcdefghi"},
};

static void test_clean_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct clean_case *c = &cases[i];
        char out[128];
        bool ok =
            text_input_clean(c->in, strlen(c->in), c->min, c->max, c->breaks, out, sizeof out);
        if (ok != c->ok)
            fail_msg("case %zu (%s): got %d, want %d", i, c->in, ok, c->ok);
        if (ok)
            assert_string_equal(out, c->out);
    }
}

static void test_output_bound(void **state)
{
    char out[8];
    (void)state;
    /* Longer than the buffer: refused, never cut. */
    assert_false(text_input_clean("Fatima Zahra", 12, 2, 60, false, out, sizeof out));
    assert_true(text_input_clean("Fatima", 6, 2, 60, false, out, sizeof out));
    assert_string_equal(out, "Fatima");
    assert_false(text_input_clean("Fatima", 6, 2, 60, false, out, 0));
}

static void test_letters(void **state)
{
    (void)state;
    assert_true(text_input_is_letter('a'));
    assert_true(text_input_is_letter(0x0628)); /* ب */
    assert_true(text_input_is_letter(0x00e9)); /* é */
    assert_true(text_input_is_letter(0x2d30)); /* ⴰ */
    assert_false(text_input_is_letter('5'));
    assert_false(text_input_is_letter(0x0661)); /* ١ */
    assert_false(text_input_is_letter(0x00d7)); /* × */
    assert_false(text_input_is_letter(0x1f600));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_table),
        cmocka_unit_test(test_output_bound),
        cmocka_unit_test(test_letters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
