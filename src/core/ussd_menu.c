/* ussd_menu.c -- the member's USSD menus: registration (language, name,
 * cooperative, province, sector, gender, birth year, consent, confirm), and
 * the member's services (grant status, events with RSVP, project ideas,
 * alerts, profile). Pure: texts, lists, limits and data come from struct
 * ussd_env; writes go back to the caller as effects. */
#include "core/ussd_menu.h"

#include <stdio.h>
#include <string.h>

#include "core/limits.h"
#include "core/text_input.h"
#include "core/utf8.h"

#define NAV_MORE "98"
#define NAV_BACK "0"
#define NAV_HOME "00"
#define LINE_MAX 640
#define ITEM_MAX 160

const char *const ussd_topic_codes[USSD_TOPIC_COUNT] = {"events", "trainings", "grants", "ideathon",
                                                        "news"};

const char *const ussd_menu_text_keys[] = {
    "language_name",
    "choose_language",
    "welcome",
    "menu_register",
    "menu_events_public",
    "menu_about",
    "about_text",
    "ask_name",
    "ask_coop",
    "ask_province",
    "ask_sector",
    "ask_gender",
    "gender_f",
    "gender_m",
    "ask_birth_year",
    "ask_consent",
    "consent_yes",
    "consent_no",
    "confirm_title",
    "confirm_yes",
    "confirm_restart",
    "no_coop",
    "registered",
    "consent_refused",
    "err_choice",
    "err_name",
    "err_coop",
    "err_year",
    "err_reference",
    "err_title",
    "err_text",
    "err_register_first",
    "nav_more",
    "nav_back",
    "nav_back_home",
    "busy",
    "resume_register",
    "resume_idea",
    "resume_continue",
    "resume_restart",
    "home_title",
    "menu_grants",
    "menu_events",
    "menu_idea",
    "menu_alerts",
    "menu_profile",
    "grants_title",
    "grant_item",
    "grants_enter_ref",
    "grant_ask_ref",
    "grant_detail",
    "grant_status.submitted",
    "grant_status.under_review",
    "grant_status.documents_missing",
    "grant_status.approved",
    "grant_status.disbursed",
    "grant_status.rejected",
    "events_title",
    "events_none",
    "event_item",
    "event_detail",
    "event_when",
    "seats_left",
    "seats_unlimited",
    "seats_full",
    "seat_yours",
    "event_rsvp",
    "event_sms",
    "event_full",
    "rsvp_done",
    "rsvp_already",
    "event_sms_sent",
    "idea_ask_sector",
    "idea_ask_title",
    "idea_ask_text",
    "idea_confirm",
    "idea_submit",
    "idea_cancel",
    "idea_done",
    "idea_cancelled",
    "alerts_title",
    "alert_item",
    "alert_on",
    "alert_off",
    "topic.events",
    "topic.trainings",
    "topic.grants",
    "topic.ideathon",
    "topic.news",
    "profile_text",
    "menu_language",
    "profile_stop",
    "profile_start",
    "profile_erase",
    "erase_confirm",
    "erase_yes",
    "erase_no",
    "language_changed",
    "stopped",
    "started",
    "erased",
    NULL,
};

struct screen_info {
    const char *name;
    const char *key; /* main text */
};

static const struct screen_info screens[USSD_SCR_COUNT] = {
    [USSD_SCR_LANGUAGE] = {"language", "choose_language"},
    [USSD_SCR_WELCOME] = {"welcome", "welcome"},
    [USSD_SCR_NAME] = {"name", "ask_name"},
    [USSD_SCR_COOP] = {"cooperative", "ask_coop"},
    [USSD_SCR_PROVINCE] = {"province", "ask_province"},
    [USSD_SCR_SECTOR] = {"sector", "ask_sector"},
    [USSD_SCR_GENDER] = {"gender", "ask_gender"},
    [USSD_SCR_BIRTH_YEAR] = {"birth_year", "ask_birth_year"},
    [USSD_SCR_CONSENT] = {"consent", "ask_consent"},
    [USSD_SCR_CONFIRM] = {"confirm", "confirm_title"},
    [USSD_SCR_RESUME] = {"resume", "resume_register"},
    [USSD_SCR_HOME] = {"home", "home_title"},
    [USSD_SCR_GRANTS] = {"grants", "grants_title"},
    [USSD_SCR_GRANT_REF] = {"grant_reference", "grant_ask_ref"},
    [USSD_SCR_GRANT_DETAIL] = {"grant", "grant_detail"},
    [USSD_SCR_EVENTS] = {"events", "events_title"},
    [USSD_SCR_EVENT_DETAIL] = {"event", "event_detail"},
    [USSD_SCR_EVENT_FULL] = {"event_full", "event_full"},
    [USSD_SCR_IDEA_SECTOR] = {"idea_sector", "idea_ask_sector"},
    [USSD_SCR_IDEA_TITLE] = {"idea_title", "idea_ask_title"},
    [USSD_SCR_IDEA_TEXT] = {"idea_text", "idea_ask_text"},
    [USSD_SCR_IDEA_CONFIRM] = {"idea_confirm", "idea_confirm"},
    [USSD_SCR_ALERTS] = {"alerts", "alerts_title"},
    [USSD_SCR_PROFILE] = {"profile", "profile_text"},
    [USSD_SCR_CHANGE_LANGUAGE] = {"change_language", "menu_language"},
    [USSD_SCR_ERASE_CONFIRM] = {"erase_confirm", "erase_confirm"},
    [USSD_SCR_END_ABOUT] = {"about", "about_text"},
    [USSD_SCR_END_REGISTERED] = {"registered", "registered"},
    [USSD_SCR_END_REFUSED] = {"consent_refused", "consent_refused"},
    [USSD_SCR_END_LANGUAGE_CHANGED] = {"language_changed", "language_changed"},
    [USSD_SCR_END_RSVP_DONE] = {"rsvp_done", "rsvp_done"},
    [USSD_SCR_END_RSVP_ALREADY] = {"rsvp_already", "rsvp_already"},
    [USSD_SCR_END_EVENT_SMS] = {"event_sms_sent", "event_sms_sent"},
    [USSD_SCR_END_IDEA_DONE] = {"idea_done", "idea_done"},
    [USSD_SCR_END_IDEA_CANCELLED] = {"idea_cancelled", "idea_cancelled"},
    [USSD_SCR_END_STOPPED] = {"stopped", "stopped"},
    [USSD_SCR_END_STARTED] = {"started", "started"},
    [USSD_SCR_END_ERASED] = {"erased", "erased"},
    [USSD_SCR_END_BUSY] = {"busy", "busy"},
};

const char *ussd_menu_screen_name(enum ussd_screen scr)
{
    return scr < USSD_SCR_COUNT && screens[scr].name ? screens[scr].name : "unknown";
}

const char *ussd_menu_screen_key(enum ussd_screen scr)
{
    return scr < USSD_SCR_COUNT && screens[scr].key ? screens[scr].key : "";
}

static bool is_end(enum ussd_screen scr)
{
    return scr >= USSD_SCR_FIRST_END;
}

/* Where "0" leads from the first page of a screen, or -1 (no way back). */
static int parent_of(enum ussd_screen scr, bool registered)
{
    switch (scr) {
    case USSD_SCR_WELCOME:
        return USSD_SCR_LANGUAGE;
    case USSD_SCR_PROVINCE:
        return USSD_SCR_COOP;
    case USSD_SCR_SECTOR:
        return USSD_SCR_PROVINCE;
    case USSD_SCR_GENDER:
        return USSD_SCR_SECTOR;
    case USSD_SCR_CONSENT:
        return USSD_SCR_BIRTH_YEAR;
    case USSD_SCR_GRANTS:
    case USSD_SCR_IDEA_SECTOR:
    case USSD_SCR_ALERTS:
    case USSD_SCR_PROFILE:
        return USSD_SCR_HOME;
    case USSD_SCR_GRANT_DETAIL:
        return USSD_SCR_GRANTS;
    case USSD_SCR_GRANT_REF:
        return USSD_SCR_GRANTS;
    case USSD_SCR_EVENTS:
        return registered ? USSD_SCR_HOME : USSD_SCR_WELCOME;
    case USSD_SCR_EVENT_DETAIL:
    case USSD_SCR_EVENT_FULL:
        return USSD_SCR_EVENTS;
    case USSD_SCR_IDEA_TITLE:
        return USSD_SCR_IDEA_SECTOR;
    case USSD_SCR_IDEA_TEXT:
        return USSD_SCR_IDEA_TITLE;
    case USSD_SCR_IDEA_CONFIRM:
        return USSD_SCR_IDEA_TEXT;
    case USSD_SCR_CHANGE_LANGUAGE:
    case USSD_SCR_ERASE_CONFIRM:
        return USSD_SCR_PROFILE;
    default:
        return -1;
    }
}

