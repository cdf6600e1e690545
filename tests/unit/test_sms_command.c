/* test_sms_command.c -- table-driven tests of the SMS command parser
 * (core/sms_command): real-looking messages in Arabic, French and English,
 * every keyword of the header's table, topics, language names, long and
 * broken messages, and the agreement of sms_command_is_stop with parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sms_command.h"
#include "core/ussd_menu.h"
#include "core/utf8.h"

/* ---- messages ---- */

struct parse_case {
    const char *in;
    size_t in_len; /* 0: strlen(in) */
    enum sms_command_status status;
    enum sms_command_kind command;
    const char *lang;
    const char *arg;
    size_t nfields;
    const char *fields[SMS_CMD_FIELDS_MAX];
    bool too_many_fields;
};

// clang-format off
#define OK SMS_CMD_OK
#define BAD SMS_CMD_BAD_UTF8
/* A row without registration fields. */
#define M(in, st, cmd, lang, arg) {in, 0, st, SMS_CMD_##cmd, lang, arg, 0, {NULL}, false}
/* A row with an explicit input length (NUL bytes inside). */
#define ML(in, len, st, cmd, lang, arg) {in, len, st, SMS_CMD_##cmd, lang, arg, 0, {NULL}, false}
/* A registration row. */
#define R(in, lang, arg, n, ...) {in, 0, OK, SMS_CMD_REGISTER, lang, arg, n, {__VA_ARGS__}, false}

