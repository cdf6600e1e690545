/* ussd_flow_events.c -- upcoming events (ussd_data.events, the member's
 * province first; strangers see them too), one event's details
 * (ussd_data.event_find), a seat booked (RSVP, members only) or the details
 * sent by SMS, and the screens that follow. Declarations only (see
 * core/ussd_screens.h). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/ussd_screens.h"

/* The items with titles shortened to width[i], told apart (core/screen). */
static void event_labels(const struct ussd_state *s, const struct ussd_ctx *c, struct ussd_list *l,
                         enum text_encoding enc, const size_t *width)
{
    const char *titles[USSD_LIST_MAX];
    char shortened[USSD_LIST_MAX][SCREEN_LABEL_BYTES];
    for (size_t i = 0; i < l->nevents; i++)
        titles[i] = l->events[i].title;
    if (screen_shorten_distinct(titles, l->nevents, enc, width, shortened) < 0)
        for (size_t i = 0; i < l->nevents; i++)
            shortened[i][0] = '\0';
    l->count = l->noptions;
    for (size_t i = 0; i < l->nevents; i++) {
        const struct ussd_event *e = &l->events[i];
        char when[48], date[8];
        ussd_screens_when(s, c->env, e, when, sizeof when);
        snprintf(date, sizeof date, "%02d/%02d", e->day % 100, e->month % 100);
        struct text_var vars[] = {{"title", shortened[i]}, {"when", when}, {"date", date}};
        ussd_screens_add_format(l, ussd_screens_text(s, c->env, "event_item"), vars, 3);
    }
}

static const size_t widths[] = {60, 40, 32, 26, 22, 18, 15, 12};
#define WIDTHS (sizeof widths / sizeof widths[0])

/* Pages the events take with titles of width[i]; *fewest as
 * ussd_screens_pages says. */
static size_t pages_at(const struct ussd_state *s, const struct ussd_ctx *c, struct ussd_list *l,
                       enum text_encoding enc, const size_t *width, size_t *fewest)
{
    event_labels(s, c, l, enc, width);
    return ussd_screens_pages(s, c, "events_title", "nav_back_home", l, fewest);
}

/* Titles as long as the fewest pages allow, never under a readable width,
 * at least three events a page where that holds them (issue 15, finding
 * 4); then each title grows while the pages stay as they are. Shortened,
 * titles keep the words that tell them apart. */
static void event_items(const struct ussd_state *s, const struct ussd_ctx *c, struct ussd_list *l)
{
    const struct ussd_data *data = c->env->data;
    int n = data && data->events ? data->events(data->ctx, l->events, USSD_LIST_MAX) : 0;
    if (n < 0) {
        l->failed = true;
        n = 0;
    }
    l->nevents = (size_t)n;
    enum text_encoding enc = ussd_layout_encoding(ussd_screens_text(s, c->env, "events_title"));
    for (size_t i = 0; i < l->nevents && enc == TEXT_GSM7; i++)
        enc = ussd_layout_encoding(l->events[i].title);
    size_t readable = enc == TEXT_GSM7 ? 18 : 12; /* narrowest title worth reading */
    size_t width[USSD_LIST_MAX], best = 0, best_pages = SIZE_MAX, best_fewest = 0, fewest;
    for (size_t w = 0; w < WIDTHS && widths[w] >= readable; w++) {
        for (size_t i = 0; i < l->nevents; i++)
            width[i] = widths[w];
        size_t pages = pages_at(s, c, l, enc, width, &fewest);
        if (pages < best_pages) {
            best = w;
            best_pages = pages;
            best_fewest = fewest;
        }
    }
    for (size_t i = 0; i < l->nevents; i++)
        width[i] = widths[best];
    for (size_t i = 0; i < l->nevents; i++) {
        for (size_t w = 0; w < best; w++) {
            width[i] = widths[w];
            if (pages_at(s, c, l, enc, width, &fewest) == best_pages &&
                fewest >= (best_fewest < 3 ? best_fewest : 3))
                break;
            width[i] = widths[best];
        }
    }
    event_labels(s, c, l, enc, width);
}

static int events_fields(const struct ussd_state *s, const struct ussd_ctx *c,
                         const struct ussd_list *l, struct ussd_fields *f)
{
    f->tmpl = ussd_screens_text(s, c->env, l->nevents ? "events_title" : "events_none");
    return 0;
}

/* Strangers may look, not book: "0" goes back to their welcome. */
static enum ussd_screen events_back(const struct ussd_state *s, const struct ussd_ctx *c)
{
    (void)s;
    return c->m->registered ? USSD_SCR_HOME : USSD_SCR_WELCOME;
}

static enum ussd_effect keep_event(struct ussd_state *s, const struct ussd_ctx *c,
                                   const struct ussd_list *l, size_t k, enum ussd_effect e)
{
    (void)c;
    s->event_id = l->events[k].id;
    return e;
}

