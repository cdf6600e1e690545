/* export.h -- the spreadsheet form an export is asked in: CSV with the
 * separator the reader's spreadsheet expects (?sep=, else ';' for a
 * reader whose first language is French or Arabic, where the comma is the
 * decimal mark, else ','), or an .xlsx workbook (?format=xlsx); and a
 * file sent from its descriptor (the workbook), a block at a time. Added
 * (issue 16, missing 12). */
#ifndef TAAWUN_API_EXPORT_H
#define TAAWUN_API_EXPORT_H

#include <stdbool.h>

#include "api/api.h"

#define API_XLSX_TYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

struct api_export {
    bool xlsx;
    char sep;              /* CSV: ',', ';' or '\t' */
    bool rtl;              /* the reader's first language is Arabic: an .xlsx sheet right to left */
    char disposition[128]; /* Content-Disposition: attachment; filename="NAME.EXT" */
};

/* Read ?format= (csv, xlsx) and ?sep= (",", ";", "tab") of req, the
 * reader's language from ?lang= or Accept-Language, and the file name
 * (name, borrowed: "members") into out. Returns 0, or -1 with a 400 in
 * resp naming the parameter. */
int api_export_parse(const struct api_request *req, struct http_response *resp, const char *name,
                     struct api_export *out) __attribute__((warn_unused_result));

/* Answer 200 as content_type, named as e says (Content-Disposition),
 * with the body more(ctx, ...) makes a block at a time
 * (http_response.stream); ctx is taken: release(ctx) when the answer is
 * sent or the connection ends. */
void api_export_reply_stream(struct http_response *resp, const struct api_export *e,
                             const char *content_type,
                             long (*more)(void *ctx, char *buf, size_t max),
                             void (*release)(void *ctx), void *ctx);

/* api_export_reply_stream of the file fd (taken: closed when sent or when
 * the connection ends). */
void api_export_reply_fd(struct http_response *resp, const struct api_export *e, int fd,
                         const char *content_type);

#endif
