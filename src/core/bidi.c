/* bidi.c -- strong letters as the Unicode bidirectional algorithm's first
 * step sees them, for the scripts our texts use: Latin (left to right),
 * Arabic and Hebrew (right to left). */
#include "core/bidi.h"

#include <stdint.h>

#include "core/utf8.h"

enum strength { WEAK = 0, LTR, RTL };

static enum strength strength_of(uint32_t cp)
{
    if ((cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') || cp == 0xAA || cp == 0xB5 ||
        cp == 0xBA || (cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7) ||
        (cp >= 0x370 && cp <= 0x3FF) || (cp >= 0x1E00 && cp <= 0x1EFF) ||
        (cp >= 0xFF21 && cp <= 0xFF3A) || (cp >= 0xFF41 && cp <= 0xFF5A) || cp == 0x200E)
        return LTR;
    /* Hebrew, Arabic (letters, not the Arabic-Indic digits), Syriac,
     * Thaana, Arabic supplement and extended, presentation forms; RLM. */
    if ((cp >= 0x0590 && cp <= 0x05FF) ||
        (cp >= 0x0600 && cp <= 0x08FF && !(cp >= 0x0660 && cp <= 0x0669) &&
         !(cp >= 0x06F0 && cp <= 0x06F9) && cp != 0x060C && !(cp >= 0x064B && cp <= 0x065F)) ||
        (cp >= 0xFB1D && cp <= 0xFDFF) || (cp >= 0xFE70 && cp <= 0xFEFF) || cp == 0x200F)
        return RTL;
    return WEAK;
}

/* The first strong letter of s[0..len), and whether any is RTL. */
static enum strength scan(const char *s, size_t len, bool *any_rtl)
{
    enum strength first = WEAK;
    *any_rtl = false;
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t k = utf8_decode(s + i, len - i, &cp);
        if (k == 0)
            break;
        enum strength st = strength_of(cp);
        if (first == WEAK)
            first = st;
        if (st == RTL) {
            *any_rtl = true;
            break;
        }
        i += k;
    }
    return first;
}

bool bidi_has_rtl(const char *s, size_t len)
{
    bool rtl;
    (void)scan(s, len, &rtl);
    return rtl;
}

bool bidi_needs_rlm(const char *s, size_t len)
{
    bool rtl;
    return scan(s, len, &rtl) == LTR && rtl;
}
