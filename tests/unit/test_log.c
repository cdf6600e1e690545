/* test_log.c -- the log's last line of defence: no phone number reaches a
 * log line unmasked, whatever form it takes inside a value; values quoted
 * and escaped so that no value breaks a line or forges a key; json lines
 * that jansson reads back to what the caller wrote. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "sys/log.h"
#include "sys/log_json.h"

static void check(const char *in, const char *want)
{
    char buf[256];
    size_t n = strlen(in);
    memcpy(buf, in, n + 1);
    assert_int_equal(log_mask_digits(buf, n), n);
    assert_string_equal(buf, want);
}

static void test_numbers_masked(void **state)
{
    (void)state;
    /* The Vonage multipart key that leaked a full number. */
    check("provider_id=\"concat:+212612000777:R77\"", "provider_id=\"concat:+212*******77:R77\"");
    check("phone=00212612345678", "phone=002*********78");
    check("raw=0612345678 end", "raw=061*****78 end");
    check("a=612345678", "a=612****78");
}

static void test_other_values_kept(void **state)
{
    (void)state;
    check("id=12345678 attempts=3", "id=12345678 attempts=3");
    check("phone=+2126*****12", "phone=+2126*****12");
    check("ms=1.25 batch=100", "ms=1.25 batch=100");
    check("", "");
}

/* Run fn with stderr sent to a temporary file; return what it wrote
 * (static buffer). */
static const char *captured(void (*fn)(void))
{
    static char out[8192];
    char path[] = "/tmp/test_log_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    int saved = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    fn();
    dup2(saved, STDERR_FILENO);
    close(saved);
    ssize_t n = pread(fd, out, sizeof out - 1, 0);
    close(fd);
    out[n > 0 ? n : 0] = '\0';
    return out;
}

static size_t count_lines(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

static void burst(void)
{
    for (int i = 0; i < 1000; i++)
        log_collapsed(LOG_WARN, "disk:13", 200, "db_error", "error=%s", "\"full\"");
    log_collapsed(LOG_WARN, "other", 200, "ussd_busy", NULL);
    struct timespec pause = {0, 250 * 1000000L};
    nanosleep(&pause, NULL);
    log_collapsed(LOG_WARN, "disk:13", 200, "db_error", "error=%s", "\"full\"");
    log_collapsed(LOG_WARN, "other", 200, "ussd_busy", NULL);
}

/* A thousand identical warnings are one line, and the next one says how
 * many were held back; another key is counted apart. */
static void test_repeated_lines_collapsed(void **state)
{
    (void)state;
    const char *out = captured(burst);
    assert_int_equal(count_lines(out, "event=db_error"), 2);
    assert_int_equal(count_lines(out, "event=ussd_busy"), 2);
    assert_non_null(strstr(out, "event=db_error error=\"full\" repeated=999\n"));
    assert_null(strstr(out, "ussd_busy repeated"));
    assert_int_equal(count_lines(out, "repeated="), 1);
}

static void quoted(const char *in, const char *want)
{
    char out[128];
    assert_string_equal(log_quote(in, out, sizeof out), want);
}

/* Values stay bare unless something in them would end or forge a pair. */
static void test_quote(void **state)
{
    (void)state;
    quoted("sandbox", "sandbox");
    quoted("ATXid_0a1b", "ATXid_0a1b");
    quoted("d\xc3\xa9j\xc3\xa0", "d\xc3\xa9j\xc3\xa0"); /* UTF-8 needs no quotes */
    quoted("", "\"\"");
    quoted(NULL, "\"\"");
    quoted("two words", "\"two words\"");
    quoted("a=b", "\"a=b\"");
    quoted("x level=error", "\"x level=error\"");
    quoted("say \"hi\"", "\"say \\\"hi\\\"\"");
    quoted("C:\\dir", "\"C:\\\\dir\"");
    quoted("l1\nl2\r\tz", "\"l1\\nl2\\r\\tz\"");
    quoted("bell\x07"
           "esc\x1b del\x7f",
           "\"bell\\u0007esc\\u001b del\\u007f\"");
}

/* A value cut to fit stays closed, never ends inside an escape or a
 * character. */
static void test_quote_cut(void **state)
{
    (void)state;
    char out[12];
    assert_string_equal(log_quote("abcdefghijklmnop", out, sizeof out), "abcdefghijk");
    assert_string_equal(log_quote("a b c d e f g h", out, sizeof out), "\"a b c d e\"");
    assert_string_equal(log_quote("ab\n\n\n\n", out, sizeof out), "\"ab\\n\\n\\n\"");
    assert_string_equal(log_quote("abcdefg\x01", out, sizeof out), "\"abcdefg\"");
    /* "é" is two bytes: never one of them alone. */
    assert_string_equal(
        log_quote("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", out, sizeof out),
        "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
    assert_string_equal(log_quote("x \xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", out, sizeof out),
                        "\"x \xc3\xa9\xc3\xa9\xc3\xa9\"");
}

/* Parse one JSON line (the test fails when it is not one object). */
static json_t *parsed(const char *line)
{
    json_error_t err;
    json_t *o = json_loads(line, JSON_REJECT_DUPLICATES, &err);
    if (!o || !json_is_object(o))
        fail_msg("not a JSON object (%s): %s", err.text, line);
    return o;
}

static void assert_field(json_t *o, const char *key, const char *want)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_string(v))
        fail_msg("no string %s in %s", key, json_dumps(o, 0));
    assert_string_equal(json_string_value(v), want);
}

/* The pairs as log_quote writes them come back as the values given; a key
 * given twice or named like ts/level/event is kept under a suffix; words
 * that are no pair are kept under msg. */
