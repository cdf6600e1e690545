/* ussd_flow_home.c -- a member's home menu (grants, events, ideas, alerts,
 * profile) and the "busy" screen any step ends on when data cannot be read
 * or written. Declarations only (see core/ussd_screens.h). */
#include <string.h>

#include "core/ussd_screens.h"

static int home_fields(const struct ussd_state *s, const struct ussd_ctx *c,
                       const struct ussd_list *l, struct ussd_fields *f)
{
    (void)s, (void)l;
    ussd_screens_field(f, "name", ussd_screens_name_for(f, c->m->name), true);
    return 0;
}

/* A member without applications is asked for a reference directly. */
static enum ussd_effect grants_or_reference(struct ussd_state *s, const struct ussd_ctx *c,
                                            const struct ussd_list *l, size_t k, enum ussd_effect e)
{
    (void)l, (void)k;
    const struct ussd_data *data = c->env->data;
    struct ussd_grant g[1];
    if (data && data->grants && data->grants(data->ctx, g, 1) == 0)
        ussd_screens_go(s, USSD_SCR_GRANT_REF);
    return e;
}

/* A new idea starts empty. */
static enum ussd_effect fresh_idea(struct ussd_state *s, const struct ussd_ctx *c,
                                   const struct ussd_list *l, size_t k, enum ussd_effect e)
{
    (void)c, (void)l, (void)k;
    memset(&s->idea, 0, sizeof s->idea);
    return e;
}

const struct ussd_screen_def ussd_flow_home_screens[] = {
    {.id = USSD_SCR_HOME,
     .name = "home",
     .key = "home_title",
     .errors = {"err_choice"},
     .options = {{"menu_grants", .next = USSD_TO(USSD_SCR_GRANTS), .then = grants_or_reference},
                 {"menu_events", .next = USSD_TO(USSD_SCR_EVENTS)},
                 {"menu_idea", .next = USSD_TO(USSD_SCR_IDEA_SECTOR), .then = fresh_idea},
                 {"menu_alerts", .next = USSD_TO(USSD_SCR_ALERTS)},
                 {"menu_profile", .next = USSD_TO(USSD_SCR_PROFILE)}},
     .items = ussd_flow_agent_home_items,
     .item = {.next = USSD_TO(USSD_SCR_AGENT_NAME), .then = ussd_flow_agent_begin},
     .fields = home_fields},
    {.id = USSD_SCR_END_BUSY, .name = "busy", .key = "busy"},
    {.name = NULL},
};