static const struct parse_case parse_cases[] = {
    /* The next page of a list (issue 15, finding 8). */
    M("SUITE", OK, MORE, "fr", ""),
    M("more", OK, MORE, "en", ""),
    M("المزيد", OK, MORE, "ar", ""),
    M("EVENEMENTS SUITE", OK, EVENTS, "fr", "SUITE"),
    M("events 2", OK, EVENTS, "en", "2"),
    /* English */
    M("HELP", OK, HELP, "en", ""),
    M("help me please", OK, HELP, "en", "me please"),
    M("  Help!!  ", OK, HELP, "en", ""),
    M("?", OK, HELP, "", ""),
    M(" ? ?  ", OK, HELP, "", ""),
    M("INFO", OK, HELP, "", ""),
    M("menu", OK, HELP, "", ""),
    R("REGISTER", "en", "", 0, NULL),
    R("register Fatima Zahra; 2001; berkane; agriculture; F; 1987", "en",
      "Fatima Zahra; 2001; berkane; agriculture; F; 1987", 6,
      "Fatima Zahra", "2001", "berkane", "agriculture", "F", "1987"),
    R("Sign up: Karim*0*Nador*fishing*M*1990", "en", "Karim*0*Nador*fishing*M*1990", 6,
      "Karim", "0", "Nador", "fishing", "M", "1990"),
    R("REGISTER Fatima;;Berkane", "en", "Fatima;;Berkane", 3, "Fatima", "", "Berkane"),
    R("REGISTER   Fatima    Zahra  ", "en", "Fatima Zahra", 1, "Fatima Zahra"),
    R("REGISTER; Ali; 3; Figuig; dates; M; 2000.", "en", "Ali; 3; Figuig; dates; M; 2000.", 6,
      "Ali", "3", "Figuig", "dates", "M", "2000"),
    R("REGISTER#Ali#3#Figuig#dates#M#2000", "en", "Ali#3#Figuig#dates#M#2000", 6,
      "Ali", "3", "Figuig", "dates", "M", "2000"),
    {"REGISTER a;b;c;d;e;f;g", 0, OK, SMS_CMD_REGISTER, "en", "a;b;c;d;e;f;g", 6,
     {"a", "b", "c", "d", "e", "f"}, true},
    M("status GR-2026-00042", OK, STATUS, "en", "GR-2026-00042"),
    M("STATUS gr 2026 00042", OK, STATUS, "en", "GR202600042"),
    M("Status", OK, STATUS, "en", ""),
    M("EVENTS", OK, EVENTS, "en", ""),
    M("events nador", OK, EVENTS, "en", "nador"),
    M("EVENTS \xdb\xb3", OK, EVENTS, "en", "3"),
    M("JOIN 12", OK, JOIN, "en", "12"),
    M("join ev-7.", OK, JOIN, "en", "EV-7"),
    M("Join \xd9\xa1\xd9\xa2", OK, JOIN, "en", "12"),
    M("JOIN", OK, JOIN, "en", ""),
    M("RSVP 4", OK, JOIN, "", "4"),
    M("IDEA A mobile app to sell argan oil from our cooperative", OK, IDEA, "en",
      "A mobile app to sell argan oil from our cooperative"),
    M("ALERTS", OK, ALERTS, "en", ""),
    M("LANGUAGE en", OK, LANGUAGE, "en", "en"),
    M("language arabic", OK, LANGUAGE, "en", "ar"),
    M("LANGUAGE german", OK, LANGUAGE, "en", "german"),
    M("LANG fr", OK, LANGUAGE, "", "fr"),
    M("STOP", OK, STOP, "", ""),
    M("STOP ALL", OK, STOP, "en", ""),
    M("stop all messages", OK, STOP, "en", ""),
    M("Stop events", OK, STOP, "en", "events"),
    M("STOP workshops please", OK, STOP, "en", "trainings"),
    M("stop the news please", OK, STOP, "en", "news"),
    M("stop news and events", OK, STOP, "en", ""),
    M("Stop by the office tomorrow", OK, STOP, "en", ""),
    M("UNSUBSCRIBE", OK, STOP, "en", ""),
    M("START", OK, START, "", ""),
    M("start grants", OK, START, "en", "grants"),
    M("START news and events", OK, START, "en", "news"),
    M("MY DATA", OK, MYDATA, "en", ""),
    M("mydata", OK, MYDATA, "en", ""),
    M("my-data", OK, MYDATA, "en", ""),
    M("ERASE", OK, ERASE, "en", ""),
    M("delete my account", OK, ERASE, "en", "my account"),
    M("I want to stop", OK, UNKNOWN, "en", "I want to stop"),
    M("hello", OK, UNKNOWN, "en", "hello"),
    M("Hi, status GR-2026-00042", OK, STATUS, "en", "GR-2026-00042"),

    /* French */
    M("AIDE", OK, HELP, "fr", ""),
    M("#aide", OK, HELP, "fr", ""),
    M("Aide ?", OK, HELP, "fr", ""),
    M("aide inscription", OK, HELP, "fr", "inscription"),
    M("Salut! aide", OK, HELP, "fr", ""),
    R("INSCRIPTION", "fr", "", 0, NULL),
    R("Inscription : Khadija Amrani, 2001, Oujda-Angad, artisanat, F, 1979", "fr",
      "Khadija Amrani, 2001, Oujda-Angad, artisanat, F, 1979", 6,
      "Khadija Amrani", "2001", "Oujda-Angad", "artisanat", "F", "1979"),
    R("s'inscrire", "fr", "", 0, NULL),
    R("S\xe2\x80\x99INSCRIRE Ahmed", "fr", "Ahmed", 1, "Ahmed"),
    R("Inscription Fatima ; 2001 ; Berkane ; agriculture ; F ; 1987 ;", "fr",
      "Fatima ; 2001 ; Berkane ; agriculture ; F ; 1987 ;", 6,
      "Fatima", "2001", "Berkane", "agriculture", "F", "1987"),
    M("\xc3\x89TAT GR-2026-00042", OK, STATUS, "fr", "GR-2026-00042"),
    M("etat: gr-2026-00042", OK, STATUS, "fr", "GR-2026-00042"),
    M("etat gr 2026-00042.", OK, STATUS, "fr", "GR2026-00042"),
    M("Statut \xd9\xa2\xd9\xa0\xd9\xa2\xd9\xa6\xd9\xa0\xd9\xa0\xd9\xa0\xd9\xa4\xd9\xa2", OK,
      STATUS, "fr", "202600042"),
    M("\xc3\x89V\xc3\x89NEMENTS", OK, EVENTS, "fr", ""),
    M("evenements", OK, EVENTS, "fr", ""),
    M("e\xcc\x81ve\xcc\x81nements", OK, EVENTS, "fr", ""), /* combining accents */
    M("agenda", OK, EVENTS, "", ""),
    M("PARTICIPER 7", OK, JOIN, "fr", "7"),
    M("r\xc3\xa9server 12", OK, JOIN, "fr", "12"),
    M("ID\xc3\x89" "E: Une coop\xc3\xa9rative de couscous bio \xc3\xa0 Berkane !", OK, IDEA, "fr",
      "Une coop\xc3\xa9rative de couscous bio \xc3\xa0 Berkane !"),
    M("idee", OK, IDEA, "fr", ""),
    M("ALERTES", OK, ALERTS, "fr", ""),
    M("LANGUE arabe", OK, LANGUAGE, "fr", "ar"),
    M("langue en fran\xc3\xa7" "ais", OK, LANGUAGE, "fr", "fr"),
    M("Langue: anglais", OK, LANGUAGE, "fr", "en"),
    M("ARRET", OK, STOP, "fr", ""),
    M("ARR\xc3\x8aT SVP", OK, STOP, "fr", ""),
    M("arr\xc3\xaater les formations", OK, STOP, "fr", "trainings"),
    M("Stop subventions", OK, STOP, "fr", "grants"),
    M("STOP actualit\xc3\xa9s merci", OK, STOP, "fr", "news"),
    M("STOP je ne veux plus", OK, STOP, "fr", ""),
    M("stop\nmerci", OK, STOP, "fr", ""),
    M("D\xc3\xa9sabonner", OK, STOP, "fr", ""),
    M("Bonjour STOP", OK, STOP, "fr", ""),
    M("je ne veux pas arreter", OK, UNKNOWN, "fr", "je ne veux pas arreter"),
    M("je veux arr\xc3\xaater les messages", OK, UNKNOWN, "fr",
      "je veux arr\xc3\xaater les messages"),
    M("DEMARRER", OK, START, "fr", ""),
    M("Reprendre formations", OK, START, "fr", "trainings"),
    M("MES DONN\xc3\x89" "ES", OK, MYDATA, "fr", ""),
    M("mes donnees", OK, MYDATA, "fr", ""),
    M("SUPPRIMER", OK, ERASE, "fr", ""),
    M("effacer mes donn\xc3\xa9" "es", OK, ERASE, "fr", "mes donn\xc3\xa9" "es"),
    M("Bonjour, je voudrais des informations", OK, UNKNOWN, "fr",
      "Bonjour, je voudrais des informations"),

    /* Arabic */
    M("مساعدة", OK, HELP, "ar", ""),
    M("مساعده", OK, HELP, "ar", ""),
    M("المساعدة؟", OK, HELP, "ar", ""),
    M("؟", OK, HELP, "ar", ""),
    R("تسجيل", "ar", "", 0, NULL),
    R("تسجيل فاطمة الزهراء، ٢٠٠١، بركان، فلاحة، أنثى، ١٩٨٧", "ar",
      "فاطمة الزهراء، 2001، بركان، فلاحة، أنثى، 1987", 6,
      "فاطمة الزهراء", "2001", "بركان", "فلاحة", "أنثى", "1987"),
    R("التسجيل: محمد؛ ۲۰۰۱؛ الناظور؛ الصيد البحري؛ ذكر؛ ۱۹۸۵", "ar",
      "محمد؛ 2001؛ الناظور؛ الصيد البحري؛ ذكر؛ 1985", 6,
      "محمد", "2001", "الناظور", "الصيد البحري", "ذكر", "1985"),
    M("حالة GR-2026-00042", OK, STATUS, "ar", "GR-2026-00042"),
    M("وضعية gr-٢٠٢٦-٠٠٠٤٢", OK, STATUS, "ar", "GR-2026-00042"),
    M("الانشطة", OK, EVENTS, "ar", ""),
    M("أنشطة بركان", OK, EVENTS, "ar", "بركان"),
    M("حضور ١٢", OK, JOIN, "ar", "12"),
    M("مشاركة #١٢", OK, JOIN, "ar", "12"),
    M("فكرة: تعاونية لتثمين الصبار في الدريوش", OK, IDEA, "ar",
      "تعاونية لتثمين الصبار في الدريوش"),
    M("فكره", OK, IDEA, "ar", ""),
    M("تنبيهات", OK, ALERTS, "ar", ""),
    M("اللغة الفرنسية", OK, LANGUAGE, "ar", "fr"),
    M("اللغة العربية", OK, LANGUAGE, "ar", "ar"),
    M("لغة", OK, LANGUAGE, "ar", ""),
    M("توقف", OK, STOP, "ar", ""),
    M("توقف من فضلك", OK, STOP, "ar", ""),
    M("وقف الأخبار", OK, STOP, "ar", "news"),
    M("إيقاف التكوين", OK, STOP, "ar", "trainings"),
    M("الغاء", OK, STOP, "ar", ""),
    M("إلغاء كل الرسائل", OK, STOP, "ar", ""),
    M("توقف رسائل الدعم", OK, STOP, "ar", "grants"),
    M("تـــوقـــف", OK, STOP, "ar", ""),
    M("تَوَقَّفْ", OK, STOP, "ar", ""),
    M("\xe2\x80\x8fتوقف\xe2\x80\x8f", OK, STOP, "ar", ""), /* RLM around */
    M("STOP الدعم", OK, STOP, "ar", "grants"),
    M("stop من فضلك", OK, STOP, "ar", ""),
    M("STOP الاخبار please", OK, STOP, "ar", "news"),
    M("السلام عليكم توقف", OK, STOP, "ar", ""),
    M("استئناف", OK, START, "ar", ""),
    M("ابدأ", OK, START, "ar", ""),
    M("ابدأ الاخبار", OK, START, "ar", "news"),
    M("أبدا لن أشارك", OK, UNKNOWN, "ar", "أبدا لن أشارك"),
    M("أبداً", OK, UNKNOWN, "ar", "أبداً"),
    M("بياناتي", OK, MYDATA, "ar", ""),
    M("حذف بياناتي", OK, ERASE, "ar", "بياناتي"),
    M("مسح", OK, ERASE, "ar", ""),
    M("لا أريد التوقف", OK, UNKNOWN, "ar", "لا أريد التوقف"),
    M("شكرا", OK, UNKNOWN, "ar", "شكرا"),

    /* Empty, punctuation, odd spacing */
    M("", OK, EMPTY, "", ""),
    M("   \t\r\n ", OK, EMPTY, "", ""),
    M("\xe2\x80\x8f", OK, EMPTY, "", ""),
    M("...", OK, UNKNOWN, "", ""),
    M("\xf0\x9f\x91\x8d", OK, UNKNOWN, "", ""),
    M("!!!STOP!!!", OK, STOP, "", ""),
    M("S T O P", OK, UNKNOWN, "", "S T O P"),
    M("STOPP", OK, STOP, "", ""),
    M("\xef\xbc\xb3\xef\xbc\xb4\xef\xbc\xaf\xef\xbc\xb0", OK, STOP, "", ""), /* fullwidth */
    ML("STOP\0x", 6, OK, STOP, "", ""),
    ML("IDEA bio\0\x01 oil", 14, OK, IDEA, "en", "bio oil"),

    /* Invalid UTF-8: a stop is still a stop */
    M("aide \xff", BAD, UNKNOWN, "", ""),
    M("STOP \xc3\x28", BAD, STOP, "", ""),
    M("توقف\xff", BAD, STOP, "ar", ""),
    M("STOP events \xfe", BAD, STOP, "en", "events"),
    M("\xed\xa0\x80", BAD, UNKNOWN, "", ""),
    M("\xc0\xaf" "aide", BAD, UNKNOWN, "", ""),
    M("\xe2\x82", BAD, UNKNOWN, "", ""),
};
#undef M
#undef ML
#undef R
// clang-format on

