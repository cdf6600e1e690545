/* fuzz_ussd_menu.c -- libFuzzer target for the USSD menu engine: the input
 * is a first byte choosing the caller and the data, then a sequence of
 * member inputs split on '*' or '\n', played from the first screen with the
 * real Arabic and French texts and a fake of the member's data (grants,
 * events, topics, cooperatives). A token "!0".."!3" sets how the next effect
 * goes (ok, full, already, failed); "!R" and "!I" offer to resume a draft.
 * After every step: the screen renders within the channel's limits (or, in
 * strict mode only, not at all), the state stays in range, and each effect
 * comes only from the screen that can emit it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/catalog.h"
#include "core/limits.h"
#include "core/screen.h"
#include "core/ussd_menu.h"
#include "core/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* CHECK(): an assert() that survives NDEBUG. */
#include "fuzz_check.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define STEPS_MAX 64

/* ---- texts: conf/messages/ar.conf and fr.conf without the SMS texts (as
 * in tests/unit/test_ussd_menu.c, which checks them against the files) ---- */

#include "../common/ussd_texts.h"

/* ---- the member's data, faked ---- */

enum data_mode { DATA_FAILING = 0, DATA_EMPTY, DATA_ARABIC, DATA_FRENCH };

struct fake {
    enum data_mode mode;
    bool longest; /* the longest data the store may hold, and a full list */
    bool topics[TOPIC_COUNT];
    struct ussd_grant grants[3];
    struct ussd_event events[USSD_LIST_MAX];
    size_t nevents;
};

static struct fake fake;

static const char long_latin[] =
    "Cooperative Feminine Agricole pour la Valorisation des Plantes Aromatiques et Medicinales "
    "de la Region de l'Oriental, Berkane, Maroc, avec une note tres longue pour voir";
static const char long_arabic[] =
    "تعاونية النساء الفلاحات لتثمين النباتات العطرية والطبية بجهة الشرق بركان المغرب ملاحظة طويلة "
    "جدا";

static void copy_text(char *out, size_t outsz, const char *text)
{
    size_t n = utf8_floor(text, strlen(text), outsz - 1);
    memcpy(out, text, n);
    out[n] = '\0';
}

static void fake_setup(enum data_mode mode, bool longest)
{
    static const char *const statuses[] = {"documents_missing", "approved", "no_such_status"};
    const char *text = mode == DATA_ARABIC ? long_arabic : long_latin;
    memset(&fake, 0, sizeof fake);
    fake.mode = mode;
    fake.longest = longest;
    fake.topics[TOPIC_EVENTS] = fake.topics[TOPIC_GRANTS] = true;
    for (size_t i = 0; i < COUNT(fake.grants); i++) {
        struct ussd_grant *g = &fake.grants[i];
        snprintf(g->reference, sizeof g->reference, "GR-2026-0004%zu", i);
        snprintf(g->status, sizeof g->status, "%s", statuses[i]);
        g->amount_mad = longest ? 999999999999LL : 25000;
        copy_text(g->note, longest ? sizeof g->note : 40, i == 1 ? "" : text);
    }
    fake.nevents = longest ? USSD_LIST_MAX : 6;
    for (size_t i = 0; i < fake.nevents; i++) {
        struct ussd_event *e = &fake.events[i];
        e->id = 11 + (int64_t)i;
        snprintf(e->code, sizeof e->code, "EV%02u", (unsigned)(i % 100));
        snprintf(e->kind, sizeof e->kind, "%s", "workshop");
        copy_text(e->title, longest ? 240 : 8 + 4 * (i % 6), text + (i % 3));
        /* (text + 1 may start inside a character: the floor keeps it valid
         * only from a boundary, so fall back to the whole text) */
        if (!utf8_valid(e->title, strlen(e->title)))
            copy_text(e->title, longest ? 240 : 20, text);
        copy_text(e->place, longest ? sizeof e->place : 24, text);
        e->day = 1 + (int)i;
        e->month = 12;
        e->hour = 23;
        e->minute = 59;
        e->capacity = i % 3 == 0 ? -1 : 60;
        e->taken = i % 3 == 1 ? 60 : 59;
        e->mine = i % 4 == 3;
    }
}

static int fake_grants(void *ctx, struct ussd_grant *out, size_t max)
{
    (void)ctx;
    if (fake.mode == DATA_FAILING)
        return -1;
    size_t n = fake.mode == DATA_EMPTY ? 0 : COUNT(fake.grants);
    n = n < max ? n : max;
    memcpy(out, fake.grants, n * sizeof *out);
    return (int)n;
}

