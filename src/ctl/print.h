/* print.h -- how taawunctl shows the API's answers to a person: JSON as
 * is (--json), tables of items with aligned columns (cells cut at
 * PRINT_CELL_MAX characters), "key value" fields, counts, local times. */
#ifndef TAAWUN_CTL_PRINT_H
#define TAAWUN_CTL_PRINT_H

#include <jansson.h>
#include <stddef.h>

#define PRINT_CELL_MAX 48    /* characters of a table cell */
#define PRINT_COLUMNS_MAX 16 /* columns of a table */

/* o indented, on stdout. */
void print_json(json_t *o);

/* The programme's time zone (GET /programme): named beside every time
 * printed ("2026-12-14 10:00 (Africa/Casablanca)", a table's time column
 * titled "starts_at (Africa/Casablanca)"), and the zone this process
 * formats and reads times in (TZ), whatever the machine's; "" or NULL:
 * not known. */
void print_set_zone(const char *zone);

/* o's time key in programme time, as the API gave it (key_local) or
 * from its unix seconds, with the zone named when known:
 * "2026-12-14 10:00 (Africa/Casablanca)". What print_fields prints. */
void print_labelled_time(json_t *o, const char *key, char *out, size_t outsz);

/* t (unix seconds) as "YYYY-MM-DD HH:MM" in the zone set (programme
 * time), or "-" for 0 (only where the API gave no programme-time string). */
void print_time(json_int_t t, char *out, size_t outsz);

/* The text of value v under key (times formatted when key ends in _at;
 * "yes"/"no", "-" for null), on one line, into out. */
void print_cell(const char *key, json_t *v, char *out, size_t outsz);

/* A table of the objects in items (borrowed), one column per key of cols. */
void print_table(json_t *items, const char *const *cols, size_t ncols);

/* "\ntitle:" and a table of o's array key with cols, when it has items. */
void print_list(json_t *o, const char *key, const char *title, const char *const *cols,
                size_t ncols);

/* "key value" lines for keys of o. */
void print_fields(json_t *o, const char *const *keys, size_t n);

/* "title: k=v ..." for an object of counts (a nested object on a line
 * of its own, "title.k: ..."), "title: value" for a number, or one line
 * per element of an array. */
void print_counts(const char *title, json_t *v);

#endif
