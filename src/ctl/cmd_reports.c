/* cmd_reports.c -- taawunctl messages, stats and tokens: what was sent
 * and received, the programme's counts, and the API's bearer tokens. */
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
        {"status", "status"}, {"phone", "phone"},      {"broadcast", "broadcast_id"},
        {"kind", "kind"},     {"member", "member_id"}, {"channel", "channel"},
        {"limit", "limit"}};
    for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++)
        api_query_add(q, sizeof q, filters[i][1], cmdline_opt(c, filters[i][0]));
    return api_list(a, q, cols, 8);
}

int cmd_stats(const struct api *a, const struct cmdline *c)
{
    json_t *o = NULL;
    int rc = api_call(a, "GET", "/stats", NULL, &o);
    if (rc)
        return rc;
    if (a->json) {
        print_json(o);
    } else {
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
    json_decref(o);
    return 0;
}

int cmd_tokens(const struct api *a, const struct cmdline *c)
{
    const char *sub = c->nargs > 1 ? c->args[1] : "list";
    json_t *o = NULL;
    int rc;
    if (strcmp(sub, "list") == 0) {
        static const char *const cols[] = {"id",         "name",         "role",
                                           "created_at", "last_used_at", "revoked_at"};
        return api_list(a, "/tokens", cols, 6);
    }
    if (strcmp(sub, "create") == 0 && c->nargs == 3 && cmdline_opt(c, "role")) {
        json_t *body = json_pack("{s:s,s:s}", "name", c->args[2], "role", cmdline_opt(c, "role"));
        rc = api_call(a, "POST", "/tokens", body, &o);
        json_decref(body);
        if (rc)
            return rc;
        if (a->json) {
            print_json(o);
        } else {
            puts(json_string_value(json_object_get(o, "token")));
            fprintf(stderr, "token %s (%s) created; it is shown only this once\n", c->args[2],
                    cmdline_opt(c, "role"));
        }
        json_decref(o);
        return 0;
    }
    if (strcmp(sub, "revoke") == 0 && c->nargs == 3) {
        char path[96];
        snprintf(path, sizeof path, "/tokens/%s", c->args[2]);
        rc = api_call(a, "DELETE", path, NULL, &o);
        if (rc)
            return rc;
        if (a->json)
            print_json(o);
        else
            printf("token %s revoked\n", json_string_value(json_object_get(o, "name")));
        json_decref(o);
        return 0;
    }
    return cmdline_usage("tokens list | tokens create NAME --role ROLE | tokens revoke ID");
}
