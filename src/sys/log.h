/* log.h -- one line per event on stderr, as key=value pairs an operator can
 * grep at 3 a.m.: `ts=... level=info event=listening listener=public port=8080`.
 *
 * Callers format their own key=value pairs; values that may hold spaces or
 * come from outside go through log_quote(). Phone numbers are masked with
 * msisdn_mask() before they reach a log line; secrets never do. As a last
 * line of defence, log_event() masks every run of nine digits or more in
 * the caller's part of the line (a number inside a provider id, a raw
 * field): only the first three digits and the last two stay. */
#ifndef TAAWUN_SYS_LOG_H
#define TAAWUN_SYS_LOG_H

#include <stddef.h>

#include "core/limits.h" /* LOG_COLLAPSE_INTERVAL_MS */

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Set the lowest level written (thread-safe; used by reload). */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/* Parse "debug" | "info" | "warn" | "error". Returns 0, or -1 if unknown. */
int log_level_parse(const char *name, enum log_level *out);

/* Write one line: ts, level, event, then fmt (printf-style, may be NULL).
 * Lines longer than 2 KiB are cut. Thread-safe: one write(2) per line. */
void log_event(enum log_level level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_debug(event, ...) log_event(LOG_DEBUG, event, __VA_ARGS__)
#define log_info(event, ...) log_event(LOG_INFO, event, __VA_ARGS__)
#define log_warn(event, ...) log_event(LOG_WARN, event, __VA_ARGS__)
#define log_error(event, ...) log_event(LOG_ERROR, event, __VA_ARGS__)

/* Repeated identical warnings collapsed with a count: log_collapsed()
 * writes its line (as log_event) at most once per interval_ms for the same
 * key, and counts the calls it holds back; the next line written for that
 * key ends with `repeated=N`, the number held back since the previous one.
 * key names what is identical (an event and an error code, say); it is
 * borrowed for the call only. Held-back calls write nothing, so a burst that
 * stops leaves its count unreported until the key is logged again. A table
 * of LOG_COLLAPSE_KEYS keys (core/limits.h) is kept; once full, keys not in
 * it are written every time. Thread-safe. */
void log_collapsed(enum log_level level, const char *key, int interval_ms, const char *event,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Mask, in place, every run of at least nine ASCII digits in s[0..len):
 * the digits after the third and before the last two become '*'. Returns
 * len. */
size_t log_mask_digits(char *s, size_t len);

/* Quote s for a log value: wraps it in double quotes, escapes '"' and '\',
 * replaces control characters with '?', and cuts it to fit out (outsz
 * bytes, at least 4). Returns out. */
char *log_quote(const char *s, char *out, size_t outsz);

#endif
