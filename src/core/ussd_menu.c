/* ussd_menu.c -- the engine of the member's USSD menus: it walks the
 * screens' declarations (core/ussd_screens.h, one per screen in the flow
 * files core/ussd_flow_*.c) to apply an input, move on, ask for an effect,
 * and render a screen fitted to the channel (core/ussd_layout). Pure:
 * texts, lists, limits and data come from struct ussd_env; writes go back
 * to the caller as effects. */
#include "core/ussd_menu.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "core/bidi.h"
#include "core/limits.h"
#include "core/ussd_layout.h"
#include "core/ussd_screens.h"
#include "core/utf8.h"

/* Texts the engine shows on any screen (the names of the languages, the
 * navigation). Each screen's own texts are in its declaration. */
static const char *const engine_texts[] = {"language_name", "nav_more", "nav_back",
                                           "nav_back_home"};

/* Add key to out[0..n) unless it is there already; returns the new n. */
static size_t add_key(const char **out, size_t n, size_t max, const char *key)
{
    if (!key)
        return n;
    for (size_t i = 0; i < n; i++)
        if (strcmp(out[i], key) == 0)
            return n;
    assert(n < max);
    if (n < max)
        out[n++] = key;
    return n;
}

size_t ussd_menu_text_keys(const char **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < sizeof engine_texts / sizeof engine_texts[0]; i++)
        n = add_key(out, n, max, engine_texts[i]);
    for (int scr = 0; scr < USSD_SCR_COUNT; scr++) {
        const struct ussd_screen_def *d = ussd_screens_def((enum ussd_screen)scr);
        n = add_key(out, n, max, d->key);
        n = add_key(out, n, max, d->key_no_sms);
        for (size_t i = 0; i < sizeof d->errors / sizeof d->errors[0]; i++)
            n = add_key(out, n, max, d->errors[i]);
        for (size_t i = 0; i < USSD_OPTIONS_MAX && d->options[i].label; i++)
            n = add_key(out, n, max, d->options[i].label);
        for (size_t i = 0; i < USSD_TEXTS_MAX && d->texts[i]; i++)
            n = add_key(out, n, max, d->texts[i]);
    }
    return n;
}

const char *ussd_menu_screen_name(enum ussd_screen scr)
{
    return scr < USSD_SCR_COUNT ? ussd_screens_def(scr)->name : "unknown";
}

const char *ussd_menu_screen_key(enum ussd_screen scr)
{
    return scr < USSD_SCR_COUNT ? ussd_screens_def(scr)->key : "";
}

static bool is_end(enum ussd_screen scr)
{
    return scr >= USSD_SCR_FIRST_END;
}

static bool is_list(const struct ussd_screen_def *d)
{
    return d->options[0].label || d->items;
}

static bool has_back(const struct ussd_screen_def *d)
{
    return d->back.set || d->back_to;
}

/* Where "0" leads from the first page (has_back(d) holds). */
static enum ussd_screen back_of(const struct ussd_screen_def *d, const struct ussd_state *s,
                                const struct ussd_ctx *c)
{
    assert(has_back(d));
    return d->back_to ? d->back_to(s, c) : d->back.screen;
}

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

/* The options of a list screen, in the screen's language: the fixed ones,
 * then the listed items. */
static void list_items(const struct ussd_state *s, const struct ussd_ctx *c,
                       const struct ussd_screen_def *d, struct ussd_list *l)
{
    memset(l->items, 0, sizeof l->items);
    memset(l->topics, 0, sizeof l->topics);
    l->count = l->noptions = l->ngrants = l->nevents = 0;
    l->failed = false;
    for (size_t i = 0; i < USSD_OPTIONS_MAX && d->options[i].label; i++) {
        const struct ussd_option *o = &d->options[i];
        ussd_screens_add(l, ussd_screens_text(s, c->env, o->label_of ? o->label_of(c) : o->label));
        l->noptions++;
    }
    if (d->items)
        d->items(s, c, l);
    assert(l->count <= USSD_ITEMS_MAX && l->noptions <= l->count);
}

