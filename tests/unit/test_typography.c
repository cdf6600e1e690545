/* test_typography.c -- staff text made GSM-7 (core/typography): issue 15,
 * findings 2 and 5 (one ’ « » or œ in a French title turned the event's
 * screen into UCS-2 and removed its date, place and seats). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/gsm.h"
#include "core/typography.h"

static const char *norm(const char *in, struct typography_changes *ch)
{
    static char out[512];
    assert_true(typography_normalise(in, strlen(in), out, sizeof out, ch) >= 0);
    return out;
}

static enum text_encoding encoding_of(const char *s)
{
    struct text_measure m;
    assert_int_equal(text_measure(s, strlen(s), &m), 0);
    return m.encoding;
}

static void test_french_typography(void **state)
{
    (void)state;
    struct typography_changes ch;
    const char *in = "Journée d\u2019information sur l\u2019export";
    assert_int_equal(encoding_of(in), TEXT_UCS2);
    assert_string_equal(norm(in, &ch), "Journée d'information sur l'export");
    assert_int_equal(ch.count, 2);
    assert_int_equal(ch.nreplaced, 1);
    assert_int_equal(ch.replaced[0], 0x2019);
    assert_int_equal(encoding_of(norm(in, NULL)), TEXT_GSM7);

    assert_string_equal(norm("\u00ab\u00a0Salon\u00a0\u00bb \u2013 Nador\u2026", &ch),
                        "\"Salon\" - Nador...");
    assert_int_equal(ch.nreplaced, 5); /* « NBSP » – … */
    assert_string_equal(norm("« Cœur de l’Oriental »", NULL), "\"Coeur de l'Oriental\"");
    assert_string_equal(norm("\u201cTitre\u201d \u2018x\u2019 \u2014 \u0152uvre", NULL),
                        "\"Titre\" 'x' - OEuvre");
    assert_string_equal(norm("15\u202f000 MAD", NULL), "15 000 MAD");
    assert_string_equal(norm("co\u00adop\u200b\ufeff", NULL), "coop");
}

static void test_what_stays(void **state)
{
    (void)state;
    struct typography_changes ch;
    /* Letters are content: ç, â, accents; Arabic whole. */
    assert_string_equal(norm("Français, âge, élevé", &ch), "Français, âge, élevé");
    assert_int_equal(ch.count, 0);
    assert_string_equal(norm("لقاء دار المتعاونة", &ch), "لقاء دار المتعاونة");
    assert_int_equal(ch.count, 0);
    assert_string_equal(norm("", &ch), "");
}

static void test_errors(void **state)
{
    (void)state;
    char out[8];
    assert_int_equal(typography_normalise("\xff", 1, out, sizeof out, NULL), -1);
    assert_string_equal(out, "");
    /* Never longer than the input: len + 1 bytes are enough, len are not. */
    assert_int_equal(typography_normalise("ab\u2026", 5, out, 5, NULL), -1);
    assert_int_equal(typography_normalise("ab\u2026", 5, out, 6, NULL), 5);
    assert_string_equal(out, "ab...");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_french_typography),
        cmocka_unit_test(test_what_stays),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
