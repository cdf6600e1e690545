/* cmd_templates.c -- taawunctl templates and recurrences: saved message
 * templates (texts per language with {name}, {member_no}, {event}, {date};
 * list, show, create, edit, archive, restore, and each text measured as it
 * would travel with the longest real value of its placeholders), and
 * recurring broadcasts (weekly, monthly, the day before each event: the
 * next occurrences previewed before saving, created on a draft, listed,
 * shown with their history, changed, paused, resumed, deleted). */
#include "ctl/commands.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctl/print.h"

static const char *const text_langs[] = {"ar", "fr", "en"};

/* v as a JSON integer when it is one, else the string (the API then names
 * the field). */
static json_t *int_or_string(const char *v)
{
    char *end;
    long long n = strtoll(v, &end, 10);
    return *v && !*end ? json_integer(n) : json_string(v);
}

/* ---------------------------------------------------------------- templates */

/* For the list: the languages and placeholders of item as words. */
static void template_list_item(json_t *item)
{
    char langs[64] = "", used[96] = "";
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(item, "texts"), k, v)
    {
        size_t n = strlen(langs);
        snprintf(langs + n, sizeof langs - n, "%s%s", n ? "," : "", k);
    }
    size_t i;
    json_array_foreach(json_object_get(item, "placeholders"), i, v)
    {
        size_t n = strlen(used);
        snprintf(used + n, sizeof used - n, "%s{%s}", n ? " " : "", json_string_value(v));
    }
    json_object_set_new(item, "languages", json_string(langs));
    json_object_set_new(item, "placeholders", json_string(used[0] ? used : "-"));
}

/* A template: its fields, then one line per language. */
static void template_print(json_t *o, const void *unused)
{
    template_list_item(o);
    static const char *const keys[] = {"id",         "name",       "archived",   "placeholders",
                                       "created_by", "created_at", "updated_at", "archived_at"};
    print_fields(o, keys, json_is_true(json_object_get(o, "archived")) ? 8 : 7);
    json_t *texts = json_object_get(o, "texts");
    for (size_t i = 0; i < 3; i++) {
        const char *t = json_string_value(json_object_get(texts, text_langs[i]));
        if (t)
            printf("text_%-15s %s\n", text_langs[i], t);
    }
    if (json_object_get(o, "normalised")) {
        char cell[1024];
        print_cell("normalised", json_object_get(o, "normalised"), cell, sizeof cell);
        printf("%-20s %s\n", "normalised", cell);
    }
}

/* The --text-LANG given laid over texts: an empty one drops the language. */
static void texts_from_options(const struct cmdline *c, json_t *texts)
{
    for (size_t i = 0; i < 3; i++) {
        char flag[16];
        snprintf(flag, sizeof flag, "text-%s", text_langs[i]);
        const char *t = cmdline_opt(c, flag);
        if (t && *t)
            json_object_set_new(texts, text_langs[i], json_string(t));
        else if (t)
            json_object_del(texts, text_langs[i]);
    }
}

/* templates edit ID [--name N] [--text-LANG T]: the texts not given stay
 * as stored (the API replaces the whole set, so it is read first). */
static int template_edit(const struct api *a, const struct cmdline *c, const char *path)
{
    json_t *was = NULL;
    int rc = api_call(a, "GET", path, NULL, &was);
    if (rc)
        return rc;
    json_t *texts = json_deep_copy(json_object_get(was, "texts"));
    json_decref(was);
    texts_from_options(c, texts);
    json_t *body = json_pack("{s:o}", "texts", texts);
    if (cmdline_opt(c, "name"))
        json_object_set_new(body, "name", json_string(cmdline_opt(c, "name")));
    return api_call_print(a, "PATCH", path, body, template_print, NULL);
}

/* A template measured: the plan, and what each placeholder was measured
 * with. */
