/* log_json.h -- a log line's key=value pairs read back into one JSON object
 * (jansson), for log.format = "json": ts, level and event, then each key in
 * the order the caller wrote it, every value a string. Used by sys/log
 * only; a module of its own so that jansson stays out of log.c and the unit
 * tests reach the reader. */
#ifndef TAAWUN_SYS_LOG_JSON_H
#define TAAWUN_SYS_LOG_JSON_H

#include <stddef.h>

/* The key under which text that is not a key=value pair is gathered. */
#define LOG_JSON_TEXT_KEY "msg"
/* The longest fields log_json_render reads (bytes). */
#define LOG_JSON_FIELDS_MAX 4096

/* Write into out (outsz bytes) one JSON object, NUL-terminated, no
 * newline: {"ts":ts,"level":level,"event":event, then the pairs of
 * fields[0..len)} as log_quote() writes them: key=value or key="value" with
 * \", \\, \n, \r, \t and \uXXXX read back. A key met a second time, or one
 * named ts, level or event, gets "_2" appended ("_3", ... up to "_9"; later
 * ones are dropped); words that are not pairs are gathered, separated by a
 * space, under LOG_JSON_TEXT_KEY. fields must be valid UTF-8 (log_event
 * cleans it first); len at most LOG_JSON_FIELDS_MAX. All arguments are
 * borrowed. Returns the length written, or 0 when the object does not fit
 * in out or cannot be made (the caller then writes the logfmt line). */
size_t log_json_render(char *out, size_t outsz, const char *ts, const char *level,
                       const char *event, const char *fields, size_t len);

#endif
