/* sms_keyword.c -- the vocabulary of SMS commands besides the command
 * keywords themselves (topics, filler words, language names, greetings,
 * words telling French from English), and how words of a message are
 * matched against a table written in natural spelling: each entry is
 * folded as it is compared, so what a table lists is what it matches. */
#include "core/sms_keyword.h"

#include <stdint.h>
#include <string.h>

#include "core/topic.h"
#include "core/sms_text.h"
#include "core/utf8.h"

#define PHRASE_WORDS_MAX 2
#define SCAN_WORDS 4 /* a greeting of two words, then a keyword of two */

static bool cp_is_arabic_letter(uint32_t cp)
{
    return (cp >= 0x0620 && cp <= 0x063F) || (cp >= 0x0641 && cp <= 0x064A) || cp == 0x066E ||
           cp == 0x066F || (cp >= 0x0671 && cp <= 0x06D3) || cp == 0x06D5 || cp == 0x06EE ||
           cp == 0x06EF || (cp >= 0x06FA && cp <= 0x06FC) || cp == 0x06FF ||
           (cp >= 0x0750 && cp <= 0x077F) || (cp >= 0x08A0 && cp <= 0x08C9) ||
           (cp >= 0xFB50 && cp <= 0xFDFB) || (cp >= 0xFE70 && cp <= 0xFEFC);
}

/* Letters that only French (of our three languages) writes. */
static bool cp_is_french_letter(uint32_t cp)
{
    switch (cp | 0x20) { /* 0xC0..0xDE | 0x20 gives the small letter */
    case 0xE0:
    case 0xE2:
    case 0xE6:
    case 0xE7:
    case 0xE8:
    case 0xE9:
    case 0xEA:
    case 0xEB:
    case 0xEE:
    case 0xEF:
    case 0xF4:
    case 0xF9:
    case 0xFB:
    case 0xFC:
        return cp >= 0xC0 && cp <= 0xFF;
    default:
        return cp == 0x0152 || cp == 0x0153;
    }
}

#define ARABIC_ARTICLE "\xd8\xa7\xd9\x84" /* ال */
#define ARABIC_ARTICLE_LEN 4

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

// clang-format off

static const struct sms_keyword topics[] = {
    {"EVENTS", TOPIC_EVENTS, "en", 0},
    {"EVENT", TOPIC_EVENTS, "en", 0},
    {"ACTIVITIES", TOPIC_EVENTS, "en", 0},
    {"ÉVÉNEMENTS", TOPIC_EVENTS, "fr", 0},
    {"ÉVÉNEMENT", TOPIC_EVENTS, "fr", 0},
    {"ACTIVITÉS", TOPIC_EVENTS, "fr", 0},
    {"أنشطة", TOPIC_EVENTS, "ar", 0},
    {"فعاليات", TOPIC_EVENTS, "ar", 0},
    {"TRAININGS", TOPIC_TRAININGS, "en", 0},
    {"TRAINING", TOPIC_TRAININGS, "en", 0},
    {"WORKSHOPS", TOPIC_TRAININGS, "en", 0},
    {"WORKSHOP", TOPIC_TRAININGS, "en", 0},
    {"FORMATIONS", TOPIC_TRAININGS, "fr", 0},
    {"FORMATION", TOPIC_TRAININGS, "fr", 0},
    {"ATELIERS", TOPIC_TRAININGS, "fr", 0},
    {"ATELIER", TOPIC_TRAININGS, "fr", 0},
    {"ورشات", TOPIC_TRAININGS, "ar", 0},
    {"ورش", TOPIC_TRAININGS, "ar", 0},
    {"تكوين", TOPIC_TRAININGS, "ar", 0},
    {"تكوينات", TOPIC_TRAININGS, "ar", 0},
    {"تدريب", TOPIC_TRAININGS, "ar", 0},
    {"GRANTS", TOPIC_GRANTS, "en", 0},
    {"GRANT", TOPIC_GRANTS, "en", 0},
    {"FUNDING", TOPIC_GRANTS, "en", 0},
    {"SUBVENTIONS", TOPIC_GRANTS, "fr", 0},
    {"SUBVENTION", TOPIC_GRANTS, "fr", 0},
    {"FINANCEMENT", TOPIC_GRANTS, "fr", 0},
    {"FINANCEMENTS", TOPIC_GRANTS, "fr", 0},
    {"دعم", TOPIC_GRANTS, "ar", 0},
    {"تمويل", TOPIC_GRANTS, "ar", 0},
    {"منح", TOPIC_GRANTS, "ar", 0},
    {"منحة", TOPIC_GRANTS, "ar", 0},
    {"IDEATHON", TOPIC_IDEATHON, "", 0},
    {"إيدياثون", TOPIC_IDEATHON, "ar", 0},
    {"إيديثون", TOPIC_IDEATHON, "ar", 0},
    {"NEWS", TOPIC_NEWS, "en", 0},
    {"ACTUALITÉS", TOPIC_NEWS, "fr", 0},
    {"ACTUALITÉ", TOPIC_NEWS, "fr", 0},
    {"NOUVELLES", TOPIC_NEWS, "fr", 0},
    {"INFOS", TOPIC_NEWS, "fr", 0},
    {"أخبار", TOPIC_NEWS, "ar", 0},
    {"مستجدات", TOPIC_NEWS, "ar", 0},
};

