/* db.c -- SQLite connections, pragmas, migrations and transactions. The
 * schema is the numbered list in store/migrations.c; each table family has
 * its own file in store/ with its queries. */
#include "store/db.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/age_band.h"
#include "core/fold.h"
#include "core/gsm.h"
#include "core/limits.h"
#include "core/test_number.h"
#include "core/hash.h"
#include "store/db_checkpoint.h"
#include "store/db_health.h"
#include "store/db_pg.h"
#include "store/db_sql.h"
#include "store/db_stmt.h"
#include "store/db_version.h"
#include "store/migrations.h"
#include "store/names.h"
#include "sys/log.h"
#include "sys/metrics.h"

int db_schema_version(void)
{
    return (int)db_migrations_count;
}

int db_conninfo_check(const char *conninfo, char *why, size_t cap)
{
    return db_pg_conninfo_check(conninfo, why, cap);
}

void db_describe(struct db *db, char *out, size_t cap)
{
    if (!db->pg) {
        snprintf(out, cap, "SQLite %s", sqlite3_libversion());
        return;
    }
    int v = db_pg_server_version(db->pg);
    snprintf(out, cap, "PostgreSQL %d.%d", v / 10000, v % 10000);
}

int64_t db_now(void)
{
    return (int64_t)time(NULL);
}

void db_log_error(struct db *db, const char *query)
{
    db_health_note_error(db);
    db_health_log_error(db, query, db_errmsg(db));
}

bool db_writes_failing(void)
{
    return db_health_failing();
}

int db_commits_unsynced(struct db *db)
{
    if (db->pg)
        return db_pg_exec(db->pg, "SET synchronous_commit = off");
    return sqlite3_exec(db->sq, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL) == SQLITE_OK ? 0
                                                                                            : -1;
}

static int exec_sql(struct db *db, const char *sql)
{
    if (db->pg) {
        if (db_pg_exec(db->pg, sql) == 0)
            return 0;
        db_health_note_error(db);
        db_health_log_error(db, "exec", db_errmsg(db));
        return -1;
    }
    char *err = NULL;
    if (sqlite3_exec(db->sq, sql, NULL, NULL, &err) != SQLITE_OK) {
        db_health_note_error(db);
        db_health_log_error(db, "exec", err ? err : sqlite3_errmsg(db->sq));
        sqlite3_free(err);
        return -1;
    }
    return 0;
}

/* SQL age_band(birth_year, year): the core/age_band name of a member born
 * in birth_year as of year, 'unknown' when birth_year is NULL. */
static void sql_age_band(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
        sqlite3_result_text(ctx, AGE_BAND_UNKNOWN, -1, SQLITE_STATIC);
        return;
    }
    int64_t age = sqlite3_value_int64(argv[1]) - sqlite3_value_int64(argv[0]);
    int clamped = age < -1000000 ? -1000000 : age > 1000000 ? 1000000 : (int)age;
    sqlite3_result_text(ctx, age_band_of_age(clamped), -1, SQLITE_STATIC);
}

/* The folder of the database file, made (mode 0700) if it is missing: one
 * level only, a missing parent is a typo to report, not a tree to make.
 * SQLite writes -wal and -shm files beside the database, so the folder must
 * be writable too. Returns 0, or -1 after one error line naming the folder
 * and what is wrong with it. */
static int db_folder_ready(const char *path)
{
    if (!path[0] || strcmp(path, ":memory:") == 0 || strncmp(path, "file:", 5) == 0)
        return 0; /* no folder of ours: SQLite's own forms */
    char folder[PATH_MAX];
    if (snprintf(folder, sizeof folder, "%s", path) >= (int)sizeof folder)
        return 0; /* SQLite reports a path this long */
    char *slash = strrchr(folder, '/');
    if (!slash)
        snprintf(folder, sizeof folder, ".");
    else
        slash[slash == folder ? 1 : 0] = '\0';

    char q[512], e[128];
    struct stat st;
    if (stat(folder, &st) != 0) {
        int err = errno;
        if (err == ENOENT && mkdir(folder, 0700) == 0) {
            log_info("db_folder_created", "folder=%s mode=0700", log_quote(folder, q, sizeof q));
            return 0;
        }
        if (err == ENOENT)
            err = errno; /* why mkdir failed: a missing parent, no permission */
        /* The first folder missing on the way down, the one to create. */
        char first[PATH_MAX], q2[512];
        snprintf(first, sizeof first, "%s", folder);
        for (char *cut; err == ENOENT && (cut = strrchr(first, '/')) && cut != first;) {
            *cut = '\0';
            if (stat(first, &st) == 0) {
                *cut = '/';
                break;
            }
        }
        log_error("db_folder_missing", "folder=%s error=%s first_missing=%s hint=%s",
                  log_quote(folder, q, sizeof q), log_quote(strerror(err), e, sizeof e),
                  log_quote(err == ENOENT ? first : folder, q2, sizeof q2),
                  "\"create it, owned by the daemon's user, or fix database.path\"");
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        log_error("db_folder_missing", "folder=%s error=\"not a folder\"",
                  log_quote(folder, q, sizeof q));
        return -1;
    }
    if (access(folder, W_OK | X_OK) != 0) {
        int err = errno;
        log_error("db_folder_unwritable", "folder=%s uid=%ld error=%s",
                  log_quote(folder, q, sizeof q), (long)geteuid(),
                  log_quote(strerror(err), e, sizeof e));
        return -1;
    }
    return 0;
}

