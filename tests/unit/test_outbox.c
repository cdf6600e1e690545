/* test_outbox.c -- the pure rules of the outbox and of inbound SMS: the
 * send gate (store/messages), the language a reply is written in
 * (app/inbound), and the migrations' outbox behaviour on an in-memory
 * database: claim, settle, retry, crash reconciliation, inbound replays and
 * multipart assembly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "store/db_sql.h"
#include "app/inbound.h"
#include "store/db.h"
#include "store/messages.h"

struct gate_case {
    const char *kind;
    const char *topic;
    int64_t erased_at, opted_out_at;
    int topic_enabled;
    const char *want; /* NULL: may go */
};

static const struct gate_case gate_cases[] = {
    {"receipt", NULL, 0, 0, -1, NULL},
    {"receipt", NULL, 5, 0, -1, "erased"},
    {"reply", NULL, 0, 5, -1, "opted_out"},
    {"notification", "events", 0, 5, 1, "opted_out"},
    {"notification", "events", 0, 0, 0, "topic_opted_out"},
    {"notification", "events", 0, 0, 1, NULL},
    {"notification", "events", 0, 0, -1, NULL},
    {"notification", NULL, 0, 0, 0, NULL},
    {"stop_confirmation", NULL, 0, 5, -1, NULL},
    {"stop_confirmation", "events", 0, 5, 0, NULL},
    /* STOP (and a confirmed ERASE) is always acknowledged, even erased. */
    {"stop_confirmation", NULL, 5, 5, -1, NULL},
    /* The registration exchange a phone started passes its opt-out. */
    {"registration", NULL, 5, 5, -1, NULL},
    {"registration", NULL, 0, 5, -1, NULL},
    {"reply", NULL, 5, 5, -1, "erased"},
};

struct consent_case {
    const char *kind;
    bool suppressed, member_known;
    int64_t consent_at;
    const char *want;  /* NULL: may go */
    const char *state; /* members.consent_state, NULL: no record */
};

static const struct consent_case consent_cases[] = {
    {"broadcast", false, true, 0, "no_consent", NULL},
    {"reminder", false, true, 0, "no_consent", NULL},
    {"notification", false, true, 0, "no_consent", NULL},
    {"broadcast", false, true, 7, NULL, NULL},
    {"notification", false, false, 0, NULL, NULL}, /* a cooperative's contact phone */
    {"reply", false, true, 0, NULL, NULL},         /* a member's own request */
    {"receipt", false, true, 0, NULL, NULL},
    {"reply", true, false, 0, "phone_suppressed", NULL},
    {"broadcast", true, true, 7, "phone_suppressed", NULL},
    {"stop_confirmation", true, false, 0, NULL, NULL},
    {"registration", true, false, 0, NULL, NULL},
    /* Registered by their cooperative's contact: the consent question
     * while pending, then nothing but answers to what the phone sent. */
    {"consent_request", false, true, 0, NULL, "pending"},
    {"consent_request", false, true, 9, "consent_answered", "given"},
    {"consent_request", false, true, 0, "consent_answered", "refused"},
    {"consent_request", false, false, 0, "consent_answered", NULL},
    {"broadcast", false, true, 0, "no_consent", "pending"},
    {"notification", false, true, 0, "no_consent", "pending"},
    {"reminder", false, true, 0, "no_consent", "refused"},
    {"receipt", false, true, 0, "no_consent", "pending"},
    {"receipt", false, true, 0, "no_consent", "refused"},
    {"reply", false, true, 0, NULL, "pending"},
    {"stop_confirmation", false, true, 0, NULL, "refused"},
    {"consent_request", true, true, 0, "phone_suppressed", "pending"},
    {"broadcast", false, true, 9, NULL, "given"},
    {"receipt", false, true, 9, NULL, "given"},
};

static void test_gate_consent_rule(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof consent_cases / sizeof consent_cases[0]; i++) {
        const struct consent_case *c = &consent_cases[i];
        const char *got = message_gate_consent_rule(c->kind, c->suppressed, c->member_known,
                                                    c->consent_at, c->state);
        if (!c->want)
            assert_null(got);
        else
            assert_string_equal(got, c->want);
    }
}

