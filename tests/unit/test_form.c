/* test_form.c -- table-driven tests of the form-urlencoded decoder
 * (core/form), with the bodies the aggregators really send. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/form.h"
#include "core/limits.h"

#define FIELDS_MAX 8

struct want_field {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
};

/* A literal name/value pair; sizeof keeps embedded NULs. */
// clang-format off
#define F(n, v) {n, sizeof(n) - 1, v, sizeof(v) - 1}
// clang-format on

struct parse_case {
    const char *label;
    const char *in;
    size_t in_len; /* 0: strlen(in) */
    size_t max_fields;
    enum form_status want;
    size_t count;
    struct want_field fields[FIELDS_MAX];
};

/* Each row: label, body, body length (0: strlen), max_fields, status, then
 * on FORM_OK the field count and the fields expected in order. */
// clang-format off
#define ALL FORM_FIELDS_MAX
#define NONE 0, {{0}}
static const struct parse_case parse_cases[] = {
    {"empty body", "", 0, ALL, FORM_OK, NONE},
    {"one pair", "a=1", 0, ALL, FORM_OK, 1, {F("a", "1")}},
    {"header example", "a=1&b=x+y%21", 0, ALL, FORM_OK, 2, {F("a", "1"), F("b", "x y!")}},
    {"africastalking ussd step",
     "sessionId=ATUid_1&serviceCode=%2A384%2A123%23&phoneNumber=%2B212612345678"
     "&networkCode=60401&text=1%2A2", 0, ALL, FORM_OK, 5,
     {F("sessionId", "ATUid_1"), F("serviceCode", "*384*123#"), F("phoneNumber", "+212612345678"),
      F("networkCode", "60401"), F("text", "1*2")}},
    {"africastalking first step, empty text",
     "sessionId=ATUid_2&serviceCode=*384*123%23&phoneNumber=%2B212712345678&networkCode=60400"
     "&text=", 0, ALL, FORM_OK, 5,
     {F("sessionId", "ATUid_2"), F("serviceCode", "*384*123#"), F("phoneNumber", "+212712345678"),
      F("networkCode", "60400"), F("text", "")}},
    {"unencoded '+' in a phone number is a space", "phoneNumber=+212612345678", 0, ALL, FORM_OK,
     1, {F("phoneNumber", " 212612345678")}},
    {"arabic text, upper-case hex", "text=%D8%AA%D8%B9%D8%A7%D9%88%D9%86", 0, ALL, FORM_OK, 1,
     {F("text", "\xd8\xaa\xd8\xb9\xd8\xa7\xd9\x88\xd9\x86")}},
    {"arabic text, lower-case hex", "text=%d8%aa%d8%b9%d8%a7%d9%88%d9%86", 0, ALL, FORM_OK, 1,
     {F("text", "\xd8\xaa\xd8\xb9\xd8\xa7\xd9\x88\xd9\x86")}},
    {"twilio inbound", "From=%2B212612345678&To=%2B15005550006&Body=STOP+all&NumSegments=1", 0,
     ALL, FORM_OK, 4,
     {F("From", "+212612345678"), F("To", "+15005550006"), F("Body", "STOP all"),
      F("NumSegments", "1")}},
    {"kannel ucs-2 as utf-16be bytes", "text=%06%2A%06%39&coding=2", 0, ALL, FORM_OK, 2,
     {F("text", "\x06*\x06\x39"), F("coding", "2")}},
    {"name without '='", "flag&a=1", 0, ALL, FORM_OK, 2, {F("flag", ""), F("a", "1")}},
    {"name with '=' and nothing after", "a=", 0, ALL, FORM_OK, 1, {F("a", "")}},
    {"second '=' belongs to the value", "a=b=c", 0, ALL, FORM_OK, 1, {F("a", "b=c")}},
    {"empty pairs skipped", "&&a=1&&&b=2&", 0, ALL, FORM_OK, 2, {F("a", "1"), F("b", "2")}},
    {"only separators", "&&&", 0, ALL, FORM_OK, NONE},
    {"duplicate names kept in order", "to=1&to=2&x=3", 0, ALL, FORM_OK, 3,
     {F("to", "1"), F("to", "2"), F("x", "3")}},
    {"escaped separators", "a%3Db=c%26d", 0, ALL, FORM_OK, 1, {F("a=b", "c&d")}},
    {"plus in the name", "a+b=c", 0, ALL, FORM_OK, 1, {F("a b", "c")}},
    {"escaped plus", "a=%2B%2b", 0, ALL, FORM_OK, 1, {F("a", "++")}},
    {"NUL byte in a value", "a=x%00y", 0, ALL, FORM_OK, 1, {F("a", "x\0y")}},
    {"raw NUL byte in the body", "a=x\0y&b=2", 9, ALL, FORM_OK, 2, {F("a", "x\0y"), F("b", "2")}},
    {"raw bytes pass through", "a=\xff\x01", 0, ALL, FORM_OK, 1, {F("a", "\xff\x01")}},
    {"length is honoured", "a=1&b=2", 3, ALL, FORM_OK, 1, {F("a", "1")}},
    {"exactly max_fields", "a&b&c", 0, 3, FORM_OK, 3, {F("a", ""), F("b", ""), F("c", "")}},
    {"one more than max_fields", "a&b&c&d", 0, 3, FORM_TOO_MANY, NONE},
    {"empty pairs do not count", "a&&b&&c&&", 0, 3, FORM_OK, 3,
     {F("a", ""), F("b", ""), F("c", "")}},
    {"max_fields 0 and a pair", "a=1", 0, 0, FORM_TOO_MANY, NONE},
    {"max_fields 0 and an empty body", "", 0, 0, FORM_OK, NONE},
    {"lone percent", "%", 0, ALL, FORM_BAD_ESCAPE, NONE},
    {"percent at the end of a value", "a=1%", 0, ALL, FORM_BAD_ESCAPE, NONE},
    {"one hex digit", "a=%4", 0, ALL, FORM_BAD_ESCAPE, NONE},
    {"one hex digit before '&'", "a=%4&b=1", 0, ALL, FORM_BAD_ESCAPE, NONE},
    {"escape cut by the length", "a=%41", 4, ALL, FORM_BAD_ESCAPE, NONE},
    {"non-hex escape", "a=%G1", 0, ALL, FORM_BAD_ESCAPE, NONE},
    {"non-hex second digit", "a=%1g", 0, ALL, FORM_BAD_ESCAPE, NONE},
    {"bad escape in a name", "%zz=1", 0, ALL, FORM_BAD_ESCAPE, NONE},
    {"bad escape after good pairs", "a=1&b=2&c=%%", 0, ALL, FORM_BAD_ESCAPE, NONE},
    {"empty name", "=value", 0, ALL, FORM_EMPTY_NAME, NONE},
    {"empty name later", "a=1&=2", 0, ALL, FORM_EMPTY_NAME, NONE},
    {"lone '='", "=", 0, ALL, FORM_EMPTY_NAME, NONE},
    /* The first offending pair in reading order decides the status. */
    {"bad escape before empty name", "a=%&=1", 0, ALL, FORM_BAD_ESCAPE, NONE},
    {"empty name before bad escape", "=1&a=%", 0, ALL, FORM_EMPTY_NAME, NONE},
    {"empty name before too many", "=1&b&c", 0, 1, FORM_EMPTY_NAME, NONE},
    {"too many before bad escape", "a&b&c=%", 0, 1, FORM_TOO_MANY, NONE},
};
// clang-format on

