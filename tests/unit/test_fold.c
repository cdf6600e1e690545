/* test_fold.c -- the one text folding (core/fold) and what it gives the
 * keyword parser: Arabic presentation forms and fullwidth letters read as
 * keywords, in ar, fr and en (issue 15, finding 13). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/fold.h"
#include "core/sms_command.h"

struct fold_case {
    const char *in, *out;
};

static const struct fold_case cases[] = {
    {"  B\xc3\xa9rkane  Oujda ", "berkane oujda"},
    {"Œuvre Ça Straße", "oeuvre ca strasse"},
    /* ﻣﺴﺎﻋﺪﺓ (presentation forms B) -> مساعده */
    {"\xef\xbb\xa3\xef\xba\xb4\xef\xba\x8e\xef\xbb\x8b\xef\xba\xaa\xef\xba\x93",
     "\xd9\x85\xd8\xb3\xd8\xa7\xd8\xb9\xd8\xaf\xd9\x87"},
    /* ＨＥＬＰ (fullwidth) */
    {"\xef\xbc\xa8\xef\xbc\xa5\xef\xbc\xac\xef\xbc\xb0", "help"},
    /* أنثى إستئناف: hamza forms, alef maksura */
    {"أنثى إِسْتِئْنَاف", "انثي استيناف"},
    {"الـنـاظـور", "الناظور"},
    {"ک ی ٱ", "ك ي ا"},
    {"٢٠٢٦ ۱۹۸۷ ①", "2026 1987 1"},
    /* RLM removed, NBSP a space, punctuation kept */
    {"\xe2\x80\x8fGR-2026\xc2\xa0"
     "00044!",
     "gr-2026 00044!"},
    {"a\xff"
     "b",
     "a b"},
    {"", ""},
};

static void test_fold_text_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[128], again[128];
        size_t n = fold_text(cases[i].in, strlen(cases[i].in), out, sizeof out);
        assert_string_equal(out, cases[i].out);
        assert_int_equal(n, strlen(cases[i].out));
        /* Idempotent: a folded column compares with a folded query. */
        fold_text(out, n, again, sizeof again);
        assert_string_equal(again, out);
    }
}

static void test_fold_text_bounded(void **state)
{
    (void)state;
    char out[5];
    assert_int_equal(fold_text("ابجد", strlen("ابجد"), out, sizeof out), 4);
    assert_string_equal(out, "\xd8\xa7\xd8\xa8");
    assert_int_equal(fold_text("abc", 3, out, 1), 0);
    assert_string_equal(out, "");
    assert_int_equal(fold_text(NULL, 0, out, sizeof out), 0);
    /* U+FDFA decomposes to 18 letters: cut at a character boundary */
    char small[8];
    fold_text("\xef\xb7\xba", 3, small, sizeof small);
    assert_true(strlen(small) < sizeof small);
}

static void test_fold_cp(void **state)
{
    (void)state;
    char out[FOLD_CP_BYTES];
    assert_int_equal(fold_cp('A', out), 1);
    assert_memory_equal(out, "a", 1);
    assert_int_equal(fold_cp(0x064B, out), 0); /* fathatan: a mark */
    assert_int_equal(fold_cp(0x0640, out), 0); /* tatweel */
    assert_int_equal(fold_cp(0xFE93, out), 2); /* ﺓ -> ه */
    assert_memory_equal(out, "\xd9\x87", 2);
}

struct keyword_case {
    const char *text;
    enum sms_command_kind command;
    const char *lang;
};

/* Keywords as some phones send them: Arabic presentation forms, fullwidth
 * letters (fail before core/fold: presentation forms matched nothing). */
static const struct keyword_case keywords[] = {
    {"\xef\xbb\xa3\xef\xba\xb4\xef\xba\x8e\xef\xbb\x8b\xef\xba\xaa\xef\xba\x93", SMS_CMD_HELP,
     "ar"},                          /* ﻣﺴﺎﻋﺪﺓ */
    {"ﺍﻧﺸﻄﺔ", SMS_CMD_EVENTS, "ar"}, /* presentation forms of انشطة */
    {"\xef\xbc\xa1\xef\xbc\xa9\xef\xbc\xa4\xef\xbc\xa5", SMS_CMD_HELP, "fr"}, /* ＡＩＤＥ */
    {"\xef\xbc\xa8\xef\xbc\xa5\xef\xbc\xac\xef\xbc\xb0", SMS_CMD_HELP, "en"}, /* ＨＥＬＰ */
    {"\xef\xbd\x85\xef\xbd\x96\xef\xbd\x85\xef\xbd\x8e\xef\xbd\x94\xef\xbd\x93", SMS_CMD_EVENTS,
     "en"},                                                                 /* ｅｖｅｎｔｓ */
    {"\xef\xbc\xb3\xef\xbc\xb4\xef\xbc\xaf\xef\xbc\xb0", SMS_CMD_STOP, ""}, /* ＳＴＯＰ */
};

static void test_keywords_in_compatibility_forms(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++) {
        struct sms_command c;
        assert_int_equal(sms_command_parse(keywords[i].text, strlen(keywords[i].text), &c),
                         SMS_CMD_OK);
        assert_int_equal(c.command, keywords[i].command);
        if (keywords[i].lang[0])
            assert_string_equal(c.lang, keywords[i].lang);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fold_text_cases),
        cmocka_unit_test(test_fold_text_bounded),
        cmocka_unit_test(test_fold_cp),
        cmocka_unit_test(test_keywords_in_compatibility_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
