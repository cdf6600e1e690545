/* sms_text.h -- the characters of an SMS as the keyword parser reads them:
 * what class each code point is in, the digits of three scripts, letters
 * folded for comparison, and words cut out of a text and folded.
 * Pure and bounded: no I/O, no allocation, no state.
 *
 * Folding is core/fold's, the one folding of taawun (utf8proc's
 * compatibility decomposition, case folding and mark stripping, then the
 * small Arabic map): case; accents and ligatures (é -> e, ç -> c, œ -> oe,
 * ß -> ss); fullwidth letters and Arabic presentation forms (ﻣﺴﺎﻋﺪﺓ as some
 * phones send it) to plain letters; Arabic letter variants (أ إ آ ٱ -> ا,
 * ة -> ه, ى ی ئ -> ي, ؤ -> و, ک -> ك); Arabic-Indic and Eastern
 * Arabic-Indic digits to ASCII. Marks (harakat, tatweel, combining
 * accents) and invisible marks inside a word are skipped. */
#ifndef TAAWUN_CORE_SMS_TEXT_H
#define TAAWUN_CORE_SMS_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/fold.h"

#define SMS_TEXT_FOLD_CP_BYTES FOLD_CP_BYTES /* bytes of one folded code point */
#define SMS_TEXT_FOLD_MAX 48 /* folded bytes kept of a word; longer words match nothing */

enum sms_text_class {
    SMS_TEXT_WORD,    /* letter or digit: part of a word */
    SMS_TEXT_SPACE,   /* white space: separates words, one space in arguments */
    SMS_TEXT_PUNCT,   /* punctuation, symbols, emoji: separates words */
    SMS_TEXT_MARK,    /* combining marks, harakat, tatweel, ZWJ/ZWNJ, variation
                       * selectors: ignored inside words, kept in arguments */
    SMS_TEXT_FORMAT,  /* invisible marks (RLM, BOM, ...): ignored, removed */
    SMS_TEXT_CONTROL, /* control characters: separate words, removed */
};

/* The class of code point cp. Scripts taawun does not read (Tifinagh,
 * Greek, ...) still make words: they simply match no keyword. */
enum sms_text_class sms_text_classify(uint32_t cp);

/* The value of an ASCII, Arabic-Indic or Eastern Arabic-Indic digit; -1
 * for anything else. */
int sms_text_digit(uint32_t cp);

/* Fold the word character cp for comparison into out (core/fold.h);
 * returns the bytes written (0..SMS_TEXT_FOLD_CP_BYTES). */
size_t sms_text_fold_cp(uint32_t cp, char out[SMS_TEXT_FOLD_CP_BYTES]);

/* A word of a text: a run of word characters (marks inside skipped). */
struct sms_text_word {
    size_t start, end; /* bytes of the text */
    size_t fold_len;
    bool too_long;                /* more than SMS_TEXT_FOLD_MAX folded bytes: fold is cut */
    bool tanween;                 /* U+064B inside: أبداً "never", not ابدأ "start" */
    char fold[SMS_TEXT_FOLD_MAX]; /* folded, not NUL-terminated */
};

/* The next word of s[0..len) at or after *pos, folded into *w; *pos moves
 * past it. false at the end (*pos = len). Any bytes: invalid ones
 * separate words. */
bool sms_text_word_next(const char *s, size_t len, size_t *pos, struct sms_text_word *w);

/* Clean the body of an inbound SMS as the channels hand it over, into out
 * (at least len bytes; not NUL-terminated): a NUL byte becomes '@' (GSM
 * 03.38's '@' is septet 0x00, and gateways that convert GSM-7 code by code
 * pass it on as 0: a real text never holds U+0000); a TAB becomes a space;
 * every other C0 control but LF and CR, DEL and the C1 controls
 * (U+0080..U+009F) are removed. Nothing else changes: invalid UTF-8 stays
 * for the caller to refuse. Returns the length written (<= len). */
size_t sms_text_clean_controls(const char *in, size_t len, char *out);

#endif
