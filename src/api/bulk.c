/* bulk.c -- admin API CSV import and export:
 *   POST /import/{cooperatives|members|grants}[?dry_run=1]  (Content-Type: text/csv)
 *   GET  /export/{cooperatives|members|grants}[?sep=;|,|tab][&format=xlsx]
 *        -> text/csv; charset=utf-8 (streamed), or an .xlsx workbook
 * An import is all or nothing: a file with any bad row answers 422 with the
 * report (line, column, reason per error) and writes nothing; a dry run
 * answers the same report without writing. Import: staff; export: viewer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/json.h"
#include "api/export.h"
#include "app/bulk.h"
#include "app/bulk_export.h"
#include "runtime/env.h"
#include "runtime/runtime.h"
#include "store/db.h"
#include "sys/csvio.h"
#include "sys/local_year.h"

static int kind_param(const struct api_request *req, struct http_response *resp,
                      enum bulk_kind *kind)
{
    int k = bulk_kind_parse(api_param(req, "kind"));
    if (k < 0) {
        api_error(resp, 404, "not_found", "import and export know cooperatives, members and grants",
                  NULL);
        return -1;
    }
    *kind = (enum bulk_kind)k;
    return 0;
}

static json_t *report_json(enum bulk_kind kind, bool dry_run, const struct bulk_report *r)
{
    json_t *errors = json_array();
    for (size_t i = 0; i < r->nerrors; i++) {
        const struct bulk_error *e = &r->errors[i];
        json_array_append_new(errors, json_pack("{s:I,s:s,s:s}", "line", (json_int_t)e->line,
                                                "column", e->column, "reason", e->reason));
    }
    return json_pack("{s:s,s:b,s:I,s:I,s:I,s:I,s:I,s:s,s:b,s:I,s:o}", "kind", bulk_kind_name(kind),
                     "dry_run", dry_run, "rows", (json_int_t)r->rows, "created",
                     (json_int_t)r->created, "updated", (json_int_t)r->updated, "unchanged",
                     (json_int_t)r->unchanged, "notified", (json_int_t)r->notified, "delimiter",
                     csvio_sep_name(r->delimiter), "bom", r->had_bom, "errors_total",
                     (json_int_t)r->errors_total, "errors", errors);
}

static void import_post(const struct api_request *req, struct http_response *resp)
{
    enum bulk_kind kind;
    int64_t dry = 0;
    if (kind_param(req, resp, &kind) != 0 ||
        api_query_int(req, resp, "dry_run", 0, 1, 0, &dry) != 0)
        return;
    const char *ct = req->content_type;
    if (strcmp(ct, "text/csv") != 0 && strcmp(ct, "application/csv") != 0 &&
        strcmp(ct, "text/plain") != 0) {
        api_error(resp, 415, "unsupported_media_type", "send Content-Type: text/csv", NULL);
        return;
    }
    if (req->body_len == 0) {
        api_error(resp, 400, "missing_body", "the CSV file is empty", NULL);
        return;
    }
    struct db *db = api_json_db(resp);
    if (!db)
        return;
    const struct runtime *rt = req->rt;
    struct notice_env notice;
    runtime_env_notice(rt, &notice);
    struct bulk_env env = {.notice = &notice,
                           .provinces = (const char *const *)rt->provinces,
                           .nprovinces = rt->cfg.programme.nprovinces,
                           .sectors = (const char *const *)rt->sectors,
                           .nsectors = rt->cfg.programme.nsectors,
                           .min_age = rt->cfg.programme.min_age,
                           .current_year = local_year_now()};
    struct bulk_report report;
    enum bulk_result r =
        bulk_import(db, &env, &req->actor, kind, req->body, req->body_len, dry != 0, &report);
    if (r == BULK_ERROR) {
        bulk_report_free(&report);
        api_error_db(resp);
        return;
    }
    json_t *body = report_json(kind, dry != 0, &report);
    if (r == BULK_REJECTED) {
        char msg[160];
        snprintf(msg, sizeof msg, "%zu error%s in the file; nothing was written",
                 report.errors_total, report.errors_total == 1 ? "" : "s");
        json_t *o = json_pack("{s:{s:s,s:s},s:o}", "error", "code", "invalid_rows", "message", msg,
                              "report", body);
        bulk_report_free(&report);
        api_reply_json(resp, 422, o);
        return;
    }
    bulk_report_free(&report);
    api_reply_json(resp, 200, body);
}

static long csv_stream_read(void *ctx, char *buf, size_t max)
{
    return bulk_csv_read(ctx, buf, max);
}

static void csv_stream_free(void *ctx)
{
    bulk_csv_free(ctx);
}

/* GET /export/{kind}[?format=xlsx][&sep=;]: CSV streamed a block at a time
 * (constant memory at a million members), or an .xlsx workbook. */
static void export_get(const struct api_request *req, struct http_response *resp)
{
    enum bulk_kind kind;
    struct api_export form;
    if (kind_param(req, resp, &kind) != 0 ||
        api_export_parse(req, resp, bulk_kind_name(kind), &form) != 0)
        return;
    if (form.xlsx) {
        struct db *db = api_json_db(resp);
        int fd = -1;
        unsigned long long size = 0;
        int rc = db ? bulk_export_xlsx(db, kind, form.rtl, &fd, &size) : -1;
        if (rc == 1)
            api_error(resp, 413, "too_many_rows",
                      "more rows than a worksheet holds (1,048,576): export as CSV", "format");
        else if (rc != 0 && db)
            api_error_db(resp);
        else if (rc == 0)
            api_export_reply_fd(resp, &form, fd, API_XLSX_TYPE);
        return;
    }
    struct bulk_csv_stream *s = bulk_csv_open(kind, form.sep);
    if (!s) {
        api_error_db(resp);
        return;
    }
    api_export_reply_stream(resp, &form, "text/csv; charset=utf-8", csv_stream_read,
                            csv_stream_free, s);
}

const struct api_route api_bulk_routes[] = {
    {"POST", "/import/{kind}", API_ROLE_STAFF, import_post, API_BODY_RAW},
    {"GET", "/export/{kind}", API_ROLE_VIEWER, export_get, API_BODY_JSON},
    {NULL, NULL, API_ROLE_NONE, NULL, API_BODY_JSON},
};