static int fake_grant_find(void *ctx, const char *reference, struct ussd_grant *out)
{
    (void)ctx;
    CHECK(reference != NULL && reference[0] && strlen(reference) < USSD_REF_MAX);
    /* The reference arrives as typed, invalid UTF-8 and control characters
     * included (reported): the store must match it as bytes. */
    if (fake.mode == DATA_FAILING)
        return -1;
    for (size_t i = 0; fake.mode != DATA_EMPTY && i < COUNT(fake.grants); i++) {
        if (strcmp(reference, fake.grants[i].reference) == 0) {
            *out = fake.grants[i];
            return 1;
        }
    }
    return 0;
}

static int fake_events(void *ctx, struct ussd_event *out, size_t max)
{
    (void)ctx;
    if (fake.mode == DATA_FAILING)
        return -1;
    size_t n = fake.mode == DATA_EMPTY ? 0 : fake.nevents;
    n = n < max ? n : max;
    memcpy(out, fake.events, n * sizeof *out);
    return (int)n;
}

static int fake_event_find(void *ctx, int64_t id, struct ussd_event *out)
{
    (void)ctx;
    if (fake.mode == DATA_FAILING)
        return -1;
    for (size_t i = 0; fake.mode != DATA_EMPTY && i < fake.nevents; i++) {
        if (fake.events[i].id == id) {
            *out = fake.events[i];
            return 1;
        }
    }
    return 0;
}

static int fake_topics(void *ctx, bool enabled[TOPIC_COUNT])
{
    (void)ctx;
    /* Filled even on failure: the engine reads them anyway (reported). */
    memset(enabled, 0, TOPIC_COUNT * sizeof enabled[0]);
    if (fake.mode == DATA_FAILING)
        return -1;
    memcpy(enabled, fake.topics, sizeof fake.topics);
    return 0;
}

static int fake_coop_lookup(void *ctx, const char *code, int64_t *id, char *name, size_t namesz)
{
    (void)ctx;
    CHECK(code != NULL && utf8_valid(code, strlen(code)));
    if (fake.mode == DATA_FAILING)
        return -1;
    if (strcmp(code, "2001") == 0) {
        *id = 3;
        snprintf(name, namesz, "%s", "Cooperative Agrumes de Berkane");
        return 1;
    }
    if (strcmp(code, "2002") == 0) { /* the longest name a cooperative may have */
        *id = 4;
        copy_text(name, namesz < 121 ? namesz : 121, long_arabic);
        return 1;
    }
    return 0;
}

static const struct ussd_data data_provider = {
    .grants = fake_grants,
    .grant_find = fake_grant_find,
    .events = fake_events,
    .event_find = fake_event_find,
    .topics = fake_topics,
    .coop_lookup = fake_coop_lookup,
    .ctx = NULL,
};

/* ---- the engine's env ---- */

static struct catalog_set texts;
static struct ussd_env env;

static struct catalog *catalog_from(const char *lang, const struct text_entry *t, size_t n)
{
    struct catalog *c = catalog_new(lang);
    CHECK(c != NULL);
    for (size_t i = 0; i < n; i++)
        CHECK(catalog_put(c, t[i].key, t[i].value) == 0);
    return c;
}

/* The catalogs live as long as the process. */
static void setup(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    struct catalog *ar = catalog_from("ar", ar_texts, COUNT(ar_texts));
    struct catalog *fr = catalog_from("fr", fr_texts, COUNT(fr_texts));
    texts = (struct catalog_set){.langs = {ar, fr}, .count = 2, .fallback = ar};
    env = (struct ussd_env){
        .texts = &texts,
        .programme = "Taawun",
        .languages = languages,
        .nlanguages = COUNT(languages),
        .provinces = provinces,
        .nprovinces = COUNT(provinces),
        .sectors = sectors,
        .nsectors = COUNT(sectors),
        .limit = {USSD_SCREEN_MAX_GSM7, USSD_SCREEN_MAX_UCS2},
        .current_year = 2026,
        .min_age = 15,
        .data = &data_provider,
    };
    /* The texts pass `taawund -n`: at run time every screen must render. */
    CHECK(ussd_menu_check(&env, NULL, NULL) == 0);
}

static bool is_end(enum ussd_screen scr)
{
    return scr >= USSD_SCR_FIRST_END;
}

