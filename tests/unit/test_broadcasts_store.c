/* test_broadcasts_store.c -- the broadcast side of the store on both
 * engines, on a migrated database: a personalised expansion writes the same
 * rows on SQLite (one INSERT ... SELECT, store/db's sms_segments()) and on
 * PostgreSQL (each message made and measured in C, store/broadcasts_pg):
 * the text by language, {name} or the fallback (a GSM-7 text never takes a
 * UCS-2 name), {member_no}, each body's own segments, a plain text's the
 * plan's; listed by status and due; the audience filtered through JSON lists; the names grouped and
 * measured alike (longest by units, then bytes); templates and recurrences
 * listed with and without the archived or deleted ones; a "day before" rule's
 * events filtered by province; audit rows filtered. SQLite in memory first,
 * then a new database on the test run's PostgreSQL cluster
 * (tests/common/pg_fixture.h; each test skipped, counted, without one). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "store/audit.h"
#include "store/broadcasts.h"
#include "store/db.h"
#include "store/recurrences.h"
#include "store/templates.h"
#include "sys/log.h"
#include "../common/pg_fixture.h"
#include "../common/store_fixture.h"

static struct db *db;

static const char members_sql[] =
    "INSERT INTO members (id, phone, name, language, province, consent_at, consent_channel,"
    " registered_via, registered_at, created_at, updated_at) VALUES"
    " (1, '+212600000101', 'Hélène Dupont', 'fr', 'nador', 1, 'ussd', 'ussd', 1, 1, 1),"
    " (2, '+212600000102', 'فاطمة', 'fr', 'nador', 1, 'ussd', 'ussd', 1, 1, 1),"
    " (3, '+212600000103', NULL, 'fr', 'nador', 1, 'ussd', 'ussd', 1, 1, 1),"
    " (4, '+212600000104', 'عائشة', 'ar', 'nador', 1, 'ussd', 'ussd', 1, 1, 1),"
    " (5, '+212600000105', 'Nadia', 'ar', 'oujda-angad', 1, 'ussd', 'ussd', 1, 1, 1),"
    " (6, '+212600000106', 'Abc', 'en', 'nador', 1, 'ussd', 'ussd', 1, 1, 1),"
    " (7, '+212600000107', 'Abd', 'en', 'nador', 1, 'ussd', 'ussd', 1, 1, 1),"
    " (8, '+212600000108', 'Zed', 'fr', 'nador', NULL, NULL, 'ussd', 1, 1, 1)";

static void fill(void)
{
    assert_int_equal(db_migrate(db), 0);
    exec(db, members_sql);
}

static int setup(void **state)
{
    (void)state;
    log_set_level(LOG_WARN); /* no line per migration */
    db = memory_db();
    fill();
    return 0;
}

/* Each test on a new PostgreSQL database (none when the run has no
 * cluster: the test skips, counted, at its start). */
static int setup_pg(void **state)
{
    (void)state;
    if (!pg_test_conninfo())
        return 0;
    struct db_options opt = {.engine = DB_ENGINE_POSTGRESQL, .busy_timeout_ms = 1000};
    pg_fresh_database(opt.conninfo, sizeof opt.conninfo);
    db = db_open(&opt);
    assert_non_null(db);
    fill();
    return 0;
}

/* The test's database is there (SQLite's always is), else it skips. */
static void need_db(void)
{
    if (!db)
        pg_skip_unless_available();
}

static int teardown(void **state)
{
    (void)state;
    db_close(db);
    db = NULL;
    return 0;
}

#define X150                                                                                       \
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" \
    "x"                                                                                            \
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"

