/* test_log.c -- the log's last line of defence: no phone number reaches a
 * log line unmasked, whatever form it takes inside a value. */
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

#include "sys/log.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers_masked),
        cmocka_unit_test(test_other_values_kept),
        cmocka_unit_test(test_repeated_lines_collapsed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
