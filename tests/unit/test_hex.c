/* test_hex.c -- hex encoding and strict lower-case decoding (core/hex). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/hex.h"

static void test_encode(void **state)
{
    (void)state;
    const unsigned char in[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
    char out[2 * sizeof in + 1];
    memset(out, 'x', sizeof out);
    hex_encode(in, sizeof in, out);
    assert_string_equal(out, "00017f80abff");
    hex_encode(in, 0, out);
    assert_string_equal(out, "");
}

static void test_digit_value(void **state)
{
    (void)state;
    assert_int_equal(hex_digit_value('0'), 0);
    assert_int_equal(hex_digit_value('9'), 9);
    assert_int_equal(hex_digit_value('a'), 10);
    assert_int_equal(hex_digit_value('F'), 15);
    assert_int_equal(hex_digit_value('g'), -1);
    assert_int_equal(hex_digit_value('/'), -1);
    assert_int_equal(hex_digit_value(0), -1);
}

static void test_decode(void **state)
{
    (void)state;
    unsigned char out[3];
    assert_int_equal(hex_decode("00abff", 6, out, 3), 0);
    assert_int_equal(out[0], 0x00);
    assert_int_equal(out[1], 0xab);
    assert_int_equal(out[2], 0xff);
    /* Round trip. */
    char text[7];
    hex_encode(out, 3, text);
    assert_string_equal(text, "00abff");
    /* Refused: upper case, wrong length, not a digit. */
    assert_int_equal(hex_decode("00ABFF", 6, out, 3), -1);
    assert_int_equal(hex_decode("00abf", 5, out, 3), -1);
    assert_int_equal(hex_decode("00abff00", 8, out, 3), -1);
    assert_int_equal(hex_decode("00abfg", 6, out, 3), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode),
        cmocka_unit_test(test_digit_value),
        cmocka_unit_test(test_decode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
