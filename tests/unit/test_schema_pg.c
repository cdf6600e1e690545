/* test_schema_pg.c -- the PostgreSQL schema (store/migrations_pg) is
 * SQLite's: numbered alike; in a fresh PostgreSQL database the baseline
 * gives the same tables, columns (order, type, NOT NULL, default), keys,
 * foreign keys, CHECK counts, indexes and triggers as an in-memory SQLite
 * database migrated by db_migrate (staff search's FTS5 table and its
 * triggers, a GIN index there, the one stated difference); the same writes
 * leave the same trigger-kept counts on both engines; age_band() and
 * test_number() answer as core/ does.
 *
 * The PostgreSQL server is TAAWUN_TEST_PG (a libpq conninfo): the test
 * makes a database of its own there and drops it at the end. Without the
 * variable the tests that need a server are skipped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* Statements applied to a new PostgreSQL database: BEGIN, the baseline and
 * the migrations after it, the functions, COMMIT. */
#define DB_SCHEMA_STEPS_MAX 64

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/age_band.h"
#include "core/test_number.h"
#include "store/db_sql.h"
#include "store/db.h"
#include "store/migrations.h"
#include "../common/store_fixture.h"

static PGconn *server; /* TAAWUN_TEST_PG's own database */
static PGconn *pg;     /* the database this test made, at the baseline */
static char pg_name[64];

/* Lines of text, sorted to be compared. */
struct lines {
    char **v;
    size_t n, cap;
};

static void lines_add(struct lines *l, const char *s)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
        assert_non_null(l->v);
    }
    l->v[l->n] = strdup(s);
    assert_non_null(l->v[l->n]);
    l->n++;
}

static int by_text(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void lines_free(struct lines *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    *l = (struct lines){0};
}

/* Each row of sql on SQLite, its columns joined by '|' (NULL as "NULL"). */
static struct lines sqlite_rows(struct db *db, const char *sql)
{
    struct lines l = {0};
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db->sq, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("SQLite: %s: %s", sql, sqlite3_errmsg(db->sq));
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        char row[1024] = "";
        for (int c = 0; c < sqlite3_column_count(st); c++) {
            const char *v = (const char *)sqlite3_column_text(st, c);
            size_t used = strlen(row);
            snprintf(row + used, sizeof row - used, "%s%s", c ? "|" : "", v ? v : "NULL");
        }
        lines_add(&l, row);
    }
    assert_int_equal(rc, SQLITE_DONE);
    sqlite3_finalize(st);
    qsort(l.v, l.n, sizeof *l.v, by_text);
    return l;
}

