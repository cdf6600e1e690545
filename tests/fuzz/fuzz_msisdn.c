/* fuzz_msisdn.c -- libFuzzer target for core/msisdn: normalises arbitrary
 * bytes and checks that every accepted number is canonical E.164 that
 * normalises to itself, and that masking never reveals too much. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/msisdn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* CHECK(): an assert() that survives NDEBUG. */
#include "fuzz_check.h"

#define SENTINEL "sentinel"

static int fuzz_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* A byte that can appear in an accepted number: ASCII digit, separator, '+',
 * or part of the UTF-8 of U+0660..U+0669 / U+06F0..U+06F9. */
static int fuzz_may_appear(uint8_t c)
{
    return fuzz_is_digit((char)c) || c == ' ' || c == '.' || c == '-' || c == '(' || c == ')' ||
           c == '+' || c == 0xD9 || c == 0xDB || (c >= 0xA0 && c <= 0xA9) ||
           (c >= 0xB0 && c <= 0xB9);
}

/* The input's digits as ASCII, in order (at most cap); their total count. */
static size_t fuzz_digits(const uint8_t *d, size_t n, char *out, size_t cap)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int v = -1;
        if (fuzz_is_digit((char)d[i]))
            v = d[i] - '0';
        else if (i + 1 < n && d[i] == 0xD9 && d[i + 1] >= 0xA0 && d[i + 1] <= 0xA9)
            v = d[++i] - 0xA0;
        else if (i + 1 < n && d[i] == 0xDB && d[i + 1] >= 0xB0 && d[i + 1] <= 0xB9)
            v = d[++i] - 0xB0;
        if (v < 0)
            continue;
        if (k < cap)
            out[k] = (char)('0' + v);
        k++;
    }
    return k;
}

/* Is s canonical: '+', a non-zero digit, 8..15 digits in all, and a
 * Moroccan number a 9-digit mobile? */
static int fuzz_is_canonical(const char *s)
{
    size_t len = strlen(s);
    if (len < 9 || len > 16 || s[0] != '+' || s[1] == '0')
        return 0;
    for (size_t i = 1; i < len; i++) {
        if (!fuzz_is_digit(s[i]))
            return 0;
    }
    if (strncmp(s, "+212", 4) == 0)
        return len == 13 && (s[4] == '6' || s[4] == '7');
    return 1;
}

static size_t fuzz_count_digits(const char *s)
{
    size_t n = 0;
    for (; *s != '\0'; s++)
        n += fuzz_is_digit(*s);
    return n;
}

/* The mask of s: "***", or, for a canonical s only, its head, five stars and
 * its last two digits, hiding at least three digits. */
static void fuzz_check_mask(const char *s)
{
    char m[MSISDN_MAX];
    msisdn_mask(s, m);
    size_t mlen = strnlen(m, MSISDN_MAX);
    CHECK(mlen < MSISDN_MAX);
    if (strcmp(m, "***") == 0) {
        CHECK(!fuzz_is_canonical(s));
        return;
    }
    CHECK(fuzz_is_canonical(s));
    size_t slen = strlen(s);
    size_t keep = strncmp(s, "+212", 4) == 0 ? 5 : 4;
    CHECK(mlen == keep + 5 + 2);
    CHECK(memcmp(m, s, keep) == 0);
    CHECK(memcmp(m + keep, "*****", 5) == 0);
    CHECK(memcmp(m + keep + 5, s + slen - 2, 2) == 0);
    CHECK(fuzz_count_digits(m) + 3 <= fuzz_count_digits(s));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    char out[MSISDN_MAX];
    memcpy(out, SENTINEL, sizeof(SENTINEL));
    enum msisdn_status st = msisdn_normalize(in, size, out);
    CHECK(strcmp(msisdn_status_str(st), "unknown") != 0);

    int foreign = 0;
    for (size_t i = 0; i < size; i++)
        foreign |= !fuzz_may_appear(data[i]);
    if (foreign)
        CHECK(st == MSISDN_BAD_CHAR);

    if (st != MSISDN_OK) {
        CHECK(memcmp(out, SENTINEL, sizeof(SENTINEL)) == 0);
    } else {
        CHECK(fuzz_is_canonical(out));

        /* Normalising again changes nothing. */
        char again[MSISDN_MAX];
        CHECK(msisdn_normalize(out, strlen(out), again) == MSISDN_OK);
        CHECK(strcmp(again, out) == 0);

        /* The subscriber digits come from the input: its last eight digits
         * are the number's last eight. */
        char digits[64];
        size_t n = fuzz_digits(data, size, digits, sizeof(digits));
        CHECK(n >= 8 && n <= sizeof(digits));
        CHECK(memcmp(digits + n - 8, out + strlen(out) - 8, 8) == 0);

        fuzz_check_mask(out);
    }

    /* Mask the input itself, as a C string cut at MSISDN_MAX - 1 bytes. */
    char s[MSISDN_MAX];
    size_t k = size < MSISDN_MAX - 1 ? size : MSISDN_MAX - 1;
    memcpy(s, data, k);
    s[k] = '\0';
    fuzz_check_mask(s);
    return 0;
}
