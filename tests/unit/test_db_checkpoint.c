/* test_db_checkpoint.c -- store/db_checkpoint: no commit checkpoints the
 * WAL itself (before, the commit that took the WAL past DB_WAL_PAGES ran a
 * checkpoint inside the writer's turn); the checkpointer thread does, and
 * keeps the WAL within its cap under sustained writes from one thread that
 * never pauses; a reader holding an old snapshot lets the WAL grow but the
 * writers go on, waiting at the cap at most once per DB_WAL_CAP_INTERVAL_MS;
 * the WAL file is emptied once the writes stop, and on stop. A file
 * database in WAL mode with 512-byte pages, so the cap is a few MB. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/db_sql.h"
#include "core/limits.h"
#include "store/db.h"
#include "store/db_checkpoint.h"
#include "sys/metrics.h"

#define PAGE 512
#define FRAME (PAGE + 24) /* a WAL frame: its header and the page */
#define CAP_PAGES (DB_WAL_PAGES * DB_WAL_CAP_TIMES)
#define PER_COMMIT 50 /* pages, about: one 400-byte row per page */

static char dir[] = "/tmp/test_db_checkpoint_XXXXXX";
static char wal_path[600];
static struct db_options opt = {.busy_timeout_ms = 5000};

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void exec_ok(struct db *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db->sq, sql, NULL, NULL, &err) != SQLITE_OK)
        fail_msg("%s: %s", sql, err ? err : "?");
}

static int64_t wal_file_bytes(void)
{
    struct stat st;
    return stat(wal_path, &st) == 0 ? (int64_t)st.st_size : 0;
}

/* One write transaction of about PER_COMMIT pages, the daemon's way. */
static void write_commit(void)
{
    struct db *db = db_thread();
    assert_int_equal(db_begin(db), 0);
    exec_ok(db, "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 50)"
                " INSERT INTO t SELECT randomblob(400) FROM c");
    assert_int_equal(db_commit(db), 0);
}

struct tally {
    const char *mode, *result; /* NULL: any */
    uint64_t n;
};

static void add_up(const struct metrics_sample *s, void *ctx)
{
    struct tally *t = ctx;
    if ((!t->mode || strcmp(s->labels[0], t->mode) == 0) &&
        (!t->result || strcmp(s->labels[1], t->result) == 0))
        t->n += s->count;
}

/* Checkpoints counted in mode with result (NULL: any). */
static uint64_t checkpoints(const char *mode, const char *result)
{
    struct tally t = {mode, result, 0};
    metrics_each(METRICS_DB_CHECKPOINTS, add_up, &t);
    return t.n;
}

static int64_t wal_pages(void)
{
    struct db_wal_size w;
    db_checkpoint_wal(&w);
    return w.pages;
}

/* Poll until the WAL file is empty; whether it became so within seconds. */
static bool wal_emptied_within(double seconds)
{
    for (double t0 = now_s(); now_s() - t0 < seconds; usleep(20000))
        if (wal_file_bytes() == 0)
            return true;
    return false;
}

static int setup(void **state)
{
    (void)state;
    if (!mkdtemp(dir))
        return -1;
    snprintf(opt.path, sizeof opt.path, "%s/t.db", dir);
    snprintf(wal_path, sizeof wal_path, "%s-wal", opt.path);
    sqlite3 *raw = NULL; /* small pages first: the WAL's cap is then a few MB */
    if (sqlite3_open(opt.path, &raw) != SQLITE_OK ||
        sqlite3_exec(raw, "PRAGMA page_size=512; CREATE TABLE t (x BLOB);", NULL, NULL, NULL) !=
            SQLITE_OK)
        return -1;
    sqlite3_close(raw);
    db_pool_init(&opt);
    return db_thread() ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char path[600];
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s%s", opt.path, suffixes[i]);
        unlink(path);
    }
    rmdir(dir);
    return 0;
}

/* With no checkpointer, commits past DB_WAL_PAGES leave every page in the
 * WAL: the committing writer never checkpoints (before, the commit that
 * took the WAL past DB_WAL_PAGES copied it inside the write turn and the
 * next one wrote the WAL from its start). */
static void test_commits_never_checkpoint(void **state)
{
    (void)state;
    while (wal_pages() < 3 * DB_WAL_PAGES)
        write_commit();
    assert_true(wal_file_bytes() >= (int64_t)3 * DB_WAL_PAGES * FRAME);
    write_commit();
    assert_true(wal_pages() >= 3 * DB_WAL_PAGES + PER_COMMIT); /* still growing */
    assert_int_equal(checkpoints(NULL, NULL), 0);
}

