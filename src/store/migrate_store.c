/* migrate_store.c -- a SQLite programme copied into an empty PostgreSQL
 * database: the plan read from both catalogues, the copy in one
 * transaction with the tables' triggers off, the check read back, the
 * sequences moved on. The contract is in migrate_store.h. */
#include "store/migrate_store.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "store/db_sql.h"
#include "store/pg_params.h"
#include "sys/log.h"

/* A statement's text: the longest is a table's INSERT or SELECT, every
 * column named once with its parameter. */
#define SQL_MAX (MIGRATE_STORE_COLUMNS_MAX * (MIGRATE_STORE_NAME_MAX + 8) + 256)

struct column {
    char name[MIGRATE_STORE_NAME_MAX];
    bool bytea;    /* PostgreSQL stores it as bytea: text goes in as its bytes */
    bool sequence; /* an identity (or serial) column: its sequence moves on */
};

struct table {
    char name[MIGRATE_STORE_NAME_MAX];
    struct column cols[MIGRATE_STORE_COLUMNS_MAX];
    int ncols;
    char order_by[SQL_MAX / 4]; /* the source's primary key, "" without one */
    bool placed;                /* already in the copy's order */
};

struct plan {
    struct table t[MIGRATE_STORE_TABLES_MAX];
    size_t n;
    /* Foreign keys among them: table from[i] references table to[i]. */
    size_t from[MIGRATE_STORE_TABLES_MAX * 4], to[MIGRATE_STORE_TABLES_MAX * 4];
    size_t nfk;
};

/* The target's tables (PostgreSQL's catalogue, the current schema), their
 * columns, and its foreign keys. */
static const char pg_tables[] =
    "SELECT relname FROM pg_class WHERE relkind = 'r'"
    " AND relnamespace = current_schema()::regnamespace ORDER BY relname";
static const char pg_columns[] =
    "SELECT a.attname, CASE WHEN a.atttypid = 'bytea'::regtype THEN 1 ELSE 0 END,"
    " CASE WHEN pg_get_serial_sequence(quote_ident(c.relname), a.attname) IS NULL"
    " THEN 0 ELSE 1 END"
    " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
    " WHERE c.relname = ?1 AND c.relnamespace = current_schema()::regnamespace"
    " AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";
static const char pg_foreign_keys[] =
    "SELECT c.relname, f.relname FROM pg_constraint k"
    " JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class f ON f.oid = k.confrelid"
    " WHERE k.contype = 'f' AND c.relnamespace = current_schema()::regnamespace";
/* The source's tables (virtual ones marked), and a table's columns with
 * their place in its primary key (0: none). */
static const char sqlite_tables[] =
    "SELECT name, CASE WHEN sql LIKE 'CREATE VIRTUAL TABLE%' THEN 1 ELSE 0 END"
    " FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'";
static const char sqlite_columns[] = "SELECT name, pk FROM pragma_table_info(?1)";

static void why(struct migrate_store_report *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void why(struct migrate_store_report *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->why, sizeof out->why, fmt, ap);
    va_end(ap);
    /* One line: PostgreSQL's messages end in a newline and may hold more. */
    for (char *c = out->why; *c; c++)
        if (*c == '\n')
            *c = c[1] ? ' ' : '\0';
}

/* Run sql (no rows) on db. 0, or -1 with the engine's error in out->why. */
static int run(struct db *db, const char *sql, struct migrate_store_report *out)
{
    struct db_stmt *st = db_stmt(db, sql);
    int rc = st ? db_step(st) : DB_FAILED;
    db_stmt_done(st);
    if (rc == DB_DONE || rc == DB_ROW)
        return 0;
    why(out, "%s: %s", sql, db_errmsg(db));
    return -1;
}

/* Whether name is one taawun's schema would make (lower-case letters,
 * digits, '_'), so that it goes into SQL as it is. */
