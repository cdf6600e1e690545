/* cmd_broadcasts.c -- taawunctl broadcasts: create one for an audience,
 * preview it (recipients, segments, cost, what forces UCS-2), send,
 * schedule, follow and cancel it. */
#include "ctl/commands.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/print.h"

static void broadcast_audience_list(json_t *aud, const char *key, const struct cmdline *c,
                                    const char *flag, bool integers)
{
    json_t *list = NULL;
    for (size_t i = 0; i < c->nopts; i++) {
        if (strcmp(c->opts[i].name, flag) != 0)
            continue;
        if (!list)
            list = json_array();
        const char *v = c->opts[i].value;
        char *end;
        long long n = strtoll(v, &end, 10);
        json_array_append_new(list, integers && *v && !*end ? json_integer(n) : json_string(v));
    }
    if (list)
        json_object_set_new(aud, key, list);
}

static void broadcast_print(json_t *o)
{
    static const char *const keys[] = {"id",           "name",       "status",
                                       "topic",        "channel",    "recipients",
                                       "scheduled_at", "started_at", "cancelled_at"};
    print_fields(o, keys, 9);
    json_t *p = json_object_get(o, "progress");
    if (p) {
        static const char *const prog[] = {"held",      "queued", "sending",    "sent",
                                           "delivered", "failed", "suppressed", "expired",
                                           "cancelled", "total"};
        printf("progress            ");
        for (size_t i = 0; i < 10; i++)
            printf("%s%s=%lld", i ? " " : "", prog[i],
                   (long long)json_integer_value(json_object_get(p, prog[i])));
        putchar('\n');
    }
}

static void broadcast_print_preview(json_t *o)
{
    printf("recipients %lld, segments %lld, estimated cost %.2f %s (%.4f per segment on %s)\n",
           (long long)json_integer_value(json_object_get(o, "recipients")),
           (long long)json_integer_value(json_object_get(o, "segments")),
           json_number_value(json_object_get(o, "estimated_cost_mad")),
           json_string_value(json_object_get(o, "currency")),
           json_number_value(json_object_get(o, "price_per_segment_mad")),
           json_string_value(json_object_get(o, "channel")));
    json_t *w = json_object_get(o, "send_window");
    if (w && !json_is_true(json_object_get(w, "open"))) {
        char when[128];
        print_labelled_time(w, "opens_at", when, sizeof when);
        printf("outside the send window: messages are held until %s\n", when);
    }
    static const char *const cols[] = {"language", "recipients",     "encoding",
                                       "segments", "segments_total", "text"};
    print_table(json_object_get(o, "languages"), cols, 6);
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(o, "languages"), i, l)
    {
        json_t *chars = json_object_get(l, "ucs2_characters");
        if (json_array_size(chars) == 0 ||
            strcmp(json_string_value(json_object_get(l, "text_language")),
                   json_string_value(json_object_get(l, "language"))) != 0)
            continue;
        printf("%s: UCS-2 forced by", json_string_value(json_object_get(l, "language")));
        size_t k;
        json_t *ch;
        json_array_foreach(chars, k, ch)
        {
            if (k >= 12) {
                printf(" ...");
                break;
            }
            printf(" '%s'", json_string_value(ch));
        }
        putchar('\n');
    }
}

/* The body of POST /broadcasts from --name, --text-LANG, --topic (none:
 * null), --channel and the repeatable audience options (caller decrefs). */
