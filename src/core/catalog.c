/* catalog.c -- key -> template stores for member-facing texts, one per
 * language, with an open-addressing hash index so that every USSD screen
 * finds its texts in O(1), and the {placeholder} expansion of templates. */
#include "core/catalog.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "core/utf8.h"

struct catalog_entry {
    char *key;
    char *value;
};

struct catalog {
    char lang[CATALOG_LANG_MAX];
    struct catalog_entry *entries; /* insertion order */
    size_t count;
    size_t capacity;
    size_t *slots; /* index + 1 into entries, 0 = empty; power-of-two size */
    size_t nslots;
};

static char *copy_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);

    if (d != NULL)
        memcpy(d, s, n);
    return d;
}

/* The slot holding key, or the empty slot where it would go. */
static size_t find_slot(const struct catalog *c, const char *key)
{
    size_t mask = c->nslots - 1;
    size_t i = (size_t)hash_string(key) & mask;

    while (c->slots[i] != 0 && strcmp(c->entries[c->slots[i] - 1].key, key) != 0)
        i = (i + 1) & mask;
    return i;
}

static int grow_index(struct catalog *c)
{
    size_t nslots = c->nslots ? c->nslots * 2 : 16;
    size_t *slots;
    size_t mask = nslots - 1;

    if (nslots > SIZE_MAX / sizeof *slots / 2)
        return -1;
    slots = calloc(nslots, sizeof *slots);
    if (slots == NULL)
        return -1;
    for (size_t e = 0; e < c->count; e++) {
        size_t i = (size_t)hash_string(c->entries[e].key) & mask;
        while (slots[i] != 0)
            i = (i + 1) & mask;
        slots[i] = e + 1;
    }
    free(c->slots);
    c->slots = slots;
    c->nslots = nslots;
    return 0;
}

struct catalog *catalog_new(const char *lang)
{
    struct catalog *c;
    size_t n;

    if (lang == NULL)
        return NULL;
    n = strlen(lang);
    if (n >= CATALOG_LANG_MAX)
        return NULL;
    c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    memcpy(c->lang, lang, n + 1);
    if (grow_index(c) != 0) {
        free(c);
        return NULL;
    }
    return c;
}

void catalog_free(struct catalog *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->count; i++) {
        free(c->entries[i].key);
        free(c->entries[i].value);
    }
    free(c->entries);
    free(c->slots);
    free(c);
}

int catalog_put(struct catalog *c, const char *key, const char *value)
{
    size_t slot;
    char *k, *v;

    if (c == NULL || key == NULL || value == NULL)
        return -1;
    slot = find_slot(c, key);
    if (c->slots[slot] != 0) {
        struct catalog_entry *e = &c->entries[c->slots[slot] - 1];
        v = copy_string(value);
        if (v == NULL)
            return -1;
        free(e->value);
        e->value = v;
        return 0;
    }
    /* Keep the index at most half full. */
    if ((c->count + 1) * 2 > c->nslots) {
        if (grow_index(c) != 0)
            return -1;
        slot = find_slot(c, key);
    }
    if (c->count == c->capacity) {
        size_t cap = c->capacity ? c->capacity * 2 : 16;
        struct catalog_entry *entries;
        if (cap > SIZE_MAX / sizeof *entries)
            return -1;
        entries = realloc(c->entries, cap * sizeof *entries);
        if (entries == NULL)
            return -1;
        c->entries = entries;
        c->capacity = cap;
    }
    k = copy_string(key);
    v = copy_string(value);
    if (k == NULL || v == NULL) {
        free(k);
        free(v);
        return -1;
    }
    c->entries[c->count].key = k;
    c->entries[c->count].value = v;
    c->count++;
    c->slots[slot] = c->count;
    return 0;
}

const char *catalog_get(const struct catalog *c, const char *key)
{
    size_t slot;

    if (c == NULL || key == NULL)
        return NULL;
    slot = find_slot(c, key);
    return c->slots[slot] ? c->entries[c->slots[slot] - 1].value : NULL;
}

const char *catalog_lang(const struct catalog *c)
{
    return c ? c->lang : NULL;
}

size_t catalog_size(const struct catalog *c)
{
    return c ? c->count : 0;
}

const char *catalog_key_at(const struct catalog *c, size_t i)
{
    return c && i < c->count ? c->entries[i].key : NULL;
}

const char *catalog_value_at(const struct catalog *c, size_t i)
{
    return c && i < c->count ? c->entries[i].value : NULL;
}

const struct catalog *catalog_set_find(const struct catalog_set *s, const char *lang)
{
    size_t n;

    if (s == NULL || lang == NULL)
        return NULL;
    n = s->count < CATALOG_LANGS_MAX ? s->count : CATALOG_LANGS_MAX;
    for (size_t i = 0; i < n; i++)
        if (s->langs[i] != NULL && strcmp(s->langs[i]->lang, lang) == 0)
            return s->langs[i];
    if (s->fallback != NULL && strcmp(s->fallback->lang, lang) == 0)
        return s->fallback;
    return NULL;
}

const char *catalog_set_get(const struct catalog_set *s, const char *lang, const char *key,
                            bool *fell_back)
{
    const struct catalog *c = catalog_set_find(s, lang);
    const char *v;

    if (fell_back != NULL)
        *fell_back = false;
    if (s == NULL || key == NULL)
        return NULL;
    v = catalog_get(c, key);
    if (v != NULL)
        return v;
    if (s->fallback == NULL || s->fallback == c)
        return NULL;
    v = catalog_get(s->fallback, key);
    if (v != NULL && fell_back != NULL)
        *fell_back = true;
    return v;
}

