/* test_gsm.c -- the GSM 03.38 tables and text measuring: encoding choice,
 * septets and UCS-2 units, and SMS segments with extension characters and
 * surrogate pairs kept whole across parts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/gsm.h"
#include "core/utf8.h"

/* The 127 characters of the default alphabet, in GSM 03.38 order (the
 * escape at 0x1B left out). */
static const uint32_t default_alphabet[] = {
    '@',   0xA3, '$',  0xA5,  0xE8, 0xE9,  0xF9,  0xEC,  0xF2,  0xC7,  '\n',  0xD8,  0xF8,
    '\r',  0xC5, 0xE5, 0x394, '_',  0x3A6, 0x393, 0x39B, 0x3A9, 0x3A0, 0x3A8, 0x3A3, 0x398,
    0x39E, 0xC6, 0xE6, 0xDF,  0xC9, ' ',   '!',   '"',   '#',   0xA4,  '%',   '&',   '\'',
    '(',   ')',  '*',  '+',   ',',  '-',   '.',   '/',   '0',   '1',   '2',   '3',   '4',
    '5',   '6',  '7',  '8',   '9',  ':',   ';',   '<',   '=',   '>',   '?',   0xA1,  'A',
    'B',   'C',  'D',  'E',   'F',  'G',   'H',   'I',   'J',   'K',   'L',   'M',   'N',
    'O',   'P',  'Q',  'R',   'S',  'T',   'U',   'V',   'W',   'X',   'Y',   'Z',   0xC4,
    0xD6,  0xD1, 0xDC, 0xA7,  0xBF, 'a',   'b',   'c',   'd',   'e',   'f',   'g',   'h',
    'i',   'j',  'k',  'l',   'm',  'n',   'o',   'p',   'q',   'r',   's',   't',   'u',
    'v',   'w',  'x',  'y',   'z',  0xE4,  0xF6,  0xF1,  0xFC,  0xE0,
};

static const uint32_t extension_table[] = {0x0C, '^', '{', '}', '\\', '[', '~', ']', '|', 0x20AC};

static void test_default_alphabet(void **state)
{
    size_t members = 0;
    (void)state;
    assert_int_equal(sizeof default_alphabet / sizeof default_alphabet[0], 127);
    for (size_t i = 0; i < sizeof default_alphabet / sizeof default_alphabet[0]; i++) {
        if (!gsm_is_default(default_alphabet[i]))
            fail_msg("U+%04X should be in the default alphabet", (unsigned)default_alphabet[i]);
        assert_false(gsm_is_extension(default_alphabet[i]));
    }
    /* Nothing else in the BMP is. */
    for (uint32_t cp = 0; cp < 0x10000; cp++)
        members += gsm_is_default(cp);
    assert_int_equal(members, 127);
}

static void test_extension_table(void **state)
{
    size_t members = 0;
    (void)state;
    for (size_t i = 0; i < sizeof extension_table / sizeof extension_table[0]; i++) {
        assert_true(gsm_is_extension(extension_table[i]));
        assert_false(gsm_is_default(extension_table[i]));
    }
    for (uint32_t cp = 0; cp < 0x10000; cp++)
        members += gsm_is_extension(cp);
    assert_int_equal(members, 10);
}

static void test_not_gsm(void **state)
{
    /* French letters GSM-7 lacks (lower-case c cedilla among them), the
     * backtick, ESC itself, Arabic, an emoji. */
    static const uint32_t outside[] = {0xE7, 0xE2, 0xEA, 0xEE, 0xF4,  0xFB,  0xEB,    0xEF,  0xC8,
                                       '`',  0x1B, 0x09, 0x00, 0x645, 0x627, 0x1F600, 0x2026};
    (void)state;
    for (size_t i = 0; i < sizeof outside / sizeof outside[0]; i++) {
        if (gsm_is_default(outside[i]) || gsm_is_extension(outside[i]))
            fail_msg("U+%04X should not be GSM-7", (unsigned)outside[i]);
    }
}

