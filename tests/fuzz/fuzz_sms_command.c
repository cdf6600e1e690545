/* fuzz_sms_command.c -- libFuzzer target for core/sms_command: parses
 * arbitrary bytes as an SMS and checks that the result is bounded valid
 * UTF-8, that stop detection agrees with the parse, that a stop keyword
 * first is always a stop whatever follows, and that folding is bounded and
 * idempotent; and that the router's reply helpers (core/sms_reply) stay
 * bounded and valid. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sms_command.h"
#include "core/sms_reply.h"
#include "core/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* CHECK(): an assert() that survives NDEBUG. */
#include "fuzz_check.h"

#define SUFFIX_MAX 1024 /* bytes of the input appended to a fixed prefix */

static const char *const fuzz_topics[] = {"", "events", "trainings", "grants", "ideathon", "news"};

static bool fuzz_is_topic(const char *s)
{
    for (size_t i = 0; i < sizeof(fuzz_topics) / sizeof(fuzz_topics[0]); i++)
        if (strcmp(s, fuzz_topics[i]) == 0)
            return true;
    return false;
}

static bool fuzz_is_lang(const char *s)
{
    return strcmp(s, "") == 0 || strcmp(s, "ar") == 0 || strcmp(s, "fr") == 0 ||
           strcmp(s, "en") == 0;
}

/* A bounded, NUL-terminated, valid UTF-8 string of at most max bytes. */
static size_t fuzz_check_text(const char *s, size_t size, size_t max)
{
    size_t n = strnlen(s, size);
    CHECK(n < size);
    CHECK(n <= max);
    CHECK(utf8_valid(s, n));
    return n;
}

/* Parse and check every invariant of struct sms_command; returns the
 * command. */
static enum sms_command_kind fuzz_parse(const char *in, size_t len)
{
    struct sms_command a, b;
    memset(&a, 0xA5, sizeof(a));
    enum sms_command_status st = sms_command_parse(in, len, &a);

    CHECK(st == SMS_CMD_OK || st == SMS_CMD_BAD_UTF8);
    CHECK((st == SMS_CMD_OK) == utf8_valid(in, len));
    CHECK((unsigned)a.command < SMS_CMD_COUNT);
    CHECK(strcmp(sms_command_name(a.command), "invalid") != 0);
    CHECK(strcmp(sms_command_status_str(st), "unknown") != 0);
    fuzz_check_text(a.lang, sizeof(a.lang), SMS_CMD_LANG_MAX - 1);
    CHECK(fuzz_is_lang(a.lang));

    size_t n = fuzz_check_text(a.arg, sizeof(a.arg), SMS_CMD_ARG_MAX);
    if (n > 0) {
        CHECK(a.arg[0] != ' ' && a.arg[n - 1] != ' ');
        CHECK(strstr(a.arg, "  ") == NULL);
    }
    for (size_t i = 0; i < n; i++) /* no controls survive */
        CHECK((unsigned char)a.arg[i] >= 0x20 && a.arg[i] != 0x7F);
    /* Cut only when the next character did not fit (a code may lose
     * trailing punctuation after the cut). */
    if (a.arg_truncated && a.command != SMS_CMD_STATUS && a.command != SMS_CMD_JOIN)
        CHECK(n > 0 && n + 5 > SMS_CMD_ARG_MAX);

    CHECK(a.nfields <= SMS_CMD_FIELDS_MAX);
    CHECK(a.command == SMS_CMD_REGISTER || (a.nfields == 0 && !a.too_many_fields));
    if (a.too_many_fields)
        CHECK(a.nfields == SMS_CMD_FIELDS_MAX);
    for (size_t i = 0; i < SMS_CMD_FIELDS_MAX; i++) {
        size_t k = fuzz_check_text(a.fields[i], sizeof(a.fields[i]), SMS_CMD_FIELD_MAX);
        if (i >= a.nfields)
            CHECK(k == 0);
        if (k > 0)
            CHECK(a.fields[i][0] != ' ' && a.fields[i][k - 1] != ' ');
    }
    if (a.nfields > 0 && !a.too_many_fields)
        CHECK(a.fields[a.nfields - 1][0] != '\0'); /* trailing empties dropped */

