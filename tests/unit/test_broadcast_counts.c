/* test_broadcast_counts.c -- a broadcast's messages counted by status
 * (broadcast_counts, kept by triggers) always equal a count of the
 * messages themselves: after the migration fills them from existing rows,
 * and after inserts, status and segment moves, a message moved between
 * broadcasts, the store's own writers (cancel, hold, release) and deletes;
 * broadcasts_progress (GET /broadcasts/{id}, the console's progress bar)
 * reads them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "store/db_sql.h"
#include "store/broadcasts.h"
#include "store/db.h"
#include "store/migrations.h"
#include "../common/store_fixture.h"

/* Messages of broadcasts 1, 2 and none, in several statuses, a test number
 * among them (counted: progress counts every message of a broadcast). */
static void add_mix(struct db *db)
{
    static const char *const statuses[] = {"queued",    "held",   "sending",  "sent",
                                           "delivered", "failed", "cancelled"};
    static const char *const broadcasts[] = {"1", "2", "NULL"};
    int k = 0;
    for (size_t b = 0; b < 3; b++)
        for (size_t s = 0; s < sizeof statuses / sizeof statuses[0]; s++)
            for (int i = 0; i <= (int)s % 3; i++, k++) {
                char sql[512];
                snprintf(sql, sizeof sql,
                         "INSERT INTO messages (channel, direction, phone, kind, body, encoding,"
                         " segments, status, broadcast_id, created_at, updated_at) VALUES"
                         " ('at', 'out', '%s', 'broadcast', 'x', 'gsm7', %d, '%s', %s, 1, 1)",
                         k % 5 ? "+212600000001" : "+447700900001", 1 + k % 3, statuses[s],
                         broadcasts[b]);
                exec(db, sql);
            }
}

/* The counts equal a fresh count of the messages, both ways. */
static void assert_counts_true(struct db *db)
{
    static const char *const sql =
        "SELECT count(*) FROM ("
        " SELECT broadcast_id, status, n, segments FROM broadcast_counts WHERE n <> 0"
        " EXCEPT SELECT broadcast_id, status, count(*), sum(segments) FROM messages"
        "  WHERE broadcast_id IS NOT NULL GROUP BY 1, 2"
        ") UNION ALL SELECT count(*) FROM ("
        " SELECT broadcast_id, status, count(*), sum(segments) FROM messages"
        "  WHERE broadcast_id IS NOT NULL GROUP BY 1, 2"
        " EXCEPT SELECT broadcast_id, status, n, segments FROM broadcast_counts WHERE n <> 0)"
        " UNION ALL SELECT count(*) FROM broadcast_counts WHERE n = 0 AND segments <> 0";
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db->sq, sql, -1, &st, NULL), SQLITE_OK);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int(st, 0), 0);
    }
    sqlite3_finalize(st);
}

/* broadcasts_progress of id agrees with counting its messages. */
static void assert_progress_true(struct db *db, int64_t id)
{
    struct broadcast_progress p;
    assert_int_equal(broadcasts_progress(db, id, &p), 0);
    char sql[256];
    static const struct {
        const char *status;
        size_t offset;
    } fields[] = {
        {"held", offsetof(struct broadcast_progress, held)},
        {"queued", offsetof(struct broadcast_progress, queued)},
        {"sending", offsetof(struct broadcast_progress, sending)},
        {"sent", offsetof(struct broadcast_progress, sent)},
        {"delivered", offsetof(struct broadcast_progress, delivered)},
        {"failed", offsetof(struct broadcast_progress, failed)},
        {"suppressed", offsetof(struct broadcast_progress, suppressed)},
        {"expired", offsetof(struct broadcast_progress, expired)},
        {"cancelled", offsetof(struct broadcast_progress, cancelled)},
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM messages WHERE broadcast_id = %lld AND status = '%s'",
                 (long long)id, fields[i].status);
        assert_int_equal(*(const int64_t *)((const char *)&p + fields[i].offset), scalar(db, sql));
    }
    snprintf(sql, sizeof sql, "SELECT count(*) FROM messages WHERE broadcast_id = %lld",
             (long long)id);
    assert_int_equal(p.total, scalar(db, sql));
    snprintf(sql, sizeof sql,
             "SELECT coalesce(sum(segments), 0) FROM messages WHERE broadcast_id = %lld",
             (long long)id);
    assert_int_equal(p.segments, scalar(db, sql));
}

