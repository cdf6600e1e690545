/* fuzz_text.c -- libFuzzer target for the text core: the input is taken as
 * text (UTF-8 or not) and run through utf8, gsm, screen and text_format,
 * checking their invariants; its lines also make a USSD list to lay out. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/catalog.h"
#include "core/gsm.h"
#include "core/limits.h"
#include "core/screen.h"
#include "core/text_input.h"
#include "core/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* CHECK(): an assert() that survives NDEBUG. */
#include "fuzz_check.h"

#define LIST_ITEMS_MAX 32

static void check_utf8(const char *s, size_t len, bool valid)
{
    size_t i = 0, chars = 0;
    uint32_t cp;

    while (i < len) {
        char again[4];
        size_t n = utf8_decode(s + i, len - i, &cp);
        if (n == 0)
            break;
        CHECK(n <= 4 && n <= len - i);
        CHECK(cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF));
        CHECK(utf8_encode(cp, again) == n);
        CHECK(memcmp(again, s + i, n) == 0);
        i += n;
        chars++;
    }
    CHECK(valid == (i == len));
    if (valid)
        CHECK(utf8_count(s, len) == chars);
    CHECK(utf8_count(s, len) <= len);

    for (size_t max = 0; max <= len + 1 && max <= 64; max++) {
        size_t f = utf8_floor(s, len, max);
        CHECK(f <= max && f <= len);
        CHECK(utf8_valid(s, f));
        if (valid && f < len) {
            /* maximal: the next character would cross max */
            size_t n = utf8_decode(s + f, len - f, &cp);
            CHECK(n > 0 && f + n > max);
        }
    }
}

static void check_measure(const char *s, size_t len, bool valid)
{
    struct text_measure m = {TEXT_UCS2, 1234, 5678, 9012};
    uint32_t forcing[8], forcing_all[64];
    size_t nforcing;

    if (text_measure(s, len, &m) != 0) {
        CHECK(!valid);
        CHECK(m.units == 1234 && m.chars == 5678 && m.segments == 9012);
        return;
    }
    CHECK(valid);
    CHECK(m.chars == utf8_count(s, len));
    CHECK(m.units == text_units(s, len, m.encoding));
    CHECK(m.units >= m.chars);
    CHECK(m.segments >= 1 && m.segments >= sms_segments(m.encoding, m.units));
    /* Keeping characters whole never costs more than one part per char. */
    CHECK(m.segments <= sms_segments(m.encoding, m.units) + m.chars);

    nforcing = text_ucs2_forcing(s, len, forcing, 8);
    CHECK((nforcing == 0) == (m.encoding == TEXT_GSM7));
    CHECK(text_ucs2_forcing(s, len, NULL, 0) == nforcing);
    if (nforcing <= 64) {
        CHECK(text_ucs2_forcing(s, len, forcing_all, 64) == nforcing);
        for (size_t i = 0; i < nforcing; i++) {
            CHECK(!gsm_is_default(forcing_all[i]) && !gsm_is_extension(forcing_all[i]));
            if (i < 8)
                CHECK(forcing[i] == forcing_all[i]);
            for (size_t j = 0; j < i; j++)
                CHECK(forcing_all[i] != forcing_all[j]);
        }
    }
}

static void check_ellipsize(const char *s, size_t len, bool valid)
{
    static const size_t maxima[] = {0, 1, 2, 3, 4, 5, 7, 10, 20, 67, 80, 153, 182};
    size_t outsz = len + 8;
    char *out = malloc(outsz);
    enum text_encoding own = TEXT_UCS2;

    if (out == NULL)
        return;
    if (valid) {
        struct text_measure m;
        CHECK(text_measure(s, len, &m) == 0);
        own = m.encoding;
    }
    for (size_t k = 0; k < sizeof maxima / sizeof maxima[0]; k++) {
        size_t max = maxima[k];
        long r = screen_ellipsize(s, len, own, max, out, outsz);
        size_t units;
        enum text_encoding enc;
        if (!valid) {
            CHECK(r == -1);
            continue;
        }
        CHECK(r >= 0 && (size_t)r < outsz && out[r] == '\0');
        CHECK(utf8_valid(out, (size_t)r));
        CHECK(text_units(out, (size_t)r, own) <= max);
        if (text_units(s, len, own) <= max) {
            CHECK((size_t)r == len && memcmp(out, s, len) == 0);
        } else {
            /* A prefix of s cut on a character boundary, then the ellipsis
             * when max has room for it. */
            size_t keep = (size_t)r;
            const char *dots = own == TEXT_GSM7 ? "..." : "\xE2\x80\xA6";
            size_t dl = strlen(dots);
            if (max >= (own == TEXT_GSM7 ? 3u : 1u)) {
                CHECK(keep >= dl && memcmp(out + keep - dl, dots, dl) == 0);
                keep -= dl;
            }
            CHECK(keep < len && memcmp(out, s, keep) == 0);
            CHECK(utf8_decode(s + keep, len - keep, &(uint32_t){0}) > 0);
        }
        /* Measured in its own encoding the result fits as well. */
        CHECK(screen_fits(out, (size_t)r, (struct screen_limit){max, max}, &units, &enc));
        CHECK(units <= max);
        /* Too small a buffer is refused, never overrun. */
        if (r > 0)
            CHECK(screen_ellipsize(s, len, own, max, out, (size_t)r) == -1);
    }
    free(out);
}

