/* test_message_counts.c -- the hourly counts of outbound messages
 * (message_counts, kept by triggers) always equal a count of the messages
 * themselves with the test range left out by core/test_number: after the
 * migration fills them from existing rows, and after inserts, status moves,
 * a provider taking a message, deletes; the staff statistics and the
 * dashboard read them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "store/db_sql.h"
#include "store/admin_queries.h"
#include "store/console_queries.h"
#include "store/db.h"
#include "store/migrations.h"
#include "../common/store_fixture.h"

#define HOUR 3600
#define T0 (1700000000 / HOUR * HOUR) /* on the hour */

static void add_segments(struct db *db, const char *channel, const char *direction,
                         const char *phone, const char *status, const char *provider_id,
                         long created_at, int segments)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO messages (channel, direction, phone, kind, body, encoding, segments,"
             " status, provider_id, created_at, updated_at) VALUES ('%s', '%s', '%s', 'reply',"
             " 'x', 'gsm7', %d, '%s', %s, %ld, %ld)",
             channel, direction, phone, segments, status, provider_id ? provider_id : "NULL",
             created_at, created_at);
    exec(db, sql);
}

static void add(struct db *db, const char *channel, const char *direction, const char *phone,
                const char *status, const char *provider_id, long created_at)
{
    add_segments(db, channel, direction, phone, status, provider_id, created_at, 1);
}

/* A mix: real and test numbers (and a 14-character number that only looks
 * like one), both directions, two hours, several statuses. */
static void add_mix(struct db *db, long at)
{
    static const char *const phones[] = {"+212600000001", "+212700000002", "+447700900123",
                                         "+447700900000", "+447700900999", "+4477009001234",
                                         "+447700901000"};
    static const char *const statuses[] = {"queued", "sent", "delivered", "failed", "held"};
    int k = 0;
    for (size_t p = 0; p < sizeof phones / sizeof phones[0]; p++)
        for (size_t s = 0; s < sizeof statuses / sizeof statuses[0]; s++, k++)
            add_segments(db, k % 3 ? "at" : "vonage", k % 4 ? "out" : "in", phones[p], statuses[s],
                         k % 2 ? "'ATXid'" : NULL, at + (k % 2) * HOUR, 1 + k % 3);
}

/* The counts (and their segments, app/approval's budgets) equal a fresh
 * count of the messages. */
static void assert_counts_true(struct db *db)
{
    static const char *const sql =
        "SELECT count(*) FROM ("
        " SELECT hour, channel, status, taken, sum(n) AS n, sum(segments) FROM message_counts"
        "  GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0"
        " EXCEPT SELECT created_at / 3600, channel, status, provider_id IS NOT NULL, count(*),"
        "  sum(segments)"
        "  FROM messages WHERE direction = 'out' AND NOT test_number(phone) GROUP BY 1, 2, 3, 4"
        ") UNION ALL SELECT count(*) FROM ("
        " SELECT created_at / 3600, channel, status, provider_id IS NOT NULL, count(*),"
        "  sum(segments)"
        "  FROM messages WHERE direction = 'out' AND NOT test_number(phone) GROUP BY 1, 2, 3, 4"
        " EXCEPT SELECT hour, channel, status, taken, sum(n), sum(segments) FROM message_counts"
        "  GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0)";
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db->sq, sql, -1, &st, NULL), SQLITE_OK);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int(st, 0), 0);
    }
    sqlite3_finalize(st);
}

static void test_migration_counts_existing_messages(void **state)
{
    (void)state;
    struct db *db = memory_db();
    /* The schema of the migration before the counts, with messages in it. */
    migrate_before(db, "CREATE TABLE message_counts");
    add_mix(db, T0);
    assert_int_equal(db_migrate(db), 0);
    assert_counts_true(db);
    db_close(db);
}