/* Services screens show "0 back · 00 home" on one line; registration
 * screens show "0 back" only. */
static bool is_service_screen(enum ussd_screen scr)
{
    return scr >= USSD_SCR_GRANTS && scr <= USSD_SCR_ERASE_CONFIRM;
}

static const char *lang_of(const struct ussd_state *s, const struct ussd_env *env)
{
    if (s->lang[0])
        return s->lang;
    return env->texts->fallback ? catalog_lang(env->texts->fallback) : "";
}

/* A text in the screen's language, "" when no catalog has it. */
static const char *text(const struct ussd_state *s, const struct ussd_env *env, const char *key)
{
    const char *t = catalog_set_get(env->texts, lang_of(s, env), key, NULL);
    return t ? t : "";
}

static const char *text_in(const struct ussd_env *env, const char *lang, const char *key)
{
    const char *t = catalog_set_get(env->texts, lang, key, NULL);
    return t ? t : key;
}

/* The name of a code in a group ("provinces", "sectors", "grant_status",
 * "topic"), falling back to the code itself. */
static const char *coded_name(const struct ussd_state *s, const struct ussd_env *env,
                              const char *group, const char *code, char *buf, size_t bufsz)
{
    snprintf(buf, bufsz, "%s.%s", group, code);
    const char *t = catalog_set_get(env->texts, lang_of(s, env), buf, NULL);
    return t ? t : code;
}

static enum text_encoding encoding_of(const char *s);

/* ---- input helpers ---- */

/* Trim ASCII spaces and fold Arabic-Indic digits to ASCII into out.
 * Returns false (out unspecified) when the input does not fit out. */
static bool normalize_input(const char *in, size_t len, char *out, size_t outsz)
{
    size_t j = 0, i = 0;
    while (i < len && j + 4 < outsz) {
        uint32_t cp;
        size_t n = utf8_decode(in + i, len - i, &cp);
        if (n == 0) { /* invalid byte: keep it, the caller rejects */
            out[j++] = in[i++];
            continue;
        }
        if (cp >= 0x0660 && cp <= 0x0669)
            out[j++] = (char)('0' + (cp - 0x0660));
        else if (cp >= 0x06F0 && cp <= 0x06F9)
            out[j++] = (char)('0' + (cp - 0x06F0));
        else {
            memcpy(out + j, in + i, n);
            j += n;
        }
        i += n;
    }
    if (i < len)
        return false;
    out[j] = '\0';
    size_t start = 0;
    while (out[start] == ' ' || out[start] == '\t')
        start++;
    while (j > start &&
           (out[j - 1] == ' ' || out[j - 1] == '\t' || out[j - 1] == '\r' || out[j - 1] == '\n'))
        j--;
    memmove(out, out + start, j - start);
    out[j - start] = '\0';
    return true;
}

/* A non-negative decimal number of at most 9 digits, or -1. */
static long parse_number(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 9)
        return -1;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* Free text (names, ideas) as core/text_input cleans it; USSD inputs
 * carry no line breaks. */
static bool clean_text(const char *in, size_t min_chars, size_t max_chars, char *out, size_t outsz)
{
    return text_input_clean(in, strlen(in), min_chars, max_chars, false, out, outsz);
}

static bool clean_name(const char *in, char *out, size_t outsz)
{
    return clean_text(in, USSD_NAME_CHARS_MIN, USSD_NAME_CHARS_MAX, out, outsz);
}

/* ---- the items of list screens ---- */

struct list {
    const char *items[USSD_LIST_MAX + 4];
    char storage[USSD_LIST_MAX + 4][ITEM_MAX];
    size_t count;
    /* data behind the items, for choices */
    struct ussd_grant grants[USSD_LIST_MAX];
    size_t ngrants;
    struct ussd_event events[USSD_LIST_MAX];
    size_t nevents;
    bool topics[USSD_TOPIC_COUNT];
    bool failed; /* a data callback failed */
};

static void list_add(struct list *l, const char *item)
{
    if (l->count < USSD_LIST_MAX + 4)
        l->items[l->count++] = item;
}

static void list_add_copy(struct list *l, const char *item)
{
    if (l->count < USSD_LIST_MAX + 4) {
        snprintf(l->storage[l->count], sizeof l->storage[0], "%s", item);
        l->items[l->count] = l->storage[l->count];
        l->count++;
    }
}

static void list_add_format(struct list *l, const char *tmpl, const struct text_var *vars,
                            size_t nvars)
{
    char buf[ITEM_MAX];
    if (text_format(tmpl, vars, nvars, buf, sizeof buf) < 0)
        snprintf(buf, sizeof buf, "%s", vars[0].value);
    list_add_copy(l, buf);
}

static bool is_list_screen(enum ussd_screen scr)
{
    switch (scr) {
    case USSD_SCR_LANGUAGE:
    case USSD_SCR_WELCOME:
    case USSD_SCR_PROVINCE:
    case USSD_SCR_SECTOR:
    case USSD_SCR_GENDER:
    case USSD_SCR_CONSENT:
    case USSD_SCR_CONFIRM:
    case USSD_SCR_RESUME:
    case USSD_SCR_HOME:
    case USSD_SCR_GRANTS:
    case USSD_SCR_EVENTS:
    case USSD_SCR_EVENT_DETAIL:
    case USSD_SCR_IDEA_SECTOR:
    case USSD_SCR_IDEA_CONFIRM:
    case USSD_SCR_ALERTS:
    case USSD_SCR_PROFILE:
    case USSD_SCR_CHANGE_LANGUAGE:
    case USSD_SCR_ERASE_CONFIRM:
        return true;
    default:
        return false;
    }
}

static void when_text(const struct ussd_state *s, const struct ussd_env *env,
                      const struct ussd_event *e, char *out, size_t outsz)
{
    char d[4], mo[4], h[4], mi[4];
    snprintf(d, sizeof d, "%02d", e->day % 100);
    snprintf(mo, sizeof mo, "%02d", e->month % 100);
    snprintf(h, sizeof h, "%02d", e->hour % 100);
    snprintf(mi, sizeof mi, "%02d", e->minute % 100);
    struct text_var vars[] = {{"day", d}, {"month", mo}, {"hour", h}, {"minute", mi}};
    if (text_format(text(s, env, "event_when"), vars, 4, out, outsz) < 0)
        snprintf(out, outsz, "%s/%s %s:%s", d, mo, h, mi);
}

/* The options of screens whose options are fixed texts, in order. */
static const char *const fixed_options[USSD_SCR_COUNT][6] = {
    [USSD_SCR_GENDER] = {"gender_f", "gender_m"},
    [USSD_SCR_CONSENT] = {"consent_yes", "consent_no"},
    [USSD_SCR_CONFIRM] = {"confirm_yes", "confirm_restart"},
    [USSD_SCR_RESUME] = {"resume_continue", "resume_restart"},
    [USSD_SCR_HOME] = {"menu_grants", "menu_events", "menu_idea", "menu_alerts", "menu_profile"},
    [USSD_SCR_EVENT_DETAIL] = {"event_rsvp", "event_sms"},
    [USSD_SCR_IDEA_CONFIRM] = {"idea_submit", "idea_cancel"},
    [USSD_SCR_ERASE_CONFIRM] = {"erase_yes", "erase_no"},
    [USSD_SCR_WELCOME] = {"menu_register", "menu_events_public", "menu_about"},
};

