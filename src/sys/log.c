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
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
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