/* SQL test_number(phone): 1 when phone is in the reserved test range. */
static void sql_test_number(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const unsigned char *phone = sqlite3_value_text(argv[0]);
    sqlite3_result_int(ctx, phone && test_number_is((const char *)phone));
}

/* SQL fold_text(text): core/fold's folding (accents, case, Arabic letter
 * variants: how SMS keywords are read), for the stored members.name_folded
 * that staff search reads; NULL stays NULL. */
static void sql_fold_text(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const char *in = (const char *)sqlite3_value_text(argv[0]);
    if (!in) {
        sqlite3_result_null(ctx);
        return;
    }
    char out[FOLDED_NAME_MAX];
    size_t n = fold_text(in, (size_t)sqlite3_value_bytes(argv[0]), out, sizeof out);
    sqlite3_result_text(ctx, out, (int)n, SQLITE_TRANSIENT);
}

/* SQL sms_encoding(text), sms_units(text), sms_segments(text): core/gsm's
 * measure of a text as it travels ('gsm7' or 'ucs2'; septets or 16-bit
 * units; SMS segments), NULL for NULL or invalid UTF-8. A personalised
 * broadcast measures each member's text in its INSERT ... SELECT. */
static void sql_sms_measure(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const char *in = (const char *)sqlite3_value_text(argv[0]);
    struct text_measure m;
    if (!in || text_measure(in, (size_t)sqlite3_value_bytes(argv[0]), &m) != 0) {
        sqlite3_result_null(ctx);
        return;
    }
    switch ((intptr_t)sqlite3_user_data(ctx)) {
    case 0:
        sqlite3_result_text(ctx, text_encoding_name(m.encoding), -1, SQLITE_STATIC);
        break;
    case 1:
        sqlite3_result_int64(ctx, (int64_t)m.units);
        break;
    default:
        sqlite3_result_int64(ctx, (int64_t)m.segments);
        break;
    }
}

/* The SQL functions every connection has. Returns 0 or -1. */
static int create_functions(sqlite3 *db)
{
    static const char *const measures[] = {"sms_encoding", "sms_units", "sms_segments"};
    const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC;
    if (sqlite3_create_function(db, "age_band", 2, flags, NULL, sql_age_band, NULL, NULL) !=
            SQLITE_OK ||
        sqlite3_create_function(db, "test_number", 1, flags, NULL, sql_test_number, NULL, NULL) !=
            SQLITE_OK ||
        sqlite3_create_function(db, "fold_text", 1, flags, NULL, sql_fold_text, NULL, NULL) !=
            SQLITE_OK)
        return -1;
    for (intptr_t i = 0; i < 3; i++)
        if (sqlite3_create_function(db, measures[i], 1, flags, (void *)i, sql_sms_measure, NULL,
                                    NULL) != SQLITE_OK)
            return -1;
    return 0;
}