static void check_list(char *copy, size_t size, uint8_t knob)
{
    const char *lines[LIST_ITEMS_MAX + 3];
    size_t nlines = 0;
    char *p = copy;
    struct screen_list l;
    char out[SCREEN_BYTES_MAX];
    size_t prev = 0;

    /* Lines: header, more, nav, then items. */
    while (nlines < sizeof lines / sizeof lines[0]) {
        char *nl = memchr(p, '\n', size - (size_t)(p - copy));
        lines[nlines++] = p;
        if (nl == NULL)
            break;
        *nl = '\0';
        p = nl + 1;
    }
    memset(&l, 0, sizeof l);
    l.header = lines[0];
    l.more = nlines > 1 ? lines[1] : NULL;
    l.nav = nlines > 2 ? lines[2] : NULL;
    l.items = nlines > 3 ? lines + 3 : NULL;
    l.count = nlines > 3 ? nlines - 3 : 0;
    if (knob < 0x80) { /* text ending in ASCII: the network maxima */
        l.limit.gsm7 = USSD_SCREEN_MAX_GSM7;
        l.limit.ucs2 = USSD_SCREEN_MAX_UCS2;
    } else { /* else tighter limits, as some aggregators set */
        l.limit.gsm7 = 10 + (size_t)(knob % 173);
        l.limit.ucs2 = 5 + (size_t)(knob % 76);
    }

    for (size_t page = 0; page <= l.count + 1; page++) {
        size_t start = screen_list_page_start(&l, page);
        long shown;
        size_t expect_lines = 0, got_lines = 1, units;
        bool more;
        CHECK(start <= l.count);
        CHECK(page == 0 ? start == 0 : (start > prev || start == l.count));
        prev = start;
        l.first = start;
        shown = screen_list_render(&l, out, sizeof out);
        if (shown < 0) {
            CHECK(out[0] == '\0');
            /* a page that cannot be laid out ends the list */
            CHECK(screen_list_page_start(&l, page + 1) == l.count);
            break;
        }
        CHECK((size_t)shown <= l.count - start);
        CHECK(start >= l.count ? shown == 0 : shown > 0);
        CHECK(utf8_valid(out, strlen(out)));
        CHECK(screen_fits(out, strlen(out), l.limit, &units, NULL));
        more = start + (size_t)shown < l.count && l.more && l.more[0];
        expect_lines = (l.header[0] != '\0') + (size_t)shown + more + (l.nav && l.nav[0]);
        for (const char *c = out; *c; c++)
            got_lines += *c == '\n';
        if (expect_lines == 0)
            CHECK(out[0] == '\0');
        else
            CHECK(got_lines == expect_lines);
        if (start == l.count)
            break;
        CHECK(screen_list_page_start(&l, page + 1) == start + (size_t)shown);
    }
}

static void check_format(const char *tmpl, size_t len)
{
    static const struct text_var vars[] = {{"name", "Amina"}, {"x", "مرحبا"}, {"", "{}"}};
    char out[64];
    long r;

    (void)len;
    for (size_t outsz = 1; outsz <= sizeof out; outsz *= 4) {
        memset(out, 'Z', sizeof out);
        r = text_format(tmpl, vars, 3, out, outsz);
        CHECK(r >= -1 && r < (long)outsz);
        CHECK(memchr(out, '\0', outsz) != NULL);
        if (r >= 0)
            CHECK(strlen(out) == (size_t)r);
        if (outsz < sizeof out)
            CHECK(out[outsz] == 'Z');
    }
}

/* Cleaned member text is valid UTF-8 without '#', control characters or
 * doubled spaces, bounded, and cleaning it again changes nothing. */
static void check_text_input(const char *s, size_t len)
{
    char out[256], again[256];
    for (int breaks = 0; breaks < 2; breaks++) {
        if (!text_input_clean(s, len, 2, 60, breaks, out, sizeof out))
            continue;
        size_t n = strlen(out);
        CHECK(utf8_valid(out, n) && utf8_count(out, n) <= 60);
        CHECK(strchr(out, '#') == NULL && strstr(out, "  ") == NULL);
        for (size_t i = 0; i < n; i++)
            CHECK((unsigned char)out[i] >= 0x20 && out[i] != 0x7f);
        CHECK(n == 0 || (out[0] != ' ' && out[n - 1] != ' '));
        CHECK(text_input_clean(out, n, 2, 60, false, again, sizeof again));
        CHECK(strcmp(out, again) == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    char *copy;
    bool valid;

    if (size > 4096)
        return 0; /* the checks are quadratic in places; screens are small */
    valid = utf8_valid(s, size);
    check_utf8(s, size, valid);
    check_measure(s, size, valid);
    check_ellipsize(s, size, valid);
    check_text_input(s, size);

    copy = malloc(size + 1);
    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    /* As a C string the text ends at its first NUL. */
    check_format(copy, strlen(copy));
    check_list(copy, strlen(copy), size > 0 ? data[size - 1] : 0);
    free(copy);
    return 0;
}