/* The same on PostgreSQL. */
static struct lines pg_rows(const char *sql)
{
    struct lines l = {0};
    PGresult *r = PQexec(pg, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("PostgreSQL: %s: %s", sql, PQerrorMessage(pg));
    for (int i = 0; i < PQntuples(r); i++) {
        char row[1024] = "";
        for (int c = 0; c < PQnfields(r); c++) {
            size_t used = strlen(row);
            snprintf(row + used, sizeof row - used, "%s%s", c ? "|" : "",
                     PQgetisnull(r, i, c) ? "NULL" : PQgetvalue(r, i, c));
        }
        lines_add(&l, row);
    }
    PQclear(r);
    qsort(l.v, l.n, sizeof *l.v, by_text);
    return l;
}

/* Fail, naming every line one engine has and the other lacks, unless the
 * two sets are equal. what names the comparison. */
static void assert_same_lines(const char *what, struct lines *sq, struct lines *pq)
{
    size_t i = 0, j = 0, differ = 0;
    while (i < sq->n || j < pq->n) {
        int c = i == sq->n ? 1 : j == pq->n ? -1 : strcmp(sq->v[i], pq->v[j]);
        if (c == 0) {
            i++, j++;
            continue;
        }
        print_message("%s: only in %s: %s\n", what, c < 0 ? "SQLite" : "PostgreSQL",
                      c < 0 ? sq->v[i] : pq->v[j]);
        differ++;
        c < 0 ? i++ : j++;
    }
    lines_free(sq);
    lines_free(pq);
    if (differ)
        fail_msg("%s: %zu line(s) differ between SQLite and PostgreSQL", what, differ);
}

static void pg_exec(const char *sql)
{
    PGresult *r = PQexec(pg, sql);
    ExecStatusType s = PQresultStatus(r);
    PQclear(r);
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
        fail_msg("PostgreSQL: %s: %s", sql, PQerrorMessage(pg));
}

/* Skip the calling test when there is no server to run it on. */
#define NEED_SERVER()                                                                              \
    do {                                                                                           \
        if (!pg) {                                                                                 \
            print_message("PostgreSQL: TAAWUN_TEST_PG not set\n");                                 \
            skip();                                                                                \
        }                                                                                          \
    } while (0)

/* A statement on the server's own connection; 0 or -1 (printed). */
static int server_exec(const char *sql)
{
    PGresult *r = PQexec(server, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        print_message("PostgreSQL: %s: %s", sql, PQerrorMessage(server));
    PQclear(r);
    return ok ? 0 : -1;
}

/* With TAAWUN_TEST_PG: a new database taawun_schema_PID, the baseline and
 * the functions applied as db.c will apply them (libpq directly here). */
static int make_database(void **state)
{
    (void)state;
    const char *conninfo = getenv("TAAWUN_TEST_PG");
    if (!conninfo || !conninfo[0])
        return 0;
    server = PQconnectdb(conninfo);
    if (PQstatus(server) != CONNECTION_OK) {
        print_message("PostgreSQL: cannot connect: %s", PQerrorMessage(server));
        return -1;
    }
    snprintf(pg_name, sizeof pg_name, "taawun_schema_%ld", (long)getpid());
    char sql[128];
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", pg_name);
    if (server_exec(sql) != 0)
        return -1;
    const char *const keys[] = {"dbname", "dbname", NULL};
    const char *const values[] = {conninfo, pg_name, NULL};
    pg = PQconnectdbParams(keys, values, 1);
    if (PQstatus(pg) != CONNECTION_OK) {
        print_message("PostgreSQL: cannot connect to %s: %s", pg_name, PQerrorMessage(pg));
        return -1;
    }
    char functions[DB_MIGRATIONS_PG_FUNCTIONS_MAX];
    if (db_migrations_pg_functions(functions, sizeof functions) < 0)
        return -1;
    /* The baseline, every migration after it, the functions, in one go. */
    const char *steps[DB_SCHEMA_STEPS_MAX];
    size_t n = 0;
    steps[n++] = "BEGIN";
    for (size_t v = DB_MIGRATIONS_PG_BASELINE; v <= db_migrations_pg_count; v++)
        if (n < DB_SCHEMA_STEPS_MAX - 2)
            steps[n++] = db_migrations_pg[v - 1];
    steps[n++] = functions;
    steps[n++] = "COMMIT";
    for (size_t i = 0; i < n; i++) {
        PGresult *r = PQexec(pg, steps[i]);
        int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
        if (!ok) {
            print_message("PostgreSQL: step %zu: %s", i, PQerrorMessage(pg));
            return -1;
        }
    }
    return 0;
}

static int drop_database(void **state)
{
    (void)state;
    PQfinish(pg);
    pg = NULL;
    int rc = 0;
    if (server && pg_name[0]) {
        char sql[128];
        snprintf(sql, sizeof sql, "DROP DATABASE %s WITH (FORCE)", pg_name);
        rc = server_exec(sql);
    }
    PQfinish(server);
    server = NULL;
    return rc;
}

/* A SQLite database at the current version, as the daemon migrates it. */
static struct db *sqlite_db(void)
{
    struct db *db = memory_db();
    assert_int_equal(db_migrate(db), 0);
    return db;
}

/* The lists are numbered alike: no PostgreSQL migration before the
 * baseline, one at it and at every version after. */
static void test_numbered_alike(void **state)
{
    (void)state;
    assert_int_equal(db_migrations_pg_count, db_migrations_count);
    assert_true(DB_MIGRATIONS_PG_BASELINE >= 1);
    assert_true((size_t)DB_MIGRATIONS_PG_BASELINE <= db_migrations_count);
    for (size_t v = 1; v <= db_migrations_pg_count; v++) {
        if (v < DB_MIGRATIONS_PG_BASELINE)
            assert_null(db_migrations_pg[v - 1]);
        else
            assert_non_null(db_migrations_pg[v - 1]);
    }
}

/* The functions' text fits its stated size, names every band, and a
 * buffer too small is refused rather than cut. */
static void test_functions_text(void **state)
{
    (void)state;
    char buf[DB_MIGRATIONS_PG_FUNCTIONS_MAX];
    int n = db_migrations_pg_functions(buf, sizeof buf);
    assert_true(n > 0);
    assert_int_equal((size_t)n, strlen(buf));
    for (size_t i = 0; i < age_band_count; i++) {
        char quoted[AGE_BAND_NAME_MAX + 2];
        snprintf(quoted, sizeof quoted, "'%s'", age_bands[i].name);
        assert_non_null(strstr(buf, quoted));
    }
    assert_non_null(strstr(buf, TEST_NUMBER_FIRST));
    assert_non_null(strstr(buf, TEST_NUMBER_LAST));
    assert_int_equal(db_migrations_pg_functions(buf, (size_t)n), -1);
    assert_int_equal(db_migrations_pg_functions(buf, (size_t)n + 1), n);
}

/* The schema as lines, SQLite's side: tables, columns (the declared type
 * as PostgreSQL's baseline spells it; a primary key column is NOT NULL,
 * as PostgreSQL makes it), primary and unique keys, indexes made by
 * CREATE INDEX, foreign keys, CHECKs per table and triggers; staff
 * search's FTS5 table, its shadow tables and triggers left out. */
static const char sqlite_catalog[] =
    "WITH t AS (SELECT name, sql FROM sqlite_schema WHERE type = 'table'"
    "  AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'members_name_fts%')"
    " SELECT 'table ' || name FROM t"
    " UNION ALL SELECT printf('column %s %02d %s %s notnull=%d default=%s', t.name, c.cid,"
    "  c.name, CASE c.type WHEN 'INTEGER' THEN 'bigint' WHEN 'TEXT' THEN 'text'"
    "  WHEN 'REAL' THEN 'double precision' WHEN 'BLOB' THEN 'bytea' ELSE c.type END,"
    "  c.\"notnull\" OR c.pk > 0, coalesce(c.dflt_value, ''))"
    "  FROM t, pragma_table_info(t.name) AS c"
    " UNION ALL SELECT printf('pk %s %s', t.name, (SELECT group_concat(name, ',') FROM"
    "  (SELECT name FROM pragma_table_info(t.name) WHERE pk > 0 ORDER BY pk))) FROM t"
    " UNION ALL SELECT printf('%s %s %s unique=%d partial=%d cols=%s',"
    "  iif(il.origin = 'u', 'key', 'index'), t.name, iif(il.origin = 'u', '', il.name),"
    "  il.\"unique\", il.partial, (SELECT group_concat(name || iif(\"desc\", ' desc', ''), ',')"
    "  FROM (SELECT name, \"desc\" FROM pragma_index_xinfo(il.name) WHERE key ORDER BY seqno)))"
    "  FROM t, pragma_index_list(t.name) AS il WHERE il.origin IN ('c', 'u')"
    " UNION ALL SELECT printf('fk %s %s -> %s(%s) on_delete=%s', t.name, f.\"from\","
    "  f.\"table\", f.\"to\", f.on_delete) FROM t, pragma_foreign_key_list(t.name) AS f"
    " UNION ALL SELECT printf('checks %s %d', name,"
    "  (length(sql) - length(replace(upper(sql), 'CHECK (', ''))) / 7) FROM t"
    " UNION ALL SELECT printf('trigger %s %s', tbl_name, name) FROM sqlite_schema"
    "  WHERE type = 'trigger' AND name NOT LIKE 'members_name_fts%'";

/* The same lines from PostgreSQL's catalogues (indexes that back a key
 * are the keys; the GIN index members_name_fts is checked apart). */
static const char pg_catalog[] =
    "WITH t AS (SELECT oid, relname FROM pg_class WHERE relkind = 'r'"
    "  AND relnamespace = current_schema()::regnamespace)"
    " SELECT 'table ' || relname FROM t"
    " UNION ALL SELECT format('column %s %s %s %s notnull=%s default=%s', t.relname,"
    "  lpad((row_number() OVER (PARTITION BY t.oid ORDER BY a.attnum) - 1)::text, 2, '0'),"
    "  a.attname, format_type(a.atttypid, NULL), a.attnotnull::int,"
    "  coalesce(regexp_replace(pg_get_expr(d.adbin, d.adrelid), '::[a-z ]+$', ''), ''))"
    "  FROM t JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped"
    "  LEFT JOIN pg_attrdef d ON d.adrelid = t.oid AND d.adnum = a.attnum"
    " UNION ALL SELECT CASE k.contype WHEN 'p' THEN format('pk %s %s', t.relname, s.cols)"
    "  ELSE format('key %s  unique=1 partial=0 cols=%s', t.relname, s.cols) END"
    "  FROM t JOIN pg_constraint k ON k.conrelid = t.oid AND k.contype IN ('p', 'u')"
    "  CROSS JOIN LATERAL (SELECT string_agg(a.attname, ',' ORDER BY u.n) AS cols"
    "  FROM unnest(k.conkey) WITH ORDINALITY AS u(attnum, n)"
    "  JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = u.attnum) AS s"
    " UNION ALL SELECT format('index %s %s unique=%s partial=%s cols=%s', t.relname, i.relname,"
    "  x.indisunique::int, (x.indpred IS NOT NULL)::int, s.cols)"
    "  FROM t JOIN pg_index x ON x.indrelid = t.oid JOIN pg_class i ON i.oid = x.indexrelid"
    "  CROSS JOIN LATERAL (SELECT string_agg(coalesce(a.attname, '?')"
    "  || CASE WHEN x.indoption[(u.n - 1)::int] & 1 = 1 THEN ' desc' ELSE '' END, ','"
    "  ORDER BY u.n) AS cols FROM unnest(x.indkey::int2[]) WITH ORDINALITY AS u(attnum, n)"
    "  LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = u.attnum) AS s"
    "  WHERE i.relname <> 'members_name_fts'"
    "  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid)"
    " UNION ALL SELECT format('fk %s %s -> %s(%s) on_delete=%s', t.relname, a.attname,"
    "  r.relname, ra.attname, CASE k.confdeltype WHEN 'a' THEN 'NO ACTION' WHEN 'r'"
    "  THEN 'RESTRICT' WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' ELSE 'SET DEFAULT' END)"
    "  FROM t JOIN pg_constraint k ON k.conrelid = t.oid AND k.contype = 'f'"
    "  JOIN pg_class r ON r.oid = k.confrelid"
    "  JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.conkey[1]"
    "  JOIN pg_attribute ra ON ra.attrelid = r.oid AND ra.attnum = k.confkey[1]"
    " UNION ALL SELECT format('checks %s %s', t.relname, (SELECT count(*) FROM pg_constraint k"
    "  WHERE k.conrelid = t.oid AND k.contype = 'c')) FROM t"
    " UNION ALL SELECT format('trigger %s %s', t.relname, g.tgname)"
    "  FROM t JOIN pg_trigger g ON g.tgrelid = t.oid AND NOT g.tgisinternal";

static void test_same_schema(void **state)
{
    (void)state;
    NEED_SERVER();
    struct db *db = sqlite_db();
    struct lines sq = sqlite_rows(db, sqlite_catalog), pq = pg_rows(pg_catalog);
    assert_true(sq.n > 300); /* the comparison compared something */
    assert_same_lines("schema", &sq, &pq);
    db_close(db);

    /* The FTS5 table's counterpart: the folded name's words, GIN-indexed. */
    struct lines fts = pg_rows("SELECT pg_get_indexdef('members_name_fts'::regclass)");
    assert_int_equal(fts.n, 1);
    assert_non_null(strstr(fts.v[0], "ON public.members USING gin"));
    assert_non_null(strstr(fts.v[0], "to_tsvector('simple'::regconfig, name_folded)"));
    lines_free(&fts);
}

/* Writes run alike on both engines: members registered, moved, erased,
 * deleted (one a test member); a broadcast's messages and replies queued,
 * claimed, taken by a provider, priced, failed and deleted (one to a test
 * number, one to a number outside the range that a collation could put
 * in it); a template deleted under its recurring rule. */
static const char *const writes[] = {
    "INSERT INTO cooperatives (id, code, name, province, created_at, updated_at)"
    " VALUES (1, 'C1', 'Coop', 'berkane', 1, 1)",
    "INSERT INTO members (id, phone, name, cooperative_id, province, sector, gender,"
    " birth_year, language, is_test, created_at, updated_at) VALUES"
    " (1, '+212600000001', 'A', 1, 'berkane', 'agriculture', 'f', 1990, 'ar', 0, 1, 1),"
    " (2, '+212600000002', 'B', 1, 'berkane', 'agriculture', 'f', 1990, 'ar', 0, 1, 1),"
    " (3, '+212600000003', 'C', 1, 'nador', NULL, 'm', NULL, 'fr', 0, 1, 1),"
    " (4, '" TEST_NUMBER_FIRST "', 'T', 1, 'berkane', 'agriculture', 'f', 1990, 'en', 1, 1, 1),"
    " (5, '+212600000005', 'E', NULL, NULL, 'crafts', NULL, 2001, 'fr', 0, 1, 1)",
    "UPDATE members SET province = 'nador', birth_year = 1985 WHERE id = 2",
    "UPDATE members SET erased_at = 100 WHERE id = 3",
    "UPDATE members SET is_test = 1 WHERE id = 5",
    "UPDATE members SET is_test = 0 WHERE id = 5",
    "DELETE FROM members WHERE id = 1",
    "INSERT INTO broadcasts (id, name, channel, audience, texts, status, created_by, created_at,"
    " updated_at) VALUES (1, 'b', 'sandbox', '{}', '{}', 'started', 'x', 1, 1),"
    " (2, 'template', 'sandbox', '{}', '{}', 'draft', 'x', 1, 1)",
    "INSERT INTO recurrences (id, broadcast_id, kind, weekday, minute, audience, starts_at,"
    " status, next_at, created_by, created_at, updated_at) VALUES"
    " (1, 2, 'weekly', 1, 600, 'broadcast', 1, 'active', 5000, 'x', 1, 1),"
    " (2, 1, 'weekly', 2, 600, 'broadcast', 1, 'active', 6000, 'x', 1, 1)",
    "INSERT INTO messages (id, channel, direction, phone, member_id, kind, body, encoding,"
    " segments, status, broadcast_id, provider_id, created_at, updated_at) VALUES"
    " (1, 'sandbox', 'out', '+212600000002', 2, 'broadcast', 'hi', 'gsm7', 1, 'queued', 1,"
    "  NULL, 7200, 7200),"
    " (2, 'sandbox', 'out', '+212600000005', 5, 'broadcast', 'hi', 'gsm7', 2, 'queued', 1,"
    "  NULL, 7200, 7200),"
    " (3, 'sandbox', 'out', '" TEST_NUMBER_FIRST "', 4, 'broadcast', 'hi', 'gsm7', 1, 'queued',"
    "  1, NULL, 7300, 7300),"
    " (4, 'sandbox', 'in', '+212600000002', 2, 'inbound', 'yo', 'gsm7', 1, 'received', NULL,"
    "  'p-in', 7400, 7400),"
    " (5, 'kannel', 'out', '+212600000002', 2, 'reply', 'ok', 'ucs2', 3, 'sent', NULL, 'p5',"
    "  10800, 10800),"
    " (6, 'kannel', 'out', '4477009001234', NULL, 'reply', 'x', 'gsm7', 1, 'queued', NULL, NULL,"
    "  10800, 10800)",
    "UPDATE messages SET status = 'sending' WHERE id IN (1, 2, 3)",
    "UPDATE messages SET status = 'sent', provider_id = 'p' || id, sent_at = 11000,"
    " updated_at = 11000 WHERE id IN (1, 3)",
    "UPDATE messages SET provider_cost_mad = 0.25 WHERE id IN (1, 3, 5)",
    "UPDATE messages SET status = 'failed', segments = 3 WHERE id = 2",
    "UPDATE messages SET created_at = 3600 WHERE id = 6",
    "DELETE FROM messages WHERE id IN (2, 6)",
    "DELETE FROM broadcasts WHERE id = 2",
};

/* What the triggers keep, one query per table (the cost in thousandths:
 * no float printed by two engines). */
static const char *const kept[] = {
    "SELECT hour, channel, status, taken, n, segments FROM message_counts",
    "SELECT province, sector, gender, birth_year, n FROM member_counts",
    "SELECT hour, channel, messages, segments, priced_segments,"
    " CAST(round(provider_cost_mad * 1000) AS INTEGER) FROM message_costs",
    "SELECT broadcast_id, status, n, segments FROM broadcast_counts",
    "SELECT id, status, ended_reason, next_at,"
    " CASE WHEN updated_at > 1000000 THEN 'now' ELSE 'then' END FROM recurrences",
};

static void test_same_counts(void **state)
{
    (void)state;
    NEED_SERVER();
    struct db *db = sqlite_db();
    pg_exec("BEGIN");
    for (size_t i = 0; i < sizeof writes / sizeof writes[0]; i++) {
        exec(db, writes[i]);
        pg_exec(writes[i]);
    }
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) {
        struct lines sq = sqlite_rows(db, kept[i]), pq = pg_rows(kept[i]);
        assert_true(sq.n >= 2); /* the writes reached every count */
        assert_same_lines(kept[i], &sq, &pq);
    }
    pg_exec("ROLLBACK");
    db_close(db);
}

/* A test that failed inside its transaction leaves none open behind it. */
static int rollback(void **state)
{
    (void)state;
    if (pg)
        PQclear(PQexec(pg, "ROLLBACK"));
    return 0;
}

/* age_band() and test_number() answer as core/age_band and core/test_number. */
static void test_same_functions(void **state)
{
    (void)state;
    NEED_SERVER();
    PGresult *r = PQexec(pg, "SELECT y, age_band(y, 2026) FROM generate_series(1880, 2040) AS y"
                             " UNION ALL SELECT NULL, age_band(NULL, 2026)");
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    assert_int_equal(PQntuples(r), 2040 - 1880 + 2);
    for (int i = 0; i < PQntuples(r); i++) {
        const char *want = PQgetisnull(r, i, 0) ? AGE_BAND_UNKNOWN
                                                : age_band_of_age(2026 - atoi(PQgetvalue(r, i, 0)));
        assert_string_equal(PQgetvalue(r, i, 1), want);
    }
    PQclear(r);

    static const char *const phones[] = {
        TEST_NUMBER_FIRST,
        TEST_NUMBER_LAST,
        "+447700900123",
        "+447700901000",
        "+44770090012",
        "+4477009001234",
        "+4477009000:0",
        "4477009001234",
        "+447700900O12",
        "+212600000001",
        "",
        "+447700900\xd9\xa1"
        "23",
        NULL,
    };
    for (size_t i = 0; i < sizeof phones / sizeof phones[0]; i++) {
        const char *const values[] = {phones[i]};
        r = PQexecParams(pg, "SELECT test_number($1)", 1, NULL, values, NULL, NULL, 0);
        assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
        if (atoi(PQgetvalue(r, 0, 0)) != (int)test_number_is(phones[i]))
            fail_msg("test_number(%s): %s", phones[i] ? phones[i] : "NULL", PQgetvalue(r, 0, 0));
        PQclear(r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbered_alike),
        cmocka_unit_test(test_functions_text),
        cmocka_unit_test(test_same_schema),
        cmocka_unit_test_teardown(test_same_counts, rollback),
        cmocka_unit_test(test_same_functions),
    };
    return cmocka_run_group_tests(tests, make_database, drop_database);
}
