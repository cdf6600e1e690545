/* test_pg_params.c -- store/pg_params: SQLite's parameter forms (?N, ?,
 * :name) rewritten as PostgreSQL's $N, numbered by SQLite's own rule, with
 * quoted text, comments, dollar quotes and casts left alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store/pg_params.h"

/* sql translated must read want, with count parameters. */
static void expect(const char *sql, const char *want, int count)
{
    struct pg_params p;
    char *out = pg_params_translate(sql, &p);
    assert_non_null(out);
    assert_string_equal(out, want);
    assert_int_equal(p.count, count);
    free(out);
}

static void test_numbered(void **state)
{
    (void)state;
    expect("SELECT 1", "SELECT 1", 0);
    expect("SELECT a FROM t WHERE id = ?1 AND b = ?2", "SELECT a FROM t WHERE id = $1 AND b = $2",
           2);
    expect("UPDATE t SET a = ?3 WHERE id = ?1", "UPDATE t SET a = $3 WHERE id = $1", 3);
    expect("VALUES (?10, ?10)", "VALUES ($10, $10)", 10);
    expect("VALUES (?, ?, ?5, ?)", "VALUES ($1, $2, $5, $6)", 6);
}

static void test_named(void **state)
{
    (void)state;
    struct pg_params p;
    char *out = pg_params_translate(
        "UPDATE m SET name = :name, phone = :phone WHERE id = :id AND name <> :name", &p);
    assert_non_null(out);
    assert_string_equal(out, "UPDATE m SET name = $1, phone = $2 WHERE id = $3 AND name <> $1");
    assert_int_equal(p.count, 3);
    assert_int_equal(pg_params_index(&p, ":name"), 1);
    assert_int_equal(pg_params_index(&p, ":phone"), 2);
    assert_int_equal(pg_params_index(&p, ":id"), 3);
    assert_int_equal(pg_params_index(&p, ":absent"), 0);
    assert_int_equal(pg_params_index(&p, "name"), 0);
    free(out);
    /* A name after a number takes the next one, as SQLite numbers it. */
    expect("WHERE a = ?2 AND b = :b AND c = ?1", "WHERE a = $2 AND b = $3 AND c = $1", 3);
    expect("x = :a_1 || :ب", "x = $1 || $2", 2);
}

static void test_left_alone(void **state)
{
    (void)state;
    expect("SELECT '?1 :x', \"a?b\" FROM t WHERE c = ?1",
           "SELECT '?1 :x', \"a?b\" FROM t WHERE c = $1", 1);
    expect("SELECT 'it''s ?', ?1", "SELECT 'it''s ?', $1", 1);
    expect("SELECT 1 -- ?2 :c\n, ?1", "SELECT 1 -- ?2 :c\n, $1", 1);
    expect("SELECT /* :x ? */ ?1", "SELECT /* :x ? */ $1", 1);
    expect("SELECT ?1::bigint, x::text", "SELECT $1::bigint, x::text", 1);
    expect("DO $$ BEGIN PERFORM :x; END $$; SELECT ?1", "DO $$ BEGIN PERFORM :x; END $$; SELECT $1",
           1);
    expect("SELECT $f$ ?1 $f$, :a", "SELECT $f$ ?1 $f$, $1", 1);
    expect("SELECT '12:30', ?1", "SELECT '12:30', $1", 1);
}

static void test_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "SELECT 'open",   "SELECT \"open", "SELECT /* open",
        "SELECT $$ open", "SELECT ?0",     "SELECT ?70000",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct pg_params p;
        assert_null(pg_params_translate(bad[i], &p));
        assert_int_equal(p.count, -1);
    }
    /* A name longer than the limit, and more names than the limit. */
    char sql[4096] = "SELECT :";
    memset(sql + 8, 'n', PG_PARAMS_NAME_MAX + 1);
    struct pg_params p;
    assert_null(pg_params_translate(sql, &p));
    size_t len = (size_t)snprintf(sql, sizeof sql, "SELECT 0");
    for (int i = 0; i <= PG_PARAMS_NAMES_MAX; i++)
        len += (size_t)snprintf(sql + len, sizeof sql - len, ", :p%d", i);
    assert_null(pg_params_translate(sql, &p));
    /* At the limit, it is taken. */
    len = (size_t)snprintf(sql, sizeof sql, "SELECT 0");
    for (int i = 0; i < PG_PARAMS_NAMES_MAX; i++)
        len += (size_t)snprintf(sql + len, sizeof sql - len, ", :p%d", i);
    char *out = pg_params_translate(sql, &p);
    assert_non_null(out);
    assert_int_equal(p.count, PG_PARAMS_NAMES_MAX);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbered),
        cmocka_unit_test(test_named),
        cmocka_unit_test(test_left_alone),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
