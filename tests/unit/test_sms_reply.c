/* test_sms_reply.c -- SMS replies fitted to a segment budget in their own
 * encoding (GSM-7, UCS-2, extension characters, the byte bound), list
 * replies grown while they fit, the short answers of a guided exchange
 * (yes/no, on/off in three languages), the opt-out hint check, and the
 * parser's sms_command_topic that "ALERTS EVENTS OFF" relies on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/gsm.h"
#include "core/sms_command.h"
#include "core/sms_reply.h"
#include "core/utf8.h"

/* n copies of unit into buf, NUL-terminated. */
static const char *repeat(char *buf, size_t size, const char *unit, size_t n)
{
    size_t ul = strlen(unit), len = 0;
    assert_true(n * ul < size);
    for (size_t i = 0; i < n; i++, len += ul)
        memcpy(buf + len, unit, ul);
    buf[len] = '\0';
    return buf;
}

static void test_segments(void **state)
{
    (void)state;
    char buf[2048];
    assert_int_equal(sms_reply_segments("", 0), 1);
    assert_int_equal(sms_reply_segments(repeat(buf, sizeof buf, "a", 160), 160), 1);
    assert_int_equal(sms_reply_segments(repeat(buf, sizeof buf, "a", 161), 161), 2);
    assert_int_equal(sms_reply_segments(repeat(buf, sizeof buf, "ب", 70), 140), 1);
    assert_int_equal(sms_reply_segments(repeat(buf, sizeof buf, "ب", 71), 142), 2);
    assert_int_equal(sms_reply_segments("\xff", 1), 0); /* not UTF-8 */
    assert_true(sms_reply_fits("hello", 5, 1, 6));
    assert_false(sms_reply_fits("hello", 5, 1, 5)); /* no room for the NUL */
}

static void test_fit_unchanged(void **state)
{
    (void)state;
    char out[640];
    assert_int_equal(sms_reply_fit("Taawun: ok", 10, 1, out, sizeof out), 10);
    assert_string_equal(out, "Taawun: ok");
    assert_int_equal(sms_reply_fit("", 0, 2, out, sizeof out), 0);
    assert_string_equal(out, "");
}

static void test_fit_gsm7_word_boundary(void **state)
{
    (void)state;
    char in[1024], out[640];
    repeat(in, sizeof in, "word ", 100); /* 500 septets */
    long n = sms_reply_fit(in, strlen(in), 1, out, sizeof out);
    assert_true(n > 0);
    struct text_measure m;
    assert_int_equal(text_measure(out, (size_t)n, &m), 0);
    assert_int_equal(m.encoding, TEXT_GSM7);
    assert_int_equal(m.segments, 1);
    assert_true(m.units > 150); /* uses the segment, not far less */
    /* Cut after a whole word, then the GSM-7 ellipsis. */
    assert_string_equal(out + n - 7, "word...");
    n = sms_reply_fit(in, strlen(in), 2, out, sizeof out);
    assert_int_equal(text_measure(out, (size_t)n, &m), 0);
    assert_int_equal(m.segments, 2);
    assert_true(m.units > 290 && m.units <= 306);
}

static void test_fit_ucs2(void **state)
{
    (void)state;
    char in[2048], out[640];
    repeat(in, sizeof in, "تعاون ", 60); /* 360 UCS-2 units */
    for (size_t seg = 1; seg <= 4; seg++) {
        long n = sms_reply_fit(in, strlen(in), seg, out, sizeof out);
        assert_true(n > 0);
        struct text_measure m;
        assert_int_equal(text_measure(out, (size_t)n, &m), 0);
        assert_int_equal(m.encoding, TEXT_UCS2);
        assert_true(m.segments <= seg);
        assert_true(utf8_valid(out, (size_t)n));
        assert_string_equal(out + n - 3, "\xE2\x80\xA6"); /* U+2026 */
    }
}

static void test_fit_extension_and_bytes(void **state)
{
    (void)state;
    char in[1024], out[640], small[40];
    /* Extension characters cost two septets and are never split. */
    repeat(in, sizeof in, "{", 200);
    long n = sms_reply_fit(in, strlen(in), 1, out, sizeof out);
    assert_true(n > 0);
    assert_int_equal(sms_reply_segments(out, (size_t)n), 1);
    /* The byte bound of out holds too (é takes two bytes). */
    repeat(in, sizeof in, "é", 100);
    n = sms_reply_fit(in, strlen(in), 4, small, sizeof small);
    assert_true(n > 0 && (size_t)n < sizeof small);
    assert_true(utf8_valid(small, (size_t)n));
    /* Clamped budget; bad input; tiny buffer. */
    repeat(in, sizeof in, "a", 900);
    n = sms_reply_fit(in, strlen(in), 99, out, sizeof out);
    assert_true(sms_reply_segments(out, (size_t)n) <= SMS_REPLY_SEGMENTS_CEILING);
    assert_int_equal(sms_reply_fit("\xc3", 1, 1, out, sizeof out), -1);
    assert_string_equal(out, "");
    assert_int_equal(sms_reply_fit("abc", 3, 1, out, 4), -1);
}

