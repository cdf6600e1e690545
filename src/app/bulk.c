/* bulk.c -- CSV import and export of cooperatives, members and grants (see
 * bulk.h): headers matched in English or French, each cell checked and
 * normalised, rows merged with what is stored (absent columns keep their
 * value), one transaction for the whole file, and grant status changes
 * notified once each through app/programme. */
#include "app/bulk.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "app/bulk_cell.h"
#include "core/hash.h"
#include "core/msisdn.h"
#include "core/utf8.h"
#include "store/db.h"
#include "sys/csvio.h"
#include "sys/log.h"

#define VALUE_MAX BULK_CELL_VALUE_MAX

static const char *const kind_names[BULK_KINDS_] = {"cooperatives", "members", "grants"};

int bulk_kind_parse(const char *s)
{
    for (int k = 0; s && k < BULK_KINDS_; k++)
        if (strcmp(s, kind_names[k]) == 0)
            return k;
    return -1;
}

const char *bulk_kind_name(enum bulk_kind kind)
{
    return (int)kind >= 0 && kind < BULK_KINDS_ ? kind_names[kind] : "?";
}

void bulk_report_free(struct bulk_report *r)
{
    if (r) {
        free(r->errors);
        r->errors = NULL;
    }
}

/* Accepted headers, folded (see bulk_cell_fold), per kind and field. */
static const char *const aliases[BULK_KINDS_][BULK_FIELDS_MAX][8] = {
    [BULK_COOPERATIVES] =
        {
            {"code", "code_cooperative", "cooperative_code", "code_coop", NULL},
            {"name", "nom", "raison_sociale", "nom_cooperative", NULL},
            {"province", NULL},
            {"sector", "secteur", NULL},
            {"contact_phone", "telephone_contact", "telephone", "phone", "contact", "tel", NULL},
        },
    [BULK_MEMBERS] =
        {
            {"phone", "telephone", "tel", "gsm", "mobile", "member_phone", "telephone_membre",
             NULL},
            {"name", "nom", "nom_complet", "full_name", NULL},
            {"cooperative", "cooperative_code", "code_cooperative", "coop", "code_coop", NULL},
            {"province", NULL},
            {"sector", "secteur", NULL},
            {"gender", "genre", "sexe", "sex", NULL},
            {"birth_year", "annee_naissance", "annee_de_naissance", "year_of_birth", NULL},
            {"language", "langue", "lang", NULL},
            {"consent", "consentement", NULL},
        },
    [BULK_GRANTS] =
        {
            {"reference", "ref", "numero_dossier", "dossier", NULL},
            {"member_phone", "telephone_membre", "phone", "telephone", NULL},
            {"cooperative_code", "code_cooperative", "cooperative", "coop", NULL},
            {"programme", "program", NULL},
            {"amount_mad", "montant", "montant_mad", "amount", NULL},
            {"status", "statut", NULL},
            {"note_ar", NULL},
            {"note_fr", NULL},
            {"note_en", NULL},
        },
};

/* ---------------------------------------------------------------- report */

