/* sms_argument.c -- what follows a keyword, normalised: free text (spaces
 * made one, invisible marks and controls removed, digits folded),
 * references and codes (spaces removed, ASCII upper-cased), and the fields
 * of a one-message registration. */
#include "core/sms_argument.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sms_text.h"
#include "core/utf8.h"

/* Separators skipped right after a keyword and trimmed from field ends. */
static bool cp_is_lead_punct(uint32_t cp)
{
    switch (cp) {
    case '!':
    case '#':
    case '*':
    case ',':
    case '-':
    case '.':
    case '/':
    case ':':
    case ';':
    case '=':
    case '>':
    case '?':
    case '\\':
    case '_':
    case '|':
    case '~':
    case 0xA1:
    case 0xBF:
    case 0x060C:
    case 0x061B:
    case 0x061F:
    case 0x06D4:
    case 0x2013:
    case 0x2014:
    case 0x2026:
        return true;
    default:
        return false;
    }
}

/* Separators of the fields of a one-message registration. */
static bool cp_is_field_sep(uint32_t cp)
{
    return cp == ';' || cp == ',' || cp == '*' || cp == '#' || cp == 0x060C || cp == 0x061B;
}

/* Step back over one code point of valid UTF-8 ending at out[j]. */
static size_t utf8_back(const char *out, size_t j)
{
    do
        j--;
    while (j > 0 && ((unsigned char)out[j] & 0xC0) == 0x80);
    return j;
}

/* Normalise s[from..to) into out (cap bytes of text and a NUL): leading
 * separators skipped, runs of spaces made one space, invisible marks and
 * controls removed, digits folded, cut at a character boundary
 * (*truncated), trailing spaces removed (and trailing separators with
 * trim_punct); a text without a word character becomes "" (not cut). */
size_t sms_argument_text(const char *s, size_t from, size_t to, char *out, size_t cap,
                         bool trim_punct, bool *truncated)
{
    size_t i = from, j = 0, n;
    bool pending_space = false, any_word = false;
    uint32_t cp;

    while (i < to) {
        n = utf8_decode(s + i, to - i, &cp);
        if (n == 0) {
            i++;
            continue;
        }
        enum sms_text_class c = sms_text_classify(cp);
        if (c != SMS_TEXT_SPACE && c != SMS_TEXT_CONTROL && c != SMS_TEXT_FORMAT &&
            !cp_is_lead_punct(cp))
            break;
        i += n;
    }
    while (i < to) {
        n = utf8_decode(s + i, to - i, &cp);
        if (n == 0) { /* only for invalid input: dropped */
            i++;
            continue;
        }
        i += n;
        enum sms_text_class c = sms_text_classify(cp);
        if (c == SMS_TEXT_SPACE) {
            pending_space = j > 0;
            continue;
        }
        if (c == SMS_TEXT_CONTROL || c == SMS_TEXT_FORMAT)
            continue;
        char buf[4];
        int d = sms_text_digit(cp);
        size_t k = 1;
        if (d >= 0)
            buf[0] = (char)('0' + d);
        else
            k = utf8_encode(cp, buf);
        if (j + k + (pending_space ? 1 : 0) > cap) {
            *truncated = true;
            break;
        }
        if (pending_space)
            out[j++] = ' ';
        pending_space = false;
        memcpy(out + j, buf, k);
        j += k;
        any_word |= c == SMS_TEXT_WORD;
    }
    while (trim_punct && j > 0) {
        size_t p = utf8_back(out, j);
        if (utf8_decode(out + p, j - p, &cp) == 0 || !(cp_is_lead_punct(cp) || cp == ' '))
            break;
        j = p;
    }
    if (!any_word) {
        j = 0;
        *truncated = false;
    }
    out[j] = '\0';
    return j;
}

/* A reference or code: spaces, marks and controls removed, digits folded,
 * ASCII letters upper-cased, punctuation removed at both ends. */
