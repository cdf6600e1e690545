/* ussd_screens.c -- finding a screen's declaration, and the helpers the
 * declarations of core/ussd_flow_*.c share: texts in the screen's language,
 * options added to a list, fields of a screen's text, items listed from the
 * env (languages, provinces, sectors). */
#include "core/ussd_screens.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "core/bidi.h"
#include "core/limits.h"
#include "core/text_input.h"

/* Every flow's declarations; each screen is declared in exactly one. */
static const struct ussd_screen_def *const flows[] = {
    ussd_flow_registration_screens, ussd_flow_resume_screens,  ussd_flow_home_screens,
    ussd_flow_grants_screens,       ussd_flow_events_screens,  ussd_flow_ideas_screens,
    ussd_flow_alerts_screens,       ussd_flow_profile_screens, ussd_flow_agent_screens,
};

const struct ussd_screen_def *ussd_screens_def(enum ussd_screen scr)
{
    assert(scr < USSD_SCR_COUNT);
    for (size_t f = 0; f < sizeof flows / sizeof flows[0]; f++)
        for (const struct ussd_screen_def *d = flows[f]; d->name; d++)
            if (d->id == scr)
                return d;
    assert(!"a screen without a declaration");
    return NULL;
}

static bool target_valid(struct ussd_target t)
{
    return !t.set || t.screen < USSD_SCR_COUNT;
}

/* What one declaration must be: a last screen shows a text and takes no
 * input; a screen that waits takes either choices or free text, says which
 * error a wrong input shows, and leads only to screens that exist. */
static bool def_valid(const struct ussd_screen_def *d)
{
    bool list = d->options[0].label || d->items;
    if (!d->name || !d->key || d->id >= USSD_SCR_COUNT || !target_valid(d->back))
        return false;
    if (d->id >= USSD_SCR_FIRST_END)
        return !list && !d->input.take && !d->errors[0] && !d->back.set && !d->back_to &&
               d->flow == USSD_FLOW_NONE;
    if (!d->errors[0] || (list && d->input.take) || (d->input.take && !d->input.next.set))
        return false;
    for (size_t i = 0; i < USSD_OPTIONS_MAX && d->options[i].label; i++)
        if (!target_valid(d->options[i].next))
            return false;
    return target_valid(d->item.next) && target_valid(d->input.next) &&
           (d->items || (!d->item.then && !d->item.next.set && !d->item.effect));
}

bool ussd_screens_valid(void)
{
    size_t declared[USSD_SCR_COUNT] = {0};
    for (size_t f = 0; f < sizeof flows / sizeof flows[0]; f++)
        for (const struct ussd_screen_def *d = flows[f]; d->name; d++) {
            if (!def_valid(d))
                return false;
            declared[d->id]++;
        }
    for (size_t i = 0; i < USSD_SCR_COUNT; i++)
        if (declared[i] != 1)
            return false; /* every screen declared, and once */
    return true;
}

void ussd_screens_go(struct ussd_state *s, enum ussd_screen scr)
{
    assert(scr < USSD_SCR_COUNT);
    s->screen = scr;
    s->page = 0;
    memset(s->page_first, 0, sizeof s->page_first);
    s->error_key = NULL;
}

static const char *lang_of(const struct ussd_state *s, const struct ussd_env *env)
{
    if (s->lang[0])
        return s->lang;
    return env->texts->fallback ? catalog_lang(env->texts->fallback) : "";
}

const char *ussd_screens_text(const struct ussd_state *s, const struct ussd_env *env,
                              const char *key)
{
    const char *t = catalog_set_get(env->texts, lang_of(s, env), key, NULL);
    return t ? t : "";
}

const char *ussd_screens_text_in(const struct ussd_env *env, const char *lang, const char *key)
{
    const char *t = catalog_set_get(env->texts, lang, key, NULL);
    return t ? t : key;
}

const char *ussd_screens_coded_name(const struct ussd_state *s, const struct ussd_env *env,
                                    const char *group, const char *code, char *buf, size_t bufsz)
{
    snprintf(buf, bufsz, "%s.%s", group, code);
    const char *t = catalog_set_get(env->texts, lang_of(s, env), buf, NULL);
    return t ? t : code;
}

void ussd_screens_when(const struct ussd_state *s, const struct ussd_env *env,
                       const struct ussd_event *e, char *out, size_t outsz)
{
    catalog_when(env->texts, lang_of(s, env), e->day, e->month, e->hour, e->minute, out, outsz);
}

void ussd_screens_amount(const struct ussd_state *s, const struct ussd_env *env, long long amount,
                         char *out, size_t outsz)
{
    catalog_amount(env->texts, lang_of(s, env), amount, out, outsz);
}

long ussd_screens_number(const char *in)
{
    size_t n = strlen(in);
    if (n == 0 || n > 9)
        return -1;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (in[i] < '0' || in[i] > '9')
            return -1;
        v = v * 10 + (in[i] - '0');
    }
    return v;
}

