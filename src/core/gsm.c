/* gsm.c -- the GSM 03.38 alphabet and what a text costs on the air: which
 * encoding it travels in, how many septets or UCS-2 units it takes and how
 * many SMS segments it needs. */
#include "core/gsm.h"

#include "core/limits.h"
#include "core/utf8.h"

/* The characters of the default alphabet outside ASCII, sorted. With the 88
 * ASCII ones accepted by gsm_is_default they make the 127 characters of the
 * 128 positions (0x1B is the escape to the extension table). */
static const uint16_t gsm_default_non_ascii[] = {
    0x00A1, 0x00A3, 0x00A4, 0x00A5, 0x00A7, 0x00BF, /* ¡ £ ¤ ¥ § ¿ */
    0x00C4, 0x00C5, 0x00C6, 0x00C7, 0x00C9, 0x00D1, /* Ä Å Æ Ç É Ñ */
    0x00D6, 0x00D8, 0x00DC, 0x00DF, 0x00E0, 0x00E4, /* Ö Ø Ü ß à ä */
    0x00E5, 0x00E6, 0x00E8, 0x00E9, 0x00EC, 0x00F1, /* å æ è é ì ñ */
    0x00F2, 0x00F6, 0x00F8, 0x00F9, 0x00FC,         /* ò ö ø ù ü */
    0x0393, 0x0394, 0x0398, 0x039B, 0x039E,         /* Γ Δ Θ Λ Ξ */
    0x03A0, 0x03A3, 0x03A6, 0x03A8, 0x03A9,         /* Π Σ Φ Ψ Ω */
};

