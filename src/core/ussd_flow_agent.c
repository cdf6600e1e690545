/* ussd_flow_agent.c -- registration by a cooperative's contact person: a
 * member staff marked as their cooperative's contact registers another
 * member of that cooperative from their own phone (name, phone number,
 * language, sector, gender, birth year, then the summary to confirm). The
 * new member joins the contact's cooperative and gets one SMS asking for
 * consent (app/agent). When that member dials the menu before answering
 * it, the same question comes first, yes or no (recorded as the SMS answer
 * is); refusing ends the session. Declarations only (see
 * core/ussd_screens.h). */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "core/msisdn.h"
#include "core/ussd_screens.h"

void ussd_flow_agent_home_items(const struct ussd_state *s, const struct ussd_ctx *c,
                                struct ussd_list *l)
{
    if (c->m->is_contact)
        ussd_screens_add(l, ussd_screens_text(s, c->env, "menu_agent"));
}

enum ussd_effect ussd_flow_agent_begin(struct ussd_state *s, const struct ussd_ctx *c,
                                       const struct ussd_list *l, size_t k, enum ussd_effect e)
{
    (void)c, (void)l, (void)k;
    memset(&s->draft, 0, sizeof s->draft);
    snprintf(s->draft.lang, sizeof s->draft.lang, "%s", s->lang);
    return e;
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

/* A mobile number no member has, of the contact's kind (test or real). */
static enum ussd_verdict take_phone(struct ussd_state *s, const struct ussd_ctx *c, const char *in)
{
    char e164[MSISDN_MAX];
    if (msisdn_normalize(in, strlen(in), e164) != MSISDN_OK)
        return USSD_REFUSED; /* err_phone */
    const struct ussd_data *data = c->env->data;
    int check = data && data->phone_check ? data->phone_check(data->ctx, e164) : USSD_PHONE_FREE;
    switch (check) {
    case USSD_PHONE_FREE:
        snprintf(s->draft.phone, sizeof s->draft.phone, "%s", e164);
        return USSD_TAKEN;
    case USSD_PHONE_MEMBER:
        s->error_key = "err_phone_member";
        return USSD_REFUSED;
    case USSD_PHONE_STOPPED:
        s->error_key = "err_phone_stopped";
        return USSD_REFUSED;
    case USSD_PHONE_MIXED:
        s->error_key = "err_phone_mixed";
        return USSD_REFUSED;
    default:
        return USSD_BUSY;
    }
}

static enum ussd_effect keep_language(struct ussd_state *s, const struct ussd_ctx *c,
                                      const struct ussd_list *l, size_t k, enum ussd_effect e)
{
    (void)l;
    assert(k < c->env->nlanguages);
    snprintf(s->draft.lang, sizeof s->draft.lang, "%s", c->env->languages[k]);
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

static enum ussd_verdict take_year(struct ussd_state *s, const struct ussd_ctx *c, const char *in)
{
    long y = strlen(in) == 4 ? ussd_screens_number(in) : -1;
    if (y < MEMBER_BIRTH_YEAR_MIN || y > c->env->current_year - c->env->min_age)
        return USSD_REFUSED;
    s->draft.birth_year = (int)y;
    return USSD_TAKEN;
}

static enum ussd_effect restart(struct ussd_state *s, const struct ussd_ctx *c,
                                const struct ussd_list *l, size_t k, enum ussd_effect e)
{
    return ussd_flow_agent_begin(s, c, l, k, e);
}

static int confirm_fields(const struct ussd_state *s, const struct ussd_ctx *c,
                          const struct ussd_list *l, struct ussd_fields *f)
{
    (void)l;
    const struct ussd_env *env = c->env;
    const struct ussd_draft *d = &s->draft;
    snprintf(f->num[0], sizeof f->num[0], "%d", d->birth_year);
    ussd_screens_field(f, "name", d->name, true);
    ussd_screens_field(f, "phone", d->phone, false);
    ussd_screens_field(
        f, "sector",
        ussd_screens_coded_name(s, env, "sectors", d->sector, f->key[0], sizeof f->key[0]), false);
    ussd_screens_field(
        f, "gender", ussd_screens_text(s, env, d->gender == 'm' ? "gender_m" : "gender_f"), false);
    ussd_screens_field(f, "year", f->num[0], false);
    return 0;
}

static int done_fields(const struct ussd_state *s, const struct ussd_ctx *c,
                       const struct ussd_list *l, struct ussd_fields *f)
{
    (void)c, (void)l;
    ussd_screens_field(f, "name", s->draft.name, true);
    ussd_screens_field(f, "member_no", s->result_ref, false);
    return 0;
}

/* The code to dial again, to accept later. */
static int dial_again_fields(const struct ussd_state *s, const struct ussd_ctx *c,
                             const struct ussd_list *l, struct ussd_fields *f)
{
    (void)s, (void)l;
    ussd_screens_field(f, "ussd_code", c->env->ussd_code ? c->env->ussd_code : "", false);
    return 0;
}

const struct ussd_screen_def ussd_flow_agent_screens[] = {
    {.id = USSD_SCR_AGENT_NAME,
     .name = "agent_name",
     .key = "agent_ask_name",
     .back = USSD_TO(USSD_SCR_HOME),
     .errors = {"err_name"},
     .texts = {"menu_agent"},
     .input = {take_name, USSD_TO(USSD_SCR_AGENT_PHONE)}},
    {.id = USSD_SCR_AGENT_PHONE,
     .name = "agent_phone",
     .key = "agent_ask_phone",
     .back = USSD_TO(USSD_SCR_AGENT_NAME),
     .errors = {"err_phone", "err_phone_member", "err_phone_stopped", "err_phone_mixed"},
     .input = {take_phone, USSD_TO(USSD_SCR_AGENT_LANGUAGE)}},
    {.id = USSD_SCR_AGENT_LANGUAGE,
     .name = "agent_language",
     .key = "agent_ask_language",
     .back = USSD_TO(USSD_SCR_AGENT_PHONE),
     .errors = {"err_choice"},
     .items = ussd_screens_languages,
     .item = {.next = USSD_TO(USSD_SCR_AGENT_SECTOR), .then = keep_language}},
    {.id = USSD_SCR_AGENT_SECTOR,
     .name = "agent_sector",
     .key = "agent_ask_sector",
     .back = USSD_TO(USSD_SCR_AGENT_LANGUAGE),
     .errors = {"err_choice"},
     .items = ussd_screens_sectors,
     .item = {.next = USSD_TO(USSD_SCR_AGENT_GENDER), .then = keep_sector}},
    {.id = USSD_SCR_AGENT_GENDER,
     .name = "agent_gender",
     .key = "agent_ask_gender",
     .back = USSD_TO(USSD_SCR_AGENT_SECTOR),
     .errors = {"err_choice"},
     .options = {{"gender_f", .next = USSD_TO(USSD_SCR_AGENT_YEAR), .then = keep_gender},
                 {"gender_m", .next = USSD_TO(USSD_SCR_AGENT_YEAR), .then = keep_gender}}},
    {.id = USSD_SCR_AGENT_YEAR,
     .name = "agent_year",
     .key = "agent_ask_year",
     .back = USSD_TO(USSD_SCR_AGENT_GENDER),
     .errors = {"err_year"},
     .input = {take_year, USSD_TO(USSD_SCR_AGENT_CONFIRM)}},
    {.id = USSD_SCR_AGENT_CONFIRM,
     .name = "agent_confirm",
     .key = "agent_confirm",
     .back = USSD_TO(USSD_SCR_AGENT_YEAR),
     .errors = {"err_choice"},
     .texts = {"gender_f", "gender_m"},
     .options = {{"confirm_yes", .next = USSD_TO(USSD_SCR_END_AGENT_DONE),
                  .effect = USSD_EFFECT_AGENT_REGISTER},
                 {"confirm_restart", .next = USSD_TO(USSD_SCR_AGENT_NAME), .then = restart}},
     .fields = confirm_fields},
    {.id = USSD_SCR_END_AGENT_DONE,
     .name = "agent_registered",
     .key = "agent_registered",
     .key_no_sms = "agent_registered_no_sms",
     .fields = done_fields},
    {.id = USSD_SCR_END_AGENT_TAKEN, .name = "agent_taken", .key = "agent_taken"},
    {.id = USSD_SCR_END_AGENT_NOT_CONTACT, .name = "agent_not_contact", .key = "agent_not_contact"},
    /* The member's own consent, before any service (see go_home): yes
     * stays until the caller has recorded it, then home. */
    {.id = USSD_SCR_MEMBER_CONSENT,
     .name = "member_consent",
     .key = "member_consent",
     .errors = {"err_choice"},
     .options = {{"consent_yes", .effect = USSD_EFFECT_CONSENT_GIVE},
                 {"consent_no", .next = USSD_TO(USSD_SCR_END_CONSENT_DECLINED),
                  .effect = USSD_EFFECT_CONSENT_REFUSE}}},
    {.id = USSD_SCR_END_CONSENT_DECLINED,
     .name = "member_consent_declined",
     .key = "member_consent_declined",
     .fields = dial_again_fields},
    {.name = NULL},
};
