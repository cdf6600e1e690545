/* test_placeholders.c -- the personalisation placeholders (core/placeholders):
 * which a text uses, the first unknown "{word}" named, expansion. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/placeholders.h"

static void test_used(void **state)
{
    (void)state;
    assert_int_equal(placeholders_used("Bonjour {name}, le {date}"),
                     (1u << PLACEHOLDER_NAME) | (1u << PLACEHOLDER_DATE));
    assert_int_equal(placeholders_used("{member_no}{event}"),
                     (1u << PLACEHOLDER_MEMBER_NO) | (1u << PLACEHOLDER_EVENT));
    assert_int_equal(placeholders_used("no braces { name } {} {Name}"), 0);
    assert_int_equal(placeholders_used(""), 0);
}

static void test_unknown_named(void **state)
{
    (void)state;
    char w[PLACEHOLDER_WORD_MAX];
    assert_int_equal(placeholders_find_unknown("Bonjour {name}, {nom} et {foo}", w, sizeof w), 1);
    assert_string_equal(w, "{nom}");
    assert_int_equal(placeholders_find_unknown("{Name}", w, sizeof w), 1); /* case matters */
    assert_string_equal(w, "{Name}");
    /* Braces that attempt nothing are text: a smiley, a lone brace, "{}", "{ }". */
    assert_int_equal(placeholders_find_unknown("a {name} :-} { } {} {{name}} {", w, sizeof w), 0);
    assert_int_equal(placeholders_find_unknown("مرحبا {name}", w, sizeof w), 0);
    /* An attempt that is not a placeholder would reach members as text. */
    assert_int_equal(placeholders_find_unknown("مرحبا {الاسم}", w, sizeof w), 1);
    assert_string_equal(w, "{الاسم}");
    assert_int_equal(placeholders_find_unknown("Bonjour { name }", w, sizeof w), 1);
    assert_string_equal(w, "{ name }");
    assert_int_equal(placeholders_find_unknown("Bonjour {name, le {date}", w, sizeof w), 1);
    assert_string_equal(w, "{name,");
    assert_int_equal(placeholders_find_unknown("Bonjour {name", w, sizeof w), 1);
    assert_string_equal(w, "{name");
    /* Cut to fit on a character boundary: 7 bytes hold "{" and three letters. */
    char small[8];
    assert_int_equal(placeholders_find_unknown("{الاسم}", small, sizeof small), 1);
    assert_string_equal(small, "{الا");
}

static void test_expand(void **state)
{
    (void)state;
    const char *v[PLACEHOLDER_COUNT] = {"Fatima", "TA-000012", NULL, "06/12 10:00"};
    char out[64];
    assert_int_equal(
        placeholders_expand("{name} ({member_no}) {event} {date} {x}{", v, out, sizeof out),
        strlen("Fatima (TA-000012) {event} 06/12 10:00 {x}{"));
    assert_string_equal(out, "Fatima (TA-000012) {event} 06/12 10:00 {x}{");
    assert_int_equal(placeholders_expand("{name}{name}", v, out, sizeof out), 12);
    assert_string_equal(out, "FatimaFatima");
    /* Exactly full: 11 bytes and the NUL fit 12, not 11. */
    assert_int_equal(placeholders_expand("{date}", v, out, 12), 11);
    assert_int_equal(placeholders_expand("{date}", v, out, 11), -1);
    assert_int_equal(placeholders_expand("", v, out, 1), 0);
    assert_string_equal(out, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_used),
        cmocka_unit_test(test_unknown_named),
        cmocka_unit_test(test_expand),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
