/* test_utf8.c -- strict UTF-8: what is accepted, what is rejected (overlongs,
 * surrogates, beyond U+10FFFF, truncations), decoding, encoding and the
 * counting helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/utf8.h"

struct bytes {
    const char *s;
    size_t len;
    const char *what;
};

#define B(lit, what)                                                                               \
    {                                                                                              \
        lit, sizeof(lit) - 1, what                                                                 \
    }

static const struct bytes valid_cases[] = {
    B("", "empty"),
    B("Hello", "ASCII"),
    B("\x00", "NUL byte"),
    B("\x7F", "DEL"),
    B("\xC2\x80", "U+0080, smallest 2-byte"),
    B("\xC3\xA9", "e acute"),
    B("\xDF\xBF", "U+07FF, largest 2-byte"),
    B("\xE0\xA0\x80", "U+0800, smallest 3-byte"),
    B("\xE2\x82\xAC", "euro sign"),
    B("\xED\x9F\xBF", "U+D7FF, just below surrogates"),
    B("\xEE\x80\x80", "U+E000, just above surrogates"),
    B("\xEF\xBF\xBF", "U+FFFF"),
    B("\xF0\x90\x80\x80", "U+10000, smallest 4-byte"),
    B("\xF0\x9F\x98\x80", "emoji U+1F600"),
    B("\xF4\x8F\xBF\xBF", "U+10FFFF, largest"),
    B("مرحبا بكم", "Arabic"),
    B("Réunion à l'école", "French"),
};

static const struct bytes invalid_cases[] = {
    B("\x80", "lone continuation byte"),
    B("\xBF", "lone continuation byte BF"),
    B("\xC0\x80", "overlong NUL"),
    B("\xC0\xAF", "overlong slash"),
    B("\xC1\xBF", "overlong 2-byte"),
    B("\xE0\x80\x80", "overlong 3-byte NUL"),
    B("\xE0\x9F\xBF", "overlong 3-byte U+07FF"),
    B("\xF0\x80\x80\x80", "overlong 4-byte NUL"),
    B("\xF0\x8F\xBF\xBF", "overlong 4-byte U+FFFF"),
    B("\xED\xA0\x80", "surrogate U+D800"),
    B("\xED\xBF\xBF", "surrogate U+DFFF"),
    B("\xED\xA0\xBD\xED\xB8\x80", "CESU-8 surrogate pair"),
    B("\xF4\x90\x80\x80", "U+110000"),
    B("\xF5\x80\x80\x80", "F5 lead byte"),
    B("\xF8\x88\x80\x80\x80", "5-byte form"),
    B("\xFE", "FE"),
    B("\xFF", "FF"),
    B("\xC3", "truncated 2-byte"),
    B("\xE2\x82", "truncated 3-byte"),
    B("\xF0\x9F\x98", "truncated 4-byte"),
    B("abc\xC3", "truncated at end"),
    B("\xC3\x41", "bad continuation"),
    B("\xE2\x28\xA1", "bad second byte"),
    B("\xE2\x82\x28", "bad third byte"),
    B("ok\xFFok", "bad byte in the middle"),
};

static void test_valid(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof valid_cases / sizeof valid_cases[0]; i++) {
        const struct bytes *c = &valid_cases[i];
        if (!utf8_valid(c->s, c->len))
            fail_msg("rejected valid: %s", c->what);
    }
}

static void test_invalid(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof invalid_cases / sizeof invalid_cases[0]; i++) {
        const struct bytes *c = &invalid_cases[i];
        if (utf8_valid(c->s, c->len))
            fail_msg("accepted invalid: %s", c->what);
    }
}

static void test_valid_respects_len(void **state)
{
    (void)state;
    /* The length bounds the check: a cut inside a sequence is invalid, a cut
     * before it is not, and bytes past len are never looked at. */
    assert_true(utf8_valid("a\xE2\x82\xAC", 1));
    assert_false(utf8_valid("a\xE2\x82\xAC", 3));
    assert_true(utf8_valid("a\xE2\x82\xAC", 4));
    assert_true(utf8_valid("ab\xFF", 2));
    assert_true(utf8_valid(NULL, 0));
}