static bool plain_name(const char *name)
{
    size_t n = strlen(name);
    return n > 0 && n < MIGRATE_STORE_NAME_MAX &&
           strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

/* Append s to buf[0..cap) (NUL-terminated); -1 when it does not fit. */
static int put(char *buf, size_t cap, const char *s)
{
    size_t used = strlen(buf), n = strlen(s);
    if (used + n >= cap)
        return -1;
    memcpy(buf + used, s, n + 1);
    return 0;
}

static struct table *find(struct plan *p, const char *name)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->t[i].name, name) == 0)
            return &p->t[i];
    return NULL;
}

/* The target's tables with their columns. 0, or a result. */
static enum migrate_store_result target_tables(struct db *dst, struct plan *p,
                                               struct migrate_store_report *out)
{
    struct db_stmt *st = db_stmt(dst, pg_tables);
    int rc = DB_FAILED;
    while (st && (rc = db_step(st)) == DB_ROW && p->n < MIGRATE_STORE_TABLES_MAX)
        snprintf(p->t[p->n++].name, MIGRATE_STORE_NAME_MAX, "%s", db_col_text(st, 0));
    db_stmt_done(st);
    if (rc == DB_ROW) {
        why(out, "the target has more than %d tables", MIGRATE_STORE_TABLES_MAX);
        return MIGRATE_STORE_SCHEMAS_DIFFER;
    }
    if (rc != DB_DONE) {
        why(out, "reading the target's tables: %s", db_errmsg(dst));
        return MIGRATE_STORE_FAILED;
    }
    for (size_t i = 0; i < p->n; i++) {
        struct table *t = &p->t[i];
        if (!plain_name(t->name)) {
            why(out, "the target's table \"%s\" is not one of taawun's", t->name);
            return MIGRATE_STORE_SCHEMAS_DIFFER;
        }
        st = db_stmt(dst, pg_columns);
        if (st)
            db_bind_text(st, 1, t->name);
        while (st && (rc = db_step(st)) == DB_ROW && t->ncols < MIGRATE_STORE_COLUMNS_MAX) {
            struct column *c = &t->cols[t->ncols++];
            snprintf(c->name, sizeof c->name, "%s", db_col_text(st, 0));
            c->bytea = db_col_int(st, 1) != 0;
            c->sequence = db_col_int(st, 2) != 0;
        }
        db_stmt_done(st);
        if (rc != DB_DONE) {
            why(out, "reading the columns of %s: %s", t->name,
                rc == DB_ROW ? "too many" : db_errmsg(dst));
            return rc == DB_ROW ? MIGRATE_STORE_SCHEMAS_DIFFER : MIGRATE_STORE_FAILED;
        }
    }
    return MIGRATE_STORE_DONE;
}

/* Whether the source's column list of t (name, pk) is the target's, by
 * name in any order; t->order_by gets the source's primary key. */
static enum migrate_store_result source_columns(struct db *src, struct table *t,
                                                struct migrate_store_report *out)
{
    char names[MIGRATE_STORE_COLUMNS_MAX][MIGRATE_STORE_NAME_MAX];
    int pk[MIGRATE_STORE_COLUMNS_MAX], n = 0, rc = DB_FAILED;
    struct db_stmt *st = db_stmt(src, sqlite_columns);
    if (st)
        db_bind_text(st, 1, t->name);
    while (st && (rc = db_step(st)) == DB_ROW && n < MIGRATE_STORE_COLUMNS_MAX) {
        snprintf(names[n], sizeof names[n], "%s", db_col_text(st, 0));
        pk[n++] = db_col_int(st, 1);
    }
    db_stmt_done(st);
    if (rc != DB_DONE) {
        why(out, "reading the source's columns of %s: %s", t->name, db_errmsg(src));
        return MIGRATE_STORE_FAILED;
    }
    for (int i = 0; i < n; i++) {
        bool found = false;
        for (int j = 0; j < t->ncols && !found; j++)
            found = strcmp(names[i], t->cols[j].name) == 0;
        if (!found) {
            why(out, "column %s.%s of the source has no place in the target", t->name, names[i]);
            return MIGRATE_STORE_SCHEMAS_DIFFER;
        }
    }
    if (n != t->ncols) {
        why(out, "table %s: the target has %d columns, the source %d", t->name, t->ncols, n);
        return MIGRATE_STORE_SCHEMAS_DIFFER;
    }
    t->order_by[0] = '\0';
    for (int k = 1; k <= n; k++)
        for (int i = 0; i < n; i++)
            if (pk[i] == k && (put(t->order_by, sizeof t->order_by, k > 1 ? ", " : " ORDER BY ") ||
                               put(t->order_by, sizeof t->order_by, names[i])))
                return MIGRATE_STORE_SCHEMAS_DIFFER;
    return MIGRATE_STORE_DONE;
}

