/* test_msisdn.c -- table-driven tests of phone number normalisation and
 * masking (core/msisdn). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/msisdn.h"

struct normalize_case {
    const char *in;
    enum msisdn_status want;
    const char *out; /* on MSISDN_OK */
};

static const struct normalize_case normalize_cases[] = {
    /* The accepted Moroccan shapes. */
    {"+212612345678", MSISDN_OK, "+212612345678"},
    {"+212712345678", MSISDN_OK, "+212712345678"},
    {"00212612345678", MSISDN_OK, "+212612345678"},
    {"212612345678", MSISDN_OK, "+212612345678"},
    {"0612345678", MSISDN_OK, "+212612345678"},
    {"612345678", MSISDN_OK, "+212612345678"},
    {"7 12 34 56 78", MSISDN_OK, "+212712345678"},
    {"0712345678", MSISDN_OK, "+212712345678"},
    /* Separators. */
    {"+212 6 12 34 56 78", MSISDN_OK, "+212612345678"},
    {"06.12.34.56.78", MSISDN_OK, "+212612345678"},
    {"06-12-34-56-78", MSISDN_OK, "+212612345678"},
    {"(+212) 612-345678", MSISDN_OK, "+212612345678"},
    {"00 212 (6) 12 34 56 78", MSISDN_OK, "+212612345678"},
    {" 0612345678 ", MSISDN_OK, "+212612345678"},
    /* Arabic-Indic digits U+0660..U+0669: "٠٦١٢٣٤٥٦٧٨". */
    {"\xd9\xa0\xd9\xa6\xd9\xa1\xd9\xa2\xd9\xa3\xd9\xa4\xd9\xa5\xd9\xa6\xd9\xa7\xd9\xa8", MSISDN_OK,
     "+212612345678"},
    /* Eastern Arabic-Indic U+06F0..U+06F9: "۰۷۹۹ ۸۸ ۷۷ ۰۰". */
    {"\xdb\xb0\xdb\xb7\xdb\xb9\xdb\xb9 \xdb\xb8\xdb\xb8 \xdb\xb7\xdb\xb7 \xdb\xb0\xdb\xb0",
     MSISDN_OK, "+212799887700"},
    /* Mixed ASCII and Arabic-Indic, with '+'. */
    {"+\xd9\xa2\xd9\xa1\xd9\xa2 612345678", MSISDN_OK, "+212612345678"},
    /* Other countries: 8..15 digits in all, with or without '+'. */
    {"+15551234567", MSISDN_OK, "+15551234567"},
    {"15551234567", MSISDN_OK, "+15551234567"},
    {"0033612345678", MSISDN_OK, "+33612345678"},
    {"+447700900123", MSISDN_OK, "+447700900123"},
    {"+12345678", MSISDN_OK, "+12345678"},
    {"+123456789012345", MSISDN_OK, "+123456789012345"},
    {"+1234567", MSISDN_BAD_LENGTH, NULL},
    {"+1234567890123456", MSISDN_BAD_LENGTH, NULL},
    {"123456789012345678901234567890", MSISDN_BAD_LENGTH, NULL},
    /* Moroccan non-mobiles and wrong lengths. */
    {"0512345678", MSISDN_NOT_MOBILE, NULL},
    {"+212512345678", MSISDN_NOT_MOBILE, NULL},
    {"0812345678", MSISDN_NOT_MOBILE, NULL},
    {"061234567", MSISDN_BAD_LENGTH, NULL},
    {"06123456789", MSISDN_BAD_LENGTH, NULL},
    {"+21261234567", MSISDN_BAD_LENGTH, NULL},
    {"+2126123456789", MSISDN_BAD_LENGTH, NULL},
    {"+2120612345678", MSISDN_BAD_LENGTH, NULL},
    {"212", MSISDN_BAD_LENGTH, NULL},
    {"0", MSISDN_BAD_LENGTH, NULL},
    {"00", MSISDN_BAD_LENGTH, NULL},
    /* No country code starts with 0. */
    {"+0612345678", MSISDN_BAD_LENGTH, NULL},
    {"000212612345678", MSISDN_BAD_LENGTH, NULL},
    /* Empty. */
    {"", MSISDN_EMPTY, NULL},
    {"   ", MSISDN_EMPTY, NULL},
    {"+", MSISDN_EMPTY, NULL},
    {"( - . )", MSISDN_EMPTY, NULL},
    /* Bad characters. */
    {"06123456a8", MSISDN_BAD_CHAR, NULL},
    {"0612345678+", MSISDN_BAD_CHAR, NULL},
    {"++212612345678", MSISDN_BAD_CHAR, NULL},
    {"212+612345678", MSISDN_BAD_CHAR, NULL},
    {"06/12/34/56/78", MSISDN_BAD_CHAR, NULL},
    {"06\t12345678", MSISDN_BAD_CHAR, NULL},
    {"tel:0612345678", MSISDN_BAD_CHAR, NULL},
    {"\xd9", MSISDN_BAD_CHAR, NULL},             /* truncated UTF-8 */
    {"06\xd9\xaa", MSISDN_BAD_CHAR, NULL},       /* U+066A ARABIC PERCENT SIGN */
    {"06\xdb\xba", MSISDN_BAD_CHAR, NULL},       /* U+06FA, past the digits */
    {"\xef\xbc\x90\x36", MSISDN_BAD_CHAR, NULL}, /* fullwidth digit zero */
};