static void add_error(struct bulk_report *r, size_t line, const char *column, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void add_error(struct bulk_report *r, size_t line, const char *column, const char *fmt, ...)
{
    r->errors_total++;
    if (r->nerrors >= BULK_ERRORS_MAX)
        return;
    if (!r->errors && !(r->errors = calloc(BULK_ERRORS_MAX, sizeof *r->errors)))
        return;
    struct bulk_error *e = &r->errors[r->nerrors++];
    e->line = line;
    snprintf(e->column, sizeof e->column, "%s", column ? column : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->reason, sizeof e->reason, fmt, ap);
    va_end(ap);
}

/* ---------------------------------------------------------- duplicate keys */

struct key_set {
    size_t cap;
    const char **keys;
    size_t *lines;
};

/* 0 when added, the line of the first occurrence when seen, SIZE_MAX on OOM. */
static size_t key_set_add(struct key_set *ks, const char *key, size_t line)
{
    if (!ks->keys)
        return SIZE_MAX;
    for (size_t i = (size_t)(hash_string(key) % ks->cap);; i = (i + 1) % ks->cap) {
        if (!ks->keys[i]) {
            ks->keys[i] = key;
            ks->lines[i] = line;
            return 0;
        }
        if (strcmp(ks->keys[i], key) == 0)
            return ks->lines[i];
    }
}

/* ---------------------------------------------------------------- import */

struct row_values {
    char *v[BULK_FIELDS_MAX]; /* merged values (malloc'd), NULL: empty */
};

static void row_values_clear(struct row_values *rv)
{
    for (size_t i = 0; i < BULK_FIELDS_MAX; i++) {
        free(rv->v[i]);
        rv->v[i] = NULL;
    }
}

static bool same(const char *a, const char *b)
{
    if (!a || !*a)
        return !b || !*b;
    return b && strcmp(a, b) == 0;
}

struct import_ctx {
    struct db *db;
    const struct bulk_env *env;
    const struct audit_actor *actor;
    enum bulk_kind kind;
    struct bulk_report *report;
    int column_of[BULK_FIELDS_MAX]; /* file column of each field, -1: absent */
    const struct csvio_row *header;
    bool failed; /* database failure */
};

static const char *col_name(const struct import_ctx *c, size_t field)
{
    int col = c->column_of[field];
    return col >= 0 ? c->header->fields[col] : bulk_field_name(c->kind, field);
}

/* Is the object referenced by key (of kind ref) there? Reports missing. */
static bool referenced(struct import_ctx *c, enum bulk_kind ref, const char *key, size_t line,
                       size_t field, const char *what)
{
    struct bulk_record r;
    int found = bulk_find(c->db, ref, key, &r);
    bool erased = found > 0 && r.erased_at;
    bulk_record_clear(&r);
    if (found < 0) {
        c->failed = true;
        return false;
    }
    if (found == 0 || erased) {
        add_error(c->report, line, col_name(c, field), "%s %s", what,
                  erased ? "was erased" : "does not exist");
        return false;
    }
    return true;
}

/* The row's cells checked and normalised into cell[], which fields the
 * file gives, and the objects the row names. Returns true when the row has
 * no error (errors are reported with their line and column). */
static bool import_check_row(struct import_ctx *c, const struct csvio_row *row,
                             char (*cell)[VALUE_MAX], bool *given)
{
    struct bulk_report *rep = c->report;
    size_t errors_before = rep->errors_total;
    bool bad[BULK_FIELDS_MAX] = {false};
    if (row->nfields > c->header->nfields)
        add_error(rep, row->line, "", "%zu fields where the header has %zu", row->nfields,
                  c->header->nfields);
    for (size_t f = 0; f < bulk_field_count(c->kind); f++) {
        cell[f][0] = '\0';
        int col = c->column_of[f];
        if (col < 0)
            continue;
        given[f] = true;
        const char *s = (size_t)col < row->nfields ? row->fields[col] : "";
        if (!*s)
            continue;
        const char *why = bulk_cell_check(c->env, c->kind, f, s, cell[f], VALUE_MAX);
        if (why) {
            add_error(rep, row->line, col_name(c, f), "%s", why);
            bad[f] = true;
        }
    }
    if (!cell[0][0]) {
        add_error(rep, row->line, col_name(c, 0), "%s is required", bulk_field_name(c->kind, 0));
        return false;
    }
    /* References named in the row (those kept from the stored row exist). */
    if (c->kind == BULK_MEMBERS && cell[BM_COOPERATIVE][0] && !bad[BM_COOPERATIVE])
        referenced(c, BULK_COOPERATIVES, cell[BM_COOPERATIVE], row->line, BM_COOPERATIVE,
                   "cooperative");
    if (c->kind == BULK_GRANTS && cell[BG_MEMBER_PHONE][0] && !bad[BG_MEMBER_PHONE])
        referenced(c, BULK_MEMBERS, cell[BG_MEMBER_PHONE], row->line, BG_MEMBER_PHONE, "member");
    if (c->kind == BULK_GRANTS && cell[BG_COOPERATIVE][0] && !bad[BG_COOPERATIVE])
        referenced(c, BULK_COOPERATIVES, cell[BG_COOPERATIVE], row->line, BG_COOPERATIVE,
                   "cooperative");
    return !c->failed && rep->errors_total == errors_before;
}

/* Merge the file's row with the stored one (old, when found) into rv: a
 * column of the file wins (empty: cleared), others keep; new rows get
 * their defaults. Then the values every row needs. Returns true when the
 * merged row can be written. */
static bool import_merge(struct import_ctx *c, size_t line, char (*cell)[VALUE_MAX],
                         const bool *given, int found, const struct bulk_record *old,
                         struct row_values *rv)
{
    struct bulk_report *rep = c->report;
    size_t errors_before = rep->errors_total;
    bool oom = false;
    for (size_t f = 0; f < bulk_field_count(c->kind); f++) {
        const char *v = given[f] ? (cell[f][0] ? cell[f] : NULL) : (found ? old->v[f] : NULL);
        if (c->kind == BULK_MEMBERS && f == BM_CONSENT && found && old->v[f] &&
            (!v || strcmp(old->v[f], "yes") == 0))
            v = old->v[f]; /* an import never withdraws consent: STOP does */
        if (v && !(rv->v[f] = strdup(v)))
            oom = true;
    }
    if (!found && c->kind == BULK_MEMBERS && !rv->v[BM_LANGUAGE] &&
        !(rv->v[BM_LANGUAGE] = strdup(c->env->notice->default_language)))
        oom = true;
    if (!found && c->kind == BULK_GRANTS && !rv->v[BG_STATUS] &&
        !(rv->v[BG_STATUS] = strdup("submitted")))
        oom = true;
    if (oom) {
        c->failed = true;
        return false;
    }
    static const size_t coop_required[] = {BC_NAME, BC_PROVINCE};
    static const size_t grant_required[] = {BG_PROGRAMME, BG_AMOUNT};
    const size_t *req = c->kind == BULK_COOPERATIVES ? coop_required
                        : c->kind == BULK_GRANTS     ? grant_required
                                                     : NULL;
    for (size_t i = 0; req && i < 2; i++)
        if (!rv->v[req[i]])
            add_error(rep, line, col_name(c, req[i]), "%s is required",
                      bulk_field_name(c->kind, req[i]));
    if (c->kind == BULK_GRANTS && !rv->v[BG_MEMBER_PHONE] && !rv->v[BG_COOPERATIVE])
        add_error(rep, line, col_name(c, BG_MEMBER_PHONE),
                  "a grant needs member_phone or cooperative_code");
    return !c->failed && rep->errors_total == errors_before;
}

/* Write the merged row rv (over old when found) and notify a grant's new
 * status once. Counts the row as created, updated or unchanged. */
static void import_write(struct import_ctx *c, size_t line, int found,
                         const struct bulk_record *old, const struct row_values *rv)
{
    struct bulk_report *rep = c->report;
    bool changed = !found;
    for (size_t f = 0; f < bulk_field_count(c->kind) && !changed; f++)
        changed = !same(rv->v[f], old->v[f]);
    if (!changed) {
        rep->unchanged++;
        return;
    }
    int64_t id = 0;
    int w =
        bulk_write(c->db, c->kind, found ? old->id : 0, (const char *const *)rv->v, db_now(), &id);
    if (w == -2) {
        add_error(rep, line, "", "refused by the database (a value breaks a rule)");
        return;
    }
    if (w != 0) {
        c->failed = true;
        return;
    }
    if (found && c->kind == BULK_GRANTS && !same(rv->v[BG_STATUS], old->v[BG_STATUS])) {
        struct grant_status_change ch = {.grant_id = id,
                                         .status = rv->v[BG_STATUS],
                                         .note_ar = rv->v[BG_NOTE_AR],
                                         .note_fr = rv->v[BG_NOTE_FR],
                                         .note_en = rv->v[BG_NOTE_EN]};
        int64_t msg = 0;
        enum programme_result pr =
            programme_grant_set_status(c->db, c->env->notice, c->actor, &ch, &msg);
        if (pr == PROGRAMME_CONFLICT) {
            add_error(rep, line, col_name(c, BG_STATUS), "the grant cannot take this status");
            return;
        }
        if (pr != PROGRAMME_OK) {
            c->failed = true;
            return;
        }
        if (msg)
            rep->notified++;
    }
    if (found)
        rep->updated++;
    else
        rep->created++;
}

static void import_row(struct import_ctx *c, const struct csvio_row *row)
{
    char cell[BULK_FIELDS_MAX][VALUE_MAX];
    bool given[BULK_FIELDS_MAX] = {false};
    if (!import_check_row(c, row, cell, given))
        return;
    struct bulk_record old;
    int found = bulk_find(c->db, c->kind, cell[0], &old);
    if (found < 0) {
        c->failed = true;
        return;
    }
    if (found && old.erased_at) {
        add_error(c->report, row->line, col_name(c, 0), "this member's data was erased");
        bulk_record_clear(&old);
        return;
    }
    struct row_values rv = {{NULL}};
    if (import_merge(c, row->line, cell, given, found, &old, &rv))
        import_write(c, row->line, found, &old, &rv);
    row_values_clear(&rv);
    bulk_record_clear(&old);
}

/* Map header columns to fields. Returns 0, or -1 with errors reported. */
static int map_header(struct import_ctx *c)
{
    size_t nf = bulk_field_count(c->kind);
    for (size_t f = 0; f < BULK_FIELDS_MAX; f++)
        c->column_of[f] = -1;
    int rc = 0;
    for (size_t col = 0; col < c->header->nfields; col++) {
        char folded[BULK_COLUMN_MAX];
        bulk_cell_fold(c->header->fields[col], folded, sizeof folded);
        if (!folded[0])
            continue; /* an unnamed trailing column */
        int field = -1;
        for (size_t f = 0; f < nf && field < 0; f++)
            for (size_t a = 0; aliases[c->kind][f][a] && field < 0; a++)
                if (strcmp(folded, aliases[c->kind][f][a]) == 0)
                    field = (int)f;
        if (field < 0) {
            add_error(c->report, c->header->line, c->header->fields[col], "unknown column for %s",
                      kind_names[c->kind]);
            rc = -1;
        } else if (c->column_of[field] >= 0) {
            add_error(c->report, c->header->line, c->header->fields[col], "a second column for %s",
                      bulk_field_name(c->kind, (size_t)field));
            rc = -1;
        } else {
            c->column_of[field] = (int)col;
        }
    }
    if (c->column_of[0] < 0) {
        add_error(c->report, c->header->line, bulk_field_name(c->kind, 0),
                  "the header lacks the %s column", bulk_field_name(c->kind, 0));
        rc = -1;
    }
    return rc;
}

static int audit_import(struct import_ctx *c, bool dry_run)
{
    const struct bulk_report *r = c->report;
    json_t *summary =
        json_pack("{s:I,s:I,s:I,s:I,s:I,s:s,s:b}", "rows", (json_int_t)r->rows, "created",
                  (json_int_t)r->created, "updated", (json_int_t)r->updated, "unchanged",
                  (json_int_t)r->unchanged, "notified", (json_int_t)r->notified, "delimiter",
                  csvio_sep_name(r->delimiter), "bom", r->had_bom);
    char *text = summary ? json_dumps(summary, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(summary);
    if (!text)
        return -1;
    char action[32];
    snprintf(action, sizeof action, "import.%s", kind_names[c->kind]);
    int rc = audit_write(c->db, c->actor, action, "import", kind_names[c->kind], text);
    free(text);
    (void)dry_run;
    return rc;
}

enum bulk_result bulk_import(struct db *db, const struct bulk_env *env,
                             const struct audit_actor *actor, enum bulk_kind kind, const char *csv,
                             size_t len, bool dry_run, struct bulk_report *report)
{
    memset(report, 0, sizeof *report);
    struct csvio_table t;
    char err[160];
    if (csvio_parse(csv, len, &t, err, sizeof err) != 0) {
        add_error(report, 0, "", "%s", err);
        csvio_table_free(&t);
        return BULK_REJECTED;
    }
    report->delimiter = t.delimiter;
    report->had_bom = t.had_bom;
    report->rows = t.nrows - 1;
    struct import_ctx c = {
        .db = db, .env = env, .actor = actor, .kind = kind, .report = report, .header = &t.rows[0]};
    if (map_header(&c) != 0) {
        csvio_table_free(&t);
        return BULK_REJECTED;
    }
    struct key_set ks = {.cap = 2 * t.nrows + 1};
    ks.keys = calloc(ks.cap, sizeof *ks.keys);
    ks.lines = calloc(ks.cap, sizeof *ks.lines);
    char(*keys)[VALUE_MAX] = calloc(t.nrows, sizeof *keys);
    if (!ks.keys || !ks.lines || !keys || db_begin(db) != 0) {
        free(ks.keys);
        free(ks.lines);
        free(keys);
        csvio_table_free(&t);
        return BULK_ERROR;
    }
    for (size_t r = 1; r < t.nrows && !c.failed; r++) {
        const struct csvio_row *row = &t.rows[r];
        int col = c.column_of[0];
        const char *raw = (size_t)col < row->nfields ? row->fields[col] : "";
        /* The key as normalised, for duplicates within the file. */
        if (*raw && !bulk_cell_check(env, kind, 0, raw, keys[r], VALUE_MAX)) {
            size_t first = key_set_add(&ks, keys[r], row->line);
            if (first == SIZE_MAX) {
                c.failed = true;
                break;
            }
            if (first) {
                add_error(report, row->line, col_name(&c, 0), "%s is also on line %zu", keys[r],
                          first);
                continue;
            }
        }
        import_row(&c, row);
    }
    free(ks.keys);
    free(ks.lines);
    free(keys);
    csvio_table_free(&t);
    if (!c.failed && report->errors_total == 0 && audit_import(&c, dry_run) != 0)
        c.failed = true;
    if (c.failed) {
        db_rollback(db);
        return BULK_ERROR;
    }
    if (report->errors_total > 0) {
        db_rollback(db);
        return BULK_REJECTED;
    }
    if (dry_run) {
        db_rollback(db);
        return BULK_OK;
    }
    if (db_commit(db) != 0)
        return BULK_ERROR;
    log_info("import_done", "kind=%s rows=%zu created=%zu updated=%zu unchanged=%zu notified=%zu",
             kind_names[kind], report->rows, report->created, report->updated, report->unchanged,
             report->notified);
    return BULK_OK;
}
