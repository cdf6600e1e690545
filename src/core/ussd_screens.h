/* ussd_screens.h -- how one USSD screen is declared, shared by the engine
 * (core/ussd_menu.c) and the flow files (core/ussd_flow_*.c); nothing else
 * includes it.
 *
 * A screen is one struct ussd_screen_def: its name and text (a catalog
 * key), the fields that fill the text, its options (fixed labels, and items
 * listed from the env or a data callback) or its free-text input, the error
 * a wrong input shows, where "0" and each choice lead, and the effect a
 * choice asks the caller to perform. The engine walks these declarations
 * and names no screen itself, so a screen is added or changed in its flow
 * file (plus its enum value in core/ussd_menu.h and its texts in
 * conf/messages/). Hooks are pure: they read the env and its data
 * callbacks, write only the state they are given. */
#ifndef TAAWUN_CORE_USSD_SCREENS_H
#define TAAWUN_CORE_USSD_SCREENS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/catalog.h"
#include "core/screen.h"
#include "core/ussd_layout.h"
#include "core/ussd_state.h"

#define USSD_NAV_MORE "98" /* next page of a list */
#define USSD_NAV_BACK "0"  /* previous page, or the screen before */
#define USSD_NAV_HOME "00" /* home (or the first screen of a stranger), from anywhere */

#define USSD_OPTIONS_MAX 6                   /* fixed options of one screen, and a NULL */
#define USSD_ITEMS_MAX (USSD_LIST_MAX + 4)   /* options one list screen may show */
#define USSD_ITEM_BYTES SCREEN_LABEL_BYTES   /* one option's label, formatted */
#define USSD_FIELDS_MAX USSD_LAYOUT_VARS_MAX /* {placeholders} of one screen text */
#define USSD_SHRINK_MAX 3                    /* fields that may be shortened to fit */
#define USSD_TEXTS_MAX 10                    /* texts a screen's hooks use, and a NULL */
#define USSD_ERRORS_MAX 5                    /* error lines one screen may show */

/* Where a declaration leads. Unset (zero) means "nowhere": no way back, or
 * a choice that keeps the screen. */
struct ussd_target {
    bool set;
    enum ussd_screen screen;
};
#define USSD_TO(scr)                                                                               \
    {                                                                                              \
        .set = true, .screen = (scr)                                                               \
    }

/* What a step knows besides the state; borrowed for the step. */
struct ussd_ctx {
    const struct ussd_member_view *m;
    const struct ussd_env *env;
};

/* The options of a list screen as shown, and the data behind them. */
struct ussd_list {
    const char *items[USSD_ITEMS_MAX];
    char storage[USSD_ITEMS_MAX][USSD_ITEM_BYTES];
    size_t count;
    size_t noptions; /* the screen's fixed options come first */
    struct ussd_grant grants[USSD_LIST_MAX];
    size_t ngrants;
    struct ussd_event events[USSD_LIST_MAX];
    size_t nevents;
    bool topics[TOPIC_COUNT];
    bool failed; /* a data callback failed: the screen becomes "busy" */
};

/* One choice: a fixed option, or any item of a screen's list. */
struct ussd_option {
    const char *label;       /* catalog key (fixed options only) */
    struct ussd_target next; /* where it leads; unset: the screen stays */
    enum ussd_effect effect; /* what it asks the caller to perform */
    /* Optional, run after the move: what the choice keeps in s. k is the
     * option's index, or the item's among the listed items. Returns the
     * effect (e, or USSD_EFFECT_NONE when the hook turned the choice down). */
    enum ussd_effect (*then)(struct ussd_state *s, const struct ussd_ctx *c,
                             const struct ussd_list *l, size_t k, enum ussd_effect e);
    /* Optional: the label when it depends on the member. */
    const char *(*label_of)(const struct ussd_ctx *c);
};

enum ussd_verdict {
    USSD_TAKEN = 0, /* kept in the state: go on to .next */
    USSD_REFUSED,   /* wrong: the screen stays with its error line */
    USSD_BUSY,      /* a data callback failed */
};