#define PARSE_CASES (sizeof(parse_cases) / sizeof(parse_cases[0]))

/* One test per table row; the row arrives as the initial state. */
static void test_parse_case(void **state)
{
    const struct parse_case *c = *state;
    struct form f = {(struct form_field *)1, 99, (char *)1}; /* garbage the parser must reset */
    size_t len = c->in_len != 0 ? c->in_len : strlen(c->in);

    enum form_status st = form_parse(c->in, len, c->max_fields, &f);
    if (st != c->want)
        fail_msg("got %s, want %s", form_status_str(st), form_status_str(c->want));
    if (st != FORM_OK) {
        assert_null(f.fields);
        assert_null(f.storage);
        assert_int_equal(f.count, 0);
        return;
    }
    assert_int_equal(f.count, c->count);
    for (size_t i = 0; i < c->count; i++) {
        const struct form_field *got = &f.fields[i];
        const struct want_field *want = &c->fields[i];
        assert_int_equal(got->name_len, want->name_len);
        assert_memory_equal(got->name, want->name, want->name_len);
        assert_int_equal(got->name[got->name_len], '\0');
        assert_int_equal(got->value_len, want->value_len);
        if (want->value_len > 0)
            assert_memory_equal(got->value, want->value, want->value_len);
        assert_int_equal(got->value[got->value_len], '\0');
    }
    form_free(&f);
    assert_null(f.fields);
    assert_null(f.storage);
    assert_int_equal(f.count, 0);
}

