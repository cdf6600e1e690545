/* sms_command.h -- the keywords members send by SMS, in Arabic, French and
 * English, turned into a command, a language and a normalised argument.
 * Pure and bounded: no I/O, no allocation, no state.
 *
 * How a message is read
 *   - Keywords are matched on folded words (core/fold: utf8proc's NFKD,
 *     case folding and mark stripping, then a small Arabic map): case
 *     ignored; French accents folded (é è ê ë → e, à â ä → a, î ï → i,
 *     ô ö → o, ù û ü → u, ç → c, œ → oe, also their capitals, combining
 *     accents); fullwidth letters and Arabic presentation forms (ﻣﺴﺎﻋﺪﺓ)
 *     read as plain letters; Arabic
 *     variants folded (أ إ آ ٱ → ا, ة → ه, ى ی ئ → ي, ؤ → و, ک → ك),
 *     tatweel ـ, harakat U+064B..U+0652 and invisible marks (RLM, ZWJ...)
 *     ignored; Arabic-Indic ٠-٩ and Eastern ۰-۹ digits read as 0-9.
 *   - A word is a run of letters and digits: spaces and punctuation around
 *     and between words do not matter ("STOP!", " stop ", "Stop.", "#aide",
 *     "ETAT:GR-2026-00042", "mes-données"). An Arabic word may carry the
 *     article: "الانشطة" matches انشطة, "اللغة" matches لغة.
 *   - Only the FIRST word counts (after one optional greeting, see below):
 *     "je ne veux pas arrêter" is not STOP. Keywords of two words
 *     ("MES DONNEES", "MY DATA", "SIGN UP", "S'INSCRIRE") are matched whole.
 *   - A message made only of '?' / '؟' (and spaces) is HELP.
 *   - One leading greeting is skipped, because members write "Salam, stop":
 *     salam/slm/assalam(u)/essalam [alaikum/aleykoum/alikoum/alaykoum/
 *     alikom/3alikom], bonjour, bonsoir, salut, hello, hi, hey,
 *     السلام [عليكم], سلام [عليكم], مرحبا, صباح [الخير], مساء [الخير].
 *   - No fuzzy spelling: a misspelt keyword is UNKNOWN (the router answers
 *     with help) rather than a guess that could stop or erase by mistake.
 *
 * Keywords (any case, accents optional; language: "" = ambiguous)
 *   command   en                        fr                               ar "" HELP      HELP AIDE
 * مساعدة ساعدني                 INFO MENU ? ؟(ar) REGISTER  REGISTER SIGNUP "SIGN UP" INSCRIPTION
 * INSCRIRE             تسجيل سجلني انخراط "S'INSCRIRE" ADHESION STATUS    STATUS ETAT STATUT SUIVI
 * حالة وضعية تتبع EVENTS    EVENTS EVENT              EVENEMENTS EVENEMENT ACTIVITES   انشطة
 * فعاليات                 AGENDA JOIN      JOIN                      PARTICIPER RESERVER حضور
 * مشاركة شارك              RSVP IDEA      IDEA                      IDEE فكرة مقترح ALERTS ALERTS
 * ALERT              ALERTES ALERTE                   تنبيهات تنبيه اشعارات LANGUAGE  LANGUAGE
 * LANGUE                           لغة                           LANG STOP      UNSUBSCRIBE CANCEL
 * END    ARRET ARRETER ARRETEZ ANNULER    توقف وقف اوقف ايقاف الغاء      STOP STOPP STOPALL QUIT
 * DESABONNER DESABONNEMENT START     UNSTOP RESUME             DEMARRER REPRENDRE REACTIVER ابدأ(*)
 * استئناف تفعيل          START MYDATA    MYDATA "MY DATA"          "MES DONNEES" MESDONNEES بياناتي
 * معطياتي ERASE     ERASE DELETE              EFFACER SUPPRIMER                مسح امسح حذف احذف
 * MORE      MORE NEXT                 SUITE                            المزيد
 *   (MORE: the next page of the last list sent, EVENTS or STATUS; also as
 *   their argument, "EVENEMENTS SUITE", beside a page number "EVENTS 2".)
 *   (*) ابدأ also reads أبدا "never": it is START only when nothing but
 *       topics and filler words follow, and never when written with tanween
 *       (أبداً).
 *   CANCEL/ANNULER/الغاء and END/QUIT are STOP, as in the carriers' usual
 *   opt-out lists: a stop read by mistake costs a START, a stop missed
 *   breaks the law.
 *
 * Topics of STOP and START (database codes)
 *   events     EVENTS EVENT ACTIVITIES | EVENEMENTS EVENEMENT ACTIVITES | انشطة فعاليات
 *   trainings  TRAININGS TRAINING WORKSHOPS WORKSHOP | FORMATIONS FORMATION
 *              ATELIERS ATELIER | ورشات ورش تكوين تكوينات تدريب
 *   grants     GRANTS GRANT FUNDING | SUBVENTIONS SUBVENTION FINANCEMENT(S) |
 *              دعم تمويل منح منحة
 *   ideathon   IDEATHON | ايدياثون ايديثون
 *   news       NEWS | ACTUALITES ACTUALITE NOUVELLES INFOS | اخبار مستجدات
 *   Filler words may stand before the topic ("stop all messages", "ARRET
 *   SVP", "توقف من فضلك", "stop the news please"): all everything the my
 *   messages message sms texts please pls plz now thanks thank you | tout
 *   tous toutes les le la l des de du d mes svp stp s il vous plait merci
 *   maintenant | كل جميع رسائل من فضلك لو سمحت المرجو عافاك شكرا.
 *   The topic is the first word after the keyword that is not a filler,
 *   when it names a topic; otherwise (no topic, "ALL", any other word) the
 *   command covers every topic. For STOP, naming a second, different topic
 *   anywhere in the message also means every topic ("STOP news and events").
 *
 * Languages (LANGUAGE's argument; the first full name among the next three
 * words wins over a two-letter code, so "langue en français" is fr)
 *   ar  AR ARABIC ARABE ARAB DARIJA عربي عربية دارجة
 *   fr  FR FRENCH FRANCAIS فرنسي فرنسية فرنساوي
 *   en  EN ENGLISH ANGLAIS انجليزي انجليزية انكليزي انكليزية
 *
 * Registration in one message: fields separated by ';' ',' '*' '#' '،' or
 * '؛', in the order of enum sms_command_field:
 *   REGISTER Fatima Zahra; 2001; Berkane; agriculture; F; 1987
 *   تسجيل فاطمة الزهراء، ٢٠٠١، بركان، فلاحة، أنثى، ١٩٨٧
 * Empty fields keep their place ("Fatima;;Berkane": no cooperative);
 * trailing separators are ignored; text without any separator is one field
 * (the name, to start the guided exchange with). The parser does not check
 * the fields: the router does, and asks for what is missing. */