/* A free-text screen: take() checks the input (trimmed, Arabic-Indic digits
 * folded, NUL-terminated) and keeps it in s. Refusing, it may set
 * s->error_key to one of the screen's errors (errors[0] otherwise). */
struct ussd_input {
    enum ussd_verdict (*take)(struct ussd_state *s, const struct ussd_ctx *c, const char *in);
    struct ussd_target next;
};

/* A screen's text being filled: the template and its {placeholders}, with
 * scratch space the values may point into. */
struct ussd_fields {
    const char *tmpl;
    struct text_var vars[USSD_FIELDS_MAX];
    size_t nvars;
    size_t shrink[USSD_SHRINK_MAX]; /* indexes of vars that may be shortened */
    size_t nshrink;
    char key[4][96];
    char num[4][32];
    char when[48];
    char seats[96];
    struct ussd_grant grant;
    struct ussd_event event;
};

enum ussd_nav {
    USSD_NAV_BACK_IF_ANY = 0, /* "0 back" when there is a way back */
    USSD_NAV_BACK_HOME,       /* services: "0 back · 00 home" */
};

struct ussd_screen_def {
    enum ussd_screen id;
    const char *name; /* for logs and reports */
    const char *key;  /* its text (the catalog key) */
    /* A last screen that promises an SMS: its text when the caller says
     * that SMS will not go (the send gate holds it: a stopped member, a
     * number on the suppression list), without the promise. */
    const char *key_no_sms;
    enum ussd_flow flow; /* the draft it belongs to, if any */
    /* A detail screen: its facts (fields not shrinkable) are never cut; the
     * fields that give way do so first, then the text spans pages ("98"),
     * the options after it (see core/ussd_layout.h). */
    bool detail;
    enum ussd_nav nav;
    /* Where "0" leads from the first page; back_to when it depends. */
    struct ussd_target back;
    enum ussd_screen (*back_to)(const struct ussd_state *s, const struct ussd_ctx *c);
    /* errors[0]: what a wrong input shows; others: what the screens leading
     * here may show on it (for `taawund -n`). */
    const char *errors[USSD_ERRORS_MAX];
    /* The other texts it shows (those its hooks use), up to a NULL: with
     * key, errors and labels, the catalogs must have them all. */
    const char *texts[USSD_TEXTS_MAX];
    /* A list screen: its fixed options (up to a NULL label), then the
     * items listed by items(), each chosen as .item says. */
    struct ussd_option options[USSD_OPTIONS_MAX];
    void (*items)(const struct ussd_state *s, const struct ussd_ctx *c, struct ussd_list *l);
    struct ussd_option item;
    /* A free-text screen. */
    struct ussd_input input;
    /* Optional: fill the text's fields. Returns 0, or -1 when the data is
     * gone (the screen becomes "busy"). */
    int (*fields)(const struct ussd_state *s, const struct ussd_ctx *c, const struct ussd_list *l,
                  struct ussd_fields *f);
};

/* The declarations of each flow, each ended by an entry without a name. */
extern const struct ussd_screen_def ussd_flow_registration_screens[];
extern const struct ussd_screen_def ussd_flow_resume_screens[];
extern const struct ussd_screen_def ussd_flow_home_screens[];
extern const struct ussd_screen_def ussd_flow_grants_screens[];
extern const struct ussd_screen_def ussd_flow_events_screens[];
extern const struct ussd_screen_def ussd_flow_ideas_screens[];
extern const struct ussd_screen_def ussd_flow_alerts_screens[];
extern const struct ussd_screen_def ussd_flow_profile_screens[];
extern const struct ussd_screen_def ussd_flow_agent_screens[];

/* The home screen's item for their cooperative's contact person
 * (core/ussd_flow_agent.c): "Register a member", listed for a contact
 * only, and the choice of it (a new registration starts empty). */
void ussd_flow_agent_home_items(const struct ussd_state *s, const struct ussd_ctx *c,
                                struct ussd_list *l);
enum ussd_effect ussd_flow_agent_begin(struct ussd_state *s, const struct ussd_ctx *c,
                                       const struct ussd_list *l, size_t k, enum ussd_effect e);