static void test_gate_rule(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof gate_cases / sizeof gate_cases[0]; i++) {
        const struct gate_case *c = &gate_cases[i];
        const char *got =
            message_gate_rule(c->kind, c->topic, c->erased_at, c->opted_out_at, c->topic_enabled);
        if (!c->want)
            assert_null(got);
        else
            assert_string_equal(got, c->want);
    }
}

struct move_case {
    const char *from, *to;
    bool ok;
};

static const struct move_case move_cases[] = {
    {"queued", "sending", true},    {"queued", "sent", true}, /* the sandbox */
    {"queued", "suppressed", true}, {"queued", "expired", true},
    {"queued", "held", true},       {"held", "queued", true},
    {"held", "cancelled", true},    {"sending", "sent", true},
    {"sending", "queued", true},    {"sending", "failed", true},
    {"sending", "delivered", true}, {"sent", "delivered", true},
    {"sent", "failed", true},       {"sent", "queued", false},
    {"sending", "sending", false},  {"queued", "delivered", false},
    {"delivered", "failed", false}, {"failed", "queued", false},
    {"expired", "queued", false},   {"suppressed", "sending", false},
    {"cancelled", "queued", false}, {"held", "sending", false},
    {NULL, "queued", false},        {"queued", NULL, false},
};

static void test_outbox_moves(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof move_cases / sizeof move_cases[0]; i++) {
        const struct move_case *c = &move_cases[i];
        if (outbox_move_ok(c->from, c->to) != c->ok)
            fail_msg("%s -> %s: want %s", c->from ? c->from : "NULL", c->to ? c->to : "NULL",
                     c->ok ? "allowed" : "refused");
    }
}

static void test_reply_language(void **state)
{
    (void)state;
    struct member m;
    memset(&m, 0, sizeof m);
    strcpy(m.language, "en");
    assert_string_equal(inbound_language(&m, "مرحبا", strlen("مرحبا")), "en");
    m.erased_at = 1;
    assert_string_equal(inbound_language(&m, "مرحبا", strlen("مرحبا")), "ar");
    assert_string_equal(inbound_language(NULL, "Bonjour", 7), "fr");
    assert_string_equal(inbound_language(NULL, "info 123 مساعدة", strlen("info 123 مساعدة")), "ar");
    assert_string_equal(inbound_language(NULL, "", 0), "fr");
    /* Arabic-Indic digits alone are not letters. */
    assert_string_equal(inbound_language(NULL, "\xd9\xa1\xd9\xa2", 4), "fr");
}

static struct db *memory_db(void)
{
    struct db_options opt = {.path = ":memory:", .busy_timeout_ms = 1000};
    struct db *db = db_open(&opt);
    assert_non_null(db);
    assert_int_equal(db_migrate(db), 0);
    return db;
}

static int64_t queue(struct db *db, const char *phone)
{
    struct message_new m = {
        .channel = "sandbox", .phone = phone, .kind = "notification", .body = "hello"};
    int64_t id = 0;
    assert_int_equal(message_queue(db, &m, &id), 0);
    return id;
}

static void test_claim_retry_and_reconcile(void **state)
{
    (void)state;
    struct db *db = memory_db();
    int64_t a = queue(db, "+212600000001");
    int64_t b = queue(db, "+212600000002");
    int64_t now = db_now();
    struct outbox_row rows[4];
    int n = outbox_due(db, "sandbox", now, rows, 4);
    assert_int_equal(n, 2);
    assert_int_equal(rows[0].id, a);
    assert_null(rows[0].blocked);
    assert_string_equal(rows[0].body, "hello");
    assert_int_equal(outbox_mark_sending(db, a, now), 0);
    assert_int_equal(outbox_mark_sending(db, b, now), 0);
    outbox_rows_free(rows, (size_t)n);
    assert_int_equal(outbox_due(db, "sandbox", now, rows, 4), 0);
    /* a: retry later; b: left 'sending' by a "crash". */
    assert_int_equal(outbox_requeue(db, a, now + 60, "HTTP 500", now), 0);
    assert_int_equal(outbox_due(db, "sandbox", now, rows, 4), 0);
    n = outbox_due(db, "sandbox", now + 60, rows, 4);
    assert_int_equal(n, 1);
    assert_int_equal(rows[0].attempts, 1);
    outbox_rows_free(rows, (size_t)n);
    int requeued, failed;
    assert_int_equal(outbox_reconcile_after_crash(db, now, &requeued, &failed), 0);
    assert_int_equal(requeued, 1);
    assert_int_equal(failed, 0);
    assert_int_equal(outbox_mark_sending(db, b, now), 0);
    assert_int_equal(outbox_reconcile_after_crash(db, now, &requeued, &failed), 0);
    assert_int_equal(requeued, 0);
    assert_int_equal(failed, 1);
    db_close(db);
}