#define PARSE_CASES (sizeof(parse_cases) / sizeof(parse_cases[0]))

static size_t case_len(const struct parse_case *c)
{
    return c->in_len != 0 ? c->in_len : strlen(c->in);
}

/* The invariants of every parse: strings terminated, valid and bounded. */
static void check_bounds(const struct sms_command *cmd)
{
    size_t n = strnlen(cmd->arg, sizeof(cmd->arg));
    assert_true(n <= SMS_CMD_ARG_MAX);
    assert_true(utf8_valid(cmd->arg, n));
    assert_true(strnlen(cmd->lang, sizeof(cmd->lang)) < sizeof(cmd->lang));
    assert_true(cmd->nfields <= SMS_CMD_FIELDS_MAX);
    for (size_t i = 0; i < SMS_CMD_FIELDS_MAX; i++) {
        size_t k = strnlen(cmd->fields[i], sizeof(cmd->fields[i]));
        assert_true(k <= SMS_CMD_FIELD_MAX);
        assert_true(utf8_valid(cmd->fields[i], k));
        if (i >= cmd->nfields)
            assert_int_equal(k, 0);
    }
}

/* sms_command_is_stop agrees with the parse. */
static void check_stop_agrees(const char *in, size_t len, const struct sms_command *cmd)
{
    char topic[SMS_CMD_TOPIC_MAX];
    memcpy(topic, "untouched", sizeof("untouched"));
    bool stop = sms_command_is_stop(in, len, topic);
    assert_int_equal(stop, cmd->command == SMS_CMD_STOP);
    if (stop)
        assert_string_equal(topic, cmd->arg);
    else
        assert_string_equal(topic, "untouched");
    assert_int_equal(sms_command_is_stop(in, len, NULL), stop);
}