/* The items of a list screen, in the screen's language. */
static void list_items(const struct ussd_state *s, const struct ussd_member_view *m,
                       const struct ussd_env *env, struct list *l)
{
    char key[96];
    const struct ussd_data *data = env->data;
    memset(l->items, 0, sizeof l->items);
    memset(l->topics, 0, sizeof l->topics);
    l->count = 0;
    l->ngrants = l->nevents = 0;
    l->failed = false;
    for (size_t i = 0; s->screen < USSD_SCR_COUNT && fixed_options[s->screen][i]; i++)
        list_add(l, text(s, env, fixed_options[s->screen][i]));
    switch (s->screen) {
    case USSD_SCR_LANGUAGE:
    case USSD_SCR_CHANGE_LANGUAGE:
        for (size_t i = 0; i < env->nlanguages; i++)
            list_add(l, text_in(env, env->languages[i], "language_name"));
        break;
    case USSD_SCR_PROVINCE:
        for (size_t i = 0; i < env->nprovinces && i < USSD_LIST_MAX; i++)
            list_add_copy(l, coded_name(s, env, "provinces", env->provinces[i], key, sizeof key));
        break;
    case USSD_SCR_SECTOR:
    case USSD_SCR_IDEA_SECTOR:
        for (size_t i = 0; i < env->nsectors && i < USSD_LIST_MAX; i++)
            list_add_copy(l, coded_name(s, env, "sectors", env->sectors[i], key, sizeof key));
        break;
    case USSD_SCR_GRANTS: {
        int n = data && data->grants ? data->grants(data->ctx, l->grants, USSD_LIST_MAX) : 0;
        if (n < 0) {
            l->failed = true;
            n = 0;
        }
        l->ngrants = (size_t)n;
        for (size_t i = 0; i < l->ngrants; i++) {
            struct text_var vars[] = {{"reference", l->grants[i].reference},
                                      {"status", coded_name(s, env, "grant_status",
                                                            l->grants[i].status, key, sizeof key)}};
            list_add_format(l, text(s, env, "grant_item"), vars, 2);
        }
        list_add(l, text(s, env, "grants_enter_ref"));
        break;
    }
    case USSD_SCR_EVENTS: {
        int n = data && data->events ? data->events(data->ctx, l->events, USSD_LIST_MAX) : 0;
        if (n < 0) {
            l->failed = true;
            n = 0;
        }
        l->nevents = (size_t)n;
        for (size_t i = 0; i < l->nevents; i++) {
            char when[48], title[64], date[8];
            when_text(s, env, &l->events[i], when, sizeof when);
            snprintf(date, sizeof date, "%02d/%02d", l->events[i].day % 100,
                     l->events[i].month % 100);
            /* Titles are shortened so a page holds several events. */
            if (screen_ellipsize(l->events[i].title, strlen(l->events[i].title),
                                 encoding_of(l->events[i].title), 16, title, sizeof title) < 0)
                title[0] = '\0';
            struct text_var vars[] = {{"title", title}, {"when", when}, {"date", date}};
            list_add_format(l, text(s, env, "event_item"), vars, 3);
        }
        break;
    }
    case USSD_SCR_ALERTS: {
        if (data && data->topics && data->topics(data->ctx, l->topics) != 0)
            l->failed = true;
        for (size_t i = 0; i < USSD_TOPIC_COUNT; i++) {
            struct text_var vars[] = {
                {"topic", coded_name(s, env, "topic", ussd_topic_codes[i], key, sizeof key)},
                {"state", text(s, env, l->topics[i] ? "alert_on" : "alert_off")}};
            list_add_format(l, text(s, env, "alert_item"), vars, 2);
        }
        break;
    }
    case USSD_SCR_PROFILE:
        list_add(l, text(s, env, "menu_language"));
        list_add(l, text(s, env, m->opted_out ? "profile_start" : "profile_stop"));
        list_add(l, text(s, env, "profile_erase"));
        break;
    default:
        break;
    }
}

/* ---- transitions ---- */

static void go(struct ussd_state *s, enum ussd_screen scr)
{
    s->screen = scr;
    s->page = 0;
    memset(s->page_first, 0, sizeof s->page_first);
    s->error_key = NULL;
}

static void go_home(struct ussd_state *s, const struct ussd_member_view *m,
                    const struct ussd_env *env)
{
    if (m->registered)
        go(s, USSD_SCR_HOME);
    else if (s->lang[0] || env->nlanguages <= 1)
        go(s, USSD_SCR_WELCOME);
    else
        go(s, USSD_SCR_LANGUAGE);
}

void ussd_menu_start(struct ussd_state *s, const struct ussd_member_view *m,
                     const struct ussd_env *env)
{
    memset(s, 0, sizeof *s);
    s->version = USSD_STATE_VERSION;
    if (m->registered && m->language && catalog_set_find(env->texts, m->language))
        snprintf(s->lang, sizeof s->lang, "%s", m->language);
    else if (env->nlanguages == 1)
        snprintf(s->lang, sizeof s->lang, "%s", env->languages[0]);
    go_home(s, m, env);
}

void ussd_menu_offer_resume(struct ussd_state *s, enum ussd_flow flow, const char *lang)
{
    if (lang && *lang)
        snprintf(s->lang, sizeof s->lang, "%s", lang);
    s->resume_flow = flow;
    go(s, USSD_SCR_RESUME);
}

enum ussd_flow ussd_menu_flow(const struct ussd_state *s)
{
    /* A flow is under way once the member has given something to keep. */
    if (s->screen >= USSD_SCR_NAME && s->screen <= USSD_SCR_CONFIRM && s->draft.name[0])
        return USSD_FLOW_REGISTER;
    if (s->screen >= USSD_SCR_IDEA_SECTOR && s->screen <= USSD_SCR_IDEA_CONFIRM &&
        s->idea.sector[0])
        return USSD_FLOW_IDEA;
    return USSD_FLOW_NONE;
}

static long render_screen(const struct ussd_state *s, const struct ussd_member_view *m,
                          const struct ussd_env *env, char *out, size_t outsz, bool *end,
                          size_t *first, long *shown);

/* Navigation on a list screen ("98", "0"). Returns true when handled. */
static bool list_navigate(struct ussd_state *s, const char *in, const struct ussd_member_view *m,
                          const struct ussd_env *env, const struct list *l)
{
    if (strcmp(in, NAV_MORE) == 0) {
        /* "98" only when the screen the member saw had more items after it. */
        char scratch[SCREEN_BYTES_MAX];
        bool end;
        size_t first = 0;
        long shown = -1;
        if (s->page + 1 < USSD_PAGES_MAX &&
            render_screen(s, m, env, scratch, sizeof scratch, &end, &first, &shown) >= 0 &&
            shown > 0 && first + (size_t)shown < l->count) {
            s->page++;
            s->page_first[s->page] = (unsigned short)(first + (size_t)shown);
            s->error_key = NULL;
            return true;
        }
        return false;
    }
    if (strcmp(in, NAV_BACK) == 0) {
        if (s->page > 0) {
            s->page--;
            s->error_key = NULL;
            return true;
        }
        int parent = parent_of(s->screen, m->registered);
        if (parent >= 0) {
            go(s, (enum ussd_screen)parent);
            return true;
        }
    }
    return false;
}

/* A choice on a list screen: the chosen index, or -1. */
static long list_choice(const char *in, const struct list *l)
{
    long v = parse_number(in);
    if (v >= 1 && (size_t)v <= l->count)
        return v - 1;
    return -1;
}