/* ---- helpers for the declarations (core/ussd_screens.c) ---- */

/* The declaration of scr (never NULL for a valid scr). */
const struct ussd_screen_def *ussd_screens_def(enum ussd_screen scr);

/* Whether the declarations hold together: every screen declared exactly
 * once, each consistent (see ussd_screens.c). For assert(). */
bool ussd_screens_valid(void);

/* Move to scr: first page, no error line. */
void ussd_screens_go(struct ussd_state *s, enum ussd_screen scr);

/* A text in the screen's language, "" when no catalog has it (borrowed). */
const char *ussd_screens_text(const struct ussd_state *s, const struct ussd_env *env,
                              const char *key);

/* A text in language lang, the key itself when no catalog has it. */
const char *ussd_screens_text_in(const struct ussd_env *env, const char *lang, const char *key);

/* The name of a code in a group ("provinces", "sectors", "grant_status",
 * "topic"), the code itself when none; buf holds the key. */
const char *ussd_screens_coded_name(const struct ussd_state *s, const struct ussd_env *env,
                                    const char *group, const char *code, char *buf, size_t bufsz);

/* An event's local date and time, and an amount, as the screen's language
 * writes them (core/catalog.h: catalog texts event_when, thousands_sep). */
void ussd_screens_when(const struct ussd_state *s, const struct ussd_env *env,
                       const struct ussd_event *e, char *out, size_t outsz);
void ussd_screens_amount(const struct ussd_state *s, const struct ussd_env *env, long long amount,
                         char *out, size_t outsz);

/* A non-negative decimal number of at most 9 digits, or -1. */
long ussd_screens_number(const char *in);

/* Free text (names, ideas) as core/text_input cleans it; USSD inputs carry
 * no line breaks. */
bool ussd_screens_clean_text(const char *in, size_t min_chars, size_t max_chars, char *out,
                             size_t outsz);

/* Add an option to l: borrowed (add), copied (add_copy), formatted from
 * tmpl with vars (add_format; vars[0] alone when it cannot be). */
void ussd_screens_add(struct ussd_list *l, const char *item);
void ussd_screens_add_copy(struct ussd_list *l, const char *item);
void ussd_screens_add_format(struct ussd_list *l, const char *tmpl, const struct text_var *vars,
                             size_t nvars);

/* Append a field {name} = value (borrowed); shrinkable fields are shortened
 * first when the screen does not fit. */
void ussd_screens_field(struct ussd_fields *f, const char *name, const char *value,
                        bool shrinkable);

/* A name (the member's, their cooperative's) as a screen with text f->tmpl
 * shows it: "" when it would turn a GSM-7 screen (French, English) into
 * UCS-2 and so cost it more than half its room. */
const char *ussd_screens_name_for(const struct ussd_fields *f, const char *name);

/* Whether the screen's language reads right to left (its catalog's
 * language_name is written so). */
bool ussd_screens_rtl(const struct ussd_state *s, const struct ussd_env *env);

/* How many pages l's items take on a list screen under the text
 * title_key, with "more" and the navigation nav_key; *fewest: the fewest
 * items a page shows (the last page aside). */
size_t ussd_screens_pages(const struct ussd_state *s, const struct ussd_ctx *c,
                          const char *title_key, const char *nav_key, const struct ussd_list *l,
                          size_t *fewest);

/* Items the flows share: the languages (each in its own language), the
 * provinces and the sectors (in the screen's). */
void ussd_screens_languages(const struct ussd_state *s, const struct ussd_ctx *c,
                            struct ussd_list *l);
void ussd_screens_provinces(const struct ussd_state *s, const struct ussd_ctx *c,
                            struct ussd_list *l);
void ussd_screens_sectors(const struct ussd_state *s, const struct ussd_ctx *c,
                          struct ussd_list *l);

/* Keep the chosen language in s->lang (an item of ussd_screens_languages). */
enum ussd_effect ussd_screens_keep_language(struct ussd_state *s, const struct ussd_ctx *c,
                                            const struct ussd_list *l, size_t k,
                                            enum ussd_effect e);

#endif
