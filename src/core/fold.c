/* fold.c -- one text folding on utf8proc (compatibility decomposition,
 * case folding, marks stripped) and the small Arabic map Unicode leaves to
 * us: see fold.h. */
#include "core/fold.h"

#include <stdbool.h>
#include <string.h>
#include <utf8proc.h>

#include "core/utf8.h"

#define FOLD_OPTIONS (UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK)
#define FOLD_DECOMPOSED_MAX 32 /* code points of one decomposition we keep */

/* The hand map, applied to each code point utf8proc gives: writes the
 * replacement into out and returns its bytes (0: dropped). */
static size_t fold_by_hand(uint32_t cp, char *out)
{
    if (cp >= 0x0660 && cp <= 0x0669) { /* Arabic-Indic digits */
        out[0] = (char)('0' + (cp - 0x0660));
        return 1;
    }
    if (cp >= 0x06F0 && cp <= 0x06F9) { /* Eastern Arabic-Indic digits */
        out[0] = (char)('0' + (cp - 0x06F0));
        return 1;
    }
    switch (cp) {
    case 0x0640: /* tatweel */
        return 0;
    case 0x0671: /* alef wasla, alefs with wavy hamza: no decomposition */
    case 0x0672:
    case 0x0673:
        cp = 0x0627;
        break;
    case 0x0629: /* teh marbuta -> heh */
        cp = 0x0647;
        break;
    case 0x0649: /* alef maksura, Farsi yeh -> yeh */
    case 0x06CC:
        cp = 0x064A;
        break;
    case 0x06A9: /* keheh -> kaf */
        cp = 0x0643;
        break;
    case 0x0153: /* Latin letters Unicode does not decompose */
        memcpy(out, "oe", 2);
        return 2;
    case 0x00E6:
        memcpy(out, "ae", 2);
        return 2;
    case 0x00F8:
        out[0] = 'o';
        return 1;
    case 0x00F0:
        out[0] = 'd';
        return 1;
    default:
        break;
    }
    return utf8_encode(cp, out);
}

size_t fold_cp(uint32_t cp, char out[FOLD_CP_BYTES])
{
    utf8proc_int32_t dec[FOLD_DECOMPOSED_MAX];
    int boundclass = 0;
    utf8proc_ssize_t n;

    if (cp < 0x80) { /* the common case, without a table walk */
        out[0] = (char)(cp >= 'A' && cp <= 'Z' ? cp + ('a' - 'A') : cp);
        return 1;
    }
    n = utf8proc_decompose_char((utf8proc_int32_t)cp, dec, FOLD_DECOMPOSED_MAX, FOLD_OPTIONS,
                                &boundclass);
    if (n < 0) /* not a code point utf8proc knows: as it is */
        return cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF) ? utf8_encode(cp, out) : 0;
    if (n > FOLD_DECOMPOSED_MAX)
        n = FOLD_DECOMPOSED_MAX;
    size_t j = 0;
    for (utf8proc_ssize_t i = 0; i < n; i++) {
        char buf[4];
        size_t k = fold_by_hand((uint32_t)dec[i], buf);
        if (j + k > FOLD_CP_BYTES)
            break;
        memcpy(out + j, buf, k);
        j += k;
    }
    return j;
}

/* What fold_text does with cp besides folding it. */
enum fold_kind { FOLD_KEEP, FOLD_SPACE, FOLD_DROP };

static enum fold_kind fold_kind_of(uint32_t cp)
{
    switch (utf8proc_category((utf8proc_int32_t)cp)) {
    case UTF8PROC_CATEGORY_ZS:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
        return FOLD_SPACE;
    case UTF8PROC_CATEGORY_CC:
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x85 ? FOLD_SPACE : FOLD_DROP;
    case UTF8PROC_CATEGORY_CF:
        return FOLD_DROP;
    default:
        return FOLD_KEEP;
    }
}

/* Append the folded bytes buf[0..k) to out: a space inside them (some
 * compatibility forms decompose to one) becomes a pending separator, like
 * white space in the text. false when out is full. */
static bool fold_emit(const char *buf, size_t k, char *out, size_t outsz, size_t *j, bool *pending)
{
    for (size_t p = 0; p < k;) {
        if (buf[p] == ' ') {
            *pending = *j > 0;
            p++;
            continue;
        }
        size_t c = 1;
        while (p + c < k && ((unsigned char)buf[p + c] & 0xC0) == 0x80)
            c++;
        if (*j + (*pending ? 1 : 0) + c + 1 > outsz)
            return false;
        if (*pending)
            out[(*j)++] = ' ';
        *pending = false;
        memcpy(out + *j, buf + p, c);
        *j += c;
        p += c;
    }
    return true;
}

size_t fold_text(const char *in, size_t len, char *out, size_t outsz)
{
    size_t i = 0, j = 0;
    bool pending = false;
    uint32_t cp;

    if (outsz == 0)
        return 0;
    if (in == NULL)
        len = 0;
    while (i < len) {
        size_t n = utf8_decode(in + i, len - i, &cp);
        enum fold_kind kind = FOLD_SPACE;
        if (n == 0)
            n = 1; /* an invalid byte separates like a space */
        else
            kind = fold_kind_of(cp);
        i += n;
        if (kind == FOLD_DROP)
            continue;
        if (kind == FOLD_SPACE) {
            pending = j > 0;
            continue;
        }
        char buf[FOLD_CP_BYTES];
        size_t k = fold_cp(cp, buf);
        if (!fold_emit(buf, k, out, outsz, &j, &pending))
            break;
    }
    out[j] = '\0';
    return j;
}
