/* test_approvals_store.c -- the broadcasts table rebuilt for approvals
 * keeps every row, its index and its status check (with the new status);
 * the approval columns move as store/approvals says; a channel's pending
 * segments are what will cost and is not in its costs yet (held, queued,
 * sending; sent without a provider's id this month) and nothing else. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "store/approvals.h"
#include "store/db.h"
#include "store/migrations.h"
#include "../common/store_fixture.h"

#define HOUR 3600
#define T0 (1700000000 / HOUR * HOUR)

static int exec_rc(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

static long scalar(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    long v = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void test_rebuild_keeps_rows_index_and_check(void **state)
{
    (void)state;
    sqlite3 *db = memory_db();
    migrate_before(db, "CREATE TABLE broadcasts_new");
    exec(db, "INSERT INTO broadcasts (id, name, topic, channel, audience, texts, status,"
             " scheduled_at, started_at, recipients, created_by, created_at, updated_at) VALUES"
             " (7, 'salon', 'news', 'at', '{}', '{\"ar\":\"x\"}', 'scheduled', 99, NULL, NULL,"
             " 'amina', 1, 2), (9, 'foire', NULL, 'at', '{}', '{\"ar\":\"y\"}', 'started', NULL,"
             " 50, 3, 'karim', 3, 4)");
    assert_int_equal(db_migrate(db), 0);
    assert_int_equal(scalar(db, "SELECT count(*) FROM broadcasts WHERE id = 7 AND name = 'salon'"
                                " AND topic = 'news' AND status = 'scheduled' AND scheduled_at = 99"
                                " AND created_by = 'amina' AND updated_at = 2"),
                     1);
    assert_int_equal(scalar(db, "SELECT count(*) FROM broadcasts WHERE id = 9 AND recipients = 3"
                                " AND started_at = 50 AND approved_at IS NULL"),
                     1);
    assert_int_equal(scalar(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'index'"
                                " AND name = 'broadcasts_due' AND tbl_name = 'broadcasts'"),
                     1);
    assert_int_equal(scalar(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'broadcasts_new'"),
                     0);
    /* New rows follow the old ids; the status check holds the new status. */
    exec(db, "INSERT INTO broadcasts (name, channel, audience, texts, status, created_by,"
             " created_at, updated_at) VALUES ('n', 'at', '{}', '{}', 'awaiting_approval', 'x', 5,"
             " 5)");
    assert_int_equal(scalar(db, "SELECT max(id) FROM broadcasts"), 10);
    assert_int_not_equal(exec_rc(db, "UPDATE broadcasts SET status = 'bogus' WHERE id = 10"),
                         SQLITE_OK);
    assert_int_not_equal(exec_rc(db, "UPDATE broadcasts SET approval_action = 'x' WHERE id = 10"),
                         SQLITE_OK);
    db_close(db);
}

static void test_request_approve_reject_drop(void **state)
{
    (void)state;
    sqlite3 *db = memory_db();
    assert_int_equal(db_migrate(db), 0);
    exec(db, "INSERT INTO broadcasts (id, name, channel, audience, texts, status, created_by,"
             " created_at, updated_at) VALUES (1, 'n', 'at', '{}', '{}', 'draft', 'amina', 1, 1)");
    struct broadcast_approval a;
    assert_int_equal(approvals_request(db, 1, "scheduled", "send", 0, "[]", "amina", 10), 0);
    assert_int_equal(approvals_request(db, 1, "draft", "schedule", 500, "[{}]", "amina", 10), 1);
    assert_int_equal(approvals_get(db, 1, &a), 1);
    assert_string_equal(a.status, "awaiting_approval");
    assert_string_equal(a.action, "schedule");
    assert_int_equal(a.scheduled_at, 500);
    assert_string_equal(a.requested_by, "amina");
    assert_int_equal(approvals_reject(db, 1, "karim", "no", 11), 1);
    assert_int_equal(approvals_reject(db, 1, "karim", "no", 11), 0); /* once */
    assert_int_equal(approvals_get(db, 1, &a), 1);
    assert_string_equal(a.status, "draft");
    assert_string_equal(a.rejection_reason, "no");
    assert_int_equal(a.scheduled_at, 0);
    assert_int_equal(approvals_request(db, 1, "draft", "schedule", 600, "[]", "amina", 12), 1);
    assert_int_equal(approvals_get(db, 1, &a), 1);
    assert_string_equal(a.rejected_by, ""); /* a new request clears the rejection */
    assert_int_equal(approvals_approve(db, 1, "scheduled", "karim", 30, 7.5, 13), 1);
    assert_int_equal(approvals_get(db, 1, &a), 1);
    assert_string_equal(a.status, "scheduled");
    assert_int_equal(a.scheduled_at, 600);
    assert_int_equal(a.approved_recipients, 30);
    assert_true(a.approved_cost_mad > 7.49 && a.approved_cost_mad < 7.51);
    assert_int_equal(approvals_drop(db, 1), 1);
    assert_int_equal(approvals_drop(db, 1), 0);
    assert_int_equal(approvals_get(db, 1, &a), 1);
    assert_int_equal(a.approved_at, 0);
    assert_int_equal(approvals_get(db, 2, &a), 0);
    db_close(db);
}

