/* cmd_broadcasts.c -- taawunctl broadcasts: create one for an audience
 * (texts typed or a saved template's, the event its {event} and {date}
 * name), preview it (recipients, segments, cost, what forces UCS-2), send,
 * schedule, follow and cancel it; edit or delete a draft; approve or
 * reject one awaiting a second staff member. Its delivery report and
 * messages file are in cmd_delivery.c. */
#include "ctl/commands.h"

#include <jansson.h>
#include <stdbool.h>
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

/* The approval of broadcast o in words, when it has one: who asked, for
 * which threshold, who approved or rejected and why. */
static void broadcast_print_approval(json_t *o)
{
    json_t *ap = json_object_get(o, "approval");
    const char *state = json_string_value(json_object_get(ap, "status"));
    char when[128];
    if (!state || strcmp(state, "none") == 0)
        return;
    if (strcmp(state, "awaiting") == 0) {
        print_labelled_time(ap, "requested_at", when, sizeof when);
        printf("approval             AWAITING a second staff member: %s asked to %s on %s\n",
               json_string_value(json_object_get(ap, "requested_by")),
               json_string_value(json_object_get(ap, "action")), when);
        size_t i;
        json_t *r;
        json_array_foreach(json_object_get(ap, "reasons"), i, r)
        {
            printf("                     over the %s threshold: %g planned, limit %g\n",
                   json_string_value(json_object_get(r, "threshold")),
                   json_number_value(json_object_get(r, "planned")),
                   json_number_value(json_object_get(r, "limit")));
        }
        printf("                     (taawunctl broadcasts approve %lld, or reject %lld --reason "
               "TEXT)\n",
               (long long)json_integer_value(json_object_get(o, "id")),
               (long long)json_integer_value(json_object_get(o, "id")));
    } else if (strcmp(state, "approved") == 0) {
        print_labelled_time(ap, "approved_at", when, sizeof when);
        printf("approval             approved by %s on %s\n",
               json_string_value(json_object_get(ap, "approved_by")), when);
    } else if (strcmp(state, "rejected") == 0) {
        print_labelled_time(ap, "rejected_at", when, sizeof when);
        printf("approval             rejected by %s on %s: %s\n",
               json_string_value(json_object_get(ap, "rejected_by")), when,
               json_string_value(json_object_get(ap, "rejection_reason")));
    }
}

static void broadcast_print(json_t *o)
{
    static const char *const keys[] = {"id",           "name",       "status",      "topic",
                                       "channel",      "event_id",   "recipients",  "created_by",
                                       "scheduled_at", "started_at", "cancelled_at"};
    print_fields(o, keys, 11);
    broadcast_print_approval(o);
    json_t *p = json_object_get(o, "progress");
    if (p) {
        static const char *const prog[] = {"held",      "queued", "sending",    "sent",
                                           "delivered", "failed", "suppressed", "expired",
                                           "cancelled", "total"};
        printf("%-20s ", "progress");
        for (size_t i = 0; i < 10; i++)
            printf("%s%s=%lld", i ? " " : "", prog[i],
                   (long long)json_integer_value(json_object_get(p, prog[i])));
        putchar('\n');
    }
}

void ctl_broadcast_print_plan(json_t *o)
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
    static const char *const cols[] = {"language", "recipients",     "encoding", "characters",
                                       "segments", "segments_total", "text"};
    print_table(json_object_get(o, "languages"), cols, 7);
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

/* The texts of template id (GET /templates/{id}) into texts, and its name
 * into *name (borrowed from *held, which the caller decrefs). */
static int template_texts(const struct api *a, const char *id, json_t *texts, json_t **held)
{
    char path[96];
    snprintf(path, sizeof path, "/templates/%s", id);
    int rc = api_call(a, "GET", path, NULL, held);
    if (rc == 0)
        json_object_update(texts, json_object_get(*held, "texts"));
    return rc;
}

/* True when the command line names any part of the audience. */
static bool broadcast_audience_given(const struct cmdline *c)
{
    static const char *const flags[] = {"province", "sector", "cooperative", "gender", "age-band",
                                        "language", "event",  "phone",       NULL};
    for (size_t i = 0; flags[i]; i++)
        if (cmdline_opt(c, flags[i]))
            return true;
    return false;
}

/* The texts and audience of the body: those of was (the stored draft an
 * edit starts from; NULL: a new one) with the template's texts, the
 * --text-LANG given ('' drops one from a draft) and each audience key
 * given laid over. */