static void measure_print(json_t *o, const void *unused)
{
    ctl_broadcast_print_plan(o);
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(o, "languages"), i, l)
    {
        const char *p;
        json_t *v;
        json_object_foreach(json_object_get(l, "placeholders"), p, v)
        {
            printf("%s: {%s} measured as \"%s\" (%s)\n",
                   json_string_value(json_object_get(l, "language")), p,
                   json_string_value(json_object_get(v, "value")),
                   json_string_value(json_object_get(v, "source")));
        }
    }
    if (json_is_true(json_object_get(o, "event_missing")))
        printf("{event} and {date} need an event: --about-event ID\n");
}

/* templates measure ID [audience options] [--about-event E]: the template's
 * texts as they would travel to that audience (all members when none). */
static int template_measure(const struct api *a, const struct cmdline *c)
{
    json_t *o = NULL;
    int rc = ctl_broadcast_post(a, c, "/broadcasts/preview", c->args[2], &o);
    return rc ? rc : api_print_with(a, o, measure_print, NULL);
}

static void template_archived(json_t *o, const void *id)
{
    printf("template %s archived (taawunctl templates restore %s brings it back)\n",
           (const char *)id, (const char *)id);
}

int cmd_templates(const struct api *a, const struct cmdline *c)
{
    const char *sub = c->nargs > 1 ? c->args[1] : "list";
    if (strcmp(sub, "list") == 0 && c->nargs <= 2) {
        static const char *const cols[] = {"id",           "name",       "languages",
                                           "placeholders", "updated_at", "archived_at"};
        char q[CTL_URL_MAX] = "/templates";
        api_query_add(q, sizeof q, "archived", cmdline_opt(c, "archived") ? "1" : NULL);
        api_query_add(q, sizeof q, "limit", cmdline_opt(c, "limit"));
        api_query_add(q, sizeof q, "offset", cmdline_opt(c, "offset"));
        return api_list_with(a, q, cols, 6, template_list_item);
    }
    char path[96];
    if (c->nargs == 3)
        snprintf(path, sizeof path, "/templates/%s", c->args[2]);
    if (strcmp(sub, "show") == 0 && c->nargs == 3)
        return api_call_print(a, "GET", path, NULL, template_print, NULL);
    if (strcmp(sub, "create") == 0 && c->nargs == 2) {
        json_t *texts = json_object();
        texts_from_options(c, texts);
        json_t *body = json_pack("{s:s?,s:o}", "name", cmdline_opt(c, "name"), "texts", texts);
        return api_call_print(a, "POST", "/templates", body, template_print, NULL);
    }
    if (strcmp(sub, "edit") == 0 && c->nargs == 3)
        return template_edit(a, c, path);
    if (strcmp(sub, "restore") == 0 && c->nargs == 3)
        return api_call_print(a, "PATCH", path, json_pack("{s:b}", "archived", 0), template_print,
                              NULL);
    if (strcmp(sub, "measure") == 0 && c->nargs == 3)
        return template_measure(a, c);
    if (strcmp(sub, "archive") == 0 && c->nargs == 3)
        return api_call_print(a, "DELETE", path, NULL, template_archived, c->args[2]);
    return cmdline_usage("templates list [--archived] | show ID | create --name N --text-ar T "
                         "[--text-fr T] [--text-en T]\n"
                         "          | edit ID [--name N] [--text-LANG T] | archive ID | "
                         "restore ID | measure ID [audience]");
}

/* -------------------------------------------------------------- recurrences */

/* A weekday: 1..7 (ISO, 1 Monday), or its name's first three letters in
 * English or French. NULL: not one. */
static json_t *weekday_json(const char *v)
{
    static const char *const names[][2] = {{"mon", "lun"}, {"tue", "mar"}, {"wed", "mer"},
                                           {"thu", "jeu"}, {"fri", "ven"}, {"sat", "sam"},
                                           {"sun", "dim"}};
    for (size_t i = 0; i < 7; i++)
        if (strlen(v) >= 3 &&
            (strncasecmp(v, names[i][0], 3) == 0 || strncasecmp(v, names[i][1], 3) == 0))
            return json_integer((json_int_t)i + 1);
    return int_or_string(v);
}