static void go_home(struct ussd_state *s, const struct ussd_member_view *m,
                    const struct ussd_env *env)
{
    if (m->registered && m->consent_awaited)
        ussd_screens_go(s, USSD_SCR_MEMBER_CONSENT); /* before any service */
    else if (m->registered)
        ussd_screens_go(s, USSD_SCR_HOME);
    else if (s->lang[0] || env->nlanguages <= 1)
        ussd_screens_go(s, USSD_SCR_WELCOME);
    else
        ussd_screens_go(s, USSD_SCR_LANGUAGE);
}

void ussd_menu_start(struct ussd_state *s, const struct ussd_member_view *m,
                     const struct ussd_env *env)
{
    assert(ussd_screens_valid());
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
    assert(flow == USSD_FLOW_REGISTER || flow == USSD_FLOW_IDEA);
    if (lang && *lang)
        snprintf(s->lang, sizeof s->lang, "%s", lang);
    s->resume_flow = flow;
    ussd_screens_go(s, USSD_SCR_RESUME);
}

enum ussd_flow ussd_menu_flow(const struct ussd_state *s)
{
    if (s->screen >= USSD_SCR_COUNT)
        return USSD_FLOW_NONE;
    /* A flow is under way once the member has given something to keep. */
    switch (ussd_screens_def(s->screen)->flow) {
    case USSD_FLOW_REGISTER:
        return s->draft.name[0] ? USSD_FLOW_REGISTER : USSD_FLOW_NONE;
    case USSD_FLOW_IDEA:
        return s->idea.sector[0] ? USSD_FLOW_IDEA : USSD_FLOW_NONE;
    default:
        return USSD_FLOW_NONE;
    }
}

static long render_screen(const struct ussd_state *s, const struct ussd_ctx *c, char *out,
                          size_t outsz, bool *end, struct ussd_layout_page *pg);

/* "98" on a list or detail screen: only when the screen the member saw
 * offered more (items, or the rest of a detail's text). Returns true when
 * handled. */
static bool list_more(struct ussd_state *s, const struct ussd_ctx *c)
{
    char scratch[SCREEN_BYTES_MAX];
    bool end;
    struct ussd_layout_page pg = {0};
    if (s->page + 1 < USSD_PAGES_MAX &&
        render_screen(s, c, scratch, sizeof scratch, &end, &pg) >= 0 && pg.more) {
        s->page++;
        s->page_first[s->page] = (unsigned short)pg.next_first;
        s->error_key = NULL;
        return true;
    }
    return false;
}

/* "0" on a list or detail screen: the previous page, or the screen before.
 * Returns true when handled. */
static bool go_back(struct ussd_state *s, const struct ussd_ctx *c, const struct ussd_screen_def *d)
{
    if (s->page > 0) {
        s->page--;
        s->error_key = NULL;
        return true;
    }
    if (has_back(d)) {
        ussd_screens_go(s, back_of(d, s, c));
        return true;
    }
    return false;
}

/* A choice on a list screen: the chosen option or item moves the state and
 * may ask for an effect. */
static enum ussd_effect choose(struct ussd_state *s, size_t k, const struct ussd_ctx *c,
                               const struct ussd_screen_def *d, const struct ussd_list *l)
{
    assert(k < l->count);
    const struct ussd_option *o = k < l->noptions ? &d->options[k] : &d->item;
    size_t index = k < l->noptions ? k : k - l->noptions;
    if (o->next.set)
        ussd_screens_go(s, o->next.screen);
    enum ussd_effect e = o->effect;
    if (o->then)
        e = o->then(s, c, l, index, e);
    /* Only a choice declared with an effect asks for one. */
    assert(e == USSD_EFFECT_NONE || o->effect != USSD_EFFECT_NONE);
    return e;
}