struct db *db_open(const struct db_options *opt)
{
    if (opt->engine == DB_ENGINE_SQLITE && db_folder_ready(opt->path) != 0)
        return NULL;
    struct db *db = calloc(1, sizeof *db);
    if (!db) {
        log_error("db_open_failed", "error=\"out of memory\"");
        return NULL;
    }
    if (opt->engine == DB_ENGINE_POSTGRESQL) {
        if (!(db->pg = db_pg_open(opt->conninfo, opt->busy_timeout_ms))) {
            free(db);
            return NULL;
        }
        db_version_watch(db); /* no hook: member data read afresh (db_version.h) */
        return db;
    }
    int rc = sqlite3_open_v2(
        opt->path, &db->sq, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        char q[512];
        log_error("db_open_failed", "path=%s error=%s", log_quote(opt->path, q, sizeof q),
                  db->sq ? sqlite3_errmsg(db->sq) : "out of memory");
        db_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db->sq, opt->busy_timeout_ms);
    sqlite3_extended_result_codes(db->sq, 1);
    char pragmas[256];
    snprintf(pragmas, sizeof pragmas,
             "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s; PRAGMA foreign_keys=ON;"
             "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-%d;",
             opt->synchronous_full ? "FULL" : "NORMAL", DB_PAGE_CACHE_KIB);
    if (exec_sql(db, pragmas) != 0 || create_functions(db->sq) != 0) {
        db_close(db);
        return NULL;
    }
    db_version_watch(db); /* its WAL hook: no checkpoint on commit (store/db_checkpoint) */
    return db;
}

void db_close(struct db *db)
{
    if (!db)
        return;
    db_version_unwatch(db);
    db_stmt_cache_free(db);
    if (db->pg)
        db_pg_close(db->pg);
    else
        sqlite3_close_v2(db->sq);
    free(db);
}

/* The single integer sql returns, or -1. */
static int query_int(struct db *db, const char *sql)
{
    struct db_stmt *st = db_stmt(db, sql);
    int v = -1;
    if (st && db_step(st) == DB_ROW)
        v = db_col_int(st, 0);
    db_stmt_done(st);
    return v;
}

/* The schema version db has (SQLite: user_version; PostgreSQL: the one
 * row of schema_version, the table made on first use, inside the caller's
 * write transaction), or -1. */
static int version_get(struct db *db)
{
    if (!db->pg)
        return query_int(db, "PRAGMA user_version");
    if (exec_sql(db, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)") != 0)
        return -1;
    return query_int(db, "SELECT coalesce(max(version), 0) FROM schema_version");
}

int db_schema_found(struct db *db)
{
    if (db->pg && query_int(db, "SELECT count(*) FROM pg_tables WHERE tablename = 'schema_version'"
                                " AND schemaname = current_schema()") == 0)
        return 0;
    int v = db->pg ? query_int(db, "SELECT coalesce(max(version), 0) FROM schema_version")
                   : query_int(db, "PRAGMA user_version");
    if (v < 0)
        db_log_error(db, "schema_version");
    return v;
}

/* The SQL that records version v. */
static void version_set_sql(struct db *db, int v, char *sql, size_t cap)
{
    if (db->pg)
        snprintf(sql, cap, "DELETE FROM schema_version; INSERT INTO schema_version VALUES (%d);",
                 v);
    else
        snprintf(sql, cap, "PRAGMA user_version=%d;", v);
}

/* Rewrite the schema version with its own value: the smallest write there
 * is (one page), committed, so a success shows the disk takes writes
 * again. */
static void write_probe(struct db *db)
{
    if (db_begin(db) != 0)
        return;
    int v = version_get(db);
    char sql[128];
    version_set_sql(db, v, sql, sizeof sql);
    if (v < 0 || exec_sql(db, sql) != 0) {
        db_rollback(db);
        return;
    }
    if (db_commit(db) == 0)
        db_health_note_ok();
}

int db_ping(struct db *db)
{
    if (!db || query_int(db, "SELECT 1") != 1)
        return -1;
    if (db_health_probe_due())
        write_probe(db);
    return db_writes_failing() ? -1 : 0;
}

/* PostgreSQL: the SQL functions the queries call, made from this build's
 * tables (store/migrations.h), inside the caller's transaction. */
static int pg_functions(struct db *db)
{
    char sql[DB_MIGRATIONS_PG_FUNCTIONS_MAX];
    if (!db->pg)
        return 0;
    return db_migrations_pg_functions(sql, sizeof sql) < 0 ? -1 : exec_sql(db, sql);
}

/* Each migration in its own write transaction, the version read inside
 * it: on PostgreSQL the write lock (db_begin) makes nodes that start
 * together migrate one after another, the later finding the work done.
 * PostgreSQL's list leaves out the versions before its baseline
 * (store/migrations.h): a new database goes to the baseline at once. */
int db_migrate(struct db *db)
{
    const char *const *list = db->pg ? db_migrations_pg : db_migrations;
    int want = db_schema_version();
    for (;;) {
        if (db_begin(db) != 0)
            return -1;
        int have = version_get(db);
        if (have < 0 || have > want) {
            db_rollback(db);
            if (have > want)
                log_error("db_too_new", "schema=%d supported=%d", have, want);
            return -1;
        }
        if (have == want)
            break;
        int to = have + 1;
        while (db->pg && !list[to - 1] && to < want)
            to++; /* before the baseline: nothing to run */
        char bump[128];
        version_set_sql(db, to, bump, sizeof bump);
        if (pg_functions(db) != 0 || (list[to - 1] && exec_sql(db, list[to - 1]) != 0) ||
            exec_sql(db, bump) != 0) {
            db_rollback(db);
            log_error("db_migration_failed", "version=%d", to);
            return -1;
        }
        if (db_commit(db) != 0)
            return -1;
        log_info("db_migrated", "version=%d", to);
    }
    /* Names written behind the daemon's back (sqlite3 by hand) get their
     * folded form (store/names). */
    int rc = pg_functions(db);
    if (rc == 0 && names_fold_missing(db) < 0) {
        db_log_error(db, "fold_missing_names");
        rc = -1;
    }
    return db_finish(db, rc);
}

int db_load_if_empty(struct db *db, const char *path)
{
    int count = query_int(db, "SELECT count(*) FROM cooperatives");
    if (count != 0)
        return count < 0 ? -1 : 0;
    FILE *f = fopen(path, "rb");
    char q[512];
    if (!f) {
        log_error("demo_data_missing", "path=%s", log_quote(path, q, sizeof q));
        return -1;
    }
    char *sql = NULL;
    size_t cap = 0, len = 0;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 65536;
            if (cap > 64u * 1024 * 1024) {
                free(sql);
                fclose(f);
                log_error("demo_data_too_large", "path=%s", log_quote(path, q, sizeof q));
                return -1;
            }
            char *n = realloc(sql, cap);
            if (!n) {
                free(sql);
                fclose(f);
                return -1;
            }
            sql = n;
        }
        size_t r = fread(sql + len, 1, cap - len - 1, f);
        len += r;
        if (r == 0)
            break;
    }
    fclose(f);
    sql[len] = '\0';
    /* The file's times, from this process's clock, in a table both engines
     * read the same way (contrib/demo/demo.sql). */
    char clock[160];
    int64_t now = db_now();
    snprintf(clock, sizeof clock,
             "CREATE TEMPORARY TABLE demo_clock (now BIGINT, today BIGINT);"
             " INSERT INTO demo_clock VALUES (%" PRId64 ", %" PRId64 ");",
             now, now - now % 86400);
    int rc = -1;
    if (db_begin(db) == 0) {
        if (exec_sql(db, clock) == 0 && exec_sql(db, sql) == 0 &&
            exec_sql(db, "DROP TABLE demo_clock") == 0 && names_fold_missing(db) >= 0 &&
            db_commit(db) == 0)
            rc = 1;
        else
            db_rollback(db);
    }
    free(sql);
    if (rc == 1)
        log_info("demo_data_loaded", "path=%s", log_quote(path, q, sizeof q));
    return rc;
}

