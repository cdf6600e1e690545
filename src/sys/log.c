/* log.c -- key=value log lines on stderr, one write(2) per line. */
#include "sys/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/limits.h"
#include "core/utf8.h"
#include "sys/clock.h"
#include "sys/log_json.h"

#define LOG_LINE_MAX 2048 /* a logfmt line, newline included */
#define LOG_FIELDS_MAX (LOG_LINE_MAX - 64)
#define LOG_JSON_LINE_MAX (3 * LOG_LINE_MAX) /* the same fields as JSON */

/* A run of this many digits or more is taken for a phone number, whatever
 * its form (E.164, 00..., a national number, inside a provider id). */
#define LOG_DIGITS_MASKED 9
#define LOG_DIGITS_KEPT_HEAD 4
#define LOG_DIGITS_KEPT_TAIL 2

static _Atomic int current_level = LOG_INFO;
static _Atomic int current_format = LOG_FORMAT_LOGFMT;

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

void log_set_format(enum log_format format)
{
    atomic_store(&current_format, (int)format);
}

enum log_format log_get_format(void)
{
    return (enum log_format)atomic_load(&current_format);
}

int log_format_parse(const char *name, enum log_format *out)
{
    if (strcmp(name, "logfmt") == 0)
        *out = LOG_FORMAT_LOGFMT;
    else if (strcmp(name, "json") == 0)
        *out = LOG_FORMAT_JSON;
    else
        return -1;
    return 0;
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

/* Replace, in place, control characters and bytes that are not UTF-8 in
 * s[0..len) with '?'. */
static void clean_text(char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f)
                s[i] = '?';
            i++;
            continue;
        }
        uint32_t cp;
        size_t k = utf8_decode(s + i, len - i, &cp);
        if (k == 0 || (cp >= 0x80 && cp < 0xa0)) { /* C1 controls too */
            s[i++] = '?';
            continue;
        }
        i += k;
    }
}

/* The caller's part of a line: formatted, numbers masked, cleaned. Returns
 * its length (at most outsz - 1). */
__attribute__((format(printf, 3, 0))) static size_t format_fields(char *out, size_t outsz,
                                                                  const char *fmt, va_list ap)
{
    int n = vsnprintf(out, outsz, fmt, ap);
    if (n <= 0) {
        out[0] = '\0';
        return 0;
    }
    size_t len = (size_t)n < outsz ? (size_t)n : outsz - 1;
    log_mask_digits(out, len);
    clean_text(out, len);
    return len;
}

void log_event(enum log_level level, const char *event, const char *fmt, ...)
{
    if ((int)level < atomic_load(&current_level))
        return;
    char fields[LOG_FIELDS_MAX] = "", ts[64];
    size_t flen = 0;
    if (fmt && *fmt) {
        va_list ap;
        va_start(ap, fmt);
        flen = format_fields(fields, sizeof fields, fmt, ap);
        va_end(ap);
    }
    struct timespec now;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    snprintf(ts, sizeof ts, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, now.tv_nsec / 1000000L);
    char line[LOG_JSON_LINE_MAX];
    size_t len = 0;
    if (atomic_load(&current_format) == LOG_FORMAT_JSON)
        len = log_json_render(line, sizeof line - 1, ts, level_names[level], event, fields, flen);
    if (len == 0) { /* logfmt, or json that could not be made */
        int n = snprintf(line, LOG_LINE_MAX - 1, "ts=%s level=%s event=%s%s%s", ts,
                         level_names[level], event, flen ? " " : "", fields);
        len = n < 0 ? 0 : (size_t)n;
        if (len > LOG_LINE_MAX - 2)
            len = utf8_floor(line, LOG_LINE_MAX - 2, LOG_LINE_MAX - 2);
    }
    line[len++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, len);
    (void)w;
}

/* The keys log_collapsed() has seen: when each was last written and how
 * many calls were held back since. */
static struct {
    char key[LOG_COLLAPSE_KEY_MAX];
    int64_t last_ms;
    unsigned long held;
} collapse_slots[LOG_COLLAPSE_KEYS];
static size_t collapse_used;
static pthread_mutex_t collapse_lock = PTHREAD_MUTEX_INITIALIZER;

