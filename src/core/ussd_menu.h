/* ussd_menu.h -- the member's USSD menus as a pure state machine.
 *
 * One step is: ussd_menu_input(state, input, member, env) -> effect; the
 * caller performs the effect and reports how it went with
 * ussd_menu_effect_done(); then ussd_menu_render(state, member, env) ->
 * screen. The engine does no I/O: texts, lists, screen limits, the year and
 * the member's data come in through struct ussd_env (data through read-only
 * callbacks), and every write it wants is returned as an effect.
 *
 * Each screen is declared once, in the file of its flow
 * (core/ussd_flow_*.c, see core/ussd_screens.h); core/ussd_menu.c is the
 * engine that walks the declarations. Its data types are in
 * core/ussd_state.h. */
#ifndef TAAWUN_CORE_USSD_MENU_H
#define TAAWUN_CORE_USSD_MENU_H

#include <stdbool.h>
#include <stddef.h>

#include "core/catalog.h"
#include "core/ussd_state.h"

/* The first screen for a caller: home for a member (the consent question
 * first for one whose consent is awaited), else the language menu. "00"
 * leads there too. */
void ussd_menu_start(struct ussd_state *s, const struct ussd_member_view *m,
                     const struct ussd_env *env);

/* Offer to continue an unfinished flow (the caller found a draft). lang is
 * the draft's language. */
void ussd_menu_offer_resume(struct ussd_state *s, enum ussd_flow flow, const char *lang);

/* Apply one input (in[0..len), UTF-8, typed by the member) to s. A wrong
 * input keeps the screen and sets s->error_key. Returns the effect the
 * caller must perform, then report with ussd_menu_effect_done(). */
enum ussd_effect ussd_menu_input(struct ussd_state *s, const char *in, size_t len,
                                 const struct ussd_member_view *m, const struct ussd_env *env);

/* Move to the screen that follows effect e given how it went. */
void ussd_menu_effect_done(struct ussd_state *s, enum ussd_effect e, enum ussd_effect_result r);

/* The flow s is in (a registration or an idea under way), for drafts. */
enum ussd_flow ussd_menu_flow(const struct ussd_state *s);

/* Render the current screen into out (outsz bytes, NUL-terminated UTF-8)
 * without the CON/END prefix; *end tells whether it is a last screen.
 * Returns the length, or -1 when the screen cannot fit env->limit even
 * shortened (a catalog text too long: `taawund -n` reports those). */
long ussd_menu_render(const struct ussd_state *s, const struct ussd_member_view *m,
                      const struct ussd_env *env, char *out, size_t outsz, bool *end);

/* The catalog keys the menus use, each once, for `taawund -n`: the
 * engine's own and those each screen declares. Fills out[0..max) with
 * borrowed static strings; max must be at least USSD_TEXT_KEYS_MAX.
 * Returns how many. */
#define USSD_TEXT_KEYS_MAX 256
size_t ussd_menu_text_keys(const char **out, size_t max);

/* Render every screen of every language in env, with and without its error
 * line and with long sample data; call report(ctx, lang, screen_name, key)
 * for each one that cannot fit. Returns the number of failures. */
int ussd_menu_check(const struct ussd_env *env,
                    void (*report)(void *ctx, const char *lang, const char *screen,
                                   const char *key),
                    void *ctx);

/* Name of a screen for logs and reports ("name", "province", ...). */
const char *ussd_menu_screen_name(enum ussd_screen scr);

/* The catalog key of a screen's main text ("ask_name" for the name prompt). */
const char *ussd_menu_screen_key(enum ussd_screen scr);

#endif