/* Writers of this process take turns before BEGIN IMMEDIATE: SQLite's own
 * busy handler waits by sleeping (up to 100 ms at a time), which under
 * concurrent writes turns into long tails; the turn hands the write lock
 * over at once, in the order asked (a ticket each): a thread writing in a
 * loop (the sender draining a large broadcast, the expander) cannot take
 * it again ahead of one already waiting, as it could a plain mutex, which
 * left a USSD step's commit waiting behind many of its transactions.
 * busy_timeout still covers other processes (the token command line). A
 * thread holds at most one write transaction. */
static pthread_mutex_t turn_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t turn_cond = PTHREAD_COND_INITIALIZER;
static uint64_t turn_next, turn_serving; /* tickets handed out, the one served */
static _Thread_local bool holds_write_turn;
static _Thread_local int64_t changes_at_begin;
static _Thread_local struct db *read_open_on; /* db_read_begin's connection, or NULL */

/* Run one of the fixed statements BEGIN, COMMIT or ROLLBACK from the
 * statement cache (no parsing per call). Returns 0 or -1 (not logged). */
static int run_fixed(struct db *db, const char *sql)
{
    struct db_stmt *st = db_stmt(db, sql);
    int rc = st ? db_step(st) : DB_FAILED;
    db_stmt_done(st);
    return rc == DB_DONE ? 0 : -1;
}

void db_read_begin(struct db *db)
{
    if (read_open_on || !db || db_in_transaction(db))
        return;
    /* PostgreSQL: one snapshot for every read, as SQLite's WAL gives. */
    if (run_fixed(db, db->pg ? "BEGIN ISOLATION LEVEL REPEATABLE READ" : "BEGIN") == 0)
        read_open_on = db;
}