/* n copies of unit into buf, NUL-terminated. */
static char *repeat(char *buf, size_t size, const char *unit, size_t n)
{
    size_t ul = strlen(unit), len = 0;
    assert_true(n * ul < size);
    for (size_t i = 0; i < n; i++, len += ul)
        memcpy(buf + len, unit, ul);
    buf[len] = '\0';
    return buf;
}

struct measure_case {
    const char *what;
    const char *unit1;
    size_t n1;
    const char *unit2;
    size_t n2;
    const char *unit3;
    size_t n3;
    enum text_encoding enc;
    size_t units;
    size_t chars;
    size_t segments;
};

static void test_measure(void **state)
{
    static const struct measure_case cases[] = {
        {"empty", "", 0, "", 0, "", 0, TEXT_GSM7, 0, 0, 1},
        {"Hello", "Hello", 1, "", 0, "", 0, TEXT_GSM7, 5, 5, 1},
        {"euro", "€", 1, "", 0, "", 0, TEXT_GSM7, 2, 1, 1},
        {"braces", "{}", 1, "", 0, "", 0, TEXT_GSM7, 4, 2, 1},
        {"French in GSM-7", "Réunion à l'école, Ça va", 1, "", 0, "", 0, TEXT_GSM7, 24, 24, 1},
        {"c cedilla forces UCS-2", "ça va", 1, "", 0, "", 0, TEXT_UCS2, 5, 5, 1},
        {"e circumflex forces UCS-2", "être", 1, "", 0, "", 0, TEXT_UCS2, 4, 4, 1},
        {"160 GSM", "a", 160, "", 0, "", 0, TEXT_GSM7, 160, 160, 1},
        {"161 GSM", "a", 161, "", 0, "", 0, TEXT_GSM7, 161, 161, 2},
        {"306 GSM", "a", 306, "", 0, "", 0, TEXT_GSM7, 306, 306, 2},
        {"307 GSM", "a", 307, "", 0, "", 0, TEXT_GSM7, 307, 307, 3},
        {"80 euros = 160 septets", "€", 80, "", 0, "", 0, TEXT_GSM7, 160, 80, 1},
        {"158 + euro = 160", "a", 158, "€", 1, "", 0, TEXT_GSM7, 160, 159, 1},
        {"159 + euro = 161", "a", 159, "€", 1, "", 0, TEXT_GSM7, 161, 160, 2},
        /* 306 septets would be 2 parts, but the euro cannot straddle them. */
        {"euro at part edge", "a", 152, "€", 1, "a", 152, TEXT_GSM7, 306, 305, 3},
        {"euro inside part", "a", 151, "€", 1, "a", 153, TEXT_GSM7, 306, 305, 2},
        {"70 Arabic", "م", 70, "", 0, "", 0, TEXT_UCS2, 70, 70, 1},
        {"71 Arabic", "م", 71, "", 0, "", 0, TEXT_UCS2, 71, 71, 2},
        {"134 Arabic", "م", 134, "", 0, "", 0, TEXT_UCS2, 134, 134, 2},
        {"135 Arabic", "م", 135, "", 0, "", 0, TEXT_UCS2, 135, 135, 3},
        {"emoji", "😀", 1, "", 0, "", 0, TEXT_UCS2, 2, 1, 1},
        {"35 emoji = 70 units", "😀", 35, "", 0, "", 0, TEXT_UCS2, 70, 35, 1},
        {"69 Arabic + emoji", "م", 69, "😀", 1, "", 0, TEXT_UCS2, 71, 70, 2},
        /* 134 units would be 2 parts, but the surrogate pair stays whole. */
        {"emoji at part edge", "م", 66, "😀", 1, "م", 66, TEXT_UCS2, 134, 133, 3},
        {"emoji inside part", "م", 65, "😀", 1, "م", 67, TEXT_UCS2, 134, 133, 2},
        /* In UCS-2 the euro is one unit like any BMP character. */
        {"euro with Arabic", "10€ ", 1, "مرحبا", 1, "", 0, TEXT_UCS2, 9, 9, 1},
        {"one Arabic letter after 100 GSM", "a", 100, "م", 1, "", 0, TEXT_UCS2, 101, 101, 2},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct measure_case *c = &cases[i];
        char buf[2048];
        size_t len = 0;
        struct text_measure m;
        repeat(buf, sizeof buf, c->unit1, c->n1);
        len = strlen(buf);
        repeat(buf + len, sizeof buf - len, c->unit2, c->n2);
        len = strlen(buf);
        repeat(buf + len, sizeof buf - len, c->unit3, c->n3);
        len = strlen(buf);
        if (text_measure(buf, len, &m) != 0)
            fail_msg("%s: rejected", c->what);
        if (m.encoding != c->enc || m.units != c->units || m.chars != c->chars ||
            m.segments != c->segments)
            fail_msg("%s: got %s units=%zu chars=%zu segments=%zu, want %s %zu %zu %zu", c->what,
                     text_encoding_name(m.encoding), m.units, m.chars, m.segments,
                     text_encoding_name(c->enc), c->units, c->chars, c->segments);
        assert_int_equal(text_units(buf, len, m.encoding), c->units);
    }
}