static enum ussd_effect choose(struct ussd_state *s, long k, const struct ussd_member_view *m,
                               const struct ussd_env *env, const struct list *l)
{
    switch (s->screen) {
    case USSD_SCR_LANGUAGE:
        snprintf(s->lang, sizeof s->lang, "%s", env->languages[k]);
        go(s, USSD_SCR_WELCOME);
        break;
    case USSD_SCR_WELCOME:
        go(s, k == 0 ? USSD_SCR_NAME : k == 1 ? USSD_SCR_EVENTS : USSD_SCR_END_ABOUT);
        break;
    case USSD_SCR_PROVINCE:
        snprintf(s->draft.province, sizeof s->draft.province, "%s", env->provinces[k]);
        go(s, USSD_SCR_SECTOR);
        break;
    case USSD_SCR_SECTOR:
        snprintf(s->draft.sector, sizeof s->draft.sector, "%s", env->sectors[k]);
        go(s, USSD_SCR_GENDER);
        break;
    case USSD_SCR_GENDER:
        s->draft.gender = k == 0 ? 'f' : 'm';
        go(s, USSD_SCR_BIRTH_YEAR);
        break;
    case USSD_SCR_CONSENT:
        if (k == 0) {
            go(s, USSD_SCR_CONFIRM);
        } else {
            memset(&s->draft, 0, sizeof s->draft);
            go(s, USSD_SCR_END_REFUSED);
        }
        break;
    case USSD_SCR_CONFIRM:
        if (k == 0) {
            go(s, USSD_SCR_END_REGISTERED);
            return USSD_EFFECT_REGISTER;
        }
        go(s, USSD_SCR_NAME);
        break;
    case USSD_SCR_RESUME:
        if (k == 0)
            return USSD_EFFECT_RESUME_DRAFT;
        {
            enum ussd_flow flow = s->resume_flow;
            memset(&s->draft, 0, sizeof s->draft);
            memset(&s->idea, 0, sizeof s->idea);
            go(s, flow == USSD_FLOW_IDEA ? USSD_SCR_IDEA_SECTOR
                  : m->registered        ? USSD_SCR_HOME
                                         : USSD_SCR_WELCOME);
        }
        return USSD_EFFECT_DISCARD_DRAFT;
    case USSD_SCR_HOME: {
        static const enum ussd_screen next[] = {USSD_SCR_GRANTS, USSD_SCR_EVENTS,
                                                USSD_SCR_IDEA_SECTOR, USSD_SCR_ALERTS,
                                                USSD_SCR_PROFILE};
        go(s, next[k]);
        if (s->screen == USSD_SCR_GRANTS && l && env->data && env->data->grants) {
            struct ussd_grant g[1];
            if (env->data->grants(env->data->ctx, g, 1) == 0)
                go(s, USSD_SCR_GRANT_REF); /* no applications: ask for a reference */
        }
        if (s->screen == USSD_SCR_IDEA_SECTOR)
            memset(&s->idea, 0, sizeof s->idea);
        break;
    }
    case USSD_SCR_GRANTS:
        if ((size_t)k < l->ngrants) {
            snprintf(s->grant_ref, sizeof s->grant_ref, "%s", l->grants[k].reference);
            go(s, USSD_SCR_GRANT_DETAIL);
        } else {
            go(s, USSD_SCR_GRANT_REF);
        }
        break;
    case USSD_SCR_EVENTS:
        s->event_id = l->events[k].id;
        go(s, USSD_SCR_EVENT_DETAIL);
        break;
    case USSD_SCR_EVENT_DETAIL:
        if (k == 0) {
            if (!m->registered) {
                go(s, USSD_SCR_NAME);
                s->error_key = "err_register_first";
                break;
            }
            return USSD_EFFECT_RSVP;
        }
        go(s, USSD_SCR_END_EVENT_SMS);
        return USSD_EFFECT_EVENT_SMS;
    case USSD_SCR_IDEA_SECTOR:
        snprintf(s->idea.sector, sizeof s->idea.sector, "%s", env->sectors[k]);
        go(s, USSD_SCR_IDEA_TITLE);
        break;
    case USSD_SCR_IDEA_CONFIRM:
        if (k == 0) {
            go(s, USSD_SCR_END_IDEA_DONE);
            return USSD_EFFECT_SUBMIT_IDEA;
        }
        memset(&s->idea, 0, sizeof s->idea);
        go(s, USSD_SCR_END_IDEA_CANCELLED);
        return USSD_EFFECT_DISCARD_DRAFT;
    case USSD_SCR_ALERTS:
        s->topic = (int)k;
        s->topic_on = !l->topics[k];
        s->error_key = NULL;
        return USSD_EFFECT_SET_TOPIC;
    case USSD_SCR_PROFILE:
        if (k == 0) {
            go(s, USSD_SCR_CHANGE_LANGUAGE);
        } else if (k == 1) {
            go(s, m->opted_out ? USSD_SCR_END_STARTED : USSD_SCR_END_STOPPED);
            return m->opted_out ? USSD_EFFECT_START_ALL : USSD_EFFECT_STOP_ALL;
        } else {
            go(s, USSD_SCR_ERASE_CONFIRM);
        }
        break;
    case USSD_SCR_CHANGE_LANGUAGE:
        snprintf(s->lang, sizeof s->lang, "%s", env->languages[k]);
        go(s, USSD_SCR_END_LANGUAGE_CHANGED);
        return USSD_EFFECT_SET_LANGUAGE;
    case USSD_SCR_ERASE_CONFIRM:
        if (k == 0) {
            go(s, USSD_SCR_END_ERASED);
            return USSD_EFFECT_ERASE;
        }
        go(s, USSD_SCR_PROFILE);
        break;
    default:
        break;
    }
    return USSD_EFFECT_NONE;
}

/* A free-text prompt of the idea flow: "0" goes back, text of min..max
 * characters is kept in dst and leads on, anything else shows err_key. */
static enum ussd_effect free_text_step(struct ussd_state *s, const char *in, size_t min_chars,
                                       size_t max_chars, char *dst, size_t dstsz,
                                       const char *err_key, enum ussd_screen back,
                                       enum ussd_screen next)
{
    if (strcmp(in, NAV_BACK) == 0) {
        go(s, back);
        return USSD_EFFECT_NONE;
    }
    char clean[USSD_IDEA_TEXT_MAX];
    if (!clean_text(in, min_chars, max_chars, clean, sizeof clean) || strlen(clean) >= dstsz) {
        s->error_key = err_key;
        return USSD_EFFECT_NONE;
    }
    memcpy(dst, clean, strlen(clean) + 1);
    go(s, next);
    return USSD_EFFECT_NONE;
}

