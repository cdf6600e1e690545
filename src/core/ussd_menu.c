/* ussd_menu.c -- the member's USSD menus: registration (language, name,
 * cooperative, province, sector, gender, birth year, consent, confirm) and
 * the registered member's home. Pure: texts, lists and limits come from
 * struct ussd_env; writes go back to the caller as effects. */
#include "core/ussd_menu.h"

#include <stdio.h>
#include <string.h>

#include "core/limits.h"
#include "core/utf8.h"

#define NAV_MORE "98"
#define NAV_BACK "0"
#define NAV_HOME "00"
#define LIST_MAX 32
#define LINE_MAX 512

const char *const ussd_menu_text_keys[] = {
    "language_name", "choose_language", "welcome", "menu_register", "menu_about", "about_text",
    "ask_name", "ask_coop", "ask_province", "ask_sector", "ask_gender", "gender_f", "gender_m",
    "ask_birth_year", "ask_consent", "consent_yes", "consent_no", "confirm_title", "confirm_yes",
    "confirm_restart", "no_coop", "registered", "consent_refused", "err_choice", "err_name",
    "err_coop", "err_year", "nav_more", "nav_back", "nav_home", "busy", "home_title",
    "menu_profile", "menu_language", "profile_text", "language_changed", NULL,
};

static const char *const screen_names[USSD_SCR_COUNT] = {
    [USSD_SCR_LANGUAGE] = "language",
    [USSD_SCR_WELCOME] = "welcome",
    [USSD_SCR_NAME] = "name",
    [USSD_SCR_COOP] = "cooperative",
    [USSD_SCR_PROVINCE] = "province",
    [USSD_SCR_SECTOR] = "sector",
    [USSD_SCR_GENDER] = "gender",
    [USSD_SCR_BIRTH_YEAR] = "birth_year",
    [USSD_SCR_CONSENT] = "consent",
    [USSD_SCR_CONFIRM] = "confirm",
    [USSD_SCR_HOME] = "home",
    [USSD_SCR_PROFILE] = "profile",
    [USSD_SCR_CHANGE_LANGUAGE] = "change_language",
    [USSD_SCR_END_ABOUT] = "about",
    [USSD_SCR_END_REGISTERED] = "registered",
    [USSD_SCR_END_REFUSED] = "consent_refused",
    [USSD_SCR_END_LANGUAGE_CHANGED] = "language_changed",
    [USSD_SCR_END_BUSY] = "busy",
};

static const char *const screen_keys[USSD_SCR_COUNT] = {
    [USSD_SCR_LANGUAGE] = "choose_language",
    [USSD_SCR_WELCOME] = "welcome",
    [USSD_SCR_NAME] = "ask_name",
    [USSD_SCR_COOP] = "ask_coop",
    [USSD_SCR_PROVINCE] = "ask_province",
    [USSD_SCR_SECTOR] = "ask_sector",
    [USSD_SCR_GENDER] = "ask_gender",
    [USSD_SCR_BIRTH_YEAR] = "ask_birth_year",
    [USSD_SCR_CONSENT] = "ask_consent",
    [USSD_SCR_CONFIRM] = "confirm_title",
    [USSD_SCR_HOME] = "home_title",
    [USSD_SCR_PROFILE] = "profile_text",
    [USSD_SCR_CHANGE_LANGUAGE] = "menu_language",
    [USSD_SCR_END_ABOUT] = "about_text",
    [USSD_SCR_END_REGISTERED] = "registered",
    [USSD_SCR_END_REFUSED] = "consent_refused",
    [USSD_SCR_END_LANGUAGE_CHANGED] = "language_changed",
    [USSD_SCR_END_BUSY] = "busy",
};

const char *ussd_menu_screen_key(enum ussd_screen scr)
{
    return scr < USSD_SCR_COUNT && screen_keys[scr] ? screen_keys[scr] : "";
}

const char *ussd_menu_screen_name(enum ussd_screen scr)
{
    return scr < USSD_SCR_COUNT && screen_names[scr] ? screen_names[scr] : "unknown";
}