/* A seat needs a member: a stranger is sent to register first. */
static enum ussd_effect members_only(struct ussd_state *s, const struct ussd_ctx *c,
                                     const struct ussd_list *l, size_t k, enum ussd_effect e)
{
    (void)l, (void)k;
    if (c->m->registered)
        return e;
    ussd_screens_go(s, USSD_SCR_NAME);
    s->error_key = "err_register_first";
    return USSD_EFFECT_NONE;
}

static void seats_text(const struct ussd_state *s, const struct ussd_env *env,
                       struct ussd_fields *f)
{
    const struct ussd_event *e = &f->event;
    if (e->mine) {
        snprintf(f->seats, sizeof f->seats, "%s", ussd_screens_text(s, env, "seat_yours"));
    } else if (e->capacity < 0) {
        snprintf(f->seats, sizeof f->seats, "%s", ussd_screens_text(s, env, "seats_unlimited"));
    } else if (e->taken >= e->capacity) {
        snprintf(f->seats, sizeof f->seats, "%s", ussd_screens_text(s, env, "seats_full"));
    } else {
        snprintf(f->num[0], sizeof f->num[0], "%d", e->capacity - e->taken);
        struct text_var sv[] = {{"n", f->num[0]}};
        if (text_format(ussd_screens_text(s, env, "seats_left"), sv, 1, f->seats, sizeof f->seats) <
            0)
            snprintf(f->seats, sizeof f->seats, "%s", f->num[0]);
    }
}

#define EVENT_TEXTS "event_when", "seats_left", "seats_unlimited", "seats_full", "seat_yours"

/* The event of s->event_id: on its details and after an RSVP. */
static int event_fields(const struct ussd_state *s, const struct ussd_ctx *c,
                        const struct ussd_list *l, struct ussd_fields *f)
{
    (void)l;
    const struct ussd_data *data = c->env->data;
    int found = data && data->event_find ? data->event_find(data->ctx, s->event_id, &f->event) : 0;
    if (found != 1)
        return -1;
    ussd_screens_when(s, c->env, &f->event, f->when, sizeof f->when);
    seats_text(s, c->env, f);
    ussd_screens_field(f, "title", f->event.title, true);
    ussd_screens_field(f, "when", f->when, false);
    ussd_screens_field(f, "place", f->event.place, false);
    ussd_screens_field(f, "seats", f->seats, false);
    ussd_screens_field(f, "code", f->event.code, false);
    return 0;
}

const struct ussd_screen_def ussd_flow_events_screens[] = {
    {.id = USSD_SCR_EVENTS,
     .name = "events",
     .key = "events_title",
     .nav = USSD_NAV_BACK_HOME,
     .back_to = events_back,
     .errors = {"err_choice"},
     .texts = {"events_none", "event_item", "event_when"},
     .items = event_items,
     .item = {.next = USSD_TO(USSD_SCR_EVENT_DETAIL), .then = keep_event},
     .fields = events_fields},
    /* Details need their room: "0" back only ("00" works all the same).
     * Date, time and place are never cut: the title gives way, else the
     * details span two screens ("98"). "Book" stays: the caller's booking
     * moves the state. */
    {.id = USSD_SCR_EVENT_DETAIL,
     .name = "event",
     .key = "event_detail",
     .detail = true,
     .back = USSD_TO(USSD_SCR_EVENTS),
     .errors = {"err_choice"},
     .texts = {EVENT_TEXTS},
     .options = {{"event_rsvp", .effect = USSD_EFFECT_RSVP, .then = members_only},
                 {"event_sms", .next = USSD_TO(USSD_SCR_END_EVENT_SMS),
                  .effect = USSD_EFFECT_EVENT_SMS}},
     .fields = event_fields},
    {.id = USSD_SCR_EVENT_FULL,
     .name = "event_full",
     .key = "event_full",
     .nav = USSD_NAV_BACK_HOME,
     .back = USSD_TO(USSD_SCR_EVENTS),
     .errors = {"err_choice"}},
    {.id = USSD_SCR_END_RSVP_DONE,
     .name = "rsvp_done",
     .key = "rsvp_done",
     .key_no_sms = "rsvp_done_no_sms",
     .texts = {EVENT_TEXTS},
     .fields = event_fields},
    {.id = USSD_SCR_END_RSVP_ALREADY,
     .name = "rsvp_already",
     .key = "rsvp_already",
     .texts = {EVENT_TEXTS},
     .fields = event_fields},
    {.id = USSD_SCR_END_EVENT_SMS,
     .name = "event_sms_sent",
     .key = "event_sms_sent",
     .key_no_sms = "event_sms_not_sent"},
    {.name = NULL},
};