/* Words that may stand between STOP/START and the topic. */
static const struct sms_keyword fillers[] = {
    {"ALL", 0, "en", 0}, {"EVERYTHING", 0, "en", 0}, {"THE", 0, "en", 0}, {"MY", 0, "en", 0},
    {"PLEASE", 0, "en", 0}, {"PLS", 0, "en", 0}, {"PLZ", 0, "en", 0}, {"NOW", 0, "en", 0},
    {"THANKS", 0, "en", 0}, {"THANK", 0, "en", 0}, {"YOU", 0, "en", 0}, {"TEXTS", 0, "en", 0},
    {"MESSAGES", 0, "", 0}, {"MESSAGE", 0, "", 0}, {"SMS", 0, "", 0},
    {"TOUT", 0, "fr", 0}, {"TOUS", 0, "fr", 0}, {"TOUTES", 0, "fr", 0}, {"LES", 0, "fr", 0},
    {"LE", 0, "fr", 0}, {"LA", 0, "fr", 0}, {"L", 0, "fr", 0}, {"DES", 0, "fr", 0},
    {"DE", 0, "fr", 0}, {"DU", 0, "fr", 0}, {"D", 0, "fr", 0}, {"MES", 0, "fr", 0},
    {"SVP", 0, "fr", 0}, {"STP", 0, "fr", 0}, {"S", 0, "fr", 0}, {"IL", 0, "fr", 0},
    {"VOUS", 0, "fr", 0}, {"PLAÎT", 0, "fr", 0}, {"MERCI", 0, "fr", 0},
    {"MAINTENANT", 0, "fr", 0},
    {"كل", 0, "ar", 0}, {"جميع", 0, "ar", 0}, {"رسائل", 0, "ar", 0}, {"من", 0, "ar", 0},
    {"فضلك", 0, "ar", 0}, {"لو", 0, "ar", 0}, {"سمحت", 0, "ar", 0}, {"المرجو", 0, "ar", 0},
    {"عافاك", 0, "ar", 0}, {"شكرا", 0, "ar", 0},
};

enum { LANG_AR, LANG_FR, LANG_EN };
static const char *const lang_codes[] = {"ar", "fr", "en"};

static const struct sms_keyword languages[] = {
    {"AR", LANG_AR, "", SMS_KEYWORD_CODE}, {"ARABIC", LANG_AR, "en", 0}, {"ARABE", LANG_AR, "fr", 0},
    {"ARAB", LANG_AR, "en", 0}, {"DARIJA", LANG_AR, "", 0}, {"عربي", LANG_AR, "ar", 0},
    {"عربية", LANG_AR, "ar", 0}, {"دارجة", LANG_AR, "ar", 0},
    {"FR", LANG_FR, "", SMS_KEYWORD_CODE}, {"FRENCH", LANG_FR, "en", 0}, {"FRANÇAIS", LANG_FR, "fr", 0},
    {"فرنسي", LANG_FR, "ar", 0}, {"فرنسية", LANG_FR, "ar", 0}, {"فرنساوي", LANG_FR, "ar", 0},
    {"EN", LANG_EN, "", SMS_KEYWORD_CODE}, {"ENGLISH", LANG_EN, "en", 0}, {"ANGLAIS", LANG_EN, "fr", 0},
    {"انجليزي", LANG_EN, "ar", 0}, {"انجليزية", LANG_EN, "ar", 0}, {"انكليزي", LANG_EN, "ar", 0},
    {"انكليزية", LANG_EN, "ar", 0},
};

