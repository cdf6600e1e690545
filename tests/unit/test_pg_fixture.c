/* test_pg_fixture.c -- tests/common/pg_fixture.h against the test run's
 * PostgreSQL cluster: each fresh database is a new, empty and separate one
 * (a table made in one is absent from the other), pg_drop_database drops
 * it even while a session is open on it, and a process's databases are
 * dropped when it exits (a forked child's, and only its own). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "../common/pg_fixture.h"

static PGconn *connect_to(const char *conninfo)
{
    PGconn *conn = PQconnectdb(conninfo);
    if (PQstatus(conn) != CONNECTION_OK)
        fail_msg("%s: %s", conninfo, PQerrorMessage(conn));
    return conn;
}

static void run(PGconn *conn, const char *sql)
{
    PGresult *res = PQexec(conn, sql);
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(conn));
    PQclear(res);
}

/* The one value sql's one row holds, as text, copied into out. */
static void one_value(PGconn *conn, const char *sql, char *out, size_t cap)
{
    PGresult *res = PQexec(conn, sql);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQerrorMessage(conn));
    assert_int_equal(PQntuples(res), 1);
    snprintf(out, cap, "%s", PQgetisnull(res, 0, 0) ? "(null)" : PQgetvalue(res, 0, 0));
    PQclear(res);
}

/* Whether the cluster holds a database named name. */
static int database_exists(const char *name)
{
    PGconn *conn = connect_to(pg_test_conninfo());
    const char *params[] = {name};
    PGresult *res = PQexecParams(conn, "SELECT count(*) FROM pg_database WHERE datname = $1", 1,
                                 NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK)
        fail_msg("pg_database: %s", PQerrorMessage(conn));
    int n = atoi(PQgetvalue(res, 0, 0));
    PQclear(res);
    PQfinish(conn);
    return n;
}

static void fresh_databases_are_distinct_and_empty(void **state)
{
    (void)state;
    char ci_a[1024], ci_b[1024], value[128];
    const char *a = pg_fresh_database(ci_a, sizeof ci_a);
    const char *b = pg_fresh_database(ci_b, sizeof ci_b);
    assert_string_not_equal(a, b);
    assert_true(database_exists(a));
    assert_true(database_exists(b));

    PGconn *ca = connect_to(ci_a), *cb = connect_to(ci_b);
    one_value(ca, "SELECT current_database()", value, sizeof value);
    assert_string_equal(value, a);
    one_value(cb, "SELECT current_database()", value, sizeof value);
    assert_string_equal(value, b);
    /* Empty: no table of its own. */
    one_value(ca, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", value,
              sizeof value);
    assert_string_equal(value, "0");

    run(ca, "CREATE TABLE members (id bigint PRIMARY KEY, name text NOT NULL)");
    run(ca, "INSERT INTO members VALUES (1, 'Amina')");
    one_value(ca, "SELECT name FROM members WHERE id = 1", value, sizeof value);
    assert_string_equal(value, "Amina");
    one_value(cb, "SELECT to_regclass('members')::text", value, sizeof value);
    assert_string_equal(value, "(null)");
    PQfinish(ca);

    /* Dropped although cb is still open on it (WITH (FORCE)). */
    char b_name[PG_FIXTURE_NAME_SIZE];
    snprintf(b_name, sizeof b_name, "%s", b);
    pg_drop_database(b_name);
    assert_false(database_exists(b_name));
    PQfinish(cb);
    PGconn *gone = PQconnectdb(ci_b);
    assert_int_equal(PQstatus(gone), CONNECTION_BAD);
    PQfinish(gone);

    char a_name[PG_FIXTURE_NAME_SIZE];
    snprintf(a_name, sizeof a_name, "%s", a);
    pg_drop_database(a_name);
    assert_false(database_exists(a_name));
}

static void databases_are_dropped_at_exit(void **state)
{
    (void)state;
    char mine[1024];
    const char *kept = pg_fresh_database(mine, sizeof mine);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        char ci[1024];
        close(fds[0]);
        const char *name = pg_fresh_database(ci, sizeof ci);
        if (write(fds[1], name, strlen(name) + 1) != (ssize_t)(strlen(name) + 1))
            _exit(2);
        exit(0); /* runs the fixture's atexit drop */
    }
    close(fds[1]);
    char name[PG_FIXTURE_NAME_SIZE] = "";
    ssize_t n = read(fds[0], name, sizeof name - 1);
    close(fds[0]);
    int status = 0;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_true(n > 0);
    assert_string_not_equal(name, kept);
    assert_false(database_exists(name));
    /* The parent's database outlived the child's exit. */
    assert_true(database_exists(kept));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fresh_databases_are_distinct_and_empty),
        cmocka_unit_test(databases_are_dropped_at_exit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