/* Started, the checkpointer takes what was written before; then one
 * thread writes without a pause, 12 caps' worth: the WAL file never holds
 * much more than the cap, and checkpoints ran on the checkpointer's
 * thread. Once the writes stop, the file is emptied. */
static void test_bounded_under_sustained_writes(void **state)
{
    (void)state;
    assert_int_equal(db_checkpointer_start(opt.path), 0);
    for (double t0 = now_s(); wal_pages() != 0 && now_s() - t0 < 10; usleep(10000))
        ;
    assert_int_equal(wal_pages(), 0); /* restarted: the backlog was copied */
    assert_true(checkpoints("passive", "ok") >= 1);

    int64_t most = 0, most_pages = 0;
    for (int written = 0; written < 12 * CAP_PAGES; written += PER_COMMIT) {
        write_commit();
        int64_t b = wal_file_bytes(), p = wal_pages();
        most = b > most ? b : most;
        most_pages = p > most_pages ? p : most_pages;
    }
    /* The cap, and the commits made while the writer's wait at the cap ran
     * out before the thread got its turn (on a loaded machine): a quarter
     * of it here, where 12 caps were written. */
    int64_t bound_pages = CAP_PAGES + CAP_PAGES / 4, bound = bound_pages * FRAME + 32;
    if (most > bound || most_pages > bound_pages)
        fail_msg("the WAL reached %lld bytes (%lld pages); bound %lld", (long long)most,
                 (long long)most_pages, (long long)bound);
    assert_true(checkpoints("restart", "ok") >= 1);
    assert_true(wal_emptied_within(10.0 * DB_WAL_IDLE_MS / 1000));
    for (double t0 = now_s(); checkpoints("truncate", "ok") == 0 && now_s() - t0 < 5;)
        usleep(10000); /* counted once it returned */
    assert_true(checkpoints("truncate", "ok") >= 1);
}

/* A reader holding an old snapshot keeps the WAL from restarting (SQLite
 * cannot overwrite frames it may read): the WAL grows past the cap, the
 * writers go on, and they wait at the cap at most once per
 * DB_WAL_CAP_INTERVAL_MS (a RESTART that the reader makes fail is not
 * retried at each commit). Once the reader ends, the WAL is emptied. */
static void test_old_reader_lets_it_grow(void **state)
{
    (void)state;
    struct db *reader = db_open(&opt);
    assert_non_null(reader);
    write_commit();
    exec_ok(reader, "BEGIN");
    exec_ok(reader, "SELECT count(*) FROM t");
    uint64_t failed_before = checkpoints("restart", "busy");
    double t0 = now_s();
    /* Past the cap, and on until a RESTART failed: one that failed just
     * before (a loaded machine, in the test above) holds the next one back
     * for DB_WAL_CAP_INTERVAL_MS. */
    for (int written = 0; written < 2 * CAP_PAGES ||
                          (checkpoints("restart", "busy") == failed_before && now_s() - t0 < 10);
         written += PER_COMMIT)
        write_commit();
    double took = now_s() - t0;
    assert_true(wal_pages() > CAP_PAGES);
    uint64_t failed = checkpoints("restart", "busy") - failed_before;
    assert_true(failed >= 1);
    assert_true(failed <= 2 + (uint64_t)(took * 1000 / DB_WAL_CAP_INTERVAL_MS));
    exec_ok(reader, "COMMIT");
    db_close(reader);
    write_commit(); /* the next commit past the cap has the WAL restarted */
    assert_true(wal_emptied_within(10.0 * DB_WAL_IDLE_MS / 1000));
}

/* Stopped, it leaves the WAL empty and the size is no longer read. */
static void test_stop(void **state)
{
    (void)state;
    write_commit();
    assert_true(wal_file_bytes() > 0);
    db_checkpointer_stop();
    assert_int_equal(wal_file_bytes(), 0);
    struct db_wal_size w;
    db_checkpoint_wal(&w);
    assert_int_equal(w.bytes, -1);
    db_checkpointer_stop(); /* twice: nothing */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commits_never_checkpoint),
        cmocka_unit_test(test_bounded_under_sustained_writes),
        cmocka_unit_test(test_old_reader_lets_it_grow),
        cmocka_unit_test(test_stop),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
