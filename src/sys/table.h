/* table.h -- an export for staff spreadsheets written one row at a time,
 * the same calls whatever its form: CSV (sys/csvio: a UTF-8 BOM, the
 * separator the reader's spreadsheet expects, quoted CRLF rows, read out
 * a block at a time while rows are still being written, so an export of
 * any size is sent in constant memory) or an .xlsx workbook of one sheet
 * (sys/xlsx: each finished row into its temporary file). A header row,
 * then typed cells: text, numbers (a count, an amount with its decimals,
 * a number the store keeps as text) and times, given in unix seconds and
 * written in programme time (the process's zone). Used by the exports of
 * cooperatives, members and grants, of a broadcast's messages and of an
 * event's attendees. */
#ifndef TAAWUN_SYS_TABLE_H
#define TAAWUN_SYS_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The form a table is written in. */
struct table_form {
    bool xlsx;         /* an .xlsx workbook, else CSV */
    char sep;          /* CSV: ',', ';' or '\t' (anything else: ',') */
    size_t csv_max;    /* CSV: bytes held at once (written and not yet read) */
    const char *sheet; /* xlsx: the sheet's name (borrowed for the call) */
    bool rtl;          /* xlsx: the sheet runs right to left (an Arabic reader) */
};

struct table;

/* A table in form f (borrowed) whose first row is header[0..ncols)
 * (borrowed; bold and frozen in a workbook). NULL (logged) on failure.
 * Free with table_free. */
struct table *table_new(const struct table_form *f, const char *const *header, size_t ncols);

/* The cells of the current row, left to right. A failure (a CSV over
 * csv_max, the workbook's file) is kept and reported by table_end_row. */
/* Text; NULL or "" is an empty cell. Never read as a formula. */
void table_text(struct table *t, const char *s);
/* A whole number: digits in CSV, a number in a workbook. */
void table_int(struct table *t, int64_t n);
/* A number with decimals places in CSV (a cost: 4), a number in a
 * workbook. */
void table_real(struct table *t, double v, int decimals);
/* A number kept as text s (a year, an amount as stored): as written in
 * CSV; in a workbook a number when the whole of s reads as one, else
 * text. */
void table_numeral(struct table *t, const char *s);
/* A time t (unix seconds) in programme time: "YYYY-MM-DD HH:MM" in CSV
 * (a date spreadsheets read), a real date-time in a workbook; empty for
 * 0 (none). */
void table_time(struct table *t, int64_t unix_time);

/* End the row. Returns 0; 1 when a cell of it found the workbook full
 * (XLSX_ROWS_MAX rows: nothing more goes in; export as CSV); -1 when the
 * table failed (logged by sys/xlsx for a workbook; a CSV over csv_max:
 * a row too long for the bound, or more than it holds unread). */
int table_end_row(struct table *t) __attribute__((warn_unused_result));

/* CSV read while it is written: up to max bytes into buf, calling
 * more(ctx) first while fewer than max (or csv_max / 2) bytes wait and
 * the rows have not ended. more writes one or more rows (ended with
 * table_end_row) and returns 1 while rows may follow, 0 once the last
 * one is written, -1 on failure. Returns how many bytes (> 0), 0 at the
 * end, or -1 (more failed, the table failed, max 0, or a workbook). */
long table_read(struct table *t, char *buf, size_t max, int (*more)(void *ctx), void *ctx);

/* CSV: what is written and not yet read, whole (a small export answered
 * in one body): *len bytes at the pointer returned, valid until the next
 * write. NULL for a workbook. */
const char *table_csv(const struct table *t, size_t *len);

/* Workbook: close it and hand over its file (sys/xlsx's xlsx_finish):
 * *fd (unlinked, at its start; the caller closes it) and *size. Returns
 * 0, or -1 (logged, or a CSV table). Call once; then table_free. */
int table_finish(struct table *t, int *fd, unsigned long long *size)
    __attribute__((warn_unused_result));

/* Free (a workbook never finished is discarded). NULL is a no-op. */
void table_free(struct table *t);

#endif