/* Screens whose text needs a lookup at render time (a grant, an event):
 * when it fails they show the busy text as a last screen. */
/* Screens that read the member's data: when a lookup fails (or the item
 * vanished) they render the "busy" last screen instead. */
static bool looks_up(enum ussd_screen scr)
{
    return scr == USSD_SCR_GRANT_DETAIL || scr == USSD_SCR_EVENT_DETAIL ||
           scr == USSD_SCR_END_RSVP_DONE || scr == USSD_SCR_END_RSVP_ALREADY ||
           scr == USSD_SCR_GRANTS || scr == USSD_SCR_EVENTS || scr == USSD_SCR_ALERTS;
}

static void check_render(const struct ussd_state *s, const struct ussd_member_view *m, bool strict)
{
    char out[SCREEN_BYTES_MAX];
    bool end = false;
    struct ussd_env e = env;
    e.strict = strict;
    memset(out, 'Z', sizeof out);
    long n = ussd_menu_render(s, m, &e, out, sizeof out, &end);
    CHECK(n >= -1 && n < (long)sizeof out);
    /* Only the strict check of `taawund -n` may refuse a screen. */
    CHECK(n >= 0 || strict);
    if (n < 0)
        return;
    CHECK(strlen(out) == (size_t)n);
    CHECK(utf8_valid(out, (size_t)n));
    CHECK(screen_fits(out, (size_t)n, env.limit, NULL, NULL));
    if (end != is_end(s->screen)) {
        /* A lookup failed or the grant or event vanished: a polite last screen. */
        const char *busy = catalog_set_get(env.texts, s->lang[0] ? s->lang : "ar", "busy", NULL);
        CHECK(end && looks_up(s->screen) && busy && strcmp(out, busy) == 0);
    }
}

static void check_state(const struct ussd_state *s, const struct ussd_member_view *m)
{
    CHECK(s->version == USSD_STATE_VERSION);
    CHECK((unsigned)s->screen < USSD_SCR_COUNT);
    CHECK(s->page < USSD_PAGES_MAX);
    CHECK(s->page_first[0] == 0);
    for (unsigned p = 0; p < s->page; p++)
        CHECK(s->page_first[p] <= s->page_first[p + 1]); /* a detail's text pages show none */
    CHECK(memchr(s->lang, '\0', sizeof s->lang) != NULL);
    CHECK(s->lang[0] == '\0' || catalog_set_find(env.texts, s->lang) != NULL);
    CHECK(s->error_key == NULL || catalog_get(texts.fallback, s->error_key) != NULL);
    CHECK(s->error_key == NULL || !is_end(s->screen));
    CHECK(memchr(s->draft.name, '\0', sizeof s->draft.name) != NULL);
    CHECK(utf8_valid(s->draft.name, strlen(s->draft.name)));
    CHECK(utf8_count(s->draft.name, strlen(s->draft.name)) <= USSD_NAME_CHARS_MAX);
    CHECK(s->draft.gender == 0 || s->draft.gender == 'f' || s->draft.gender == 'm');
    CHECK(s->draft.birth_year == 0 ||
          (s->draft.birth_year >= 1900 && s->draft.birth_year <= env.current_year - env.min_age));
    CHECK(memchr(s->idea.title, '\0', sizeof s->idea.title) != NULL);
    CHECK(memchr(s->idea.text, '\0', sizeof s->idea.text) != NULL);
    CHECK(utf8_count(s->idea.title, strlen(s->idea.title)) <= USSD_IDEA_TITLE_CHARS_MAX);
    CHECK(utf8_count(s->idea.text, strlen(s->idea.text)) <= USSD_IDEA_TEXT_CHARS_MAX);
    CHECK(memchr(s->grant_ref, '\0', sizeof s->grant_ref) != NULL);
    /* Screens of the member's services need a member (events are public). */
    if (!m->registered)
        CHECK(s->screen <= USSD_SCR_RESUME || s->screen == USSD_SCR_EVENTS ||
              s->screen == USSD_SCR_EVENT_DETAIL || is_end(s->screen));
    check_render(s, m, false);
    check_render(s, m, true);
}

