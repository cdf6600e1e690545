/* test_outbox_claim_pg.c -- the outbox claim on PostgreSQL, where several
 * nodes send from one outbox (store/messages' outbox_claim_begin, outbox_due
 * and outbox_mark_sending): two connections claiming at once
 * take disjoint rows and together all of them; a claim does not wait on
 * another node's open write transaction; in a lock cycle with a write
 * transaction (the count rows the triggers keep), the claim gives up and
 * the writer commits. Skipped without a cluster (TAAWUN_TEST_PG). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/pg_fixture.h"
#include "store/db.h"
#include "store/db_sql.h"
#include "store/messages.h"
#include "sys/log.h"

#define CLAIM_ROWS 600            /* messages queued for the race */
#define CLAIM_TAKE 40             /* rows one claim takes at most */
#define NOW 100000                /* every message is due by then */
#define CYCLE_WRITER_FIRST_MS 300 /* the writer's wait, before the claim's begins */

static char conninfo[1024];

static struct db *open_pg(int busy_timeout_ms)
{
    struct db_options opt = {.engine = DB_ENGINE_POSTGRESQL, .busy_timeout_ms = busy_timeout_ms};
    snprintf(opt.conninfo, sizeof opt.conninfo, "%s", conninfo);
    struct db *db = db_open(&opt);
    assert_non_null(db);
    return db;
}

static void exec(struct db *db, const char *sql)
{
    struct db_stmt *st = db_stmt(db, sql);
    assert_non_null(st);
    int rc = db_step(st);
    db_stmt_done(st);
    assert_int_equal(rc, DB_DONE);
}

static int64_t scalar(struct db *db, const char *sql)
{
    struct db_stmt *st = db_stmt(db, sql);
    assert_non_null(st);
    assert_int_equal(db_step(st), DB_ROW);
    int64_t v = db_col_i64(st, 0);
    db_stmt_done(st);
    return v;
}

static int setup(void **state)
{
    (void)state;
    log_set_level(LOG_ERROR);
    if (!pg_test_conninfo())
        return 0;
    pg_fresh_database(conninfo, sizeof conninfo);
    struct db *db = open_pg(1000);
    assert_int_equal(db_migrate(db), 0);
    db_close(db);
    return 0;
}

/* n queued messages on channel c1 created in hour `hour`, then as many
 * 'sending' ones (attempts 1), the phones numbered from first. */
static void queue_rows(struct db *db, int n, int hour, int first, const char *status)
{
    char sql[768];
    snprintf(sql, sizeof sql,
             "INSERT INTO messages (channel, direction, phone, kind, body, encoding, segments,"
             " status, next_attempt_at, attempts, created_at, updated_at)"
             " SELECT 'c1', 'out', '+2126' || lpad(CAST(%d + i AS TEXT), 8, '0'), 'reply',"
             " 'hello', 'gsm7', 1, '%s', 0, CASE WHEN '%s' = 'sending' THEN 1 ELSE 0 END,"
             " %d, %d FROM generate_series(1, %d) AS s(i)",
             first, status, status, hour * 3600 + 1, hour * 3600 + 1, n);
    exec(db, sql);
}

/* One claim as sender/claim makes it: up to max due rows of c1 marked
 * 'sending' in one claim transaction; their ids appended to ids[*n].
 * Returns the rows taken, or -1 (rolled back). */
static int claim_once(struct db *db, size_t max, int64_t *ids, size_t *n)
{
    struct outbox_row rows[CLAIM_TAKE];
    assert_true(max <= CLAIM_TAKE);
    if (outbox_claim_begin(db) != 0)
        return -1;
    int got = outbox_due(db, "c1", NOW, rows, max);
    int rc = got < 0 ? -1 : 0;
    for (int i = 0; i < got && rc == 0; i++)
        rc = outbox_mark_sending(db, rows[i].id, NOW);
    if (got > 0)
        outbox_rows_free(rows, (size_t)got);
    if (rc != 0) {
        db_rollback(db);
        return -1;
    }
    if (db_commit(db) != 0)
        return -1;
    for (int i = 0; i < got; i++)
        ids[(*n)++] = rows[i].id;
    return got;
}

struct racer {
    pthread_barrier_t *start;
    int64_t ids[CLAIM_ROWS];
    size_t n;
    int failed_claims; /* claims that gave up on a lock, retried */
};