/* Whether name is a shadow table of one of the source's virtual tables
 * (FTS5's NAME_data, NAME_idx...): virtual[0..nvirtual). */
static bool shadow_of(const char *name, char (*virtual)[MIGRATE_STORE_NAME_MAX], size_t nvirtual)
{
    for (size_t i = 0; i < nvirtual; i++) {
        size_t len = strlen(virtual[i]);
        if (strcmp(name, virtual[i]) == 0 ||
            (strncmp(name, virtual[i], len) == 0 && name[len] == '_'))
            return true;
    }
    return false;
}

/* The source's tables against the target's: each one the target lacks
 * (but virtual tables and their shadows) refused; the target's that the
 * source lacks dropped from the plan; the rest's columns compared. */
static enum migrate_store_result match_source(struct db *src, struct plan *p,
                                              struct migrate_store_report *out)
{
    static char names[MIGRATE_STORE_TABLES_MAX * 2][MIGRATE_STORE_NAME_MAX];
    static char virtual[MIGRATE_STORE_TABLES_MAX][MIGRATE_STORE_NAME_MAX];
    size_t n = 0, nvirtual = 0;
    int rc = DB_FAILED;
    struct db_stmt *st = db_stmt(src, sqlite_tables);
    while (st && (rc = db_step(st)) == DB_ROW && n < MIGRATE_STORE_TABLES_MAX * 2 &&
           nvirtual < MIGRATE_STORE_TABLES_MAX) {
        bool is_virtual = db_col_int(st, 1) != 0;
        char *into = is_virtual ? virtual[nvirtual++] : names[n++];
        snprintf(into, MIGRATE_STORE_NAME_MAX, "%s", db_col_text(st, 0));
    }
    db_stmt_done(st);
    if (rc != DB_DONE) {
        why(out, "reading the source's tables: %s", rc == DB_ROW ? "too many" : db_errmsg(src));
        return MIGRATE_STORE_FAILED;
    }
    bool in_source[MIGRATE_STORE_TABLES_MAX] = {false};
    for (size_t i = 0; i < n; i++) {
        if (shadow_of(names[i], virtual, nvirtual))
            continue;
        struct table *t = find(p, names[i]);
        if (!t) {
            why(out, "table %s of the source has no place in the target", names[i]);
            return MIGRATE_STORE_SCHEMAS_DIFFER;
        }
        in_source[t - p->t] = true;
    }
    size_t kept = 0;
    for (size_t i = 0; i < p->n; i++)
        if (in_source[i])
            p->t[kept++] = p->t[i];
    p->n = kept;
    for (size_t i = 0; i < p->n; i++) {
        enum migrate_store_result r = source_columns(src, &p->t[i], out);
        if (r != MIGRATE_STORE_DONE)
            return r;
    }
    return MIGRATE_STORE_DONE;
}

/* The target's foreign keys between tables of the plan (a table's own
 * references left out: its rows go in the order of its key). */
