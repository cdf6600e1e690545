/* test_approvals_store.c -- the broadcasts table rebuilt for approvals
 * keeps every row, its index and its status check (with the new status);
 * the approval columns move as store/approvals says; a channel's pending
 * segments are what will cost and is not in its costs yet (held, queued,
 * sending; sent without a provider's id this month; the part of its
 * broadcasts still expanding not yet written, from the plan) and nothing
 * else. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "store/db_sql.h"
#include "store/approvals.h"
#include "store/db.h"
#include "store/migrations.h"
#include "../common/store_fixture.h"

#define HOUR 3600
#define T0 (1700000000 / HOUR * HOUR)

static int exec_rc(struct db *db, const char *sql)
{
    return sqlite3_exec(db->sq, sql, NULL, NULL, NULL);
}

static void test_rebuild_keeps_rows_index_and_check(void **state)
{
    (void)state;
    struct db *db = memory_db();
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
    struct db *db = memory_db();
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

static void add(struct db *db, const char *channel, const char *phone, const char *status,
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
    struct db *db = memory_db();
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

/* A broadcast row of status on channel with an expansion's plan and
 * progress (segments < 0: NULL, a row expanding from before the column). */
static void add_expansion(struct db *db, int id, const char *channel, const char *status,
                          long total, long queued, long segments)
{
    char sql[768], seg[24] = "NULL";
    if (segments >= 0)
        snprintf(seg, sizeof seg, "%ld", segments);
    snprintf(sql, sizeof sql,
             "INSERT INTO broadcasts (id, name, channel, audience, texts, status, created_by,"
             " created_at, updated_at, expand_after, expand_until, expand_total, expand_queued,"
             " expand_segments, expand_spec) VALUES (%d, 'n', '%s', '{}', '{}', '%s', 'amina', 1,"
             " 1, 0, 100, %ld, %ld, %s, '{}')",
             id, channel, status, total, queued, seg);
    exec(db, sql);
}

/* Two large sends cannot pass the budget together while the first is
 * written in chunks: the part of a broadcast still expanding that is not
 * yet written is pending, at the plan's segments per recipient (rounded
 * up); only 'expanding' broadcasts of the channel count. */
static void test_channel_pending_counts_what_expanding_broadcasts_will_write(void **state)
{
    (void)state;
    struct db *db = memory_db();
    assert_int_equal(db_migrate(db), 0);
    add(db, "at", "+212600000001", "queued", NULL, T0, 2);    /* written: 2 */
    add_expansion(db, 1, "at", "expanding", 600, 100, 1200);  /* 500 x 2 */
    add_expansion(db, 2, "at", "expanding", 3, 1, 4);         /* 2 x 4/3: 3 rounded up */
    add_expansion(db, 3, "at", "expanding", 10, 4, -1);       /* no plan: 1 each, 6 */
    add_expansion(db, 4, "at", "expanding", 10, 12, 10);      /* more written than planned */
    add_expansion(db, 5, "vonage", "expanding", 600, 0, 600); /* another channel */
    add_expansion(db, 6, "at", "started", 600, 600, 600);     /* written */
    add_expansion(db, 7, "at", "cancelled", 600, 50, 600);    /* stopped */
    int64_t n = -1;
    assert_int_equal(approvals_channel_pending(db, "at", T0 / HOUR, T0 / HOUR, &n), 0);
    assert_int_equal(n, 2 + 1000 + 3 + 6);
    /* A chunk written: its messages counted, the rest of the plan less. */
    exec(db, "UPDATE broadcasts SET expand_queued = 600, status = 'started' WHERE id = 1");
    assert_int_equal(approvals_channel_pending(db, "at", T0 / HOUR, T0 / HOUR, &n), 0);
    assert_int_equal(n, 2 + 3 + 6);
    assert_int_equal(approvals_channel_pending(db, "vonage", T0 / HOUR, T0 / HOUR, &n), 0);
    assert_int_equal(n, 600);
    db_close(db);
}

/* A broadcast expanding when the plan's segments column arrives gets its
 * texts' largest segment count per recipient (a personalised text, 0 in
 * the spec, counts 1). */
static void test_migration_plans_expanding_broadcasts(void **state)
{
    (void)state;
    struct db *db = memory_db();
    migrate_before(db, "ADD COLUMN expand_segments");
    static const char *const cols =
        "INSERT INTO broadcasts (id, name, channel, audience, texts, status, created_by,"
        " created_at, updated_at, expand_total, expand_queued, expand_spec) VALUES ";
    char sql[1024];
    snprintf(sql, sizeof sql,
             "%s (1, 'n', 'at', '{}', '{}', 'expanding', 'a', 1, 1, 10, 0,"
             " '{\"texts\":[{\"segments\":2},{\"segments\":3}]}'),"
             " (2, 'n', 'at', '{}', '{}', 'expanding', 'a', 1, 1, 10, 0,"
             " '{\"texts\":[{\"segments\":0}]}'),"
             " (3, 'n', 'at', '{}', '{}', 'started', 'a', 1, 1, 10, 10,"
             " '{\"texts\":[{\"segments\":2}]}')",
             cols);
    exec(db, sql);
    assert_int_equal(db_migrate(db), 0);
    assert_int_equal(scalar(db, "SELECT expand_segments FROM broadcasts WHERE id = 1"), 30);
    assert_int_equal(scalar(db, "SELECT expand_segments FROM broadcasts WHERE id = 2"), 10);
    assert_int_equal(scalar(db, "SELECT expand_segments IS NULL FROM broadcasts WHERE id = 3"), 1);
    db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rebuild_keeps_rows_index_and_check),
        cmocka_unit_test(test_request_approve_reject_drop),
        cmocka_unit_test(test_channel_pending_counts_what_waits_to_cost),
        cmocka_unit_test(test_channel_pending_counts_what_expanding_broadcasts_will_write),
        cmocka_unit_test(test_migration_plans_expanding_broadcasts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
