/* sms_reply.c -- SMS replies fitted to a number of segments in their own
 * encoding, list replies grown while they fit, the short answers of a
 * guided exchange, and the opt-out hint check. */
#include "core/sms_reply.h"

#include <stdint.h>
#include <string.h>

#include "core/bidi.h"
#include "core/gsm.h"
#include "core/sms_command.h"
#include "core/utf8.h"

#define ELLIPSIS_GSM7 "..."
#define ELLIPSIS_UCS2 "\xE2\x80\xA6" /* U+2026 */
#define FOLD_MAX 1024                /* bytes of a folded text we look at */
/* Bytes of a text measured with its mark in front; a longer one is far
 * beyond any segment budget (SMS_REPLY_SEGMENTS_CEILING), see lead_segments. */
#define DIRECTED_MAX 4096

/* The mark s[0..len) (valid UTF-8) travels with: BIDI_RLM or "". */
static const char *lead_of(const char *s, size_t len)
{
    return bidi_needs_rlm(s, len) ? BIDI_RLM : "";
}

long sms_reply_directed(const char *s, size_t len, char *out, size_t outsz)
{
    if (out && outsz > 0)
        out[0] = '\0';
    if (!out || (s == NULL && len > 0) || !utf8_valid(s ? s : "", len))
        return -1;
    const char *lead = lead_of(s, len);
    size_t ll = strlen(lead);
    if (ll + len >= outsz)
        return -1;
    memcpy(out, lead, ll);
    if (len)
        memcpy(out + ll, s, len);
    out[ll + len] = '\0';
    return (long)(ll + len);
}

/* Segments of lead + s[0..len) (valid UTF-8). A text too long to copy here
 * is counted without the mark's shift of the part boundaries: one unit
 * more, never fewer segments than it has. */
static size_t lead_segments(const char *lead, const char *s, size_t len)
{
    struct text_measure m;
    size_t ll = strlen(lead);
    if (ll == 0 || ll + len >= DIRECTED_MAX) {
        if (text_measure(s, len, &m) != 0)
            return 0;
        return ll == 0 ? m.segments : sms_segments(TEXT_UCS2, m.units + 1);
    }
    char buf[DIRECTED_MAX];
    memcpy(buf, lead, ll);
    memcpy(buf + ll, s, len);
    if (text_measure(buf, ll + len, &m) != 0)
        return 0;
    return m.segments;
}

size_t sms_reply_segments(const char *s, size_t len)
{
    if ((s == NULL && len > 0) || !utf8_valid(s ? s : "", len))
        return 0;
    s = s ? s : "";
    return lead_segments(lead_of(s, len), s, len);
}

bool sms_reply_fits(const char *s, size_t len, size_t max_segments, size_t outsz)
{
    size_t n = sms_reply_segments(s, len);
    return n > 0 && n <= max_segments && len + strlen(lead_of(s, len)) < outsz;
}

static size_t clamp_segments(size_t max_segments)
{
    if (max_segments < 1)
        return 1;
    return max_segments > SMS_REPLY_SEGMENTS_CEILING ? SMS_REPLY_SEGMENTS_CEILING : max_segments;
}

/* The byte before which the previous character of s starts. */
static size_t char_back(const char *s, size_t j)
{
    if (j == 0)
        return 0;
    j--;
    while (j > 0 && ((unsigned char)s[j] & 0xC0) == 0x80)
        j--;
    return j;
}

/* Write lead + s[0..keep) + the ellipsis its encoding takes into out; its
 * segments (0 when it does not fit outsz). */
static size_t candidate(const char *lead, const char *s, size_t keep, char *out, size_t outsz)
{
    struct text_measure m;
    if (text_measure(s, keep, &m) != 0)
        return 0;
    size_t ll = strlen(lead);
    const char *ell = m.encoding == TEXT_GSM7 && ll == 0 ? ELLIPSIS_GSM7 : ELLIPSIS_UCS2;
    size_t el = strlen(ell);
    if (ll + keep + el >= outsz)
        return 0;
    memcpy(out, lead, ll);
    memcpy(out + ll, s, keep);
    memcpy(out + ll + keep, ell, el);
    out[ll + keep + el] = '\0';
    return lead_segments("", out, ll + keep + el);
}

static bool is_cut_punct(char c)
{
    return c == ' ' || c == ',' || c == ';' || c == ':' || c == '-' || c == '\n';
}

/* The longest prefix of s (valid UTF-8, not fitting as it is) that fits
 * max_segments with lead in front and its ellipsis, cut at a word boundary
 * in the second half of what is kept when there is one, into out. */
