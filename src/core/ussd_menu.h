/* ussd_menu.h -- the member's USSD menus as a pure state machine.
 *
 * One step is: ussd_menu_input(state, input, member, env) -> effect, then
 * ussd_menu_render(state, member, env) -> screen. The engine does no I/O:
 * everything it needs (texts, lists, screen limits, the year, a cooperative
 * lookup) comes in through struct ussd_env, and every write it wants is
 * returned as an effect that the caller performs before rendering. */
#ifndef TAAWUN_CORE_USSD_MENU_H
#define TAAWUN_CORE_USSD_MENU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/catalog.h"
#include "core/screen.h"

#define USSD_NAME_MAX 128 /* bytes: 60 characters of up to 2 bytes, with room */
#define USSD_NAME_CHARS_MIN 2
#define USSD_NAME_CHARS_MAX 60
#define USSD_CODE_MAX 32

enum ussd_screen {
    /* screens that wait for input (CON) */
    USSD_SCR_LANGUAGE = 0,
    USSD_SCR_WELCOME,
    USSD_SCR_NAME,
    USSD_SCR_COOP,
    USSD_SCR_PROVINCE,
    USSD_SCR_SECTOR,
    USSD_SCR_GENDER,
    USSD_SCR_BIRTH_YEAR,
    USSD_SCR_CONSENT,
    USSD_SCR_CONFIRM,
    USSD_SCR_HOME,
    USSD_SCR_PROFILE,
    USSD_SCR_CHANGE_LANGUAGE,
    /* last screens (END) */
    USSD_SCR_END_ABOUT,
    USSD_SCR_END_REGISTERED,
    USSD_SCR_END_REFUSED,
    USSD_SCR_END_LANGUAGE_CHANGED,
    USSD_SCR_END_BUSY,
    USSD_SCR_COUNT
};

/* What the registration has gathered so far. */
struct ussd_draft {
    char name[USSD_NAME_MAX];
    int64_t coop_id; /* 0: no cooperative */
    char coop_name[USSD_NAME_MAX];
    char province[USSD_CODE_MAX];
    char sector[USSD_CODE_MAX];
    char gender; /* 'f' / 'm' / 0 */
    int birth_year;
};

struct ussd_state {
    enum ussd_screen screen;
    unsigned page;         /* page of a list screen */
    char lang[8];          /* language of the screens; "" before the member chose */
    const char *error_key; /* catalog key of the error line to show, or NULL */
    struct ussd_draft draft;
    char member_no[16]; /* set by the caller after USSD_EFFECT_REGISTER */
};

/* What the engine may know of the caller: borrowed strings, "" when unknown. */
struct ussd_member_view {
    bool registered;
    const char *name;
    const char *language;
    const char *member_no;
    const char *cooperative_name;
    const char *province;
    const char *sector;
};

struct ussd_env {
    const struct catalog_set *texts;
    const char *programme;
    const char *const *languages; /* codes, in menu order */
    size_t nlanguages;
    const char *const *provinces; /* codes; names are texts "provinces.CODE" */
    size_t nprovinces;
    const char *const *sectors; /* codes; names are texts "sectors.CODE" */
    size_t nsectors;
    struct screen_limit limit;
    int current_year;
    int min_age;
    /* Look a cooperative code up: 1 found (id and name filled), 0 unknown,
     * -1 failure. May be NULL (every code is then unknown). */
    int (*coop_lookup)(void *ctx, const char *code, int64_t *id, char *name, size_t namesz);
    void *ctx;
};

enum ussd_effect {
    USSD_EFFECT_NONE = 0,
    USSD_EFFECT_REGISTER,     /* store state->draft as a member, set state->member_no */
    USSD_EFFECT_SET_LANGUAGE, /* store state->lang as the member's language */
};

/* The first screen for a caller: home for a member, else the language menu. */
void ussd_menu_start(struct ussd_state *s, const struct ussd_member_view *m,
                     const struct ussd_env *env);

/* Apply one input (in[0..len), UTF-8, typed by the member) to s. A wrong
 * input keeps the screen and sets s->error_key. Returns the effect the
 * caller must perform; for USSD_EFFECT_REGISTER the caller sets
 * s->member_no on success, or s->screen = USSD_SCR_END_BUSY on failure. */
enum ussd_effect ussd_menu_input(struct ussd_state *s, const char *in, size_t len,
                                 const struct ussd_member_view *m, const struct ussd_env *env);

/* Render the current screen into out (outsz bytes, NUL-terminated UTF-8)
 * without the CON/END prefix; *end tells whether it is a last screen.
 * Returns the length, or -1 when the screen cannot fit env->limit even
 * shortened (a catalog text too long: `taawund -n` reports those). */
long ussd_menu_render(const struct ussd_state *s, const struct ussd_member_view *m,
                      const struct ussd_env *env, char *out, size_t outsz, bool *end);

/* Catalog keys the menus use (NULL-terminated), for `taawund -n`. */
extern const char *const ussd_menu_text_keys[];

/* Render every screen of every language in env, with and without its error
 * line and with long sample data; call report(ctx, lang, screen_name, key)
 * for each one that cannot fit. Returns the number of failures. */
int ussd_menu_check(const struct ussd_env *env,
                    void (*report)(void *ctx, const char *lang, const char *screen,
                                   const char *key),
                    void *ctx);

/* The catalog key of a screen's main text ("ask_name" for the name prompt). */
const char *ussd_menu_screen_key(enum ussd_screen scr);

/* Name of a screen for logs and reports ("name", "province", ...). */
const char *ussd_menu_screen_name(enum ussd_screen scr);

#endif