bool ussd_screens_clean_text(const char *in, size_t min_chars, size_t max_chars, char *out,
                             size_t outsz)
{
    return text_input_clean(in, strlen(in), min_chars, max_chars, false, out, outsz);
}

void ussd_screens_add(struct ussd_list *l, const char *item)
{
    if (l->count < USSD_ITEMS_MAX)
        l->items[l->count++] = item;
}

void ussd_screens_add_copy(struct ussd_list *l, const char *item)
{
    if (l->count < USSD_ITEMS_MAX) {
        snprintf(l->storage[l->count], sizeof l->storage[0], "%s", item);
        l->items[l->count] = l->storage[l->count];
        l->count++;
    }
}

void ussd_screens_add_format(struct ussd_list *l, const char *tmpl, const struct text_var *vars,
                             size_t nvars)
{
    char buf[USSD_ITEM_BYTES];
    if (text_format(tmpl, vars, nvars, buf, sizeof buf) < 0)
        snprintf(buf, sizeof buf, "%s", vars[0].value);
    ussd_screens_add_copy(l, buf);
}

void ussd_screens_field(struct ussd_fields *f, const char *name, const char *value, bool shrinkable)
{
    assert(f->nvars < USSD_FIELDS_MAX);
    assert(!shrinkable || f->nshrink < USSD_SHRINK_MAX);
    if (shrinkable)
        f->shrink[f->nshrink++] = f->nvars;
    f->vars[f->nvars++] = (struct text_var){name, value};
}

const char *ussd_screens_name_for(const struct ussd_fields *f, const char *name)
{
    if (!name)
        return "";
    if (f->tmpl && ussd_layout_encoding(f->tmpl) == TEXT_GSM7 &&
        ussd_layout_encoding(name) == TEXT_UCS2)
        return "";
    return name;
}

bool ussd_screens_rtl(const struct ussd_state *s, const struct ussd_env *env)
{
    const char *t = catalog_set_get(env->texts, lang_of(s, env), "language_name", NULL);
    return t && bidi_has_rtl(t, strlen(t));
}

size_t ussd_screens_pages(const struct ussd_state *s, const struct ussd_ctx *c,
                          const char *title_key, const char *nav_key, const struct ussd_list *l,
                          size_t *fewest)
{
    char out[SCREEN_BYTES_MAX];
    struct screen_list sl = {.header = ussd_screens_text(s, c->env, title_key),
                             .items = l->items,
                             .count = l->count,
                             .more = ussd_screens_text(s, c->env, "nav_more"),
                             .nav = ussd_screens_text(s, c->env, nav_key),
                             .limit = c->env->limit};
    if (ussd_screens_rtl(s, c->env) && sl.limit.ucs2 > 0)
        sl.limit.ucs2--; /* room for a right-to-left mark */
    size_t pages = 0;
    *fewest = l->count;
    while (sl.first < l->count && pages < USSD_PAGES_MAX) {
        long shown = screen_list_render(&sl, out, sizeof out);
        if (shown <= 0 || (shown == 1 && !strstr(out, l->items[sl.first])))
            return USSD_PAGES_MAX; /* an item cut to fit: too wide */
        if (sl.first + (size_t)shown < l->count && (size_t)shown < *fewest)
            *fewest = (size_t)shown;
        sl.first += (size_t)shown;
        pages++;
    }
    return pages;
}

void ussd_screens_languages(const struct ussd_state *s, const struct ussd_ctx *c,
                            struct ussd_list *l)
{
    (void)s;
    for (size_t i = 0; i < c->env->nlanguages; i++)
        ussd_screens_add(l, ussd_screens_text_in(c->env, c->env->languages[i], "language_name"));
}

void ussd_screens_provinces(const struct ussd_state *s, const struct ussd_ctx *c,
                            struct ussd_list *l)
{
    char key[96];
    for (size_t i = 0; i < c->env->nprovinces && i < USSD_LIST_MAX; i++)
        ussd_screens_add_copy(l, ussd_screens_coded_name(s, c->env, "provinces",
                                                         c->env->provinces[i], key, sizeof key));
}

void ussd_screens_sectors(const struct ussd_state *s, const struct ussd_ctx *c, struct ussd_list *l)
{
    char key[96];
    for (size_t i = 0; i < c->env->nsectors && i < USSD_LIST_MAX; i++)
        ussd_screens_add_copy(
            l, ussd_screens_coded_name(s, c->env, "sectors", c->env->sectors[i], key, sizeof key));
}

enum ussd_effect ussd_screens_keep_language(struct ussd_state *s, const struct ussd_ctx *c,
                                            const struct ussd_list *l, size_t k, enum ussd_effect e)
{
    (void)l;
    assert(k < c->env->nlanguages);
    snprintf(s->lang, sizeof s->lang, "%s", c->env->languages[k]);
    return e;
}