static int foreign_keys(struct db *dst, struct plan *p, struct migrate_store_report *out)
{
    struct db_stmt *st = db_stmt(dst, pg_foreign_keys);
    int rc = DB_FAILED;
    while (st && (rc = db_step(st)) == DB_ROW) {
        struct table *from = find(p, db_col_text(st, 0)), *to = find(p, db_col_text(st, 1));
        if (!from || !to || from == to)
            continue;
        if (p->nfk == sizeof p->from / sizeof p->from[0]) {
            rc = DB_FAILED;
            break;
        }
        p->from[p->nfk] = (size_t)(from - p->t);
        p->to[p->nfk++] = (size_t)(to - p->t);
    }
    db_stmt_done(st);
    if (rc == DB_DONE)
        return 0;
    why(out, "reading the target's foreign keys: %s", db_errmsg(dst));
    return -1;
}

/* order[0..p->n): every table after the tables it references. */
static int copy_order(struct plan *p, size_t *order, struct migrate_store_report *out)
{
    for (size_t placed = 0; placed < p->n;) {
        size_t before = placed;
        for (size_t i = 0; i < p->n; i++) {
            if (p->t[i].placed)
                continue;
            bool ready = true;
            for (size_t k = 0; k < p->nfk && ready; k++)
                ready = p->from[k] != i || p->t[p->to[k]].placed;
            if (ready) {
                order[placed++] = i;
                p->t[i].placed = true;
            }
        }
        if (placed == before) {
            for (size_t i = 0; i < p->n; i++)
                if (!p->t[i].placed) {
                    why(out, "the target's foreign keys make a cycle through table %s",
                        p->t[i].name);
                    break;
                }
            return -1;
        }
    }
    return 0;
}

/* "c1, c2, ..." of t into buf, each column name as it is. */
static int column_list(const struct table *t, char *buf, size_t cap)
{
    buf[0] = '\0';
    for (int i = 0; i < t->ncols; i++)
        if ((i && put(buf, cap, ", ")) || put(buf, cap, t->cols[i].name))
            return -1;
    return 0;
}

/* Whether t holds a row on db: 1, 0, or -1 (out->why). */
static int has_rows(struct db *db, const struct table *t, struct migrate_store_report *out)
{
    char sql[MIGRATE_STORE_NAME_MAX + 64];
    snprintf(sql, sizeof sql, "SELECT 1 FROM %s LIMIT 1", t->name);
    struct db_stmt *st = db_stmt(db, sql);
    int rc = st ? db_step(st) : DB_FAILED;
    db_stmt_done(st);
    if (rc == DB_ROW || rc == DB_DONE)
        return rc == DB_ROW;
    why(out, "reading %s: %s", t->name, db_errmsg(db));
    return -1;
}

/* Fold the value of column c of st's row into *h: its kind, then its
 * bytes (text and blob alike: bytea holds text's bytes). */
static void fold_value(uint64_t *h, struct db_stmt *st, int c)
{
    uint64_t v;
    switch (db_col_type(st, c)) {
    case DB_INTEGER: {
        int64_t i = db_col_i64(st, c);
        v = hash_bytes(&i, sizeof i) ^ 1;
        break;
    }
    case DB_FLOAT: {
        double d = db_col_double(st, c);
        v = hash_bytes(&d, sizeof d) ^ 2;
        break;
    }
    case DB_TEXT:
    case DB_BLOB: {
        const void *p =
            db_col_type(st, c) == DB_TEXT ? (const void *)db_col_text(st, c) : db_col_blob(st, c);
        size_t n = db_col_bytes(st, c);
        v = hash_bytes(p, n) ^ (n << 2) ^ 3;
        break;
    }
    default:
        v = 0;
        break;
    }
    *h = (*h ^ v) * HASH_FNV1A_PRIME;
}

/* t's rows on db: how many, and the sum of each row's checksum (in any
 * order: the engines need not agree on one). 0 or -1 (out->why). */