static void test_decode(void **state)
{
    static const struct {
        const char *s;
        size_t len;
        size_t consumed;
        uint32_t cp;
    } cases[] = {
        {"A", 1, 1, 0x41},
        {"\xC3\xA9", 2, 2, 0xE9},
        {"\xD9\x85", 2, 2, 0x645}, /* Arabic meem */
        {"\xE2\x82\xAC", 3, 3, 0x20AC},
        {"\xF0\x9F\x98\x80", 4, 4, 0x1F600},
        {"\xF4\x8F\xBF\xBF", 4, 4, 0x10FFFF},
        {"\xC3\xA9zz", 4, 2, 0xE9}, /* only the first code point */
        {"", 0, 0, 0},
        {"\xC0\x80", 2, 0, 0},
        {"\xED\xA0\x80", 3, 0, 0},
        {"\xF4\x90\x80\x80", 4, 0, 0},
        {"\xE2\x82\xAC", 2, 0, 0}, /* truncated by len */
        {"\x80", 1, 0, 0},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint32_t cp = 0xDEADBEEF;
        size_t n = utf8_decode(cases[i].s, cases[i].len, &cp);
        assert_int_equal(n, cases[i].consumed);
        if (n > 0)
            assert_int_equal(cp, cases[i].cp);
        else
            assert_int_equal(cp, 0xDEADBEEF); /* untouched on error */
    }
}

static void test_encode(void **state)
{
    static const struct {
        uint32_t cp;
        const char *bytes;
        size_t len;
    } cases[] = {
        {0x00, "\x00", 1},
        {0x41, "A", 1},
        {0x7F, "\x7F", 1},
        {0x80, "\xC2\x80", 2},
        {0x7FF, "\xDF\xBF", 2},
        {0x800, "\xE0\xA0\x80", 3},
        {0x20AC, "\xE2\x82\xAC", 3},
        {0xFFFF, "\xEF\xBF\xBF", 3},
        {0x10000, "\xF0\x90\x80\x80", 4},
        {0x1F600, "\xF0\x9F\x98\x80", 4},
        {0x10FFFF, "\xF4\x8F\xBF\xBF", 4},
        {0xD800, "", 0},
        {0xDFFF, "", 0},
        {0x110000, "", 0},
        {0xFFFFFFFF, "", 0},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[4] = {0};
        size_t n = utf8_encode(cases[i].cp, out);
        assert_int_equal(n, cases[i].len);
        assert_memory_equal(out, cases[i].bytes, n);
    }
}

static void test_round_trip_every_code_point(void **state)
{
    size_t encoded = 0;
    (void)state;
    for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
        char buf[4];
        uint32_t back = 0;
        size_t n = utf8_encode(cp, buf);
        if (cp >= 0xD800 && cp <= 0xDFFF) {
            assert_int_equal(n, 0);
            continue;
        }
        assert_true(n >= 1 && n <= 4);
        assert_int_equal(utf8_decode(buf, n, &back), n);
        assert_int_equal(back, cp);
        assert_true(utf8_valid(buf, n));
        encoded++;
    }
    assert_int_equal(encoded, 0x110000 - 0x800);
}

static void test_count(void **state)
{
    static const struct {
        const char *s;
        size_t count;
    } cases[] = {
        {"", 0},
        {"Hello", 5},
        {"مرحبا", 5},
        {"a€😀", 3},
        {"Réunion à l'école", 17},
        {"ab\xFF"
         "cd",
         5}, /* a malformed byte counts as one */
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(utf8_count(cases[i].s, strlen(cases[i].s)), cases[i].count);
}

static void test_floor(void **state)
{
    /* "a€b": a (1 byte), € (3 bytes), b (1 byte). */
    static const char text[] = "a\xE2\x82\xAC"
                               "b";
    static const struct {
        size_t max;
        size_t expect;
    } cases[] = {{0, 0}, {1, 1}, {2, 1}, {3, 1}, {4, 4}, {5, 5}, {100, 5}};
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(utf8_floor(text, 5, cases[i].max), cases[i].expect);
    assert_int_equal(utf8_floor("\xF0\x9F\x98\x80", 4, 3), 0);
    assert_int_equal(utf8_floor("\xF0\x9F\x98\x80", 4, 4), 4);
    assert_int_equal(utf8_floor("مرحبا", 10, 5), 4);
    /* Invalid input: stops before the first malformed byte. */
    assert_int_equal(utf8_floor("ab\xFF"
                                "cd",
                                5, 5),
                     2);
    assert_int_equal(utf8_floor("", 0, 10), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_valid_respects_len),
        cmocka_unit_test(test_decode),
        cmocka_unit_test(test_encode),
        cmocka_unit_test(test_round_trip_every_code_point),
        cmocka_unit_test(test_count),
        cmocka_unit_test(test_floor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
