/* test_ussd_data.c -- what the menus read during one USSD step
 * (app/ussd_data): a member's grants are read from the database once a
 * step however often the menus ask (whether there are any, then the list:
 * issue 14), answered the same as a fresh read, read again in another
 * language or after the member was looked up again; the grant chosen from
 * that list found in it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "store/db_sql.h"
#include "app/ussd_data.h"
#include "store/db.h"
#include "../common/store_fixture.h"

static int grant_reads;

static int on_statement(unsigned type, void *ctx, void *p, void *x)
{
    (void)type, (void)ctx, (void)x;
    const char *sql = sqlite3_sql((sqlite3_stmt *)p);
    if (sql && strstr(sql, "FROM grants"))
        grant_reads++;
    return 0;
}

static struct db *open_db(void)
{
    struct db *db = memory_db();
    assert_int_equal(db_migrate(db), 0);
    exec(db, "INSERT INTO members (id, phone, language, registered_via, registered_at,"
             " created_at, updated_at) VALUES (1, '+212600000001', 'fr', 'ussd', 1, 1, 1);"
             "INSERT INTO grants (reference, member_id, programme, amount_mad, status, note_fr,"
             " note_en, created_at, updated_at) VALUES"
             " ('GR-2026-00001', 1, 'p', 100, 'approved', 'accordée', 'granted', 1, 20),"
             " ('GR-2026-00002', 1, 'p', 200, 'submitted', 'reçue', 'received', 1, 10);");
    sqlite3_trace_v2(db->sq, SQLITE_TRACE_STMT, on_statement, NULL);
    grant_reads = 0;
    return db;
}

static void test_grants_read_once_a_step(void **state)
{
    (void)state;
    struct db *db = open_db();
    struct member m = {.id = 1};
    struct ussd_reads r = {.db = db, .lang = "fr"};
    struct ussd_data data;
    ussd_data_bind(&r, &data);
    ussd_reads_member(&r, &m);

    struct ussd_grant one[1], all[USSD_LIST_MAX];
    assert_int_equal(data.grants(data.ctx, one, 1), 1); /* home: any? */
    assert_string_equal(one[0].reference, "GR-2026-00001");
    assert_int_equal(data.grants(data.ctx, all, USSD_LIST_MAX), 2); /* the list */
    assert_string_equal(all[0].reference, "GR-2026-00001");
    assert_string_equal(all[1].reference, "GR-2026-00002");
    assert_string_equal(all[1].note, "reçue");
    assert_int_equal(all[1].amount_mad, 200);
    assert_int_equal(grant_reads, 1);

    /* Another language: its notes, so read again. */
    r.lang = "en";
    assert_int_equal(data.grants(data.ctx, all, USSD_LIST_MAX), 2);
    assert_string_equal(all[0].note, "granted");
    assert_int_equal(grant_reads, 2);

    /* The member looked up again (after a write): read again, as it is now. */
    exec(db, "UPDATE grants SET updated_at = 30 WHERE reference = 'GR-2026-00002'");
    ussd_reads_member(&r, &m);
    assert_int_equal(data.grants(data.ctx, one, 1), 1);
    assert_string_equal(one[0].reference, "GR-2026-00002");
    assert_int_equal(grant_reads, 3);
    assert_false(r.db_failed);

    /* A caller who is no member has none, and nothing is read. */
    ussd_reads_member(&r, NULL);
    assert_int_equal(data.grants(data.ctx, all, USSD_LIST_MAX), 0);
    assert_int_equal(grant_reads, 3);
    db_close(db);
}

/* The grant chosen from the list this step read is found in it, with no
 * query; a reference that is none of every grant is none; before any list
 * was read, the query answers. */
static void test_grant_found_in_the_list_read(void **state)
{
    (void)state;
    struct db *db = open_db();
    struct member m = {.id = 1};
    struct ussd_reads r = {.db = db, .lang = "en"};
    struct ussd_data data;
    ussd_data_bind(&r, &data);
    ussd_reads_member(&r, &m);

    struct ussd_grant g, all[USSD_LIST_MAX];
    assert_int_equal(data.grant_find(data.ctx, "gr-2026-00002", &g), 1); /* no list yet */
    assert_string_equal(g.reference, "GR-2026-00002");
    assert_int_equal(grant_reads, 1);

    assert_int_equal(data.grants(data.ctx, all, USSD_LIST_MAX), 2);
    assert_int_equal(grant_reads, 2);
    memset(&g, 0, sizeof g);
    assert_int_equal(data.grant_find(data.ctx, "GR-2026-00002", &g), 1);
    assert_string_equal(g.reference, "GR-2026-00002");
    assert_string_equal(g.note, "received");
    assert_string_equal(g.status, "submitted");
    assert_int_equal(g.amount_mad, 200);
    assert_int_equal(data.grant_find(data.ctx, "202600001", &g), 1);
    assert_string_equal(g.reference, "GR-2026-00001");
    assert_int_equal(data.grant_find(data.ctx, "GR-2026-00009", &g), 0);
    assert_int_equal(data.grant_find(data.ctx, "", &g), 0);
    assert_int_equal(grant_reads, 2);

    /* In another language the list read does not answer. */
    r.lang = "fr";
    assert_int_equal(data.grant_find(data.ctx, "GR-2026-00002", &g), 1);
    assert_string_equal(g.note, "reçue");
    assert_int_equal(grant_reads, 3);
    assert_false(r.db_failed);
    db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grants_read_once_a_step),
        cmocka_unit_test(test_grant_found_in_the_list_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
