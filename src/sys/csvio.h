/* csvio.h -- CSV files for staff spreadsheets, the one module that knows
 * libcsv: reading an upload (UTF-8 with or without a BOM, comma, semicolon
 * or tab found from the header line, quoted fields, CRLF or LF) into rows
 * that remember the line they started on, and writing fields quoted with
 * CRLF line ends after a UTF-8 BOM (what LibreOffice Calc and Excel open
 * with Arabic intact), separated by what the reader's spreadsheet expects
 * (';' where the decimal mark is a comma: French, Arabic). Every size is
 * bounded. */
#ifndef TAAWUN_SYS_CSVIO_H
#define TAAWUN_SYS_CSVIO_H

#include <stdbool.h>
#include <stddef.h>

#define CSVIO_ROWS_MAX 200000 /* rows of one file, header included */
#define CSVIO_FIELDS_MAX 64   /* fields of one row */
#define CSVIO_FIELD_MAX 4096  /* bytes of one field */

struct csvio_row {
    size_t line; /* 1-based line of the file where the row starts */
    size_t nfields;
    char **fields; /* malloc'd, NUL-terminated; spaces around unquoted fields trimmed */
};

struct csvio_table {
    struct csvio_row *rows; /* rows[0] is the header; rows of empty fields only are skipped */
    size_t nrows, cap;
    char delimiter; /* ',', ';' or '\t' */
    bool had_bom;
};

/* How a report names separator sep: ";", "tab" or ",". */
const char *csvio_sep_name(char sep);

/* Parse buf[0..len). Returns 0, or -1 with a reason in err (errsz bytes):
 * not CSV, a row or field over the bounds, out of memory. Free *out with
 * csvio_table_free (also after a failure). */
int csvio_parse(const char *buf, size_t len, struct csvio_table *out, char *err, size_t errsz)
    __attribute__((warn_unused_result));
void csvio_table_free(struct csvio_table *t);

/* A CSV text being written, growing up to max bytes. */
struct csvio_out {
    char *data; /* malloc'd; the caller frees (NULL until something is written) */
    size_t len, cap, max;
    bool failed; /* out of memory or over max: stop and answer an error */
    bool row_started;
    char sep; /* ',', ';' or '\t' */
};

/* Start with the UTF-8 BOM; fields separated by sep (',', ';' or '\t';
 * anything else is read as ','). */
void csvio_out_init(struct csvio_out *o, size_t max, char sep);

/* Drop the first n bytes written (they were sent): a streamed export keeps
 * only what is not yet sent. */
void csvio_out_consume(struct csvio_out *o, size_t n);
/* Whether a cell of s[0..n) is written with a leading apostrophe so that
 * Excel and LibreOffice never run it as a formula (OWASP CSV injection):
 * it starts with '=', '+', '-', '@', tab or CR and is not a plain number,
 * or it starts with an apostrophe followed by one of those. csvio_parse
 * drops that apostrophe again, so an export imports back unchanged. */
bool csvio_needs_neutralising(const char *s, size_t n);

/* Append one field (NULL: empty), quoted, with doubled quotes inside,
 * neutralised against formulas (see above). */
void csvio_out_field(struct csvio_out *o, const char *s);
/* End the row with CRLF. */
void csvio_out_end_row(struct csvio_out *o);

#endif