/* One greeting may come before the keyword, and one of these after it. */
static const struct sms_keyword greetings[] = {
    {"SALAM", 0, "", 0}, {"SLM", 0, "", 0}, {"ASSALAM", 0, "", 0}, {"ASSALAMU", 0, "", 0},
    {"ASSALAMOU", 0, "", 0}, {"ESSALAM", 0, "", 0}, {"BONJOUR", 0, "fr", 0},
    {"BONSOIR", 0, "fr", 0}, {"SALUT", 0, "fr", 0}, {"HELLO", 0, "en", 0}, {"HI", 0, "en", 0},
    {"HEY", 0, "en", 0}, {"سلام", 0, "ar", 0}, {"مرحبا", 0, "ar", 0}, {"صباح", 0, "ar", 0},
    {"مساء", 0, "ar", 0},
};

static const struct sms_keyword greeting_ends[] = {
    {"ALAIKUM", 0, "", 0}, {"ALAYKUM", 0, "", 0}, {"ALEIKUM", 0, "", 0}, {"ALIKUM", 0, "", 0},
    {"ALIKOUM", 0, "", 0}, {"ALEYKOUM", 0, "", 0}, {"ALAYKOUM", 0, "", 0}, {"ALIKOM", 0, "", 0},
    {"3ALIKOM", 0, "", 0}, {"3LIKOM", 0, "", 0}, {"عليكم", 0, "ar", 0}, {"الخير", 0, "ar", 0},
    {"النور", 0, "ar", 0},
};

/* Common words telling French from English in sms_command_guess_language. */
static const struct sms_keyword guess_words[] = {
    {"JE", LANG_FR, "fr", 0}, {"J", LANG_FR, "fr", 0}, {"VEUX", LANG_FR, "fr", 0},
    {"VOUDRAIS", LANG_FR, "fr", 0}, {"LE", LANG_FR, "fr", 0}, {"LA", LANG_FR, "fr", 0},
    {"LES", LANG_FR, "fr", 0}, {"DES", LANG_FR, "fr", 0}, {"DU", LANG_FR, "fr", 0},
    {"EST", LANG_FR, "fr", 0}, {"ET", LANG_FR, "fr", 0}, {"POUR", LANG_FR, "fr", 0},
    {"PAS", LANG_FR, "fr", 0}, {"NE", LANG_FR, "fr", 0}, {"BONJOUR", LANG_FR, "fr", 0},
    {"BONSOIR", LANG_FR, "fr", 0}, {"SALUT", LANG_FR, "fr", 0}, {"MERCI", LANG_FR, "fr", 0},
    {"SVP", LANG_FR, "fr", 0}, {"STP", LANG_FR, "fr", 0}, {"OUI", LANG_FR, "fr", 0},
    {"NON", LANG_FR, "fr", 0}, {"MON", LANG_FR, "fr", 0}, {"MA", LANG_FR, "fr", 0},
    {"MES", LANG_FR, "fr", 0}, {"UNE", LANG_FR, "fr", 0}, {"AVEC", LANG_FR, "fr", 0},
    {"SUR", LANG_FR, "fr", 0}, {"DANS", LANG_FR, "fr", 0}, {"VOUS", LANG_FR, "fr", 0},
    {"NOUS", LANG_FR, "fr", 0}, {"SUIS", LANG_FR, "fr", 0}, {"QUE", LANG_FR, "fr", 0},
    {"COMMENT", LANG_FR, "fr", 0}, {"QUAND", LANG_FR, "fr", 0},
    {"THE", LANG_EN, "en", 0}, {"I", LANG_EN, "en", 0}, {"WANT", LANG_EN, "en", 0},
    {"WOULD", LANG_EN, "en", 0}, {"PLEASE", LANG_EN, "en", 0}, {"THANKS", LANG_EN, "en", 0},
    {"THANK", LANG_EN, "en", 0}, {"YOU", LANG_EN, "en", 0}, {"HELLO", LANG_EN, "en", 0},
    {"HI", LANG_EN, "en", 0}, {"HEY", LANG_EN, "en", 0}, {"MY", LANG_EN, "en", 0},
    {"IS", LANG_EN, "en", 0}, {"AND", LANG_EN, "en", 0}, {"FOR", LANG_EN, "en", 0},
    {"NOT", LANG_EN, "en", 0}, {"YES", LANG_EN, "en", 0}, {"NO", LANG_EN, "en", 0},
    {"WITH", LANG_EN, "en", 0}, {"WHAT", LANG_EN, "en", 0}, {"HOW", LANG_EN, "en", 0},
    {"WHEN", LANG_EN, "en", 0}, {"WHERE", LANG_EN, "en", 0}, {"THIS", LANG_EN, "en", 0},
    {"AM", LANG_EN, "en", 0}, {"CAN", LANG_EN, "en", 0},
};
// clang-format on

