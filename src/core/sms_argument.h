/* sms_argument.h -- what follows an SMS keyword, normalised: free text,
 * references and codes, and the fields of a one-message registration
 * (core/sms_command.h says what each command's argument becomes).
 * Pure and bounded: no I/O, no allocation, no state. Every function reads
 * s[from..to), which may hold invalid UTF-8 (invalid bytes are dropped),
 * and writes valid UTF-8 cut at a character boundary. */
#ifndef TAAWUN_CORE_SMS_ARGUMENT_H
#define TAAWUN_CORE_SMS_ARGUMENT_H

#include <stdbool.h>
#include <stddef.h>

/* Free text into out (cap bytes of text, then a NUL: out holds cap + 1):
 * separators at the start skipped (": ; , . - # * ! ?" and their Arabic
 * forms), runs of spaces made one space, invisible marks and controls
 * removed, digits folded to ASCII, trailing spaces removed (and trailing
 * separators too with trim_punct). *truncated is set when the text was
 * cut at cap; a text without a letter or digit becomes "" (and
 * *truncated false). Returns the length written. */
size_t sms_argument_text(const char *s, size_t from, size_t to, char *out, size_t cap,
                         bool trim_punct, bool *truncated);

/* A reference or code into out (cap bytes of text, then a NUL): spaces,
 * marks and controls removed, letters and digits folded (core/fold.h),
 * ASCII letters upper-cased,
 * punctuation removed at both ends ("gr 2026-00042." -> "GR2026-00042").
 * *truncated is set when it was cut at cap. Returns the length written. */
size_t sms_argument_code(const char *s, size_t from, size_t to, char *out, size_t cap,
                         bool *truncated);

/* A typed reference (as sms_argument_code gives it) in the form the store
 * writes references, PREFIX-YYYY-NNNNN: its leading ASCII letters (folded
 * to upper case; default_prefix when there are none), then its digits, of
 * which the first four are the year and the rest the number, zero-padded
 * to five ("GR202644", "gr 2026 44", "2026-44" -> "GR-2026-00044").
 * Returns false (out untouched) when it does not read as one: fewer than
 * five or more than nine digits, or letters after the digits. out holds
 * outsz bytes (at least 32). */
bool sms_argument_reference(const char *code, const char *default_prefix, char *out, size_t outsz);

/* The fields of a one-message registration: separated by ';' ',' '*' '#'
 * '،' or '؛', each normalised as sms_argument_text does with trim_punct,
 * into fields[i * field_size] (i < max_fields; each holds field_size - 1
 * bytes of text and a NUL). Separators right after the keyword are
 * skipped; empty fields keep their place; trailing empty ones do not
 * count. *too_many is set when a field beyond max_fields holds a letter or
 * digit (it is dropped). Returns the number of fields, trailing empty ones
 * not counted. */
size_t sms_argument_fields(const char *s, size_t from, size_t to, char *fields, size_t max_fields,
                           size_t field_size, bool *too_many);

#endif