/* The effect e came out of screen `before` into state s: only where it can. */
static void check_effect(enum ussd_effect e, enum ussd_screen before, const char *lang_before,
                         const struct ussd_state *s, const struct ussd_member_view *m)
{
    switch (e) {
    case USSD_EFFECT_NONE:
        CHECK(strcmp(s->lang, lang_before) == 0 || before == USSD_SCR_LANGUAGE);
        break;
    case USSD_EFFECT_REGISTER:
        CHECK(before == USSD_SCR_CONFIRM && s->screen == USSD_SCR_END_REGISTERED);
        CHECK(!m->registered);
        CHECK(utf8_count(s->draft.name, strlen(s->draft.name)) >= USSD_NAME_CHARS_MIN);
        CHECK(s->draft.province[0] && s->draft.sector[0] && s->draft.gender);
        CHECK(s->draft.birth_year >= 1900);
        break;
    case USSD_EFFECT_SET_LANGUAGE:
        CHECK(before == USSD_SCR_CHANGE_LANGUAGE && m->registered);
        CHECK(s->screen == USSD_SCR_END_LANGUAGE_CHANGED);
        CHECK(catalog_set_find(env.texts, s->lang) != NULL);
        break;
    case USSD_EFFECT_RSVP:
        CHECK(before == USSD_SCR_EVENT_DETAIL && s->screen == USSD_SCR_EVENT_DETAIL);
        CHECK(m->registered);
        CHECK(s->event_id >= 11 && s->event_id < 11 + (int64_t)fake.nevents);
        break;
    case USSD_EFFECT_EVENT_SMS:
        CHECK(before == USSD_SCR_EVENT_DETAIL && s->screen == USSD_SCR_END_EVENT_SMS);
        CHECK(s->event_id >= 11 && s->event_id < 11 + (int64_t)fake.nevents);
        break;
    case USSD_EFFECT_SUBMIT_IDEA:
        CHECK(before == USSD_SCR_IDEA_CONFIRM && s->screen == USSD_SCR_END_IDEA_DONE);
        CHECK(m->registered);
        CHECK(s->idea.sector[0]);
        CHECK(utf8_count(s->idea.title, strlen(s->idea.title)) >= USSD_IDEA_TITLE_CHARS_MIN);
        CHECK(utf8_count(s->idea.text, strlen(s->idea.text)) >= USSD_IDEA_TEXT_CHARS_MIN);
        break;
    case USSD_EFFECT_SET_TOPIC:
        CHECK(before == USSD_SCR_ALERTS && s->screen == USSD_SCR_ALERTS);
        CHECK(s->topic >= 0 && s->topic < TOPIC_COUNT);
        CHECK(s->topic_on == !fake.topics[s->topic]);
        break;
    case USSD_EFFECT_STOP_ALL:
    case USSD_EFFECT_START_ALL:
        CHECK(before == USSD_SCR_PROFILE && m->registered);
        CHECK(m->opted_out == (e == USSD_EFFECT_START_ALL));
        CHECK(s->screen ==
              (e == USSD_EFFECT_START_ALL ? USSD_SCR_END_STARTED : USSD_SCR_END_STOPPED));
        break;
    case USSD_EFFECT_ERASE:
        CHECK(before == USSD_SCR_ERASE_CONFIRM && s->screen == USSD_SCR_END_ERASED);
        break;
    case USSD_EFFECT_RESUME_DRAFT:
        CHECK(before == USSD_SCR_RESUME && s->screen == USSD_SCR_RESUME);
        break;
    case USSD_EFFECT_DISCARD_DRAFT:
        CHECK((before == USSD_SCR_IDEA_CONFIRM && s->screen == USSD_SCR_END_IDEA_CANCELLED) ||
              (before == USSD_SCR_RESUME &&
               (s->screen == USSD_SCR_IDEA_SECTOR || s->screen == USSD_SCR_WELCOME ||
                s->screen == USSD_SCR_HOME)));
        break;
    default:
        CHECK(!"unknown effect");
    }
}

