/* test_table.c -- an export's table (sys/table) written the same way as
 * CSV or .xlsx: the exact CSV bytes of every kind of cell (times in the
 * process's zone), CSV read out while it is written within its bound (an
 * export of any length in constant memory), the whole CSV of a small
 * export, and a workbook that takes exactly the rows a sheet holds and
 * says so on the next one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sys/table.h"
#include "sys/xlsx.h"

static const char *const header[] = {"member_no", "year", "attempts", "cost", "sent_at"};

/* One row of every kind of cell. */
static int row(struct table *t, const char *no, int64_t attempts, int64_t sent_at)
{
    table_text(t, no);
    table_numeral(t, "1985");
    table_int(t, attempts);
    table_real(t, 0.25, 4);
    table_time(t, sent_at);
    return table_end_row(t);
}

static void test_csv_cells(void **state)
{
    (void)state;
    struct table *t = table_new(&(struct table_form){.sep = ';', .csv_max = 4096}, header, 5);
    assert_non_null(t);
    /* 2026-12-07 09:05 UTC is 10:05 at UTC+1 */
    assert_int_equal(row(t, "TA-000012", 2, 1796634300), 0);
    assert_int_equal(row(t, "=1+1", -3, 0), 0);
    size_t len;
    const char *csv = table_csv(t, &len);
    const char want[] = "\xEF\xBB\xBF"
                        "\"member_no\";\"year\";\"attempts\";\"cost\";\"sent_at\"\r\n"
                        "\"TA-000012\";\"1985\";\"2\";\"0.2500\";\"2026-12-07 10:05\"\r\n"
                        "\"'=1+1\";\"1985\";\"-3\";\"0.2500\";\"\"\r\n";
    assert_int_equal(len, sizeof want - 1);
    assert_memory_equal(csv, want, len);
    int fd;
    unsigned long long size;
    assert_int_equal(table_finish(t, &fd, &size), -1); /* a CSV has no workbook */
    table_free(t);
}

struct rows {
    struct table *t;
    int left, per_call;
};

static int more_rows(void *ctx)
{
    struct rows *r = ctx;
    for (int i = 0; i < r->per_call && r->left > 0; i++, r->left--)
        if (row(r->t, "TA-000001", r->left, 1796634300) != 0)
            return -1;
    return r->left > 0;
}

/* 20,000 rows (about 1.3 MB) through a table that may hold 4 KiB: read
 * in pieces of 1000 bytes while they are written, nothing is lost and the
 * bound is never reached. */
static void test_csv_streamed_within_its_bound(void **state)
{
    (void)state;
    struct table *t = table_new(&(struct table_form){.sep = ',', .csv_max = 4096}, header, 5);
    assert_non_null(t);
    struct rows r = {t, 20000, 7};
    char buf[1000];
    size_t total = 0, lines = 0;
    long n;
    while ((n = table_read(t, buf, sizeof buf, more_rows, &r)) > 0) {
        total += (size_t)n;
        for (long i = 0; i < n; i++)
            lines += buf[i] == '\n';
    }
    assert_int_equal(n, 0);
    assert_int_equal(r.left, 0);
    assert_int_equal(lines, 20001);
    assert_true(total > 1000000);
    assert_int_equal(table_read(t, buf, sizeof buf, more_rows, &r), 0); /* stays ended */
    table_free(t);
}

static int failing(void *ctx)
{
    (void)ctx;
    return -1;
}

/* A row longer than the bound fails the read, as does a failing more(). */
static void test_csv_failures(void **state)
{
    (void)state;
    struct table *t = table_new(&(struct table_form){.csv_max = 128}, header, 5);
    assert_non_null(t);
    char buf[64], long_text[200];
    memset(long_text, 'x', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    table_text(t, long_text);
    assert_int_equal(table_end_row(t), -1);
    table_free(t);
    t = table_new(&(struct table_form){.csv_max = 1024}, header, 5);
    assert_non_null(t);
    assert_int_equal(table_read(t, buf, sizeof buf, failing, NULL), -1);
    table_free(t);
}

/* A sheet holds XLSX_ROWS_MAX rows, the header included: every one of
 * them is taken, and the next row is told full, not written. */
static void test_xlsx_holds_a_full_sheet(void **state)
{
    (void)state;
    struct table *t = table_new(&(struct table_form){.xlsx = true, .sheet = "messages"}, header, 1);
    assert_non_null(t);
    assert_null(table_csv(t, &(size_t){0}));
    char buf[8];
    assert_int_equal(table_read(t, buf, sizeof buf, failing, NULL), -1);
    for (unsigned i = 1; i < XLSX_ROWS_MAX; i++) {
        table_int(t, i);
        if (table_end_row(t) != 0)
            fail_msg("row %u of %u not taken", i, XLSX_ROWS_MAX);
    }
    table_int(t, 0);
    assert_int_equal(table_end_row(t), 1);
    int fd;
    unsigned long long size;
    assert_int_equal(table_finish(t, &fd, &size), 0);
    assert_true(size > 1000);
    char magic[2];
    assert_int_equal(read(fd, magic, 2), 2);
    assert_memory_equal(magic, "PK", 2); /* a zip: the workbook */
    close(fd);
    table_free(t);
}

int main(void)
{
    setenv("TZ", "<+01>-1", 1); /* programme time: UTC+1, no summer time */
    tzset();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_cells),
        cmocka_unit_test(test_csv_streamed_within_its_bound),
        cmocka_unit_test(test_csv_failures),
        cmocka_unit_test(test_xlsx_holds_a_full_sheet),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