static void test_migration_counts_existing_messages(void **state)
{
    (void)state;
    struct db *db = memory_db();
    migrate_before(db, "CREATE TABLE broadcast_counts");
    add_mix(db);
    assert_int_equal(db_migrate(db), 0);
    assert_counts_true(db);
    assert_progress_true(db, 1);
    assert_progress_true(db, 2);
    db_close(db);
}

static void test_writes_keep_counts(void **state)
{
    (void)state;
    struct db *db = memory_db();
    assert_int_equal(db_migrate(db), 0);
    add_mix(db);
    assert_counts_true(db);
    assert_progress_true(db, 1);
    exec(db, "UPDATE messages SET status = 'sending' WHERE status = 'queued' AND id % 2 = 0");
    assert_counts_true(db);
    exec(db, "UPDATE messages SET status = 'sent', provider_id = 'AT' || id"
             " WHERE status = 'sending'");
    exec(db, "UPDATE messages SET status = 'delivered', delivered_at = 1"
             " WHERE status = 'sent' AND id % 3 = 0");
    exec(db, "UPDATE messages SET attempts = attempts + 1, status = status"); /* no move */
    assert_counts_true(db);
    exec(db, "UPDATE messages SET segments = segments + 1 WHERE id % 4 = 0");
    assert_counts_true(db);
    /* Moved between broadcasts, into one and out of one. */
    exec(db, "UPDATE messages SET broadcast_id = 2 WHERE broadcast_id = 1 AND id % 2 = 1");
    exec(db, "UPDATE messages SET broadcast_id = 1 WHERE broadcast_id IS NULL AND id % 2 = 0");
    exec(db, "UPDATE messages SET broadcast_id = NULL WHERE broadcast_id = 2 AND id % 3 = 0");
    assert_counts_true(db);
    /* The store's own writers. */
    assert_true(broadcasts_cancel_messages(db, 2, "broadcast_cancelled", 5) > 0);
    assert_int_equal(broadcasts_hold_message(
                         db, scalar(db, "SELECT min(id) FROM messages WHERE status = 'queued'"
                                        " AND broadcast_id = 1")),
                     0);
    assert_counts_true(db);
    assert_progress_true(db, 1);
    assert_progress_true(db, 2);
    assert_true(broadcasts_release_held(db, 6) > 0);
    assert_counts_true(db);
    assert_progress_true(db, 1);
    exec(db, "DELETE FROM messages WHERE id % 3 = 0");
    assert_counts_true(db);
    assert_progress_true(db, 1);
    exec(db, "DELETE FROM messages");
    assert_counts_true(db);
    assert_progress_true(db, 1);
    db_close(db);
}

/* A broadcast without messages has no progress; one of another's is not
 * counted in it. */
static void test_progress_of_none(void **state)
{
    (void)state;
    struct db *db = memory_db();
    assert_int_equal(db_migrate(db), 0);
    add_mix(db);
    struct broadcast_progress p;
    assert_int_equal(broadcasts_progress(db, 3, &p), 0);
    assert_int_equal(p.total, 0);
    assert_int_equal(p.segments, 0);
    exec(db, "UPDATE messages SET status = 'expired' WHERE broadcast_id = 1");
    assert_int_equal(broadcasts_progress(db, 1, &p), 0);
    assert_int_equal(p.expired, p.total);
    assert_int_equal(p.queued + p.held + p.sending + p.sent + p.delivered + p.failed, 0);
    assert_progress_true(db, 2);
    db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migration_counts_existing_messages),
        cmocka_unit_test(test_writes_keep_counts),
        cmocka_unit_test(test_progress_of_none),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