bool gsm_is_default(uint32_t cp)
{
    size_t lo = 0, hi = sizeof gsm_default_non_ascii / sizeof gsm_default_non_ascii[0];

    if (cp < 0x80) {
        if (cp == '\n' || cp == '\r')
            return true;
        if (cp < 0x20 || cp == 0x7F)
            return false;
        switch (cp) {
        case '`':
        case '[':
        case '\\':
        case ']':
        case '^':
        case '{':
        case '|':
        case '}':
        case '~':
            return false;
        default:
            return true;
        }
    }
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (gsm_default_non_ascii[mid] == cp)
            return true;
        if (gsm_default_non_ascii[mid] < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

bool gsm_is_extension(uint32_t cp)
{
    switch (cp) {
    case 0x0C: /* form feed */
    case '^':
    case '{':
    case '}':
    case '\\':
    case '[':
    case '~':
    case ']':
    case '|':
    case 0x20AC: /* € */
        return true;
    default:
        return false;
    }
}

static bool gsm_representable(uint32_t cp)
{
    return gsm_is_default(cp) || gsm_is_extension(cp);
}

/* ASCII, the bulk of every catalog text, by table: bit 0 set when GSM-7
 * can carry the byte (gsm_is_default or gsm_is_extension), bit 1 when it
 * takes two septets (gsm_is_extension). tests/unit/test_gsm.c checks it
 * against the two functions. */
/* clang-format off */
static const unsigned char ascii_class[128] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 3, 1, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 3, 3, 3, 1,
    0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 3, 3, 3, 0,
};
/* clang-format on */

/* Cost of one code point in enc. A character GSM-7 cannot carry counts one
 * septet (it would go as a substitute); that only matters to callers that
 * break the contract of text_units. */
static size_t char_units(uint32_t cp, enum text_encoding enc)
{
    if (enc == TEXT_GSM7)
        return gsm_is_extension(cp) ? 2 : 1;
    return cp > 0xFFFF ? 2 : 1;
}

size_t text_units(const char *s, size_t len, enum text_encoding enc)
{
    const unsigned char *ascii = ascii_class;
    size_t i = 0, units = 0;
    uint32_t cp;

    while (i < len) {
        unsigned char b = (unsigned char)s[i];
        if (b < 0x80) {
            units += enc == TEXT_GSM7 && (ascii[b] & 2) ? 2 : 1;
            i++;
            continue;
        }
        size_t k = utf8_decode(s + i, len - i, &cp);
        if (k == 0) { /* malformed byte: one unit, like a substitute */
            units++;
            i++;
            continue;
        }
        units += char_units(cp, enc);
        i += k;
    }
    return units;
}

size_t sms_segments(enum text_encoding enc, size_t units)
{
    size_t single = enc == TEXT_GSM7 ? SMS_SINGLE_GSM7 : SMS_SINGLE_UCS2;
    size_t part = enc == TEXT_GSM7 ? SMS_PART_GSM7 : SMS_PART_UCS2;

    if (units <= single)
        return 1;
    return (units + part - 1) / part;
}

/* Segments of valid UTF-8 s in enc when no character may straddle two
 * parts (an escape and its septet, or a surrogate pair, stay together). */
static size_t packed_segments(const char *s, size_t len, enum text_encoding enc, size_t total_units)
{
    size_t part = enc == TEXT_GSM7 ? SMS_PART_GSM7 : SMS_PART_UCS2;
    size_t segments = 1, used = 0, i = 0;
    uint32_t cp;

    if (sms_segments(enc, total_units) == 1)
        return 1;
    while (i < len) {
        size_t k = utf8_decode(s + i, len - i, &cp);
        size_t cost;
        if (k == 0)
            break; /* not reached for valid input */
        cost = char_units(cp, enc);
        if (used + cost > part) {
            segments++;
            used = 0;
        }
        used += cost;
        i += k;
    }
    return segments;
}

/* One pass over s: 0 and the counts, or -1 for invalid UTF-8. */
static int measure_pass(const char *s, size_t len, bool *gsm7_out, size_t *septets_out,
                        size_t *ucs2_out, size_t *chars_out)
{
    const unsigned char *ascii = ascii_class;
    size_t i = 0, septets = 0, ucs2_units = 0, chars = 0;
    bool gsm7 = true;
    uint32_t cp;

    while (i < len) {
        unsigned char b = (unsigned char)s[i];
        if (b < 0x80) {
            gsm7 = gsm7 && (ascii[b] & 1);
            septets += ascii[b] & 2 ? 2 : 1;
            ucs2_units++;
            chars++;
            i++;
            continue;
        }
        size_t k = utf8_decode(s + i, len - i, &cp);
        if (k == 0)
            return -1;
        if (!gsm_representable(cp))
            gsm7 = false;
        septets += char_units(cp, TEXT_GSM7);
        ucs2_units += char_units(cp, TEXT_UCS2);
        chars++;
        i += k;
    }
    *gsm7_out = gsm7;
    *septets_out = septets;
    *ucs2_out = ucs2_units;
    *chars_out = chars;
    return 0;
}

int text_costs(const char *s, size_t len, bool *ucs2, size_t *septets, size_t *ucs2_units)
{
    bool gsm7;
    size_t chars;
    size_t sep, u;

    if (measure_pass(s, len, &gsm7, &sep, &u, &chars) != 0)
        return -1;
    *ucs2 = !gsm7;
    *septets = sep;
    *ucs2_units = u;
    return 0;
}

int text_measure(const char *s, size_t len, struct text_measure *out)
{
    size_t septets, ucs2_units, chars;
    bool gsm7;
    enum text_encoding enc;

    if (measure_pass(s, len, &gsm7, &septets, &ucs2_units, &chars) != 0)
        return -1;
    enc = gsm7 ? TEXT_GSM7 : TEXT_UCS2;
    out->encoding = enc;
    out->units = gsm7 ? septets : ucs2_units;
    out->chars = chars;
    out->segments = packed_segments(s, len, enc, out->units);
    return 0;
}

/* Whether cp occurs in s[0..end) (used once out[] can no longer tell). */
static bool seen_before(const char *s, size_t end, uint32_t cp)
{
    size_t i = 0;
    uint32_t c;

    while (i < end) {
        size_t k = utf8_decode(s + i, end - i, &c);
        if (k == 0) {
            i++;
            continue;
        }
        if (c == cp)
            return true;
        i += k;
    }
    return false;
}

size_t text_ucs2_forcing(const char *s, size_t len, uint32_t *out, size_t max)
{
    size_t i = 0, found = 0;
    uint32_t cp;

    while (i < len) {
        size_t k = utf8_decode(s + i, len - i, &cp);
        bool dup = false;
        if (k == 0) { /* malformed byte: skipped */
            i++;
            continue;
        }
        if (!gsm_representable(cp)) {
            size_t stored = found < max ? found : max;
            for (size_t j = 0; j < stored && !dup; j++)
                dup = out[j] == cp;
            /* While found <= max, out[] holds every earlier one. */
            if (!dup && found > max)
                dup = seen_before(s, i, cp);
            if (!dup) {
                if (found < max)
                    out[found] = cp;
                found++;
            }
        }
        i += k;
    }
    return found;
}

const char *text_encoding_name(enum text_encoding enc)
{
    switch (enc) {
    case TEXT_GSM7:
        return "gsm7";
    case TEXT_UCS2:
        return "ucs2";
    }
    return "unknown";
}