/* The rule's fields given on the command line, into body. */
static void rule_from_options(const struct cmdline *c, json_t *body)
{
    const char *v;
    if ((v = cmdline_opt(c, "repeat")))
        json_object_set_new(body, "repeat",
                            json_string(strcmp(v, "event-eve") == 0 || strcmp(v, "day-before") == 0
                                            ? "event_eve"
                                            : v));
    if ((v = cmdline_opt(c, "weekday")))
        json_object_set_new(body, "weekday", weekday_json(v));
    static const char *const ints[] = {"day", "count", "next"};
    for (size_t i = 0; i < 3; i++)
        if ((v = cmdline_opt(c, ints[i])))
            json_object_set_new(body, ints[i], int_or_string(v));
    static const char *const texts[] = {"time", "starts", "ends", "audience"};
    for (size_t i = 0; i < 4; i++)
        if ((v = cmdline_opt(c, texts[i])))
            json_object_set_new(body, texts[i], json_string(v));
    json_t *provinces = NULL;
    for (size_t i = 0; i < c->nopts; i++) {
        if (strcmp(c->opts[i].name, "event-province") != 0)
            continue;
        if (!provinces)
            provinces = json_array();
        json_array_append_new(provinces, json_string(c->opts[i].value));
    }
    if (provinces)
        json_object_set_new(body, "events", json_pack("{s:o}", "provinces", provinces));
}

/* For a table: an occurrence's event as "CODE title". */
static void occurrence_item(json_t *item)
{
    json_t *e = json_object_get(item, "event");
    if (!json_is_object(e))
        return;
    char text[256];
    snprintf(text, sizeof text, "%s %s", json_string_value(json_object_get(e, "code")),
             json_string_value(json_object_get(e, "title_fr")));
    json_object_set_new(item, "event", json_string(text));
}

/* The next occurrences in items as a table (programme time). */
static void occurrences_print(json_t *items, const char *title)
{
    static const char *const cols[] = {"at", "held_until_at", "clamped", "event"};
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item)
    {
        occurrence_item(item);
    }
    if (title)
        printf("\n%s:\n", title);
    if (json_array_size(items) == 0)
        printf("(no occurrence to come)\n");
    else
        print_table(items, cols, 4);
}

/* For the list and one rule: the rule in words ("weekly on Monday at
 * 10:00"). */
static void rule_item(json_t *item)
{
    char text[128];
    const char *repeat = json_string_value(json_object_get(item, "repeat"));
    const char *time = json_string_value(json_object_get(item, "time"));
    static const char *const days[] = {"?",        "Monday", "Tuesday",  "Wednesday",
                                       "Thursday", "Friday", "Saturday", "Sunday"};
    json_int_t wd = json_integer_value(json_object_get(item, "weekday"));
    if (repeat && strcmp(repeat, "weekly") == 0)
        snprintf(text, sizeof text, "weekly on %s at %s", days[wd >= 1 && wd <= 7 ? wd : 0], time);
    else if (repeat && strcmp(repeat, "monthly") == 0)
        snprintf(text, sizeof text, "monthly, day %lld at %s",
                 (long long)json_integer_value(json_object_get(item, "day")), time);
    else
        snprintf(text, sizeof text, "the day before each event at %s, to %s", time,
                 json_string_value(json_object_get(item, "audience")));
    json_object_set_new(item, "rule", json_string(text));
}

/* A rule: fields, occurrences to come, history. */
static void recurrence_print(json_t *o, const void *unused)
{
    rule_item(o);
    static const char *const keys[] = {"id",      "broadcast_id",  "name",          "rule",
                                       "status",  "events",        "starts_at",     "ends_at",
                                       "count",   "created_count", "skipped_count", "next_at",
                                       "last_at", "created_by",    "ended_reason"};
    print_fields(o, keys, json_is_string(json_object_get(o, "ended_reason")) ? 15 : 14);
    occurrences_print(json_object_get(o, "upcoming"), "next occurrences");
    static const char *const cols[] = {"due_at", "outcome", "event_id", "broadcast_id",
                                       "broadcast_status"};
    print_list(o, "occurrences", "history", cols, 5);
}

