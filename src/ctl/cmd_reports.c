/* cmd_reports.c -- taawunctl messages, stats, dashboard and tokens: what
 * was sent and received, the programme's counts (the console dashboard's
 * too), and the API's bearer tokens. */
#include "ctl/commands.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/print.h"

int cmd_messages(const struct api *a, const struct cmdline *c)
{
    static const char *const cols[] = {"id",   "created_at", "direction", "phone",
                                       "kind", "status",     "segments",  "body"};
    char q[CTL_URL_MAX] = "/messages";
    static const char *const filters[][2] = {
        {"status", "status"},       {"phone", "phone"},      {"broadcast", "broadcast_id"},
        {"kind", "kind"},           {"member", "member_id"}, {"channel", "channel"},
        {"direction", "direction"}, {"limit", "limit"},      {"offset", "offset"}};
    for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++)
        api_query_add(q, sizeof q, filters[i][1], cmdline_opt(c, filters[i][0]));
    return api_list(a, q, cols, 8);
}

/* The statistics: a line of counts per figure, one per part of a figure
 * made of parts. */
static void stats_print(json_t *o, const void *unused)
{
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v)
    {
        if (json_is_object(v) && json_object_size(v) &&
            json_is_object(json_object_iter_value(json_object_iter(v)))) {
            const char *k2;
            json_t *v2;
            json_object_foreach(v, k2, v2)
            {
                char title[96];
                snprintf(title, sizeof title, "%s.%s", k, k2);
                print_counts(title, v2);
            }
        } else {
            print_counts(k, v);
        }
    }
}

int cmd_stats(const struct api *a, const struct cmdline *c)
{
    return api_call_print(a, "GET", "/stats", NULL, stats_print, NULL);
}

/* The console dashboard's own figures: the week's messages per channel
 * and status (from week_start, programme time), grants by status with
 * their amounts. */
static void dashboard_print(json_t *o, const void *unused)
{
    char when[128];
    print_labelled_time(o, "week_start", when, sizeof when);
    printf("week_start: %s\n", when);
    print_counts("messages_this_week", json_object_get(o, "messages_this_week"));
    print_counts("grants_by_status", json_object_get(o, "grants_by_status"));
}

int cmd_dashboard(const struct api *a, const struct cmdline *c)
{
    if (c->nargs != 1)
        return cmdline_usage("dashboard");
    return api_call_print(a, "GET", "/dashboard", NULL, dashboard_print, NULL);
}

/* The id of the token that which names: digits are an id (as `tokens list`
 * shows it), anything else the name of a live token (as `taawund token
 * revoke NAME` takes it on the server). Returns 0 with id, or an exit code. */
static int token_id(const struct api *a, const char *which, char id[24])
{
    if (which[0] && strspn(which, "0123456789") == strlen(which) && strlen(which) < 20) {
        snprintf(id, 24, "%s", which);
        return 0;
    }
    json_t *o = NULL;
    int rc = api_call(a, "GET", "/tokens", NULL, &o);
    if (rc)
        return rc;
    size_t i;
    json_t *t;
    rc = CTL_EXIT_API;
    json_array_foreach(json_object_get(o, "items"), i, t)
    {
        const char *name = json_string_value(json_object_get(t, "name"));
        if (name && strcmp(name, which) == 0 && json_is_null(json_object_get(t, "revoked_at"))) {
            snprintf(id, 24, "%lld", (long long)json_integer_value(json_object_get(t, "id")));
            rc = 0;
        }
    }
    json_decref(o);
    if (rc)
        fprintf(stderr, "taawunctl: no live token is called '%s'\n", which);
    return rc;
}

/* A new token, shown once: the secret alone on stdout (for a pipe). */
static void token_created(json_t *o, const void *ctx)
{
    const struct cmdline *c = ctx;
    puts(json_string_value(json_object_get(o, "token")));
    fprintf(stderr, "token %s (%s) created; it is shown only this once\n", c->args[2],
            cmdline_opt(c, "role"));
}

static void token_revoked(json_t *o, const void *unused)
{
    printf("token %s revoked\n", json_string_value(json_object_get(o, "name")));
}

int cmd_tokens(const struct api *a, const struct cmdline *c)
{
    const char *sub = c->nargs > 1 ? c->args[1] : "list";
    if (strcmp(sub, "list") == 0) {
        static const char *const cols[] = {"id",         "name",         "role",
                                           "created_at", "last_used_at", "revoked_at"};
        return api_list(a, "/tokens", cols, 6);
    }
    if (strcmp(sub, "create") == 0 && c->nargs == 3 && cmdline_opt(c, "role")) {
        json_t *body = json_pack("{s:s,s:s}", "name", c->args[2], "role", cmdline_opt(c, "role"));
        return api_call_print(a, "POST", "/tokens", body, token_created, c);
    }
    if (strcmp(sub, "revoke") == 0 && c->nargs == 3) {
        char path[96], id[24];
        int rc = token_id(a, c->args[2], id);
        if (rc)
            return rc;
        snprintf(path, sizeof path, "/tokens/%s", id);
        return api_call_print(a, "DELETE", path, NULL, token_revoked, NULL);
    }
    return cmdline_usage("tokens list | tokens create NAME --role ROLE | tokens revoke NAME|ID");
}
