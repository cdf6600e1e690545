/* cmd_programme.c -- taawunctl events: list, create, change (the reminder
 * lead too) and cancel events, an event with its bookings, its attendee
 * list as a file, check-in on the day. */
#include "ctl/commands.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/print.h"

/* The reminder lead of event o in words: "2 h before: 2026-12-11 08:00
 * (Africa/Casablanca)", or the programme's default. */
static void event_print_reminder(json_t *o)
{
    json_t *lead = json_object_get(o, "reminder_before_s");
    if (!json_is_integer(lead)) {
        printf("%-20s the programme's default (programme.reminder_before_s)\n", "reminder");
        return;
    }
    json_int_t s = json_integer_value(lead);
    json_t *at = json_pack("{s:I}", "at", json_integer_value(json_object_get(o, "starts_at")) - s);
    char when[128];
    print_labelled_time(at, "at", when, sizeof when);
    json_decref(at);
    if (s % 3600 == 0)
        printf("%-20s %lld h before: %s\n", "reminder", (long long)(s / 3600), when);
    else
        printf("%-20s %lld min before: %s\n", "reminder", (long long)(s / 60), when);
}

static const char *const event_keys[] = {"id",       "code",      "kind",     "title_fr",
                                         "title_ar", "starts_at", "place",    "province",
                                         "capacity", "rsvps",     "attended", "status"};

/* An event and who booked (times in programme time). */
static void event_print(json_t *o, const void *unused)
{
    print_fields(o, event_keys, 12);
    event_print_reminder(o);
    printf("%-20s %s\n", "checkin_open",
           json_is_true(json_object_get(o, "checkin_open")) ? "yes" : "no");
    static const char *const cols[] = {"member_id",     "name",         "phone",
                                       "language",      "created_at",   "reminded_at",
                                       "checked_in_at", "checked_in_by"};
    print_list(o, "rsvp_list", "bookings", cols, 8);
}

/* events show ID */
static int event_show(const struct api *a, const char *id)
{
    char path[96];
    snprintf(path, sizeof path, "/events/%s", id);
    return api_call_print(a, "GET", path, NULL, event_print, NULL);
}

/* events attendees ID [-o FILE] [--sep ;] [--format xlsx]: the attendee
 * list as the spreadsheet the console downloads. */
static int event_attendees(const struct api *a, const struct cmdline *c)
{
    char path[96];
    snprintf(path, sizeof path, "/events/%s/attendees.csv", c->args[2]);
    return api_download(a, path, c);
}

/* A check-in's answer. */
static void checkin_print(json_t *o, const void *unused)
{
    printf("member %lld %s; %s; %lld came so far\n",
           (long long)json_integer_value(json_object_get(o, "member_id")),
           json_is_true(json_object_get(o, "present")) ? "checked in" : "not checked in",
           json_is_true(json_object_get(o, "changed")) ? "changed" : "no change",
           (long long)json_integer_value(json_object_get(o, "attended")));
}

/* events checkin ID MEMBER [--undo]: MEMBER is TA-NNNNNN, a phone number or
 * a member id; a walk-in is booked on the spot. */
static int event_checkin(const struct api *a, const struct cmdline *c)
{
    char path[96];
    snprintf(path, sizeof path, "/events/%s/attendance", c->args[2]);
    const char *who = c->args[3];
    bool id = strspn(who, "0123456789") == strlen(who) && who[0] != '0';
    json_t *body = json_pack("{s:b}", "present", !cmdline_opt(c, "undo"));
    json_object_set_new(body, id ? "member_id" : "member",
                        id ? json_integer(strtoll(who, NULL, 10)) : json_string(who));
    return api_call_print(a, "POST", path, body, checkin_print, NULL);
}

/* An event created, changed or cancelled (with the notices a
 * cancellation queued). */
static void event_changed(json_t *o, const void *unused)
{
    static const char *const keys[] = {"id",       "code",      "kind",          "title_fr",
                                       "title_ar", "starts_at", "place",         "province",
                                       "capacity", "status",    "notices_queued"};
    print_fields(o, keys, json_object_get(o, "notices_queued") ? 11 : 10);
    event_print_reminder(o);
}

/* The body of events create or edit: the --options given (NULL: a usage
 * error, printed). --reminder-hours is whole hours, or "default" (the
 * programme's); --capacity "none" lifts the limit. */
static json_t *event_body(const struct cmdline *c)
{
    json_t *body = json_object();
    static const char *const flags[] = {
        "code",     "kind",      "title-ar",       "title-fr",       "title-en",      "place",
        "province", "starts-at", "description-ar", "description-fr", "description-en"};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        const char *v = cmdline_opt(c, flags[i]);
        char key[32];
        snprintf(key, sizeof key, "%s", flags[i]);
        for (char *p = key; *p; p++)
            if (*p == '-')
                *p = '_';
        if (v)
            json_object_set_new(body, key, json_string(v));
    }
    const char *cap = cmdline_opt(c, "capacity"), *hours = cmdline_opt(c, "reminder-hours");
    char *end = NULL;
    if (cap)
        json_object_set_new(body, "capacity",
                            strcmp(cap, "none") == 0 ? json_null()
                                                     : json_integer(strtoll(cap, NULL, 10)));
    long long h = hours ? strtoll(hours, &end, 10) : 0;
    if (hours && strcmp(hours, "default") == 0) {
        json_object_set_new(body, "reminder_before_s", json_null());
    } else if (hours && (!*hours || *end || h < 1 || h > 720)) {
        json_decref(body);
        cmdline_usage("--reminder-hours takes whole hours, 1 to 720, or default");
        return NULL;
    } else if (hours) {
        json_object_set_new(body, "reminder_before_s", json_integer(h * 3600));
    }
    return body;
}

int cmd_events(const struct api *a, const struct cmdline *c)
{
    const char *sub = c->nargs > 1 ? c->args[1] : "list";
    if (strcmp(sub, "list") == 0) {
        static const char *const cols[] = {"id",        "code",  "kind",  "title_fr",
                                           "starts_at", "place", "rsvps", "status"};
        char q[CTL_URL_MAX] = "/events";
        api_query_add(q, sizeof q, "status", cmdline_opt(c, "status"));
        api_query_add(q, sizeof q, "limit", cmdline_opt(c, "limit"));
        return api_list(a, q, cols, 8);
    }
    if (strcmp(sub, "show") == 0 && c->nargs == 3)
        return event_show(a, c->args[2]);
    if (strcmp(sub, "attendees") == 0 && c->nargs == 3)
        return event_attendees(a, c);
    if (strcmp(sub, "checkin") == 0 && c->nargs == 4)
        return event_checkin(a, c);
    char path[96];
    if (c->nargs == 3)
        snprintf(path, sizeof path, "/events/%s%s", c->args[2],
                 strcmp(sub, "cancel") == 0 ? "/cancel" : "");
    if (strcmp(sub, "cancel") == 0 && c->nargs == 3)
        return api_call_print(a, "POST", path, NULL, event_changed, NULL);
    if ((strcmp(sub, "create") == 0 && c->nargs == 2) ||
        (strcmp(sub, "edit") == 0 && c->nargs == 3)) {
        json_t *body = event_body(c);
        if (!body)
            return CTL_EXIT_USAGE;
        return api_call_print(a, sub[0] == 'c' ? "POST" : "PATCH", sub[0] == 'c' ? "/events" : path,
                              body, event_changed, NULL);
    }
    return cmdline_usage("events list | show ID | attendees ID [-o FILE] | checkin ID MEMBER "
                         "[--undo] | create ... | edit ID [--reminder-hours H] ... | cancel ID");
}