static int table_sum(struct db *db, const struct table *t, int64_t *rows, uint64_t *sum,
                     struct migrate_store_report *out)
{
    char cols[SQL_MAX], sql[SQL_MAX + MIGRATE_STORE_NAME_MAX + 32];
    if (column_list(t, cols, sizeof cols) != 0)
        return -1;
    snprintf(sql, sizeof sql, "SELECT %s FROM %s", cols, t->name);
    struct db_stmt *st = db_stmt(db, sql);
    int rc = DB_FAILED;
    *rows = 0;
    *sum = 0;
    while (st && (rc = db_step(st)) == DB_ROW) {
        uint64_t h = HASH_FNV1A_OFFSET_BASIS;
        for (int c = 0; c < t->ncols; c++)
            fold_value(&h, st, c);
        *sum += h;
        (*rows)++;
    }
    db_stmt_done(st);
    if (rc == DB_DONE)
        return 0;
    why(out, "reading %s back: %s", t->name, db_errmsg(db));
    return -1;
}

/* Rows a batch carries to the server in one INSERT (one round trip),
 * fewer for a wide table: PostgreSQL takes at most PG_PARAMS_MAX
 * parameters a statement. */
#define BATCH_ROWS 128

/* A value of the source staged for the batch's INSERT: texts and blobs
 * as offsets into the batch's bytes (each text followed by a NUL). */
struct staged {
    enum db_type type;
    int64_t i;
    double d;
    size_t off, len;
};

struct batch {
    struct staged *v; /* max_rows rows of the table's columns */
    char *bytes;
    size_t used, cap;
    int rows, max_rows;
};

/* The INSERT of n rows of t ("VALUES (?1, ?2), (?3, ?4)"), malloc'd; NULL
 * when out of memory. */
static char *insert_sql(const struct table *t, const char *cols, int n)
{
    size_t cap = strlen(cols) + 2 * MIGRATE_STORE_NAME_MAX + (size_t)n * (size_t)t->ncols * 10 + 64;
    char *sql = malloc(cap);
    if (!sql)
        return NULL;
    snprintf(sql, cap, "INSERT INTO %s (%s) VALUES ", t->name, cols);
    size_t used = strlen(sql);
    for (int r = 0, i = 1; r < n; r++)
        for (int c = 0; c < t->ncols; c++, i++)
            used += (size_t)snprintf(sql + used, cap - used, "%s?%d%s",
                                     c   ? ", "
                                     : r ? ", ("
                                         : "(",
                                     i, c == t->ncols - 1 ? ")" : "");
    return sql;
}

/* Keep the n bytes at p (and a NUL) in b's bytes; their offset, or
 * (size_t)-1 when out of memory. */
static size_t keep_bytes(struct batch *b, const void *p, size_t n)
{
    if (b->used + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 65536;
        while (cap < b->used + n + 1)
            cap *= 2;
        char *grown = realloc(b->bytes, cap);
        if (!grown)
            return (size_t)-1;
        b->bytes = grown;
        b->cap = cap;
    }
    size_t off = b->used;
    if (n)
        memcpy(b->bytes + off, p, n);
    b->bytes[off + n] = '\0';
    b->used += n + 1;
    return off;
}

/* Stage sel's current row (t's columns) as b's next row. 0 or -1. */
static int stage_row(struct batch *b, struct db_stmt *sel, const struct table *t)
{
    for (int c = 0; c < t->ncols; c++) {
        struct staged *v = &b->v[b->rows * t->ncols + c];
        v->type = db_col_type(sel, c);
        if (v->type == DB_INTEGER) {
            v->i = db_col_i64(sel, c);
        } else if (v->type == DB_FLOAT) {
            v->d = db_col_double(sel, c);
        } else if (v->type == DB_TEXT || v->type == DB_BLOB) {
            const void *p =
                v->type == DB_TEXT ? (const void *)db_col_text(sel, c) : db_col_blob(sel, c);
            v->len = db_col_bytes(sel, c);
            if ((v->off = keep_bytes(b, p, v->len)) == (size_t)-1)
                return -1;
            if (t->cols[c].bytea)
                v->type = DB_BLOB; /* bytea holds a text's bytes */
        }
    }
    b->rows++;
    return 0;
}

