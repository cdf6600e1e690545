/* ussd_flow_alerts.c -- a member's alert topics (ussd_data.topics), each
 * switched on or off by its number. Declarations only (see
 * core/ussd_screens.h). */
#include "core/ussd_screens.h"

static void topic_items(const struct ussd_state *s, const struct ussd_ctx *c, struct ussd_list *l)
{
    const struct ussd_data *data = c->env->data;
    char key[96];
    if (data && data->topics && data->topics(data->ctx, l->topics) != 0)
        l->failed = true;
    for (size_t i = 0; i < TOPIC_COUNT; i++) {
        struct text_var vars[] = {
            {"topic",
             ussd_screens_coded_name(s, c->env, "topic_short", topic_codes[i], key, sizeof key)},
            {"state", ussd_screens_text(s, c->env, l->topics[i] ? "alert_on" : "alert_off")}};
        ussd_screens_add_format(l, ussd_screens_text(s, c->env, "alert_item"), vars, 2);
    }
}

/* The screen stays and shows the topic's new state once it is switched. */
static enum ussd_effect switch_topic(struct ussd_state *s, const struct ussd_ctx *c,
                                     const struct ussd_list *l, size_t k, enum ussd_effect e)
{
    (void)c;
    s->topic = (int)k;
    s->topic_on = !l->topics[k];
    s->error_key = NULL;
    return e;
}

const struct ussd_screen_def ussd_flow_alerts_screens[] = {
    {.id = USSD_SCR_ALERTS,
     .name = "alerts",
     .key = "alerts_title",
     .nav = USSD_NAV_BACK_HOME,
     .back = USSD_TO(USSD_SCR_HOME),
     .errors = {"err_choice"},
     .texts = {"alert_item", "alert_on", "alert_off", "topic_short.events", "topic_short.trainings",
               "topic_short.grants", "topic_short.ideathon", "topic_short.news"},
     .items = topic_items,
     .item = {.effect = USSD_EFFECT_SET_TOPIC, .then = switch_topic}},
    {.name = NULL},
};
