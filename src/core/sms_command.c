/* sms_command.c -- SMS keywords in Arabic, French and English read into a
 * command, a language and a normalised argument: the command keyword
 * table and the parser's contract. Characters and folded words come from
 * core/sms_text, table matching and the words around a keyword (greeting,
 * topics, fillers, language names) from core/sms_keyword, arguments from
 * core/sms_argument. */
#include "core/sms_command.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "core/sms_argument.h"
#include "core/sms_keyword.h"
#include "core/sms_text.h"
#include "core/utf8.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* The command keywords, as the header's table lists them. */
// clang-format off
static const struct sms_keyword keywords[] = {
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
    {"ابدأ", SMS_CMD_START, "ar", SMS_KEYWORD_STRICT},
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

    {"MORE", SMS_CMD_MORE, "en", 0},
    {"NEXT", SMS_CMD_MORE, "en", 0},
    {"SUITE", SMS_CMD_MORE, "fr", 0},
    {"مزيد", SMS_CMD_MORE, "ar", 0},
};
// clang-format on

/* The language of a command: the keyword's, a greeting's, a following
 * word's, or the script of the whole text. */
static const char *command_lang(const char *s, size_t len, const struct sms_keyword_found *f,
                                const char *modifier_lang)
{
    if (f->keyword->lang[0] != '\0')
        return f->keyword->lang;
    if (f->greeting_lang[0] != '\0')
        return f->greeting_lang;
    if (modifier_lang[0] != '\0')
        return modifier_lang;
    return sms_keyword_guess_language(s, len);
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
        enum sms_text_class c = sms_text_classify(cp);
        if (c == SMS_TEXT_SPACE || c == SMS_TEXT_CONTROL || c == SMS_TEXT_FORMAT)
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

/* The command and argument of a keyword other than STOP and START. */
static void read_argument(const char *text, size_t len, const struct sms_keyword_found *f,
                          struct sms_command *out)
{
    struct sms_keyword_modifiers m;

    /* STOP is read before anything else, START before any other keyword. */
    assert(f->keyword->value != SMS_CMD_STOP && f->keyword->value != SMS_CMD_START);
    out->command = (enum sms_command_kind)f->keyword->value;
    m.lang = "";
    if (f->keyword->lang[0] == '\0' && f->greeting_lang[0] == '\0')
        sms_keyword_read_modifiers(text, len, f->rest, false, &m);
    set_lang(out, command_lang(text, len, f, m.lang));
    switch (out->command) {
    case SMS_CMD_STATUS:
    case SMS_CMD_JOIN:
        sms_argument_code(text, f->rest, len, out->arg, SMS_CMD_ARG_MAX, &out->arg_truncated);
        break;
    case SMS_CMD_LANGUAGE: {
        const char *code = sms_keyword_language(text, len, f->rest);
        if (code != NULL)
            set_arg(out, code);
        else
            sms_argument_text(text, f->rest, len, out->arg, SMS_CMD_ARG_MAX, false,
                              &out->arg_truncated);
        break;
    }
    case SMS_CMD_REGISTER:
        sms_argument_text(text, f->rest, len, out->arg, SMS_CMD_ARG_MAX, false,
                          &out->arg_truncated);
        out->nfields =
            sms_argument_fields(text, f->rest, len, &out->fields[0][0], SMS_CMD_FIELDS_MAX,
                                sizeof out->fields[0], &out->too_many_fields);
        break;
    default:
        sms_argument_text(text, f->rest, len, out->arg, SMS_CMD_ARG_MAX, false,
                          &out->arg_truncated);
        break;
    }
    assert(strlen(out->arg) <= SMS_CMD_ARG_MAX && out->nfields <= SMS_CMD_FIELDS_MAX);
}

/* ---- the contract ---- */

bool sms_command_is_stop(const char *text, size_t len, char topic[SMS_CMD_TOPIC_MAX])
{
    struct sms_keyword_found f;
    struct sms_keyword_modifiers m;

    if (text == NULL)
        len = 0;
    sms_keyword_find(keywords, COUNT(keywords), text, len, &f);
    if (f.keyword == NULL || f.keyword->value != SMS_CMD_STOP)
        return false;
    if (topic != NULL) {
        sms_keyword_read_modifiers(text, len, f.rest, true, &m);
        const char *code = m.topic != NULL ? m.topic : "";
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
    struct sms_keyword_modifiers m;
    sms_keyword_read_modifiers(text, len, 0, false, &m);
    return m.topic;
}

enum sms_command_status sms_command_parse(const char *text, size_t len, struct sms_command *out)
{
    struct sms_keyword_found f;
    struct sms_keyword_modifiers m;
    bool valid;

    memset(out, 0, sizeof(*out));
    out->command = SMS_CMD_EMPTY;
    if (text == NULL)
        len = 0;
    valid = utf8_valid(text, len);
    sms_keyword_find(keywords, COUNT(keywords), text, len, &f);

    if (f.keyword != NULL && f.keyword->value == SMS_CMD_STOP) {
        sms_keyword_read_modifiers(text, len, f.rest, true, &m);
        out->command = SMS_CMD_STOP;
        set_lang(out, command_lang(text, len, &f, m.lang));
        set_arg(out, m.topic != NULL ? m.topic : "");
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
        sms_keyword_read_modifiers(text, len, f.rest, false, &m);
        if (!(f.keyword->flags & SMS_KEYWORD_STRICT) || (m.only_topics && !f.tanween)) {
            out->command = SMS_CMD_START;
            set_lang(out, command_lang(text, len, &f, m.lang));
            set_arg(out, m.topic != NULL ? m.topic : "");
            return SMS_CMD_OK;
        }
        f.keyword = NULL; /* أبدا "never" in a sentence */
    }

    if (f.keyword == NULL) {
        out->command = SMS_CMD_UNKNOWN;
        set_lang(out, sms_command_guess_language(text, len));
        sms_argument_text(text, 0, len, out->arg, SMS_CMD_ARG_MAX, false, &out->arg_truncated);
        return SMS_CMD_OK;
    }

    read_argument(text, len, &f, out);
    return SMS_CMD_OK;
}

const char *sms_command_guess_language(const char *text, size_t len)
{
    return sms_keyword_guess_language(text, len);
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
        enum sms_text_class c = sms_text_classify(cp);
        if (c == SMS_TEXT_MARK || c == SMS_TEXT_FORMAT)
            continue;
        if (c != SMS_TEXT_WORD) {
            pending = j > 0;
            continue;
        }
        char buf[SMS_TEXT_FOLD_CP_BYTES];
        size_t k = sms_text_fold_cp(cp, buf);
        if (k == 0)
            continue;
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
        "empty",  "unknown",  "help", "register", "status", "events", "join", "idea",
        "alerts", "language", "stop", "start",    "mydata", "erase",  "more",
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