/* Bind b's rows to ins, in order, and run it. DB_DONE or an error code. */
static int insert_rows(struct db_stmt *ins, const struct batch *b, int ncols)
{
    for (int k = 0; k < b->rows * ncols; k++) {
        const struct staged *v = &b->v[k];
        if (v->type == DB_INTEGER)
            db_bind_i64(ins, k + 1, v->i);
        else if (v->type == DB_FLOAT)
            db_bind_double(ins, k + 1, v->d);
        else if (v->type == DB_TEXT)
            db_bind_text_n(ins, k + 1, b->bytes + v->off, v->len);
        else if (v->type == DB_BLOB)
            db_bind_blob(ins, k + 1, b->bytes + v->off, v->len);
        else
            db_bind_null(ins, k + 1);
    }
    return db_step(ins);
}

/* Send b's rows to dst (the full batch's statement, or one made for
 * fewer rows at the end) and empty b. DB_DONE or an error code. */
static int flush(struct db *dst, const struct table *t, const char *cols, const char *full,
                 struct batch *b)
{
    char *fewer = b->rows < b->max_rows ? insert_sql(t, cols, b->rows) : NULL;
    const char *sql = b->rows < b->max_rows ? fewer : full;
    struct db_stmt *ins = sql ? db_stmt(dst, sql) : NULL;
    int rc = ins ? insert_rows(ins, b, t->ncols) : DB_FAILED;
    db_stmt_done(ins);
    free(fewer);
    b->rows = 0;
    b->used = 0;
    return rc;
}

/* Copy t's rows from src into dst, a batch at a time, in the order of
 * the source's key; *rows gets how many. 0 or -1 (out->why). */
static int copy_table(struct db *src, struct db *dst, const struct table *t, int64_t *rows,
                      struct migrate_store_report *out)
{
    char cols[SQL_MAX], select[SQL_MAX + 256];
    struct batch b = {.max_rows = BATCH_ROWS};
    if (b.max_rows * t->ncols > PG_PARAMS_MAX)
        b.max_rows = PG_PARAMS_MAX / t->ncols;
    char *full = column_list(t, cols, sizeof cols) == 0 ? insert_sql(t, cols, b.max_rows) : NULL;
    b.v = calloc((size_t)b.max_rows * (size_t)t->ncols, sizeof *b.v);
    snprintf(select, sizeof select, "SELECT %s FROM %s%s", cols, t->name, t->order_by);
    struct db_stmt *sel = full && b.v ? db_stmt(src, select) : NULL;
    int rc = sel ? DB_DONE : DB_FAILED, in = DB_DONE;
    int64_t first = 1; /* the first row of the batch sent */
    *rows = 0;
    while (sel && in == DB_DONE && (rc = db_step(sel)) == DB_ROW) {
        if (stage_row(&b, sel, t) != 0) {
            rc = DB_FAILED;
            break;
        }
        (*rows)++;
        if (b.rows == b.max_rows) {
            first = *rows - b.rows + 1;
            in = flush(dst, t, cols, full, &b);
        }
    }
    if (rc == DB_DONE && in == DB_DONE && b.rows > 0) {
        first = *rows - b.rows + 1;
        in = flush(dst, t, cols, full, &b);
    }
    db_stmt_done(sel);
    free(full);
    free(b.v);
    free(b.bytes);
    if (in != DB_DONE) {
        why(out, "table %s, a row of %" PRId64 " to %" PRId64 ": %s", t->name, first, *rows,
            db_errmsg(dst));
        return -1;
    }
    if (rc != DB_DONE) {
        why(out, "reading %s: %s", t->name, sel ? db_errmsg(src) : "out of memory");
        return -1;
    }
    return 0;
}