static void broadcast_texts_audience(const struct cmdline *c, json_t *was, json_t *texts,
                                     json_t *aud)
{
    static const char *const langs[] = {"ar", "fr", "en"};
    for (size_t i = 0; i < 3; i++) {
        char flag[16];
        snprintf(flag, sizeof flag, "text-%s", langs[i]);
        const char *t = cmdline_opt(c, flag);
        if (t && !*t && was)
            json_object_del(texts, langs[i]);
        else if (t)
            json_object_set_new(texts, langs[i], json_string(t));
    }
    if (was)
        json_object_update(aud, json_object_get(was, "audience"));
    broadcast_audience_list(aud, "provinces", c, "province", false);
    broadcast_audience_list(aud, "sectors", c, "sector", false);
    broadcast_audience_list(aud, "cooperatives", c, "cooperative", false);
    broadcast_audience_list(aud, "genders", c, "gender", false);
    broadcast_audience_list(aud, "age_bands", c, "age-band", false);
    broadcast_audience_list(aud, "languages", c, "language", false);
    broadcast_audience_list(aud, "events", c, "event", true);
    broadcast_audience_list(aud, "phones", c, "phone", false);
}

/* The body of POST /broadcasts or /broadcasts/preview, or of PATCH
 * /broadcasts/{id} when was is the stored draft (then only the parts
 * given), from the command line into *out (the caller decrefs). */
static int broadcast_body(const struct api *a, const struct cmdline *c, const char *template_id,
                          json_t *was, json_t **out)
{
    json_t *texts = json_deep_copy(was ? json_object_get(was, "texts") : NULL), *tpl = NULL;
    json_t *aud = json_object();
    if (!texts)
        texts = json_object();
    int rc = template_id ? template_texts(a, template_id, texts, &tpl) : 0;
    if (rc) {
        json_decref(texts);
        json_decref(aud);
        return rc;
    }
    broadcast_texts_audience(c, was, texts, aud);
    const char *name = cmdline_opt(c, "name");
    if (!name)
        name = json_string_value(json_object_get(tpl, "name"));
    json_t *body = json_pack("{s:s?,s:o,s:o}", "name", name, "texts", texts, "audience", aud);
    json_decref(tpl);
    if (was && !name)
        json_object_del(body, "name");
    if (was && !template_id && !cmdline_opt(c, "text-ar") && !cmdline_opt(c, "text-fr") &&
        !cmdline_opt(c, "text-en"))
        json_object_del(body, "texts");
    if (was && !broadcast_audience_given(c))
        json_object_del(body, "audience");
    if (cmdline_opt(c, "topic"))
        json_object_set_new(body, "topic",
                            strcmp(cmdline_opt(c, "topic"), "none") == 0
                                ? json_null()
                                : json_string(cmdline_opt(c, "topic")));
    if (cmdline_opt(c, "channel"))
        json_object_set_new(body, "channel", json_string(cmdline_opt(c, "channel")));
    if (cmdline_opt(c, "about-event"))
        json_object_set_new(body, "event", json_string(cmdline_opt(c, "about-event")));
    *out = body;
    return 0;
}

/* method path with body (taken); --about-event is an event's code, or
 * else its id (codes are digits too, as for cooperatives): the code tried
 * first, quietly (a refused body writes nothing). */
static int broadcast_call(const struct api *a, const struct cmdline *c, const char *method,
                          const char *path, json_t *body, json_t **out)
{
    const char *ev = cmdline_opt(c, "about-event");
    char *end = NULL;
    long long id = ev ? strtoll(ev, &end, 10) : 0;
    int rc;
    if (ev && *ev && !*end) {
        struct api quiet = *a;
        quiet.quiet = true;
        rc = api_call(&quiet, method, path, body, out);
        memset(quiet.token, 0, sizeof quiet.token);
        if (rc != CTL_EXIT_API) {
            json_decref(body);
            return rc;
        }
        json_object_set_new(body, "event", json_integer(id));
    }
    rc = api_call(a, method, path, body, out);
    json_decref(body);
    return rc;
}

int ctl_broadcast_post(const struct api *a, const struct cmdline *c, const char *path,
                       const char *template_id, json_t **out)
{
    json_t *body = NULL;
    int rc = broadcast_body(a, c, template_id, NULL, &body);
    return rc ? rc : broadcast_call(a, c, "POST", path, body, out);
}

/* broadcasts edit ID [the options of create]: a draft's parts given
 * replaced (each audience key given, the texts given), the rest kept. */
static int broadcast_edit(const struct api *a, const struct cmdline *c, json_t **out)
{
    char path[96];
    snprintf(path, sizeof path, "/broadcasts/%s", c->args[2]);
    json_t *was = NULL, *body = NULL;
    int rc = api_call(a, "GET", path, NULL, &was);
    if (rc == 0)
        rc = broadcast_body(a, c, cmdline_opt(c, "template"), was, &body);
    json_decref(was);
    return rc ? rc : broadcast_call(a, c, "PATCH", path, body, out);
}

