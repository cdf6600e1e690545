/* form.h -- application/x-www-form-urlencoded decoding (and query strings).
 *
 * Pure and bounded: the parser copies the decoded names and values into one
 * allocation owned by the struct form. Values are bytes: they may hold any
 * octet, NUL included (see value_len); checking UTF-8 is the caller's job. */
#ifndef TAAWUN_CORE_FORM_H
#define TAAWUN_CORE_FORM_H

#include <stddef.h>

struct form_field {
    const char *name; /* NUL-terminated; name_len excludes the NUL */
    size_t name_len;
    const char *value; /* NUL-terminated; may contain earlier NULs */
    size_t value_len;
};

struct form {
    struct form_field *fields;
    size_t count;
    char *storage; /* owns all name/value bytes */
};

enum form_status {
    FORM_OK = 0,
    FORM_BAD_ESCAPE, /* '%' not followed by two hex digits */
    FORM_TOO_MANY,   /* more than max_fields pairs */
    FORM_EMPTY_NAME, /* "=value" */
    FORM_NOMEM,
};

/* Parse buf[0..len) ("a=1&b=x+y%21"). '+' decodes to a space; empty pairs
 * ("a=1&&b=2") are skipped; a name without '=' has an empty value.
 * On FORM_OK *out owns its memory (free with form_free); on any error *out
 * is left empty and needs no free.
 * Fields keep the order of the body; a body without pairs allocates nothing
 * (count 0, both pointers NULL). The status is that of the first offending
 * pair in reading order (FORM_TOO_MANY at pair max_fields + 1). */
enum form_status form_parse(const char *buf, size_t len, size_t max_fields, struct form *out)
    __attribute__((warn_unused_result));

/* The first field called name, or NULL. Borrowed from f. */
const struct form_field *form_find(const struct form *f, const char *name);

/* Number of fields called name. */
size_t form_count(const struct form *f, const char *name);

/* Value of the field called name when it appears exactly once and holds no
 * NUL byte; NULL otherwise (absent, duplicated or binary). Borrowed. */
const char *form_get(const struct form *f, const char *name);

void form_free(struct form *f);

/* Percent-encode value[0..value_len) (any bytes) for a form body or a URL
 * query: A-Z a-z 0-9 - . _ ~ stay, every other byte becomes %XX (upper-case
 * hex; a space becomes %20, which both forms and query strings decode).
 * Appends "name=VALUE" to buf at *len, preceded by '&' when *len > 0; name is
 * encoded the same way. When name is NULL only VALUE is appended (no '&', no
 * '='), for building URLs. buf holds bufsz bytes and stays NUL-terminated.
 * Returns 0 and advances *len, or -1 when the result would not fit (buf and
 * *len are then unchanged). */
int form_encode_append(char *buf, size_t bufsz, size_t *len, const char *name, const char *value,
                       size_t value_len) __attribute__((warn_unused_result));

/* Bytes form_encode_append adds at most for a value of value_len bytes and a
 * name of name_len bytes: 3 per byte, plus '&' and '='. */
#define FORM_ENCODED_MAX(name_len, value_len) (3 * ((name_len) + (value_len)) + 2)

const char *form_status_str(enum form_status st);

#endif
