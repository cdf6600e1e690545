/* test_member_search.c -- store/members' name search text: what staff
 * typed, folded into at most SEARCH_WORDS_MAX words holding a letter or a
 * digit (member_name_query), then spelled as each engine's full-text query
 * (member_name_match): FTS5's quoted prefixes for SQLite, exactly as the
 * search has always sent them, and to_tsquery's for PostgreSQL, quotes and
 * backslashes doubled so that no typed text is query syntax. The engine
 * is told by the connection alone (db_is_postgresql), so a connection
 * holding only a PostgreSQL handle's address stands for one here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/limits.h"
#include "store/db_sql.h"
#include "store/members.h"

static struct db sqlite_db = {.sq = NULL, .pg = NULL};
static char pg_handle; /* never read: its address marks the engine */
static struct db pg_db = {.sq = NULL, .pg = (struct db_pg *)&pg_handle};

static void test_query_folds_and_keeps_words(void **state)
{
    (void)state;
    char out[FOLDED_NAME_MAX];
    assert_int_equal(member_name_query("  HÉLÈNE   Œuv ", out, sizeof out), 0);
    assert_string_equal(out, "helene oeuv");
    assert_int_equal(member_name_query("O'Brien -- فاطمة", out, sizeof out), 0);
    assert_string_equal(out, "o'brien فاطمه");
    assert_int_equal(member_name_query("a b c d e f g h i j", out, sizeof out), 0);
    assert_string_equal(out, "a b c d e f g h"); /* SEARCH_WORDS_MAX */
    assert_int_equal(member_name_query(" -- !! ", out, sizeof out), -1);
    assert_int_equal(member_name_query("", out, sizeof out), -1);
    assert_int_equal(member_name_query("helene", out, 6), -1); /* no room for the NUL */
    assert_int_equal(member_name_query("helene", out, 7), 0);
}

static void test_sqlite_match_is_fts5(void **state)
{
    (void)state;
    char out[128];
    assert_int_equal(member_name_match(&sqlite_db, "helene oeuv", out, sizeof out), 0);
    assert_string_equal(out, "\"helene\"* \"oeuv\"*");
    assert_int_equal(member_name_match(&sqlite_db, "a\"b o'brien", out, sizeof out), 0);
    assert_string_equal(out, "\"a\"\"b\"* \"o'brien\"*");
}

static void test_postgresql_match_is_tsquery(void **state)
{
    (void)state;
    char out[128];
    assert_int_equal(member_name_match(&pg_db, "helene oeuv", out, sizeof out), 0);
    assert_string_equal(out, "'helene':* & 'oeuv':*");
    assert_int_equal(member_name_match(&pg_db, "o'brien a\\b x\"y", out, sizeof out), 0);
    assert_string_equal(out, "'o''brien':* & 'a\\\\b':* & 'x\"y':*");
    assert_int_equal(member_name_match(&pg_db, "فاطمه", out, sizeof out), 0);
    assert_string_equal(out, "'فاطمه':*");
}

static void test_match_refuses_nothing_and_overflow(void **state)
{
    (void)state;
    char out[128];
    assert_int_equal(member_name_match(&pg_db, "", out, sizeof out), -1);
    assert_int_equal(member_name_match(&sqlite_db, "   ", out, sizeof out), -1);
    /* Room for every byte doubled is asked, whatever the word holds. */
    assert_int_equal(member_name_match(&pg_db, "abcdefghij", out, 16), -1);
    assert_int_equal(member_name_match(&sqlite_db, "abcdefghij", out, 16), -1);
    assert_int_equal(member_name_match(&sqlite_db, "abcdefghij", out, 40), 0);
    assert_string_equal(out, "\"abcdefghij\"*");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query_folds_and_keeps_words),
        cmocka_unit_test(test_sqlite_match_is_fts5),
        cmocka_unit_test(test_postgresql_match_is_tsquery),
        cmocka_unit_test(test_match_refuses_nothing_and_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