/* For the list: the approval object of item told in a few words. */
static void broadcast_list_item(json_t *item)
{
    json_t *ap = json_object_get(item, "approval");
    const char *state = json_string_value(json_object_get(ap, "status"));
    char text[256] = "-";
    if (state && strcmp(state, "awaiting") == 0)
        snprintf(text, sizeof text, "AWAITING (asked by %s)",
                 json_string_value(json_object_get(ap, "requested_by")));
    else if (state && strcmp(state, "approved") == 0)
        snprintf(text, sizeof text, "approved by %s",
                 json_string_value(json_object_get(ap, "approved_by")));
    else if (state && strcmp(state, "rejected") == 0)
        snprintf(text, sizeof text, "rejected by %s: %s",
                 json_string_value(json_object_get(ap, "rejected_by")),
                 json_string_value(json_object_get(ap, "rejection_reason")));
    json_object_set_new(item, "approval", json_string(text));
}

/* Show the answer o of subcommand sub (ctx) to a person. */
static void broadcast_print_answer(json_t *o, const void *ctx)
{
    const char *sub = ctx;
    if (strcmp(sub, "preview") == 0) {
        ctl_broadcast_print_plan(o);
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

static bool is_one_of(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return true;
    return false;
}

static void broadcast_deleted(json_t *o, const void *unused)
{
    printf("draft %lld deleted\n", (long long)json_integer_value(json_object_get(o, "id")));
}

/* report, export, delete ID: the subcommands that show no broadcast.
 * Returns -1 when sub is none of them. */
static int broadcast_other(const struct api *a, const struct cmdline *c, const char *sub)
{
    if (strcmp(sub, "report") == 0 && c->nargs == 3)
        return ctl_broadcast_report(a, c->args[2]);
    if (strcmp(sub, "export") == 0 && c->nargs == 3)
        return ctl_broadcast_export(a, c);
    if (strcmp(sub, "delete") == 0 && c->nargs == 3) {
        char path[96];
        snprintf(path, sizeof path, "/broadcasts/%s", c->args[2]);
        return api_call_print(a, "DELETE", path, NULL, broadcast_deleted, NULL);
    }
    return -1;
}

int cmd_broadcasts(const struct api *a, const struct cmdline *c)
{
    static const char *const by_id[] = {"preview", "send", "cancel", "status", "approve", NULL};
    const char *sub = c->nargs > 1 ? c->args[1] : "list";
    json_t *o = NULL, *body = NULL;
    int rc;
    char path[128];
    if (strcmp(sub, "list") == 0) {
        static const char *const cols[] = {"id",           "name",       "status",  "recipients",
                                           "scheduled_at", "started_at", "approval"};
        char q[CTL_URL_MAX] = "/broadcasts";
        api_query_add(q, sizeof q, "status", cmdline_opt(c, "status"));
        api_query_add(q, sizeof q, "limit", cmdline_opt(c, "limit"));
        return api_list_with(a, q, cols, 7, broadcast_list_item);
    }
    if ((rc = broadcast_other(a, c, sub)) >= 0)
        return rc;
    if ((strcmp(sub, "create") == 0 || strcmp(sub, "preview") == 0) && c->nargs == 2) {
        /* create, or preview a broadcast described on the command line
         * (nothing stored) */
        rc = ctl_broadcast_post(a, c, sub[0] == 'c' ? "/broadcasts" : "/broadcasts/preview",
                                cmdline_opt(c, "template"), &o);
    } else if (strcmp(sub, "edit") == 0 && c->nargs == 3) {
        rc = broadcast_edit(a, c, &o);
    } else if (c->nargs == 3 && is_one_of(sub, by_id)) {
        if (strcmp(sub, "status") == 0)
            snprintf(path, sizeof path, "/broadcasts/%s", c->args[2]);
        else
            snprintf(path, sizeof path, "/broadcasts/%s/%s", c->args[2], sub);
        rc = api_call(a, strcmp(sub, "status") == 0 ? "GET" : "POST", path, NULL, &o);
    } else if (strcmp(sub, "reject") == 0 && c->nargs == 3) {
        const char *reason = cmdline_opt(c, "reason");
        if (!reason || !*reason)
            return cmdline_usage("broadcasts reject ID --reason TEXT: say why (its author reads "
                                 "it)");
        snprintf(path, sizeof path, "/broadcasts/%s/reject", c->args[2]);
        body = json_pack("{s:s}", "reason", reason);
        rc = api_call(a, "POST", path, body, &o);
    } else if (strcmp(sub, "schedule") == 0 && c->nargs == 4) {
        snprintf(path, sizeof path, "/broadcasts/%s/schedule", c->args[2]);
        char *end;
        long long at = strtoll(c->args[3], &end, 10);
        body =
            *end ? json_pack("{s:s}", "at", c->args[3]) : json_pack("{s:I}", "at", (json_int_t)at);
        rc = api_call(a, "POST", path, body, &o);
    } else {
        return cmdline_usage("broadcasts list|create|preview|edit|delete|send|schedule|status|"
                             "cancel|approve|reject|report|export ...");
    }
    json_decref(body);
    return rc ? rc : api_print_with(a, o, broadcast_print_answer, sub);
}
