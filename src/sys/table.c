/* table.c -- an export written row by row as CSV or as an .xlsx workbook
 * through the same calls (see table.h). */
#include "sys/table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sys/csvio.h"
#include "sys/xlsx.h"

struct table {
    struct xlsx_sheet *xlsx; /* NULL: CSV */
    struct csvio_out csv;
    size_t col;    /* the workbook's next cell in the row */
    size_t handed; /* CSV bytes at the front of csv already read */
    bool no_room;  /* the workbook holds no further row */
    bool full;     /* a cell was given that the workbook had no room for */
    bool ended;    /* CSV: more() wrote the last row */
};

struct table *table_new(const struct table_form *f, const char *const *header, size_t ncols)
{
    struct table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    if (f->xlsx && !(t->xlsx = xlsx_new(f->sheet, f->rtl))) {
        free(t);
        return NULL;
    }
    if (!f->xlsx)
        csvio_out_init(&t->csv, f->csv_max, f->sep);
    for (size_t i = 0; i < ncols; i++) {
        if (t->xlsx)
            xlsx_text(t->xlsx, t->col++, header[i], true);
        else
            csvio_out_field(&t->csv, header[i]);
    }
    if (table_end_row(t) != 0) {
        table_free(t);
        return NULL;
    }
    return t;
}

/* Whether the current cell goes into the workbook: not for a CSV, nor
 * past the sheet's last row (the row is then full). */
static bool to_sheet(struct table *t)
{
    if (t->xlsx && t->no_room)
        t->full = true;
    return t->xlsx && !t->no_room;
}

void table_text(struct table *t, const char *s)
{
    if (!t->xlsx)
        csvio_out_field(&t->csv, s);
    else if (to_sheet(t))
        xlsx_text(t->xlsx, t->col, s, false);
    t->col++;
}

void table_int(struct table *t, int64_t n)
{
    char text[24];
    if (!t->xlsx) {
        snprintf(text, sizeof text, "%lld", (long long)n);
        csvio_out_field(&t->csv, text);
    } else if (to_sheet(t)) {
        xlsx_number(t->xlsx, t->col, (double)n);
    }
    t->col++;
}

void table_real(struct table *t, double v, int decimals)
{
    char text[64];
    if (!t->xlsx) {
        snprintf(text, sizeof text, "%.*f", decimals, v);
        csvio_out_field(&t->csv, text);
    } else if (to_sheet(t)) {
        xlsx_number(t->xlsx, t->col, v);
    }
    t->col++;
}

void table_numeral(struct table *t, const char *s)
{
    char *end = NULL;
    double d = t->xlsx && s && *s ? strtod(s, &end) : 0;
    if (end && !*end) {
        if (to_sheet(t))
            xlsx_number(t->xlsx, t->col, d);
        t->col++;
        return;
    }
    table_text(t, s);
}

void table_time(struct table *t, int64_t unix_time)
{
    time_t tt = (time_t)unix_time;
    struct tm tm;
    char text[64] = "";
    if (unix_time > 0 && localtime_r(&tt, &tm) &&
        strftime(text, sizeof text, "%Y-%m-%d %H:%M", &tm) == 0)
        text[0] = '\0';
    if (!t->xlsx || !text[0]) {
        table_text(t, text);
        return;
    }
    if (to_sheet(t)) /* a year the workbook cannot hold leaves the cell empty */
        (void)xlsx_datetime(t->xlsx, t->col, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                            tm.tm_hour, tm.tm_min);
    t->col++;
}

int table_end_row(struct table *t)
{
    t->col = 0;
    if (!t->xlsx) {
        csvio_out_end_row(&t->csv);
        return t->csv.failed ? -1 : 0;
    }
    if (t->full)
        return 1;
    int rc = xlsx_end_row(t->xlsx);
    if (rc == 1)
        t->no_room = true;
    return rc < 0 ? -1 : 0;
}

long table_read(struct table *t, char *buf, size_t max, int (*more)(void *ctx), void *ctx)
{
    if (t->xlsx || max == 0)
        return -1;
    size_t want = max < t->csv.max / 2 ? max : t->csv.max / 2;
    while (!t->ended && t->csv.len - t->handed < want) {
        int rc = more(ctx);
        if (rc < 0 || t->csv.failed)
            return -1;
        t->ended = rc == 0;
    }
    size_t n = t->csv.len - t->handed;
    if (n > max)
        n = max;
    memcpy(buf, t->csv.data + t->handed, n);
    t->handed += n;
    /* Drop what was read once it is half of what is held: the buffer
     * stays within its bound, each byte moved a few times at most. */
    if (t->handed * 2 >= t->csv.len) {
        csvio_out_consume(&t->csv, t->handed);
        t->handed = 0;
    }
    return (long)n;
}

const char *table_csv(const struct table *t, size_t *len)
{
    if (t->xlsx)
        return NULL;
    *len = t->csv.len - t->handed;
    return t->csv.data ? t->csv.data + t->handed : "";
}

int table_finish(struct table *t, int *fd, unsigned long long *size)
{
    return t->xlsx ? xlsx_finish(t->xlsx, fd, size) : -1;
}

void table_free(struct table *t)
{
    if (!t)
        return;
    free(t->csv.data);
    xlsx_free(t->xlsx);
    free(t);
}