static void test_parse_case(void **state)
{
    const struct parse_case *c = *state;
    size_t len = case_len(c);
    struct sms_command cmd;
    memset(&cmd, 0x5A, sizeof(cmd)); /* everything must be written */

    enum sms_command_status st = sms_command_parse(c->in, len, &cmd);
    if (st != c->status)
        fail_msg("status %s, want %s", sms_command_status_str(st),
                 sms_command_status_str(c->status));
    check_bounds(&cmd);
    if (cmd.command != c->command)
        fail_msg("command %s, want %s", sms_command_name(cmd.command),
                 sms_command_name(c->command));
    assert_string_equal(cmd.lang, c->lang);
    assert_string_equal(cmd.arg, c->arg);
    assert_false(cmd.arg_truncated);
    assert_int_equal(cmd.nfields, c->nfields);
    for (size_t i = 0; i < c->nfields; i++)
        assert_string_equal(cmd.fields[i], c->fields[i]);
    assert_int_equal(cmd.too_many_fields, c->too_many_fields);
    check_stop_agrees(c->in, len, &cmd);
}

/* ---- every keyword of the header's table ---- */

struct keyword_case {
    const char *in;
    enum sms_command_kind command;
    const char *lang;
};

// clang-format off
#define K(in, cmd, lang) {in, SMS_CMD_##cmd, lang}
static const struct keyword_case keyword_cases[] = {
    K("HELP", HELP, "en"), K("AIDE", HELP, "fr"), K("aide", HELP, "fr"), K("INFO", HELP, ""),
    K("MENU", HELP, ""), K("مساعدة", HELP, "ar"), K("ساعدني", HELP, "ar"),
    K("REGISTER", REGISTER, "en"), K("SIGNUP", REGISTER, "en"), K("SIGN UP", REGISTER, "en"),
    K("INSCRIPTION", REGISTER, "fr"), K("INSCRIRE", REGISTER, "fr"),
    K("S'INSCRIRE", REGISTER, "fr"), K("ADHESION", REGISTER, "fr"),
    K("adhésion", REGISTER, "fr"), K("تسجيل", REGISTER, "ar"), K("سجلني", REGISTER, "ar"),
    K("انخراط", REGISTER, "ar"),
    K("STATUS", STATUS, "en"), K("ETAT", STATUS, "fr"), K("état", STATUS, "fr"),
    K("STATUT", STATUS, "fr"), K("SUIVI", STATUS, "fr"), K("حالة", STATUS, "ar"),
    K("حاله", STATUS, "ar"), K("وضعية", STATUS, "ar"), K("تتبع", STATUS, "ar"),
    K("EVENTS", EVENTS, "en"), K("EVENT", EVENTS, "en"), K("EVENEMENTS", EVENTS, "fr"),
    K("événement", EVENTS, "fr"), K("ACTIVITES", EVENTS, "fr"), K("activités", EVENTS, "fr"),
    K("AGENDA", EVENTS, ""), K("انشطة", EVENTS, "ar"), K("أنشطة", EVENTS, "ar"),
    K("الأنشطة", EVENTS, "ar"), K("فعاليات", EVENTS, "ar"),
    K("JOIN", JOIN, "en"), K("RSVP", JOIN, ""), K("PARTICIPER", JOIN, "fr"),
    K("RESERVER", JOIN, "fr"), K("حضور", JOIN, "ar"), K("مشاركة", JOIN, "ar"),
    K("شارك", JOIN, "ar"),
    K("IDEA", IDEA, "en"), K("IDEE", IDEA, "fr"), K("idée", IDEA, "fr"), K("فكرة", IDEA, "ar"),
    K("مقترح", IDEA, "ar"),
    K("ALERTS", ALERTS, "en"), K("ALERT", ALERTS, "en"), K("ALERTES", ALERTS, "fr"),
    K("ALERTE", ALERTS, "fr"), K("تنبيهات", ALERTS, "ar"), K("تنبيه", ALERTS, "ar"),
    K("اشعارات", ALERTS, "ar"), K("إشعارات", ALERTS, "ar"),
    K("LANGUAGE", LANGUAGE, "en"), K("LANGUE", LANGUAGE, "fr"), K("LANG", LANGUAGE, ""),
    K("لغة", LANGUAGE, "ar"), K("اللغة", LANGUAGE, "ar"),
    K("STOP", STOP, ""), K("STOPP", STOP, ""), K("STOPALL", STOP, ""),
    K("UNSUBSCRIBE", STOP, "en"), K("CANCEL", STOP, "en"), K("END", STOP, "en"),
    K("QUIT", STOP, "en"), K("ARRET", STOP, "fr"), K("ARRETER", STOP, "fr"),
    K("arrêtez", STOP, "fr"), K("ANNULER", STOP, "fr"), K("DESABONNER", STOP, "fr"),
    K("désabonnement", STOP, "fr"), K("توقف", STOP, "ar"), K("وقف", STOP, "ar"),
    K("اوقف", STOP, "ar"), K("أوقف", STOP, "ar"), K("ايقاف", STOP, "ar"),
    K("إيقاف", STOP, "ar"), K("الغاء", STOP, "ar"), K("إلغاء", STOP, "ar"),
    K("START", START, ""), K("UNSTOP", START, "en"), K("RESUME", START, "en"),
    K("DEMARRER", START, "fr"), K("démarrer", START, "fr"), K("REPRENDRE", START, "fr"),
    K("REACTIVER", START, "fr"), K("ابدأ", START, "ar"), K("ابدا", START, "ar"),
    K("استئناف", START, "ar"), K("استيناف", START, "ar"), K("تفعيل", START, "ar"),
    K("MYDATA", MYDATA, "en"), K("MY DATA", MYDATA, "en"), K("MES DONNEES", MYDATA, "fr"),
    K("MESDONNEES", MYDATA, "fr"), K("بياناتي", MYDATA, "ar"), K("معطياتي", MYDATA, "ar"),
    K("ERASE", ERASE, "en"), K("DELETE", ERASE, "en"), K("EFFACER", ERASE, "fr"),
    K("SUPPRIMER", ERASE, "fr"), K("مسح", ERASE, "ar"), K("امسح", ERASE, "ar"),
    K("حذف", ERASE, "ar"), K("احذف", ERASE, "ar"), K("إحذف", ERASE, "ar"),
};
#undef K
// clang-format on

#define KEYWORD_CASES (sizeof(keyword_cases) / sizeof(keyword_cases[0]))

/* Text around a keyword or topic. */
struct shape {
    const char *before, *after;
};

