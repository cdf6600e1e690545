/* sms_text.c -- the characters of an SMS as the keyword parser sees them:
 * classes (word, space, punctuation, mark, invisible, control), digits of
 * three scripts, letters folded for comparison, and folded words. */
#include "core/sms_text.h"

#include <string.h>

#include "core/fold.h"
#include "core/utf8.h"

static bool cp_is_space(uint32_t cp)
{
    return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
           cp == 0x205F || cp == 0x3000;
}

static bool cp_is_format(uint32_t cp)
{
    return cp == 0x00AD || cp == 0x061C || cp == 0x180E || cp == 0x200B || cp == 0x200E ||
           cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x2064) ||
           (cp >= 0x2066 && cp <= 0x206F) || cp == 0xFEFF || (cp >= 0xFFF9 && cp <= 0xFFFB) ||
           (cp >= 0xE0000 && cp <= 0xE007F);
}

static bool cp_is_mark(uint32_t cp)
{
    return (cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x0610 && cp <= 0x061A) || cp == 0x0640 ||
           (cp >= 0x064B && cp <= 0x065F) || cp == 0x0670 || (cp >= 0x06D6 && cp <= 0x06DC) ||
           (cp >= 0x06DF && cp <= 0x06E4) || cp == 0x06E7 || cp == 0x06E8 ||
           (cp >= 0x06EA && cp <= 0x06ED) || (cp >= 0x08D3 && cp <= 0x08FF) ||
           (cp >= 0x1AB0 && cp <= 0x1AFF) || (cp >= 0x1DC0 && cp <= 0x1DFF) || cp == 0x200C ||
           cp == 0x200D || (cp >= 0x20D0 && cp <= 0x20FF) || (cp >= 0xFE00 && cp <= 0xFE0F) ||
           (cp >= 0xFE20 && cp <= 0xFE2F) || (cp >= 0xE0100 && cp <= 0xE01EF);
}

/* Letters and digits. Scripts taawun does not read (Tifinagh, Greek, ...)
 * still make words: they simply match no keyword. */
static bool cp_is_word(uint32_t cp)
{
    if (cp < 0x80)
        return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
    if (cp < 0xC0)
        return false;
    if (cp <= 0xFF)
        return cp != 0xD7 && cp != 0xF7;
    if (cp < 0x02B0)
        return true;
    if (cp < 0x0370) /* modifier letters (ʼ), combining marks */
        return false;
    if (cp < 0x0600)
        return cp != 0x037E && cp != 0x0387 && cp != 0x0589 && cp != 0x05BE && cp != 0x05C0 &&
               cp != 0x05C3 && cp != 0x05C6 && cp != 0x05F3 && cp != 0x05F4;
    if (cp <= 0x06FF) /* Arabic */
        return (cp >= 0x0620 && cp <= 0x063F) || (cp >= 0x0641 && cp <= 0x064A) ||
               (cp >= 0x0660 && cp <= 0x0669) || cp == 0x066E || cp == 0x066F ||
               (cp >= 0x0671 && cp <= 0x06D3) || cp == 0x06D5 || cp == 0x06EE || cp == 0x06EF ||
               (cp >= 0x06F0 && cp <= 0x06FC) || cp == 0x06FF;
    if (cp < 0x2000)
        return true;
    if (cp < 0x2C00) /* punctuation, symbols, arrows, boxes, dingbats */
        return false;
    if (cp < 0x2E00)
        return true; /* Tifinagh lives here (U+2D30) */
    if (cp < 0x2E80)
        return false;
    if (cp < 0x3000)
        return true;
    if (cp < 0x3040)
        return false;
    if (cp < 0xE000)
        return true;
    if (cp < 0xF900) /* private use */
        return false;
    if (cp < 0xFE10)
        return cp != 0xFD3E && cp != 0xFD3F && cp != 0xFDFC && cp != 0xFDFD;
    if (cp < 0xFE70)
        return false;
    if (cp < 0xFEFF)
        return true; /* Arabic presentation forms B */
    if (cp >= 0xFF00 && cp <= 0xFFEF)
        return (cp >= 0xFF10 && cp <= 0xFF19) || (cp >= 0xFF21 && cp <= 0xFF3A) ||
               (cp >= 0xFF41 && cp <= 0xFF5A) || cp >= 0xFF66;
    if (cp < 0x10000)
        return false;
    if (cp < 0x1F000)
        return true;
    if (cp < 0x20000) /* emoji and symbols */
        return false;
    return cp < 0x40000;
}