static int64_t monotonic_ms(void)
{
    return (int64_t)clock_ms(CLOCK_MONOTONIC);
}

/* Whether a line for key is written now; if so, *held is the number of
 * calls held back since the previous one (0 for a key not in the table). */
static bool collapse_admit(const char *key, int interval_ms, unsigned long *held)
{
    int64_t now = monotonic_ms();
    bool write = true;
    *held = 0;
    pthread_mutex_lock(&collapse_lock);
    size_t i = 0;
    while (i < collapse_used && strncmp(collapse_slots[i].key, key, LOG_COLLAPSE_KEY_MAX - 1) != 0)
        i++;
    if (i < collapse_used) {
        if (now - collapse_slots[i].last_ms < interval_ms) {
            collapse_slots[i].held++;
            write = false;
        } else {
            *held = collapse_slots[i].held;
            collapse_slots[i].held = 0;
            collapse_slots[i].last_ms = now;
        }
    } else if (collapse_used < LOG_COLLAPSE_KEYS) {
        snprintf(collapse_slots[i].key, sizeof collapse_slots[i].key, "%s", key);
        collapse_slots[i].last_ms = now;
        collapse_used++;
    }
    pthread_mutex_unlock(&collapse_lock);
    return write;
}

void log_collapsed(enum log_level level, const char *key, int interval_ms, const char *event,
                   const char *fmt, ...)
{
    if ((int)level < atomic_load(&current_level))
        return;
    unsigned long held;
    if (!collapse_admit(key, interval_ms, &held))
        return;
    char rest[LOG_LINE_MAX] = "";
    if (fmt && *fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(rest, sizeof rest, fmt, ap);
        va_end(ap);
    }
    if (held)
        log_event(level, event, "%s%srepeated=%lu", rest, rest[0] ? " " : "", held);
    else
        log_event(level, event, "%s", rest);
}

/* Whether c makes a logfmt value need quotes. */
static bool needs_quotes(unsigned char c)
{
    return c <= ' ' || c == '=' || c == '"' || c == '\\' || c == 0x7f;
}

/* The escape of c inside quotes into esc (at most 7 bytes with the NUL):
 * its length, 0 when c stands for itself. */
static size_t escape_of(unsigned char c, char *esc)
{
    switch (c) {
    case '"':
    case '\\':
        esc[0] = '\\';
        esc[1] = (char)c;
        return 2;
    case '\n':
        memcpy(esc, "\\n", 2);
        return 2;
    case '\r':
        memcpy(esc, "\\r", 2);
        return 2;
    case '\t':
        memcpy(esc, "\\t", 2);
        return 2;
    default:
        break;
    }
    if (c < 0x20 || c == 0x7f)
        return (size_t)snprintf(esc, 7, "\\u%04x", c);
    return 0;
}

char *log_quote(const char *s, char *out, size_t outsz)
{
    if (!s)
        s = "";
    size_t n = strlen(s);
    bool quote = n == 0;
    for (size_t i = 0; i < n && !quote; i++)
        quote = needs_quotes((unsigned char)s[i]);
    if (!quote) {
        size_t k = n < outsz ? n : utf8_floor(s, n, outsz - 1);
        memcpy(out, s, k);
        out[k] = '\0';
        return out;
    }
    size_t j = 0;
    out[j++] = '"';
    for (size_t i = 0; i < n;) {
        char esc[8];
        size_t e = escape_of((unsigned char)s[i], esc), take = 1;
        if (e == 0 && (unsigned char)s[i] >= 0x80) {
            uint32_t cp;
            take = utf8_decode(s + i, n - i, &cp);
            if (take == 0)
                take = 1; /* not UTF-8: copied; log_event replaces it */
        }
        size_t need = e ? e : take;
        if (j + need + 2 > outsz) /* the closing quote and the NUL */
            break;
        memcpy(out + j, e ? esc : s + i, need);
        j += need;
        i += take;
    }
    out[j++] = '"';
    out[j] = '\0';
    return out;
}
