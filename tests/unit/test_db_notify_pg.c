/* test_db_notify_pg.c -- the outbox's wake-up between nodes (store/
 * db_notify): a listener's socket turns readable when another connection
 * commits queued messages (message_queue, a broadcast's chunk expanded,
 * held messages released), not before the commit and not after a
 * rollback; on SQLite nothing listens and nothing is sent. PostgreSQL
 * part skipped without a cluster. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>
#include <stdio.h>

#include "../common/pg_fixture.h"
#include "store/broadcasts.h"
#include "store/db.h"
#include "store/db_notify.h"
#include "store/db_sql.h"
#include "store/messages.h"
#include "sys/log.h"

#define WAKE_BOUND_MS 5000 /* a notification arrives within this, or the test fails */
#define QUIET_MS 300       /* nothing arrives within this when nothing was sent */

static struct db_options opt = {.engine = DB_ENGINE_POSTGRESQL, .busy_timeout_ms = 1000};

static int group_setup(void **state)
{
    (void)state;
    log_set_level(LOG_ERROR);
    if (!pg_test_conninfo())
        return 0;
    pg_fresh_database(opt.conninfo, sizeof opt.conninfo);
    db_pool_init(&opt);
    struct db *db = db_open(&opt);
    assert_non_null(db);
    assert_int_equal(db_migrate(db), 0);
    db_close(db);
    return 0;
}

/* Whether n's socket turns readable within ms. */
static bool readable_within(struct db_notify *n, int ms)
{
    struct pollfd p = {.fd = db_notify_socket(n), .events = POLLIN};
    assert_true(p.fd >= 0);
    return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

/* The notifications that arrived within ms (0 when none did). */
static int arrived(struct db_notify *n, int ms)
{
    if (!readable_within(n, ms))
        return 0;
    return db_notify_drain(n);
}

static const struct message_new reply = {
    .channel = "c1", .phone = "+212600000001", .kind = "reply", .body = "hello"};

static void test_queued_message_wakes_a_listener_at_commit(void **state)
{
    (void)state;
    pg_skip_unless_available();
    struct db *db = db_open(&opt);
    assert_non_null(db);
    struct db_notify *n = db_notify_listen(db);
    assert_non_null(n);
    assert_int_equal(db_notify_drain(n), 0);

    assert_int_equal(db_begin(db), 0);
    assert_int_equal(message_queue(db, &reply, NULL), 0);
    assert_int_equal(arrived(n, QUIET_MS), 0); /* not before the commit */
    assert_int_equal(db_commit(db), 0);
    assert_true(arrived(n, WAKE_BOUND_MS) >= 1);
    assert_int_equal(arrived(n, QUIET_MS), 0); /* drained */

    /* Rolled back: nobody hears of it. */
    assert_int_equal(db_begin(db), 0);
    assert_int_equal(message_queue(db, &reply, NULL), 0);
    db_rollback(db);
    assert_int_equal(arrived(n, QUIET_MS), 0);

    /* Held messages released (the send window opened). */
    struct db_stmt *st = db_stmt(db, "UPDATE messages SET status = 'held', next_attempt_at = NULL"
                                     " WHERE status = 'queued'");
    assert_non_null(st);
    assert_int_equal(db_step(st), DB_DONE);
    db_stmt_done(st);
    assert_int_equal(arrived(n, QUIET_MS), 0);
    assert_int_equal(db_begin(db), 0);
    assert_int_equal(broadcasts_release_held(db, db_now()), 1);
    assert_int_equal(db_commit(db), 0);
    assert_true(arrived(n, WAKE_BOUND_MS) >= 1);
    /* Nothing held: nothing released, nothing sent. */
    assert_int_equal(db_begin(db), 0);
    assert_int_equal(broadcasts_release_held(db, db_now()), 0);
    assert_int_equal(db_commit(db), 0);
    assert_int_equal(arrived(n, QUIET_MS), 0);

    db_notify_close(n);
    db_close(db);
}

static void exec(struct db *db, const char *sql)
{
    struct db_stmt *st = db_stmt(db, sql);
    assert_non_null(st);
    assert_int_equal(db_step(st), DB_DONE);
    db_stmt_done(st);
}

/* A broadcast's chunk expanded: queued, every node hears of it at commit;
 * held for the send window, nobody needs to (its release tells them). */
static void test_expanded_chunk_wakes_a_listener(void **state)
{
    (void)state;
    pg_skip_unless_available();
    struct db *db = db_open(&opt);
    assert_non_null(db);
    struct db_notify *n = db_notify_listen(db);
    assert_non_null(n);
    exec(db, "INSERT INTO members (id, phone, name, language, province, consent_at,"
             " consent_channel, registered_via, registered_at, created_at, updated_at) VALUES"
             " (7, '+212600000107', 'Nadia', 'fr', 'nador', 1, 'ussd', 'ussd', 1, 1, 1)");
    exec(db, "INSERT INTO broadcasts (id, name, channel, audience, texts, status, created_by,"
             " created_at, updated_at) VALUES (1, 'b', 'c1', '{}', '{}', 'draft', 't', 1, 1)");
    const struct broadcast_text text = {
        .language = "fr", .body = "salon samedi", .encoding = "gsm7", .segments = 1};
    struct broadcast_audience a = {.provinces = "[\"nador\"]", .year = 2026};
    for (int hold = 1; hold >= 0; hold--) {
        int64_t added = -1;
        assert_int_equal(db_begin(db), 0);
        assert_int_equal(
            broadcasts_expand_range(db, 1, &a, "c1", &text, 1, &text, 0, hold, 100, 0, 7, &added),
            0);
        assert_int_equal(added, 1);
        assert_int_equal(arrived(n, QUIET_MS), 0); /* not before the commit */
        assert_int_equal(db_commit(db), 0);
        if (hold)
            assert_int_equal(arrived(n, QUIET_MS), 0);
        else
            assert_true(arrived(n, WAKE_BOUND_MS) >= 1);
    }
    db_notify_close(n);
    db_close(db);
}

/* SQLite: one process, woken in-process; nothing listens, nothing sent. */
static void test_sqlite_has_no_listener(void **state)
{
    (void)state;
    struct db_options mem = {.engine = DB_ENGINE_SQLITE, .path = ":memory:"};
    struct db *db = db_open(&mem);
    assert_non_null(db);
    assert_null(db_notify_listen(db));
    assert_int_equal(db_notify_outbox(db), 0);
    assert_int_equal(db_notify_socket(NULL), -1);
    db_notify_close(NULL);
    db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sqlite_has_no_listener),
        cmocka_unit_test(test_queued_message_wakes_a_listener_at_commit),
        cmocka_unit_test(test_expanded_chunk_wakes_a_listener),
    };
    return cmocka_run_group_tests_name("db_notify", tests, group_setup, NULL);
}