enum sms_text_class sms_text_classify(uint32_t cp)
{
    if (cp < 0x80) {
        if ((cp >= '0' && cp <= '9') || ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z'))
            return SMS_TEXT_WORD;
        if (cp == ' ' || (cp >= 0x09 && cp <= 0x0D))
            return SMS_TEXT_SPACE;
        return cp < 0x20 || cp == 0x7F ? SMS_TEXT_CONTROL : SMS_TEXT_PUNCT;
    }
    if (cp_is_space(cp))
        return SMS_TEXT_SPACE;
    if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F))
        return SMS_TEXT_CONTROL;
    if (cp_is_format(cp))
        return SMS_TEXT_FORMAT;
    if (cp_is_mark(cp))
        return SMS_TEXT_MARK;
    if (cp_is_word(cp))
        return SMS_TEXT_WORD;
    return SMS_TEXT_PUNCT;
}

/* The value of an ASCII, Arabic-Indic or Eastern Arabic-Indic digit; -1. */
int sms_text_digit(uint32_t cp)
{
    if (cp >= '0' && cp <= '9')
        return (int)(cp - '0');
    if (cp >= 0x0660 && cp <= 0x0669)
        return (int)(cp - 0x0660);
    if (cp >= 0x06F0 && cp <= 0x06F9)
        return (int)(cp - 0x06F0);
    return -1;
}

/* Fold one word character for comparison: core/fold does it (utf8proc and
 * the small Arabic map), so keywords, references and staff search fold
 * alike. */
size_t sms_text_fold_cp(uint32_t cp, char out[SMS_TEXT_FOLD_CP_BYTES])
{
    return fold_cp(cp, out);
}

/* The next word of s[0..len) at or after *pos, folded; false at the end.
 * Invalid bytes separate words. */
bool sms_text_word_next(const char *s, size_t len, size_t *pos, struct sms_text_word *w)
{
    size_t i = *pos, n;
    uint32_t cp;

    while (i < len) {
        n = utf8_decode(s + i, len - i, &cp);
        if (n == 0) {
            i++;
            continue;
        }
        if (sms_text_classify(cp) == SMS_TEXT_WORD)
            break;
        i += n;
    }
    if (i >= len) {
        *pos = len;
        return false;
    }
    w->start = i;
    w->fold_len = 0;
    w->too_long = false;
    w->tanween = false;
    while (i < len) {
        n = utf8_decode(s + i, len - i, &cp);
        if (n == 0)
            break;
        enum sms_text_class c = sms_text_classify(cp);
        if (c == SMS_TEXT_WORD) {
            char buf[SMS_TEXT_FOLD_CP_BYTES];
            size_t k = sms_text_fold_cp(cp, buf);
            if (w->fold_len + k <= SMS_TEXT_FOLD_MAX) {
                memcpy(w->fold + w->fold_len, buf, k);
                w->fold_len += k;
            } else {
                w->too_long = true;
            }
        } else if (c == SMS_TEXT_MARK || c == SMS_TEXT_FORMAT) {
            if (cp == 0x064B)
                w->tanween = true;
        } else {
            break;
        }
        i += n;
    }
    w->end = i;
    *pos = i;
    return true;
}

size_t sms_text_clean_controls(const char *in, size_t len, char *out)
{
    size_t j = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == 0x00) {
            out[j++] = '@';
        } else if (c == '\t') {
            out[j++] = ' ';
        } else if ((c < 0x20 && c != '\n' && c != '\r') || c == 0x7F) {
            continue;
        } else if (c == 0xC2 && i + 1 < len && (unsigned char)in[i + 1] >= 0x80 &&
                   (unsigned char)in[i + 1] <= 0x9F) {
            i++; /* a C1 control, U+0080..U+009F */
        } else {
            out[j++] = (char)c;
        }
    }
    return j;
}