static void test_writes_keep_counts(void **state)
{
    (void)state;
    struct db *db = memory_db();
    assert_int_equal(db_migrate(db), 0);
    add_mix(db, T0);
    assert_counts_true(db);
    exec(db, "UPDATE messages SET status = 'sending' WHERE status = 'queued'");
    assert_counts_true(db);
    exec(db, "UPDATE messages SET status = 'sent', provider_id = 'AT' || id"
             " WHERE status = 'sending'");
    assert_counts_true(db);
    exec(db, "UPDATE messages SET status = 'delivered', delivered_at = 1 WHERE status = 'sent'");
    exec(db, "UPDATE messages SET attempts = attempts + 1, status = status"); /* no move */
    exec(db, "UPDATE messages SET channel = 'at' WHERE channel = 'vonage' AND id % 2 = 0");
    assert_counts_true(db);
    exec(db, "UPDATE messages SET segments = segments + 1 WHERE id % 5 = 0");
    assert_counts_true(db);
    exec(db, "DELETE FROM messages WHERE id % 3 = 0");
    assert_counts_true(db);
    exec(db, "INSERT INTO messages (channel, direction, phone, kind, body, encoding, segments,"
             " status, created_at, updated_at) SELECT channel, direction, phone, kind, body,"
             " encoding, segments, 'queued', created_at + 7200, 0 FROM messages");
    assert_counts_true(db);
    exec(db, "DELETE FROM messages");
    assert_counts_true(db);
    struct adminq_table t;
    assert_int_equal(adminq_select(db, ADMINQ_STATS_MESSAGES, NULL, 0, &t), 0);
    assert_int_equal(t.nrows, 0); /* counts at 0 are not shown */
    adminq_table_free(&t);
    db_close(db);
}

/* The statistics and the dashboard read the counts: what they show. */
static void test_readers(void **state)
{
    (void)state;
    struct db *db = memory_db();
    assert_int_equal(db_migrate(db), 0);
    add(db, "at", "out", "+212600000001", "delivered", "'a'", T0 - HOUR);
    add(db, "at", "out", "+212600000001", "failed", "'b'", T0);
    add(db, "at", "out", "+212600000002", "failed", NULL, T0 + 10);
    add(db, "at", "out", "+447700900001", "delivered", "'c'", T0 + 20); /* test number */
    add(db, "at", "in", "+212600000003", "received", "'d'", T0 + 30);
    add(db, "vonage", "out", "+212600000004", "queued", NULL, T0 + 40);
    struct adminq_table t;
    assert_int_equal(adminq_select(db, ADMINQ_STATS_MESSAGES, NULL, 0, &t), 0);
    assert_int_equal(t.nrows, 5);
    /* By status (the test number's and the inbound message left out). */
    static const char *const statuses[] = {"delivered", "failed", "queued"};
    static const int64_t per_status[] = {1, 2, 1};
    for (size_t r = 0; r < 3; r++) {
        assert_string_equal(adminq_str(&t, r, 0), "status");
        assert_string_equal(adminq_str(&t, r, 1), statuses[r]);
        assert_int_equal(adminq_i64(&t, r, 2), per_status[r]);
    }
    /* Per channel: sent, delivered, failed. */
    assert_string_equal(adminq_str(&t, 3, 0), "channel");
    assert_string_equal(adminq_str(&t, 3, 1), "at");
    assert_int_equal(adminq_i64(&t, 3, 2), 2); /* sent: delivered, or taken then failed */
    assert_int_equal(adminq_i64(&t, 3, 3), 1);
    assert_int_equal(adminq_i64(&t, 3, 4), 2);
    assert_string_equal(adminq_str(&t, 4, 1), "vonage");
    assert_int_equal(adminq_i64(&t, 4, 2), 0);
    adminq_table_free(&t);
    struct consoleq_count rows[8];
    int n = consoleq_messages_since(db, T0, rows, 8);
    assert_int_equal(n, 2);
    assert_string_equal(rows[0].key, "at/failed");
    assert_int_equal(rows[0].count, 2);
    assert_string_equal(rows[1].key, "vonage/queued");
    assert_int_equal(rows[1].count, 1);
    db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migration_counts_existing_messages),
        cmocka_unit_test(test_writes_keep_counts),
        cmocka_unit_test(test_readers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