/* The screen "0" returns to from the first page of a list, or -1. */
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
    case USSD_SCR_PROFILE:
    case USSD_SCR_CHANGE_LANGUAGE:
        return registered ? USSD_SCR_HOME : -1;
    default:
        return -1;
    }
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

static const char *coded_name(const struct ussd_state *s, const struct ussd_env *env,
                              const char *group, const char *code, char *buf, size_t bufsz)
{
    snprintf(buf, bufsz, "%s.%s", group, code);
    const char *t = catalog_set_get(env->texts, lang_of(s, env), buf, NULL);
    return t ? t : code;
}

/* ---- input helpers ---- */

/* Trim ASCII spaces and fold Arabic-Indic digits to ASCII into out. */
static size_t normalize_input(const char *in, size_t len, char *out, size_t outsz)
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
    out[j] = '\0';
    size_t start = 0;
    while (out[start] == ' ' || out[start] == '\t')
        start++;
    while (j > start && (out[j - 1] == ' ' || out[j - 1] == '\t' || out[j - 1] == '\r' ||
                         out[j - 1] == '\n'))
        j--;
    memmove(out, out + start, j - start);
    out[j - start] = '\0';
    return j - start;
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

/* Accept a name: valid UTF-8, no control characters, 2..60 characters of
 * which at least two are letters (any script); inner spaces squeezed. */
static bool clean_name(const char *in, char *out, size_t outsz)
{
    size_t len = strlen(in);
    if (!utf8_valid(in, len))
        return false;
    size_t j = 0, chars = 0, letters = 0;
    bool space = false;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = utf8_decode(in + i, len - i, &cp);
        if (n == 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || cp == '#')
            return false;
        if (cp == ' ') {
            space = true;
            i += n;
            continue;
        }
        if (space && j > 0) {
            if (j + 1 >= outsz)
                return false;
            out[j++] = ' ';
            chars++;
        }
        space = false;
        if (j + n >= outsz)
            return false;
        memcpy(out + j, in + i, n);
        j += n;
        chars++;
        if ((cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') ||
            (cp >= 0xc0 && cp != 0xd7 && cp != 0xf7 && !(cp >= 0x0660 && cp <= 0x0669) &&
             !(cp >= 0x06f0 && cp <= 0x06f9)))
            letters++;
        i += n;
    }
    out[j] = '\0';
    return chars >= USSD_NAME_CHARS_MIN && chars <= USSD_NAME_CHARS_MAX && letters >= 2;
}

/* ---- lists ---- */

struct list {
    const char *items[LIST_MAX];
    char storage[LIST_MAX][96];
    size_t count;
};

static void list_add(struct list *l, const char *item)
{
    if (l->count < LIST_MAX)
        l->items[l->count++] = item;
}

static void list_add_copy(struct list *l, const char *item)
{
    if (l->count < LIST_MAX) {
        snprintf(l->storage[l->count], sizeof l->storage[0], "%s", item);
        l->items[l->count] = l->storage[l->count];
        l->count++;
    }
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
    case USSD_SCR_HOME:
    case USSD_SCR_CHANGE_LANGUAGE:
        return true;
    default:
        return false;
    }
}

