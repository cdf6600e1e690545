/* broadcasts_pg.c -- what store/broadcasts does in C on PostgreSQL, where
 * SQLite's statements call the SQL functions sms_encoding(), sms_units()
 * and sms_segments(): the audience's names grouped and measured, a member's
 * personalised text (core/gsm, core/placeholders). */
#include "store/broadcasts_pg.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/gsm.h"
#include "core/placeholders.h"
#include "store/members.h"
#include "store/store_util.h"

/* A language's names of one class summed: SQLite's
 * max(printf('%010d', sms_units(name)) || name) kept as units and name. */
struct names_acc {
    int64_t count, max_id;
    size_t units;
    char *longest; /* malloc'd; NULL before the first name */
};

static void names_add(struct names_acc acc[3], const char *name, int64_t count, int64_t max_id)
{
    struct text_measure m;
    bool measured = text_measure(name, strlen(name), &m) == 0;
    int c = !*name                                ? BROADCASTS_PG_NONE
            : measured && m.encoding == TEXT_GSM7 ? BROADCASTS_PG_GSM7
                                                  : BROADCASTS_PG_UCS2;
    size_t units = measured && *name ? m.units : 0;
    struct names_acc *g = &acc[c];
    g->count += count;
    if (max_id > g->max_id)
        g->max_id = max_id;
    /* SQLite's max(units zero-padded || name): units first, then bytes. */
    if (!g->longest || units > g->units || (units == g->units && strcmp(name, g->longest) > 0)) {
        char *copy = strdup(name);
        if (copy) { /* else the longer name is lost, never the count */
            free(g->longest);
            g->longest = copy;
            g->units = units;
        }
    }
}

static void names_flush(struct names_acc acc[3], const char *language, broadcasts_pg_group_fn *fn,
                        void *ctx)
{
    for (int c = 0; c < 3; c++) {
        if (acc[c].count)
            fn(language, c, acc[c].count, acc[c].max_id, acc[c].longest ? acc[c].longest : "", ctx);
        free(acc[c].longest);
        memset(&acc[c], 0, sizeof acc[c]);
    }
}

int broadcasts_pg_names(struct db_stmt *st, broadcasts_pg_group_fn *fn, void *ctx)
{
    struct names_acc acc[3] = {{0}};
    char language[64] = "";
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        const char *lang = db_col_text(st, 0), *name = db_col_text(st, 1);
        if (strcmp(lang ? lang : "", language) != 0) {
            names_flush(acc, language, fn, ctx);
            snprintf(language, sizeof language, "%s", lang ? lang : "");
        }
        names_add(acc, name ? name : "", db_col_i64(st, 2), db_col_i64(st, 3));
    }
    names_flush(acc, language, fn, ctx);
    return rc;
}

int broadcasts_pg_body(const char *body, const char *encoding, const char *name_fallback,
                       int64_t id, const char *name, char **out, int64_t *segments)
{
    struct text_measure m;
    bool fits = *name && ((text_measure(name, strlen(name), &m) == 0 && m.encoding == TEXT_GSM7) ||
                          strcmp(encoding, "ucs2") == 0);
    char number[16];
    member_number(id, number);
    const char *values[PLACEHOLDER_COUNT] = {[PLACEHOLDER_NAME] = fits            ? name
                                                                  : name_fallback ? name_fallback
                                                                                  : "",
                                             [PLACEHOLDER_MEMBER_NO] = number};
    size_t longest = strlen(values[PLACEHOLDER_NAME]) > strlen(number)
                         ? strlen(values[PLACEHOLDER_NAME])
                         : strlen(number);
    size_t cap = strlen(body) + (strlen(body) / 3 + 1) * longest + 1; /* "{x}" at least */
    *out = malloc(cap);
    if (!*out || placeholders_expand(body, values, *out, cap) < 0 ||
        text_measure(*out, strlen(*out), &m) != 0) {
        free(*out);
        *out = NULL;
        return -1;
    }
    *segments = (int64_t)m.segments;
    return 0;
}

/* ---- a chunk's rows as arrays ---- */

static int text_reserve(struct broadcasts_pg_text *t, size_t more)
{
    if (t->len + more + 2 <= t->cap) /* room for the closing brace and NUL */
        return 0;
    size_t cap = t->cap ? t->cap : 1024;
    while (cap < t->len + more + 2)
        cap *= 2;
    char *p = realloc(t->p, cap);
    if (!p)
        return -1;
    t->p = p;
    t->cap = cap;
    return 0;
}

/* Append one element to the array literal t: "{" before the first, ","
 * before the others, the value quoted with '"' and '\\' escaped. */
static int text_element(struct broadcasts_pg_text *t, const char *v)
{
    size_t n = strlen(v);
    if (text_reserve(t, 2 * n + 3) != 0)
        return -1;
    char sep = t->len ? ',' : '{';
    t->p[t->len++] = sep;
    t->p[t->len++] = '"';
    for (const char *c = v; *c; c++) {
        if (*c == '"' || *c == '\\')
            t->p[t->len++] = '\\';
        t->p[t->len++] = *c;
    }
    t->p[t->len++] = '"';
    return 0;
}

/* t closed as an array literal ("{}" when empty), NUL-terminated. */
static const char *text_closed(struct broadcasts_pg_text *t)
{
    if (text_reserve(t, 1) != 0)
        return NULL;
    if (!t->len)
        t->p[t->len++] = '{';
    t->p[t->len] = '}';
    t->p[t->len + 1] = '\0';
    return t->p;
}

int broadcasts_pg_rows_add(struct broadcasts_pg_rows *r, int64_t member_id, const char *phone,
                           const char *body, const char *encoding, int64_t segments)
{
    char id[24], segs[24];
    snprintf(id, sizeof id, "%lld", (long long)member_id);
    snprintf(segs, sizeof segs, "%lld", (long long)segments);
    if (text_element(&r->member_ids, id) != 0 || text_element(&r->phones, phone) != 0 ||
        text_element(&r->bodies, body) != 0 || text_element(&r->encodings, encoding) != 0 ||
        text_element(&r->segments, segs) != 0)
        return -1;
    r->count++;
    return 0;
}

int broadcasts_pg_rows_bind(struct db_stmt *st, struct broadcasts_pg_rows *r)
{
    const char *ids = text_closed(&r->member_ids), *phones = text_closed(&r->phones),
               *bodies = text_closed(&r->bodies), *encodings = text_closed(&r->encodings),
               *segments = text_closed(&r->segments);
    if (!ids || !phones || !bodies || !encodings || !segments)
        return -1;
    store_bind_text(st, ":member_ids", ids);
    store_bind_text(st, ":phones", phones);
    store_bind_text(st, ":bodies", bodies);
    store_bind_text(st, ":encodings", encodings);
    store_bind_text(st, ":segments", segments);
    return 0;
}

void broadcasts_pg_rows_clear(struct broadcasts_pg_rows *r)
{
    r->count = 0;
    r->member_ids.len = r->phones.len = r->bodies.len = r->encodings.len = r->segments.len = 0;
}

void broadcasts_pg_rows_free(struct broadcasts_pg_rows *r)
{
    free(r->member_ids.p);
    free(r->phones.p);
    free(r->bodies.p);
    free(r->encodings.p);
    free(r->segments.p);
    *r = (struct broadcasts_pg_rows){0};
}
