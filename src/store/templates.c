/* templates.c -- the templates table: insert, rewrite or archive, one by
 * id, the list by name. */
#include "store/templates.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db.h"
#include "store/db_sql.h"
#include "store/store_util.h"

#define RECORD_COLS "id, name, texts, created_by, created_at, updated_at, coalesce(archived_at, 0)"

void template_record_clear(struct template_record *r)
{
    if (!r)
        return;
    free(r->texts);
    r->texts = NULL;
}

/* The write's outcome from db_step's rc and the changes it made. */
static enum template_write write_result(struct db *db, int rc, const char *what)
{
    if (db_failed_unique(rc))
        return TEMPLATE_WRITE_NAME_TAKEN;
    if (rc != DB_DONE) {
        store_fail(db, what);
        return TEMPLATE_WRITE_ERROR;
    }
    return db_changes(db) > 0 ? TEMPLATE_WRITE_OK : TEMPLATE_WRITE_NOT_FOUND;
}

enum template_write templates_insert(struct db *db, const struct template_record *r, int64_t now,
                                     int64_t *id)
{
    struct db_stmt *st =
        db_stmt(db, "INSERT INTO templates (name, texts, created_by, created_at,"
                    " updated_at) VALUES (:name, :texts, :created_by, :now, :now) RETURNING id");
    if (!st) {
        store_fail(db, "templates_insert");
        return TEMPLATE_WRITE_ERROR;
    }
    store_bind_text(st, ":name", r->name);
    store_bind_text(st, ":texts", r->texts);
    store_bind_text(st, ":created_by", r->created_by);
    store_bind_int64(st, ":now", now);
    int rc = store_insert_rc(st, id);
    return write_result(db, rc, "templates_insert");
}

enum template_write templates_update(struct db *db, const struct template_record *r, bool archived,
                                     int64_t now)
{
    struct db_stmt *st =
        db_stmt(db, "UPDATE templates SET name = :name, texts = :texts, updated_at = :now,"
                    " archived_at = CASE WHEN :archived <> 0 THEN coalesce(archived_at, :now) END"
                    " WHERE id = :id");
    if (!st) {
        store_fail(db, "templates_update");
        return TEMPLATE_WRITE_ERROR;
    }
    store_bind_int64(st, ":id", r->id);
    store_bind_text(st, ":name", r->name);
    store_bind_text(st, ":texts", r->texts);
    store_bind_int64(st, ":archived", archived);
    store_bind_int64(st, ":now", now);
    int rc = db_step(st);
    db_stmt_done(st);
    return write_result(db, rc, "templates_update");
}

static int read_record(struct db_stmt *st, struct template_record *r)
{
    memset(r, 0, sizeof *r);
    r->id = db_col_i64(st, 0);
    store_copy_text(r->name, sizeof r->name, st, 1);
    const char *texts = db_col_text(st, 2);
    store_copy_text(r->created_by, sizeof r->created_by, st, 3);
    r->created_at = db_col_i64(st, 4);
    r->updated_at = db_col_i64(st, 5);
    r->archived_at = db_col_i64(st, 6);
    r->texts = strdup(texts ? texts : "{}");
    return r->texts ? 0 : -1;
}

int templates_get(struct db *db, int64_t id, struct template_record *out)
{
    memset(out, 0, sizeof *out);
    struct db_stmt *st = db_stmt(db, "SELECT " RECORD_COLS " FROM templates WHERE id = ?1");
    if (!st)
        return store_fail(db, "templates_get");
    db_bind_i64(st, 1, id);
    int rc = db_step(st), found = 0;
    if (rc == DB_ROW) {
        found = read_record(st, out) == 0 ? 1 : -1;
        rc = DB_DONE;
    }
    db_stmt_done(st);
    if (rc != DB_DONE || found < 0)
        return store_fail(db, "templates_get");
    return found;
}

int templates_list(struct db *db, bool with_archived, int64_t offset, size_t max,
                   struct template_record *out, int64_t *total)
{
    struct db_stmt *st = db_stmt(db, "SELECT " RECORD_COLS " FROM templates"
                                     " WHERE ?1 <> 0 OR archived_at IS NULL"
                                     " ORDER BY name, id LIMIT ?2 OFFSET ?3");
    if (!st)
        return store_fail(db, "templates_list");
    db_bind_i64(st, 1, with_archived);
    db_bind_i64(st, 2, (int64_t)max);
    db_bind_i64(st, 3, offset);
    size_t n = 0;
    int rc = DB_DONE;
    while (n < max && (rc = db_step(st)) == DB_ROW) {
        if (read_record(st, &out[n]) != 0) {
            rc = DB_FAILED;
            break;
        }
        n++;
    }
    db_stmt_done(st);
    if (rc != DB_ROW && rc != DB_DONE)
        goto fail;
    if (total) {
        st = db_stmt(db, "SELECT count(*) FROM templates WHERE ?1 <> 0 OR archived_at IS NULL");
        if (!st)
            goto fail;
        db_bind_i64(st, 1, with_archived);
        if (store_read_int64(db, st, total, "templates_list") != 0)
            goto clear;
    }
    return (int)n;
fail:
    store_fail(db, "templates_list");
clear: /* logged */
    for (size_t i = 0; i < n; i++)
        template_record_clear(&out[i]);
    return -1;
}

int templates_longest_event(struct db *db, int64_t now, const char *lang, char *title,
                            size_t titlesz, int64_t *starts_at)
{
    char sql[512];
    const char *c = store_lang_column(lang);
    snprintf(sql, sizeof sql,
             "SELECT t, starts_at FROM (SELECT coalesce(nullif(title_%s,''), nullif(title_ar,''),"
             " nullif(title_fr,''), nullif(title_en,''), code) AS t, starts_at FROM events"
             " WHERE status = 'scheduled' AND starts_at > ?1) AS e"
             " ORDER BY length(t) DESC, starts_at LIMIT 1",
             c);
    struct db_stmt *st = db_stmt(db, sql);
    if (!st)
        return store_fail(db, "templates_longest_event");
    db_bind_i64(st, 1, now);
    int rc = db_step(st), found = 0;
    if (rc == DB_ROW) {
        store_copy_text(title, titlesz, st, 0);
        *starts_at = db_col_i64(st, 1);
        found = 1;
        rc = DB_DONE;
    }
    db_stmt_done(st);
    return rc == DB_DONE ? found : store_fail(db, "templates_longest_event");
}