static json_t *broadcast_create_body(const struct cmdline *c)
{
    json_t *texts = json_object(), *aud = json_object();
    static const char *const langs[] = {"ar", "fr", "en"};
    for (size_t i = 0; i < 3; i++) {
        char flag[16];
        snprintf(flag, sizeof flag, "text-%s", langs[i]);
        if (cmdline_opt(c, flag))
            json_object_set_new(texts, langs[i], json_string(cmdline_opt(c, flag)));
    }
    broadcast_audience_list(aud, "provinces", c, "province", false);
    broadcast_audience_list(aud, "sectors", c, "sector", false);
    broadcast_audience_list(aud, "cooperatives", c, "cooperative", false);
    broadcast_audience_list(aud, "genders", c, "gender", false);
    broadcast_audience_list(aud, "age_bands", c, "age-band", false);
    broadcast_audience_list(aud, "events", c, "event", true);
    broadcast_audience_list(aud, "phones", c, "phone", false);
    json_t *body = json_pack("{s:s?,s:o,s:o}", "name", cmdline_opt(c, "name"), "texts", texts,
                             "audience", aud);
    if (cmdline_opt(c, "topic"))
        json_object_set_new(body, "topic",
                            strcmp(cmdline_opt(c, "topic"), "none") == 0
                                ? json_null()
                                : json_string(cmdline_opt(c, "topic")));
    if (cmdline_opt(c, "channel"))
        json_object_set_new(body, "channel", json_string(cmdline_opt(c, "channel")));
    return body;
}

/* Show the answer o of subcommand sub to a person. */
static void broadcast_print_answer(const char *sub, json_t *o)
{
    if (strcmp(sub, "preview") == 0) {
        broadcast_print_preview(o);
    } else {
        broadcast_print(o);
        if (json_object_get(o, "messages_written"))
            printf("messages written     %lld%s\n",
                   (long long)json_integer_value(json_object_get(o, "messages_written")),
                   json_is_integer(json_object_get(o, "held_until_window"))
                       ? " (held until the send window opens)"
                       : "");
        if (json_object_get(o, "messages_cancelled"))
            printf("messages cancelled   %lld\n",
                   (long long)json_integer_value(json_object_get(o, "messages_cancelled")));
    }
}

int cmd_broadcasts(const struct api *a, const struct cmdline *c)
{
    const char *sub = c->nargs > 1 ? c->args[1] : "list";
    json_t *o = NULL;
    int rc;
    char path[128];
    if (strcmp(sub, "list") == 0) {
        static const char *const cols[] = {"id",         "name",         "status",
                                           "recipients", "scheduled_at", "started_at"};
        char q[CTL_URL_MAX] = "/broadcasts";
        api_query_add(q, sizeof q, "status", cmdline_opt(c, "status"));
        api_query_add(q, sizeof q, "limit", cmdline_opt(c, "limit"));
        return api_list(a, q, cols, 6);
    }
    if (strcmp(sub, "create") == 0 && c->nargs == 2) {
        json_t *body = broadcast_create_body(c);
        rc = api_call(a, "POST", "/broadcasts", body, &o);
        json_decref(body);
    } else if (c->nargs == 3 && (strcmp(sub, "preview") == 0 || strcmp(sub, "send") == 0 ||
                                 strcmp(sub, "cancel") == 0 || strcmp(sub, "status") == 0)) {
        if (strcmp(sub, "status") == 0)
            snprintf(path, sizeof path, "/broadcasts/%s", c->args[2]);
        else
            snprintf(path, sizeof path, "/broadcasts/%s/%s", c->args[2], sub);
        rc = api_call(a, strcmp(sub, "status") == 0 ? "GET" : "POST", path, NULL, &o);
    } else if (strcmp(sub, "schedule") == 0 && c->nargs == 4) {
        snprintf(path, sizeof path, "/broadcasts/%s/schedule", c->args[2]);
        char *end;
        long long at = strtoll(c->args[3], &end, 10);
        json_t *body =
            *end ? json_pack("{s:s}", "at", c->args[3]) : json_pack("{s:I}", "at", (json_int_t)at);
        rc = api_call(a, "POST", path, body, &o);
        json_decref(body);
    } else {
        return cmdline_usage("broadcasts list|create|preview|send|schedule|status|cancel ...");
    }
    if (rc)
        return rc;
    if (a->json)
        print_json(o);
    else
        broadcast_print_answer(sub, o);
    json_decref(o);
    return 0;
}