static void test_append(void **state)
{
    (void)state;
    char buf[640] = "Coming up:";
    size_t len = strlen(buf);
    char item[64];
    size_t added = 0;
    for (int i = 0; i < 20; i++) {
        snprintf(item, sizeof item, "E%02d: Marketing workshop 12/3", i);
        if (!sms_reply_append(buf, sizeof buf, &len, "\n", item, " To book: JOIN code", 1))
            break;
        added++;
    }
    assert_true(added >= 3 && added < 20);
    assert_int_equal(strlen(buf), len);
    assert_int_equal(sms_reply_segments(buf, len), 1);
    /* With the tail it still fits one segment. */
    strcat(buf, " To book: JOIN code");
    assert_int_equal(sms_reply_segments(buf, strlen(buf)), 1);
    /* A refused item leaves the buffer as it was. */
    char before[640], big[256];
    strcpy(before, buf);
    len = strlen(buf);
    repeat(big, sizeof big, "x", 200);
    assert_false(sms_reply_append(buf, sizeof buf, &len, "\n", big, NULL, 1));
    assert_string_equal(buf, before);
    assert_int_equal(len, strlen(before));
    /* ... and so does one that would overflow the buffer. */
    char tiny[16] = "abc";
    len = 3;
    assert_false(sms_reply_append(tiny, sizeof tiny, &len, " ", big, NULL, 4));
    assert_string_equal(tiny, "abc");
}