/* The keyword alone, in capitals, in small letters, glued to punctuation. */
static void test_keyword_case(void **state)
{
    const struct keyword_case *c = *state;
    char buf[128];
    const struct shape shapes[] = {{"", ""},  {"  ", "  "}, {"", "!"},
                                   {"#", ""}, {"", "."},    {"\xc2\xab", "\xc2\xbb"}};
    for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
        struct sms_command cmd;
        snprintf(buf, sizeof(buf), "%s%s%s", shapes[i].before, c->in, shapes[i].after);
        for (char *p = buf; i == 1 && *p != '\0'; p++) /* small letters once */
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
        assert_int_equal(sms_command_parse(buf, strlen(buf), &cmd), SMS_CMD_OK);
        if (cmd.command != c->command)
            fail_msg("\"%s\": %s, want %s", buf, sms_command_name(cmd.command),
                     sms_command_name(c->command));
        assert_string_equal(cmd.lang, c->lang);
        assert_string_equal(cmd.arg, "");
        check_stop_agrees(buf, strlen(buf), &cmd);
    }
}

/* ---- topics of STOP and START ---- */

struct topic_case {
    const char *word;
    int topic; /* enum ussd_topic: the database's codes */
    const char *lang;
};

// clang-format off
static const struct topic_case topic_cases[] = {
    {"EVENTS", TOPIC_EVENTS, "en"}, {"event", TOPIC_EVENTS, "en"},
    {"activities", TOPIC_EVENTS, "en"}, {"événements", TOPIC_EVENTS, "fr"},
    {"EVENEMENT", TOPIC_EVENTS, "fr"}, {"activites", TOPIC_EVENTS, "fr"},
    {"انشطة", TOPIC_EVENTS, "ar"}, {"الأنشطة", TOPIC_EVENTS, "ar"},
    {"فعاليات", TOPIC_EVENTS, "ar"},
    {"trainings", TOPIC_TRAININGS, "en"}, {"TRAINING", TOPIC_TRAININGS, "en"},
    {"workshops", TOPIC_TRAININGS, "en"}, {"workshop", TOPIC_TRAININGS, "en"},
    {"formations", TOPIC_TRAININGS, "fr"}, {"Formation", TOPIC_TRAININGS, "fr"},
    {"ateliers", TOPIC_TRAININGS, "fr"}, {"atelier", TOPIC_TRAININGS, "fr"},
    {"ورشات", TOPIC_TRAININGS, "ar"}, {"الورشات", TOPIC_TRAININGS, "ar"},
    {"ورش", TOPIC_TRAININGS, "ar"}, {"تكوين", TOPIC_TRAININGS, "ar"},
    {"تكوينات", TOPIC_TRAININGS, "ar"}, {"التدريب", TOPIC_TRAININGS, "ar"},
    {"grants", TOPIC_GRANTS, "en"}, {"grant", TOPIC_GRANTS, "en"},
    {"funding", TOPIC_GRANTS, "en"}, {"subventions", TOPIC_GRANTS, "fr"},
    {"subvention", TOPIC_GRANTS, "fr"}, {"financement", TOPIC_GRANTS, "fr"},
    {"financements", TOPIC_GRANTS, "fr"}, {"دعم", TOPIC_GRANTS, "ar"},
    {"تمويل", TOPIC_GRANTS, "ar"}, {"المنح", TOPIC_GRANTS, "ar"},
    {"منحة", TOPIC_GRANTS, "ar"},
    {"ideathon", TOPIC_IDEATHON, ""}, {"IDEATHON", TOPIC_IDEATHON, ""},
    {"إيدياثون", TOPIC_IDEATHON, "ar"}, {"ايديثون", TOPIC_IDEATHON, "ar"},
    {"news", TOPIC_NEWS, "en"}, {"actualités", TOPIC_NEWS, "fr"},
    {"ACTUALITE", TOPIC_NEWS, "fr"}, {"nouvelles", TOPIC_NEWS, "fr"},
    {"infos", TOPIC_NEWS, "fr"}, {"أخبار", TOPIC_NEWS, "ar"},
    {"الاخبار", TOPIC_NEWS, "ar"}, {"مستجدات", TOPIC_NEWS, "ar"},
};
// clang-format on

#define TOPIC_CASES (sizeof(topic_cases) / sizeof(topic_cases[0]))

/* "STOP <topic>", "<stop word> svp <topic>", "START <topic>": the topic's
 * code is the one the database uses (topic_codes). */
static void test_topic_case(void **state)
{
    const struct topic_case *c = *state;
    const char *want = topic_codes[c->topic];
    const struct shape shapes[] = {{"STOP ", ""},
                                   {"ARRET svp ", ""},
                                   {"توقف ", " من فضلك"},
                                   {"START ", ""},
                                   {"stop all ", " please"}};
    const char *langs[] = {c->lang, "fr", "ar", c->lang, "en"};
    char buf[160];
    char topic[SMS_CMD_TOPIC_MAX];
    for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
        struct sms_command cmd;
        snprintf(buf, sizeof(buf), "%s%s%s", shapes[i].before, c->word, shapes[i].after);
        assert_int_equal(sms_command_parse(buf, strlen(buf), &cmd), SMS_CMD_OK);
        assert_int_equal(cmd.command, i == 3 ? SMS_CMD_START : SMS_CMD_STOP);
        assert_string_equal(cmd.arg, want);
        assert_string_equal(cmd.lang, langs[i]);
        assert_int_equal(sms_command_is_stop(buf, strlen(buf), topic), i != 3);
        if (i != 3)
            assert_string_equal(topic, want);
    }
}

/* ---- languages named after LANGUAGE ---- */

struct language_case {
    const char *in;
    const char *arg;
};