static void test_measure_invalid(void **state)
{
    static const char *const bad[] = {"\xC0\x80", "abc\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE2\x82",
                                      "\xFF"};
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct text_measure m = {TEXT_UCS2, 777, 888, 999};
        assert_int_equal(text_measure(bad[i], strlen(bad[i]), &m), -1);
        assert_int_equal(m.encoding, TEXT_UCS2);
        assert_int_equal(m.units, 777);
        assert_int_equal(m.chars, 888);
        assert_int_equal(m.segments, 999);
    }
}

static void test_units(void **state)
{
    (void)state;
    assert_int_equal(text_units("a€", strlen("a€"), TEXT_GSM7), 3);
    assert_int_equal(text_units("a€", strlen("a€"), TEXT_UCS2), 2);
    assert_int_equal(text_units("[x]", 3, TEXT_GSM7), 5);
    assert_int_equal(text_units("😀", strlen("😀"), TEXT_UCS2), 2);
    assert_int_equal(text_units("مرحبا", strlen("مرحبا"), TEXT_UCS2), 5);
    assert_int_equal(text_units("", 0, TEXT_GSM7), 0);
}

static void test_segments(void **state)
{
    static const struct {
        enum text_encoding enc;
        size_t units;
        size_t segments;
    } cases[] = {
        {TEXT_GSM7, 0, 1},   {TEXT_GSM7, 1, 1},   {TEXT_GSM7, 160, 1}, {TEXT_GSM7, 161, 2},
        {TEXT_GSM7, 306, 2}, {TEXT_GSM7, 307, 3}, {TEXT_GSM7, 459, 3}, {TEXT_GSM7, 460, 4},
        {TEXT_UCS2, 0, 1},   {TEXT_UCS2, 70, 1},  {TEXT_UCS2, 71, 2},  {TEXT_UCS2, 134, 2},
        {TEXT_UCS2, 135, 3}, {TEXT_UCS2, 201, 3}, {TEXT_UCS2, 202, 4},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(sms_segments(cases[i].enc, cases[i].units), cases[i].segments);
}

static void test_ucs2_forcing(void **state)
{
    const char *text = "ça être ça مم 😀 ê";
    uint32_t out[8];
    (void)state;

    for (size_t i = 0; i < 8; i++)
        out[i] = 0xFFFFFFFF;
    assert_int_equal(text_ucs2_forcing(text, strlen(text), out, 8), 4);
    assert_int_equal(out[0], 0xE7);    /* ç */
    assert_int_equal(out[1], 0xEA);    /* ê */
    assert_int_equal(out[2], 0x645);   /* م */
    assert_int_equal(out[3], 0x1F600); /* 😀 */
    assert_int_equal(out[4], 0xFFFFFFFF);

    /* Fewer slots than distinct characters: the count is still all of them,
     * and later repeats of unstored ones are not counted twice. */
    for (size_t i = 0; i < 8; i++)
        out[i] = 0xFFFFFFFF;
    assert_int_equal(text_ucs2_forcing(text, strlen(text), out, 1), 4);
    assert_int_equal(out[0], 0xE7);
    assert_int_equal(out[1], 0xFFFFFFFF);
    assert_int_equal(text_ucs2_forcing(text, strlen(text), NULL, 0), 4);

    assert_int_equal(text_ucs2_forcing("Hello {€} [x]", 15, out, 8), 0);
    assert_int_equal(text_ucs2_forcing("", 0, out, 8), 0);
}

/* Every ASCII byte (measured by a table, not by decoding) costs what the
 * alphabet functions say, alone and between other characters. */
static void test_ascii_costs(void **state)
{
    (void)state;
    for (unsigned c = 0; c < 128; c++) {
        bool gsm = gsm_is_default(c) || gsm_is_extension(c);
        size_t septets = gsm_is_extension(c) ? 2 : 1;
        char s[4] = {'a', (char)c, '\xC3', '\xA9'}; /* "a", c, "é" */
        struct text_measure m;
        assert_int_equal(text_measure(s + 1, 1, &m), 0);
        assert_int_equal(m.encoding, gsm ? TEXT_GSM7 : TEXT_UCS2);
        assert_int_equal(m.units, gsm ? septets : 1);
        assert_int_equal(text_units(s + 1, 1, TEXT_GSM7), septets);
        assert_int_equal(text_units(s + 1, 1, TEXT_UCS2), 1);
        bool ucs2 = false;
        size_t sep = 0, units = 0;
        assert_int_equal(text_costs(s, 4, &ucs2, &sep, &units), 0);
        assert_int_equal(ucs2, !gsm);
        assert_int_equal(sep, 1 + septets + 1);
        assert_int_equal(units, 3);
    }
}

/* text_costs: both encodings of one text at once, as text_measure and
 * text_units give them; invalid UTF-8 refused, outputs untouched. */
static void test_costs(void **state)
{
    static const char *const texts[] = {"", "Bonjour [1]", "a€", "مرحبا 1", "😀 ok", "x\n{y}"};
    (void)state;
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        size_t len = strlen(texts[i]), sep = 0, units = 0;
        bool ucs2 = true;
        struct text_measure m;
        assert_int_equal(text_costs(texts[i], len, &ucs2, &sep, &units), 0);
        assert_int_equal(text_measure(texts[i], len, &m), 0);
        assert_int_equal(ucs2, m.encoding == TEXT_UCS2);
        assert_int_equal(units, text_units(texts[i], len, TEXT_UCS2));
        if (!ucs2)
            assert_int_equal(sep, text_units(texts[i], len, TEXT_GSM7));
    }
    size_t sep = 7, units = 8;
    bool ucs2 = true;
    assert_int_equal(text_costs("ab\xC0\x80", 4, &ucs2, &sep, &units), -1);
    assert_true(ucs2);
    assert_int_equal(sep, 7);
    assert_int_equal(units, 8);
}

static void test_encoding_name(void **state)
{
    (void)state;
    assert_string_equal(text_encoding_name(TEXT_GSM7), "gsm7");
    assert_string_equal(text_encoding_name(TEXT_UCS2), "ucs2");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_alphabet),
        cmocka_unit_test(test_extension_table),
        cmocka_unit_test(test_not_gsm),
        cmocka_unit_test(test_measure),
        cmocka_unit_test(test_measure_invalid),
        cmocka_unit_test(test_units),
        cmocka_unit_test(test_segments),
        cmocka_unit_test(test_ucs2_forcing),
        cmocka_unit_test(test_encoding_name),
        cmocka_unit_test(test_ascii_costs),
        cmocka_unit_test(test_costs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
