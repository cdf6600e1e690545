/* store_fixture.h -- what the store's unit tests share: an in-memory
 * database, a statement that must succeed, a query's one integer or text, and the schema as it
 * stood just before a given migration (to test what that migration does to the rows already there).
 * Include after <cmocka.h>. */
#ifndef TAAWUN_TESTS_STORE_FIXTURE_H
#define TAAWUN_TESTS_STORE_FIXTURE_H

#include <stdio.h>
#include <string.h>

#include "store/db_pg.h"
#include "store/db_sql.h"
#include "store/migrations.h"

/* Run sql (statements, no rows wanted) on either engine, or fail. */
static inline void exec(struct db *db, const char *sql)
{
    if (db->pg) {
        if (db_pg_exec(db->pg, sql) != 0)
            fail_msg("%s: %s", sql, db_errmsg(db));
        return;
    }
    char *err = NULL;
    if (sqlite3_exec(db->sq, sql, NULL, NULL, &err) != SQLITE_OK)
        fail_msg("%s: %s", sql, err ? err : "?");
}

/* The one integer sql's first row holds (the row must be there). */
static inline int64_t scalar(struct db *db, const char *sql)
{
    struct db_stmt *st = db_stmt(db, sql);
    int64_t v = 0;
    if (!st) {
        fail_msg("%s: %s", sql, db_errmsg(db));
    } else {
        assert_int_equal(db_step(st), DB_ROW);
        v = db_col_i64(st, 0);
        db_stmt_done(st);
    }
    return v;
}

/* The text sql's first row holds in its first column, into out (outsz
 * bytes; "(null)" for NULL): the row must be there. */
static inline const char *text_of(struct db *db, const char *sql, char *out, size_t outsz)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db->sq, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    const unsigned char *t = sqlite3_column_text(st, 0);
    snprintf(out, outsz, "%s", t ? (const char *)t : "(null)");
    sqlite3_finalize(st);
    return out;
}

/* A new in-memory database, not migrated. */
static inline struct db *memory_db(void)
{
    struct db_options opt = {.path = ":memory:", .busy_timeout_ms = 1000};
    struct db *db = db_open(&opt);
    assert_non_null(db);
    return db;
}

/* Every migration before the first whose text holds marker, the schema
 * version set to match: db_migrate() then runs that one and those after. */
static inline void migrate_before(struct db *db, const char *marker)
{
    size_t v = 0;
    while (v < db_migrations_count && !strstr(db_migrations[v], marker))
        exec(db, db_migrations[v++]);
    assert_true(v < db_migrations_count);
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %zu", v);
    exec(db, sql);
}

#endif
