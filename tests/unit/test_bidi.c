/* test_bidi.c -- when an Arabic text needs the right-to-left mark in front
 * (core/bidi): its first strong letter is Latin (issue 15, finding 11). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/bidi.h"

static bool needs(const char *s)
{
    return bidi_needs_rlm(s, strlen(s));
}

static void test_needs_rlm(void **state)
{
    (void)state;
    /* Arabic screens that start with Latin letters. */
    assert_true(needs("GR-2026-00041\nوثائق ناقصة"));
    assert_true(needs("TA-000001 فاطمة"));
    assert_true(needs("Youssef El Amrani\nتعاونية"));
    /* Digits and punctuation are not strong: the first letter decides. */
    assert_true(needs("14/12 11:00، Berkane، بركان"));
    assert_false(needs("14/12 11:00، بركان Berkane"));
    /* Arabic first, or no Arabic at all: nothing to add. */
    assert_false(needs("مرحبا Youssef"));
    assert_false(needs("1. أنشطة مفعّل"));
    assert_false(needs("GR-2026-00041 en étude"));
    assert_false(needs(""));
    /* Already marked. */
    assert_false(needs(BIDI_RLM "GR-2026-00041 وثائق"));
}

static void test_has_rtl(void **state)
{
    (void)state;
    assert_true(bidi_has_rtl("العربية", strlen("العربية")));
    assert_false(bidi_has_rtl("Français", strlen("Français")));
    /* Arabic-Indic digits alone are not letters. */
    assert_false(bidi_has_rtl("\xd9\xa1\xd9\xa2", 4));
    /* Presentation forms (some phones send them) are. */
    assert_true(bidi_has_rtl("\xef\xbb\xa3", 3));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_needs_rlm),
        cmocka_unit_test(test_has_rtl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