#define NORMALIZE_CASES (sizeof(normalize_cases) / sizeof(normalize_cases[0]))

/* One test per table row; the row arrives as the initial state. */
static void test_normalize_case(void **state)
{
    const struct normalize_case *c = *state;
    char out[MSISDN_MAX];
    memcpy(out, "untouched", sizeof("untouched"));
    enum msisdn_status st = msisdn_normalize(c->in, strlen(c->in), out);
    if (st != c->want)
        fail_msg("got %s, want %s", msisdn_status_str(st), msisdn_status_str(c->want));
    if (c->want == MSISDN_OK)
        assert_string_equal(out, c->out);
    else
        assert_string_equal(out, "untouched"); /* out is written only on OK */
}

/* The length is honoured: the input need not be NUL-terminated, and an
 * embedded NUL is a bad character. */
static void test_normalize_uses_length(void **state)
{
    (void)state;
    char out[MSISDN_MAX];
    assert_int_equal(msisdn_normalize("0612345678999", 10, out), MSISDN_OK);
    assert_string_equal(out, "+212612345678");
    assert_int_equal(msisdn_normalize("06123\0"
                                      "45678",
                                      11, out),
                     MSISDN_BAD_CHAR);
    assert_int_equal(msisdn_normalize(NULL, 0, out), MSISDN_EMPTY);
    /* A UTF-8 lead byte whose continuation lies past len is not a digit. */
    assert_int_equal(msisdn_normalize("061234567\xd9\xa8", 10, out), MSISDN_BAD_CHAR);
}

/* Every normalised number normalises to itself. */
static void test_normalize_idempotent(void **state)
{
    (void)state;
    for (size_t i = 0; i < NORMALIZE_CASES; i++) {
        if (normalize_cases[i].want != MSISDN_OK)
            continue;
        const char *once = normalize_cases[i].out;
        char twice[MSISDN_MAX];
        assert_int_equal(msisdn_normalize(once, strlen(once), twice), MSISDN_OK);
        assert_string_equal(twice, once);
    }
}

struct mask_case {
    const char *in;
    const char *out;
};

