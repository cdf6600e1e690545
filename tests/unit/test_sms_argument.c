/* test_sms_argument.c -- the SMS parser's lower modules on their own:
 * core/sms_argument (free text, codes, registration fields written through
 * a stride, their bounds), core/sms_keyword (greetings, topics and fillers,
 * language names, the language guess) and core/sms_text (classes, digits,
 * folded words). core/sms_command's table tests cover them through the
 * parser; these pin the contracts the parser relies on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "core/sms_argument.h"
#include "core/sms_keyword.h"
#include "core/sms_text.h"

static void test_text(void **state)
{
    static const struct {
        const char *in;
        bool trim_punct;
        const char *want;
    } cases[] = {
        {": hello   world ", false, "hello world"},
        {"  #Fatima Zahra. ", true, "Fatima Zahra"},
        {"  #Fatima Zahra. ", false, "Fatima Zahra."},
        {"\xe2\x80\x8fidee \xd9\xa1\xd9\xa2", false, "idee 12"}, /* RLM removed, ١٢ -> 12 */
        {"?!...", false, ""},                                    /* no letter, no digit */
        {"a\tb\nc", false, "a b c"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[64];
        bool cut = false;
        size_t n = sms_argument_text(cases[i].in, 0, strlen(cases[i].in), out, sizeof out - 1,
                                     cases[i].trim_punct, &cut);
        assert_string_equal(out, cases[i].want);
        assert_int_equal(n, strlen(cases[i].want));
        assert_false(cut);
    }
    char out[6];
    bool cut = false;
    assert_int_equal(sms_argument_text("abcdefgh", 0, 8, out, sizeof out - 1, false, &cut), 5);
    assert_string_equal(out, "abcde");
    assert_true(cut);
    cut = false; /* é is two bytes: never cut inside it */
    assert_int_equal(sms_argument_text("abcdé", 0, 6, out, 5, false, &cut), 4);
    assert_string_equal(out, "abcd");
    assert_true(cut);
}

static void test_code(void **state)
{
    char out[32];
    bool cut = false;
    const char *in = "gr 2026-00042.";
    assert_int_equal(sms_argument_code(in, 0, strlen(in), out, sizeof out - 1, &cut), 12);
    assert_string_equal(out, "GR2026-00042");
    in = "-- ev\xd9\xa7 --"; /* Arabic-Indic 7 */
    sms_argument_code(in, 0, strlen(in), out, sizeof out - 1, &cut);
    assert_string_equal(out, "EV7");
    assert_false(cut);
}

static void test_fields(void **state)
{
    char fields[3][8];
    bool too_many = false;
    const char *in = "; Fatima;;Berkane!; ";
    memset(fields, 'x', sizeof fields);
    assert_int_equal(
        sms_argument_fields(in, 0, strlen(in), &fields[0][0], 3, sizeof fields[0], &too_many), 3);
    assert_string_equal(fields[0], "Fatima");
    assert_string_equal(fields[1], ""); /* empty fields keep their place */
    assert_string_equal(fields[2], "Berkane");
    assert_false(too_many);

    in = "a,b,c,d"; /* one more than fits: dropped, said */
    assert_int_equal(
        sms_argument_fields(in, 0, strlen(in), &fields[0][0], 3, sizeof fields[0], &too_many), 3);
    assert_string_equal(fields[2], "c");
    assert_true(too_many);

    too_many = false;
    in = "a,b,c,,"; /* trailing separators are nothing more */
    assert_int_equal(
        sms_argument_fields(in, 0, strlen(in), &fields[0][0], 3, sizeof fields[0], &too_many), 3);
    assert_false(too_many);

    in = "Abdelkarim Benali"; /* cut at field_size - 1 bytes */
    assert_int_equal(
        sms_argument_fields(in, 0, strlen(in), &fields[0][0], 3, sizeof fields[0], &too_many), 1);
    assert_string_equal(fields[0], "Abdelka");
}

static void test_keyword_find(void **state)
{
    static const struct sms_keyword table[] = {
        {"HELP", 1, "en", 0}, {"MY DATA", 2, "en", 0}, {"MY", 3, "", 0}, {"أنشطة", 4, "ar", 0}};
    struct sms_keyword_found f;
    const char *in = "Bonjour, my data please";
    sms_keyword_find(table, 4, in, strlen(in), &f);
    assert_non_null(f.keyword);
    assert_int_equal(f.keyword->value, 2); /* the longest entry wins */
    assert_string_equal(f.greeting_lang, "fr");
    assert_string_equal(in + f.rest, " please");

    in = "Salam"; /* a greeting alone is the message */
    sms_keyword_find(table, 4, in, strlen(in), &f);
    assert_null(f.keyword);
    assert_string_equal(f.greeting_lang, "");
    assert_int_equal(f.nwords, 1);

    in =
        "\xd8\xa7\xd9\x84\xd8\xa7\xd9\x86\xd8\xb4\xd8\xb7\xd8\xa9"; /* الانشطة: article, no hamza */
    sms_keyword_find(table, 4, in, strlen(in), &f);
    assert_non_null(f.keyword);
    assert_int_equal(f.keyword->value, 4);
}