static void test_lookup(void **state)
{
    (void)state;
    static const char body[] = "to=%2B212612345678&to=%2B212712345678&text=Salam&bin=a%00b&"
                               "flag&empty=";
    struct form f;
    assert_int_equal(form_parse(body, sizeof(body) - 1, FORM_FIELDS_MAX, &f), FORM_OK);
    assert_int_equal(f.count, 6);

    /* form_find: the first of duplicates. */
    const struct form_field *to = form_find(&f, "to");
    assert_non_null(to);
    assert_ptr_equal(to, &f.fields[0]);
    assert_string_equal(to->value, "+212612345678");
    assert_null(form_find(&f, "absent"));
    assert_null(form_find(&f, "t"));     /* a prefix is not a match */
    assert_null(form_find(&f, "text2")); /* nor is a longer name */
    assert_null(form_find(&f, "TEXT"));  /* names are case-sensitive */

    /* form_count. */
    assert_int_equal(form_count(&f, "to"), 2);
    assert_int_equal(form_count(&f, "text"), 1);
    assert_int_equal(form_count(&f, "absent"), 0);

    /* form_get: exactly once and no NUL. */
    assert_string_equal(form_get(&f, "text"), "Salam");
    assert_null(form_get(&f, "to"));
    assert_null(form_get(&f, "bin"));
    assert_non_null(form_find(&f, "bin"));
    assert_int_equal(form_find(&f, "bin")->value_len, 3);
    assert_string_equal(form_get(&f, "flag"), "");
    assert_string_equal(form_get(&f, "empty"), "");
    assert_null(form_get(&f, "absent"));

    /* NULL arguments are tolerated. */
    assert_null(form_find(NULL, "to"));
    assert_null(form_find(&f, NULL));
    assert_int_equal(form_count(NULL, "to"), 0);
    assert_null(form_get(NULL, "to"));
    assert_null(form_get(&f, NULL));
    form_free(&f);
}

/* A name holding a decoded NUL never matches a C-string name. */
static void test_lookup_nul_in_name(void **state)
{
    (void)state;
    struct form f;
    assert_int_equal(form_parse("a%00b=1&a=2", 11, FORM_FIELDS_MAX, &f), FORM_OK);
    assert_int_equal(f.count, 2);
    assert_int_equal(f.fields[0].name_len, 3);
    assert_int_equal(form_count(&f, "a"), 1);
    assert_string_equal(form_get(&f, "a"), "2");
    form_free(&f);
}

/* Every name and value lives in the one storage block. */
static void test_single_storage(void **state)
{
    (void)state;
    static const char body[] = "sessionId=ATUid_1&serviceCode=%2A384%23&text=1%2A2";
    struct form f;
    assert_int_equal(form_parse(body, sizeof(body) - 1, FORM_FIELDS_MAX, &f), FORM_OK);
    assert_int_equal(f.count, 3);
    const char *lo = f.storage;
    const char *hi = f.storage + sizeof(body) + 2 * f.count;
    for (size_t i = 0; i < f.count; i++) {
        assert_true(f.fields[i].name >= lo && f.fields[i].name + f.fields[i].name_len < hi);
        assert_true(f.fields[i].value >= lo && f.fields[i].value + f.fields[i].value_len < hi);
    }
    form_free(&f);
}

/* A long key and many fields, at the limits. */
static void test_large(void **state)
{
    (void)state;
    size_t key_len = 10000;
    char *body = malloc(key_len + 3);
    assert_non_null(body);
    memset(body, 'k', key_len);
    memcpy(body + key_len, "=v", 2);
    struct form f;
    assert_int_equal(form_parse(body, key_len + 2, FORM_FIELDS_MAX, &f), FORM_OK);
    assert_int_equal(f.count, 1);
    assert_int_equal(f.fields[0].name_len, key_len);
    assert_string_equal(f.fields[0].value, "v");
    form_free(&f);
    free(body);

    char many[FORM_FIELDS_MAX * 4 + 8];
    size_t n = 0;
    for (int i = 0; i < FORM_FIELDS_MAX; i++)
        n += (size_t)snprintf(many + n, sizeof(many) - n, "%c%c&", 'a' + i % 26, 'a' + i / 26);
    assert_int_equal(form_parse(many, n, FORM_FIELDS_MAX, &f), FORM_OK);
    assert_int_equal(f.count, FORM_FIELDS_MAX);
    assert_string_equal(f.fields[FORM_FIELDS_MAX - 1].name, "lc");
    form_free(&f);
    n += (size_t)snprintf(many + n, sizeof(many) - n, "zz");
    assert_int_equal(form_parse(many, n, FORM_FIELDS_MAX, &f), FORM_TOO_MANY);
    assert_null(f.fields);
}

