/* bulk_export.c -- CSV streamed and .xlsx through a temporary file, both
 * in constant memory (see bulk_export.h). */
#include "app/bulk_export.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/db.h"
#include "sys/csvio.h"
#include "sys/log.h"
#include "sys/xlsx.h"

struct bulk_csv_stream {
    sqlite3 *db; /* of its own: the cursor's statement stays open between reads */
    struct bulk_cursor *cursor;
    enum bulk_kind kind;
    struct csvio_out out; /* written but not yet sent */
    bool done;
};

struct bulk_csv_stream *bulk_csv_open(enum bulk_kind kind, char sep)
{
    struct bulk_csv_stream *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->kind = kind;
    csvio_out_init(&s->out, BULK_EXPORT_BUFFER_MAX, sep);
    for (size_t f = 0; f < bulk_field_count(kind); f++)
        csvio_out_field(&s->out, bulk_field_name(kind, f));
    csvio_out_end_row(&s->out);
    s->db = db_open_reader();
    s->cursor = s->db ? bulk_cursor_open(s->db, kind) : NULL;
    if (!s->cursor || s->out.failed) {
        bulk_csv_free(s);
        return NULL;
    }
    return s;
}

/* Rows into s->out until it holds at least want bytes or the rows end. */
static int bulk_csv_fill(struct bulk_csv_stream *s, size_t want)
{
    const char *fields[BULK_FIELDS_MAX];
    size_t n = 0;
    while (!s->done && s->out.len < want) {
        int rc = bulk_cursor_next(s->cursor, fields, &n);
        if (rc < 0)
            return -1;
        if (rc == 0) {
            s->done = true;
            break;
        }
        for (size_t i = 0; i < n; i++)
            csvio_out_field(&s->out, fields[i]);
        csvio_out_end_row(&s->out);
        if (s->out.failed) {
            log_error("export_failed", "kind=%s reason=\"a row is too long\"",
                      bulk_field_name(s->kind, 0));
            return -1;
        }
    }
    return 0;
}

long bulk_csv_read(struct bulk_csv_stream *s, char *buf, size_t max)
{
    if (max == 0)
        return -1;
    size_t want = max < BULK_EXPORT_BUFFER_MAX / 2 ? max : BULK_EXPORT_BUFFER_MAX / 2;
    if (bulk_csv_fill(s, want) != 0)
        return -1;
    size_t n = s->out.len < max ? s->out.len : max;
    if (n) {
        memcpy(buf, s->out.data, n);
        csvio_out_consume(&s->out, n);
    }
    return (long)n;
}

void bulk_csv_free(struct bulk_csv_stream *s)
{
    if (!s)
        return;
    bulk_cursor_close(s->cursor);
    db_close(s->db);
    free(s->out.data);
    free(s);
}

/* One row of fields into the sheet: numbers as numbers, the rest text. */
static int xlsx_row(struct xlsx_sheet *x, enum bulk_kind kind, const char *const *fields, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *v = fields[i];
        char *end = NULL;
        double d = v && *v && bulk_field_is_number(kind, i) ? strtod(v, &end) : 0;
        int rc = end && !*end ? xlsx_number(x, i, d) : xlsx_text(x, i, v, false);
        if (rc != 0)
            return -1;
    }
    return 0;
}

int bulk_export_xlsx(sqlite3 *db, enum bulk_kind kind, bool rtl, int *fd, unsigned long long *size)
{
    static const char *const sheet_names[BULK_KINDS_] = {"cooperatives", "members", "grants"};
    struct xlsx_sheet *x = xlsx_new(sheet_names[kind], rtl);
    struct bulk_cursor *c = x ? bulk_cursor_open(db, kind) : NULL;
    int rc = c ? 0 : -1;
    for (size_t f = 0; rc == 0 && f < bulk_field_count(kind); f++)
        rc = xlsx_text(x, f, bulk_field_name(kind, f), true);
    const char *fields[BULK_FIELDS_MAX];
    size_t n = 0;
    int more = 0;
    while (rc == 0 && (more = bulk_cursor_next(c, fields, &n)) == 1) {
        if (xlsx_end_row(x) != 0) {
            rc = 1; /* more rows than a sheet holds */
            break;
        }
        rc = xlsx_row(x, kind, fields, n);
    }
    if (more < 0)
        rc = -1;
    bulk_cursor_close(c);
    if (rc == 0 && xlsx_finish(x, fd, size) != 0)
        rc = -1;
    xlsx_free(x);
    return rc;
}
