/* test_broadcast_expand.c -- one chunk of a broadcast's expansion
 * (app/broadcast_expand) on a migrated database: with a time budget its
 * span is written in EXPAND_CHUNK_SLICES statements and it stops after the
 * one that takes the hold past the budget (a budget already spent: after
 * the first), its cursor where it stopped; without one the whole span;
 * over the chunks every member gets one message, over member ids with a
 * gap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "app/broadcast_expand.h"
#include "core/limits.h"
#include "store/broadcasts.h"
#include "store/db.h"
#include "sys/log.h"
#include "../common/store_fixture.h"

#define MEMBERS 100

/* MEMBERS members with consent, ids 1..MEMBERS but for 41..50 (deleted),
 * and broadcast 1 to all of them expanding. */
static struct db *expanding(void)
{
    struct db *db = memory_db();
    assert_int_equal(db_migrate(db), 0);
    for (int i = 1; i <= MEMBERS; i++) {
        char sql[400];
        snprintf(sql, sizeof sql,
                 "INSERT INTO members (id, phone, name, language, consent_at, consent_channel,"
                 " registered_via, registered_at, created_at, updated_at) VALUES (%d,"
                 " '+2126%08d', 'Membre', 'fr', 1, 'ussd', 'ussd', 1, 1, 1)",
                 i, 40000000 + i);
        exec(db, sql);
    }
    exec(db, "DELETE FROM members WHERE id BETWEEN 41 AND 50");
    char audience[] = "{}", texts[] = "{}";
    struct broadcast_record r = {.name = "national",
                                 .channel = "sandbox",
                                 .created_by = "t",
                                 .audience = audience,
                                 .texts = texts};
    int64_t id = 0;
    assert_int_equal(broadcasts_insert(db, &r, 1, &id), 0);
    assert_int_equal(id, 1);
    struct broadcast_text t = {
        .language = "fr", .body = "Taawun", .encoding = "gsm7", .segments = 1};
    char *spec = broadcast_expand_spec(&t, 1, 0, false, 0, 2026);
    assert_non_null(spec);
    assert_int_equal(
        broadcasts_expand_begin(db, 1, "draft", spec, MEMBERS - 10, MEMBERS - 10, 1, 1), 1);
    free(spec);
    return db;
}

static void test_budget_spent_stops_after_the_first_slice(void **state)
{
    (void)state;
    struct db *db = expanding();
    struct broadcast_chunk c;
    /* 1e-9 ms: spent once the first slice is written */
    assert_int_equal(broadcast_expand_chunk(db, 1, 40, 1e-9, &c), 0);
    assert_int_equal(c.covered, 40 / EXPAND_CHUNK_SLICES);
    assert_int_equal(c.after, 40 / EXPAND_CHUNK_SLICES);
    assert_int_equal(c.written, 40 / EXPAND_CHUNK_SLICES);
    assert_false(c.done);
    assert_int_equal(scalar(db, "SELECT expand_after FROM broadcasts WHERE id = 1"), c.after);
    /* a budget not spent: the whole span, in slices */
    assert_int_equal(broadcast_expand_chunk(db, 1, 40, 1e6, &c), 0);
    assert_int_equal(c.covered, 40);
    assert_int_equal(c.after, 50);
    assert_int_equal(c.written, 30); /* ids 11..40; 41..50 are gone */
    /* no budget: one statement, to the end */
    assert_int_equal(broadcast_expand_chunk(db, 1, 1000, 0, &c), 0);
    assert_int_equal(c.covered, MEMBERS - 50);
    assert_true(c.done);
    assert_int_equal(c.queued, MEMBERS - 10);
    assert_int_equal(
        scalar(db, "SELECT count(DISTINCT phone) FROM messages WHERE broadcast_id = 1"),
        MEMBERS - 10);
    assert_int_equal(scalar(db, "SELECT count(*) FROM messages WHERE broadcast_id = 1"),
                     MEMBERS - 10);
    assert_int_equal(scalar(db, "SELECT status = 'started' FROM broadcasts WHERE id = 1"), 1);
    db_close(db);
}

static void test_spent_budget_still_advances_a_short_span(void **state)
{
    (void)state;
    struct db *db = expanding();
    struct broadcast_chunk c;
    /* a span under EXPAND_CHUNK_SLICES ids: a slice of one id at least */
    assert_int_equal(broadcast_expand_chunk(db, 1, 2, 1e-9, &c), 0);
    assert_int_equal(c.covered, 1);
    assert_int_equal(c.written, 1);
    db_close(db);
}

int main(void)
{
    log_set_level(LOG_WARN); /* no line per migration */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_budget_spent_stops_after_the_first_slice),
        cmocka_unit_test(test_spent_budget_still_advances_a_short_span),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
