/* ussd_flow_resume.c -- the offer to continue an unfinished registration or
 * idea (the caller found a draft): continue, or start again. Declarations
 * only (see core/ussd_screens.h). */
#include <string.h>

#include "core/ussd_screens.h"

static int resume_fields(const struct ussd_state *s, const struct ussd_ctx *c,
                         const struct ussd_list *l, struct ussd_fields *f)
{
    (void)l;
    f->tmpl = ussd_screens_text(
        s, c->env, s->resume_flow == USSD_FLOW_IDEA ? "resume_idea" : "resume_register");
    return 0;
}

/* Start again: forget what was gathered, go where the flow starts. */
static enum ussd_effect start_again(struct ussd_state *s, const struct ussd_ctx *c,
                                    const struct ussd_list *l, size_t k, enum ussd_effect e)
{
    (void)l, (void)k;
    enum ussd_flow flow = s->resume_flow;
    memset(&s->draft, 0, sizeof s->draft);
    memset(&s->idea, 0, sizeof s->idea);
    ussd_screens_go(s, flow == USSD_FLOW_IDEA ? USSD_SCR_IDEA_SECTOR
                       : c->m->registered     ? USSD_SCR_HOME
                                              : USSD_SCR_WELCOME);
    return e;
}

const struct ussd_screen_def ussd_flow_resume_screens[] = {
    /* "Continue" stays: the caller loads the draft, which moves the state. */
    {.id = USSD_SCR_RESUME,
     .name = "resume",
     .key = "resume_register",
     .errors = {"err_choice"},
     .texts = {"resume_idea"},
     .options = {{"resume_continue", .effect = USSD_EFFECT_RESUME_DRAFT},
                 {"resume_restart", .effect = USSD_EFFECT_DISCARD_DRAFT, .then = start_again}},
     .fields = resume_fields},
    {.name = NULL},
};