size_t sms_argument_code(const char *s, size_t from, size_t to, char *out, size_t cap,
                         bool *truncated)
{
    size_t i = from, j = 0, last_word_end = 0, n;
    uint32_t cp;

    while (i < to) {
        n = utf8_decode(s + i, to - i, &cp);
        if (n == 0) {
            i++;
            continue;
        }
        i += n;
        enum sms_text_class c = sms_text_classify(cp);
        if (c == SMS_TEXT_SPACE || c == SMS_TEXT_CONTROL || c == SMS_TEXT_FORMAT ||
            c == SMS_TEXT_MARK)
            continue;
        if (j == 0 && c != SMS_TEXT_WORD)
            continue;
        /* Letters and digits folded as keywords are (core/fold: fullwidth
         * ＧＲ２０２６ reads GR2026), ASCII letters then upper-cased. */
        char buf[SMS_TEXT_FOLD_CP_BYTES];
        size_t k = c == SMS_TEXT_WORD ? sms_text_fold_cp(cp, buf) : utf8_encode(cp, buf), kept = 0;
        for (size_t b = 0; b < k; b++) {
            if (buf[b] == ' ') /* a few decompositions hold spaces (U+FDFA) */
                continue;
            buf[kept++] = (char)(buf[b] >= 'a' && buf[b] <= 'z' ? buf[b] - ('a' - 'A') : buf[b]);
        }
        k = kept;
        if (k == 0)
            continue;
        if (j + k > cap) {
            *truncated = true;
            break;
        }
        memcpy(out + j, buf, k);
        j += k;
        if (c == SMS_TEXT_WORD)
            last_word_end = j;
    }
    out[last_word_end] = '\0';
    return last_word_end;
}

static bool has_word_char(const char *s, size_t from, size_t to)
{
    uint32_t cp;
    for (size_t i = from; i < to;) {
        size_t n = utf8_decode(s + i, to - i, &cp);
        if (n == 0) {
            i++;
            continue;
        }
        if (sms_text_classify(cp) == SMS_TEXT_WORD)
            return true;
        i += n;
    }
    return false;
}

size_t sms_argument_fields(const char *s, size_t from, size_t to, char *fields, size_t max_fields,
                           size_t field_size, bool *too_many)
{
    size_t i = from, start, count = 0, used = 0, n;
    uint32_t cp = 0;

    /* Separators right after the keyword ("REGISTER; Fatima", "#Fatima"). */
    while (i < to) {
        n = utf8_decode(s + i, to - i, &cp);
        if (n == 0)
            break;
        enum sms_text_class c = sms_text_classify(cp);
        if (c != SMS_TEXT_SPACE && c != SMS_TEXT_CONTROL && c != SMS_TEXT_FORMAT &&
            !cp_is_lead_punct(cp))
            break;
        i += n;
    }
    start = i;
    for (;;) {
        bool at_end = i >= to;
        n = at_end ? 1 : utf8_decode(s + i, to - i, &cp);
        if (n == 0) { /* only for invalid input: not a separator */
            n = 1;
            cp = 0xFFFD;
        }
        if (at_end || cp_is_field_sep(cp)) {
            if (count < max_fields) {
                bool cut = false;
                char *field = fields + count * field_size;
                if (sms_argument_text(s, start, i, field, field_size - 1, true, &cut) > 0)
                    used = count + 1;
            } else if (has_word_char(s, start, i)) {
                *too_many = true;
                used = max_fields;
            }
            count++;
            if (at_end)
                break;
            start = i + n;
        }
        i += n;
    }
    return used;
}

bool sms_argument_reference(const char *code, const char *default_prefix, char *out, size_t outsz)
{
    char prefix[8], digits[16];
    size_t np = 0, nd = 0;
    const char *p = code;

    for (; (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'); p++) {
        if (np + 1 >= sizeof prefix)
            return false;
        prefix[np++] = (char)(*p >= 'a' ? *p - ('a' - 'A') : *p);
    }
    for (; *p; p++) {
        if (*p >= '0' && *p <= '9') {
            if (nd + 1 >= sizeof digits)
                return false;
            digits[nd++] = *p;
        } else if (*p != '-' && *p != ' ' && *p != '/' && *p != '.') {
            return false;
        }
    }
    if (nd < 5 || nd > 9 || outsz < 32)
        return false;
    prefix[np] = '\0';
    digits[nd] = '\0';
    unsigned long number = strtoul(digits + 4, NULL, 10);
    snprintf(out, outsz, "%s-%.4s-%05lu", np ? prefix : default_prefix, digits, number);
    return true;
}
