/* ussd_flow_registration.c -- the screens of a stranger: the language, the
 * welcome (register, public events, about), then the registration: name,
 * cooperative code, province, sector, gender, birth year, consent and the
 * summary to confirm. Declarations only (see core/ussd_screens.h). */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "core/ussd_screens.h"

static int language_fields(const struct ussd_state *s, const struct ussd_ctx *c,
                           const struct ussd_list *l, struct ussd_fields *f)
{
    (void)s, (void)l;
    /* Before the choice: in the default language, whatever s->lang says. */
    const struct catalog *fallback = c->env->texts->fallback;
    f->tmpl = fallback ? catalog_get(fallback, "choose_language") : NULL;
    return 0;
}

static int welcome_fields(const struct ussd_state *s, const struct ussd_ctx *c,
                          const struct ussd_list *l, struct ussd_fields *f)
{
    (void)s, (void)l;
    ussd_screens_field(f, "programme", c->env->programme, false);
    return 0;
}

static enum ussd_verdict take_name(struct ussd_state *s, const struct ussd_ctx *c, const char *in)
{
    (void)c;
    char name[USSD_NAME_MAX];
    if (!ussd_screens_clean_text(in, USSD_NAME_CHARS_MIN, USSD_NAME_CHARS_MAX, name, sizeof name))
        return USSD_REFUSED;
    snprintf(s->draft.name, sizeof s->draft.name, "%s", name);
    return USSD_TAKEN;
}

/* A cooperative's code, or "0" for none. */
static enum ussd_verdict take_coop(struct ussd_state *s, const struct ussd_ctx *c, const char *in)
{
    const struct ussd_data *data = c->env->data;
    long v = ussd_screens_number(in);
    if (v == 0 && strlen(in) == 1) {
        s->draft.coop_id = 0;
        s->draft.coop_name[0] = '\0';
        return USSD_TAKEN;
    }
    int found = 0;
    int64_t id = 0;
    char name[USSD_NAME_MAX] = "";
    if (v > 0 && data && data->coop_lookup)
        found = data->coop_lookup(data->ctx, in, &id, name, sizeof name);
    if (found < 0)
        return USSD_BUSY;
    if (found == 0)
        return USSD_REFUSED;
    s->draft.coop_id = id;
    snprintf(s->draft.coop_name, sizeof s->draft.coop_name, "%s", name);
    return USSD_TAKEN;
}

static enum ussd_effect keep_province(struct ussd_state *s, const struct ussd_ctx *c,
                                      const struct ussd_list *l, size_t k, enum ussd_effect e)
{
    (void)l;
    assert(k < c->env->nprovinces);
    snprintf(s->draft.province, sizeof s->draft.province, "%s", c->env->provinces[k]);
    return e;
}

static enum ussd_effect keep_sector(struct ussd_state *s, const struct ussd_ctx *c,
                                    const struct ussd_list *l, size_t k, enum ussd_effect e)
{
    (void)l;
    assert(k < c->env->nsectors);
    snprintf(s->draft.sector, sizeof s->draft.sector, "%s", c->env->sectors[k]);
    return e;
}

static enum ussd_effect keep_gender(struct ussd_state *s, const struct ussd_ctx *c,
                                    const struct ussd_list *l, size_t k, enum ussd_effect e)
{
    (void)c, (void)l;
    s->draft.gender = k == 0 ? 'f' : 'm';
    return e;
}

static enum ussd_verdict take_birth_year(struct ussd_state *s, const struct ussd_ctx *c,
                                         const char *in)
{
    long y = strlen(in) == 4 ? ussd_screens_number(in) : -1;
    if (y < MEMBER_BIRTH_YEAR_MIN || y > c->env->current_year - c->env->min_age)
        return USSD_REFUSED;
    s->draft.birth_year = (int)y;
    return USSD_TAKEN;
}

static enum ussd_effect forget_draft(struct ussd_state *s, const struct ussd_ctx *c,
                                     const struct ussd_list *l, size_t k, enum ussd_effect e)
{
    (void)c, (void)l, (void)k;
    memset(&s->draft, 0, sizeof s->draft);
    return e;
}

static const char *gender_text(const struct ussd_state *s, const struct ussd_env *env, char g)
{
    return g == 'f'   ? ussd_screens_text(s, env, "gender_f")
           : g == 'm' ? ussd_screens_text(s, env, "gender_m")
                      : "";
}

static int confirm_fields(const struct ussd_state *s, const struct ussd_ctx *c,
                          const struct ussd_list *l, struct ussd_fields *f)
{
    (void)l;
    const struct ussd_env *env = c->env;
    const struct ussd_draft *d = &s->draft;
    snprintf(f->num[0], sizeof f->num[0], "%d", d->birth_year);
    ussd_screens_field(f, "name", d->name, true);
    ussd_screens_field(f, "coop", d->coop_id ? d->coop_name : ussd_screens_text(s, env, "no_coop"),
                       true);
    ussd_screens_field(
        f, "province",
        ussd_screens_coded_name(s, env, "provinces", d->province, f->key[0], sizeof f->key[0]),
        false);
    ussd_screens_field(
        f, "sector",
        ussd_screens_coded_name(s, env, "sectors", d->sector, f->key[1], sizeof f->key[1]), false);
    ussd_screens_field(f, "gender", gender_text(s, env, d->gender), false);
    ussd_screens_field(f, "year", f->num[0], false);
    return 0;
}

