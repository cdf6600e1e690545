/* print.c -- taawunctl's tables, fields and counts for a person. */
#include "ctl/print.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void print_json(json_t *o)
{
    char *s = json_dumps(o, JSON_INDENT(2));
    if (s)
        puts(s);
    free(s);
}

static char print_zone_name[64];

void print_set_zone(const char *zone)
{
    snprintf(print_zone_name, sizeof print_zone_name, "%s", zone ? zone : "");
    if (print_zone_name[0]) {
        /* Every time this process formats or reads is the programme's,
         * whatever the machine's own zone. */
        setenv("TZ", print_zone_name, 1);
        tzset();
    }
}

/* o's time key as the API gave it in programme time (key_local,
 * "YYYY-MM-DD HH:MM"), else key's unix seconds through print_time. */
static void print_local_time(json_t *o, const char *key, char *out, size_t outsz)
{
    char name[96];
    snprintf(name, sizeof name, "%s_local", key);
    const char *local = json_string_value(json_object_get(o, name));
    json_t *v = json_object_get(o, key);
    if (!local) {
        print_time(json_integer_value(v), out, outsz);
        return;
    }
    snprintf(out, outsz, "%s", local);
    char *t = strchr(out, 'T');
    if (t)
        *t = ' ';
}

/* true when key names a time ("at" or ends in "_at"). */
static bool print_time_key(const char *key)
{
    size_t kl = strlen(key);
    return strcmp(key, "at") == 0 || (kl > 3 && strcmp(key + kl - 3, "_at") == 0);
}

/* true when key names a time that o holds as a number. */
static bool print_is_time(json_t *o, const char *key)
{
    return print_time_key(key) && json_is_integer(json_object_get(o, key));
}

void print_time(json_int_t t, char *out, size_t outsz)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!t || !localtime_r(&tt, &tm))
        snprintf(out, outsz, "-");
    else
        strftime(out, outsz, "%Y-%m-%d %H:%M", &tm);
}

/* A cell's text (times formatted when the key ends in _at). */
void print_cell(const char *key, json_t *v, char *out, size_t outsz)
{
    if (json_is_integer(v) && print_time_key(key))
        print_time(json_integer_value(v), out, outsz);
    else if (json_is_string(v))
        snprintf(out, outsz, "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(out, outsz, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        snprintf(out, outsz, "%.2f", json_real_value(v));
    else if (json_is_true(v))
        snprintf(out, outsz, "yes");
    else if (json_is_false(v))
        snprintf(out, outsz, "no");
    else if (json_is_object(v) || json_is_array(v)) {
        char *s = json_dumps(v, JSON_COMPACT);
        snprintf(out, outsz, "%s", s ? s : "-");
        free(s);
    } else
        snprintf(out, outsz, "-");
    for (char *p = out; *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
}

/* The cell of key in o: a time as the API's programme-time string. */
static void table_cell(json_t *o, const char *key, char *out, size_t outsz)
{
    if (print_is_time(o, key))
        print_local_time(o, key, out, outsz);
    else
        print_cell(key, json_object_get(o, key), out, outsz);
}

/* Display width in code points, and a cut at max of them. */
static size_t print_width(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static void print_cut(char *s, size_t max)
{
    size_t n = 0;
    for (char *p = s; *p; p++) {
        if (((unsigned char)*p & 0xC0) != 0x80 && n++ == max) {
            *p = '\0';
            return;
        }
    }
}

/* A column's title: a time column says its zone, "starts_at
 * (Africa/Casablanca)". */
static void print_title(const char *col, char *out, size_t outsz)
{
    if (print_time_key(col) && print_zone_name[0])
        snprintf(out, outsz, "%s (%s)", col, print_zone_name);
    else
        snprintf(out, outsz, "%s", col);
}

void print_table(json_t *items, const char *const *cols, size_t ncols)
{
    size_t width[PRINT_COLUMNS_MAX] = {0};
    if (ncols > PRINT_COLUMNS_MAX)
        ncols = PRINT_COLUMNS_MAX;
    size_t nrows = json_array_size(items);
    char cell[1024];
    for (size_t c = 0; c < ncols; c++) {
        print_title(cols[c], cell, sizeof cell);
        width[c] = print_width(cell);
    }
    for (size_t r = 0; r < nrows; r++)
        for (size_t c = 0; c < ncols; c++) {
            table_cell(json_array_get(items, r), cols[c], cell, sizeof cell);
            print_cut(cell, PRINT_CELL_MAX);
            size_t w = print_width(cell);
            if (w > width[c])
                width[c] = w;
        }
    for (size_t c = 0; c < ncols; c++) {
        print_title(cols[c], cell, sizeof cell);
        printf("%s%s%*s", c ? "  " : "", cell,
               (int)(c + 1 < ncols ? width[c] - print_width(cell) : 0), "");
    }
    putchar('\n');
    for (size_t r = 0; r < nrows; r++) {
        for (size_t c = 0; c < ncols; c++) {
            table_cell(json_array_get(items, r), cols[c], cell, sizeof cell);
            print_cut(cell, PRINT_CELL_MAX);
            size_t pad = width[c] - print_width(cell);
            printf("%s%s%*s", c ? "  " : "", cell, (int)(c + 1 < ncols ? pad : 0), "");
        }
        putchar('\n');
    }
}

void print_list(json_t *o, const char *key, const char *title, const char *const *cols,
                size_t ncols)
{
    json_t *items = json_object_get(o, key);
    if (json_array_size(items) == 0)
        return;
    printf("\n%s:\n", title);
    print_table(items, cols, ncols);
}

void print_labelled_time(json_t *o, const char *key, char *out, size_t outsz)
{
    print_local_time(o, key, out, outsz);
    size_t len = strlen(out);
    if (print_zone_name[0])
        snprintf(out + len, outsz - len, " (%s)", print_zone_name);
}

void print_fields(json_t *o, const char *const *keys, size_t n)
{
    char cell[2048];
    for (size_t i = 0; i < n; i++) {
        if (print_is_time(o, keys[i]))
            print_labelled_time(o, keys[i], cell, sizeof cell);
        else
            print_cell(keys[i], json_object_get(o, keys[i]), cell, sizeof cell);
        printf("%-20s %s\n", keys[i], cell);
    }
}

void print_counts(const char *title, json_t *v)
{
    size_t nested = 0;
    if (json_is_object(v)) { /* nested objects first, each on its own line */
        const char *k;
        json_t *x;
        json_object_foreach(v, k, x)
        {
            if (json_is_object(x)) {
                char sub[160];
                snprintf(sub, sizeof sub, "%s.%s", title, k);
                print_counts(sub, x);
                nested++;
            }
        }
        if (nested && nested == json_object_size(v))
            return;
    }
    printf("%s:", title);
    if (!json_is_object(v) && !json_is_array(v)) {
        char cell[64];
        print_cell(title, v, cell, sizeof cell);
        printf(" %s", cell);
    } else if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach(v, k, x)
        {
            char cell[64];
            if (json_is_object(x))
                continue;
            print_cell(k, x, cell, sizeof cell);
            printf(" %s=%s", k, cell);
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x)
        {
            char cell[256];
            json_t *compact = json_deep_copy(x);
            char *s = json_dumps(compact, JSON_COMPACT);
            snprintf(cell, sizeof cell, "%s", s ? s : "");
            free(s);
            json_decref(compact);
            printf("\n  %s", cell);
        }
    }
    putchar('\n');
}