/* Skip to the next word character of an entry's text; false at its end. */
static bool entry_skip(const char *e, size_t len, size_t *pos)
{
    uint32_t cp;
    while (*pos < len) {
        size_t n = utf8_decode(e + *pos, len - *pos, &cp);
        if (n == 0 || sms_text_classify(cp) == SMS_TEXT_WORD)
            return n != 0;
        *pos += n;
    }
    return false;
}

/* Does the entry's word at *pos, folded, equal fold[0..n)? Folds as it
 * compares, so most entries are rejected on their first letter. Advances
 * *pos past the word. */
static bool entry_word_equal(const char *e, size_t len, size_t *pos, const char *fold, size_t n)
{
    size_t i = *pos, j = 0;
    uint32_t cp;

    while (i < len) {
        size_t k = utf8_decode(e + i, len - i, &cp);
        if (k == 0)
            break;
        enum sms_text_class c = sms_text_classify(cp);
        if (c == SMS_TEXT_WORD) {
            char buf[SMS_TEXT_FOLD_CP_BYTES];
            size_t m = sms_text_fold_cp(cp, buf);
            if (j + m > n || memcmp(fold + j, buf, m) != 0)
                return false;
            j += m;
        } else if (c != SMS_TEXT_MARK && c != SMS_TEXT_FORMAT) {
            break;
        }
        i += k;
    }
    *pos = i;
    return j == n;
}

/* Does the text's word w read as the entry's word at *pos? Also with the
 * Arabic article in front ("الانشطه" for "انشطه"), for Arabic words. */
static bool entry_word_matches(const char *e, size_t len, size_t *pos,
                               const struct sms_text_word *w)
{
    size_t start = *pos;

    if (w->too_long)
        return false;
    if (entry_word_equal(e, len, pos, w->fold, w->fold_len))
        return true;
    *pos = start;
    return w->fold_len > ARABIC_ARTICLE_LEN &&
           memcmp(w->fold, ARABIC_ARTICLE, ARABIC_ARTICLE_LEN) == 0 &&
           (unsigned char)w->fold[ARABIC_ARTICLE_LEN] >= 0x80 &&
           entry_word_equal(e, len, pos, w->fold + ARABIC_ARTICLE_LEN,
                            w->fold_len - ARABIC_ARTICLE_LEN);
}

/* How many words of the text (words[0..nwords)) the whole entry e
 * matches; 0 when it does not. */
static size_t entry_match(const struct sms_keyword *e, const struct sms_text_word *words,
                          size_t nwords)
{
    unsigned char first = (unsigned char)e->text[0];

    /* Most entries start with an ASCII letter: reject them on one byte. */
    if (nwords == 0 || words[0].fold_len == 0 ||
        (first < 0x80 && (first | 0x20) != (unsigned char)words[0].fold[0]))
        return 0;
    size_t len = strlen(e->text), pos = 0, k = 0;

    while (entry_skip(e->text, len, &pos)) {
        if (k >= nwords || !entry_word_matches(e->text, len, &pos, &words[k]))
            return 0;
        k++;
    }
    return k;
}

/* The entry of tab matching the longest run of words starting at words[0]
 * (at most nwords); NULL when none. *matched gets its number of words. */
static const struct sms_keyword *table_match(const struct sms_keyword *tab, size_t n,
                                             const struct sms_text_word *words, size_t nwords,
                                             size_t *matched)
{
    const struct sms_keyword *best = NULL;
    size_t best_k = 0;

    for (size_t i = 0; i < n; i++) {
        size_t k = entry_match(&tab[i], words, nwords);
        if (k > best_k) {
            best = &tab[i];
            best_k = k;
        }
    }
    *matched = best_k;
    return best;
}

/* The entry of tab that is the single word w, or NULL. */
static const struct sms_keyword *table_find(const struct sms_keyword *tab, size_t n,
                                            const struct sms_text_word *w)
{
    size_t k;
    return table_match(tab, n, w, 1, &k);
}