static const struct language_case language_cases[] = {
    {"LANGUE ar", "ar"},
    {"language ARABIC", "ar"},
    {"langue arabe", "ar"},
    {"LANG arab", "ar"},
    {"langue darija", "ar"},
    {"لغة عربي", "ar"},
    {"اللغة عربية", "ar"},
    {"اللغة الدارجة", "ar"},
    {"LANGUE FR", "fr"},
    {"language french", "fr"},
    {"LANGUE FRANCAIS", "fr"},
    {"langue français", "fr"},
    {"لغة فرنسي", "fr"},
    {"اللغة الفرنسية", "fr"},
    {"لغة فرنساوي", "fr"},
    {"LANGUAGE EN", "en"},
    {"language English", "en"},
    {"LANGUE ANGLAIS", "en"},
    {"لغة انجليزي", "en"},
    {"اللغة الإنجليزية", "en"},
    {"لغة انكليزي", "en"},
    {"اللغة الانكليزية", "en"},
    {"langue en français", "fr"},
    {"LANGUAGE: en, please", "en"},
    {"langue : l'arabe", "ar"},
    {"language", ""},
    {"LANGUE espagnol", "espagnol"},
    {"LANGUAGE 2", "2"},
};

#define LANGUAGE_CASES (sizeof(language_cases) / sizeof(language_cases[0]))

static void test_language_case(void **state)
{
    const struct language_case *c = *state;
    struct sms_command cmd;
    assert_int_equal(sms_command_parse(c->in, strlen(c->in), &cmd), SMS_CMD_OK);
    assert_int_equal(cmd.command, SMS_CMD_LANGUAGE);
    assert_string_equal(cmd.arg, c->arg);
}

/* ---- guessing a language from any text ---- */

struct guess_case {
    const char *in;
    size_t in_len; /* 0: strlen */
    const char *lang;
};

static const struct guess_case guess_cases[] = {
    {"", 0, ""},
    {"12345", 0, ""},
    {"salam", 0, ""},
    {"ok", 0, ""},
    {"شكرا جزيلا", 0, "ar"},
    {"merci beaucoup", 0, "fr"},
    {"thank you very much", 0, "en"},
    {"Je veux m'inscrire", 0, "fr"},
    {"I want to register", 0, "en"},
    {"d\xc3\xa9j\xc3\xa0", 0, "fr"},     /* déjà: French letters */
    {"Bonjour, how", 0, ""},             /* one word each */
    {"STOP \xd8\xaa", 0, "ar"},          /* one Arabic letter */
    {"\xd9\xa1\xd9\xa2\xd9\xa3", 0, ""}, /* Arabic-Indic digits are no letters */
    {"hello \xff\xfe", 0, "en"},         /* invalid bytes skipped */
    {"\xd8", 0, ""},                     /* truncated Arabic letter */
    {"\xef\xbb\xb5", 0, "ar"},           /* presentation form lam-alef */
    {"\xe2\xb5\x9c\xe2\xb4\xb0", 0, ""}, /* Tifinagh */
    {"ar\0\xd8\xaa", 5, "ar"},           /* length, not NUL */
};

#define GUESS_CASES (sizeof(guess_cases) / sizeof(guess_cases[0]))

static void test_guess_case(void **state)
{
    const struct guess_case *c = *state;
    size_t len = c->in_len != 0 ? c->in_len : strlen(c->in);
    assert_string_equal(sms_command_guess_language(c->in, len), c->lang);
}

/* ---- folding ---- */

struct fold_case {
    const char *in;
    const char *out;
};

static const struct fold_case fold_cases[] = {
    {"  B\xc3\xa9rkane!! ", "berkane"},
    {"OUJDA-ANGAD", "oujda angad"},
    {"\xc3\x80 l'\xc5\x92UVRE \xc3\x87\xc3\x80", "a l oeuvre ca"},
    {"Stra\xc3\x9f"
     "e",
     "strasse"},
    {"أنثى", "انثي"},
    {"فلاحة", "فلاحه"},
    {"الـنـاظـور", "الناظور"},
    {"إِسْتِئْنَاف", "استيناف"},
    {"آمنة ٢٠٠١ ۱۹۸۷", "امنه 2001 1987"},
    {"\xe2\x80\x8f\xd8\xa8\xd8\xb1\xd9\x83\xd8\xa7\xd9\x86\xe2\x80\x8f", "بركان"},
    {"a\xffz", "a z"},
    {"\xf0\x9f\x91\x8d ok \xf0\x9f\x91\x8d", "ok"},
    {"", ""},
    {"...", ""},
};

#define FOLD_CASES (sizeof(fold_cases) / sizeof(fold_cases[0]))

static void test_fold_case(void **state)
{
    const struct fold_case *c = *state;
    char out[128];
    size_t n = sms_command_fold(c->in, strlen(c->in), out, sizeof(out));
    assert_string_equal(out, c->out);
    assert_int_equal(n, strlen(c->out));
}

/* The fold honours its bound at a character boundary. */
static void test_fold_bounded(void **state)
{
    (void)state;
    char out[6];
    assert_int_equal(sms_command_fold("ابجد", strlen("ابجد"), out, sizeof(out)), 4);
    assert_string_equal(out, "اب");
    assert_int_equal(sms_command_fold("abc def", 7, out, sizeof(out)), 5);
    assert_string_equal(out, "abc d");
    assert_int_equal(sms_command_fold("abc", 3, out, 1), 0);
    assert_string_equal(out, "");
    assert_int_equal(sms_command_fold(NULL, 0, out, sizeof(out)), 0);
    assert_string_equal(out, "");
    out[0] = 'x';
    assert_int_equal(sms_command_fold("abc", 3, out, 0), 0);
    assert_int_equal(out[0], 'x');
}

/* ---- long messages ---- */

#define LONG_CHARS 1000

/* Fill buf with prefix then copies of unit up to chars characters in all;
 * returns the byte length. */
static size_t make_long(char *buf, size_t size, const char *prefix, const char *unit, size_t chars)
{
    size_t n = strlen(prefix), u = strlen(unit), uc = utf8_count(unit, u);
    memcpy(buf, prefix, n);
    for (size_t c = utf8_count(prefix, n); c + uc <= chars && n + u < size; c += uc, n += u)
        memcpy(buf + n, unit, u);
    buf[n] = '\0';
    return n;
}