/* A bounded writer: keeps writing nothing once full, remembers it was. */
struct out_buf {
    char *p;
    size_t size; /* bytes available, NUL included */
    size_t len;
    bool overflow;
};

static void out_put(struct out_buf *o, const char *s, size_t n)
{
    if (o->overflow)
        return;
    if (o->size == 0 || n > o->size - 1 - o->len) {
        size_t room = o->size ? o->size - 1 - o->len : 0;
        if (room > 0)
            memcpy(o->p + o->len, s, room);
        o->len += room;
        o->overflow = true;
        return;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
}

static const char *find_var(const struct text_var *vars, size_t nvars, const char *name, size_t n)
{
    if (vars == NULL)
        return NULL;
    for (size_t i = 0; i < nvars; i++) {
        if (vars[i].name != NULL && strlen(vars[i].name) == n && memcmp(vars[i].name, name, n) == 0)
            return vars[i].value ? vars[i].value : "";
    }
    return NULL;
}

/* len with an incomplete UTF-8 sequence at the end of s[0..len) removed. */
static size_t trim_partial(const char *s, size_t len)
{
    size_t lead = len;
    uint32_t cp;

    while (lead > 0 && len - lead < 4 && ((unsigned char)s[lead - 1] & 0xC0) == 0x80)
        lead--;
    if (lead == 0 || len - lead >= 4)
        return len;
    lead--; /* the byte before the continuation bytes */
    if ((unsigned char)s[lead] < 0xC0)
        return len; /* ASCII or stray continuation: nothing was cut */
    if (utf8_decode(s + lead, len - lead, &cp) == len - lead)
        return len;
    return lead;
}

/* A '{' without its '}' counts as an unknown placeholder and is copied as
 * is; a lone '}' is copied as is. A NULL value expands to nothing. On
 * overflow the output is cut back to a UTF-8 character boundary. */
long text_format(const char *tmpl, const struct text_var *vars, size_t nvars, char *out,
                 size_t outsz)
{
    struct out_buf o = {out, outsz, 0, false};
    bool unknown = false;
    const char *p = tmpl;

    if (out == NULL)
        outsz = o.size = 0;
    if (tmpl == NULL) {
        if (outsz > 0)
            out[0] = '\0';
        return -1;
    }
    while (*p != '\0' && !o.overflow) {
        const char *brace = p + strcspn(p, "{}");
        out_put(&o, p, (size_t)(brace - p));
        p = brace;
        if (*p == '\0')
            break;
        if (p[0] == p[1]) { /* "{{" or "}}" */
            out_put(&o, p, 1);
            p += 2;
        } else if (*p == '}') {
            out_put(&o, p, 1);
            p++;
        } else {
            const char *end = strchr(p + 1, '}');
            const char *value;
            if (end == NULL) {
                unknown = true;
                out_put(&o, p, strlen(p));
                break;
            }
            value = find_var(vars, nvars, p + 1, (size_t)(end - p - 1));
            if (value == NULL) {
                unknown = true;
                out_put(&o, p, (size_t)(end + 1 - p));
            } else {
                out_put(&o, value, strlen(value));
            }
            p = end + 1;
        }
    }
    if (o.overflow)
        o.len = trim_partial(out, o.len);
    if (outsz > 0)
        out[o.len] = '\0';
    if (o.overflow || unknown)
        return -1;
    return (long)o.len;
}

void catalog_amount(const struct catalog_set *s, const char *lang, long long amount, char *out,
                    size_t outsz)
{
    if (outsz == 0)
        return;
    const char *sep = catalog_set_get(s, lang, "thousands_sep", NULL);
    sep = sep ? sep : "";
    char digits[32];
    unsigned long long v =
        amount < 0 ? 0ULL - (unsigned long long)amount : (unsigned long long)amount;
    int n = snprintf(digits, sizeof digits, "%llu", v);
    size_t j = 0, sl = strlen(sep);
    if (amount < 0 && j + 1 < outsz)
        out[j++] = '-';
    for (int i = 0; i < n && j + 1 < outsz; i++) {
        if (i > 0 && (n - i) % 3 == 0) {
            if (j + sl + 1 >= outsz)
                break;
            memcpy(out + j, sep, sl);
            j += sl;
        }
        out[j++] = digits[i];
    }
    out[j] = '\0';
}

void catalog_when(const struct catalog_set *s, const char *lang, int day, int month, int hour,
                  int minute, char *out, size_t outsz)
{
    char d[4], mo[4], h[4], mi[4];
    snprintf(d, sizeof d, "%02d", (day % 100 + 100) % 100);
    snprintf(mo, sizeof mo, "%02d", (month % 100 + 100) % 100);
    snprintf(h, sizeof h, "%02d", (hour % 100 + 100) % 100);
    snprintf(mi, sizeof mi, "%02d", (minute % 100 + 100) % 100);
    struct text_var vars[] = {{"day", d}, {"month", mo}, {"hour", h}, {"minute", mi}};
    const char *tmpl = catalog_set_get(s, lang, "event_when", NULL);
    if (!tmpl || text_format(tmpl, vars, 4, out, outsz) < 0)
        snprintf(out, outsz, "%s/%s %s:%s", d, mo, h, mi);
}