void db_read_end(void)
{
    struct db *db = read_open_on;
    if (!db)
        return;
    read_open_on = NULL;
    if (run_fixed(db, "COMMIT") != 0 && db_in_transaction(db))
        run_fixed(db, "ROLLBACK");
}

static void write_turn_take(void)
{
    pthread_mutex_lock(&turn_lock);
    uint64_t mine = turn_next++;
    while (turn_serving != mine)
        pthread_cond_wait(&turn_cond, &turn_lock);
    pthread_mutex_unlock(&turn_lock);
    holds_write_turn = true;
}

static void write_turn_release(void)
{
    if (holds_write_turn) {
        holds_write_turn = false;
        pthread_mutex_lock(&turn_lock);
        turn_serving++;
        pthread_cond_broadcast(&turn_cond);
        pthread_mutex_unlock(&turn_lock);
    }
}

/* Rows changed on db since it opened. */
static int64_t total_changes(struct db *db)
{
    return db->pg ? db_pg_total_changes(db->pg) : (int64_t)sqlite3_total_changes64(db->sq);
}

/* PostgreSQL's write transactions take one advisory lock, the same on every
 * node: they run one at a time, as SQLite's do in one file, so what the
 * store's modules read inside one stays true until they commit. */
#define DB_PG_BEGIN_WRITE "BEGIN; SELECT pg_advisory_xact_lock(7308604897068083046)"

int db_begin(struct db *db)
{
    db_read_end();
    double asked = metrics_clock(); /* the wait: taawun_db_write_wait_seconds */
    if (!holds_write_turn)
        write_turn_take();
    if (exec_sql(db, db->pg ? DB_PG_BEGIN_WRITE : "BEGIN IMMEDIATE") != 0) {
        if (db->pg && db_in_transaction(db)) /* begun, the lock not granted */
            db_pg_exec(db->pg, "ROLLBACK");
        write_turn_release();
        return -1;
    }
    metrics_observe(METRICS_DB_WRITE_WAIT, NULL, metrics_clock() - asked);
    changes_at_begin = total_changes(db);
    return 0;
}

int db_begin_claim(struct db *db)
{
    if (!db->pg)
        return db_begin(db);
    db_read_end();
    if (exec_sql(db, "BEGIN ISOLATION LEVEL READ COMMITTED") != 0)
        return -1;
    changes_at_begin = total_changes(db);
    return 0;
}

int db_finish(struct db *db, int rc)
{
    if (rc != 0) {
        db_rollback(db);
        return -1;
    }
    return db_commit(db);
}

int db_commit(struct db *db)
{
    double asked = metrics_clock();
    if (exec_sql(db, "COMMIT") != 0) {
        db_rollback(db);
        return -1;
    }
    metrics_observe(METRICS_DB_COMMIT, NULL, metrics_clock() - asked);
    if (total_changes(db) != changes_at_begin)
        db_health_note_ok();
    write_turn_release();
    return 0;
}

void db_rollback(struct db *db)
{
    db_health_note_error(db); /* the error that made the caller give up, if any */
    if (db->pg && db_in_transaction(db))
        db_pg_exec(db->pg, "ROLLBACK");
    else if (db->sq && !sqlite3_get_autocommit(db->sq))
        sqlite3_exec(db->sq, "ROLLBACK", NULL, NULL, NULL);
    write_turn_release();
}

static struct db_options pool_options;
static pthread_key_t pool_key;
static pthread_once_t pool_once = PTHREAD_ONCE_INIT;

static void pool_close(void *arg)
{
    db_close(arg);
}

static void pool_make_key(void)
{
    /* Each connection is used by one thread only: no per-connection mutex,
     * and no global lock around memory statistics on every allocation. */
    sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    pthread_key_create(&pool_key, pool_close);
}

void db_pool_init(const struct db_options *opt)
{
    pool_options = *opt;
    pthread_once(&pool_once, pool_make_key);
}

struct db *db_open_reader(void)
{
    return db_open(&pool_options);
}

/* Each thread's connection is its own, and so is its statement cache
 * (store/db_stmt): nothing is shared between threads but the options. */
struct db *db_thread(void)
{
    pthread_once(&pool_once, pool_make_key);
    struct db *db = pthread_getspecific(pool_key);
    if (db)
        return db;
    db = db_open(&pool_options);
    if (db && pthread_setspecific(pool_key, db) != 0) {
        db_close(db);
        return NULL;
    }
    return db;
}