static void test_modifiers_and_languages(void **state)
{
    struct sms_keyword_modifiers m;
    const char *in = "STOP all the news please";
    sms_keyword_read_modifiers(in, strlen(in), 4, true, &m);
    assert_string_equal(m.topic, "news");
    assert_true(m.only_topics);
    assert_string_equal(m.lang, "en");

    in = "STOP news and events"; /* a second topic: everything */
    sms_keyword_read_modifiers(in, strlen(in), 4, true, &m);
    assert_null(m.topic);
    sms_keyword_read_modifiers(in, strlen(in), 4, false, &m);
    assert_string_equal(m.topic, "news");
    assert_false(m.only_topics);

    in = "langue en français";
    assert_string_equal(sms_keyword_language(in, strlen(in), 6), "fr"); /* a name wins */
    in = "lang EN";
    assert_string_equal(sms_keyword_language(in, strlen(in), 4), "en");
    in = "lang klingon";
    assert_null(sms_keyword_language(in, strlen(in), 4));

    assert_string_equal(sms_keyword_guess_language("je veux", 7), "fr");
    assert_string_equal(sms_keyword_guess_language("I want", 6), "en");
    assert_string_equal(sms_keyword_guess_language("\xd8\xa8", 2), "ar");
    assert_string_equal(sms_keyword_guess_language("ok", 2), "");
    assert_string_equal(sms_keyword_guess_language(NULL, 0), "");
}

static void test_text_words(void **state)
{
    assert_int_equal(sms_text_classify('a'), SMS_TEXT_WORD);
    assert_int_equal(sms_text_classify(' '), SMS_TEXT_SPACE);
    assert_int_equal(sms_text_classify('!'), SMS_TEXT_PUNCT);
    assert_int_equal(sms_text_classify(0x0640), SMS_TEXT_MARK);   /* tatweel */
    assert_int_equal(sms_text_classify(0x200F), SMS_TEXT_FORMAT); /* RLM */
    assert_int_equal(sms_text_classify(0x01), SMS_TEXT_CONTROL);
    assert_int_equal(sms_text_digit(0x0663), 3);
    assert_int_equal(sms_text_digit(0x06F9), 9);
    assert_int_equal(sms_text_digit('x'), -1);

    const char *in = "  ÉVÉNE\xcc\x81ments!! \xd8\xa3\xd9\x86\xd8\xb4\xd8\xb7\xd8\xa9";
    struct sms_text_word w;
    size_t pos = 0;
    assert_true(sms_text_word_next(in, strlen(in), &pos, &w));
    assert_int_equal(w.start, 2);
    assert_memory_equal(w.fold, "evenements", 10); /* combining accent skipped */
    assert_int_equal(w.fold_len, 10);
    assert_true(sms_text_word_next(in, strlen(in), &pos, &w));
    assert_memory_equal(w.fold, "\xd8\xa7\xd9\x86\xd8\xb4\xd8\xb7\xd9\x87", 10); /* انشطه */
    assert_false(sms_text_word_next(in, strlen(in), &pos, &w));
    assert_int_equal(pos, strlen(in));
}

/* A reference typed loosely reads as the store writes it (issue 15:
 * "SUIVI gr 2026 44" was answered "référence inconnue: GR202644"). */
static void test_reference(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } ok[] = {
        {"GR202644", "GR-2026-00044"},      {"gr2026-44", "GR-2026-00044"},
        {"GR-2026-00044", "GR-2026-00044"}, {"2026-44", "GR-2026-00044"},
        {"ID2026123", "ID-2026-00123"},     {"GR202612345", "GR-2026-12345"},
    };
    char out[32];
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        assert_true(sms_argument_reference(ok[i].in, "GR", out, sizeof out));
        assert_string_equal(out, ok[i].out);
    }
    static const char *const bad[] = {"44", "GR2026",          "GR2026A44", "ABCDEFGHI2026",
                                      "",   "GR20261234567890"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(sms_argument_reference(bad[i], "GR", out, sizeof out));
    /* The code as the parser gives it from "SUIVI gr 2026 44". */
    bool cut = false;
    char code[64];
    sms_argument_code("gr 2026 44", 0, 10, code, sizeof code - 1, &cut);
    assert_true(sms_argument_reference(code, "GR", out, sizeof out));
    assert_string_equal(out, "GR-2026-00044");
    /* Fullwidth, as some phones type it: folded like keywords. */
    const char *wide = "\xef\xbd\x87\xef\xbd\x92 \xef\xbc\x92\xef\xbc\x90\xef\xbc\x92"
                       "\xef\xbc\x96 \xef\xbc\x94\xef\xbc\x94"; /* ｇｒ ２０２６ ４４ */
    sms_argument_code(wide, 0, strlen(wide), code, sizeof code - 1, &cut);
    assert_string_equal(code, "GR202644");
    assert_true(sms_argument_reference(code, "GR", out, sizeof out));
    assert_string_equal(out, "GR-2026-00044");
    /* A ligature that decomposes to words with spaces leaves no space. */
    sms_argument_code("A\xef\xb7\xba"
                      "B",
                      0, 5, code, sizeof code - 1, &cut);
    assert_null(strchr(code, ' '));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_code),
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_keyword_find),
        cmocka_unit_test(test_modifiers_and_languages),
        cmocka_unit_test(test_text_words),
        cmocka_unit_test(test_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
