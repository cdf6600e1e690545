/* catalog.h -- member-facing texts: one catalog of key -> template per
 * language, a set of catalogs with fallback to the programme's default
 * language, and {placeholder} expansion.
 *
 * Pure: loading catalogs from the conf/messages/ .conf files is done by
 * config/messages.c; this module only stores and looks up. */
#ifndef TAAWUN_CORE_CATALOG_H
#define TAAWUN_CORE_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

#define CATALOG_LANG_MAX 8  /* "ar", "fr", "en", ... with room */
#define CATALOG_LANGS_MAX 8 /* languages in one set */

struct catalog;

/* A new empty catalog for language code lang (copied). NULL on OOM, and
 * when lang is NULL or does not fit CATALOG_LANG_MAX (NUL included). */
struct catalog *catalog_new(const char *lang);
void catalog_free(struct catalog *c);

/* Store a copy of value under key (copied), replacing an earlier one.
 * Returns 0, or -1 on OOM. */
int catalog_put(struct catalog *c, const char *key, const char *value)
    __attribute__((warn_unused_result));

/* The template stored under key, or NULL. Borrowed from c. */
const char *catalog_get(const struct catalog *c, const char *key);
const char *catalog_lang(const struct catalog *c);

/* Iteration in insertion order: i from 0 to catalog_size(c)-1. */
size_t catalog_size(const struct catalog *c);
const char *catalog_key_at(const struct catalog *c, size_t i);
const char *catalog_value_at(const struct catalog *c, size_t i);

/* Several languages; the first one added is not special: fallback names
 * the programme's default language. The set does not own the catalogs. */
struct catalog_set {
    const struct catalog *langs[CATALOG_LANGS_MAX];
    size_t count;
    const struct catalog *fallback;
};

/* The catalog for lang, or NULL. */
const struct catalog *catalog_set_find(const struct catalog_set *s, const char *lang);

/* Look key up in lang's catalog, then in the fallback catalog. *fell_back
 * (may be NULL) is set true when the fallback answered for a language that
 * lacks the key. Returns NULL when neither has it. */
const char *catalog_set_get(const struct catalog_set *s, const char *lang, const char *key,
                            bool *fell_back);

struct text_var {
    const char *name;
    const char *value;
};

/* Expand "{name}" placeholders of tmpl with vars into out (outsz bytes,
 * always NUL-terminated when outsz > 0). "{{" and "}}" stand for literal
 * braces. Returns the length written, or -1 when out is too small or a
 * placeholder has no variable (out then holds a truncated best effort).
 * A '{' without a closing '}' is an unknown placeholder; a lone '}' is
 * copied; a variable with a NULL value expands to nothing. A cut never
 * leaves half a UTF-8 character at the end of out. */
long text_format(const char *tmpl, const struct text_var *vars, size_t nvars, char *out,
                 size_t outsz) __attribute__((warn_unused_result));

/* Numbers and dates as the catalogs write them, the same on USSD screens
 * and in SMS (one format per language, in conf/messages/, not per call). */

/* amount with catalog text thousands_sep of lang (falling back as
 * catalog_set_get does) between groups of three digits: "150 000" (fr: a
 * plain space, GSM-7), "150,000" (en), "150٬000" (ar); no separator when
 * the catalogs lack it. Into out (outsz bytes, NUL-terminated; a cut never
 * splits the separator). */
void catalog_amount(const struct catalog_set *s, const char *lang, long long amount, char *out,
                    size_t outsz);

/* An event's date and time by catalog text event_when of lang ("{day}/
 * {month} {hour}h{minute}"), two digits each ("20/02 10h00"); "20/02 10:00"
 * when the catalogs lack it. Into out (outsz bytes, NUL-terminated). */
void catalog_when(const struct catalog_set *s, const char *lang, int day, int month, int hour,
                  int minute, char *out, size_t outsz);

#endif
