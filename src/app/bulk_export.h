/* bulk_export.h -- cooperatives, members and grants exported for staff
 * spreadsheets (the columns of the CSV import, so an export imports back
 * unchanged) in constant memory, whatever their number (issue 14: a
 * million members): CSV produced a block at a time while it is sent, from
 * a database connection of its own whose one SELECT stays open from the
 * first row to the last (one consistent snapshot, WAL lets writers go on);
 * or an .xlsx workbook written row by row (sys/table) into a temporary file
 * sent from there, phone numbers as text and numbers as numbers. */
#ifndef TAAWUN_APP_BULK_EXPORT_H
#define TAAWUN_APP_BULK_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include "store/db.h"

#include "store/bulk.h"

#define BULK_EXPORT_BUFFER_MAX (1024u * 1024) /* bytes of CSV held at once (rows not yet sent) */

struct bulk_csv_stream;

/* A CSV export of kind with separator sep (',', ';' or '\t'): BOM,
 * header, then the rows as they are read. Opens its own database
 * connection (store/db's db_open_reader). NULL (logged) on failure. */
struct bulk_csv_stream *bulk_csv_open(enum bulk_kind kind, char sep);

/* Up to max bytes of the file into buf. Returns how many (> 0), 0 at its
 * end, or -1 (database failure, logged). Any thread, one at a time. */
long bulk_csv_read(struct bulk_csv_stream *s, char *buf, size_t max);

/* Close the connection and free (NULL is a no-op). */
void bulk_csv_free(struct bulk_csv_stream *s);

/* The .xlsx workbook of kind read through db (borrowed), one sheet named
 * after kind, right to left when rtl: *fd (unlinked, at its start; the
 * caller closes it) and *size. Returns 0, 1 when there are more rows than
 * a sheet holds, or -1 (logged). */
int bulk_export_xlsx(struct db *db, enum bulk_kind kind, bool rtl, int *fd,
                     unsigned long long *size) __attribute__((warn_unused_result));

#endif