static void *race(void *arg)
{
    struct racer *r = arg;
    struct db *db = open_pg(1000);
    pthread_barrier_wait(r->start);
    for (int empty = 0; empty < 2;) {
        int got = claim_once(db, CLAIM_TAKE, r->ids, &r->n);
        if (got < 0)
            r->failed_claims++;
        empty = got == 0 ? empty + 1 : 0;
        if (r->failed_claims > 1000)
            break;
    }
    db_close(db);
    return NULL;
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Two nodes claim at once: every message is claimed once, by one of them. */
static void test_claims_take_disjoint_rows(void **state)
{
    (void)state;
    pg_skip_unless_available();
    struct db *db = open_pg(1000);
    queue_rows(db, CLAIM_ROWS / 2, 1, 0, "queued");
    queue_rows(db, CLAIM_ROWS / 2, 2, CLAIM_ROWS, "queued");
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, 2);
    struct racer *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
    assert_non_null(a);
    assert_non_null(b);
    a->start = b->start = &start;
    pthread_t ta, tb;
    assert_int_equal(pthread_create(&ta, NULL, race, a), 0);
    assert_int_equal(pthread_create(&tb, NULL, race, b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    pthread_barrier_destroy(&start);
    print_message("claims: %zu and %zu rows, %d and %d claims given up and retried\n", a->n, b->n,
                  a->failed_claims, b->failed_claims);
    assert_true(a->n > 0 && b->n > 0); /* both took part */
    assert_int_equal(a->n + b->n, CLAIM_ROWS);
    int64_t all[CLAIM_ROWS];
    memcpy(all, a->ids, a->n * sizeof all[0]);
    memcpy(all + a->n, b->ids, b->n * sizeof all[0]);
    qsort(all, CLAIM_ROWS, sizeof all[0], cmp_id);
    for (size_t i = 1; i < CLAIM_ROWS; i++)
        assert_true(all[i] != all[i - 1]); /* no message claimed twice */
    assert_int_equal(scalar(db, "SELECT count(*) FROM messages WHERE status = 'sending'"
                                " AND attempts = 1 AND sending_since IS NOT NULL"),
                     CLAIM_ROWS);
    /* The counts the triggers keep agree with the rows. */
    assert_int_equal(scalar(db, "SELECT CAST(coalesce(sum(n), 0) AS BIGINT) FROM message_counts"
                                " WHERE status = 'sending'"),
                     CLAIM_ROWS);
    assert_int_equal(scalar(db, "SELECT CAST(coalesce(sum(n), 0) AS BIGINT) FROM message_counts"
                                " WHERE status = 'queued'"),
                     0);
    free(a);
    free(b);
    db_close(db);
}

static double clock_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Another node's write transaction is open (it holds the write lock every
 * node's writes share): a claim goes on, where a write must wait. */
static void test_claim_does_not_wait_on_a_writer(void **state)
{
    (void)state;
    pg_skip_unless_available();
    struct db *other = open_pg(1000), *db = open_pg(300);
    queue_rows(db, 10, 1, 0, "queued");
    assert_int_equal(db_begin(other), 0);
    exec(other, "UPDATE messages SET priority = 0 WHERE id < 0");
    /* The test can fail: a write on db waits for the lock, then gives up. */
    double t0 = clock_s();
    assert_int_equal(db_begin(db), -1);
    assert_true(clock_s() - t0 >= 0.25);
    /* A claim that waited for the lock would fail after lock_timeout too. */
    int64_t ids[CLAIM_TAKE];
    size_t n = 0;
    assert_int_equal(claim_once(db, CLAIM_TAKE, ids, &n), 10);
    db_rollback(other);
    assert_int_equal(scalar(db, "SELECT count(*) FROM messages WHERE status = 'sending'"), 10);
    db_close(other);
    db_close(db);
}

/* The lock cycle: the claim holds hour 1's count rows and is paused; a
 * writer (another node) settles a message of hour 2, then requeues one of
 * hour 1 and waits on the claim; CYCLE_WRITER_FIRST_MS later the claim
 * goes on to hour 2's rows and waits on the writer. The claim gives up
 * within OUTBOX_CLAIM_LOCK_WAIT_MS, before the server's deadlock check (a
 * second after a wait began) would pick a victim: the writer, the first
 * to wait. */
struct cycle {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int stage;        /* 1: the claim holds hour 1; 2: go on */
    int claim_rc;     /* the claim's marks: 0, or -1 when it gave up */
    int writer_rc[3]; /* settle, requeue, commit */
    int64_t sending1, sending2, queued1, queued2;
};

static void cycle_wait(struct cycle *c, int stage)
{
    pthread_mutex_lock(&c->lock);
    while (c->stage < stage)
        pthread_cond_wait(&c->cond, &c->lock);
    pthread_mutex_unlock(&c->lock);
}

static void cycle_set(struct cycle *c, int stage)
{
    pthread_mutex_lock(&c->lock);
    c->stage = stage;
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
}

static void *cycle_claim(void *arg)
{
    struct cycle *c = arg;
    struct db *db = open_pg(5000);
    struct outbox_row rows[2];
    c->claim_rc = -1;
    if (outbox_claim_begin(db) == 0 && outbox_due(db, "c1", NOW, rows, 2) == 2) {
        int rc = outbox_mark_sending(db, c->queued1, NOW);
        cycle_set(c, 1);
        cycle_wait(c, 2);
        if (rc == 0)
            rc = outbox_mark_sending(db, c->queued2, NOW);
        c->claim_rc = rc == 0 ? db_commit(db) : -1;
        outbox_rows_free(rows, 2);
    }
    if (c->claim_rc != 0) {
        db_rollback(db);
        cycle_set(c, 1);
    }
    db_close(db);
    return NULL;
}

static void *cycle_writer(void *arg)
{
    struct cycle *c = arg;
    struct db *db = open_pg(5000);
    c->writer_rc[0] = c->writer_rc[1] = c->writer_rc[2] = -1;
    if (db_begin(db) == 0) {
        c->writer_rc[0] = outbox_settle(db, c->sending2, "sent", "p-2", NULL, NOW);
        c->writer_rc[1] = outbox_requeue(db, c->sending1, NOW, "retry", NOW);
        c->writer_rc[2] = db_finish(db, c->writer_rc[0] || c->writer_rc[1]);
    }
    db_close(db);
    return NULL;
}

static void test_claim_gives_way_in_a_lock_cycle(void **state)
{
    (void)state;
    pg_skip_unless_available();
    struct db *db = open_pg(1000);
    queue_rows(db, 1, 1, 0, "queued");
    queue_rows(db, 1, 2, 10, "queued");
    queue_rows(db, 1, 1, 20, "sending");
    queue_rows(db, 1, 2, 30, "sending");
    struct cycle c = {.stage = 0};
    pthread_mutex_init(&c.lock, NULL);
    pthread_cond_init(&c.cond, NULL);
    c.queued1 = scalar(db, "SELECT id FROM messages WHERE status='queued' AND created_at < 7200");
    c.queued2 = scalar(db, "SELECT id FROM messages WHERE status='queued' AND created_at > 7200");
    c.sending1 = scalar(db, "SELECT id FROM messages WHERE status='sending' AND created_at < 7200");
    c.sending2 = scalar(db, "SELECT id FROM messages WHERE status='sending' AND created_at > 7200");
    pthread_t tc, tw;
    assert_int_equal(pthread_create(&tc, NULL, cycle_claim, &c), 0);
    cycle_wait(&c, 1);
    assert_int_equal(pthread_create(&tw, NULL, cycle_writer, &c), 0);
    /* Once the writer waits on the claim's lock, let the claim go on. */
    double t0 = clock_s();
    while (scalar(db, "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                      " AND datname = current_database()"
                      " AND query LIKE 'UPDATE messages SET status = ''queued''%'") == 0)
        assert_true(clock_s() - t0 < 10);
    /* Waited a while first, the writer would be the server's victim. */
    struct timespec while_waiting = {.tv_nsec = CYCLE_WRITER_FIRST_MS * 1000000L};
    nanosleep(&while_waiting, NULL);
    cycle_set(&c, 2);
    pthread_join(tc, NULL);
    pthread_join(tw, NULL);
    assert_int_equal(c.claim_rc, -1); /* gave up */
    assert_int_equal(c.writer_rc[0], 0);
    assert_int_equal(c.writer_rc[1], 0);
    assert_int_equal(c.writer_rc[2], 0); /* committed */
    /* Retried, the claim takes both queued messages and the requeued one. */
    int64_t ids[CLAIM_TAKE];
    size_t n = 0;
    assert_int_equal(claim_once(db, CLAIM_TAKE, ids, &n), 3);
    assert_int_equal(scalar(db, "SELECT count(*) FROM messages WHERE status = 'sending'"), 3);
    pthread_cond_destroy(&c.cond);
    pthread_mutex_destroy(&c.lock);
    db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_claims_take_disjoint_rows, setup),
        cmocka_unit_test_setup(test_claim_does_not_wait_on_a_writer, setup),
        cmocka_unit_test_setup(test_claim_gives_way_in_a_lock_cycle, setup),
    };
    return cmocka_run_group_tests_name("outbox_claim_pg", tests, NULL, NULL);
}