static void test_words(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        bool on_off;
        enum sms_reply_word want;
    } cases[] = {
        {"OUI", false, SMS_REPLY_WORD_YES},
        {" oui! ", false, SMS_REPLY_WORD_YES},
        {"Yes", false, SMS_REPLY_WORD_YES},
        {"1", false, SMS_REPLY_WORD_YES},
        {"\xd9\xa1", false, SMS_REPLY_WORD_YES}, /* Arabic-Indic 1 */
        {"نعم", false, SMS_REPLY_WORD_YES},
        {"واخا", false, SMS_REPLY_WORD_YES},
        {"j'accepte", false, SMS_REPLY_WORD_YES},
        {"NON", false, SMS_REPLY_WORD_NO},
        {"no", false, SMS_REPLY_WORD_NO},
        {"2", false, SMS_REPLY_WORD_NO},
        {"لا", false, SMS_REPLY_WORD_NO},
        {"peut-etre", false, SMS_REPLY_WORD_NONE},
        {"", false, SMS_REPLY_WORD_NONE},
        {"EVENTS OFF", true, SMS_REPLY_WORD_NO},
        {"evenements non", true, SMS_REPLY_WORD_NO},
        {"news on", true, SMS_REPLY_WORD_YES},
        {"انشطة لا", true, SMS_REPLY_WORD_NO},
        {"تكوين نعم", true, SMS_REPLY_WORD_YES},
        {"events 0", true, SMS_REPLY_WORD_NO},
        {"events", true, SMS_REPLY_WORD_NONE},
        {"\xff\xfe", true, SMS_REPLY_WORD_NONE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(sms_reply_word(cases[i].in, strlen(cases[i].in), cases[i].on_off),
                         cases[i].want);
}

static void test_opt_out_hint(void **state)
{
    (void)state;
    const char *fr = "STOP pour arreter", *ar = "للإيقاف أرسل توقف";
    assert_true(sms_reply_has_opt_out("Formation demain. STOP pour arreter", 35, fr));
    assert_true(sms_reply_has_opt_out("Formation demain. Envoyez stop.", 31, NULL));
    assert_true(sms_reply_has_opt_out("Reunion. Arrêt: envoyez ARRET", 30, ""));
    const char *a = "اجتماع غدا. للإيقاف أرسل توقف";
    assert_true(sms_reply_has_opt_out(a, strlen(a), ar));
    const char *b = "اجتماع غدا في بركان";
    assert_false(sms_reply_has_opt_out(b, strlen(b), ar));
    assert_false(sms_reply_has_opt_out("Formation a Nador demain", 24, fr));
    assert_false(sms_reply_has_opt_out("Stopover in Nador", 17, fr));
}

static void test_command_topic(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *want; /* NULL: none */
    } cases[] = {
        {"EVENTS OFF", "events"},
        {"evenements non", "events"},
        {"les formations oui", "trainings"},
        {"انشطة لا", "events"},
        {"news", "news"},
        {"subventions off", "grants"},
        {"OFF EVENTS", NULL},
        {"", NULL},
        {"blabla", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = sms_command_topic(cases[i].in, strlen(cases[i].in));
        if (cases[i].want)
            assert_string_equal(got, cases[i].want);
        else
            assert_null(got);
    }
    assert_null(sms_command_topic(NULL, 0));
}

#define RLM "\xE2\x80\x8F"

/* An Arabic SMS whose first letter is Latin (a reference, a member number,
 * a Latin name) travels with the right-to-left mark in front, counted as
 * one UCS-2 unit in the segment budget; a GSM-7 text, or one that starts
 * with an Arabic letter, never gets it. */
static void test_directed(void **state)
{
    (void)state;
    char out[640], in[640], body[600];
    const char *ref = "GR-2026-00042 \xD9\x85\xD9\x82\xD8\xA8\xD9\x88\xD9\x84"; /* مقبول */
    assert_int_equal(sms_reply_directed(ref, strlen(ref), out, sizeof out),
                     (long)(strlen(ref) + 3));
    assert_memory_equal(out, RLM, 3);
    assert_string_equal(out + 3, ref);
    const char *plain[] = {"GR-2026-00042 approved", "TA-000001 Fatima",
                           "\xD8\xAA\xD8\xB9\xD8\xA7\xD9\x88\xD9\x86: GR-2026-00042", "2026 ok",
                           RLM "GR-2026-00042 \xD9\x85"};
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        assert_int_equal(sms_reply_directed(plain[i], strlen(plain[i]), out, sizeof out),
                         (long)strlen(plain[i]));
        assert_string_equal(out, plain[i]);
    }
    assert_int_equal(sms_reply_directed(ref, strlen(ref), out, strlen(ref) + 3), -1);

    /* 70 UCS-2 units: one segment as typed, two with the mark. */
    snprintf(in, sizeof in, "TA-000001 %s", repeat(body, sizeof body, "\xD8\xA8", 60));
    struct text_measure m;
    assert_int_equal(text_measure(in, strlen(in), &m), 0);
    assert_int_equal(m.units, 70);
    assert_int_equal(m.segments, 1);
    assert_int_equal(sms_reply_segments(in, strlen(in)), 2);
    assert_false(sms_reply_fits(in, strlen(in), 1, sizeof out));
    long n = sms_reply_fit(in, strlen(in), 1, out, sizeof out);
    assert_true(n > 3);
    assert_memory_equal(out, RLM, 3);
    assert_int_equal(text_measure(out, (size_t)n, &m), 0);
    assert_true(m.units <= 70);
    assert_int_equal(m.segments, 1);
    assert_int_equal(sms_reply_segments(out, (size_t)n), 1);
    /* 69 units fit one segment with the mark: unchanged but for it. */
    in[strlen(in) - 2] = '\0';
    assert_int_equal(sms_reply_fit(in, strlen(in), 1, out, sizeof out), (long)strlen(in) + 3);
    assert_memory_equal(out, RLM, 3);
    assert_string_equal(out + 3, in);

    /* Cut before its Arabic letters, a text needs no mark: GSM-7 again. */
    snprintf(in, sizeof in, "%s \xD8\xA8", repeat(body, sizeof body, "word ", 60));
    n = sms_reply_fit(in, strlen(in), 1, out, sizeof out);
    assert_true(n > 0);
    assert_int_equal(text_measure(out, (size_t)n, &m), 0);
    assert_int_equal(m.encoding, TEXT_GSM7);
    assert_true(strncmp(out, RLM, 3) != 0);

    /* A list grown item by item leaves room for the mark. */
    char buf[640] = "TA-000001";
    size_t len = strlen(buf);
    size_t added = 0;
    while (sms_reply_append(buf, sizeof buf, &len, "", "\xD8\xA8", "", 1))
        added++;
    assert_int_equal(added, 60); /* 9 + 60 + 1 (the mark) = 70 units */
    assert_int_equal(sms_reply_fit(buf, len, 1, out, sizeof out), (long)len + 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_segments),
        cmocka_unit_test(test_fit_unchanged),
        cmocka_unit_test(test_fit_gsm7_word_boundary),
        cmocka_unit_test(test_fit_ucs2),
        cmocka_unit_test(test_fit_extension_and_bytes),
        cmocka_unit_test(test_append),
        cmocka_unit_test(test_directed),
        cmocka_unit_test(test_words),
        cmocka_unit_test(test_opt_out_hint),
        cmocka_unit_test(test_command_topic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
