/* log.h -- one line per event on stderr, in one of two formats (log.format):
 *
 *   logfmt  ts=2026-01-05T10:00:00.123Z level=info event=listening port=8080
 *   json    {"ts":"2026-01-05T10:00:00.123Z","level":"info","event":"listening","port":"8080"}
 *
 * Callers format their own key=value pairs (logfmt); values that may hold
 * spaces or come from outside go through log_quote(). In json, the pairs
 * are read back (sys/log_json) into one object per line, every value a
 * string. Phone numbers are masked with msisdn_mask() before they reach a
 * log line; secrets never do. As a last line of defence, log_event() masks
 * every run of nine digits or more in the caller's part of the line (a
 * number inside a provider id, a raw field): only the first three digits
 * and the last two stay; and it replaces control characters and bytes that
 * are not UTF-8 with '?', so a value never breaks the line (nor journald's
 * reading of it as text). */
#ifndef TAAWUN_SYS_LOG_H
#define TAAWUN_SYS_LOG_H

#include <stddef.h>

#include "core/limits.h" /* LOG_COLLAPSE_INTERVAL_MS */

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR };
enum log_format { LOG_FORMAT_LOGFMT = 0, LOG_FORMAT_JSON };

/* Set the lowest level written (thread-safe; used by reload). */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/* Parse "debug" | "info" | "warn" | "error". Returns 0, or -1 if unknown. */
int log_level_parse(const char *name, enum log_level *out);

/* Set the format of the lines written from now on (thread-safe). */
void log_set_format(enum log_format format);
enum log_format log_get_format(void);

/* Parse "logfmt" | "json". Returns 0, or -1 if unknown. */
int log_format_parse(const char *name, enum log_format *out);

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

/* s as a logfmt value: as it is when it holds none of space, '=', '"',
 * '\', a control character or DEL, else wrapped in double quotes with '"'
 * and '\' escaped by a backslash, newline, carriage return and tab as \n,
 * \r, \t, and other control characters as \u00XX. NULL or empty gives "".
 * Cut to fit out (outsz bytes, at least 8) on a UTF-8 boundary, never inside
 * an escape; a quoted value is always closed. Returns out. */
char *log_quote(const char *s, char *out, size_t outsz);

#endif