static void preview_print(json_t *o, const void *ctx)
{
    const struct cmdline *c = ctx;
    occurrences_print(json_object_get(o, "occurrences"), NULL);
    if (c->dry_run)
        printf("(dry run: nothing saved)\n");
}

/* recurrences preview [rule] [--next N], and create ... --dry-run. */
static int recurrence_preview(const struct api *a, const struct cmdline *c)
{
    json_t *body = json_object();
    rule_from_options(c, body);
    return api_call_print(a, "POST", "/recurrences/preview", body, preview_print, c);
}

static void recurrence_deleted(json_t *o, const void *id)
{
    printf("recurrence %s deleted; %lld occurrence(s) to come cancelled\n", (const char *)id,
           (long long)json_integer_value(json_object_get(o, "occurrences_cancelled")));
}

/* pause, resume, delete, edit ID: the method and body of the change. */
static int recurrence_change(const struct api *a, const struct cmdline *c, const char *sub)
{
    char path[96];
    snprintf(path, sizeof path, "/recurrences/%s", c->args[2]);
    if (strcmp(sub, "delete") == 0)
        return api_call_print(a, "DELETE", path, NULL, recurrence_deleted, c->args[2]);
    json_t *body = json_object();
    if (strcmp(sub, "edit") == 0)
        rule_from_options(c, body);
    else
        json_object_set_new(body, "status",
                            json_string(strcmp(sub, "pause") == 0 ? "paused" : "active"));
    return api_call_print(a, "PATCH", path, body, recurrence_print, NULL);
}

int cmd_recurrences(const struct api *a, const struct cmdline *c)
{
    const char *sub = c->nargs > 1 ? c->args[1] : "list";
    if (strcmp(sub, "list") == 0 && c->nargs <= 2) {
        static const char *const cols[] = {"id",     "broadcast_id", "name",         "rule",
                                           "status", "next_at",      "created_count"};
        char q[CTL_URL_MAX] = "/recurrences";
        api_query_add(q, sizeof q, "broadcast_id", cmdline_opt(c, "broadcast"));
        api_query_add(q, sizeof q, "limit", cmdline_opt(c, "limit"));
        api_query_add(q, sizeof q, "offset", cmdline_opt(c, "offset"));
        return api_list_with(a, q, cols, 7, rule_item);
    }
    if (strcmp(sub, "preview") == 0 && c->nargs == 2)
        return recurrence_preview(a, c);
    if (strcmp(sub, "create") == 0 && c->nargs == 3 && c->dry_run)
        return recurrence_preview(a, c);
    if (c->nargs == 3 && (strcmp(sub, "pause") == 0 || strcmp(sub, "resume") == 0 ||
                          strcmp(sub, "delete") == 0 || strcmp(sub, "edit") == 0))
        return recurrence_change(a, c, sub);
    char path[96];
    if (strcmp(sub, "show") == 0 && c->nargs == 3) {
        snprintf(path, sizeof path, "/recurrences/%s", c->args[2]);
        return api_call_print(a, "GET", path, NULL, recurrence_print, NULL);
    }
    if (strcmp(sub, "create") == 0 && c->nargs == 3) {
        snprintf(path, sizeof path, "/broadcasts/%s/recurrence", c->args[2]);
        json_t *body = json_object();
        rule_from_options(c, body);
        json_object_del(body, "next");
        return api_call_print(a, "POST", path, body, recurrence_print, NULL);
    }
    return cmdline_usage(
        "recurrences list [--broadcast ID] | show ID | pause ID | resume ID | delete ID\n"
        "  recurrences preview RULE [--next N] | create BROADCAST_ID RULE [--dry-run] | "
        "edit ID RULE\n"
        "  RULE: --repeat weekly|monthly|event-eve --time HH:MM [--weekday 1-7|mon..sun]\n"
        "        [--day 1-31] [--starts YYYY-MM-DD] [--ends YYYY-MM-DD] [--count N]\n"
        "        [--event-province P] [--audience attendees|broadcast]");
}