static enum ussd_effect list_input(struct ussd_state *s, const char *in, const struct ussd_ctx *c,
                                   const struct ussd_screen_def *d)
{
    struct ussd_list l;
    list_items(s, c, d, &l);
    if (l.failed) {
        ussd_screens_go(s, USSD_SCR_END_BUSY);
        return USSD_EFFECT_NONE;
    }
    if (strcmp(in, USSD_NAV_MORE) == 0 && list_more(s, c))
        return USSD_EFFECT_NONE;
    if (strcmp(in, USSD_NAV_BACK) == 0 && go_back(s, c, d))
        return USSD_EFFECT_NONE;
    long v = ussd_screens_number(in);
    if (v < 1 || (size_t)v > l.count) {
        s->error_key = d->errors[0];
        return USSD_EFFECT_NONE;
    }
    return choose(s, (size_t)v - 1, c, d, &l);
}

/* A free-text screen: "0" goes back where there is a way back; anything
 * else is the declaration's to take. */
static void text_input(struct ussd_state *s, const char *in, const struct ussd_ctx *c,
                       const struct ussd_screen_def *d)
{
    if (strcmp(in, USSD_NAV_BACK) == 0 && has_back(d)) {
        ussd_screens_go(s, back_of(d, s, c));
        return;
    }
    s->error_key = NULL;
    switch (d->input.take(s, c, in)) {
    case USSD_TAKEN:
        assert(d->input.next.set);
        ussd_screens_go(s, d->input.next.screen);
        break;
    case USSD_REFUSED:
        if (!s->error_key)
            s->error_key = d->errors[0];
        break;
    case USSD_BUSY:
        ussd_screens_go(s, USSD_SCR_END_BUSY);
        break;
    }
}

enum ussd_effect ussd_menu_input(struct ussd_state *s, const char *raw, size_t rawlen,
                                 const struct ussd_member_view *m, const struct ussd_env *env)
{
    assert(s->screen < USSD_SCR_COUNT);
    char in[USSD_INPUT_BYTES_MAX];
    /* A NUL byte or an input longer than any a handset sends is wrong on
     * every screen: refused whole, never cut and taken. */
    if (memchr(raw, '\0', rawlen) || !normalize_input(raw, rawlen, in, sizeof in))
        snprintf(in, sizeof in, "\x7f");
    if (is_end(s->screen))
        return USSD_EFFECT_NONE; /* last screens take no input */
    if (strcmp(in, USSD_NAV_HOME) == 0) {
        go_home(s, m, env);
        return USSD_EFFECT_NONE;
    }
    const struct ussd_ctx c = {m, env};
    const struct ussd_screen_def *d = ussd_screens_def(s->screen);
    enum ussd_screen before = s->screen;
    enum ussd_effect e = USSD_EFFECT_NONE;
    if (is_list(d))
        e = list_input(s, in, &c, d);
    else if (d->input.take)
        text_input(s, in, &c, d);
    else if (!(strcmp(in, USSD_NAV_BACK) == 0 && go_back(s, &c, d)) &&
             !(strcmp(in, USSD_NAV_MORE) == 0 && list_more(s, &c)))
        s->error_key = d->errors[0]; /* a detail screen: "0", and "98" on a long one */
    /* Where the step leads is a declared screen; an error line only on a
     * screen that waits for input; an effect only on a last screen, a
     * confirmation kept for the caller, or a draft discarded. */
    assert(s->screen < USSD_SCR_COUNT && s->page < USSD_PAGES_MAX);
    assert(!s->error_key || !is_end(s->screen));
    assert(e == USSD_EFFECT_NONE || is_end(s->screen) || s->screen == before ||
           e == USSD_EFFECT_DISCARD_DRAFT);
    return e;
}