static long fit_cut(const char *lead, const char *s, size_t len, size_t max_segments, char *out,
                    size_t outsz)
{
    /* One character at a time from the longest the buffer can hold. */
    size_t keep = utf8_floor(s, len, outsz - 1 - strlen(lead) - strlen(ELLIPSIS_UCS2));
    while (keep > 0) {
        size_t n = candidate(lead, s, keep, out, outsz);
        if (n > 0 && n <= max_segments)
            break;
        keep = char_back(s, keep);
    }
    if (keep == 0) {
        out[0] = '\0';
        return 0;
    }
    size_t cut = keep;
    while (cut > keep / 2 && !is_cut_punct(s[cut - 1]) && !is_cut_punct(s[cut]))
        cut--;
    while (cut > keep / 2 && is_cut_punct(s[cut - 1]))
        cut--;
    if (cut > keep / 2 && cut < keep) {
        size_t n = candidate(lead, s, cut, out, outsz);
        if (n > 0 && n <= max_segments)
            return (long)strlen(out);
    }
    (void)candidate(lead, s, keep, out, outsz);
    return (long)strlen(out);
}

long sms_reply_fit(const char *s, size_t len, size_t max_segments, char *out, size_t outsz)
{
    if (out == NULL || outsz < 8) {
        if (out && outsz > 0)
            out[0] = '\0';
        return -1;
    }
    out[0] = '\0';
    if ((s == NULL && len > 0) || !utf8_valid(s ? s : "", len))
        return -1;
    s = s ? s : "";
    max_segments = clamp_segments(max_segments);
    if (sms_reply_fits(s, len, max_segments, outsz))
        return sms_reply_directed(s, len, out, outsz);
    const char *lead = lead_of(s, len);
    long n = fit_cut(lead, s, len, max_segments, out, outsz);
    size_t ll = strlen(lead);
    /* Cut before its Arabic letters, the text needs no mark (and may be
     * GSM-7 after all). */
    if (n > 0 && ll > 0 && !bidi_has_rtl(out + ll, (size_t)n - ll))
        n = fit_cut("", s, len, max_segments, out, outsz);
    return n;
}

bool sms_reply_append(char *buf, size_t bufsz, size_t *len, const char *sep, const char *item,
                      const char *tail, size_t max_segments)
{
    size_t sl = *len > 0 && sep ? strlen(sep) : 0;
    size_t il = item ? strlen(item) : 0;
    size_t tl = tail ? strlen(tail) : 0;
    if (*len + sl + il + tl >= bufsz)
        return false;
    if (sl)
        memcpy(buf + *len, sep, sl);
    if (il)
        memcpy(buf + *len + sl, item, il);
    if (tl)
        memcpy(buf + *len + sl + il, tail, tl);
    size_t total = *len + sl + il + tl;
    buf[total] = '\0';
    bool ok = sms_reply_fits(buf, total, clamp_segments(max_segments), bufsz);
    if (ok) {
        *len += sl + il;
    }
    buf[*len] = '\0';
    return ok;
}

/* Folded words of the answers (as sms_command_fold writes them). */
static const char *const yes_words[] = {
    "yes",     "y",        "oui",    "o",     "ok",  "okay", "accord", "daccord",
    "accepte", "jaccepte", "accept", "agree", "1",   "نعم",  "موافق",  "موافقه",
    "اقبل",    "قبلت",     "واخا",   "اييه",  "ايه", "اه",   NULL};
static const char *const no_words[] = {"no", "n",    "non", "refuse", "2",
                                       "لا", "ارفض", "رفض", "لالا",   NULL};
static const char *const on_words[] = {"on",    "oui",   "yes", "1",   "active", "activer", "actif",
                                       "start", "تشغيل", "نعم", "فعل", "تفعيل",  NULL};
static const char *const off_words[] = {"off",        "non",     "no",   "0",     "desactive",
                                        "desactiver", "inactif", "stop", "ايقاف", "لا",
                                        "وقف",        "توقف",    NULL};

static bool in_list(const char *const *list, const char *w)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(list[i], w) == 0)
            return true;
    return false;
}

enum sms_reply_word sms_reply_word(const char *text, size_t len, bool on_off)
{
    char fold[FOLD_MAX];
    size_t n = sms_command_fold(text, text ? len : 0, fold, sizeof fold);
    if (n == 0)
        return SMS_REPLY_WORD_NONE;
    const char *last = strrchr(fold, ' ');
    last = last ? last + 1 : fold;
    if (in_list(on_off ? on_words : yes_words, last))
        return SMS_REPLY_WORD_YES;
    if (in_list(on_off ? off_words : no_words, last))
        return SMS_REPLY_WORD_NO;
    return SMS_REPLY_WORD_NONE;
}

/* true when needle (folded words) occurs in hay (folded words) as whole
 * words. */
static bool has_words(const char *hay, const char *needle)
{
    size_t nl = strlen(needle);
    if (nl == 0)
        return false;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle)) {
        bool start = p == hay || p[-1] == ' ';
        bool end = p[nl] == '\0' || p[nl] == ' ';
        if (start && end)
            return true;
    }
    return false;
}

bool sms_reply_has_opt_out(const char *text, size_t len, const char *hint)
{
    char fold[FOLD_MAX * 2];
    sms_command_fold(text, text ? len : 0, fold, sizeof fold);
    static const char *const words[] = {"stop", "arret", "توقف"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (has_words(fold, words[i]))
            return true;
    if (hint && *hint) {
        char h[FOLD_MAX];
        sms_command_fold(hint, strlen(hint), h, sizeof h);
        return has_words(fold, h);
    }
    return false;
}