static void test_long_latin(void **state)
{
    (void)state;
    char buf[4 * LONG_CHARS + 8];
    size_t len = make_long(buf, sizeof(buf), "IDEA ", "a", LONG_CHARS);
    struct sms_command cmd;
    assert_int_equal(utf8_count(buf, len), LONG_CHARS);
    assert_int_equal(sms_command_parse(buf, len, &cmd), SMS_CMD_OK);
    assert_int_equal(cmd.command, SMS_CMD_IDEA);
    assert_int_equal(strlen(cmd.arg), SMS_CMD_ARG_MAX);
    assert_true(cmd.arg_truncated);
    check_bounds(&cmd);
}

/* 2-byte characters after a 1-byte one: the cut falls inside a character
 * and must step back to 479 bytes. */
static void test_long_cut_at_boundary(void **state)
{
    (void)state;
    char buf[4 * LONG_CHARS + 8];
    size_t len = make_long(buf, sizeof(buf), "IDEE x", "\xc3\xa9", LONG_CHARS);
    struct sms_command cmd;
    assert_int_equal(sms_command_parse(buf, len, &cmd), SMS_CMD_OK);
    assert_int_equal(cmd.command, SMS_CMD_IDEA);
    assert_int_equal(strlen(cmd.arg), SMS_CMD_ARG_MAX - 1);
    assert_true(cmd.arg_truncated);
    check_bounds(&cmd);
}

static void test_long_arabic(void **state)
{
    (void)state;
    char buf[4 * LONG_CHARS + 8];
    size_t len = make_long(buf, sizeof(buf), "فكرة ", "تعاونية ", LONG_CHARS);
    struct sms_command cmd;
    assert_int_equal(sms_command_parse(buf, len, &cmd), SMS_CMD_OK);
    assert_int_equal(cmd.command, SMS_CMD_IDEA);
    assert_string_equal(cmd.lang, "ar");
    assert_true(strlen(cmd.arg) <= SMS_CMD_ARG_MAX && strlen(cmd.arg) > SMS_CMD_ARG_MAX - 16);
    assert_true(cmd.arg_truncated);
    assert_int_not_equal(cmd.arg[strlen(cmd.arg) - 1], ' ');
    check_bounds(&cmd);
}

/* 4-byte characters: the unknown text is cut too. */
static void test_long_emoji_unknown(void **state)
{
    (void)state;
    char buf[4 * LONG_CHARS + 8];
    size_t len = make_long(buf, sizeof(buf), "x", "\xf0\x9f\x8c\xb5", LONG_CHARS);
    struct sms_command cmd;
    assert_int_equal(sms_command_parse(buf, len, &cmd), SMS_CMD_OK);
    assert_int_equal(cmd.command, SMS_CMD_UNKNOWN);
    assert_int_equal(strlen(cmd.arg), 1 + 4 * ((SMS_CMD_ARG_MAX - 1) / 4));
    assert_true(cmd.arg_truncated);
    check_bounds(&cmd);
}

/* A long stop with a topic far away: still STOP, and a second topic at the
 * end means every topic. */
static void test_long_stop(void **state)
{
    (void)state;
    char buf[4 * LONG_CHARS + 8];
    char topic[SMS_CMD_TOPIC_MAX];
    size_t len = make_long(buf, sizeof(buf), "STOP events", " ", LONG_CHARS - 4);
    memcpy(buf + len, "news", 5);
    len += 4;
    struct sms_command cmd;
    assert_int_equal(utf8_count(buf, len), LONG_CHARS);
    assert_int_equal(sms_command_parse(buf, len, &cmd), SMS_CMD_OK);
    assert_int_equal(cmd.command, SMS_CMD_STOP);
    assert_string_equal(cmd.arg, "");
    assert_true(sms_command_is_stop(buf, len, topic));
    assert_string_equal(topic, "");
}

/* A long registration: each field is cut at SMS_CMD_FIELD_MAX. */
static void test_long_register_fields(void **state)
{
    (void)state;
    char buf[4 * LONG_CHARS + 8];
    size_t len = make_long(buf, sizeof(buf), "تسجيل ", "ف", 600);
    memcpy(buf + len, "؛ ١٢؛ بركان", strlen("؛ ١٢؛ بركان") + 1);
    len += strlen("؛ ١٢؛ بركان");
    struct sms_command cmd;
    assert_int_equal(sms_command_parse(buf, len, &cmd), SMS_CMD_OK);
    assert_int_equal(cmd.command, SMS_CMD_REGISTER);
    assert_int_equal(cmd.nfields, 3);
    assert_int_equal(strlen(cmd.fields[0]), SMS_CMD_FIELD_MAX - 1); /* 127 letters */
    assert_string_equal(cmd.fields[1], "12");
    assert_string_equal(cmd.fields[2], "بركان");
    assert_true(cmd.arg_truncated);
    check_bounds(&cmd);
}

/* A very long word matches nothing and does not overflow. */
static void test_long_word(void **state)
{
    (void)state;
    char buf[4 * LONG_CHARS + 8];
    size_t len = make_long(buf, sizeof(buf), "stop", "p", LONG_CHARS);
    struct sms_command cmd;
    assert_int_equal(sms_command_parse(buf, len, &cmd), SMS_CMD_OK);
    assert_int_equal(cmd.command, SMS_CMD_UNKNOWN);
    assert_false(sms_command_is_stop(buf, len, NULL));
}

/* ---- the rest of the contract ---- */

/* The length is honoured: no NUL needed, nothing read past len. */
static void test_uses_length(void **state)
{
    (void)state;
    struct sms_command cmd;
    assert_int_equal(sms_command_parse("STOPPED", 4, &cmd), SMS_CMD_OK);
    assert_int_equal(cmd.command, SMS_CMD_STOP);
    assert_int_equal(sms_command_parse("HELP", 0, &cmd), SMS_CMD_OK);
    assert_int_equal(cmd.command, SMS_CMD_EMPTY);
    assert_int_equal(sms_command_parse(NULL, 0, &cmd), SMS_CMD_OK);
    assert_int_equal(cmd.command, SMS_CMD_EMPTY);
    assert_string_equal(cmd.lang, "");
    assert_string_equal(cmd.arg, "");
    /* A lead byte whose continuation lies past len is invalid. */
    assert_int_equal(sms_command_parse("AIDE \xd8\xaa", 6, &cmd), SMS_CMD_BAD_UTF8);
    assert_false(sms_command_is_stop(NULL, 0, NULL));
    assert_false(sms_command_is_stop("STOP", 3, NULL));

    char *heap = malloc(4);
    assert_non_null(heap);
    memcpy(heap, "stop", 4); /* no NUL: ASan catches a read past the end */
    assert_int_equal(sms_command_parse(heap, 4, &cmd), SMS_CMD_OK);
    assert_int_equal(cmd.command, SMS_CMD_STOP);
    assert_true(sms_command_is_stop(heap, 4, NULL));
    free(heap);
}