/* Every table of the plan that holds a row on the target: refused. */
static enum migrate_store_result target_empty(struct db *dst, const struct plan *p,
                                              struct migrate_store_report *out)
{
    for (size_t i = 0; i < p->n; i++) {
        int r = has_rows(dst, &p->t[i], out);
        if (r < 0)
            return MIGRATE_STORE_FAILED;
        if (r > 0) {
            why(out, "table %s of the target holds rows", p->t[i].name);
            return MIGRATE_STORE_TARGET_NOT_EMPTY;
        }
    }
    return MIGRATE_STORE_DONE;
}

/* Turn the user triggers of every table of the plan off or on again
 * (inside the transaction: a rollback undoes it). */
static int triggers(struct db *dst, const struct plan *p, bool on, struct migrate_store_report *out)
{
    for (size_t i = 0; i < p->n; i++) {
        char sql[MIGRATE_STORE_NAME_MAX + 64];
        snprintf(sql, sizeof sql, "ALTER TABLE %s %s TRIGGER USER", p->t[i].name,
                 on ? "ENABLE" : "DISABLE");
        if (run(dst, sql, out) != 0)
            return -1;
    }
    return 0;
}

/* Every table's count and checksum, read back from both databases. */
static enum migrate_store_result check(struct db *src, struct db *dst, const struct plan *p,
                                       struct migrate_store_report *out)
{
    for (size_t i = 0; i < p->n; i++) {
        int64_t rows_src, rows_dst;
        uint64_t sum_src, sum_dst;
        if (table_sum(src, &p->t[i], &rows_src, &sum_src, out) != 0 ||
            table_sum(dst, &p->t[i], &rows_dst, &sum_dst, out) != 0)
            return MIGRATE_STORE_FAILED;
        if (rows_src != rows_dst || sum_src != sum_dst) {
            why(out,
                "table %s differs once copied: %" PRId64 " rows in the source, %" PRId64
                " in the target%s",
                p->t[i].name, rows_src, rows_dst,
                rows_src == rows_dst ? ", and their values differ" : "");
            return MIGRATE_STORE_CHECK_FAILED;
        }
    }
    return MIGRATE_STORE_DONE;
}

/* Each identity column's sequence set so that its next value follows the
 * largest copied (1 for an empty table). */
static int sequences(struct db *dst, const struct plan *p, struct migrate_store_report *out)
{
    for (size_t i = 0; i < p->n; i++) {
        const struct table *t = &p->t[i];
        for (int c = 0; c < t->ncols; c++) {
            if (!t->cols[c].sequence)
                continue;
            char sql[4 * MIGRATE_STORE_NAME_MAX + 160];
            snprintf(sql, sizeof sql,
                     "SELECT setval(pg_get_serial_sequence('%s', '%s'),"
                     " coalesce(max(%s), 0) + 1, false) FROM %s",
                     t->name, t->cols[c].name, t->cols[c].name, t->name);
            if (run(dst, sql, out) != 0)
                return -1;
        }
    }
    return 0;
}

/* The copy itself, inside dst's write transaction and src's snapshot:
 * triggers off, the tables in order, triggers on, the check, the
 * sequences. */