/* The items of a list screen, in the screen's language. */
static void list_items(const struct ussd_state *s, const struct ussd_env *env, struct list *l)
{
    char key[96];
    l->count = 0;
    switch (s->screen) {
    case USSD_SCR_LANGUAGE:
    case USSD_SCR_CHANGE_LANGUAGE:
        for (size_t i = 0; i < env->nlanguages; i++)
            list_add(l, text_in(env, env->languages[i], "language_name"));
        break;
    case USSD_SCR_WELCOME:
        list_add(l, text(s, env, "menu_register"));
        list_add(l, text(s, env, "menu_about"));
        break;
    case USSD_SCR_PROVINCE:
        for (size_t i = 0; i < env->nprovinces; i++)
            list_add_copy(l, coded_name(s, env, "provinces", env->provinces[i], key, sizeof key));
        break;
    case USSD_SCR_SECTOR:
        for (size_t i = 0; i < env->nsectors; i++)
            list_add_copy(l, coded_name(s, env, "sectors", env->sectors[i], key, sizeof key));
        break;
    case USSD_SCR_GENDER:
        list_add(l, text(s, env, "gender_f"));
        list_add(l, text(s, env, "gender_m"));
        break;
    case USSD_SCR_CONSENT:
        list_add(l, text(s, env, "consent_yes"));
        list_add(l, text(s, env, "consent_no"));
        break;
    case USSD_SCR_CONFIRM:
        list_add(l, text(s, env, "confirm_yes"));
        list_add(l, text(s, env, "confirm_restart"));
        break;
    case USSD_SCR_HOME:
        list_add(l, text(s, env, "menu_profile"));
        list_add(l, text(s, env, "menu_language"));
        break;
    default:
        break;
    }
}

static void go(struct ussd_state *s, enum ussd_screen scr)
{
    s->screen = scr;
    s->page = 0;
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
    if (m->registered && m->language && catalog_set_find(env->texts, m->language))
        snprintf(s->lang, sizeof s->lang, "%s", m->language);
    else if (env->nlanguages == 1)
        snprintf(s->lang, sizeof s->lang, "%s", env->languages[0]);
    go_home(s, m, env);
}

static long render_screen(const struct ussd_state *s, const struct ussd_member_view *m,
                          const struct ussd_env *env, char *out, size_t outsz, bool *end,
                          size_t *first, long *shown);

/* A choice on a list screen: index chosen, or -1 with navigation handled. */
static long list_choice(struct ussd_state *s, const char *in, const struct ussd_member_view *m,
                        const struct ussd_env *env, const struct list *l, bool *handled)
{
    *handled = false;
    if (strcmp(in, NAV_MORE) == 0) {
        /* "98" only when the screen the member saw had more items after it. */
        char scratch[SCREEN_BYTES_MAX];
        bool end;
        size_t first = 0;
        long shown = -1;
        if (render_screen(s, m, env, scratch, sizeof scratch, &end, &first, &shown) >= 0 &&
            shown > 0 && first + (size_t)shown < l->count) {
            s->page++;
            s->error_key = NULL;
            *handled = true;
        }
        return -1;
    }
    if (strcmp(in, NAV_BACK) == 0) {
        if (s->page > 0) {
            s->page--;
            s->error_key = NULL;
            *handled = true;
        } else {
            int parent = parent_of(s->screen, m->registered);
            if (parent >= 0) {
                go(s, (enum ussd_screen)parent);
                *handled = true;
            }
        }
        return -1;
    }
    long v = parse_number(in);
    if (v >= 1 && (size_t)v <= l->count)
        return v - 1;
    return -1;
}

