/* bidi.h -- the direction a phone gives a text: many take it from the
 * first letter, so an Arabic text that starts with Latin letters (a
 * reference GR-2026-..., a member number TA-..., a Latin name) reads left
 * to right unless a right-to-left mark (U+200F, one UCS-2 unit) leads. */
#ifndef TAAWUN_CORE_BIDI_H
#define TAAWUN_CORE_BIDI_H

#include <stdbool.h>
#include <stddef.h>

#define BIDI_RLM "\xE2\x80\x8F" /* U+200F RIGHT-TO-LEFT MARK */

/* Whether valid UTF-8 s[0..len) holds a right-to-left letter (Arabic
 * script). */
bool bidi_has_rtl(const char *s, size_t len);

/* Whether s[0..len) holds a right-to-left letter but its first strong
 * letter is left-to-right (Latin): it needs BIDI_RLM in front to read
 * right to left. Digits, spaces and punctuation are not strong. */
bool bidi_needs_rlm(const char *s, size_t len);

#endif