void ussd_menu_effect_done(struct ussd_state *s, enum ussd_effect e, enum ussd_effect_result r)
{
    assert(r >= USSD_RESULT_OK && r <= USSD_RESULT_FAILED);
    if (r == USSD_RESULT_FAILED) {
        ussd_screens_go(s, USSD_SCR_END_BUSY);
        return;
    }
    switch (e) {
    case USSD_EFFECT_RSVP:
        ussd_screens_go(s, r == USSD_RESULT_FULL      ? USSD_SCR_EVENT_FULL
                           : r == USSD_RESULT_ALREADY ? USSD_SCR_END_RSVP_ALREADY
                                                      : USSD_SCR_END_RSVP_DONE);
        break;
    case USSD_EFFECT_SET_TOPIC:
        s->error_key = NULL; /* stay on the alerts screen, showing the new state */
        break;
    case USSD_EFFECT_CONSENT_GIVE:
        ussd_screens_go(s, USSD_SCR_HOME); /* the services, now theirs */
        break;
    case USSD_EFFECT_AGENT_REGISTER:
        if (r == USSD_RESULT_ALREADY)
            ussd_screens_go(s, USSD_SCR_END_AGENT_TAKEN);
        else if (r == USSD_RESULT_REFUSED)
            ussd_screens_go(s, USSD_SCR_END_AGENT_NOT_CONTACT);
        break;
    default:
        break;
    }
}

/* ---- rendering ---- */

long ussd_menu_render(const struct ussd_state *s, const struct ussd_member_view *m,
                      const struct ussd_env *env, char *out, size_t outsz, bool *end)
{
    struct ussd_layout_page pg;
    const struct ussd_ctx c = {m, env};
    return render_screen(s, &c, out, outsz, end, &pg);
}

static long render_busy(const struct ussd_state *s, const struct ussd_ctx *c, char *out,
                        size_t outsz, bool *end, struct ussd_layout_page *pg)
{
    struct ussd_state busy = *s;
    busy.screen = USSD_SCR_END_BUSY;
    busy.error_key = NULL;
    busy.page = 0;
    return render_screen(&busy, c, out, outsz, end, pg);
}

/* The navigation line: services show "0 back · 00 home"; other screens
 * "0 back" when there is a way back; last screens none. */
static const char *nav_line(const struct ussd_state *s, const struct ussd_ctx *c,
                            const struct ussd_screen_def *d)
{
    if (is_end(s->screen))
        return NULL;
    if (d->nav == USSD_NAV_BACK_HOME)
        return ussd_screens_text(s, c->env, "nav_back_home");
    if (has_back(d) || s->page > 0)
        return ussd_screens_text(s, c->env, "nav_back");
    return NULL;
}

/* The options the page shows without its error line, and whether "more"
 * follows them: a wrong key shows the same page (out is scratch). */
static void same_page(const struct ussd_state *s, const struct ussd_ctx *c, char *out, size_t outsz,
                      size_t *count, bool *more)
{
    struct ussd_state plain = *s;
    plain.error_key = NULL;
    bool end;
    struct ussd_layout_page pg;
    if (render_screen(&plain, c, out, outsz, &end, &pg) < 0 || pg.shown == 0)
        return;
    *count = pg.shown;
    *more = pg.more;
}

/* An error line, its {min} and {max} (the birth years accepted) filled. */
static void format_error(const struct ussd_state *s, const struct ussd_env *env, const char *key,
                         char *out, size_t outsz)
{
    char min[16], max[16];
    snprintf(min, sizeof min, "%d", MEMBER_BIRTH_YEAR_MIN);
    snprintf(max, sizeof max, "%d", env->current_year - env->min_age);
    struct text_var vars[] = {{"min", min}, {"max", max}};
    const char *t = ussd_screens_text(s, env, key);
    if (text_format(t, vars, 2, out, outsz) < 0)
        snprintf(out, outsz, "%s", t);
}

/* A right-to-left screen that starts with Latin letters (a reference, a
 * member number, a Latin name) gets the right-to-left mark in front, so
 * phones that take the direction from the first letter read it right to
 * left. Returns the length, or -1 when out has no room. */
