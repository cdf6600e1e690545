/* ussd_flow_profile.c -- a member's profile: their data, the language of
 * the menus, stopping (or resuming) all messages, erasing their data, and
 * the last screens of each. Declarations only (see core/ussd_screens.h). */
#include "core/ussd_screens.h"

static int profile_fields(const struct ussd_state *s, const struct ussd_ctx *c,
                          const struct ussd_list *l, struct ussd_fields *f)
{
    (void)l;
    const struct ussd_member_view *m = c->m;
    const struct ussd_env *env = c->env;
    ussd_screens_field(f, "name", ussd_screens_name_for(f, m->name), true);
    ussd_screens_field(f, "coop",
                       m->cooperative_name && m->cooperative_name[0]
                           ? m->cooperative_name
                           : ussd_screens_text(s, env, "no_coop"),
                       true);
    ussd_screens_field(f, "member_no", m->member_no ? m->member_no : "", false);
    ussd_screens_field(f, "province",
                       ussd_screens_coded_name(s, env, "provinces", m->province ? m->province : "",
                                               f->key[0], sizeof f->key[0]),
                       false);
    ussd_screens_field(f, "sector",
                       ussd_screens_coded_name(s, env, "sectors", m->sector ? m->sector : "",
                                               f->key[1], sizeof f->key[1]),
                       false);
    return 0;
}

static const char *stop_or_start_label(const struct ussd_ctx *c)
{
    return c->m->opted_out ? "profile_start" : "profile_stop";
}

static enum ussd_effect stop_or_start(struct ussd_state *s, const struct ussd_ctx *c,
                                      const struct ussd_list *l, size_t k, enum ussd_effect e)
{
    (void)l, (void)k, (void)e;
    ussd_screens_go(s, c->m->opted_out ? USSD_SCR_END_STARTED : USSD_SCR_END_STOPPED);
    return c->m->opted_out ? USSD_EFFECT_START_ALL : USSD_EFFECT_STOP_ALL;
}

const struct ussd_screen_def ussd_flow_profile_screens[] = {
    {.id = USSD_SCR_PROFILE,
     .name = "profile",
     .key = "profile_text",
     .detail = true,
     .nav = USSD_NAV_BACK_HOME,
     .back = USSD_TO(USSD_SCR_HOME),
     .errors = {"err_choice"},
     .texts = {"profile_start", "no_coop"},
     .options = {{"menu_language", .next = USSD_TO(USSD_SCR_CHANGE_LANGUAGE)},
                 {"profile_stop", .effect = USSD_EFFECT_STOP_ALL, .then = stop_or_start,
                  .label_of = stop_or_start_label},
                 {"profile_erase", .next = USSD_TO(USSD_SCR_ERASE_CONFIRM)}},
     .fields = profile_fields},
    {.id = USSD_SCR_CHANGE_LANGUAGE,
     .name = "change_language",
     .key = "menu_language",
     .nav = USSD_NAV_BACK_HOME,
     .back = USSD_TO(USSD_SCR_PROFILE),
     .errors = {"err_choice"},
     .items = ussd_screens_languages,
     .item = {.next = USSD_TO(USSD_SCR_END_LANGUAGE_CHANGED),
              .effect = USSD_EFFECT_SET_LANGUAGE,
              .then = ussd_screens_keep_language}},
    {.id = USSD_SCR_ERASE_CONFIRM,
     .name = "erase_confirm",
     .key = "erase_confirm",
     .nav = USSD_NAV_BACK_HOME,
     .back = USSD_TO(USSD_SCR_PROFILE),
     .errors = {"err_choice"},
     .options = {{"erase_yes", .next = USSD_TO(USSD_SCR_END_ERASED), .effect = USSD_EFFECT_ERASE},
                 {"erase_no", .next = USSD_TO(USSD_SCR_PROFILE)}}},
    {.id = USSD_SCR_END_LANGUAGE_CHANGED, .name = "language_changed", .key = "language_changed"},
    {.id = USSD_SCR_END_STOPPED, .name = "stopped", .key = "stopped"},
    {.id = USSD_SCR_END_STARTED, .name = "started", .key = "started"},
    {.id = USSD_SCR_END_ERASED, .name = "erased", .key = "erased"},
    {.name = NULL},
};