enum ussd_effect ussd_menu_input(struct ussd_state *s, const char *raw, size_t rawlen,
                                 const struct ussd_member_view *m, const struct ussd_env *env)
{
    char in[USSD_INPUT_BYTES_MAX];
    /* A NUL byte or an input longer than any a handset sends is wrong on
     * every screen: refused whole, never cut and taken. */
    if (memchr(raw, '\0', rawlen) || !normalize_input(raw, rawlen, in, sizeof in))
        snprintf(in, sizeof in, "\x7f");
    if (is_end(s->screen))
        return USSD_EFFECT_NONE; /* last screens take no input */
    if (strcmp(in, NAV_HOME) == 0) {
        go_home(s, m, env);
        return USSD_EFFECT_NONE;
    }
    if (is_list_screen(s->screen)) {
        struct list l;
        list_items(s, m, env, &l);
        if (l.failed) {
            go(s, USSD_SCR_END_BUSY);
            return USSD_EFFECT_NONE;
        }
        if (list_navigate(s, in, m, env, &l))
            return USSD_EFFECT_NONE;
        long k = list_choice(in, &l);
        if (k < 0) {
            s->error_key = "err_choice";
            return USSD_EFFECT_NONE;
        }
        return choose(s, k, m, env, &l);
    }

    const struct ussd_data *data = env->data;
    switch (s->screen) {
    case USSD_SCR_NAME: {
        char name[USSD_NAME_MAX];
        if (!clean_name(in, name, sizeof name)) {
            s->error_key = "err_name";
            return USSD_EFFECT_NONE;
        }
        snprintf(s->draft.name, sizeof s->draft.name, "%s", name);
        go(s, USSD_SCR_COOP);
        return USSD_EFFECT_NONE;
    }
    case USSD_SCR_COOP: {
        long v = parse_number(in);
        if (v == 0 && strlen(in) == 1) {
            s->draft.coop_id = 0;
            s->draft.coop_name[0] = '\0';
            go(s, USSD_SCR_PROVINCE);
            return USSD_EFFECT_NONE;
        }
        int found = 0;
        int64_t id = 0;
        char cname[USSD_NAME_MAX] = "";
        if (v > 0 && data && data->coop_lookup)
            found = data->coop_lookup(data->ctx, in, &id, cname, sizeof cname);
        if (found < 0) {
            go(s, USSD_SCR_END_BUSY);
            return USSD_EFFECT_NONE;
        }
        if (found == 0) {
            s->error_key = "err_coop";
            return USSD_EFFECT_NONE;
        }
        s->draft.coop_id = id;
        snprintf(s->draft.coop_name, sizeof s->draft.coop_name, "%s", cname);
        go(s, USSD_SCR_PROVINCE);
        return USSD_EFFECT_NONE;
    }
    case USSD_SCR_BIRTH_YEAR: {
        long y = strlen(in) == 4 ? parse_number(in) : -1;
        if (y < 1900 || y > env->current_year - env->min_age) {
            s->error_key = "err_year";
            return USSD_EFFECT_NONE;
        }
        s->draft.birth_year = (int)y;
        go(s, USSD_SCR_CONSENT);
        return USSD_EFFECT_NONE;
    }
    case USSD_SCR_GRANT_REF: {
        if (strcmp(in, NAV_BACK) == 0) {
            /* Back to the list of applications, or home when there is none. */
            struct ussd_grant g[1];
            bool any = data && data->grants && data->grants(data->ctx, g, 1) > 0;
            go(s, any ? USSD_SCR_GRANTS : USSD_SCR_HOME);
            return USSD_EFFECT_NONE;
        }
        /* References are typed as printed ("GR-2026-00042") or digits only
         * on a keypad ("2026*00042" arrives as separate inputs, so accept
         * "202600042" too): the lookup normalises. */
        struct ussd_grant g;
        bool plausible = in[0] && strlen(in) < USSD_REF_MAX;
        for (const char *p = in; plausible && *p; p++)
            plausible = (*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') ||
                        (*p >= 'a' && *p <= 'z') || *p == '-' || *p == ' ' || *p == '/';
        int found = plausible && data && data->grant_find ? data->grant_find(data->ctx, in, &g) : 0;
        if (found < 0) {
            go(s, USSD_SCR_END_BUSY);
            return USSD_EFFECT_NONE;
        }
        if (found == 0) {
            s->error_key = "err_reference";
            return USSD_EFFECT_NONE;
        }
        snprintf(s->grant_ref, sizeof s->grant_ref, "%s", g.reference);
        go(s, USSD_SCR_GRANT_DETAIL);
        return USSD_EFFECT_NONE;
    }
    case USSD_SCR_IDEA_TITLE:
        return free_text_step(s, in, USSD_IDEA_TITLE_CHARS_MIN, USSD_IDEA_TITLE_CHARS_MAX,
                              s->idea.title, sizeof s->idea.title, "err_title",
                              USSD_SCR_IDEA_SECTOR, USSD_SCR_IDEA_TEXT);
    case USSD_SCR_IDEA_TEXT:
        return free_text_step(s, in, USSD_IDEA_TEXT_CHARS_MIN, USSD_IDEA_TEXT_CHARS_MAX,
                              s->idea.text, sizeof s->idea.text, "err_text", USSD_SCR_IDEA_TITLE,
                              USSD_SCR_IDEA_CONFIRM);
    case USSD_SCR_GRANT_DETAIL:
    case USSD_SCR_EVENT_FULL: {
        int parent = parent_of(s->screen, m->registered);
        if (strcmp(in, NAV_BACK) == 0 && parent >= 0)
            go(s, (enum ussd_screen)parent);
        else
            s->error_key = "err_choice";
        return USSD_EFFECT_NONE;
    }
    default:
        return USSD_EFFECT_NONE;
    }
}

void ussd_menu_effect_done(struct ussd_state *s, enum ussd_effect e, enum ussd_effect_result r)
{
    if (r == USSD_RESULT_FAILED) {
        go(s, USSD_SCR_END_BUSY);
        return;
    }
    switch (e) {
    case USSD_EFFECT_RSVP:
        go(s, r == USSD_RESULT_FULL      ? USSD_SCR_EVENT_FULL
              : r == USSD_RESULT_ALREADY ? USSD_SCR_END_RSVP_ALREADY
                                         : USSD_SCR_END_RSVP_DONE);
        break;
    case USSD_EFFECT_SET_TOPIC:
        s->error_key = NULL; /* stay on the alerts screen, showing the new state */
        break;
    default:
        break;
    }
}

/* ---- rendering ---- */

static enum text_encoding encoding_of(const char *s)
{
    struct text_measure tm;
    if (text_measure(s, strlen(s), &tm) != 0)
        return TEXT_UCS2;
    return tm.encoding;
}

/* Copy src shortened to at most max_units in the screen's encoding. */
static void shorten(const char *src, size_t max_units, enum text_encoding enc, char *out,
                    size_t outsz)
{
    if (screen_ellipsize(src, strlen(src), enc, max_units, out, outsz) < 0)
        snprintf(out, outsz, "%s", "");
}

/* The encoding the whole screen will travel in: UCS-2 when any part of it
 * (template, data, items, navigation, error line) needs it. */
static enum text_encoding screen_encoding(const struct ussd_state *s, const struct ussd_env *env,
                                          const char *tmpl, const struct text_var *vars,
                                          size_t nvars, const struct screen_list *sl)
{
    if (encoding_of(tmpl) == TEXT_UCS2 || (sl->more && encoding_of(sl->more) == TEXT_UCS2) ||
        (sl->nav && encoding_of(sl->nav) == TEXT_UCS2) ||
        (s->error_key && encoding_of(text(s, env, s->error_key)) == TEXT_UCS2))
        return TEXT_UCS2;
    for (size_t i = 0; i < nvars; i++)
        if (vars[i].value && encoding_of(vars[i].value) == TEXT_UCS2)
            return TEXT_UCS2;
    for (size_t i = 0; i < sl->count; i++)
        if (sl->items[i] && encoding_of(sl->items[i]) == TEXT_UCS2)
            return TEXT_UCS2;
    return TEXT_GSM7;
}

#define VARS_MAX 8

/* Remove the empty lines an empty field leaves ("note" of a grant without
 * one), and trailing separators. */
static void drop_empty_lines(char *t)
{
    size_t j = 0;
    for (size_t i = 0; t[i]; i++) {
        if (t[i] == '\n' && (j == 0 || t[j - 1] == '\n'))
            continue;
        t[j++] = t[i];
    }
    while (j > 0 && (t[j - 1] == '\n' || t[j - 1] == ' '))
        j--;
    t[j] = '\0';
}

/* Whether every option shown kept its whole label. */
static bool items_intact(const struct screen_list *sl, long shown, const char *out)
{
    for (size_t i = sl->first; i < sl->first + (size_t)shown && i < sl->count; i++)
        if (sl->items[i] && !strstr(out, sl->items[i]))
            return false;
    return true;
}

/* Format a title that carries data, shortening the data fields (names,
 * notes) step by step until the whole screen fits. */
/* The text above the options: the error line (if any), then title. */
static void compose_header(const struct ussd_state *s, const struct ussd_env *env,
                           const char *title, char *header, size_t headersz)
{
    if (s->error_key)
        snprintf(header, headersz, "%s\n%s", text(s, env, s->error_key), title);
    else
        snprintf(header, headersz, "%s", title);
}

static size_t page_first_of(const struct ussd_state *s, const struct screen_list *sl)
{
    return s->page < USSD_PAGES_MAX && s->page_first[s->page] < sl->count ? s->page_first[s->page]
                                                                          : 0;
}

/* The last resort for long data on a crowded screen: the error line, the
 * options of the page (all of them if they leave room, else the first and
 * "more") and the navigation stay whole; the text in between is cut to the
 * room left. Returns the items shown, or -1. */
static long render_cut(const struct ussd_state *s, const struct ussd_env *env, const char *tmpl,
                       struct text_var *vars, size_t nvars, const size_t *shrinkable,
                       size_t nshrink, const char *const *orig, enum text_encoding enc,
                       struct screen_list *sl, char *out, size_t outsz)
{
    enum { MIN_TEXT_UNITS = 16 }; /* below this the cut text says nothing */
    char title[LINE_MAX], header[LINE_MAX + 128], cut[LINE_MAX];
    for (size_t j = 0; j < nshrink; j++)
        vars[shrinkable[j]].value = orig[shrinkable[j]];
    if (text_format(tmpl, vars, nvars, title, sizeof title) < 0)
        return -1;
    drop_empty_lines(title);
    size_t lim = enc == TEXT_UCS2 ? sl->limit.ucs2 : sl->limit.gsm7;
    size_t first = page_first_of(s, sl);
    const char *err = s->error_key ? text(s, env, s->error_key) : NULL;
    /* Attempts: all the options; the first option and "more"; the same
     * without any text but the error line. */
    for (int attempt = 0; attempt < 3; attempt++) {
        struct screen_list options = *sl;
        options.header = NULL;
        options.first = first;
        options.limit = (struct screen_limit){lim, lim};
        if (attempt >= 1 && sl->count > first)
            options.count = first + 1;
        char probe[SCREEN_BYTES_MAX];
        long shown = screen_list_render(&options, probe, sizeof probe);
        if (shown < 0 || (attempt == 0 && first + (size_t)shown < sl->count))
            continue; /* all the options do not fit even alone */
        size_t used = text_units(probe, strlen(probe), enc);
        if (attempt >= 1 && sl->count > first + 1 && sl->more)
            used += 1 + text_units(sl->more, strlen(sl->more), enc);
        if (err)
            used += text_units(err, strlen(err), enc) + 1;
        if (attempt < 2) {
            size_t want = text_units(title, strlen(title), enc);
            if (want > MIN_TEXT_UNITS)
                want = MIN_TEXT_UNITS;
            if (used + 1 + want > lim)
                continue;
            if (screen_ellipsize(title, strlen(title), enc, lim - used - 1, cut, sizeof cut) < 0)
                continue;
            if (err)
                snprintf(header, sizeof header, "%s\n%s", err, cut);
            else
                snprintf(header, sizeof header, "%s", cut);
        } else {
            if (used > lim)
                continue;
            snprintf(header, sizeof header, "%s", err ? err : "");
        }
        sl->header = header;
        sl->first = first;
        long r = screen_list_render(sl, out, outsz);
        sl->header = NULL; /* header is local */
        if (r >= 0)
            return r;
    }
    return -1;
}

static long render_with_fields(const struct ussd_state *s, const struct ussd_env *env,
                               const char *tmpl, struct text_var *vars, size_t nvars,
                               const size_t *shrinkable, size_t nshrink, struct screen_list *sl,
                               char *out, size_t outsz)
{
    /* In order of preference: data fields shortened down to 10 characters
     * with every option on the screen; the longest fields that fit with the
     * options paginated; (at run time) the text cut above whole options;
     * fields of a few characters. The strict check (taawund -n) never cuts,
     * so it only blames catalog texts. */
    static const size_t caps[] = {0, 60, 40, 30, 20, 14, 10, 6, 3};
    enum { READABLE_CAP_INDEX = 6 }; /* caps[6] == 10 */
    size_t ncaps = sizeof caps / sizeof caps[0];
    const char *orig[VARS_MAX];
    char shortened[VARS_MAX][USSD_IDEA_TEXT_MAX];
    for (size_t i = 0; i < nvars && i < VARS_MAX; i++)
        orig[i] = vars[i].value;
    enum text_encoding enc = screen_encoding(s, env, tmpl, vars, nvars, sl);
    char title[LINE_MAX];
    char header[LINE_MAX + 128];
    long paged = -1; /* the first cap index that fit with paging */
    for (size_t pass = 0; pass < 2; pass++) {
        for (size_t c = 0; c <= READABLE_CAP_INDEX; c++) {
            if (pass == 1 && (long)c != paged)
                continue;
            for (size_t j = 0; j < nshrink; j++) {
                size_t v = shrinkable[j];
                if (caps[c] == 0) {
                    vars[v].value = orig[v];
                } else {
                    shorten(orig[v], caps[c], enc, shortened[j], sizeof shortened[j]);
                    vars[v].value = shortened[j];
                }
            }
            if (text_format(tmpl, vars, nvars, title, sizeof title) < 0)
                continue;
            drop_empty_lines(title);
            compose_header(s, env, title, header, sizeof header);
            sl->header = header;
            sl->first = page_first_of(s, sl);
            long r = screen_list_render(sl, out, outsz);
            if (pass == 1)
                return r;
            if (r > 0 && !items_intact(sl, r, out))
                r = -1; /* an option had to be cut: try shorter fields */
            bool whole = r >= 0 && sl->first + (size_t)r >= sl->count;
            if (r >= 0 && (nshrink == 0 || whole))
                return r;
            if (r >= 0 && paged < 0)
                paged = (long)c;
        }
        if (paged < 0)
            break;
    }
    if (!env->strict) {
        long r =
            render_cut(s, env, tmpl, vars, nvars, shrinkable, nshrink, orig, enc, sl, out, outsz);
        if (r >= 0)
            return r;
    }
    /* Nothing readable fits: shrink the fields to a few characters. */
    for (size_t c = READABLE_CAP_INDEX + 1; c < ncaps; c++) {
        for (size_t j = 0; j < nshrink; j++) {
            shorten(orig[shrinkable[j]], caps[c], enc, shortened[j], sizeof shortened[j]);
            vars[shrinkable[j]].value = shortened[j];
        }
        if (text_format(tmpl, vars, nvars, title, sizeof title) < 0)
            continue;
        drop_empty_lines(title);
        compose_header(s, env, title, header, sizeof header);
        sl->header = header;
        sl->first = page_first_of(s, sl);
        long r = screen_list_render(sl, out, outsz);
        if (r >= 0 && (r == 0 || items_intact(sl, r, out)))
            return r;
    }
    return -1;
}

static const char *gender_text(const struct ussd_state *s, const struct ussd_env *env, char g)
{
    return g == 'f' ? text(s, env, "gender_f") : g == 'm' ? text(s, env, "gender_m") : "";
}

long ussd_menu_render(const struct ussd_state *s, const struct ussd_member_view *m,
                      const struct ussd_env *env, char *out, size_t outsz, bool *end)
{
    size_t first;
    long shown;
    return render_screen(s, m, env, out, outsz, end, &first, &shown);
}

/* Scratch space of one render: texts the variables point into. */
struct render_buf {
    char key[4][96];
    char num[4][32];
    char when[48];
    char seats[96];
    struct ussd_grant grant;
    struct ussd_event event;
};

static long render_screen(const struct ussd_state *s, const struct ussd_member_view *m,
                          const struct ussd_env *env, char *out, size_t outsz, bool *end,
                          size_t *first, long *shown)
{
    *end = is_end(s->screen);
    struct list l;
    list_items(s, m, env, &l);
    if (l.failed) {
        struct ussd_state busy = *s;
        busy.screen = USSD_SCR_END_BUSY;
        busy.error_key = NULL;
        return render_screen(&busy, m, env, out, outsz, end, first, shown);
    }
    struct screen_list sl = {.items = l.items, .count = l.count, .limit = env->limit};
    if (is_list_screen(s->screen))
        sl.more = text(s, env, "nav_more");
    if (!*end) {
        bool back = parent_of(s->screen, m->registered) >= 0 || s->page > 0;
        /* Detail screens need their room for the details: "0" back only
         * ("00" home works everywhere all the same). */
        bool detail = s->screen == USSD_SCR_EVENT_DETAIL || s->screen == USSD_SCR_GRANT_DETAIL;
        if (is_service_screen(s->screen) && !detail)
            sl.nav = text(s, env, "nav_back_home");
        else if (back)
            sl.nav = text(s, env, "nav_back");
    }
    struct render_buf b;
    struct text_var vars[VARS_MAX];
    size_t nvars = 0;
    const char *tmpl = NULL;
    size_t shrink[3];
    size_t nshrink = 0;
    const struct ussd_data *data = env->data;

    switch (s->screen) {
    case USSD_SCR_LANGUAGE:
        tmpl = env->texts->fallback ? catalog_get(env->texts->fallback, "choose_language") : NULL;
        break;
    case USSD_SCR_WELCOME:
        tmpl = text(s, env, "welcome");
        vars[nvars++] = (struct text_var){"programme", env->programme};
        break;
    case USSD_SCR_CONFIRM:
        snprintf(b.num[0], sizeof b.num[0], "%d", s->draft.birth_year);
        tmpl = text(s, env, "confirm_title");
        shrink[nshrink++] = nvars;
        vars[nvars++] = (struct text_var){"name", s->draft.name};
        shrink[nshrink++] = nvars;
        vars[nvars++] = (struct text_var){"coop", s->draft.coop_id ? s->draft.coop_name
                                                                   : text(s, env, "no_coop")};
        vars[nvars++] =
            (struct text_var){"province", coded_name(s, env, "provinces", s->draft.province,
                                                     b.key[0], sizeof b.key[0])};
        vars[nvars++] = (struct text_var){
            "sector", coded_name(s, env, "sectors", s->draft.sector, b.key[1], sizeof b.key[1])};
        vars[nvars++] = (struct text_var){"gender", gender_text(s, env, s->draft.gender)};
        vars[nvars++] = (struct text_var){"year", b.num[0]};
        break;
    case USSD_SCR_RESUME:
        tmpl = text(s, env, s->resume_flow == USSD_FLOW_IDEA ? "resume_idea" : "resume_register");
        break;
    case USSD_SCR_HOME:
        tmpl = text(s, env, "home_title");
        shrink[nshrink++] = nvars;
        vars[nvars++] = (struct text_var){"name", m->name ? m->name : ""};
        break;
    case USSD_SCR_GRANT_DETAIL: {
        int found =
            data && data->grant_find ? data->grant_find(data->ctx, s->grant_ref, &b.grant) : 0;
        if (found != 1) {
            struct ussd_state busy = *s;
            busy.screen = USSD_SCR_END_BUSY;
            busy.error_key = NULL;
            return render_screen(&busy, m, env, out, outsz, end, first, shown);
        }
        snprintf(b.num[0], sizeof b.num[0], "%lld", b.grant.amount_mad);
        tmpl = text(s, env, "grant_detail");
        vars[nvars++] = (struct text_var){"reference", b.grant.reference};
        vars[nvars++] =
            (struct text_var){"status", coded_name(s, env, "grant_status", b.grant.status, b.key[0],
                                                   sizeof b.key[0])};
        vars[nvars++] = (struct text_var){"amount", b.num[0]};
        shrink[nshrink++] = nvars;
        vars[nvars++] = (struct text_var){"note", b.grant.note};
        break;
    }
    case USSD_SCR_EVENTS:
        tmpl = text(s, env, l.nevents ? "events_title" : "events_none");
        break;
    case USSD_SCR_EVENT_DETAIL:
    case USSD_SCR_END_RSVP_DONE:
    case USSD_SCR_END_RSVP_ALREADY: {
        int found =
            data && data->event_find ? data->event_find(data->ctx, s->event_id, &b.event) : 0;
        if (found != 1) {
            struct ussd_state busy = *s;
            busy.screen = USSD_SCR_END_BUSY;
            busy.error_key = NULL;
            return render_screen(&busy, m, env, out, outsz, end, first, shown);
        }
        when_text(s, env, &b.event, b.when, sizeof b.when);
        if (b.event.mine) {
            snprintf(b.seats, sizeof b.seats, "%s", text(s, env, "seat_yours"));
        } else if (b.event.capacity < 0) {
            snprintf(b.seats, sizeof b.seats, "%s", text(s, env, "seats_unlimited"));
        } else if (b.event.taken >= b.event.capacity) {
            snprintf(b.seats, sizeof b.seats, "%s", text(s, env, "seats_full"));
        } else {
            snprintf(b.num[0], sizeof b.num[0], "%d", b.event.capacity - b.event.taken);
            struct text_var sv[] = {{"n", b.num[0]}};
            if (text_format(text(s, env, "seats_left"), sv, 1, b.seats, sizeof b.seats) < 0)
                snprintf(b.seats, sizeof b.seats, "%s", b.num[0]);
        }
        tmpl = text(s, env, ussd_menu_screen_key(s->screen));
        shrink[nshrink++] = nvars;
        vars[nvars++] = (struct text_var){"title", b.event.title};
        vars[nvars++] = (struct text_var){"when", b.when};
        shrink[nshrink++] = nvars;
        vars[nvars++] = (struct text_var){"place", b.event.place};
        vars[nvars++] = (struct text_var){"seats", b.seats};
        vars[nvars++] = (struct text_var){"code", b.event.code};
        break;
    }
    case USSD_SCR_IDEA_CONFIRM:
        tmpl = text(s, env, "idea_confirm");
        shrink[nshrink++] = nvars;
        vars[nvars++] = (struct text_var){"title", s->idea.title};
        vars[nvars++] = (struct text_var){
            "sector", coded_name(s, env, "sectors", s->idea.sector, b.key[0], sizeof b.key[0])};
        break;
    case USSD_SCR_PROFILE:
        tmpl = text(s, env, "profile_text");
        shrink[nshrink++] = nvars;
        vars[nvars++] = (struct text_var){"name", m->name ? m->name : ""};
        shrink[nshrink++] = nvars;
        vars[nvars++] = (struct text_var){"coop", m->cooperative_name && m->cooperative_name[0]
                                                      ? m->cooperative_name
                                                      : text(s, env, "no_coop")};
        vars[nvars++] = (struct text_var){"member_no", m->member_no ? m->member_no : ""};
        vars[nvars++] = (struct text_var){"province", coded_name(s, env, "provinces",
                                                                 m->province ? m->province : "",
                                                                 b.key[0], sizeof b.key[0])};
        vars[nvars++] =
            (struct text_var){"sector", coded_name(s, env, "sectors", m->sector ? m->sector : "",
                                                   b.key[1], sizeof b.key[1])};
        break;
    case USSD_SCR_END_REGISTERED:
    case USSD_SCR_END_IDEA_DONE:
        tmpl = text(s, env, ussd_menu_screen_key(s->screen));
        vars[nvars++] = (struct text_var){"member_no", s->result_ref};
        vars[nvars++] = (struct text_var){"reference", s->result_ref};
        break;
    default:
        tmpl = text(s, env, ussd_menu_screen_key(s->screen));
        break;
    }
    *shown =
        render_with_fields(s, env, tmpl ? tmpl : "", vars, nvars, shrink, nshrink, &sl, out, outsz);
    *first = sl.first;
    return *shown < 0 ? -1 : (long)strlen(out);
}

/* ---- self-check for `taawund -n` ---- */

/* Whether screen scr can show the error line err_key. */
static bool error_possible(enum ussd_screen scr, const char *err_key)
{
    if (is_end(scr))
        return false;
    if (is_list_screen(scr) || scr == USSD_SCR_GRANT_DETAIL || scr == USSD_SCR_EVENT_FULL)
        return strcmp(err_key, "err_choice") == 0;
    switch (scr) {
    case USSD_SCR_NAME:
        return strcmp(err_key, "err_name") == 0 || strcmp(err_key, "err_register_first") == 0;
    case USSD_SCR_COOP:
        return strcmp(err_key, "err_coop") == 0;
    case USSD_SCR_BIRTH_YEAR:
        return strcmp(err_key, "err_year") == 0;
    case USSD_SCR_GRANT_REF:
        return strcmp(err_key, "err_reference") == 0;
    case USSD_SCR_IDEA_TITLE:
        return strcmp(err_key, "err_title") == 0;
    case USSD_SCR_IDEA_TEXT:
        return strcmp(err_key, "err_text") == 0;
    default:
        return false;
    }
}

struct sample {
    char name[USSD_NAME_MAX];
};

static int sample_grants(void *ctx, struct ussd_grant *out, size_t max)
{
    struct sample *sm = ctx;
    size_t n = max < 3 ? max : 3;
    for (size_t i = 0; i < n; i++) {
        memset(&out[i], 0, sizeof out[i]);
        snprintf(out[i].reference, sizeof out[i].reference, "GR-2026-0004%zu", i);
        snprintf(out[i].status, sizeof out[i].status, "%s",
                 i == 0 ? "documents_missing" : "under_review");
        out[i].amount_mad = 1250000;
        /* A long note: the name twice, cut to the note's size. */
        size_t half = sizeof out[i].note / 2 - 1;
        size_t n1 = utf8_floor(sm->name, strlen(sm->name), half);
        memcpy(out[i].note, sm->name, n1);
        out[i].note[n1] = ' ';
        memcpy(out[i].note + n1 + 1, sm->name, n1);
        out[i].note[2 * n1 + 1] = '\0';
    }
    return (int)n;
}

static int sample_grant(void *ctx, const char *ref, struct ussd_grant *out)
{
    (void)ref;
    return sample_grants(ctx, out, 1) == 1 ? 1 : 0;
}

static int sample_events(void *ctx, struct ussd_event *out, size_t max)
{
    struct sample *sm = ctx;
    size_t n = max < 6 ? max : 6;
    for (size_t i = 0; i < n; i++) {
        memset(&out[i], 0, sizeof out[i]);
        out[i].id = (int64_t)i + 1;
        snprintf(out[i].code, sizeof out[i].code, "EV%zu", i);
        snprintf(out[i].title, sizeof out[i].title, "%s", sm->name);
        snprintf(out[i].place, sizeof out[i].place, "%.60s", sm->name);
        out[i].day = 28;
        out[i].month = 12;
        out[i].hour = 10;
        out[i].capacity = 120;
        out[i].taken = 7;
    }
    return (int)n;
}

static int sample_event(void *ctx, int64_t id, struct ussd_event *out)
{
    struct ussd_event ev[1];
    (void)id;
    if (sample_events(ctx, ev, 1) != 1)
        return 0;
    *out = ev[0];
    return 1;
}

static int sample_topics(void *ctx, bool enabled[USSD_TOPIC_COUNT])
{
    (void)ctx;
    for (int i = 0; i < USSD_TOPIC_COUNT; i++)
        enabled[i] = i % 2 == 0;
    return 0;
}

int ussd_menu_check(const struct ussd_env *env_in,
                    void (*report)(void *ctx, const char *lang, const char *screen,
                                   const char *key),
                    void *ctx)
{
    static const char *const errors[] = {
        NULL,       "err_choice", "err_name",      "err_register_first",
        "err_coop", "err_year",   "err_reference", "err_title",
        "err_text"};
    /* Sample data in both scripts. Catalog texts must fit without any
     * cutting (strict) with long but ordinary data (20 characters); with
     * the longest data accepted (60 characters) every screen must still
     * render, cut where it has to be. */
    struct sample_kind {
        const char *name;
        bool strict;
    };
    static const struct sample_kind samples[] = {
        {"Fatima Zahra Benali Y", true},
        {"\xd9\x81\xd8\xa7\xd8\xb7\xd9\x85\xd8\xa9 \xd8\xa7\xd9\x84\xd8\xb2\xd9\x87"
         "\xd8\xb1\xd8\xa7\xd8\xa1 \xd8\xa8\xd9\x86\xd8\xb9\xd9\x84\xd9\x8a \xd9\x8a",
         true},
        {"Mmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmmm", false},
        {"\xd9\x85\xd9\x85\xd9\x85\xd9\x85\xd9\x85\xd9\x85\xd9\x85\xd9\x85\xd9\x85\xd9\x85"
         "\xd9\x85\xd9\x85\xd9\x85\xd9\x85\xd9\x85\xd9\x85\xd9\x85\xd9\x85\xd9\x85\xd9\x85"
         "\xd9\x85\xd9\x85\xd9\x85\xd9\x85\xd9\x85\xd9\x85\xd9\x85\xd9\x85\xd9\x85\xd9\x85"
         "\xd9\x85\xd9\x85\xd9\x85\xd9\x85\xd9\x85\xd9\x85\xd9\x85\xd9\x85\xd9\x85\xd9\x85"
         "\xd9\x85\xd9\x85\xd9\x85\xd9\x85\xd9\x85\xd9\x85\xd9\x85\xd9\x85\xd9\x85\xd9\x85"
         "\xd9\x85\xd9\x85\xd9\x85\xd9\x85\xd9\x85\xd9\x85\xd9\x85\xd9\x85\xd9\x85\xd9\x85",
         false},
    };
    int failures = 0;
    for (size_t ni = 0; ni < sizeof samples / sizeof samples[0]; ni++) {
        struct sample sm;
        snprintf(sm.name, sizeof sm.name, "%s", samples[ni].name);
        struct ussd_data data = {.grants = sample_grants,
                                 .grant_find = sample_grant,
                                 .events = sample_events,
                                 .event_find = sample_event,
                                 .topics = sample_topics,
                                 .ctx = &sm};
        struct ussd_env env = *env_in;
        env.data = &data;
        struct ussd_member_view member = {.registered = true,
                                          .name = sm.name,
                                          .member_no = "TA-999999",
                                          .cooperative_name = sm.name,
                                          .province = env.nprovinces ? env.provinces[0] : "",
                                          .sector = env.nsectors ? env.sectors[0] : ""};
        for (size_t li = 0; li < env.nlanguages; li++) {
            /* Strict for data in the language's own script; a French screen
             * turned UCS-2 by Arabic data may be cut at run time. */
            const char *probe_text =
                catalog_set_get(env.texts, env.languages[li], "ask_name", NULL);
            bool arabic_sample = encoding_of(samples[ni].name) == TEXT_UCS2;
            bool ucs2_language = probe_text && encoding_of(probe_text) == TEXT_UCS2;
            bool strict = samples[ni].strict && arabic_sample == ucs2_language;
            for (int scr = 0; scr < USSD_SCR_COUNT; scr++) {
                for (size_t e = 0; e < sizeof errors / sizeof errors[0]; e++) {
                    if (errors[e] && !error_possible((enum ussd_screen)scr, errors[e]))
                        continue;
                    /* With an error line on top, a crowded screen may cut its
                     * details (the options stay whole); without, it may not. */
                    env.strict = strict && !errors[e];
                    struct ussd_state s;
                    memset(&s, 0, sizeof s);
                    snprintf(s.lang, sizeof s.lang, "%s", env.languages[li]);
                    s.screen = (enum ussd_screen)scr;
                    s.error_key = errors[e];
                    snprintf(s.draft.name, sizeof s.draft.name, "%s", sm.name);
                    s.draft.coop_id = 1;
                    snprintf(s.draft.coop_name, sizeof s.draft.coop_name, "%s", sm.name);
                    snprintf(s.draft.province, sizeof s.draft.province, "%s",
                             env.nprovinces ? env.provinces[0] : "");
                    snprintf(s.draft.sector, sizeof s.draft.sector, "%s",
                             env.nsectors ? env.sectors[0] : "");
                    s.draft.gender = 'f';
                    s.draft.birth_year = 1985;
                    snprintf(s.idea.sector, sizeof s.idea.sector, "%s", s.draft.sector);
                    snprintf(s.idea.title, sizeof s.idea.title, "%s", sm.name);
                    snprintf(s.result_ref, sizeof s.result_ref, "TA-999999");
                    snprintf(s.grant_ref, sizeof s.grant_ref, "GR-2026-00040");
                    s.event_id = 1;
                    member.language = env.languages[li];
                    char out[2048];
                    bool end;
                    if (ussd_menu_render(&s, &member, &env, out, sizeof out, &end) < 0) {
                        failures++;
                        if (report)
                            report(ctx, env.languages[li], ussd_menu_screen_name(s.screen),
                                   errors[e] ? errors[e] : ussd_menu_screen_key(s.screen));
                        break;
                    }
                }
            }
        }
    }
    return failures;
}