static const struct mask_case mask_cases[] = {
    {"+212612345678", "+2126*****78"},
    {"+212799887712", "+2127*****12"},
    {"+15551234567", "+155*****67"},
    {"+33612345678", "+336*****78"},
    {"+12345678", "+123*****78"},
    {"+123456789012345", "+123*****45"},
    /* Not normalised: nothing is revealed. */
    {"", "***"},
    {"+", "***"},
    {"212612345678", "***"},
    {"0612345678", "***"},
    {"+212 612345678", "***"},
    {"+212512345678", "***"},
    {"+21261234567", "***"},
    {"+1234567", "***"},
    {"+1234567890123456", "***"},
    {"+12345678901234567890", "***"},
    {"+0612345678", "***"},
    {"+2126123456a8", "***"},
    {"hello", "***"},
};

#define MASK_CASES (sizeof(mask_cases) / sizeof(mask_cases[0]))

static void test_mask_case(void **state)
{
    const struct mask_case *c = *state;
    char out[MSISDN_MAX];
    msisdn_mask(c->in, out);
    assert_string_equal(out, c->out);
}

static void test_mask_null(void **state)
{
    (void)state;
    char out[MSISDN_MAX];
    msisdn_mask(NULL, out);
    assert_string_equal(out, "***");
}

/* The mask reads no further than MSISDN_MAX bytes of an unterminated buffer. */
static void test_mask_unterminated(void **state)
{
    (void)state;
    char buf[MSISDN_MAX];
    memset(buf, '1', sizeof(buf));
    buf[0] = '+';
    char out[MSISDN_MAX];
    msisdn_mask(buf, out);
    assert_string_equal(out, "***");
}

static void test_status_str(void **state)
{
    (void)state;
    assert_string_equal(msisdn_status_str(MSISDN_OK), "ok");
    assert_string_equal(msisdn_status_str(MSISDN_EMPTY), "empty");
    assert_string_equal(msisdn_status_str(MSISDN_BAD_CHAR), "bad character");
    assert_string_equal(msisdn_status_str(MSISDN_BAD_LENGTH), "bad length");
    assert_string_equal(msisdn_status_str(MSISDN_NOT_MOBILE), "not a mobile number");
    assert_string_equal(msisdn_status_str((enum msisdn_status)99), "unknown");
}

/* A printable test name for a table row: prefix, row number, input with
 * control and non-ASCII bytes escaped. */
static const char *case_name(char *buf, size_t size, const char *prefix, size_t row, const char *in)
{
    size_t n = (size_t)snprintf(buf, size, "%s %zu \"", prefix, row);
    for (const unsigned char *p = (const unsigned char *)in; *p != '\0' && n + 6 < size; p++) {
        if (*p >= 0x20 && *p < 0x7f)
            buf[n++] = (char)*p;
        else
            n += (size_t)snprintf(buf + n, size - n, "\\x%02x", *p);
    }
    snprintf(buf + n, size - n, "\"");
    return buf;
}

int main(void)
{
    static char names[NORMALIZE_CASES + MASK_CASES][96];
    static struct CMUnitTest tests[NORMALIZE_CASES + MASK_CASES + 5];
    size_t n = 0;

    for (size_t i = 0; i < NORMALIZE_CASES; i++, n++) {
        tests[n] = (struct CMUnitTest){
            .name = case_name(names[n], sizeof(names[n]), "normalize", i, normalize_cases[i].in),
            .test_func = test_normalize_case,
            .initial_state = (void *)&normalize_cases[i],
        };
    }
    for (size_t i = 0; i < MASK_CASES; i++, n++) {
        tests[n] = (struct CMUnitTest){
            .name = case_name(names[n], sizeof(names[n]), "mask", i, mask_cases[i].in),
            .test_func = test_mask_case,
            .initial_state = (void *)&mask_cases[i],
        };
    }
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_normalize_uses_length);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_normalize_idempotent);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_mask_null);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_mask_unterminated);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_status_str);
    if (n != sizeof(tests) / sizeof(tests[0])) {
        fprintf(stderr, "test_msisdn: %zu tests registered, table holds %zu\n", n,
                sizeof(tests) / sizeof(tests[0]));
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
