/* sms_keyword.h -- matching the words of an SMS against tables of
 * keywords written in natural spelling, and the vocabulary around the
 * command keywords: one greeting skipped before them, the topics and
 * filler words after STOP and START, language names, and the common words
 * that tell French from English. core/sms_command.h lists every word.
 * Pure and bounded: no I/O, no allocation, no state.
 *
 * A table entry is folded as it is compared (core/sms_text.h), so a table
 * lists words as people write them ("ÉVÉNEMENTS", "أنشطة") and matches
 * every spelling that folds alike; an Arabic word of the message may also
 * carry the article ("الانشطة" matches أنشطة). */
#ifndef TAAWUN_CORE_SMS_KEYWORD_H
#define TAAWUN_CORE_SMS_KEYWORD_H

#include <stdbool.h>
#include <stddef.h>

#define SMS_KEYWORD_STRICT 1u /* only topics and fillers may follow (ابدأ / أبدا) */
#define SMS_KEYWORD_CODE 2u   /* a two-letter language code: a full name wins */

/* One word or phrase (two words at most) in natural spelling. */
struct sms_keyword {
    const char *text;
    int value;        /* what the caller's table means by it (a command) */
    const char *lang; /* "ar", "fr" or "en": the language it is written in; "" if several */
    unsigned flags;   /* SMS_KEYWORD_* */
};

/* The start of a message: its keyword, after one optional greeting. */
struct sms_keyword_found {
    const struct sms_keyword *keyword; /* NULL when the first word is no keyword */
    size_t rest;                       /* byte after the keyword (len when none) */
    const char *greeting_lang;         /* "" without a greeting */
    bool tanween;                      /* U+064B in the keyword's words */
    size_t nwords;                     /* words of the text after the greeting (up to 2) */
};

/* Skip one greeting at the start of s[0..len) (unless nothing follows it)
 * and match table[0..ntable) on the next words: the entry covering the
 * most words wins. Any bytes (invalid ones separate words). f borrows
 * from table. */
void sms_keyword_find(const struct sms_keyword *table, size_t ntable, const char *s, size_t len,
                      struct sms_keyword_found *f);

/* What follows STOP or START. */
struct sms_keyword_modifiers {
    const char *topic; /* the topic's database code ("events", ...), NULL for every topic */
    bool only_topics;  /* nothing but topics and filler words follow */
    const char *lang;  /* language of the first following word that tells, or "" */
};

/* Read the words of s[from..len): the topic is the first word that is not
 * a filler, when it names one; with any_other_means_all (STOP) naming a
 * second, different topic anywhere means every topic. Any bytes. The
 * strings are static. */
void sms_keyword_read_modifiers(const char *s, size_t len, size_t from, bool any_other_means_all,
                                struct sms_keyword_modifiers *m);

/* LANGUAGE's argument in s[from..len): "ar", "fr" or "en" for the first
 * full language name among the next three words, else for the first
 * two-letter code; NULL when none. A static string. */
const char *sms_keyword_language(const char *s, size_t len, size_t from);

/* "ar" when text[0..len) holds any Arabic letter; otherwise "fr" or "en"
 * by French letters and common words of each language; "" when nothing
 * tells (or both tell as much). Any bytes; NULL text reads as "". A static
 * string. */
const char *sms_keyword_guess_language(const char *text, size_t len);

#endif