/* Perform effect e as the caller would, then report how it went. */
static void perform(struct ussd_state *s, enum ussd_effect e, enum ussd_effect_result r,
                    const struct ussd_state *draft, bool have_draft)
{
    if (e == USSD_EFFECT_NONE)
        return;
    if (e != USSD_EFFECT_RSVP && r != USSD_RESULT_FAILED)
        r = USSD_RESULT_OK; /* full / already: RSVP only */
    enum ussd_screen before = s->screen;
    switch (e) {
    case USSD_EFFECT_REGISTER:
        snprintf(s->result_ref, sizeof s->result_ref, "%s", "TA-000001");
        break;
    case USSD_EFFECT_SUBMIT_IDEA:
        snprintf(s->result_ref, sizeof s->result_ref, "%s", "ID-2026-00001");
        break;
    case USSD_EFFECT_SET_TOPIC:
        if (r == USSD_RESULT_OK)
            fake.topics[s->topic] = s->topic_on;
        break;
    case USSD_EFFECT_RESUME_DRAFT:
        if (r == USSD_RESULT_OK && have_draft) {
            *s = *draft;
            s->error_key = NULL;
            return;
        }
        r = USSD_RESULT_FAILED;
        break;
    default:
        break;
    }
    ussd_menu_effect_done(s, e, r);
    if (r == USSD_RESULT_FAILED)
        CHECK(s->screen == USSD_SCR_END_BUSY);
    else if (e == USSD_EFFECT_RSVP)
        CHECK(s->screen == (r == USSD_RESULT_FULL      ? USSD_SCR_EVENT_FULL
                            : r == USSD_RESULT_ALREADY ? USSD_SCR_END_RSVP_ALREADY
                                                       : USSD_SCR_END_RSVP_DONE));
    else
        CHECK(s->screen == before);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct ussd_member_view unknown = {.name = "",
                                                    .language = "",
                                                    .member_no = "",
                                                    .cooperative_name = "",
                                                    .province = "",
                                                    .sector = ""};
    struct ussd_member_view member = {
        .registered = true,
        .name = "Amina Bennani",
        .language = "ar",
        .member_no = "TA-000007",
        .cooperative_name = "Cooperative Agrumes de Berkane",
        .province = "berkane",
        .sector = "agrifood",
    };
    const struct ussd_member_view *m = &unknown;
    struct ussd_state s, draft;
    bool have_draft = false;
    enum ussd_effect_result next = USSD_RESULT_OK;

    if (size == 0 || size > 4096)
        return 0;
    setup();
    /* First byte: bit 0 a registered member, bit 1 French, bit 2 the
     * longest data, bit 3 a language the catalogs lack, bit 4 opted out,
     * bits 5-6 the data (3 French, 2 Arabic, 1 none, 0 failing), bit 7
     * nothing else (kept for later). */
    uint8_t flags = data[0];
    fake_setup((enum data_mode)((flags >> 5) & 3), flags & 4);
    if (flags & 1) {
        if (flags & 2)
            member.language = "fr";
        if (flags & 4) {
            member.name = "Abdelkarim Abdelkarim Abdelkarim Abdelkarim Abdelkarim Abdel";
            member.cooperative_name = "عبدالكريم عبدالكريم عبدالكريم عبدالكريم عبدالكريم عبدالك";
        }
        if (flags & 8)
            member.language = "en";
        member.opted_out = flags & 16;
        m = &member;
    }
    memset(&draft, 0, sizeof draft);
    ussd_menu_start(&s, m, &env);
    CHECK(s.screen == (m->registered ? USSD_SCR_HOME : USSD_SCR_LANGUAGE));
    check_state(&s, m);

    const char *in = (const char *)data + 1;
    size_t left = size - 1;
    for (size_t steps = 0; steps < STEPS_MAX; steps++) {
        size_t len = 0;
        while (len < left && in[len] != '*' && in[len] != '\n')
            len++;
        if (len == 2 && in[0] == '!') {
            /* The caller's side: results and drafts. */
            if (in[1] >= '0' && in[1] <= '3')
                next = (enum ussd_effect_result)(in[1] - '0');
            else if (in[1] == 'R' && !m->registered)
                ussd_menu_offer_resume(&s, USSD_FLOW_REGISTER, "fr");
            else if (in[1] == 'I' && m->registered)
                ussd_menu_offer_resume(&s, USSD_FLOW_IDEA, "");
        } else {
            enum ussd_screen before = s.screen;
            char lang_before[sizeof s.lang];
            memcpy(lang_before, s.lang, sizeof lang_before);
            enum ussd_effect e = ussd_menu_input(&s, in, len, m, &env);
            check_effect(e, before, lang_before, &s, m);
            if (is_end(before))
                CHECK(s.screen == before && e == USSD_EFFECT_NONE);
            CHECK(s.screen != USSD_SCR_RESUME || before == USSD_SCR_RESUME);
            perform(&s, e, next, &draft, have_draft);
        }
        check_state(&s, m);
        /* Drafts as the caller keeps them: the state of an unfinished flow. */
        if (ussd_menu_flow(&s) != USSD_FLOW_NONE) {
            draft = s;
            have_draft = true;
        }
        if (len >= left)
            break;
        in += len + 1;
        left -= len + 1;
    }
    return 0;
}