#ifndef TAAWUN_CORE_SMS_COMMAND_H
#define TAAWUN_CORE_SMS_COMMAND_H

#include <stdbool.h>
#include <stddef.h>

#define SMS_CMD_ARG_MAX 480   /* bytes of a normalised argument (NUL not included) */
#define SMS_CMD_FIELDS_MAX 6  /* fields of a one-message registration */
#define SMS_CMD_FIELD_MAX 255 /* bytes of one field (NUL not included) */
#define SMS_CMD_TOPIC_MAX 16  /* a topic code with its NUL */
#define SMS_CMD_LANG_MAX 3    /* "ar", "fr", "en" or "" with the NUL */

enum sms_command_kind {
    SMS_CMD_EMPTY = 0, /* nothing but spaces and invisible marks */
    SMS_CMD_UNKNOWN,   /* no keyword first; arg holds the whole text */
    SMS_CMD_HELP,
    SMS_CMD_REGISTER,
    SMS_CMD_STATUS,
    SMS_CMD_EVENTS,
    SMS_CMD_JOIN,
    SMS_CMD_IDEA,
    SMS_CMD_ALERTS,
    SMS_CMD_LANGUAGE,
    SMS_CMD_STOP,
    SMS_CMD_START,
    SMS_CMD_MYDATA,
    SMS_CMD_ERASE,
    SMS_CMD_MORE, /* the next page of the last list (SUITE, MORE, NEXT, المزيد) */
    SMS_CMD_COUNT
};

enum sms_command_status {
    SMS_CMD_OK = 0,
    SMS_CMD_BAD_UTF8, /* the text is not valid UTF-8 (see sms_command_parse) */
};

/* Order of the fields of a one-message registration. */
enum sms_command_field {
    SMS_CMD_FIELD_NAME = 0,
    SMS_CMD_FIELD_COOPERATIVE, /* number or name; empty: none */
    SMS_CMD_FIELD_PROVINCE,
    SMS_CMD_FIELD_SECTOR,
    SMS_CMD_FIELD_GENDER,
    SMS_CMD_FIELD_BIRTH_YEAR,
};