/* Counts the virtual machine's steps (one per progress-handler call). */
static int count_steps(void *arg)
{
    (*(long *)arg)++;
    return 0;
}

/* The expiry sweep runs every second under the write lock: its cost is that
 * of the expired messages, not of the whole queue. */
static void test_expiry_sweep_reads_only_expired(void **state)
{
    (void)state;
    struct db *db = memory_db();
    int64_t now = db_now();
    assert_int_equal(sqlite3_exec(db->sq,
                                  "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k"
                                  " WHERE i < 20000) INSERT INTO messages (channel, direction,"
                                  " phone, kind, body, encoding, segments, status, created_at,"
                                  " updated_at) SELECT 'sandbox', 'out', '+212600000001',"
                                  " 'broadcast', 'hello', 'gsm7', 1, 'queued',"
                                  " strftime('%s', 'now'), 0 FROM k",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    int64_t old = queue(db, "+212600000002");
    assert_int_equal(
        sqlite3_exec(db->sq,
                     "UPDATE messages SET created_at = created_at - 7200 WHERE id = (SELECT"
                     " max(id) FROM messages)",
                     NULL, NULL, NULL),
        SQLITE_OK);
    long steps = 0;
    sqlite3_progress_handler(db->sq, 100, count_steps, &steps);
    assert_int_equal(outbox_expire(db, "sandbox", now - 3600, now), 1);
    sqlite3_progress_handler(db->sq, 0, NULL, NULL);
    /* A scan of the 20,000 queued messages takes thousands of calls. */
    assert_true(steps < 50);
    struct outbox_row rows[1];
    int n = outbox_due(db, "sandbox", now, rows, 1);
    assert_int_equal(n, 1);
    assert_true(rows[0].id != old);
    outbox_rows_free(rows, (size_t)n);
    db_close(db);
}

static void test_inbound_replays_and_parts(void **state)
{
    (void)state;
    struct db *db = memory_db();
    int64_t now = db_now(), id = 0;
    struct message_in in = {
        .channel = "at", .phone = "+212600000003", .body = "salut", .provider_id = "X1"};
    assert_int_equal(message_store_inbound(db, &in, now, &id), 1);
    assert_int_equal(message_store_inbound(db, &in, now, &id), 0);
    in.provider_id = NULL;
    assert_int_equal(message_store_inbound(db, &in, now, &id), 1);
    assert_int_equal(message_store_inbound(db, &in, now + 60, &id), 0);
    assert_int_equal(message_store_inbound(db, &in, now + MESSAGE_DEDUP_WINDOW_S + 1, &id), 1);
    char *joined = NULL;
    assert_int_equal(
        message_part_add(db, "vg", "+212600000003", "r1", 2, 2, "p2", " world", now, &joined), 0);
    assert_null(joined);
    assert_int_equal(
        message_part_add(db, "vg", "+212600000003", "r1", 2, 2, "p2", " world", now, &joined), 0);
    assert_int_equal(
        message_part_add(db, "vg", "+212600000003", "r1", 1, 2, "p1", "hello", now, &joined), 1);
    assert_string_equal(joined, "hello world");
    free(joined);
    db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gate_rule),
        cmocka_unit_test(test_gate_consent_rule),
        cmocka_unit_test(test_outbox_moves),
        cmocka_unit_test(test_reply_language),
        cmocka_unit_test(test_claim_retry_and_reconcile),
        cmocka_unit_test(test_expiry_sweep_reads_only_expired),
        cmocka_unit_test(test_inbound_replays_and_parts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
