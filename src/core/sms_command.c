/* sms_command.c -- SMS keywords in Arabic, French and English read into a
 * command, a language and a normalised argument. Words are folded (case,
 * accents, Arabic letter variants, digits) and compared with small tables;
 * the keyword tables are written in natural spelling and folded the same
 * way when compared, so what the header lists is what the code matches. */
#include "core/sms_command.h"

#include <stdint.h>
#include <string.h>

#include "core/utf8.h"

/* ---- characters ---- */

enum cp_class {
    CP_WORD,    /* letter or digit: part of a word */
    CP_SPACE,   /* white space: separates words, one space in arguments */
    CP_PUNCT,   /* punctuation, symbols, emoji: separates words */
    CP_MARK,    /* combining marks, harakat, tatweel, ZWJ/ZWNJ, variation
                 * selectors: ignored inside words, kept in arguments */
    CP_FORMAT,  /* invisible marks (RLM, BOM, ...): ignored, removed */
    CP_CONTROL, /* control characters: separate words, removed */
};

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

static enum cp_class cp_class(uint32_t cp)
{
    if (cp < 0x80) {
        if ((cp >= '0' && cp <= '9') || ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z'))
            return CP_WORD;
        if (cp == ' ' || (cp >= 0x09 && cp <= 0x0D))
            return CP_SPACE;
        return cp < 0x20 || cp == 0x7F ? CP_CONTROL : CP_PUNCT;
    }
    if (cp_is_space(cp))
        return CP_SPACE;
    if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F))
        return CP_CONTROL;
    if (cp_is_format(cp))
        return CP_FORMAT;
    if (cp_is_mark(cp))
        return CP_MARK;
    if (cp_is_word(cp))
        return CP_WORD;
    return CP_PUNCT;
}

/* The value of an ASCII, Arabic-Indic or Eastern Arabic-Indic digit; -1. */
static int cp_digit(uint32_t cp)
{
    if (cp >= '0' && cp <= '9')
        return (int)(cp - '0');
    if (cp >= 0x0660 && cp <= 0x0669)
        return (int)(cp - 0x0660);
    if (cp >= 0x06F0 && cp <= 0x06F9)
        return (int)(cp - 0x06F0);
    return -1;
}

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

/* Fold one word character for comparison into out (4 bytes); returns the
 * bytes written (1..4). */
static size_t fold_cp(uint32_t cp, char out[4])
{
    /* Latin-1 letters by cp & 0x1F; '?' marks the cases handled below. */
    static const char latin1[] = "aaaaaa?ceeeeiiiidnooooo?ouuuuy??";
    int d = cp_digit(cp);

    if (d >= 0) {
        out[0] = (char)('0' + d);
        return 1;
    }
    if (cp >= 0xFF01 && cp <= 0xFF5E) /* fullwidth ASCII */
        cp -= 0xFEE0;
    if (cp < 0x80) {
        out[0] = (char)(cp >= 'A' && cp <= 'Z' ? cp + ('a' - 'A') : cp);
        return 1;
    }
    if (cp >= 0xC0 && cp <= 0xFF) {
        char c = latin1[cp & 0x1F];
        if (c != '?') {
            out[0] = c;
            return 1;
        }
        switch (cp) {
        case 0xC6:
        case 0xE6:
            memcpy(out, "ae", 2);
            return 2;
        case 0xDF:
            memcpy(out, "ss", 2);
            return 2;
        case 0xFF:
            out[0] = 'y';
            return 1;
        case 0xDE:
            cp = 0xFE;
            break;
        default:
            break;
        }
    }
    switch (cp) {
    case 0x0152:
    case 0x0153:
        memcpy(out, "oe", 2);
        return 2;
    case 0x0178:
        out[0] = 'y';
        return 1;
    case 0x0622:
    case 0x0623:
    case 0x0625:
    case 0x0671:
    case 0x0672:
    case 0x0673:
        cp = 0x0627; /* alef */
        break;
    case 0x0629:
        cp = 0x0647; /* teh marbuta -> heh */
        break;
    case 0x0649:
    case 0x06CC:
    case 0x0626:
        cp = 0x064A; /* alef maksura, Farsi yeh, yeh with hamza -> yeh */
        break;
    case 0x0624:
        cp = 0x0648; /* waw with hamza -> waw */
        break;
    case 0x06A9:
        cp = 0x0643; /* keheh -> kaf */
        break;
    default:
        break;
    }
    return utf8_encode(cp, out);
}