struct sms_command {
    enum sms_command_kind command;
    /* "ar", "fr" or "en": the keyword's language; for an ambiguous keyword
     * (STOP, START, INFO, MENU, AGENDA, RSVP, LANG, "?") that of a greeting
     * or of the first following word whose language is known (a topic, a
     * filler, a language name), else sms_command_guess_language() of the
     * whole text; "" when nothing tells. */
    char lang[SMS_CMD_LANG_MAX];
    /* The argument, valid UTF-8 and NUL-terminated, "" when none:
     *   STATUS, JOIN   the reference or code: spaces removed, ASCII letters
     *                  upper-cased, punctuation at both ends removed
     *                  ("gr 2026-00042." -> "GR2026-00042");
     *   STOP, START    the topic code ("events", ...), "" for every topic;
     *   LANGUAGE       "ar", "fr" or "en" when a language is named, else the
     *                  text as for the others (the router says it is not
     *                  offered);
     *   UNKNOWN        the whole text;
     *   others         the text after the keyword.
     * "The text" is normalised: separators right after the keyword skipped
     * (": ; , . - # * ! ?"), runs of spaces made one space, ends trimmed,
     * invisible marks and control characters removed, digits folded to
     * ASCII; a text without any letter or digit becomes "". At most
     * SMS_CMD_ARG_MAX bytes, cut at a character boundary (arg_truncated). */
    char arg[SMS_CMD_ARG_MAX + 1];
    bool arg_truncated;
    /* REGISTER only: the fields, normalised like arg (and trailing ". ! ? :"
     * removed), each cut at SMS_CMD_FIELD_MAX bytes; nfields is 0 for a bare
     * REGISTER. too_many_fields: the message had more than
     * SMS_CMD_FIELDS_MAX fields (the rest are dropped). */
    size_t nfields;
    char fields[SMS_CMD_FIELDS_MAX][SMS_CMD_FIELD_MAX + 1];
    bool too_many_fields;
};

/* Read the SMS text[0..len) (text may be NULL when len is 0) into *out,
 * which is always filled in completely.
 * SMS_CMD_OK: out holds the command as described above.
 * SMS_CMD_BAD_UTF8: the text is not valid UTF-8; out holds STOP (with its
 * topic, as sms_command_is_stop reads it: invalid bytes count as
 * punctuation) when the first word is a stop keyword, so that a stop is
 * honoured even when the rest is garbled, and UNKNOWN with an empty
 * argument otherwise (the router answers with help). */
enum sms_command_status sms_command_parse(const char *text, size_t len, struct sms_command *out)
    __attribute__((warn_unused_result));

/* true when the first word of text[0..len) (after a greeting) is a stop
 * keyword: the router asks this before anything else, even inside a guided
 * exchange. Works on any bytes (invalid UTF-8 counts as punctuation).
 * topic (may be NULL) receives the topic code, "" for every topic; it is
 * written only when the answer is true. Agrees with sms_command_parse:
 * true exactly when parse yields SMS_CMD_STOP, with arg equal to topic. */
bool sms_command_is_stop(const char *text, size_t len, char topic[SMS_CMD_TOPIC_MAX]);

/* The topic code ("events", ...) named by text[0..len) as STOP reads its
 * topic: the first word that is not a filler, when it names a topic (see
 * "Topics of STOP and START" above); NULL when it names none. For the
 * router's "ALERTS EVENTS OFF". Any bytes. A static string. */
const char *sms_command_topic(const char *text, size_t len);

/* "ar" when text[0..len) holds any Arabic letter; otherwise "fr" or "en"
 * by French letters (é, ç, ...) and common words of each language, and ""
 * when nothing tells (or both tell as much). Any bytes. A static string. */
const char *sms_command_guess_language(const char *text, size_t len);

/* Fold text[0..len) the way keywords are compared: words folded (see
 * above) and joined by one ASCII space, everything else dropped
 * ("  Bérkane!! " -> "berkane", "الناظور" -> "الناظور"). For the router to
 * compare what members type with its own lists. out holds outsz bytes
 * (outsz > 0) and is always NUL-terminated, cut at a character boundary.
 * Returns the length written. Any bytes (invalid ones separate words). */
size_t sms_command_fold(const char *text, size_t len, char *out, size_t outsz);

/* "empty", "unknown", "help", "register", "status", "events", "join",
 * "idea", "alerts", "language", "stop", "start", "mydata", "erase", "more";
 * "invalid" for a value out of range. For logs. */
const char *sms_command_name(enum sms_command_kind cmd);

/* "ok", "bad utf-8", "unknown". */
const char *sms_command_status_str(enum sms_command_status st);

#endif
