/* bulk.h -- staff spreadsheets: CSV import of cooperatives, members and
 * grants (headers in English or French, comma or semicolon, UTF-8 with or
 * without BOM; phones normalised; codes checked against the programme's
 * lists), as one all-or-nothing transaction that reports created, updated
 * and unchanged rows and every bad row (line, column, reason); a grant
 * whose status changes is notified once through app/programme. The
 * export of the same columns is app/bulk_export. */
#ifndef TAAWUN_APP_BULK_H
#define TAAWUN_APP_BULK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "store/db.h"

#include "app/bulk_cell.h"
#include "app/programme.h"
#include "store/audit.h"
#include "store/bulk.h"

#define BULK_ERRORS_MAX 1000 /* errors kept in a report */
#define BULK_REASON_MAX 160
#define BULK_COLUMN_MAX 64

struct bulk_error {
    size_t line;                  /* of the file, 1-based (0: the whole file) */
    char column[BULK_COLUMN_MAX]; /* the header as written, "" when none */
    char reason[BULK_REASON_MAX];
};

struct bulk_report {
    size_t rows; /* data rows read */
    size_t created, updated, unchanged, notified;
    char delimiter;
    bool had_bom;
    struct bulk_error *errors; /* malloc'd, up to BULK_ERRORS_MAX */
    size_t nerrors;
    size_t errors_total; /* may exceed nerrors */
};

void bulk_report_free(struct bulk_report *r);

/* "cooperatives" / "members" / "grants" -> kind; -1 for anything else. */
int bulk_kind_parse(const char *s);
const char *bulk_kind_name(enum bulk_kind kind);

enum bulk_result {
    BULK_OK = 0,   /* committed (or, in a dry run, would commit) */
    BULK_REJECTED, /* errors in the report; nothing written */
    BULK_ERROR,    /* database failure (logged); nothing written */
};

/* Import csv[0..len) as kind in one transaction of its own (begun and
 * committed here; rolled back on any error and always in a dry run), with
 * an audit row "import.KIND". Fills *report (free it). */
enum bulk_result bulk_import(struct db *db, const struct bulk_env *env,
                             const struct audit_actor *actor, enum bulk_kind kind, const char *csv,
                             size_t len, bool dry_run, struct bulk_report *report)
    __attribute__((warn_unused_result));

#endif