static long lead_rtl(char *out, size_t outsz)
{
    size_t len = strlen(out), mark = sizeof BIDI_RLM - 1;
    if (!bidi_needs_rlm(out, len))
        return (long)len;
    if (len + mark >= outsz)
        return -1;
    memmove(out + mark, out, len + 1);
    memcpy(out, BIDI_RLM, mark);
    return (long)(len + mark);
}

static long render_screen(const struct ussd_state *s, const struct ussd_ctx *c, char *out,
                          size_t outsz, bool *end, struct ussd_layout_page *pg)
{
    assert(s->screen < USSD_SCR_COUNT);
    const struct ussd_screen_def *d = ussd_screens_def(s->screen);
    const struct ussd_env *env = c->env;
    *end = is_end(s->screen);
    struct ussd_list l;
    list_items(s, c, d, &l);
    if (l.failed)
        return render_busy(s, c, out, outsz, end, pg);
    struct screen_list sl = {.items = l.items, .count = l.count, .limit = env->limit};
    if (is_list(d) || d->detail)
        sl.more = ussd_screens_text(s, env, "nav_more");
    sl.nav = nav_line(s, c, d);
    struct ussd_fields f;
    f.tmpl = ussd_screens_text(s, env, s->no_sms && d->key_no_sms ? d->key_no_sms : d->key);
    f.nvars = f.nshrink = 0;
    if (d->fields && d->fields(s, c, &l, &f) < 0)
        return render_busy(s, c, out, outsz, end, pg);
    size_t page_first =
        s->page < USSD_PAGES_MAX && s->page_first[s->page] < sl.count ? s->page_first[s->page] : 0;
    size_t page_count = 0;
    bool page_more = false;
    if (s->error_key && is_list(d) && !d->detail)
        same_page(s, c, out, outsz, &page_count, &page_more);
    char error_line[256];
    if (s->error_key)
        format_error(s, env, s->error_key, error_line, sizeof error_line);
    struct ussd_layout ly = {.tmpl = f.tmpl ? f.tmpl : "",
                             .vars = f.vars,
                             .nvars = f.nvars,
                             .shrinkable = f.shrink,
                             .nshrink = f.nshrink,
                             .error_line = s->error_key ? error_line : NULL,
                             .first = page_first,
                             .strict = env->strict,
                             .page_count = page_count,
                             .page_more = page_more,
                             .text_pages = d->detail,
                             .page = s->page,
                             .reserve_line =
                                 d->errors[0] ? ussd_screens_text(s, env, d->errors[0]) : NULL};
    struct text_var vars[USSD_FIELDS_MAX];
    memcpy(vars, f.vars, sizeof vars); /* the layout rewrites them */
    long shown = ussd_layout_fit(&ly, &sl, out, outsz, pg);
    if (shown < 0 || !ussd_screens_rtl(s, env) || !bidi_needs_rlm(out, strlen(out)))
        return shown < 0 ? -1 : (long)strlen(out);
    /* The right-to-left mark takes a unit: lay the screen out again
     * without it when the screen is full. */
    size_t units = text_units(out, strlen(out), TEXT_UCS2);
    if (units >= sl.limit.ucs2 && sl.limit.ucs2 > 0) {
        sl.limit.ucs2--;
        memcpy(f.vars, vars, sizeof vars);
        if (ussd_layout_fit(&ly, &sl, out, outsz, pg) < 0)
            return -1;
    }
    return lead_rtl(out, outsz);
}

/* ---- self-check for `taawund -n` ---- */

