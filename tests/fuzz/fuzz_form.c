/* fuzz_form.c -- libFuzzer target for core/form: parses arbitrary bodies and
 * checks the decoder's invariants (lengths, terminators, one storage block,
 * lookups, limits, and that re-encoding the fields parses back to them). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/form.h"
#include "core/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* CHECK(): an assert() that survives NDEBUG. */
#include "fuzz_check.h"

static int fuzz_is_hex(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Independent of the parser: does the input hold a '%' without two hex
 * digits after it, or a pair that starts with '='? */
static int fuzz_has_bad_escape(const uint8_t *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (d[i] == '%' && (n - i < 3 || !fuzz_is_hex(d[i + 1]) || !fuzz_is_hex(d[i + 2])))
            return 1;
    }
    return 0;
}

static int fuzz_has_empty_name(const uint8_t *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (d[i] == '=' && (i == 0 || d[i - 1] == '&'))
            return 1;
    }
    return 0;
}

/* Append the percent-encoding of s[0..n) to out at *pos. */
static void fuzz_encode(const char *s, size_t n, char *out, size_t *pos)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ') {
            out[(*pos)++] = '+';
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '_' || c == '.' || c == '-' || c == '*') {
            out[(*pos)++] = (char)c;
        } else {
            out[(*pos)++] = '%';
            out[(*pos)++] = hex[c >> 4];
            out[(*pos)++] = hex[c & 15];
        }
    }
}

static void fuzz_same_fields(const struct form *a, const struct form *b)
{
    CHECK(a->count == b->count);
    for (size_t i = 0; i < a->count; i++) {
        CHECK(a->fields[i].name_len == b->fields[i].name_len);
        CHECK(memcmp(a->fields[i].name, b->fields[i].name, a->fields[i].name_len) == 0);
        CHECK(a->fields[i].value_len == b->fields[i].value_len);
        CHECK(memcmp(a->fields[i].value, b->fields[i].value, a->fields[i].value_len) == 0);
    }
}

static void fuzz_check_ok(const struct form *f, const uint8_t *data, size_t size)
{
    CHECK(f->count <= FORM_FIELDS_MAX);
    CHECK((f->count == 0) == (f->fields == NULL));
    CHECK((f->count == 0) == (f->storage == NULL));
    CHECK(!fuzz_has_bad_escape(data, size));
    CHECK(!fuzz_has_empty_name(data, size));
    if (f->count == 0)
        return;

    /* Fields lie in order, without overlap, inside the storage block. */
    const char *next = f->storage;
    const char *end = f->storage + size + 2 * f->count + 1;
    size_t decoded = 0;
    for (size_t i = 0; i < f->count; i++) {
        const struct form_field *fd = &f->fields[i];
        CHECK(fd->name_len > 0);
        CHECK(fd->name >= next && fd->name + fd->name_len < end);
        CHECK(fd->name[fd->name_len] == '\0');
        CHECK(fd->value > fd->name + fd->name_len && fd->value + fd->value_len < end);
        CHECK(fd->value[fd->value_len] == '\0');
        next = fd->value + fd->value_len + 1;
        decoded += fd->name_len + fd->value_len;
    }
    CHECK(decoded <= size);

    /* Lookups agree with the fields. */
    for (size_t i = 0; i < f->count; i++) {
        const struct form_field *fd = &f->fields[i];
        if (memchr(fd->name, '\0', fd->name_len) != NULL)
            continue; /* cannot be named by a C string */
        const struct form_field *first = form_find(f, fd->name);
        CHECK(first != NULL && first <= fd);
        CHECK(first->name_len == fd->name_len);
        size_t n = form_count(f, fd->name);
        CHECK(n >= 1 && n <= f->count);
        const char *v = form_get(f, fd->name);
        int binary = memchr(fd->value, '\0', fd->value_len) != NULL;
        if (n == 1 && !binary)
            CHECK(v == fd->value);
        else
            CHECK(v == NULL);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data;
    struct form f;
    enum form_status st = form_parse(buf, size, FORM_FIELDS_MAX, &f);
    CHECK(strcmp(form_status_str(st), "unknown") != 0);

    if (st != FORM_OK) {
        CHECK(f.fields == NULL && f.count == 0 && f.storage == NULL);
        if (st == FORM_BAD_ESCAPE)
            CHECK(fuzz_has_bad_escape(data, size));
        if (st == FORM_EMPTY_NAME)
            CHECK(fuzz_has_empty_name(data, size));
        form_free(&f);
        return 0;
    }
    fuzz_check_ok(&f, data, size);

    /* The limit: exactly count fields fit, one fewer does not. */
    if (f.count > 0) {
        struct form g;
        CHECK(form_parse(buf, size, f.count - 1, &g) == FORM_TOO_MANY);
        CHECK(g.fields == NULL && g.count == 0 && g.storage == NULL);
        CHECK(form_parse(buf, size, f.count, &g) == FORM_OK);
        fuzz_same_fields(&f, &g);
        form_free(&g);
    }

    /* Re-encoding the decoded fields parses back to the same fields. */
    size_t cap = 1;
    for (size_t i = 0; i < f.count; i++)
        cap += 3 * (f.fields[i].name_len + f.fields[i].value_len) + 2;
    char *enc = malloc(cap);
    CHECK(enc != NULL);
    size_t pos = 0;
    for (size_t i = 0; i < f.count; i++) {
        if (i > 0)
            enc[pos++] = '&';
        fuzz_encode(f.fields[i].name, f.fields[i].name_len, enc, &pos);
        enc[pos++] = '=';
        fuzz_encode(f.fields[i].value, f.fields[i].value_len, enc, &pos);
    }
    CHECK(pos < cap);
    struct form again;
    CHECK(form_parse(enc, pos, FORM_FIELDS_MAX, &again) == FORM_OK);
    fuzz_same_fields(&f, &again);
    form_free(&again);
    free(enc);

    form_free(&f);
    CHECK(f.fields == NULL && f.count == 0 && f.storage == NULL);
    form_free(&f);
    return 0;
}
