/* text_input.h -- free text typed by a member on a keypad (a name, an idea's
 * title or description), cleaned the same way whether it came over USSD or
 * SMS: valid UTF-8, no control characters nor '#', spaces squeezed, ends
 * trimmed, a bounded number of characters of which at least two are
 * letters. */
#ifndef TAAWUN_CORE_TEXT_INPUT_H
#define TAAWUN_CORE_TEXT_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A letter of the scripts members write in: Latin (with accents), Arabic,
 * Tifinagh. Digits, punctuation and symbols (emoji) are not letters. */
bool text_input_is_letter(uint32_t cp);

/* Clean in[0..len) into out (outsz bytes, NUL-terminated). When
 * breaks_are_spaces, line breaks and tabs count as spaces (an SMS may carry
 * them); otherwise any control character refuses the text. Returns true when
 * the cleaned text has min_chars..max_chars characters, at least two of them
 * letters, and fits out; false otherwise (out is then unspecified). */
bool text_input_clean(const char *in, size_t len, size_t min_chars, size_t max_chars,
                      bool breaks_are_spaces, char *out, size_t outsz);

#endif