/* Whether screen scr can show the error line err_key. */
static bool error_possible(enum ussd_screen scr, const char *err_key)
{
    const struct ussd_screen_def *d = ussd_screens_def(scr);
    for (size_t i = 0; i < sizeof d->errors / sizeof d->errors[0]; i++)
        if (d->errors[i] && strcmp(d->errors[i], err_key) == 0)
            return true;
    return false;
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

static int sample_topics(void *ctx, bool enabled[TOPIC_COUNT])
{
    (void)ctx;
    for (int i = 0; i < TOPIC_COUNT; i++)
        enabled[i] = i % 2 == 0;
    return 0;
}

/* A state on scr with every draft field filled from the sample. */
static void sample_state(struct ussd_state *s, enum ussd_screen scr, const char *lang,
                         const char *err, const char *name, const struct ussd_env *env)
{
    memset(s, 0, sizeof *s);
    snprintf(s->lang, sizeof s->lang, "%s", lang);
    s->screen = scr;
    s->error_key = err;
    snprintf(s->draft.name, sizeof s->draft.name, "%s", name);
    s->draft.coop_id = 1;
    snprintf(s->draft.coop_name, sizeof s->draft.coop_name, "%s", name);
    snprintf(s->draft.province, sizeof s->draft.province, "%s",
             env->nprovinces ? env->provinces[0] : "");
    snprintf(s->draft.sector, sizeof s->draft.sector, "%s", env->nsectors ? env->sectors[0] : "");
    s->draft.gender = 'f';
    s->draft.birth_year = 1985;
    snprintf(s->draft.phone, sizeof s->draft.phone, "+212612345678");
    snprintf(s->draft.lang, sizeof s->draft.lang, "%s", lang);
    snprintf(s->idea.sector, sizeof s->idea.sector, "%s", s->draft.sector);
    snprintf(s->idea.title, sizeof s->idea.title, "%s", name);
    snprintf(s->result_ref, sizeof s->result_ref, "TA-999999");
    snprintf(s->grant_ref, sizeof s->grant_ref, "GR-2026-00040");
    s->event_id = 1;
}

static const char *const check_errors[] = {NULL,
                                           "err_choice",
                                           "err_name",
                                           "err_register_first",
                                           "err_coop",
                                           "err_year",
                                           "err_reference",
                                           "err_title",
                                           "err_text",
                                           "err_phone",
                                           "err_phone_member",
                                           "err_phone_stopped",
                                           "err_phone_mixed"};

struct check_run {
    struct ussd_env env; /* with the sample data */
    struct ussd_member_view member;
    const char *name; /* the sample */
    bool strict;      /* the sample may not be cut in this language */
    void (*report)(void *ctx, const char *lang, const char *screen, const char *key);
    void *ctx;
};

/* Render screen scr of language lang with the error line err (or none),
 * in its no-SMS variant when no_sms; report it when it cannot fit.
 * Returns 1 on failure, else 0. */
static int check_one(struct check_run *run, enum ussd_screen scr, const char *lang, const char *err,
                     bool no_sms)
{
    /* With an error line on top, a crowded screen may cut its details (the
     * options stay whole); without, it may not. */
    run->env.strict = run->strict && !err;
    struct ussd_state s;
    sample_state(&s, scr, lang, err, run->name, &run->env);
    s.no_sms = no_sms;
    char out[2048];
    bool end;
    if (ussd_menu_render(&s, &run->member, &run->env, out, sizeof out, &end) >= 0)
        return 0;
    if (run->report)
        run->report(run->ctx, lang, ussd_menu_screen_name(scr),
                    err      ? err
                    : no_sms ? ussd_screens_def(scr)->key_no_sms
                             : ussd_menu_screen_key(scr));
    return 1;
}

/* The worst count of keys from home to choose an option of screen scr,
 * reached in `keys` keys: its page ("98" each) and the choice. Reports an
 * option beyond three keys (issue 15, finding 6). Returns the failures. */
static int check_keys(struct check_run *run, const char *lang, enum ussd_screen scr, int keys)
{
    struct ussd_state s;
    sample_state(&s, scr, lang, NULL, run->name, &run->env);
    const struct ussd_ctx c = {&run->member, &run->env};
    const struct ussd_screen_def *d = ussd_screens_def(scr);
    char out[SCREEN_BYTES_MAX];
    for (int page = 0; page < USSD_PAGES_MAX; page++) {
        bool end;
        struct ussd_layout_page pg = {0};
        if (render_screen(&s, &c, out, sizeof out, &end, &pg) < 0)
            return 0; /* reported by the rendering check */
        for (size_t k = pg.first; k < pg.first + pg.shown; k++) {
            if (keys + page + 1 <= 3)
                continue;
            const char *key = k < USSD_OPTIONS_MAX && d->options[k].label ? d->options[k].label
                              : d->texts[0]                               ? d->texts[0]
                                                                          : d->key;
            if (run->report)
                run->report(run->ctx, lang, d->name, key);
            return 1;
        }
        if (!list_more(&s, &c))
            break;
    }
    return 0;
}

/* Every service of home, and every option of the home's lists (alerts,
 * profile), within three keys of home with long sample data. */
static int check_reach(struct check_run *run, const char *lang)
{
    int failures = check_keys(run, lang, USSD_SCR_HOME, 0);
    const struct ussd_screen_def *home = ussd_screens_def(USSD_SCR_HOME);
    for (size_t i = 0; i < USSD_OPTIONS_MAX && home->options[i].label; i++) {
        enum ussd_screen to = home->options[i].next.screen;
        if (to == USSD_SCR_ALERTS || to == USSD_SCR_PROFILE)
            failures += check_keys(run, lang, to, 1);
    }
    return failures;
}

/* Every screen of language lang, with each error line it can show, and
 * without the promise of an SMS where it has a text for that. Returns the
 * failures. */
static int check_language(struct check_run *run, const char *lang)
{
    int failures = 0;
    run->member.language = lang;
    for (int scr = 0; scr < USSD_SCR_COUNT; scr++) {
        for (size_t e = 0; e < sizeof check_errors / sizeof check_errors[0]; e++) {
            const char *err = check_errors[e];
            if (err && !error_possible((enum ussd_screen)scr, err))
                continue;
            if (check_one(run, (enum ussd_screen)scr, lang, err, false)) {
                failures++;
                break;
            }
        }
        if (ussd_screens_def((enum ussd_screen)scr)->key_no_sms)
            failures += check_one(run, (enum ussd_screen)scr, lang, NULL, true);
    }
    return failures;
}

int ussd_menu_check(const struct ussd_env *env_in,
                    void (*report)(void *ctx, const char *lang, const char *screen,
                                   const char *key),
                    void *ctx)
{
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
    assert(ussd_screens_valid());
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
        struct check_run run = {.env = *env_in, .name = sm.name, .report = report, .ctx = ctx};
        run.env.data = &data;
        run.env.ussd_code = "*1234*5678*90#"; /* a long code to dial */
        run.member =
            (struct ussd_member_view){.registered = true,
                                      .name = sm.name,
                                      .member_no = "TA-999999",
                                      .cooperative_name = sm.name,
                                      .province = run.env.nprovinces ? run.env.provinces[0] : "",
                                      .sector = run.env.nsectors ? run.env.sectors[0] : "",
                                      .is_contact = true};
        for (size_t li = 0; li < run.env.nlanguages; li++) {
            /* Strict for data in the language's own script; a French screen
             * turned UCS-2 by Arabic data may be cut at run time. */
            const char *probe_text =
                catalog_set_get(run.env.texts, run.env.languages[li], "ask_name", NULL);
            bool arabic_sample = ussd_layout_encoding(samples[ni].name) == TEXT_UCS2;
            bool ucs2_language = probe_text && ussd_layout_encoding(probe_text) == TEXT_UCS2;
            run.strict = samples[ni].strict && arabic_sample == ucs2_language;
            failures += check_language(&run, run.env.languages[li]);
            failures += check_reach(&run, run.env.languages[li]);
        }
    }
    return failures;
}
