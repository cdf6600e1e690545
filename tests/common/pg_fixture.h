/* pg_fixture.h -- what the unit tests that need PostgreSQL share: the test
 * run's cluster (TAAWUN_TEST_PG, the libpq conninfo contrib/run-tests.sh
 * exports after contrib/pg-test-cluster.sh started it), a skip when there is
 * none, and a new empty database per test, dropped at exit. Through libpq
 * directly, so the fixture does not depend on the store it tests.
 * Include after <cmocka.h>. */
#ifndef TAAWUN_TESTS_PG_FIXTURE_H
#define TAAWUN_TESTS_PG_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

/* The databases a test binary may hold at once, and a name's bytes. */
#define PG_FIXTURE_MAX_DATABASES 32
#define PG_FIXTURE_NAME_SIZE 64

/* The skip reason's first word: contrib/run-tests.sh counts a cmocka skip
 * whose printed reason begins "PostgreSQL:" as a failure under CI=true. */
#define PG_FIXTURE_SKIP_REASON "PostgreSQL: TAAWUN_TEST_PG not set"

/* The databases pg_fresh_database made and nobody dropped yet, each with
 * the process that made it (a forked child drops only its own). */
struct pg_fixture_registry {
    char names[PG_FIXTURE_MAX_DATABASES][PG_FIXTURE_NAME_SIZE];
    pid_t owners[PG_FIXTURE_MAX_DATABASES];
    unsigned made; /* the counter in the names */
    int atexit_set;
};

static inline struct pg_fixture_registry *pg_fixture_registry(void)
{
    static struct pg_fixture_registry registry;
    return &registry;
}

/* The test run's cluster (borrowed from the environment), or NULL. */
static inline const char *pg_test_conninfo(void)
{
    const char *c = getenv("TAAWUN_TEST_PG");
    return c && *c ? c : NULL;
}

/* Skips the calling test (cmocka's skip(), after printing the reason)
 * when the run has no cluster. */
static inline void pg_skip_unless_available(void)
{
    if (pg_test_conninfo())
        return;
    print_message("%s\n", PG_FIXTURE_SKIP_REASON);
    skip();
}

/* Runs sql (one command, no rows) on the cluster's maintenance database.
 * Returns NULL, or the server's message (static storage) on failure. */
static inline const char *pg_fixture_admin_exec(const char *sql)
{
    static char err[512];
    PGconn *conn = PQconnectdb(pg_test_conninfo());
    if (PQstatus(conn) != CONNECTION_OK) {
        snprintf(err, sizeof err, "connecting to TAAWUN_TEST_PG: %s", PQerrorMessage(conn));
        PQfinish(conn);
        return err;
    }
    PGresult *res = PQexec(conn, sql);
    const char *out = NULL;
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        snprintf(err, sizeof err, "%s: %s", sql, PQerrorMessage(conn));
        out = err;
    }
    PQclear(res);
    PQfinish(conn);
    return out;
}

/* Drops database name now (other sessions on it are ended); the name
 * leaves the registry. Fails the test with the server's message. */
static inline void pg_drop_database(const char *name)
{
    struct pg_fixture_registry *r = pg_fixture_registry();
    char sql[128 + PG_FIXTURE_NAME_SIZE];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", name);
    const char *err = pg_fixture_admin_exec(sql);
    if (err)
        fail_msg("pg_fixture: %s", err);
    for (size_t i = 0; i < PG_FIXTURE_MAX_DATABASES; i++)
        if (strcmp(r->names[i], name) == 0)
            r->names[i][0] = '\0';
}

/* At exit: drops what this process made and did not drop. A failure
 * there ends the process with status 1 (the runner counts it). */
static inline void pg_fixture_drop_all(void)
{
    struct pg_fixture_registry *r = pg_fixture_registry();
    int failed = 0;
    for (size_t i = 0; i < PG_FIXTURE_MAX_DATABASES; i++) {
        if (!r->names[i][0] || r->owners[i] != getpid())
            continue;
        char sql[128 + PG_FIXTURE_NAME_SIZE];
        snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", r->names[i]);
        const char *err = pg_fixture_admin_exec(sql);
        if (err) {
            fprintf(stderr, "pg_fixture: at exit: %s\n", err);
            failed = 1;
        }
        r->names[i][0] = '\0';
    }
    if (failed)
        _exit(1);
}

/* Appends keyword='value' to out (libpq's quoting: \ and ' escaped). */
static inline void pg_fixture_append(char *out, size_t cap, const char *keyword, const char *value)
{
    size_t n = strlen(out);
    int w = snprintf(out + n, cap - n, "%s%s='", n ? " " : "", keyword);
    if (w < 0 || (size_t)w >= cap - n)
        fail_msg("pg_fixture: the conninfo does not fit in %zu bytes", cap);
    n += (size_t)w;
    for (const char *v = value; *v; v++) {
        if (n + 3 >= cap)
            fail_msg("pg_fixture: the conninfo does not fit in %zu bytes", cap);
        if (*v == '\\' || *v == '\'')
            out[n++] = '\\';
        out[n++] = *v;
    }
    out[n++] = '\'';
    out[n] = '\0';
}

/* A new empty database on the run's cluster, named taawun_test_PID_N,
 * dropped at exit unless pg_drop_database drops it first. Writes into
 * conninfo_out (cap bytes) TAAWUN_TEST_PG's settings with dbname set to it.
 * Returns its name (the fixture's storage, valid until it is dropped).
 * Skips the test when the run has no cluster; fails it with the server's
 * message when the database cannot be made. */
static inline const char *pg_fresh_database(char *conninfo_out, size_t cap)
{
    pg_skip_unless_available();
    struct pg_fixture_registry *r = pg_fixture_registry();
    size_t slot = 0;
    while (slot < PG_FIXTURE_MAX_DATABASES && r->names[slot][0])
        slot++;
    if (slot == PG_FIXTURE_MAX_DATABASES)
        fail_msg("pg_fixture: more than %d databases at once", PG_FIXTURE_MAX_DATABASES);

    char *err = NULL;
    PQconninfoOption *opts = PQconninfoParse(pg_test_conninfo(), &err);
    if (!opts)
        fail_msg("pg_fixture: TAAWUN_TEST_PG: %s", err ? err : "out of memory");
    char name[PG_FIXTURE_NAME_SIZE];
    snprintf(name, sizeof name, "taawun_test_%ld_%u", (long)getpid(), r->made++);
    conninfo_out[0] = '\0';
    for (PQconninfoOption *o = opts; o->keyword; o++)
        if (o->val && strcmp(o->keyword, "dbname") != 0)
            pg_fixture_append(conninfo_out, cap, o->keyword, o->val);
    PQconninfoFree(opts);
    pg_fixture_append(conninfo_out, cap, "dbname", name);

    char sql[64 + PG_FIXTURE_NAME_SIZE];
    snprintf(sql, sizeof sql, "CREATE DATABASE \"%s\"", name);
    const char *failure = pg_fixture_admin_exec(sql);
    if (failure)
        fail_msg("pg_fixture: %s", failure);
    if (!r->atexit_set) {
        if (atexit(pg_fixture_drop_all) != 0)
            fail_msg("pg_fixture: atexit failed");
        r->atexit_set = 1;
    }
    memcpy(r->names[slot], name, sizeof name);
    r->owners[slot] = getpid();
    return r->names[slot];
}

#endif
