/* bulk_export.c -- CSV streamed and .xlsx through a temporary file, both
 * in constant memory and written by sys/table (see bulk_export.h). */
#include "app/bulk_export.h"

#include <stdlib.h>

#include "store/db.h"
#include "sys/log.h"
#include "sys/table.h"

/* A table of kind in form f with the export's header (the import's
 * column names). NULL on failure. */
static struct table *bulk_table(enum bulk_kind kind, const struct table_form *f)
{
    const char *header[BULK_FIELDS_MAX];
    size_t n = bulk_field_count(kind);
    for (size_t i = 0; i < n; i++)
        header[i] = bulk_field_name(kind, i);
    return table_new(f, header, n);
}

/* One row of fields into t: numbers (a year, an amount) as numbers in a
 * workbook, the rest text. Returns table_end_row's answer. */
static int bulk_row(struct table *t, enum bulk_kind kind, const char *const *fields, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (bulk_field_is_number(kind, i))
            table_numeral(t, fields[i]);
        else
            table_text(t, fields[i]);
    }
    return table_end_row(t);
}

struct bulk_csv_stream {
    struct db *db; /* of its own: the cursor's statement stays open between reads */
    struct bulk_cursor *cursor;
    enum bulk_kind kind;
    struct table *table; /* written but not yet sent */
};

struct bulk_csv_stream *bulk_csv_open(enum bulk_kind kind, char sep)
{
    struct bulk_csv_stream *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->kind = kind;
    s->table =
        bulk_table(kind, &(struct table_form){.sep = sep, .csv_max = BULK_EXPORT_BUFFER_MAX});
    s->db = s->table ? db_open_reader() : NULL;
    s->cursor = s->db ? bulk_cursor_open(s->db, kind) : NULL;
    if (!s->cursor) {
        bulk_csv_free(s);
        return NULL;
    }
    return s;
}

/* table_read's more: the cursor's next row into the table. */
static int bulk_csv_more(void *ctx)
{
    struct bulk_csv_stream *s = ctx;
    const char *fields[BULK_FIELDS_MAX];
    size_t n = 0;
    int rc = bulk_cursor_next(s->cursor, fields, &n);
    if (rc <= 0)
        return rc;
    if (bulk_row(s->table, s->kind, fields, n) != 0) {
        log_error("export_failed", "kind=%s reason=\"a row is too long\"",
                  bulk_field_name(s->kind, 0));
        return -1;
    }
    return 1;
}

long bulk_csv_read(struct bulk_csv_stream *s, char *buf, size_t max)
{
    return table_read(s->table, buf, max, bulk_csv_more, s);
}

void bulk_csv_free(struct bulk_csv_stream *s)
{
    if (!s)
        return;
    bulk_cursor_close(s->cursor);
    db_close(s->db);
    table_free(s->table);
    free(s);
}

int bulk_export_xlsx(struct db *db, enum bulk_kind kind, bool rtl, int *fd,
                     unsigned long long *size)
{
    static const char *const sheet_names[BULK_KINDS_] = {"cooperatives", "members", "grants"};
    struct table *t = bulk_table(
        kind, &(struct table_form){.xlsx = true, .sheet = sheet_names[kind], .rtl = rtl});
    struct bulk_cursor *c = t ? bulk_cursor_open(db, kind) : NULL;
    int rc = c ? 0 : -1, more;
    const char *fields[BULK_FIELDS_MAX];
    size_t n = 0;
    while (rc == 0 && (more = bulk_cursor_next(c, fields, &n)) != 0)
        rc = more < 0 ? -1 : bulk_row(t, kind, fields, n); /* 1: more rows than a sheet holds */
    bulk_cursor_close(c);
    if (rc == 0 && table_finish(t, fd, size) != 0)
        rc = -1;
    table_free(t);
    return rc;
}