/* ---- words ---- */

#define WORD_FOLD_MAX 48 /* folded bytes compared; longer words match nothing */
#define PHRASE_WORDS_MAX 2
#define SCAN_WORDS 4 /* a greeting of two words, then a keyword of two */

struct word {
    size_t start, end; /* bytes of the text */
    size_t fold_len;
    bool too_long;
    bool tanween; /* U+064B inside: أبداً "never", not ابدأ "start" */
    char fold[WORD_FOLD_MAX];
};

/* The next word of s[0..len) at or after *pos, folded; false at the end.
 * Invalid bytes separate words. */
static bool word_next(const char *s, size_t len, size_t *pos, struct word *w)
{
    size_t i = *pos, n;
    uint32_t cp;

    while (i < len) {
        n = utf8_decode(s + i, len - i, &cp);
        if (n == 0) {
            i++;
            continue;
        }
        if (cp_class(cp) == CP_WORD)
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
        enum cp_class c = cp_class(cp);
        if (c == CP_WORD) {
            char buf[4];
            size_t k = fold_cp(cp, buf);
            if (w->fold_len + k <= WORD_FOLD_MAX) {
                memcpy(w->fold + w->fold_len, buf, k);
                w->fold_len += k;
            } else {
                w->too_long = true;
            }
        } else if (c == CP_MARK || c == CP_FORMAT) {
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

#define ARABIC_ARTICLE "\xd8\xa7\xd9\x84" /* ال */
#define ARABIC_ARTICLE_LEN 4

/* ---- tables ---- */

#define F_STRICT 1u /* only topics and fillers may follow (ابدأ / أبدا) */
#define F_CODE 2u   /* a two-letter language code: a full name wins */

/* One word or phrase in natural spelling, folded when compared. */
struct entry {
    const char *text;
    int value;        /* a command, a topic, a language: by table */
    const char *lang; /* the language the word is written in, "" if several */
    unsigned flags;
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

// clang-format off
static const struct entry keywords[] = {
    {"HELP", SMS_CMD_HELP, "en", 0},
    {"AIDE", SMS_CMD_HELP, "fr", 0},
    {"INFO", SMS_CMD_HELP, "", 0},
    {"MENU", SMS_CMD_HELP, "", 0},
    {"مساعدة", SMS_CMD_HELP, "ar", 0},
    {"ساعدني", SMS_CMD_HELP, "ar", 0},

    {"REGISTER", SMS_CMD_REGISTER, "en", 0},
    {"SIGNUP", SMS_CMD_REGISTER, "en", 0},
    {"SIGN UP", SMS_CMD_REGISTER, "en", 0},
    {"INSCRIPTION", SMS_CMD_REGISTER, "fr", 0},
    {"INSCRIRE", SMS_CMD_REGISTER, "fr", 0},
    {"S'INSCRIRE", SMS_CMD_REGISTER, "fr", 0},
    {"ADHÉSION", SMS_CMD_REGISTER, "fr", 0},
    {"تسجيل", SMS_CMD_REGISTER, "ar", 0},
    {"سجلني", SMS_CMD_REGISTER, "ar", 0},
    {"انخراط", SMS_CMD_REGISTER, "ar", 0},

    {"STATUS", SMS_CMD_STATUS, "en", 0},
    {"ÉTAT", SMS_CMD_STATUS, "fr", 0},
    {"STATUT", SMS_CMD_STATUS, "fr", 0},
    {"SUIVI", SMS_CMD_STATUS, "fr", 0},
    {"حالة", SMS_CMD_STATUS, "ar", 0},
    {"وضعية", SMS_CMD_STATUS, "ar", 0},
    {"تتبع", SMS_CMD_STATUS, "ar", 0},

    {"EVENTS", SMS_CMD_EVENTS, "en", 0},
    {"EVENT", SMS_CMD_EVENTS, "en", 0},
    {"ÉVÉNEMENTS", SMS_CMD_EVENTS, "fr", 0},
    {"ÉVÉNEMENT", SMS_CMD_EVENTS, "fr", 0},
    {"ACTIVITÉS", SMS_CMD_EVENTS, "fr", 0},
    {"AGENDA", SMS_CMD_EVENTS, "", 0},
    {"أنشطة", SMS_CMD_EVENTS, "ar", 0},
    {"فعاليات", SMS_CMD_EVENTS, "ar", 0},

    {"JOIN", SMS_CMD_JOIN, "en", 0},
    {"RSVP", SMS_CMD_JOIN, "", 0},
    {"PARTICIPER", SMS_CMD_JOIN, "fr", 0},
    {"RÉSERVER", SMS_CMD_JOIN, "fr", 0},
    {"حضور", SMS_CMD_JOIN, "ar", 0},
    {"مشاركة", SMS_CMD_JOIN, "ar", 0},
    {"شارك", SMS_CMD_JOIN, "ar", 0},

    {"IDEA", SMS_CMD_IDEA, "en", 0},
    {"IDÉE", SMS_CMD_IDEA, "fr", 0},
    {"فكرة", SMS_CMD_IDEA, "ar", 0},
    {"مقترح", SMS_CMD_IDEA, "ar", 0},

    {"ALERTS", SMS_CMD_ALERTS, "en", 0},
    {"ALERT", SMS_CMD_ALERTS, "en", 0},
    {"ALERTES", SMS_CMD_ALERTS, "fr", 0},
    {"ALERTE", SMS_CMD_ALERTS, "fr", 0},
    {"تنبيهات", SMS_CMD_ALERTS, "ar", 0},
    {"تنبيه", SMS_CMD_ALERTS, "ar", 0},
    {"إشعارات", SMS_CMD_ALERTS, "ar", 0},

    {"LANGUAGE", SMS_CMD_LANGUAGE, "en", 0},
    {"LANGUE", SMS_CMD_LANGUAGE, "fr", 0},
    {"LANG", SMS_CMD_LANGUAGE, "", 0},
    {"لغة", SMS_CMD_LANGUAGE, "ar", 0},

    {"STOP", SMS_CMD_STOP, "", 0},
    {"STOPP", SMS_CMD_STOP, "", 0},
    {"STOPALL", SMS_CMD_STOP, "", 0},
    {"UNSUBSCRIBE", SMS_CMD_STOP, "en", 0},
    {"CANCEL", SMS_CMD_STOP, "en", 0},
    {"END", SMS_CMD_STOP, "en", 0},
    {"QUIT", SMS_CMD_STOP, "en", 0},
    {"ARRÊT", SMS_CMD_STOP, "fr", 0},
    {"ARRÊTER", SMS_CMD_STOP, "fr", 0},
    {"ARRÊTEZ", SMS_CMD_STOP, "fr", 0},
    {"ANNULER", SMS_CMD_STOP, "fr", 0},
    {"DÉSABONNER", SMS_CMD_STOP, "fr", 0},
    {"DÉSABONNEMENT", SMS_CMD_STOP, "fr", 0},
    {"توقف", SMS_CMD_STOP, "ar", 0},
    {"وقف", SMS_CMD_STOP, "ar", 0},
    {"أوقف", SMS_CMD_STOP, "ar", 0},
    {"إيقاف", SMS_CMD_STOP, "ar", 0},
    {"إلغاء", SMS_CMD_STOP, "ar", 0},

    {"START", SMS_CMD_START, "", 0},
    {"UNSTOP", SMS_CMD_START, "en", 0},
    {"RESUME", SMS_CMD_START, "en", 0},
    {"DÉMARRER", SMS_CMD_START, "fr", 0},
    {"REPRENDRE", SMS_CMD_START, "fr", 0},
    {"RÉACTIVER", SMS_CMD_START, "fr", 0},
    {"ابدأ", SMS_CMD_START, "ar", F_STRICT},
    {"استئناف", SMS_CMD_START, "ar", 0},
    {"تفعيل", SMS_CMD_START, "ar", 0},

    {"MYDATA", SMS_CMD_MYDATA, "en", 0},
    {"MY DATA", SMS_CMD_MYDATA, "en", 0},
    {"MES DONNÉES", SMS_CMD_MYDATA, "fr", 0},
    {"MESDONNÉES", SMS_CMD_MYDATA, "fr", 0},
    {"بياناتي", SMS_CMD_MYDATA, "ar", 0},
    {"معطياتي", SMS_CMD_MYDATA, "ar", 0},

    {"ERASE", SMS_CMD_ERASE, "en", 0},
    {"DELETE", SMS_CMD_ERASE, "en", 0},
    {"EFFACER", SMS_CMD_ERASE, "fr", 0},
    {"SUPPRIMER", SMS_CMD_ERASE, "fr", 0},
    {"مسح", SMS_CMD_ERASE, "ar", 0},
    {"امسح", SMS_CMD_ERASE, "ar", 0},
    {"حذف", SMS_CMD_ERASE, "ar", 0},
    {"احذف", SMS_CMD_ERASE, "ar", 0},
};

enum { TOPIC_EVENTS, TOPIC_TRAININGS, TOPIC_GRANTS, TOPIC_IDEATHON, TOPIC_NEWS, TOPIC_COUNT };

/* The database's codes, by topic. */
static const char *const topic_codes[TOPIC_COUNT] = {"events", "trainings", "grants", "ideathon",
                                                     "news"};

static const struct entry topics[] = {
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
static const struct entry fillers[] = {
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

static const struct entry languages[] = {
    {"AR", LANG_AR, "", F_CODE}, {"ARABIC", LANG_AR, "en", 0}, {"ARABE", LANG_AR, "fr", 0},
    {"ARAB", LANG_AR, "en", 0}, {"DARIJA", LANG_AR, "", 0}, {"عربي", LANG_AR, "ar", 0},
    {"عربية", LANG_AR, "ar", 0}, {"دارجة", LANG_AR, "ar", 0},
    {"FR", LANG_FR, "", F_CODE}, {"FRENCH", LANG_FR, "en", 0}, {"FRANÇAIS", LANG_FR, "fr", 0},
    {"فرنسي", LANG_FR, "ar", 0}, {"فرنسية", LANG_FR, "ar", 0}, {"فرنساوي", LANG_FR, "ar", 0},
    {"EN", LANG_EN, "", F_CODE}, {"ENGLISH", LANG_EN, "en", 0}, {"ANGLAIS", LANG_EN, "fr", 0},
    {"انجليزي", LANG_EN, "ar", 0}, {"انجليزية", LANG_EN, "ar", 0}, {"انكليزي", LANG_EN, "ar", 0},
    {"انكليزية", LANG_EN, "ar", 0},
};

/* One greeting may come before the keyword, and one of these after it. */
static const struct entry greetings[] = {
    {"SALAM", 0, "", 0}, {"SLM", 0, "", 0}, {"ASSALAM", 0, "", 0}, {"ASSALAMU", 0, "", 0},
    {"ASSALAMOU", 0, "", 0}, {"ESSALAM", 0, "", 0}, {"BONJOUR", 0, "fr", 0},
    {"BONSOIR", 0, "fr", 0}, {"SALUT", 0, "fr", 0}, {"HELLO", 0, "en", 0}, {"HI", 0, "en", 0},
    {"HEY", 0, "en", 0}, {"سلام", 0, "ar", 0}, {"مرحبا", 0, "ar", 0}, {"صباح", 0, "ar", 0},
    {"مساء", 0, "ar", 0},
};

static const struct entry greeting_ends[] = {
    {"ALAIKUM", 0, "", 0}, {"ALAYKUM", 0, "", 0}, {"ALEIKUM", 0, "", 0}, {"ALIKUM", 0, "", 0},
    {"ALIKOUM", 0, "", 0}, {"ALEYKOUM", 0, "", 0}, {"ALAYKOUM", 0, "", 0}, {"ALIKOM", 0, "", 0},
    {"3ALIKOM", 0, "", 0}, {"3LIKOM", 0, "", 0}, {"عليكم", 0, "ar", 0}, {"الخير", 0, "ar", 0},
    {"النور", 0, "ar", 0},
};

/* Common words telling French from English in sms_command_guess_language. */
static const struct entry guess_words[] = {
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
        if (n == 0 || cp_class(cp) == CP_WORD)
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
        enum cp_class c = cp_class(cp);
        if (c == CP_WORD) {
            char buf[4];
            size_t m = fold_cp(cp, buf);
            if (j + m > n || memcmp(fold + j, buf, m) != 0)
                return false;
            j += m;
        } else if (c != CP_MARK && c != CP_FORMAT) {
            break;
        }
        i += k;
    }
    *pos = i;
    return j == n;
}

/* Does the text's word w read as the entry's word at *pos? Also with the
 * Arabic article in front ("الانشطه" for "انشطه"), for Arabic words. */
static bool entry_word_matches(const char *e, size_t len, size_t *pos, const struct word *w)
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
static size_t entry_match(const struct entry *e, const struct word *words, size_t nwords)
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
static const struct entry *table_match(const struct entry *tab, size_t n, const struct word *words,
                                       size_t nwords, size_t *matched)
{
    const struct entry *best = NULL;
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
static const struct entry *table_find(const struct entry *tab, size_t n, const struct word *w)
{
    size_t k;
    return table_match(tab, n, w, 1, &k);
}

/* ---- the start of a message ---- */

struct found {
    const struct entry *keyword; /* NULL when the first word is no keyword */
    size_t rest;                 /* byte after the keyword */
    const char *greeting_lang;   /* "" without a greeting */
    bool tanween;                /* in the keyword's words */
    size_t nwords;               /* words of the text after the greeting (up to 2) */
};

/* Skip one greeting and match the keyword table on what follows. */
static void find_keyword(const char *s, size_t len, struct found *f)
{
    struct word w[SCAN_WORDS];
    size_t n = 0, pos = 0, skip = 0;
    const struct entry *g = NULL;

    while (n < SCAN_WORDS && word_next(s, len, &pos, &w[n]))
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
    f->keyword = table_match(keywords, COUNT(keywords), &w[skip], f->nwords, &k);
    if (f->keyword == NULL)
        return;
    f->rest = w[skip + k - 1].end;
    for (size_t i = 0; i < k; i++)
        f->tanween |= w[skip + i].tanween;
}

/* What follows STOP or START. */
struct modifiers {
    int topic;        /* TOPIC_*, or -1 for every topic */
    bool only_topics; /* nothing but topics and fillers follow */
    const char *lang; /* language of the first following word that tells, or "" */
};

/* Read the words after the keyword: the topic is the first word that is
 * not a filler, when it names one; for STOP (any_other_means_all) naming a
 * different topic later means every topic. Reads every word: the strict
 * check needs them all. */
static void read_modifiers(const char *s, size_t len, size_t from, bool any_other_means_all,
                           struct modifiers *m)
{
    struct word w;
    size_t pos = from;
    bool decided = false, conflict = false;

    m->topic = -1;
    m->only_topics = true;
    m->lang = "";
    while (word_next(s, len, &pos, &w)) {
        const struct entry *topic = table_find(topics, COUNT(topics), &w);
        const struct entry *filler = NULL, *language = NULL;
        if (topic == NULL)
            filler = table_find(fillers, COUNT(fillers), &w);
        if (topic == NULL && filler == NULL)
            language = table_find(languages, COUNT(languages), &w);
        const struct entry *known = topic != NULL ? topic : filler != NULL ? filler : language;
        if (m->lang[0] == '\0' && known != NULL)
            m->lang = known->lang;
        if (topic != NULL) {
            if (!decided) {
                m->topic = topic->value;
                decided = true;
            } else if (any_other_means_all && m->topic >= 0 && topic->value != m->topic) {
                conflict = true;
            }
        } else if (filler == NULL) { /* a language name or any other word */
            m->only_topics = false;
            decided = true;
        }
    }
    if (conflict)
        m->topic = -1;
}

/* The language of a command: the keyword's, a greeting's, a following
 * word's, or the script of the whole text. */
static const char *command_lang(const char *s, size_t len, const struct found *f,
                                const char *modifier_lang)
{
    if (f->keyword->lang[0] != '\0')
        return f->keyword->lang;
    if (f->greeting_lang[0] != '\0')
        return f->greeting_lang;
    if (modifier_lang[0] != '\0')
        return modifier_lang;
    return sms_command_guess_language(s, len);
}

/* ---- arguments ---- */

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
static size_t normalize_text(const char *s, size_t from, size_t to, char *out, size_t cap,
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
        enum cp_class c = cp_class(cp);
        if (c != CP_SPACE && c != CP_CONTROL && c != CP_FORMAT && !cp_is_lead_punct(cp))
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
        enum cp_class c = cp_class(cp);
        if (c == CP_SPACE) {
            pending_space = j > 0;
            continue;
        }
        if (c == CP_CONTROL || c == CP_FORMAT)
            continue;
        char buf[4];
        int d = cp_digit(cp);
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
        any_word |= c == CP_WORD;
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
static size_t normalize_code(const char *s, size_t from, size_t to, char *out, size_t cap,
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
        enum cp_class c = cp_class(cp);
        if (c == CP_SPACE || c == CP_CONTROL || c == CP_FORMAT || c == CP_MARK)
            continue;
        if (j == 0 && c != CP_WORD)
            continue;
        char buf[4];
        int d = cp_digit(cp);
        size_t k = 1;
        if (d >= 0)
            buf[0] = (char)('0' + d);
        else if (cp >= 'a' && cp <= 'z')
            buf[0] = (char)(cp - ('a' - 'A'));
        else
            k = utf8_encode(cp, buf);
        if (j + k > cap) {
            *truncated = true;
            break;
        }
        memcpy(out + j, buf, k);
        j += k;
        if (c == CP_WORD)
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
        if (cp_class(cp) == CP_WORD)
            return true;
        i += n;
    }
    return false;
}

/* The fields of a one-message registration in s[from..to). */
static void split_fields(const char *s, size_t from, size_t to, struct sms_command *out)
{
    size_t i = from, start, count = 0, used = 0, n;
    uint32_t cp = 0;

    /* Separators right after the keyword ("REGISTER; Fatima", "#Fatima"). */
    while (i < to) {
        n = utf8_decode(s + i, to - i, &cp);
        if (n == 0)
            break;
        enum cp_class c = cp_class(cp);
        if (c != CP_SPACE && c != CP_CONTROL && c != CP_FORMAT && !cp_is_lead_punct(cp))
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
            if (count < SMS_CMD_FIELDS_MAX) {
                bool cut = false;
                if (normalize_text(s, start, i, out->fields[count], SMS_CMD_FIELD_MAX, true, &cut) >
                    0)
                    used = count + 1;
            } else if (has_word_char(s, start, i)) {
                out->too_many_fields = true;
                used = SMS_CMD_FIELDS_MAX;
            }
            count++;
            if (at_end)
                break;
            start = i + n;
        }
        i += n;
    }
    out->nfields = used;
}

/* LANGUAGE's argument: the first full language name among the next three
 * words, else the first two-letter code; -1 when none. */
static int read_language(const char *s, size_t len, size_t from)
{
    struct word w;
    size_t pos = from;
    int code = -1;

    for (int i = 0; i < 3 && word_next(s, len, &pos, &w); i++) {
        const struct entry *e = table_find(languages, COUNT(languages), &w);
        if (e == NULL)
            continue;
        if (!(e->flags & F_CODE))
            return e->value;
        if (code < 0)
            code = e->value;
    }
    return code;
}

static void set_lang(struct sms_command *out, const char *lang)
{
    size_t n = strnlen(lang, SMS_CMD_LANG_MAX - 1);
    memcpy(out->lang, lang, n);
    out->lang[n] = '\0';
}

static void set_arg(struct sms_command *out, const char *arg)
{
    size_t n = strnlen(arg, SMS_CMD_ARG_MAX);
    memcpy(out->arg, arg, n);
    out->arg[n] = '\0';
}

/* Is text[0..len) nothing but spaces, invisible marks and controls, plus
 * (when question is not NULL) question marks? *question counts them; *arabic
 * tells whether one was '؟'. */
static bool only_blank(const char *s, size_t len, size_t *question, bool *arabic)
{
    uint32_t cp;
    for (size_t i = 0; i < len;) {
        size_t n = utf8_decode(s + i, len - i, &cp);
        if (n == 0)
            return false;
        i += n;
        enum cp_class c = cp_class(cp);
        if (c == CP_SPACE || c == CP_CONTROL || c == CP_FORMAT)
            continue;
        if (question != NULL && (cp == '?' || cp == 0x061F)) {
            (*question)++;
            *arabic |= cp == 0x061F;
            continue;
        }
        return false;
    }
    return true;
}

/* ---- the contract ---- */

bool sms_command_is_stop(const char *text, size_t len, char topic[SMS_CMD_TOPIC_MAX])
{
    struct found f;
    struct modifiers m;

    if (text == NULL)
        len = 0;
    find_keyword(text, len, &f);
    if (f.keyword == NULL || f.keyword->value != SMS_CMD_STOP)
        return false;
    if (topic != NULL) {
        read_modifiers(text, len, f.rest, true, &m);
        const char *code = m.topic >= 0 ? topic_codes[m.topic] : "";
        size_t n = strnlen(code, SMS_CMD_TOPIC_MAX - 1);
        memcpy(topic, code, n);
        topic[n] = '\0';
    }
    return true;
}

const char *sms_command_topic(const char *text, size_t len)
{
    if (text == NULL)
        return NULL;
    struct modifiers m;
    read_modifiers(text, len, 0, false, &m);
    return m.topic >= 0 ? topic_codes[m.topic] : NULL;
}

enum sms_command_status sms_command_parse(const char *text, size_t len, struct sms_command *out)
{
    struct found f;
    struct modifiers m;
    bool valid;

    memset(out, 0, sizeof(*out));
    out->command = SMS_CMD_EMPTY;
    if (text == NULL)
        len = 0;
    valid = utf8_valid(text, len);
    find_keyword(text, len, &f);

    if (f.keyword != NULL && f.keyword->value == SMS_CMD_STOP) {
        read_modifiers(text, len, f.rest, true, &m);
        out->command = SMS_CMD_STOP;
        set_lang(out, command_lang(text, len, &f, m.lang));
        set_arg(out, m.topic >= 0 ? topic_codes[m.topic] : "");
        return valid ? SMS_CMD_OK : SMS_CMD_BAD_UTF8;
    }
    if (!valid) {
        out->command = SMS_CMD_UNKNOWN;
        set_lang(out, sms_command_guess_language(text, len));
        return SMS_CMD_BAD_UTF8;
    }

    if (f.nwords == 0) {
        size_t question = 0;
        bool arabic = false;
        if (only_blank(text, len, NULL, NULL))
            return SMS_CMD_OK; /* EMPTY */
        if (only_blank(text, len, &question, &arabic) && question > 0) {
            out->command = SMS_CMD_HELP;
            set_lang(out, arabic ? "ar" : "");
            return SMS_CMD_OK;
        }
    }

    if (f.keyword != NULL && f.keyword->value == SMS_CMD_START) {
        read_modifiers(text, len, f.rest, false, &m);
        if (!(f.keyword->flags & F_STRICT) || (m.only_topics && !f.tanween)) {
            out->command = SMS_CMD_START;
            set_lang(out, command_lang(text, len, &f, m.lang));
            set_arg(out, m.topic >= 0 ? topic_codes[m.topic] : "");
            return SMS_CMD_OK;
        }
        f.keyword = NULL; /* أبدا "never" in a sentence */
    }

    if (f.keyword == NULL) {
        out->command = SMS_CMD_UNKNOWN;
        set_lang(out, sms_command_guess_language(text, len));
        normalize_text(text, 0, len, out->arg, SMS_CMD_ARG_MAX, false, &out->arg_truncated);
        return SMS_CMD_OK;
    }

    out->command = (enum sms_command_kind)f.keyword->value;
    m.lang = "";
    if (f.keyword->lang[0] == '\0' && f.greeting_lang[0] == '\0')
        read_modifiers(text, len, f.rest, false, &m);
    set_lang(out, command_lang(text, len, &f, m.lang));
    switch (out->command) {
    case SMS_CMD_STATUS:
    case SMS_CMD_JOIN:
        normalize_code(text, f.rest, len, out->arg, SMS_CMD_ARG_MAX, &out->arg_truncated);
        break;
    case SMS_CMD_LANGUAGE: {
        int l = read_language(text, len, f.rest);
        if (l >= 0)
            set_arg(out, lang_codes[l]);
        else
            normalize_text(text, f.rest, len, out->arg, SMS_CMD_ARG_MAX, false,
                           &out->arg_truncated);
        break;
    }
    case SMS_CMD_REGISTER:
        normalize_text(text, f.rest, len, out->arg, SMS_CMD_ARG_MAX, false, &out->arg_truncated);
        split_fields(text, f.rest, len, out);
        break;
    default:
        normalize_text(text, f.rest, len, out->arg, SMS_CMD_ARG_MAX, false, &out->arg_truncated);
        break;
    }
    return SMS_CMD_OK;
}

const char *sms_command_guess_language(const char *text, size_t len)
{
    size_t i = 0, pos = 0;
    unsigned fr = 0, en = 0;
    uint32_t cp;
    struct word w;

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
    while (word_next(text, len, &pos, &w)) {
        const struct entry *e = table_find(guess_words, COUNT(guess_words), &w);
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

size_t sms_command_fold(const char *text, size_t len, char *out, size_t outsz)
{
    size_t i = 0, j = 0;
    bool pending = false;
    uint32_t cp;

    if (outsz == 0)
        return 0;
    if (text == NULL)
        len = 0;
    while (i < len) {
        size_t n = utf8_decode(text + i, len - i, &cp);
        if (n == 0) {
            pending = j > 0;
            i++;
            continue;
        }
        i += n;
        enum cp_class c = cp_class(cp);
        if (c == CP_MARK || c == CP_FORMAT)
            continue;
        if (c != CP_WORD) {
            pending = j > 0;
            continue;
        }
        char buf[4];
        size_t k = fold_cp(cp, buf);
        if (j + k + (pending ? 1 : 0) + 1 > outsz)
            break;
        if (pending)
            out[j++] = ' ';
        pending = false;
        memcpy(out + j, buf, k);
        j += k;
    }
    out[j] = '\0';
    return j;
}

const char *sms_command_name(enum sms_command_kind cmd)
{
    static const char *const names[SMS_CMD_COUNT] = {
        "empty", "unknown", "help",     "register", "status", "events", "join",
        "idea",  "alerts",  "language", "stop",     "start",  "mydata", "erase",
    };
    if ((unsigned)cmd >= SMS_CMD_COUNT)
        return "invalid";
    return names[cmd];
}

const char *sms_command_status_str(enum sms_command_status st)
{
    switch (st) {
    case SMS_CMD_OK:
        return "ok";
    case SMS_CMD_BAD_UTF8:
        return "bad utf-8";
    }
    return "unknown";
}