enum ussd_effect ussd_menu_input(struct ussd_state *s, const char *raw, size_t rawlen,
                                 const struct ussd_member_view *m, const struct ussd_env *env)
{
    char in[USSD_NAME_MAX * 2];
    normalize_input(raw, rawlen, in, sizeof in);

    if (strcmp(in, NAV_HOME) == 0 && s->screen < USSD_SCR_END_ABOUT) {
        go_home(s, m, env);
        return USSD_EFFECT_NONE;
    }
    if (is_list_screen(s->screen)) {
        struct list l;
        list_items(s, env, &l);
        bool handled;
        long k = list_choice(s, in, m, env, &l, &handled);
        if (handled)
            return USSD_EFFECT_NONE;
        if (k < 0) {
            s->error_key = "err_choice";
            return USSD_EFFECT_NONE;
        }
        switch (s->screen) {
        case USSD_SCR_LANGUAGE:
            snprintf(s->lang, sizeof s->lang, "%s", env->languages[k]);
            go(s, USSD_SCR_WELCOME);
            return USSD_EFFECT_NONE;
        case USSD_SCR_WELCOME:
            go(s, k == 0 ? USSD_SCR_NAME : USSD_SCR_END_ABOUT);
            return USSD_EFFECT_NONE;
        case USSD_SCR_PROVINCE:
            snprintf(s->draft.province, sizeof s->draft.province, "%s", env->provinces[k]);
            go(s, USSD_SCR_SECTOR);
            return USSD_EFFECT_NONE;
        case USSD_SCR_SECTOR:
            snprintf(s->draft.sector, sizeof s->draft.sector, "%s", env->sectors[k]);
            go(s, USSD_SCR_GENDER);
            return USSD_EFFECT_NONE;
        case USSD_SCR_GENDER:
            s->draft.gender = k == 0 ? 'f' : 'm';
            go(s, USSD_SCR_BIRTH_YEAR);
            return USSD_EFFECT_NONE;
        case USSD_SCR_CONSENT:
            if (k == 0) {
                go(s, USSD_SCR_CONFIRM);
            } else {
                memset(&s->draft, 0, sizeof s->draft);
                go(s, USSD_SCR_END_REFUSED);
            }
            return USSD_EFFECT_NONE;
        case USSD_SCR_CONFIRM:
            if (k == 0) {
                go(s, USSD_SCR_END_REGISTERED);
                return USSD_EFFECT_REGISTER;
            }
            go(s, USSD_SCR_NAME);
            return USSD_EFFECT_NONE;
        case USSD_SCR_HOME:
            go(s, k == 0 ? USSD_SCR_PROFILE : USSD_SCR_CHANGE_LANGUAGE);
            return USSD_EFFECT_NONE;
        case USSD_SCR_CHANGE_LANGUAGE:
            snprintf(s->lang, sizeof s->lang, "%s", env->languages[k]);
            go(s, USSD_SCR_END_LANGUAGE_CHANGED);
            return USSD_EFFECT_SET_LANGUAGE;
        default:
            break;
        }
        return USSD_EFFECT_NONE;
    }

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
        if (v > 0 && env->coop_lookup)
            found = env->coop_lookup(env->ctx, in, &id, cname, sizeof cname);
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
    case USSD_SCR_PROFILE: {
        int parent = parent_of(s->screen, m->registered);
        if (strcmp(in, NAV_BACK) == 0 && parent >= 0)
            go(s, (enum ussd_screen)parent);
        else
            s->error_key = "err_choice";
        return USSD_EFFECT_NONE;
    }
    default:
        return USSD_EFFECT_NONE; /* last screens take no input */
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

/* Copy src shortened to at most max_units in the encoding of `context`. */
static void shorten(const char *src, size_t max_units, const char *context, char *out,
                    size_t outsz)
{
    if (screen_ellipsize(src, strlen(src), encoding_of(context), max_units, out, outsz) < 0)
        snprintf(out, outsz, "%s", "");
}

/* Format a title that carries member data, shortening the data fields
 * (name, cooperative) until the list fits. */
static long render_with_fields(const struct ussd_state *s, const struct ussd_env *env,
                               const char *tmpl, struct text_var *vars, size_t nvars,
                               const size_t *shrinkable, size_t nshrink, struct screen_list *sl,
                               char *out, size_t outsz)
{
    static const size_t caps[] = {0, 40, 30, 20, 14, 10, 6};
    const char *orig[8];
    char shortened[8][USSD_NAME_MAX];
    for (size_t i = 0; i < nvars && i < 8; i++)
        orig[i] = vars[i].value;
    for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++) {
        for (size_t j = 0; j < nshrink; j++) {
            size_t v = shrinkable[j];
            if (caps[c] == 0) {
                vars[v].value = orig[v];
            } else {
                shorten(orig[v], caps[c], tmpl, shortened[j], sizeof shortened[j]);
                vars[v].value = shortened[j];
            }
        }
        char title[LINE_MAX];
        if (text_format(tmpl, vars, nvars, title, sizeof title) < 0)
            continue;
        char header[LINE_MAX + 128];
        if (s->error_key)
            snprintf(header, sizeof header, "%s\n%s", text(s, env, s->error_key), title);
        else
            snprintf(header, sizeof header, "%s", title);
        sl->header = header;
        if (sl->count > 0)
            sl->first = screen_list_page_start(sl, s->page);
        long r = screen_list_render(sl, out, outsz);
        if (r >= 0 || nshrink == 0)
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

static long render_screen(const struct ussd_state *s, const struct ussd_member_view *m,
                          const struct ussd_env *env, char *out, size_t outsz, bool *end,
                          size_t *first, long *shown)
{
    *end = s->screen >= USSD_SCR_END_ABOUT;
    struct list l;
    list_items(s, env, &l);
    struct screen_list sl = {.items = l.items, .count = l.count, .limit = env->limit};
    if (is_list_screen(s->screen)) {
        sl.more = text(s, env, "nav_more");
        sl.nav = parent_of(s->screen, m->registered) >= 0 || s->page > 0
                     ? text(s, env, "nav_back")
                     : NULL;
    }
    char key_buf[2][96];
    struct text_var vars[8];
    size_t nvars = 0;
    const char *tmpl = NULL;
    size_t shrink[2];
    size_t nshrink = 0;
    char yb[16];

    switch (s->screen) {
    case USSD_SCR_LANGUAGE:
        tmpl = env->texts->fallback ? catalog_get(env->texts->fallback, "choose_language") : NULL;
        break;
    case USSD_SCR_WELCOME:
        tmpl = text(s, env, "welcome");
        vars[nvars++] = (struct text_var){"programme", env->programme};
        break;
    case USSD_SCR_NAME:
        tmpl = text(s, env, "ask_name");
        break;
    case USSD_SCR_COOP:
        tmpl = text(s, env, "ask_coop");
        break;
    case USSD_SCR_PROVINCE:
        tmpl = text(s, env, "ask_province");
        break;
    case USSD_SCR_SECTOR:
        tmpl = text(s, env, "ask_sector");
        break;
    case USSD_SCR_GENDER:
        tmpl = text(s, env, "ask_gender");
        break;
    case USSD_SCR_BIRTH_YEAR:
        tmpl = text(s, env, "ask_birth_year");
        break;
    case USSD_SCR_CONSENT:
        tmpl = text(s, env, "ask_consent");
        break;
    case USSD_SCR_CONFIRM: {
        snprintf(yb, sizeof yb, "%d", s->draft.birth_year);
        tmpl = text(s, env, "confirm_title");
        shrink[nshrink++] = nvars;
        vars[nvars++] = (struct text_var){"name", s->draft.name};
        shrink[nshrink++] = nvars;
        vars[nvars++] = (struct text_var){
            "coop", s->draft.coop_id ? s->draft.coop_name : text(s, env, "no_coop")};
        vars[nvars++] = (struct text_var){
            "province",
            coded_name(s, env, "provinces", s->draft.province, key_buf[0], sizeof key_buf[0])};
        vars[nvars++] = (struct text_var){
            "sector", coded_name(s, env, "sectors", s->draft.sector, key_buf[1], sizeof key_buf[1])};
        vars[nvars++] = (struct text_var){"gender", gender_text(s, env, s->draft.gender)};
        vars[nvars++] = (struct text_var){"year", yb};
        break;
    }
    case USSD_SCR_HOME:
        tmpl = text(s, env, "home_title");
        shrink[nshrink++] = nvars;
        vars[nvars++] = (struct text_var){"name", m->name ? m->name : ""};
        break;
    case USSD_SCR_PROFILE:
        tmpl = text(s, env, "profile_text");
        shrink[nshrink++] = nvars;
        vars[nvars++] = (struct text_var){"name", m->name ? m->name : ""};
        shrink[nshrink++] = nvars;
        vars[nvars++] = (struct text_var){
            "coop", m->cooperative_name && m->cooperative_name[0] ? m->cooperative_name
                                                                  : text(s, env, "no_coop")};
        vars[nvars++] = (struct text_var){"member_no", m->member_no ? m->member_no : ""};
        vars[nvars++] = (struct text_var){
            "province", coded_name(s, env, "provinces", m->province ? m->province : "",
                                   key_buf[0], sizeof key_buf[0])};
        vars[nvars++] = (struct text_var){
            "sector", coded_name(s, env, "sectors", m->sector ? m->sector : "", key_buf[1],
                                 sizeof key_buf[1])};
        sl.nav = text(s, env, "nav_back");
        break;
    case USSD_SCR_CHANGE_LANGUAGE:
        tmpl = text(s, env, "menu_language");
        break;
    case USSD_SCR_END_ABOUT:
        tmpl = text(s, env, "about_text");
        break;
    case USSD_SCR_END_REGISTERED:
        tmpl = text(s, env, "registered");
        vars[nvars++] = (struct text_var){"member_no", s->member_no};
        break;
    case USSD_SCR_END_REFUSED:
        tmpl = text(s, env, "consent_refused");
        break;
    case USSD_SCR_END_LANGUAGE_CHANGED:
        tmpl = text(s, env, "language_changed");
        break;
    case USSD_SCR_END_BUSY:
    default:
        tmpl = text(s, env, "busy");
        break;
    }
    *shown = render_with_fields(s, env, tmpl ? tmpl : "", vars, nvars, shrink, nshrink, &sl, out,
                                outsz);
    *first = sl.first;
    return *shown < 0 ? -1 : (long)strlen(out);
}

/* ---- self-check for `taawund -n` ---- */

int ussd_menu_check(const struct ussd_env *env,
                    void (*report)(void *ctx, const char *lang, const char *screen,
                                   const char *key),
                    void *ctx)
{
    static const char *const errors[] = {NULL, "err_choice", "err_name", "err_coop", "err_year"};
    /* Long sample data: the longest name accepted, a long cooperative name. */
    char long_name[USSD_NAME_MAX];
    memset(long_name, 'M', USSD_NAME_CHARS_MAX);
    long_name[USSD_NAME_CHARS_MAX] = '\0';
    struct ussd_member_view member = {.registered = true,
                                      .name = long_name,
                                      .member_no = "TA-999999",
                                      .cooperative_name = long_name,
                                      .province = env->nprovinces ? env->provinces[0] : "",
                                      .sector = env->nsectors ? env->sectors[0] : ""};
    int failures = 0;
    for (size_t li = 0; li < env->nlanguages; li++) {
        for (int scr = 0; scr < USSD_SCR_COUNT; scr++) {
            for (size_t e = 0; e < sizeof errors / sizeof errors[0]; e++) {
                if (errors[e] && scr >= USSD_SCR_END_ABOUT)
                    continue;
                struct ussd_state s;
                memset(&s, 0, sizeof s);
                snprintf(s.lang, sizeof s.lang, "%s", env->languages[li]);
                s.screen = (enum ussd_screen)scr;
                s.error_key = errors[e];
                snprintf(s.draft.name, sizeof s.draft.name, "%s", long_name);
                s.draft.coop_id = 1;
                snprintf(s.draft.coop_name, sizeof s.draft.coop_name, "%s", long_name);
                snprintf(s.draft.province, sizeof s.draft.province, "%s",
                         env->nprovinces ? env->provinces[0] : "");
                snprintf(s.draft.sector, sizeof s.draft.sector, "%s",
                         env->nsectors ? env->sectors[0] : "");
                s.draft.gender = 'f';
                s.draft.birth_year = 1985;
                snprintf(s.member_no, sizeof s.member_no, "TA-999999");
                member.language = env->languages[li];
                char out[2048];
                bool end;
                if (ussd_menu_render(&s, &member, env, out, sizeof out, &end) < 0) {
                    failures++;
                    if (report)
                        report(ctx, env->languages[li], ussd_menu_screen_name(s.screen),
                               ussd_menu_screen_key(s.screen));
                    break;
                }
            }
        }
    }
    return failures;
}