/* ---- the start of a message ---- */

void sms_keyword_find(const struct sms_keyword *table, size_t ntable, const char *s, size_t len,
                      struct sms_keyword_found *f)
{
    struct sms_text_word w[SCAN_WORDS];
    size_t n = 0, pos = 0, skip = 0;
    const struct sms_keyword *g = NULL;

    while (n < SCAN_WORDS && sms_text_word_next(s, len, &pos, &w[n]))
        n++;
    if (n > 0)
        g = table_find(greetings, COUNT(greetings), &w[0]);
    if (g != NULL) {
        skip = 1;
        if (n > 1 && table_find(greeting_ends, COUNT(greeting_ends), &w[1]) != NULL)
            skip = 2;
        if (skip >= n) /* nothing after the greeting: it is the message */
            skip = 0;
    }
    f->greeting_lang = skip > 0 ? g->lang : "";
    f->nwords = n - skip < PHRASE_WORDS_MAX ? n - skip : PHRASE_WORDS_MAX;
    f->keyword = NULL;
    f->rest = len;
    f->tanween = false;
    if (f->nwords == 0)
        return;
    size_t k;
    f->keyword = table_match(table, ntable, &w[skip], f->nwords, &k);
    if (f->keyword == NULL)
        return;
    f->rest = w[skip + k - 1].end;
    for (size_t i = 0; i < k; i++)
        f->tanween |= w[skip + i].tanween;
}

void sms_keyword_read_modifiers(const char *s, size_t len, size_t from, bool any_other_means_all,
                                struct sms_keyword_modifiers *m)
{
    struct sms_text_word w;
    size_t pos = from;
    bool decided = false, conflict = false;
    int t = -1; /* TOPIC_*, or -1 for every topic */

    m->only_topics = true;
    m->lang = "";
    while (sms_text_word_next(s, len, &pos, &w)) {
        const struct sms_keyword *topic = table_find(topics, COUNT(topics), &w);
        const struct sms_keyword *filler = NULL, *language = NULL;
        if (topic == NULL)
            filler = table_find(fillers, COUNT(fillers), &w);
        if (topic == NULL && filler == NULL)
            language = table_find(languages, COUNT(languages), &w);
        const struct sms_keyword *known = topic != NULL    ? topic
                                          : filler != NULL ? filler
                                                           : language;
        if (m->lang[0] == '\0' && known != NULL)
            m->lang = known->lang;
        if (topic != NULL) {
            if (!decided) {
                t = topic->value;
                decided = true;
            } else if (any_other_means_all && t >= 0 && topic->value != t) {
                conflict = true;
            }
        } else if (filler == NULL) { /* a language name or any other word */
            m->only_topics = false;
            decided = true;
        }
    }
    if (conflict)
        t = -1;
    m->topic = t >= 0 ? topic_codes[t] : NULL;
}

const char *sms_keyword_language(const char *s, size_t len, size_t from)
{
    struct sms_text_word w;
    size_t pos = from;
    int code = -1;

    for (int i = 0; i < 3 && sms_text_word_next(s, len, &pos, &w); i++) {
        const struct sms_keyword *e = table_find(languages, COUNT(languages), &w);
        if (e == NULL)
            continue;
        if (!(e->flags & SMS_KEYWORD_CODE))
            return lang_codes[e->value];
        if (code < 0)
            code = e->value;
    }
    return code >= 0 ? lang_codes[code] : NULL;
}

const char *sms_keyword_guess_language(const char *text, size_t len)
{
    size_t i = 0, pos = 0;
    unsigned fr = 0, en = 0;
    uint32_t cp;
    struct sms_text_word w;

    if (text == NULL)
        return "";
    while (i < len) {
        size_t n = utf8_decode(text + i, len - i, &cp);
        if (n == 0) {
            i++;
            continue;
        }
        if (cp_is_arabic_letter(cp))
            return "ar";
        fr += cp_is_french_letter(cp);
        i += n;
    }
    while (sms_text_word_next(text, len, &pos, &w)) {
        const struct sms_keyword *e = table_find(guess_words, COUNT(guess_words), &w);
        if (e != NULL && e->value == LANG_FR)
            fr += 2;
        else if (e != NULL)
            en += 2;
    }
    if (fr > en)
        return "fr";
    if (en > fr)
        return "en";
    return "";
}