static int registered_fields(const struct ussd_state *s, const struct ussd_ctx *c,
                             const struct ussd_list *l, struct ussd_fields *f)
{
    (void)c, (void)l;
    /* The reference the caller set: the member number. */
    ussd_screens_field(f, "member_no", s->result_ref, false);
    ussd_screens_field(f, "reference", s->result_ref, false);
    return 0;
}

const struct ussd_screen_def ussd_flow_registration_screens[] = {
    {.id = USSD_SCR_LANGUAGE,
     .name = "language",
     .key = "choose_language",
     .errors = {"err_choice"},
     .items = ussd_screens_languages,
     .item = {.next = USSD_TO(USSD_SCR_WELCOME), .then = ussd_screens_keep_language},
     .fields = language_fields},
    {.id = USSD_SCR_WELCOME,
     .name = "welcome",
     .key = "welcome",
     .back = USSD_TO(USSD_SCR_LANGUAGE),
     .errors = {"err_choice"},
     .options = {{"menu_register", .next = USSD_TO(USSD_SCR_NAME)},
                 {"menu_events_public", .next = USSD_TO(USSD_SCR_EVENTS)},
                 {"menu_about", .next = USSD_TO(USSD_SCR_END_ABOUT)}},
     .fields = welcome_fields},
    {.id = USSD_SCR_NAME,
     .name = "name",
     .key = "ask_name",
     .flow = USSD_FLOW_REGISTER,
     .errors = {"err_name", "err_register_first"},
     .input = {take_name, USSD_TO(USSD_SCR_COOP)}},
    {.id = USSD_SCR_COOP,
     .name = "cooperative",
     .key = "ask_coop",
     .flow = USSD_FLOW_REGISTER,
     .errors = {"err_coop"},
     .input = {take_coop, USSD_TO(USSD_SCR_PROVINCE)}},
    {.id = USSD_SCR_PROVINCE,
     .name = "province",
     .key = "ask_province",
     .flow = USSD_FLOW_REGISTER,
     .back = USSD_TO(USSD_SCR_COOP),
     .errors = {"err_choice"},
     .items = ussd_screens_provinces,
     .item = {.next = USSD_TO(USSD_SCR_SECTOR), .then = keep_province}},
    {.id = USSD_SCR_SECTOR,
     .name = "sector",
     .key = "ask_sector",
     .flow = USSD_FLOW_REGISTER,
     .back = USSD_TO(USSD_SCR_PROVINCE),
     .errors = {"err_choice"},
     .items = ussd_screens_sectors,
     .item = {.next = USSD_TO(USSD_SCR_GENDER), .then = keep_sector}},
    {.id = USSD_SCR_GENDER,
     .name = "gender",
     .key = "ask_gender",
     .flow = USSD_FLOW_REGISTER,
     .back = USSD_TO(USSD_SCR_SECTOR),
     .errors = {"err_choice"},
     .options = {{"gender_f", .next = USSD_TO(USSD_SCR_BIRTH_YEAR), .then = keep_gender},
                 {"gender_m", .next = USSD_TO(USSD_SCR_BIRTH_YEAR), .then = keep_gender}}},
    {.id = USSD_SCR_BIRTH_YEAR,
     .name = "birth_year",
     .key = "ask_birth_year",
     .flow = USSD_FLOW_REGISTER,
     .errors = {"err_year"},
     .input = {take_birth_year, USSD_TO(USSD_SCR_CONSENT)}},
    {.id = USSD_SCR_CONSENT,
     .name = "consent",
     .key = "ask_consent",
     .flow = USSD_FLOW_REGISTER,
     .back = USSD_TO(USSD_SCR_BIRTH_YEAR),
     .errors = {"err_choice"},
     .options = {{"consent_yes", .next = USSD_TO(USSD_SCR_CONFIRM)},
                 {"consent_no", .next = USSD_TO(USSD_SCR_END_REFUSED), .then = forget_draft}}},
    {.id = USSD_SCR_CONFIRM,
     .name = "confirm",
     .key = "confirm_title",
     .flow = USSD_FLOW_REGISTER,
     .errors = {"err_choice"},
     .texts = {"no_coop", "gender_f", "gender_m"},
     .options = {{"confirm_yes", .next = USSD_TO(USSD_SCR_END_REGISTERED),
                  .effect = USSD_EFFECT_REGISTER},
                 {"confirm_restart", .next = USSD_TO(USSD_SCR_NAME)}},
     .fields = confirm_fields},
    {.id = USSD_SCR_END_ABOUT, .name = "about", .key = "about_text"},
    {.id = USSD_SCR_END_REGISTERED,
     .name = "registered",
     .key = "registered",
     .key_no_sms = "registered_no_sms",
     .fields = registered_fields},
    {.id = USSD_SCR_END_REFUSED, .name = "consent_refused", .key = "consent_refused"},
    {.name = NULL},
};