/* Parsing twice gives the same bytes: out is fully written each time. */
static void test_parse_deterministic(void **state)
{
    (void)state;
    for (size_t i = 0; i < PARSE_CASES; i++) {
        struct sms_command a, b;
        memset(&a, 0x00, sizeof(a));
        memset(&b, 0xFF, sizeof(b));
        size_t len = case_len(&parse_cases[i]);
        assert_int_equal(sms_command_parse(parse_cases[i].in, len, &a),
                         sms_command_parse(parse_cases[i].in, len, &b));
        assert_memory_equal(&a, &b, sizeof(a));
    }
}

static void test_names(void **state)
{
    (void)state;
    const char *want[SMS_CMD_COUNT] = {"empty",  "unknown", "help",   "register", "status",
                                       "events", "join",    "idea",   "alerts",   "language",
                                       "stop",   "start",   "mydata", "erase",    "more"};
    for (int i = 0; i < SMS_CMD_COUNT; i++)
        assert_string_equal(sms_command_name((enum sms_command_kind)i), want[i]);
    assert_string_equal(sms_command_name(SMS_CMD_COUNT), "invalid");
    assert_string_equal(sms_command_name((enum sms_command_kind) - 1), "invalid");
    assert_string_equal(sms_command_status_str(SMS_CMD_OK), "ok");
    assert_string_equal(sms_command_status_str(SMS_CMD_BAD_UTF8), "bad utf-8");
    assert_string_equal(sms_command_status_str((enum sms_command_status)42), "unknown");
}

/* ---- main ---- */

/* A printable test name: prefix, row number, input with control and
 * non-ASCII bytes escaped (cut when long). */
static const char *case_name(char *buf, size_t size, const char *prefix, size_t row, const char *in,
                             size_t len)
{
    size_t n = (size_t)snprintf(buf, size, "%s %zu \"", prefix, row);
    const unsigned char *p = (const unsigned char *)in;
    for (size_t i = 0; i < len && n + 6 < size; i++) {
        if (p[i] >= 0x20 && p[i] < 0x7f)
            buf[n++] = (char)p[i];
        else
            n += (size_t)snprintf(buf + n, size - n, "\\x%02x", p[i]);
    }
    snprintf(buf + n, size - n, "\"");
    return buf;
}

#define EXTRA_TESTS 11
#define ALL_TESTS                                                                                  \
    (PARSE_CASES + KEYWORD_CASES + TOPIC_CASES + LANGUAGE_CASES + GUESS_CASES + FOLD_CASES +       \
     EXTRA_TESTS)

int main(void)
{
    static char names[ALL_TESTS][96];
    static struct CMUnitTest tests[ALL_TESTS];
    size_t n = 0;

    for (size_t i = 0; i < PARSE_CASES; i++, n++)
        tests[n] = (struct CMUnitTest){
            .name = case_name(names[n], sizeof(names[n]), "parse", i, parse_cases[i].in,
                              case_len(&parse_cases[i])),
            .test_func = test_parse_case,
            .initial_state = (void *)&parse_cases[i],
        };
    for (size_t i = 0; i < KEYWORD_CASES; i++, n++)
        tests[n] = (struct CMUnitTest){
            .name = case_name(names[n], sizeof(names[n]), "keyword", i, keyword_cases[i].in,
                              strlen(keyword_cases[i].in)),
            .test_func = test_keyword_case,
            .initial_state = (void *)&keyword_cases[i],
        };
    for (size_t i = 0; i < TOPIC_CASES; i++, n++)
        tests[n] = (struct CMUnitTest){
            .name = case_name(names[n], sizeof(names[n]), "topic", i, topic_cases[i].word,
                              strlen(topic_cases[i].word)),
            .test_func = test_topic_case,
            .initial_state = (void *)&topic_cases[i],
        };
    for (size_t i = 0; i < LANGUAGE_CASES; i++, n++)
        tests[n] = (struct CMUnitTest){
            .name = case_name(names[n], sizeof(names[n]), "language", i, language_cases[i].in,
                              strlen(language_cases[i].in)),
            .test_func = test_language_case,
            .initial_state = (void *)&language_cases[i],
        };
    for (size_t i = 0; i < GUESS_CASES; i++, n++)
        tests[n] = (struct CMUnitTest){
            .name = case_name(names[n], sizeof(names[n]), "guess", i, guess_cases[i].in,
                              guess_cases[i].in_len != 0 ? guess_cases[i].in_len
                                                         : strlen(guess_cases[i].in)),
            .test_func = test_guess_case,
            .initial_state = (void *)&guess_cases[i],
        };
    for (size_t i = 0; i < FOLD_CASES; i++, n++)
        tests[n] = (struct CMUnitTest){
            .name = case_name(names[n], sizeof(names[n]), "fold", i, fold_cases[i].in,
                              strlen(fold_cases[i].in)),
            .test_func = test_fold_case,
            .initial_state = (void *)&fold_cases[i],
        };
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_fold_bounded);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_long_latin);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_long_cut_at_boundary);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_long_arabic);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_long_emoji_unknown);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_long_stop);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_long_register_fields);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_long_word);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_uses_length);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_parse_deterministic);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_names);
    if (n != ALL_TESTS) {
        fprintf(stderr, "test_sms_command: %zu tests registered, table holds %zu\n", n,
                (size_t)ALL_TESTS);
        return 1;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
