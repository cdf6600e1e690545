/* cmd_records.c -- taawunctl ideas and audit: the members' project ideas
 * (list, one, a new status: the author gets one SMS) and the audit log
 * filtered by who, what and since when (programme time). */
#include "ctl/commands.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl/print.h"

/* An idea (with the SMS its new status sent its author). */
static void idea_print(json_t *o, const void *unused)
{
    static const char *const keys[] = {
        "id",    "reference",   "member_name", "sector",     "status",
        "title", "description", "created_at",  "updated_at", "notification_message_id"};
    print_fields(o, keys, json_object_get(o, "notification_message_id") ? 10 : 9);
}

int cmd_ideas(const struct api *a, const struct cmdline *c)
{
    const char *sub = c->nargs > 1 ? c->args[1] : "list";
    if (strcmp(sub, "list") == 0 && c->nargs <= 2) {
        static const char *const cols[] = {"id",     "reference", "member_name", "sector",
                                           "status", "title",     "created_at"};
        char q[CTL_URL_MAX] = "/ideas";
        static const char *const filters[][2] = {{"status", "status"},
                                                 {"sector", "sector"},
                                                 {"member", "member_id"},
                                                 {"limit", "limit"},
                                                 {"offset", "offset"}};
        for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++)
            api_query_add(q, sizeof q, filters[i][1], cmdline_opt(c, filters[i][0]));
        return api_list(a, q, cols, 7);
    }
    char path[96];
    if (strcmp(sub, "show") == 0 && c->nargs == 3) {
        snprintf(path, sizeof path, "/ideas/%s", c->args[2]);
        return api_call_print(a, "GET", path, NULL, idea_print, NULL);
    }
    if (strcmp(sub, "status") == 0 && c->nargs == 4) {
        snprintf(path, sizeof path, "/ideas/%s/status", c->args[2]);
        json_t *body = json_pack("{s:s}", "status", c->args[3]);
        return api_call_print(a, "POST", path, body, idea_print, NULL);
    }
    return cmdline_usage("ideas list [--status S] [--sector S] | ideas show ID | "
                         "ideas status ID submitted|shortlisted|selected|declined");
}

/* --since as unix seconds: digits as they are, else a date "YYYY-MM-DD" or
 * a time "YYYY-MM-DDTHH:MM" in programme time. Returns 0 or -1. */
static int since_seconds(const struct api *a, const char *since, char out[24])
{
    if (strspn(since, "0123456789") == strlen(since) && *since) {
        snprintf(out, 24, "%s", since);
        return 0;
    }
    api_learn_zone(a); /* the dates given are the programme's */
    struct tm tm = {0};
    int n = sscanf(since, "%d-%d-%dT%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                   &tm.tm_min);
    if (n != 3 && n != 5)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    tm.tm_isdst = -1;
    time_t t = mktime(&tm);
    if (t == (time_t)-1)
        return -1;
    snprintf(out, 24, "%lld", (long long)t);
    return 0;
}

int cmd_audit(const struct api *a, const struct cmdline *c)
{
    if (c->nargs > 2 || (c->nargs == 2 && strcmp(c->args[1], "list") != 0))
        return cmdline_usage("audit [--who W] [--action A] [--object TYPE:ID] [--object-type T]\n"
                             "      [--since YYYY-MM-DD[THH:MM]] [--limit N]");
    char q[CTL_URL_MAX] = "/audit";
    static const char *const filters[][2] = {{"who", "who"},
                                             {"action", "action"},
                                             {"object-type", "object_type"},
                                             {"object-id", "object_id"},
                                             {"limit", "limit"},
                                             {"offset", "offset"}};
    for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++)
        api_query_add(q, sizeof q, filters[i][1], cmdline_opt(c, filters[i][0]));
    const char *object = cmdline_opt(c, "object"); /* TYPE or TYPE:ID */
    if (object) {
        char type[64];
        const char *colon = strchr(object, ':');
        snprintf(type, sizeof type, "%.*s", colon ? (int)(colon - object) : 63, object);
        api_query_add(q, sizeof q, "object_type", type);
        api_query_add(q, sizeof q, "object_id", colon ? colon + 1 : NULL);
    }
    if (cmdline_opt(c, "since")) {
        char since[24];
        if (since_seconds(a, cmdline_opt(c, "since"), since) != 0)
            return cmdline_usage("--since takes YYYY-MM-DD, YYYY-MM-DDTHH:MM or unix seconds");
        api_query_add(q, sizeof q, "since", since);
    }
    static const char *const cols[] = {"id",     "at",          "who",       "role",
                                       "action", "object_type", "object_id", "summary"};
    return api_list(a, q, cols, 8);
}
