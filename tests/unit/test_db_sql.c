/* test_db_sql.c -- store/db_sql.h, the statement contract every store
 * module relies on and a second engine must fulfil: binding by position
 * and by name, NULL in and out, a row then done, the id an INSERT made
 * (RETURNING id, none when ON CONFLICT DO NOTHING skipped it) and the rows
 * a change touched, and a failed step classified as a UNIQUE
 * conflict, a refused row (CHECK, FOREIGN KEY, NOT NULL) or another
 * constraint (a trigger's refusal). On an in-memory database opened with
 * the store's own connection settings (tests/common/store_fixture.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "store/db.h"
#include "store/db_sql.h"
#include "store/store_util.h"
#include "../common/store_fixture.h"

static struct db *db;

static const char schema[] =
    "CREATE TABLE parents (id INTEGER PRIMARY KEY);"
    "CREATE TABLE t (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE,"
    " n INTEGER CHECK (n >= 0), x REAL, note TEXT, raw BLOB,"
    " parent_id INTEGER REFERENCES parents (id));"
    "CREATE TRIGGER t_no_frozen BEFORE INSERT ON t WHEN NEW.code = 'frozen'"
    " BEGIN SELECT RAISE(ABORT, 'frozen'); END;";

static int setup(void **state)
{
    (void)state;
    db = memory_db();
    exec(db, schema);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    db_close(db);
    return 0;
}

static int64_t inserted_id; /* the last insert()'s */

/* Insert a row through the layer; returns the step's code. */
static int insert(const char *code, int64_t n, int64_t parent_id)
{
    struct db_stmt *st =
        db_stmt(db, "INSERT INTO t (code, n, x, note, raw, parent_id)"
                    " VALUES (:code, :n, 2.5, :note, :raw, nullif(:parent, 0)) RETURNING id");
    assert_non_null(st);
    store_bind_text(st, ":code", code);
    store_bind_int64(st, ":n", n);
    store_bind_text_or_null(st, ":note", "");
    store_bind_blob(st, ":raw", "a\0b", 3);
    store_bind_int64(st, ":parent", parent_id);
    return store_insert_rc(st, &inserted_id);
}

static void test_a_row_written_and_read_back(void **state)
{
    (void)state;
    assert_int_equal(insert("A-1", 7, 0), DB_DONE);
    int64_t id = inserted_id;
    assert_true(id > 0);
    assert_int_equal(db_changes(db), 1);

    struct db_stmt *st = db_stmt(db, "SELECT id, code, n, x, note, raw, parent_id, ?2"
                                     " FROM t WHERE id = ?1");
    assert_non_null(st);
    assert_int_equal(db_param_count(st), 2);
    assert_int_equal(db_param_index(st, ":none"), 0);
    db_bind_i64(st, 1, id);
    db_bind_text_n(st, 2, "abcdef", 3);
    assert_int_equal(db_step(st), DB_ROW);
    assert_int_equal(db_col_count(st), 8);
    assert_string_equal(db_col_name(st, 1), "code");
    assert_int_equal(db_col_i64(st, 0), id);
    assert_int_equal(db_col_type(st, 1), DB_TEXT);
    assert_string_equal(db_col_text(st, 1), "A-1");
    assert_int_equal(db_col_type(st, 2), DB_INTEGER);
    assert_int_equal(db_col_int(st, 2), 7);
    assert_int_equal(db_col_type(st, 3), DB_FLOAT);
    assert_true(db_col_double(st, 3) == 2.5);
    /* NULL in (an empty text through store_bind_text_or_null) and out */
    assert_int_equal(db_col_type(st, 4), DB_NULL);
    assert_null(db_col_text(st, 4));
    assert_int_equal(db_col_type(st, 5), DB_BLOB);
    assert_int_equal(db_col_bytes(st, 5), 3);
    assert_memory_equal(db_col_blob(st, 5), "a\0b", 3);
    assert_int_equal(db_col_i64(st, 6), 0); /* NULL reads as 0 */
    assert_string_equal(db_col_text(st, 7), "abc");
    assert_int_equal(db_step(st), DB_DONE);
    db_stmt_done(st);
}

/* The id comes back from the row inserted; none from a row skipped. */
static void test_inserted_ids(void **state)
{
    (void)state;
    static const char sql[] = "INSERT INTO t (code, n) VALUES (?1, 1)"
                              " ON CONFLICT DO NOTHING RETURNING id";
    int64_t first, again, other;
    struct db_stmt *st = db_stmt(db, sql);
    db_bind_text(st, 1, "D-1");
    assert_int_equal(store_insert(db, st, &first, "test"), 1);
    st = db_stmt(db, sql);
    db_bind_text(st, 1, "D-1");
    assert_int_equal(store_insert(db, st, &again, "test"), 0);
    assert_int_equal(again, 0);
    assert_int_equal(db_changes(db), 0);
    st = db_stmt(db, sql);
    db_bind_text(st, 1, "D-2");
    assert_int_equal(store_insert(db, st, &other, "test"), 1);
    assert_true(first > 0 && other > first);

    st = db_stmt(db, "SELECT code FROM t WHERE id = ?1");
    db_bind_i64(st, 1, other);
    assert_int_equal(db_step(st), DB_ROW);
    assert_string_equal(db_col_text(st, 0), "D-2");
    db_stmt_done(st);

    st = db_stmt(db, "UPDATE t SET n = 2 WHERE code = 'D-1'"); /* no RETURNING: no id */
    assert_int_equal(store_insert(db, st, &again, "test"), 0);
    assert_int_equal(db_changes(db), 1);
}

static void test_changes_and_transactions(void **state)
{
    (void)state;
    assert_int_equal(insert("B-1", 1, 0), DB_DONE);
    assert_int_equal(insert("B-2", 1, 0), DB_DONE);
    assert_false(db_in_transaction(db));
    assert_int_equal(db_begin(db), 0);
    assert_true(db_in_transaction(db));
    struct db_stmt *st = db_stmt(db, "UPDATE t SET n = n + 1 WHERE code LIKE 'B-%'");
    assert_non_null(st);
    assert_int_equal(db_step(st), DB_DONE);
    db_stmt_done(st);
    assert_int_equal(db_changes(db), 2);
    assert_int_equal(db_finish(db, 0), 0);
    assert_false(db_in_transaction(db));
}

static void test_failures_classified(void **state)
{
    (void)state;
    assert_int_equal(insert("C-1", 1, 0), DB_DONE);

    int rc = insert("C-1", 1, 0); /* the same code again */
    assert_true(db_failed_unique(rc));
    assert_false(db_failed_invalid(rc));
    assert_true(db_failed_constraint(rc));

    int refused[] = {insert("C-2", -1, 0),  /* CHECK */
                     insert("C-3", 1, 999), /* FOREIGN KEY: no such parent */
                     insert(NULL, 1, 0)};   /* NOT NULL */
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        assert_false(db_failed_unique(refused[i]));
        assert_true(db_failed_invalid(refused[i]));
        assert_true(db_failed_constraint(refused[i]));
    }

    rc = insert("frozen", 1, 0); /* the trigger refuses it */
    assert_false(db_failed_unique(rc));
    assert_false(db_failed_invalid(rc));
    assert_true(db_failed_constraint(rc));

    assert_false(db_failed_constraint(DB_DONE));
    assert_false(db_failed_constraint(DB_FAILED));
    assert_false(db_failed_unique(DB_FAILED));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_row_written_and_read_back),
        cmocka_unit_test(test_inserted_ids),
        cmocka_unit_test(test_changes_and_transactions),
        cmocka_unit_test(test_failures_classified),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