static void add(sqlite3 *db, const char *channel, const char *phone, const char *status,
                const char *provider_id, long created_at, int segments)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO messages (channel, direction, phone, kind, body, encoding, segments,"
             " status, provider_id, created_at, updated_at) VALUES ('%s', 'out', '%s',"
             " 'broadcast', 'x', 'gsm7', %d, '%s', %s, %ld, %ld)",
             channel, phone, segments, status, provider_id ? provider_id : "NULL", created_at,
             created_at);
    exec(db, sql);
}

static void test_channel_pending_counts_what_waits_to_cost(void **state)
{
    (void)state;
    sqlite3 *db = memory_db();
    assert_int_equal(db_migrate(db), 0);
    const char *real = "+212600000001";
    const int64_t month = T0 + HOUR;            /* the month begins an hour after T0 */
    add(db, "at", real, "held", NULL, T0, 1);   /* waiting since before the month */
    add(db, "at", real, "queued", NULL, T0, 2); /* likewise */
    add(db, "at", real, "sending", NULL, month, 3);
    add(db, "at", real, "sent", NULL, month, 4);                /* no provider's id: pending */
    add(db, "at", real, "delivered", NULL, month, 5);           /* likewise */
    add(db, "at", real, "sent", NULL, T0, 100);                 /* last month's, without an id */
    add(db, "at", real, "sent", "'p'", month, 100);             /* taken: in the costs instead */
    add(db, "at", real, "failed", "'p'", month, 100);           /* taken: in the costs */
    add(db, "at", real, "failed", NULL, month, 100);            /* never taken */
    add(db, "at", real, "cancelled", NULL, month, 100);         /* never went */
    add(db, "at", real, "suppressed", NULL, month, 100);        /* never went */
    add(db, "at", real, "expired", NULL, month, 100);           /* never went */
    add(db, "at", real, "queued", NULL, T0 - HOUR, 100);        /* past the longest expiry */
    add(db, "at", "+447700900001", "queued", NULL, month, 100); /* a test number */
    add(db, "vonage", real, "queued", NULL, month, 100);        /* another channel */
    int64_t n = -1;
    assert_int_equal(approvals_channel_pending(db, "at", T0 / HOUR, month / HOUR, &n), 0);
    assert_int_equal(n, 1 + 2 + 3 + 4 + 5);
    /* Taken by a provider: no longer pending (the costs count it). */
    exec(db, "UPDATE messages SET status = 'sent', provider_id = 'q' WHERE status = 'queued'"
             " AND channel = 'at' AND segments = 2");
    assert_int_equal(approvals_channel_pending(db, "at", T0 / HOUR, month / HOUR, &n), 0);
    assert_int_equal(n, 13);
    exec(db, "UPDATE messages SET status = 'cancelled' WHERE status = 'held'");
    assert_int_equal(approvals_channel_pending(db, "at", T0 / HOUR, month / HOUR, &n), 0);
    assert_int_equal(n, 12);
    db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rebuild_keeps_rows_index_and_check),
        cmocka_unit_test(test_request_approve_reject_drop),
        cmocka_unit_test(test_channel_pending_counts_what_waits_to_cost),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
