/* cmd_templates.c -- taawunctl templates: saved message templates (texts
 * per language with {name}, {member_no}, {event}, {date}; list, show,
 * create, edit, archive, restore, and each text measured as it would
 * travel with the longest real value of its placeholders). */
#include "ctl/commands.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/print.h"

static const char *const text_langs[] = {"ar", "fr", "en"};

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

/* Print template o (taken): its fields, then one line per language. */
static int template_print(const struct api *a, json_t *o)
{
    if (a->json) {
        print_json(o);
        json_decref(o);
        return 0;
    }
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
    json_decref(o);
    return 0;
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
    json_t *was = NULL, *o = NULL;
    int rc = api_call(a, "GET", path, NULL, &was);
    if (rc)
        return rc;
    json_t *texts = json_deep_copy(json_object_get(was, "texts"));
    json_decref(was);
    texts_from_options(c, texts);
    json_t *body = json_pack("{s:o}", "texts", texts);
    if (cmdline_opt(c, "name"))
        json_object_set_new(body, "name", json_string(cmdline_opt(c, "name")));
    rc = api_call(a, "PATCH", path, body, &o);
    json_decref(body);
    return rc ? rc : template_print(a, o);
}

/* templates measure ID [audience options] [--about-event E]: the template's
 * texts as they would travel to that audience (all members when none). */
static int template_measure(const struct api *a, const struct cmdline *c)
{
    json_t *o = NULL;
    int rc = ctl_broadcast_post(a, c, "/broadcasts/preview", c->args[2], &o);
    if (rc)
        return rc;
    if (a->json) {
        print_json(o);
        json_decref(o);
        return 0;
    }
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
    json_decref(o);
    return 0;
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
    json_t *o = NULL, *body = NULL;
    int rc;
    if (c->nargs == 3)
        snprintf(path, sizeof path, "/templates/%s", c->args[2]);
    if (strcmp(sub, "show") == 0 && c->nargs == 3) {
        rc = api_call(a, "GET", path, NULL, &o);
    } else if (strcmp(sub, "create") == 0 && c->nargs == 2) {
        json_t *texts = json_object();
        texts_from_options(c, texts);
        body = json_pack("{s:s?,s:o}", "name", cmdline_opt(c, "name"), "texts", texts);
        rc = api_call(a, "POST", "/templates", body, &o);
    } else if (strcmp(sub, "edit") == 0 && c->nargs == 3) {
        return template_edit(a, c, path);
    } else if (strcmp(sub, "restore") == 0 && c->nargs == 3) {
        body = json_pack("{s:b}", "archived", 0);
        rc = api_call(a, "PATCH", path, body, &o);
    } else if (strcmp(sub, "measure") == 0 && c->nargs == 3) {
        return template_measure(a, c);
    } else if (strcmp(sub, "archive") == 0 && c->nargs == 3) {
        rc = api_call(a, "DELETE", path, NULL, &o);
        if (rc == 0 && !a->json)
            printf("template %s archived (taawunctl templates restore %s brings it back)\n",
                   c->args[2], c->args[2]);
        else if (rc == 0)
            print_json(o);
        json_decref(o);
        return rc;
    } else {
        return cmdline_usage("templates list [--archived] | show ID | create --name N --text-ar T "
                             "[--text-fr T] [--text-en T]\n"
                             "          | edit ID [--name N] [--text-LANG T] | archive ID | "
                             "restore ID | measure ID [audience]");
    }
    json_decref(body);
    return rc ? rc : template_print(a, o);
}