static void test_personalised_expansion(void **state)
{
    (void)state;
    need_db();
    exec(db, "INSERT INTO broadcasts (id, name, channel, audience, texts, status, created_by,"
             " created_at, updated_at) VALUES (1, 'b', 'sandbox', '{}', '{}', 'draft', 't', 1, 1)");
    /* 150 x: 157 septets with "Hélène Dupont" cut to "membre", 164 with it. */
    const struct broadcast_text texts[] = {
        {.language = "fr", .body = "{name}:" X150, .encoding = "gsm7", .name_fallback = "membre"},
        {.language = "ar",
         .body = "مرحبا {name} {member_no}",
         .encoding = "ucs2",
         .name_fallback = "عضو"},
    };
    const struct broadcast_text plain = {
        .language = "ar", .body = "plain", .encoding = "gsm7", .segments = 3};
    struct broadcast_audience a = {.provinces = "[\"nador\",\"oujda-angad\"]", .year = 2026};
    int64_t n = -1;
    assert_int_equal(broadcasts_expand(db, 1, &a, "sandbox", texts, 2, &plain, 5, 0, 100, &n), 0);
    assert_int_equal(n, 7); /* 8 has not consented */
    static const struct {
        int64_t member;
        const char *body, *encoding;
        int64_t segments;
    } want[] = {
        {1, "Hélène Dupont:" X150, "gsm7", 2},
        {2, "membre:" X150, "gsm7", 1}, /* a UCS-2 name in a GSM-7 text */
        {3, "membre:" X150, "gsm7", 1},
        {4, "مرحبا عائشة TA-000004", "ucs2", 1},
        {5, "مرحبا Nadia TA-000005", "ucs2", 1}, /* kept: the text is UCS-2 */
        {6, "plain", "gsm7", 3},                 /* the fallback, never measured */
        {7, "plain", "gsm7", 3},
    };
    struct db_stmt *st = db_stmt(db, "SELECT member_id, body, encoding, segments, status,"
                                     " next_attempt_at, kind FROM messages ORDER BY id");
    assert_non_null(st);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        assert_int_equal(db_step(st), DB_ROW);
        assert_int_equal(db_col_i64(st, 0), want[i].member);
        assert_string_equal(db_col_text(st, 1), want[i].body);
        assert_string_equal(db_col_text(st, 2), want[i].encoding);
        assert_int_equal(db_col_i64(st, 3), want[i].segments);
        assert_string_equal(db_col_text(st, 4), "queued");
        assert_int_equal(db_col_i64(st, 5), 100);
        assert_string_equal(db_col_text(st, 6), "broadcast");
    }
    assert_int_equal(db_step(st), DB_DONE);
    db_stmt_done(st);
    /* A range of member ids, held: only those. */
    exec(db, "DELETE FROM messages");
    assert_int_equal(
        broadcasts_expand_range(db, 1, &a, "sandbox", texts, 2, &plain, 5, 1, 100, 1, 4, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(scalar(db, "SELECT count(*) FROM messages WHERE status = 'held'"
                                " AND next_attempt_at IS NULL AND member_id BETWEEN 2 AND 4"),
                     3);
    struct broadcast_record list[2];
    int64_t total = -1;
    assert_int_equal(broadcasts_set_status(db, 1, "draft", "scheduled", 300, 0, 200), 1);
    assert_int_equal(broadcasts_list(db, NULL, 0, 2, list, &total), 1);
    assert_int_equal(total, 1);
    assert_int_equal(list[0].scheduled_at, 300);
    broadcast_record_clear(&list[0]);
    assert_int_equal(broadcasts_list(db, "draft", 0, 2, list, &total), 0);
    assert_int_equal(total, 0);
    int64_t due[2];
    assert_int_equal(broadcasts_due(db, 299, due, 2), 0);
    assert_int_equal(broadcasts_due(db, 300, due, 2), 1);
    struct broadcast_progress p;
    assert_int_equal(broadcasts_progress(db, 1, &p), 0);
    assert_int_equal(p.held, 3);
    assert_int_equal(broadcasts_cancel_messages(db, 1, "stop", 200), 3);
}

/* More members than one INSERT carries on PostgreSQL, with names that an
 * array literal must quote ('"', '\', ',', braces, "NULL"): each gets one
 * message, in id order, with their name exactly. */
static void test_expansion_in_batches_keeps_every_name(void **state)
{
    (void)state;
    need_db();
    exec(db, "DELETE FROM members");
    exec(db, "INSERT INTO broadcasts (id, name, channel, audience, texts, status, created_by,"
             " created_at, updated_at) VALUES (1, 'b', 'sandbox', '{}', '{}', 'draft', 't', 1, 1)");
    static const char *const odd[] = {"Sa\"id", "back\\slash", "a,b", "{x}", "NULL", " sp "};
    const int n_members = 1100;
    assert_int_equal(db_begin(db), 0);
    for (int i = 1; i <= n_members; i++) {
        char sql[512];
        snprintf(sql, sizeof sql,
                 "INSERT INTO members (id, phone, name, language, province, consent_at,"
                 " consent_channel, registered_via, registered_at, created_at, updated_at)"
                 " VALUES (%d, '+2126%08d', ?1, 'fr', 'nador', 1, 'ussd', 'ussd', 1, 1, 1)",
                 i, i);
        struct db_stmt *st = db_stmt(db, sql);
        char name[32];
        snprintf(name, sizeof name, "%s %d", odd[i % 6], i);
        db_bind_text(st, 1, name);
        assert_int_equal(db_step(st), DB_DONE);
        db_stmt_done(st);
    }
    assert_int_equal(db_commit(db), 0);
    const struct broadcast_text fr = {
        .language = "fr", .body = "{name}", .encoding = "gsm7", .name_fallback = "membre"};
    struct broadcast_audience a = {.provinces = "[\"nador\"]", .year = 2026};
    int64_t n = -1;
    assert_int_equal(broadcasts_expand(db, 1, &a, "sandbox", &fr, 1, &fr, 5, 0, 100, &n), 0);
    assert_int_equal(n, n_members);
    struct db_stmt *st = db_stmt(db, "SELECT member_id, body FROM messages ORDER BY id");
    for (int i = 1; i <= n_members; i++) {
        char name[32];
        snprintf(name, sizeof name, "%s %d", odd[i % 6], i);
        assert_int_equal(db_step(st), DB_ROW);
        assert_int_equal(db_col_i64(st, 0), i);
        assert_string_equal(db_col_text(st, 1), name);
    }
    assert_int_equal(db_step(st), DB_DONE);
    db_stmt_done(st);
}

struct groups {
    char seen[8][80];
    size_t n;
};

static void group(const struct broadcast_names *g, void *ctx)
{
    struct groups *gs = ctx;
    assert_true(gs->n < 8);
    snprintf(gs->seen[gs->n++], sizeof gs->seen[0], "%s/%d/%lld/%lld/%s", g->language,
             (int)g->name_class, (long long)g->count, (long long)g->max_id, g->longest);
}

static void count(const char *language, int64_t c, void *ctx)
{
    struct groups *gs = ctx;
    snprintf(gs->seen[gs->n++], sizeof gs->seen[0], "%s/%lld", language, (long long)c);
}

static void test_audience_names_and_counts(void **state)
{
    (void)state;
    need_db();
    struct broadcast_audience a = {.year = 2026};
    struct groups gs = {0};
    assert_int_equal(broadcasts_audience_names(db, &a, group, &gs), 0);
    static const char *const want[] = {
        "ar/1/1/4/عائشة",
        "ar/0/1/5/Nadia",
        "en/0/2/7/Abd", /* same units: the greater bytes */
        "fr/0/1/1/Hélène Dupont",
        "fr/1/1/2/فاطمة",
        "fr/2/1/3/",
    };
    assert_int_equal(gs.n, 6);
    for (size_t i = 0; i < 6; i++) { /* by language; classes in any order within one */
        bool found = false;
        for (size_t j = 0; j < gs.n; j++)
            found |= strcmp(gs.seen[j], want[i]) == 0;
        assert_true(found);
    }
    struct broadcast_audience b = {.languages = "[\"fr\"]",
                                   .phones = "[\"+212600000101\","
                                             "\"+212600000104\"]",
                                   .year = 2026};
    memset(&gs, 0, sizeof gs);
    assert_int_equal(broadcasts_audience_count(db, &b, count, &gs), 0);
    assert_int_equal(gs.n, 1);
    assert_string_equal(gs.seen[0], "fr/1");
    int64_t unknown = -1;
    assert_int_equal(broadcasts_phones_unknown(db, "[\"+212600000101\",\"+1555\"]", &unknown), 0);
    assert_int_equal(unknown, 1);
}

static void test_templates_recurrences_and_audit(void **state)
{
    (void)state;
    need_db();
    struct template_record t = {.name = "Invitation", .created_by = "t", .texts = "{}"};
    int64_t id = 0;
    assert_int_equal(templates_insert(db, &t, 1, &t.id), TEMPLATE_WRITE_OK);
    assert_int_equal(templates_insert(db, &t, 1, &id), TEMPLATE_WRITE_NAME_TAKEN);
    assert_int_equal(templates_update(db, &t, true, 2), TEMPLATE_WRITE_OK);
    struct template_record rows[2];
    int64_t total = -1;
    assert_int_equal(templates_list(db, false, 0, 2, rows, &total), 0);
    assert_int_equal(total, 0);
    assert_int_equal(templates_list(db, true, 0, 2, rows, &total), 1);
    assert_int_equal(rows[0].archived_at, 2);
    template_record_clear(&rows[0]);

    exec(db, "INSERT INTO broadcasts (id, name, channel, audience, texts, status, created_by,"
             " created_at, updated_at) VALUES (9, 'w', 'sandbox', '{}', '{}', 'draft', 't', 1, 1)");
    struct recurrence_record r = {.broadcast_id = 9,
                                  .kind = "event_eve",
                                  .minute = 600,
                                  .starts_at = 1,
                                  .status = "active",
                                  .created_by = "t",
                                  .event_filter = "{\"provinces\":[\"nador\"]}"};
    assert_int_equal(recurrences_insert(db, &r, 1, &r.id), 0);
    struct recurrence_record list[2];
    assert_int_equal(recurrences_list(db, 9, 0, 0, 2, list, &total), 1);
    snprintf(r.status, sizeof r.status, "deleted");
    assert_int_equal(recurrences_update(db, &r, 2), 1);
    assert_int_equal(recurrences_list(db, 9, 0, 0, 2, list, &total), 0);
    assert_int_equal(recurrences_list(db, 9, 1, 0, 2, list, &total), 1);
    exec(db, "INSERT INTO events (id, code, kind, title_fr, starts_at, place, province, status,"
             " created_at, updated_at) VALUES (1, 'E1', 'workshop', 'Salon', 500, 'x', 'nador',"
             " 'scheduled', 1, 1), (2, 'E2', 'workshop', 'Foire', 600, 'y', 'oujda-angad',"
             " 'scheduled', 1, 1)");
    struct recurrence_event ev[3];
    assert_int_equal(recurrences_events(db, r.event_filter, r.id, 0, 1000, ev, 3), 1);
    assert_string_equal(ev[0].code, "E1");
    assert_int_equal(recurrences_events(db, "{\"provinces\":null}", r.id, 0, 1000, ev, 3), 2);
    assert_int_equal(recurrences_events(db, "", r.id, 0, 1000, ev, 3), 2);

    struct audit_actor who = {.who = "amina", .role = "staff", .client = "127.0.0.0/24"};
    assert_int_equal(audit_write(db, &who, "template.create", "template", "1", NULL), 0);
    assert_int_equal(audit_write(db, &who, "broadcast.send", "broadcast", "9", "{\"n\":1}"), 0);
    struct audit_filter f = {.object_type = "broadcast"};
    struct audit_row out[3];
    assert_int_equal(audit_list(db, &f, 3, 0, out, &total), 1);
    assert_int_equal(total, 1);
    assert_string_equal(out[0].action, "broadcast.send");
    assert_string_equal(out[0].summary, "{\"n\":1}");
    audit_rows_free(out, 1);
}

int main(void)
{
    const struct CMUnitTest sqlite[] = {
        cmocka_unit_test_setup_teardown(test_personalised_expansion, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expansion_in_batches_keeps_every_name, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_audience_names_and_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_templates_recurrences_and_audit, setup, teardown),
    };
    const struct CMUnitTest pg[] = {
        cmocka_unit_test_setup_teardown(test_personalised_expansion, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_expansion_in_batches_keeps_every_name, setup_pg,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_audience_names_and_counts, setup_pg, teardown),
        cmocka_unit_test_setup_teardown(test_templates_recurrences_and_audit, setup_pg, teardown),
    };
    int failed = cmocka_run_group_tests_name("sqlite", sqlite, NULL, NULL);
    return failed + cmocka_run_group_tests_name("postgresql", pg, NULL, NULL);
}
