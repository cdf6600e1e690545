/* ussd_flow_ideas.c -- a member's project idea: sector, title, text, then
 * submit or cancel. Declarations only (see core/ussd_screens.h). */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "core/ussd_screens.h"

static enum ussd_effect keep_sector(struct ussd_state *s, const struct ussd_ctx *c,
                                    const struct ussd_list *l, size_t k, enum ussd_effect e)
{
    (void)l;
    assert(k < c->env->nsectors);
    snprintf(s->idea.sector, sizeof s->idea.sector, "%s", c->env->sectors[k]);
    return e;
}

/* Text of min..max characters, kept in dst. */
static enum ussd_verdict take_text(const char *in, size_t min_chars, size_t max_chars, char *dst,
                                   size_t dstsz)
{
    char clean[USSD_IDEA_TEXT_MAX];
    if (!ussd_screens_clean_text(in, min_chars, max_chars, clean, sizeof clean) ||
        strlen(clean) >= dstsz)
        return USSD_REFUSED;
    memcpy(dst, clean, strlen(clean) + 1);
    return USSD_TAKEN;
}

static enum ussd_verdict take_title(struct ussd_state *s, const struct ussd_ctx *c, const char *in)
{
    (void)c;
    return take_text(in, USSD_IDEA_TITLE_CHARS_MIN, USSD_IDEA_TITLE_CHARS_MAX, s->idea.title,
                     sizeof s->idea.title);
}

static enum ussd_verdict take_description(struct ussd_state *s, const struct ussd_ctx *c,
                                          const char *in)
{
    (void)c;
    return take_text(in, USSD_IDEA_TEXT_CHARS_MIN, USSD_IDEA_TEXT_CHARS_MAX, s->idea.text,
                     sizeof s->idea.text);
}

static int confirm_fields(const struct ussd_state *s, const struct ussd_ctx *c,
                          const struct ussd_list *l, struct ussd_fields *f)
{
    (void)l;
    ussd_screens_field(f, "title", s->idea.title, true);
    ussd_screens_field(
        f, "sector",
        ussd_screens_coded_name(s, c->env, "sectors", s->idea.sector, f->key[0], sizeof f->key[0]),
        false);
    return 0;
}

static enum ussd_effect forget_idea(struct ussd_state *s, const struct ussd_ctx *c,
                                    const struct ussd_list *l, size_t k, enum ussd_effect e)
{
    (void)c, (void)l, (void)k;
    memset(&s->idea, 0, sizeof s->idea);
    return e;
}

static int done_fields(const struct ussd_state *s, const struct ussd_ctx *c,
                       const struct ussd_list *l, struct ussd_fields *f)
{
    (void)c, (void)l;
    /* The reference the caller set: the idea's. */
    ussd_screens_field(f, "member_no", s->result_ref, false);
    ussd_screens_field(f, "reference", s->result_ref, false);
    return 0;
}

const struct ussd_screen_def ussd_flow_ideas_screens[] = {
    {.id = USSD_SCR_IDEA_SECTOR,
     .name = "idea_sector",
     .key = "idea_ask_sector",
     .flow = USSD_FLOW_IDEA,
     .nav = USSD_NAV_BACK_HOME,
     .back = USSD_TO(USSD_SCR_HOME),
     .errors = {"err_choice"},
     .items = ussd_screens_sectors,
     .item = {.next = USSD_TO(USSD_SCR_IDEA_TITLE), .then = keep_sector}},
    {.id = USSD_SCR_IDEA_TITLE,
     .name = "idea_title",
     .key = "idea_ask_title",
     .flow = USSD_FLOW_IDEA,
     .nav = USSD_NAV_BACK_HOME,
     .back = USSD_TO(USSD_SCR_IDEA_SECTOR),
     .errors = {"err_title"},
     .input = {take_title, USSD_TO(USSD_SCR_IDEA_TEXT)}},
    {.id = USSD_SCR_IDEA_TEXT,
     .name = "idea_text",
     .key = "idea_ask_text",
     .flow = USSD_FLOW_IDEA,
     .nav = USSD_NAV_BACK_HOME,
     .back = USSD_TO(USSD_SCR_IDEA_TITLE),
     .errors = {"err_text"},
     .input = {take_description, USSD_TO(USSD_SCR_IDEA_CONFIRM)}},
    {.id = USSD_SCR_IDEA_CONFIRM,
     .name = "idea_confirm",
     .key = "idea_confirm",
     .flow = USSD_FLOW_IDEA,
     .nav = USSD_NAV_BACK_HOME,
     .back = USSD_TO(USSD_SCR_IDEA_TEXT),
     .errors = {"err_choice"},
     .options = {{"idea_submit", .next = USSD_TO(USSD_SCR_END_IDEA_DONE),
                  .effect = USSD_EFFECT_SUBMIT_IDEA},
                 {"idea_cancel", .next = USSD_TO(USSD_SCR_END_IDEA_CANCELLED),
                  .effect = USSD_EFFECT_DISCARD_DRAFT, .then = forget_idea}},
     .fields = confirm_fields},
    {.id = USSD_SCR_END_IDEA_DONE,
     .name = "idea_done",
     .key = "idea_done",
     .key_no_sms = "idea_done_no_sms",
     .fields = done_fields},
    {.id = USSD_SCR_END_IDEA_CANCELLED, .name = "idea_cancelled", .key = "idea_cancelled"},
    {.name = NULL},
};
