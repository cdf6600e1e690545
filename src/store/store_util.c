/* store_util.c -- helpers shared by the store/ modules: binding by name,
 * stepping, copying text columns, logging failed queries. */
#include "store/store_util.h"

#include <assert.h>
#include <string.h>

#include "core/utf8.h"
#include "store/db.h"
#include "store/db_sql.h"
#include "sys/log.h"

int store_param(struct db_stmt *st, const char *name)
{
    int i = db_param_index(st, name);
    assert(i > 0 && "a parameter name the statement lacks");
    return i;
}

void store_bind_text(struct db_stmt *st, const char *name, const char *s)
{
    db_bind_text(st, store_param(st, name), s);
}

void store_bind_text_or_null(struct db_stmt *st, const char *name, const char *s)
{
    store_bind_text(st, name, s && *s ? s : NULL);
}

void store_bind_int64(struct db_stmt *st, const char *name, int64_t v)
{
    db_bind_i64(st, store_param(st, name), (int64_t)v);
}

void store_bind_null(struct db_stmt *st, const char *name)
{
    db_bind_null(st, store_param(st, name));
}

void store_bind_blob(struct db_stmt *st, const char *name, const void *p, size_t len)
{
    db_bind_blob(st, store_param(st, name), p, len);
}

int store_exec(struct db *db, struct db_stmt *st, const char *what)
{
    int rc = db_step(st);
    db_stmt_done(st);
    return rc == DB_DONE ? 0 : store_fail(db, what);
}

int store_insert_rc(struct db_stmt *st, int64_t *id)
{
    int rc = db_step(st);
    *id = 0;
    if (rc == DB_ROW) {
        *id = db_col_i64(st, 0);
        rc = db_step(st);
    }
    db_stmt_done(st);
    return rc;
}

int store_insert(struct db *db, struct db_stmt *st, int64_t *id, const char *what)
{
    if (store_insert_rc(st, id) != DB_DONE)
        return store_fail(db, what);
    return *id != 0;
}

int store_exec_changed(struct db *db, struct db_stmt *st, const char *what)
{
    if (store_exec(db, st, what) != 0)
        return -1;
    return db_changes(db) > 0 ? 1 : 0;
}

int store_read_int64(struct db *db, struct db_stmt *st, int64_t *out, const char *what)
{
    int rc = db_step(st);
    *out = rc == DB_ROW ? db_col_i64(st, 0) : 0;
    db_stmt_done(st);
    return rc == DB_ROW ? 0 : store_fail(db, what);
}

int store_read_ids(struct db *db, struct db_stmt *st, int64_t *ids, size_t max, const char *what)
{
    size_t n = 0;
    int rc = DB_DONE;
    while (n < max && (rc = db_step(st)) == DB_ROW)
        ids[n++] = db_col_i64(st, 0);
    db_stmt_done(st);
    if (rc != DB_ROW && rc != DB_DONE)
        return store_fail(db, what);
    return (int)n;
}

void store_copy_text(char *dst, size_t dstsz, struct db_stmt *st, int col)
{
    const char *t = db_col_text(st, col);
    size_t n = t ? db_col_bytes(st, col) : 0;
    if (n >= dstsz)
        n = utf8_floor(t, n, dstsz - 1);
    if (n)
        memcpy(dst, t, n);
    dst[n] = '\0';
}

int store_fail(struct db *db, const char *what)
{
    db_log_error(db, what);
    return -1;
}

const char *store_lang_column(const char *lang)
{
    if (lang && (strcmp(lang, "fr") == 0 || strcmp(lang, "en") == 0))
        return lang;
    return "ar";
}
