/* test_log_summary.c -- the traffic summary: one line per clock minute,
 * only when something was counted, with totals, details and each
 * channel's share when more than one channel counted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/limits.h"
#include "sys/log.h"
#include "sys/log_summary.h"

static char out[16384];

/* Run fn(arg) with stderr sent to a temporary file; what it wrote is in out. */
static const char *captured(void (*fn)(int64_t), int64_t arg)
{
    char path[] = "/tmp/test_log_summary_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    int saved = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    fn(arg);
    dup2(saved, STDERR_FILENO);
    close(saved);
    ssize_t n = pread(fd, out, sizeof out - 1, 0);
    close(fd);
    out[n > 0 ? n : 0] = '\0';
    return out;
}

static size_t count(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

/* The fields of the one summary line in s (a static copy), or fails. */
static const char *summary_fields(const char *s)
{
    static char line[4096];
    assert_int_equal(count(s, "event=summary"), 1);
    const char *p = strstr(s, "event=summary");
    const char *e = strchr(p, '\n');
    snprintf(line, sizeof line, "%.*s", (int)(e - p), p);
    return line;
}

static void one_channel_traffic(void)
{
    for (int i = 0; i < 5; i++)
        log_summary_count(LOG_SUMMARY_USSD_STEPS, "at", NULL);
    log_summary_count(LOG_SUMMARY_USSD_SESSIONS, "at", NULL);
    log_summary_add(LOG_SUMMARY_SENDS, "at", "sent", 40);
    log_summary_count(LOG_SUMMARY_SENDS, "at", "retry");
    log_summary_count(LOG_SUMMARY_SEND_ERRORS, "at", "unreachable");
    log_summary_add(LOG_SUMMARY_DLRS, "at", "delivered", 3);
    log_summary_count(LOG_SUMMARY_REGISTRATIONS, NULL, NULL);
}

static void tick(int64_t now)
{
    log_summary_tick(now);
}

/* Nothing is written inside a minute; the next minute writes the counts
 * once; a quiet minute writes nothing. */
static void test_one_line_a_minute(void **state)
{
    (void)state;
    log_set_level(LOG_INFO);
    assert_string_equal(captured(tick, 6000), ""); /* starts the period */
    one_channel_traffic();
    assert_string_equal(captured(tick, 6030), "");
    assert_string_equal(captured(tick, 6059), "");
    const char *f = summary_fields(captured(tick, 6061));
    assert_string_equal(f, "event=summary period_s=61 ussd_steps=5 ussd_sessions=1 "
                           "dlrs.delivered=3 sends.sent=40 sends.retry=1 "
                           "send_errors.unreachable=1 registrations=1");
    assert_non_null(strstr(out, "level=info "));
    assert_string_equal(captured(tick, 6062), "");
    assert_string_equal(captured(tick, 6130), ""); /* a quiet minute */
    log_summary_count(LOG_SUMMARY_SMS_IN, "at", NULL);
    assert_string_equal(captured(tick, 6170), "");
    f = summary_fields(captured(tick, 6180));
    assert_string_equal(f, "event=summary period_s=50 sms_in=1");
}

/* With two channels each one's share follows the totals. */
static void test_two_channels(void **state)
{
    (void)state;
    captured(tick, 9000);
    log_summary_add(LOG_SUMMARY_SENDS, "at", "sent", 7);
    log_summary_add(LOG_SUMMARY_SENDS, "tw", "sent", 2);
    log_summary_add(LOG_SUMMARY_SENDS, "tw", "failed", 1);
    log_summary_add(LOG_SUMMARY_SMS_IN, "tw", NULL, 4);
    const char *f = summary_fields(captured(tick, 9060));
    assert_string_equal(f, "event=summary period_s=60 sms_in=4 sends.sent=9 sends.failed=1 "
                           "sends.sent@at=7 sends.sent@tw=2 sends.failed@tw=1");
}

/* Beyond the table's room counts go to dropped=N; flush writes at once. */
static void flush(int64_t now)
{
    log_summary_flush(now);
}

static void test_full_table_and_flush(void **state)
{
    (void)state;
    captured(tick, 12000);
    for (int i = 0; i < LOG_SUMMARY_SERIES + 3; i++) {
        char ch[16];
        snprintf(ch, sizeof ch, "c%d", i);
        log_summary_count(LOG_SUMMARY_SMS_IN, ch, NULL);
    }
    log_summary_add(LOG_SUMMARY_SMS_IN, "c0", NULL, 9);
    const char *f = summary_fields(captured(flush, 12010));
    char want[64];
    snprintf(want, sizeof want, " sms_in=%d ", LOG_SUMMARY_SERIES + 9);
    assert_non_null(strstr(f, "event=summary period_s=10"));
    assert_non_null(strstr(f, want));
    assert_non_null(strstr(f, "sms_in@c0=10 "));
    assert_true(strstr(f, " dropped=3") || strlen(f) > 1800); /* the line is cut near 2 KiB */
    assert_string_equal(captured(flush, 12011), "");
    /* Odd words cannot break the key. */
    log_summary_count(LOG_SUMMARY_DLRS, "a b=c", "Delivered!");
    log_summary_count(LOG_SUMMARY_DLRS, "x", NULL);
    f = summary_fields(captured(flush, 12012));
    assert_string_equal(f, "event=summary period_s=1 dlrs._elivered_=1 dlrs=1 "
                           "dlrs._elivered_@a_b_c=1 dlrs@x=1");
}

/* At warn level the summary is not written, and the counts are not kept
 * for later either. */
static void test_level(void **state)
{
    (void)state;
    captured(tick, 15000);
    log_set_level(LOG_WARN);
    log_summary_count(LOG_SUMMARY_SMS_IN, "at", NULL);
    assert_string_equal(captured(tick, 15060), "");
    log_set_level(LOG_INFO);
    assert_string_equal(captured(tick, 15120), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_line_a_minute),
        cmocka_unit_test(test_two_channels),
        cmocka_unit_test(test_full_table_and_flush),
        cmocka_unit_test(test_level),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