static void test_null_buffer(void **state)
{
    (void)state;
    struct form f;
    assert_int_equal(form_parse(NULL, 0, FORM_FIELDS_MAX, &f), FORM_OK);
    assert_int_equal(f.count, 0);
    assert_null(form_get(&f, "a"));
    form_free(&f);
}

static void test_form_free(void **state)
{
    (void)state;
    form_free(NULL);
    struct form empty = {0};
    form_free(&empty);
    assert_null(empty.fields);
    assert_null(empty.storage);
    struct form f;
    assert_int_equal(form_parse("a=1", 3, FORM_FIELDS_MAX, &f), FORM_OK);
    form_free(&f);
    form_free(&f); /* freeing twice is harmless: the first free empties it */
}

static void test_status_str(void **state)
{
    (void)state;
    assert_string_equal(form_status_str(FORM_OK), "ok");
    assert_string_equal(form_status_str(FORM_BAD_ESCAPE), "bad percent escape");
    assert_string_equal(form_status_str(FORM_TOO_MANY), "too many fields");
    assert_string_equal(form_status_str(FORM_EMPTY_NAME), "empty field name");
    assert_string_equal(form_status_str(FORM_NOMEM), "out of memory");
    assert_string_equal(form_status_str((enum form_status)99), "unknown");
}

/* form_encode_append: the exact bytes, the bound, and that what it writes
 * parses back to the same fields. */
static void test_encode_append(void **state)
{
    (void)state;
    char buf[128] = "";
    size_t len = 0;
    assert_int_equal(form_encode_append(buf, sizeof buf, &len, "to", "+212612345678,+2127", 19), 0);
    assert_string_equal(buf, "to=%2B212612345678%2C%2B2127");
    assert_int_equal(form_encode_append(buf, sizeof buf, &len, "message", "a b&c=d~-._*%", 13), 0);
    assert_string_equal(buf, "to=%2B212612345678%2C%2B2127&message=a%20b%26c%3Dd~-._%2A%25");
    assert_int_equal(len, strlen(buf));
    static const char nul[] = {'x', '\0', '\xd9', '\x85'};
    assert_int_equal(form_encode_append(buf, sizeof buf, &len, "b", nul, sizeof nul), 0);
    struct form f;
    assert_int_equal(form_parse(buf, len, FORM_FIELDS_MAX, &f), FORM_OK);
    assert_int_equal(f.count, 3);
    assert_string_equal(form_get(&f, "message"), "a b&c=d~-._*%");
    assert_int_equal(f.fields[2].value_len, 4);
    assert_memory_equal(f.fields[2].value, nul, 4);
    form_free(&f);

    /* No room: nothing written, the buffer and the length are unchanged. */
    char small[12] = "";
    size_t sl = 0;
    assert_int_equal(form_encode_append(small, sizeof small, &sl, "a", "1", 1), 0);
    assert_int_equal(form_encode_append(small, sizeof small, &sl, "long", "xxxxx", 5), -1);
    assert_string_equal(small, "a=1");
    assert_int_equal(sl, 3);
    /* Exactly full: "a=1&b=12345" and the NUL take the 12 bytes. */
    assert_int_equal(form_encode_append(small, sizeof small, &sl, "b", "12345", 5), 0);
    assert_int_equal(sl, 11);
    assert_int_equal(form_encode_append(small, sizeof small, &sl, NULL, "", 0), 0);
    assert_int_equal(form_encode_append(small, sizeof small, &sl, NULL, "x", 1), -1);

    /* A bare value (name NULL) for URLs. */
    char url[32] = "/Accounts/";
    size_t ul = strlen(url);
    assert_int_equal(form_encode_append(url, sizeof url, &ul, NULL, "AC 1/2", 6), 0);
    assert_string_equal(url, "/Accounts/AC%201%2F2");
    assert_true(FORM_ENCODED_MAX(2, 6) >= strlen("ab=AC%201%2F2") + 1);
}

int main(void)
{
    static struct CMUnitTest tests[PARSE_CASES + 8];
    size_t n = 0;

    for (size_t i = 0; i < PARSE_CASES; i++, n++) {
        tests[n] = (struct CMUnitTest){
            .name = parse_cases[i].label,
            .test_func = test_parse_case,
            .initial_state = (void *)&parse_cases[i],
        };
    }
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_lookup);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_lookup_nul_in_name);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_single_storage);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_large);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_null_buffer);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_form_free);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_status_str);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_encode_append);
    if (n != sizeof(tests) / sizeof(tests[0])) {
        fprintf(stderr, "test_form: %zu tests registered, table holds %zu\n", n,
                sizeof(tests) / sizeof(tests[0]));
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
