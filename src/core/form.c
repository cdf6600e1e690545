/* form.c -- decode application/x-www-form-urlencoded bodies and query strings
 * into name/value fields held in one bounded allocation, and percent-encode
 * fields for the bodies and URLs taawun sends. */
#include "core/form.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"

/* Check that every '%' in s[0..len) starts a valid escape. */
static int form_escapes_valid(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '%')
            continue;
        if (len - i < 3 || hex_digit_value((unsigned char)s[i + 1]) < 0 ||
            hex_digit_value((unsigned char)s[i + 2]) < 0)
            return 0;
        i += 2;
    }
    return 1;
}

/* Decode the already validated s[0..len) into dst followed by a NUL; returns
 * the decoded length. dst has room for len + 1 bytes. */
static size_t form_decode(const char *s, size_t len, char *dst)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '+') {
            dst[n++] = ' ';
        } else if (s[i] == '%') {
            int hi = hex_digit_value((unsigned char)s[i + 1]);
            int lo = hex_digit_value((unsigned char)s[i + 2]);
            dst[n++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            dst[n++] = s[i];
        }
    }
    dst[n] = '\0';
    return n;
}

/* One non-empty pair of the input: raw name and value, before decoding. */
struct form_raw_pair {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
};

/* Split the pair p[0..len) (len > 0) at its first '='. */
static struct form_raw_pair form_split_pair(const char *p, size_t len)
{
    struct form_raw_pair r;
    const char *eq = memchr(p, '=', len);
    r.name = p;
    if (eq == NULL) {
        r.name_len = len;
        r.value = p + len;
        r.value_len = 0;
    } else {
        r.name_len = (size_t)(eq - p);
        r.value = eq + 1;
        r.value_len = len - r.name_len - 1;
    }
    return r;
}

/* Length of the pair starting at buf[pos], up to the next '&' or the end. */
static size_t form_pair_len(const char *buf, size_t len, size_t pos)
{
    const char *amp = memchr(buf + pos, '&', len - pos);
    return amp == NULL ? len - pos : (size_t)(amp - (buf + pos));
}

enum form_status form_parse(const char *buf, size_t len, size_t max_fields, struct form *out)
{
    out->fields = NULL;
    out->count = 0;
    out->storage = NULL;
    if (buf == NULL)
        len = 0;

    /* First pass: validate, in reading order, and count the pairs. */
    size_t pairs = 0;
    for (size_t pos = 0; pos < len;) {
        size_t plen = form_pair_len(buf, len, pos);
        if (plen > 0) {
            struct form_raw_pair r = form_split_pair(buf + pos, plen);
            if (r.name_len == 0)
                return FORM_EMPTY_NAME;
            if (!form_escapes_valid(buf + pos, plen))
                return FORM_BAD_ESCAPE;
            if (++pairs > max_fields)
                return FORM_TOO_MANY;
        }
        pos += plen + 1;
    }
    if (pairs == 0)
        return FORM_OK;

    /* Decoded bytes never outnumber raw bytes; add a NUL per name and value. */
    if (len > (SIZE_MAX - 1) / 3 || pairs > SIZE_MAX / sizeof(struct form_field))
        return FORM_NOMEM;
    char *storage = malloc(len + 2 * pairs + 1);
    struct form_field *fields = malloc(pairs * sizeof(*fields));
    if (storage == NULL || fields == NULL) {
        free(storage);
        free(fields);
        return FORM_NOMEM;
    }

    /* Second pass: decode into storage. */
    size_t used = 0;
    size_t count = 0;
    for (size_t pos = 0; pos < len;) {
        size_t plen = form_pair_len(buf, len, pos);
        if (plen > 0) {
            struct form_raw_pair r = form_split_pair(buf + pos, plen);
            struct form_field *f = &fields[count++];
            f->name = storage + used;
            f->name_len = form_decode(r.name, r.name_len, storage + used);
            used += f->name_len + 1;
            f->value = storage + used;
            f->value_len = form_decode(r.value, r.value_len, storage + used);
            used += f->value_len + 1;
        }
        pos += plen + 1;
    }

    out->fields = fields;
    out->count = count;
    out->storage = storage;
    return FORM_OK;
}

static int form_name_is(const struct form_field *field, const char *name, size_t name_len)
{
    return field->name_len == name_len && memcmp(field->name, name, name_len) == 0;
}

const struct form_field *form_find(const struct form *f, const char *name)
{
    if (f == NULL || name == NULL)
        return NULL;
    size_t name_len = strlen(name);
    for (size_t i = 0; i < f->count; i++) {
        if (form_name_is(&f->fields[i], name, name_len))
            return &f->fields[i];
    }
    return NULL;
}

size_t form_count(const struct form *f, const char *name)
{
    if (f == NULL || name == NULL)
        return 0;
    size_t name_len = strlen(name);
    size_t n = 0;
    for (size_t i = 0; i < f->count; i++) {
        if (form_name_is(&f->fields[i], name, name_len))
            n++;
    }
    return n;
}

const char *form_get(const struct form *f, const char *name)
{
    if (form_count(f, name) != 1)
        return NULL;
    const struct form_field *field = form_find(f, name);
    if (memchr(field->value, '\0', field->value_len) != NULL)
        return NULL;
    return field->value;
}

void form_free(struct form *f)
{
    if (f == NULL)
        return;
    free(f->fields);
    free(f->storage);
    f->fields = NULL;
    f->count = 0;
    f->storage = NULL;
}

/* Bytes the encoding of s[0..n) takes. */
static size_t form_encoded_len(const char *s, size_t n)
{
    size_t out = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '_' || c == '~';
        out += keep ? 1 : 3;
    }
    return out;
}

static size_t form_encode_into(const char *s, size_t n, char *dst)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t out = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            dst[out++] = (char)c;
        } else {
            dst[out++] = '%';
            dst[out++] = hex[c >> 4];
            dst[out++] = hex[c & 15];
        }
    }
    return out;
}

int form_encode_append(char *buf, size_t bufsz, size_t *len, const char *name, const char *value,
                       size_t value_len)
{
    if (buf == NULL || len == NULL || *len >= bufsz || (value == NULL && value_len > 0))
        return -1;
    size_t name_len = name ? strlen(name) : 0;
    size_t need = form_encoded_len(value, value_len);
    if (name) {
        need += form_encoded_len(name, name_len) + 1 + (*len > 0 ? 1 : 0);
    }
    if (need >= bufsz - *len)
        return -1;
    size_t pos = *len;
    if (name) {
        if (pos > 0)
            buf[pos++] = '&';
        pos += form_encode_into(name, name_len, buf + pos);
        buf[pos++] = '=';
    }
    pos += form_encode_into(value, value_len, buf + pos);
    buf[pos] = '\0';
    *len = pos;
    return 0;
}

const char *form_status_str(enum form_status st)
{
    switch (st) {
    case FORM_OK:
        return "ok";
    case FORM_BAD_ESCAPE:
        return "bad percent escape";
    case FORM_TOO_MANY:
        return "too many fields";
    case FORM_EMPTY_NAME:
        return "empty field name";
    case FORM_NOMEM:
        return "out of memory";
    }
    return "unknown";
}
