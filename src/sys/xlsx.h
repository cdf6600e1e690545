/* xlsx.h -- spreadsheets in Office Open XML (.xlsx) for officers who live
 * in Excel, the one module that knows libxlsxwriter: one worksheet written
 * row by row in constant memory (libxlsxwriter's constant_memory mode puts
 * each finished row in a temporary file), packed into a temporary file the
 * caller reads back and sends. Cells are text (phone and member numbers
 * stay text: the '+' and every digit kept, never 2.12611E+11), numbers
 * (amounts, years), or dates: real Excel date-times, shown
 * yyyy-mm-dd hh:mm, given in the programme's time (a spreadsheet has no
 * time zone; the export says which one in its column name). Strings are
 * UTF-8 (Arabic as written); a sheet for an Arabic reader runs right to
 * left. */
#ifndef TAAWUN_SYS_XLSX_H
#define TAAWUN_SYS_XLSX_H

#include <stdbool.h>
#include <stddef.h>

#define XLSX_ROWS_MAX 1048576u /* rows of a worksheet (Excel's own limit), header included */
#define XLSX_COLUMNS_MAX 64

struct xlsx_sheet;

/* A workbook of one sheet called name (borrowed for the call), written to
 * a new temporary file in $TMPDIR (else /tmp); right_to_left for an Arabic
 * reader. NULL (logged) on failure. Free with xlsx_free. */
struct xlsx_sheet *xlsx_new(const char *name, bool right_to_left);

/* Cells of the current row (col < XLSX_COLUMNS_MAX), each column once per
 * row, in any order. header: the first row's style (bold, the row frozen
 * on screen). Return 0, or -1 (the sheet is then failed: xlsx_finish
 * says so). text: s NULL or "" leaves the cell empty. */
int xlsx_text(struct xlsx_sheet *x, size_t col, const char *s, bool header);
int xlsx_number(struct xlsx_sheet *x, size_t col, double v);
/* A date-time (programme time) as an Excel date; year 1900..9999. */
int xlsx_datetime(struct xlsx_sheet *x, size_t col, int year, int month, int day, int hour,
                  int minute);
/* The next row. Returns 0; 1 when the sheet is full (XLSX_ROWS_MAX rows:
 * a cell written after that fails); -1 when the sheet failed. */
int xlsx_end_row(struct xlsx_sheet *x);

/* Close the workbook and hand over the file: *fd (open for reading at
 * its start, already unlinked: it vanishes when closed; the caller
 * closes it) and *size in bytes. Returns 0, or -1 (logged; nothing to
 * close). Call once; then xlsx_free. */
int xlsx_finish(struct xlsx_sheet *x, int *fd, unsigned long long *size)
    __attribute__((warn_unused_result));

/* Free (a workbook never finished is discarded, its file removed). NULL is
 * a no-op. */
void xlsx_free(struct xlsx_sheet *x);

#endif