    switch (a.command) {
    case SMS_CMD_EMPTY:
        CHECK(n == 0 && st == SMS_CMD_OK);
        break;
    case SMS_CMD_STOP:
    case SMS_CMD_START:
        CHECK(fuzz_is_topic(a.arg));
        break;
    case SMS_CMD_STATUS:
    case SMS_CMD_JOIN:
        for (size_t i = 0; i < n; i++)
            CHECK(a.arg[i] != ' ' && !(a.arg[i] >= 'a' && a.arg[i] <= 'z'));
        break;
    default:
        break;
    }
    if (st == SMS_CMD_BAD_UTF8) {
        CHECK(a.command == SMS_CMD_STOP || a.command == SMS_CMD_UNKNOWN);
        CHECK(a.command == SMS_CMD_STOP || n == 0);
    }

    /* The router's first question agrees with the parse. */
    char topic[SMS_CMD_TOPIC_MAX];
    memcpy(topic, "untouched", sizeof("untouched"));
    bool stop = sms_command_is_stop(in, len, topic);
    CHECK(stop == (a.command == SMS_CMD_STOP));
    CHECK(sms_command_is_stop(in, len, NULL) == stop);
    if (stop)
        CHECK(strcmp(topic, a.arg) == 0);
    else
        CHECK(strcmp(topic, "untouched") == 0);

    /* Deterministic, and out is written in full. */
    memset(&b, 0x5A, sizeof(b));
    CHECK(sms_command_parse(in, len, &b) == st);
    CHECK(memcmp(&a, &b, sizeof(a)) == 0);
    return a.command;
}

/* prefix followed by the input (cut at SUFFIX_MAX bytes) in buf. */
static size_t fuzz_join(char *buf, const char *prefix, const uint8_t *data, size_t size)
{
    size_t p = strlen(prefix);
    size_t n = size < SUFFIX_MAX ? size : SUFFIX_MAX;
    memcpy(buf, prefix, p);
    memcpy(buf + p, data, n);
    return p + n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    static const char *const stops[] = {
        "STOP ", "arr\xc3\xaat\n", "\xd8\xaa\xd9\x88\xd9\x82\xd9\x81 ", "salam, Stop!", "#stopp:"};
    char buf[64 + SUFFIX_MAX];

    fuzz_parse(in, size);

    /* A stop keyword first is a stop, whatever follows. */
    for (size_t i = 0; i < sizeof(stops) / sizeof(stops[0]); i++) {
        size_t len = fuzz_join(buf, stops[i], data, size);
        CHECK(fuzz_parse(buf, len) == SMS_CMD_STOP);
    }
    /* Only the first word counts: "je ..." is never a stop. */
    size_t len = fuzz_join(buf, "je ", data, size);
    CHECK(!sms_command_is_stop(buf, len, NULL));
    CHECK(fuzz_parse(buf, len) == SMS_CMD_UNKNOWN);

    CHECK(fuzz_is_lang(sms_command_guess_language(in, size)));

    /* Folding: bounded, valid, no spaces at the ends, idempotent. */
    char fold[600], again[600];
    size_t f = sms_command_fold(in, size, fold, sizeof(fold));
    CHECK(f == fuzz_check_text(fold, sizeof(fold), sizeof(fold) - 1));
    if (f > 0)
        CHECK(fold[0] != ' ' && fold[f - 1] != ' ' && strstr(fold, "  ") == NULL);
    CHECK(sms_command_fold(fold, f, again, sizeof(again)) == f);
    CHECK(memcmp(fold, again, f + 1) == 0);
    char small[8];
    f = sms_command_fold(in, size, small, sizeof(small));
    CHECK(f == fuzz_check_text(small, sizeof(small), sizeof(small) - 1));

    /* The router's helpers (core/sms_reply): any bytes; a fitted reply is
     * valid UTF-8 within its budget and buffer. */
    enum sms_reply_word w = sms_reply_word(in, size, size % 2 == 0);
    CHECK(w == SMS_REPLY_WORD_NONE || w == SMS_REPLY_WORD_YES || w == SMS_REPLY_WORD_NO);
    const char *topic = sms_command_topic(in, size);
    CHECK(topic == NULL || fuzz_is_topic(topic));
    if (utf8_valid(in, size) && memchr(in, '\0', size) == NULL) {
        char fitted[640];
        size_t budget = 1 + size % SMS_REPLY_SEGMENTS_CEILING;
        long n = sms_reply_fit(in, size, budget, fitted, sizeof(fitted));
        CHECK(n >= 0 && (size_t)n < sizeof(fitted) && strlen(fitted) == (size_t)n);
        CHECK(utf8_valid(fitted, (size_t)n));
        CHECK(sms_reply_segments(fitted, (size_t)n) <= budget);
        (void)sms_reply_has_opt_out(in, size, "STOP pour arreter");
    }
    return 0;
}