static void test_json_render(void **state)
{
    (void)state;
    char out[1024];
    const char *f =
        "a=1 b=\"x y\" c=\"q\\\"\\\\\\n\\u0007\\u00e9\" event=7 a=2 stray e= \"loose quote\" "
        "k=\"unterminated";
    size_t n = log_json_render(out, sizeof out, "T", "info", "ev", f, strlen(f));
    assert_true(n > 0);
    assert_int_equal(n, strlen(out));
    json_t *o = parsed(out);
    assert_field(o, "ts", "T");
    assert_field(o, "level", "info");
    assert_field(o, "event", "ev");
    assert_field(o, "a", "1");
    assert_field(o, "b", "x y");
    assert_field(o, "c", "q\"\\\n\x07\xc3\xa9");
    assert_field(o, "event_2", "7");
    assert_field(o, "a_2", "2");
    assert_field(o, "e", "");
    assert_field(o, "k", "unterminated");
    assert_field(o, LOG_JSON_TEXT_KEY, "stray \"loose quote\"");
    /* The keys in the order written: ts, level, event first. */
    const char *head = "{\"ts\":\"T\",\"level\":\"info\",\"event\":\"ev\",\"a\":\"1\",";
    assert_true(strncmp(out, head, strlen(head)) == 0);
    json_decref(o);
    /* \u0000 is read as '?': many JSON readers refuse a NUL. */
    const char *nul = "z=\"a\\u0000b\"";
    assert_true(log_json_render(out, sizeof out, "T", "info", "ev", nul, strlen(nul)) > 0);
    o = parsed(out);
    assert_field(o, "z", "a?b");
    json_decref(o);
    /* Too small a buffer: 0, and the caller writes logfmt. */
    assert_int_equal(log_json_render(out, 20, "T", "info", "ev", f, strlen(f)), 0);
}

static const char *const odd_values[] = {
    "plain",
    "",
    "two words",
    "a=b c=d",
    "\"quoted\"",
    "back\\slash\\",
    "end\\",
    "new\nline",
    "tab\there\r\n",
    "\x01\x02\x1f\x7f",
    "caf\xc3\xa9 \xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7",
    "{\"json\": [1, 2]}",
    "x\" level=error event=forged",
};

static void odd_lines(void)
{
    log_set_format(LOG_FORMAT_JSON);
    for (size_t i = 0; i < sizeof odd_values / sizeof odd_values[0]; i++) {
        char q[256];
        log_info("odd", "i=%zu v=%s", i, log_quote(odd_values[i], q, sizeof q));
    }
    /* Raw values a caller forgot to quote: still one valid line each. */
    log_info("raw", "v=%s w=%s", "line\nbreak\x1b", "bad\xff\xfeutf8 \xc3");
    log_info("phone", "phone=%s id=%s", "+212612345678", "\"concat:212612000777\"");
    log_info("bare", NULL);
    log_set_format(LOG_FORMAT_LOGFMT);
}

/* In json every line is one object that reads back to what was logged. */
static void test_json_lines(void **state)
{
    (void)state;
    const char *out = captured(odd_lines);
    size_t n = 0, nodd = sizeof odd_values / sizeof odd_values[0];
    char *copy = strdup(out), *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        json_t *o = parsed(line);
        const char *ev = json_string_value(json_object_get(o, "event"));
        assert_non_null(ev);
        assert_non_null(json_string_value(json_object_get(o, "ts")));
        assert_string_equal(json_string_value(json_object_get(o, "level")), "info");
        if (n < nodd) {
            assert_string_equal(ev, "odd");
            assert_field(o, "v", odd_values[n]);
            assert_int_equal(json_object_size(o), 5);
        } else if (n == nodd) {
            assert_field(o, "v", "line?break?");
            assert_field(o, "w", "bad??utf8");
            assert_field(o, LOG_JSON_TEXT_KEY, "?");
        } else if (n == nodd + 1) {
            assert_field(o, "phone", "+212*******78");
            assert_field(o, "id", "concat:212*******77");
        } else {
            assert_string_equal(ev, "bare");
            assert_int_equal(json_object_size(o), 3);
        }
        json_decref(o);
        n++;
    }
    free(copy);
    assert_int_equal(n, nodd + 3);
}

static void raw_logfmt(void)
{
    log_warn("raw", "v=%s", "a\nlevel=error\x01\xff");
}

/* A raw newline cannot forge a second line in logfmt either. */
static void test_logfmt_one_line(void **state)
{
    (void)state;
    const char *out = captured(raw_logfmt);
    assert_non_null(strstr(out, " level=warn event=raw v=a?level=error??\n"));
    assert_int_equal(count_lines(out, "\n"), 1);
}

static void test_format_parse(void **state)
{
    (void)state;
    enum log_format f;
    assert_int_equal(log_format_parse("json", &f), 0);
    assert_int_equal(f, LOG_FORMAT_JSON);
    assert_int_equal(log_format_parse("logfmt", &f), 0);
    assert_int_equal(f, LOG_FORMAT_LOGFMT);
    assert_int_equal(log_format_parse("JSON", &f), -1);
    assert_int_equal(log_format_parse("", &f), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers_masked),
        cmocka_unit_test(test_other_values_kept),
        cmocka_unit_test(test_repeated_lines_collapsed),
        cmocka_unit_test(test_quote),
        cmocka_unit_test(test_quote_cut),
        cmocka_unit_test(test_json_render),
        cmocka_unit_test(test_json_lines),
        cmocka_unit_test(test_logfmt_one_line),
        cmocka_unit_test(test_format_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