static enum migrate_store_result copy_all(struct db *src, struct db *dst, struct plan *p,
                                          struct migrate_store_report *out)
{
    size_t order[MIGRATE_STORE_TABLES_MAX];
    if (foreign_keys(dst, p, out) != 0 || copy_order(p, order, out) != 0)
        return MIGRATE_STORE_FAILED;
    enum migrate_store_result r = target_empty(dst, p, out);
    if (r != MIGRATE_STORE_DONE)
        return r;
    if (triggers(dst, p, false, out) != 0)
        return MIGRATE_STORE_FAILED;
    for (size_t k = 0; k < p->n; k++) {
        const struct table *t = &p->t[order[k]];
        struct migrate_store_table *done = &out->tables[out->count];
        if (copy_table(src, dst, t, &done->rows, out) != 0)
            return MIGRATE_STORE_FAILED;
        snprintf(done->name, sizeof done->name, "%s", t->name);
        out->rows += done->rows;
        out->count++;
        log_debug("migrate_store_table", "table=%s rows=%" PRId64, t->name, done->rows);
    }
    if (triggers(dst, p, true, out) != 0)
        return MIGRATE_STORE_FAILED;
    r = check(src, dst, p, out);
    if (r == MIGRATE_STORE_DONE && sequences(dst, p, out) != 0)
        r = MIGRATE_STORE_FAILED;
    return r;
}

/* The source's and target's schema versions against this build's. */
static enum migrate_store_result versions(struct db *src, struct db *dst,
                                          struct migrate_store_report *out)
{
    out->build_version = db_schema_version();
    out->source_version = db_schema_found(src);
    if (out->source_version < 0) {
        why(out, "reading the source's schema version: %s", db_errmsg(src));
        return MIGRATE_STORE_NOT_TAAWUN;
    }
    if (out->source_version == 0) {
        why(out, "the source has no taawun schema (version 0)");
        return MIGRATE_STORE_NOT_TAAWUN;
    }
    if (out->source_version != out->build_version) {
        why(out, "the source's schema is version %d, this build's %d", out->source_version,
            out->build_version);
        return out->source_version > out->build_version ? MIGRATE_STORE_SOURCE_NEW
                                                        : MIGRATE_STORE_SOURCE_OLD;
    }
    int target = db_schema_found(dst);
    if (target != out->build_version) {
        why(out, "the target's schema is version %d, this build's %d", target, out->build_version);
        return MIGRATE_STORE_TARGET_NOT_READY;
    }
    return MIGRATE_STORE_DONE;
}

enum migrate_store_result migrate_store_copy(struct db *src, struct db *dst,
                                             struct migrate_store_report *out)
{
    memset(out, 0, sizeof *out);
    if (db_is_postgresql(src) || !db_is_postgresql(dst)) {
        why(out, "the copy goes from SQLite to PostgreSQL");
        return MIGRATE_STORE_NOT_POSTGRESQL;
    }
    if (run(src, "PRAGMA query_only = ON", out) != 0)
        return MIGRATE_STORE_FAILED;
    enum migrate_store_result r = versions(src, dst, out);
    if (r != MIGRATE_STORE_DONE)
        return r;
    struct plan *p = calloc(1, sizeof *p);
    if (!p) {
        why(out, "out of memory");
        return MIGRATE_STORE_FAILED;
    }
    if (db_begin(dst) != 0) {
        why(out, "beginning the target's transaction: %s", db_errmsg(dst));
        free(p);
        return MIGRATE_STORE_FAILED;
    }
    if (run(src, "BEGIN", out) != 0) {
        db_rollback(dst);
        free(p);
        return MIGRATE_STORE_FAILED;
    }
    r = target_tables(dst, p, out);
    if (r == MIGRATE_STORE_DONE)
        r = match_source(src, p, out);
    if (r == MIGRATE_STORE_DONE)
        r = copy_all(src, dst, p, out);
    struct migrate_store_report ignored = {0};
    run(src, "COMMIT", &ignored); /* the snapshot ends; nothing was written */
    if (r != MIGRATE_STORE_DONE) {
        db_rollback(dst);
    } else if (db_commit(dst) != 0) { /* rolled back by db_commit */
        why(out, "committing: %s", db_errmsg(dst));
        r = MIGRATE_STORE_FAILED;
    }
    if (r != MIGRATE_STORE_DONE) {
        out->count = 0;
        out->rows = 0;
    }
    free(p);
    return r;
}
