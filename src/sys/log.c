/* log.c -- key=value log lines on stderr, one write(2) per line. */
#include "sys/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LOG_LINE_MAX 2048

/* A run of this many digits or more is taken for a phone number, whatever
 * its form (E.164, 00..., a national number, inside a provider id). */
#define LOG_DIGITS_MASKED 9
#define LOG_DIGITS_KEPT_HEAD 4
#define LOG_DIGITS_KEPT_TAIL 2

static _Atomic int current_level = LOG_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void log_set_level(enum log_level level)
{
    atomic_store(&current_level, (int)level);
}

enum log_level log_get_level(void)
{
    return (enum log_level)atomic_load(&current_level);
}

int log_level_parse(const char *name, enum log_level *out)
{
    for (size_t i = 0; i < sizeof level_names / sizeof level_names[0]; i++) {
        if (strcmp(name, level_names[i]) == 0) {
            *out = (enum log_level)i;
            return 0;
        }
    }
    return -1;
}

size_t log_mask_digits(char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        if (s[i] < '0' || s[i] > '9') {
            i++;
            continue;
        }
        size_t start = i;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
        size_t run = i - start;
        if (run < LOG_DIGITS_MASKED)
            continue;
        /* Keep the head (country code and operator) and the last digits, as
         * msisdn_mask() does; the stars hide the rest. */
        for (size_t k = start + LOG_DIGITS_KEPT_HEAD - 1; k < i - LOG_DIGITS_KEPT_TAIL; k++)
            s[k] = '*';
    }
    return len;
}

void log_event(enum log_level level, const char *event, const char *fmt, ...)
{
    if ((int)level < atomic_load(&current_level))
        return;
    char line[LOG_LINE_MAX];
    struct timespec now;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    int n = snprintf(line, sizeof line, "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s event=%s",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     now.tv_nsec / 1000000L, level_names[level], event);
    size_t len = n < 0 ? 0 : (size_t)n;
    if (len > sizeof line - 2)
        len = sizeof line - 2;
    if (fmt && *fmt) {
        line[len++] = ' ';
        va_list ap;
        va_start(ap, fmt);
        n = vsnprintf(line + len, sizeof line - len - 1, fmt, ap);
        va_end(ap);
        if (n > 0) {
            size_t added = (size_t)n < sizeof line - len - 1 ? (size_t)n : sizeof line - len - 2;
            log_mask_digits(line + len, added);
            len += added;
        }
    }
    line[len++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w;
}

char *log_quote(const char *s, char *out, size_t outsz)
{
    size_t j = 0;
    out[j++] = '"';
    for (; s && *s && j + 3 < outsz; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            if (j + 4 >= outsz)
                break;
            out[j++] = '\\';
            out[j++] = (char)c;
        } else if (c < 0x20 || c == 0x7f) {
            out[j++] = '?';
        } else {
            out[j++] = (char)c;
        }
    }
    out[j++] = '"';
    out[j] = '\0';
    return out;
}
