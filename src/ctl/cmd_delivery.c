/* cmd_delivery.c -- taawunctl's delivery results, as the console's report
 * and costs pages have them: a broadcast's delivery report (counts by
 * status, cause of failure, attempts, channel and language; cost estimated
 * and actual; first and last send and delivery in programme time), its
 * messages as CSV in the separator asked or as an .xlsx workbook, and per
 * channel: health, what a month cost, this month against the budget. */
#include "ctl/commands.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "ctl/print.h"

/* A cost key of o that is null (no price configured) told in words. */
static void cost_or_unknown(json_t *o, const char *key, const char *words)
{
    if (json_is_null(json_object_get(o, key)))
        json_object_set_new(o, key, json_string(words));
}

/* For the by_channel and by_language tables: the part's counts by status
 * as columns of their own. */
static void delivery_part_item(json_t *item)
{
    static const char *const statuses[] = {"delivered", "sent", "failed"};
    json_t *by = json_object_get(item, "by_status");
    for (size_t i = 0; i < 3; i++)
        json_object_set_new(item, statuses[i],
                            json_integer(json_integer_value(json_object_get(by, statuses[i]))));
    cost_or_unknown(item, "estimated_cost_mad", "unknown");
    cost_or_unknown(item, "actual_cost_mad", "unknown");
    cost_or_unknown(item, "price_per_segment_mad", "unknown");
}

static void delivery_parts_print(json_t *o, const char *key, const char *title, const char *first)
{
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(o, key), i, item)
    {
        delivery_part_item(item);
    }
    const char *const cols[] = {first,    "messages", "delivered",          "sent",
                                "failed", "segments", "estimated_cost_mad", "actual_cost_mad"};
    print_list(o, key, title, cols, strcmp(first, "channel") == 0 ? 8 : 6);
}

/* A delivery report for a person: how far it went in words, the summary,
 * then the counts and the tables. */
static void report_print(json_t *o, const void *unused)
{
    json_int_t total = json_integer_value(json_object_get(o, "messages"));
    json_t *by = json_object_get(o, "by_status");
    json_int_t delivered = json_integer_value(json_object_get(by, "delivered"));
    cost_or_unknown(o, "estimated_cost_mad", "unknown (no price per segment)");
    cost_or_unknown(o, "actual_cost_mad", "unknown (no price per segment)");
    static const char *const keys[] = {"broadcast_id",
                                       "name",
                                       "status",
                                       "channel",
                                       "messages",
                                       "segments",
                                       "attempts",
                                       "estimated_cost_mad",
                                       "actual_cost_mad",
                                       "started_at",
                                       "first_sent_at",
                                       "last_sent_at",
                                       "first_delivered_at",
                                       "last_delivered_at"};
    print_fields(o, keys, sizeof keys / sizeof keys[0]);
    printf("%-20s %lld of %lld (%lld %%), %lld sent without a delivery report yet, %lld "
           "failed\n",
           "delivered", (long long)delivered, (long long)total,
           (long long)(total ? 100 * delivered / total : 0),
           (long long)json_integer_value(json_object_get(by, "sent")),
           (long long)json_integer_value(json_object_get(by, "failed")));
    putchar('\n');
    static const char *const counts[] = {"by_status", "by_error_class", "by_attempts"};
    for (size_t i = 0; i < 3; i++) {
        json_t *v = json_object_get(o, counts[i]);
        if (json_object_size(v))
            print_counts(counts[i], v);
        else
            printf("%s: none\n", counts[i]);
    }
    delivery_parts_print(o, "by_channel", "by channel", "channel");
    delivery_parts_print(o, "by_language", "by language (the member's now)", "language");
}

int ctl_broadcast_report(const struct api *a, const char *id)
{
    char path[96];
    snprintf(path, sizeof path, "/broadcasts/%s/report", id);
    return api_call_print(a, "GET", path, NULL, report_print, NULL);
}

int ctl_broadcast_export(const struct api *a, const struct cmdline *c)
{
    char path[96];
    snprintf(path, sizeof path, "/broadcasts/%s/messages.csv", c->args[2]);
    return api_download(a, path, c);
}

/* ----------------------------------------------------------------- channels */

/* What each channel cost in a month, and the total. */
static void costs_print(json_t *o, const void *unused)
{
    static const char *const keys[] = {"month", "starts_at", "ends_at"};
    print_fields(o, keys, 3);
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(o, "channels"), i, item)
    {
        cost_or_unknown(item, "cost_mad", "unknown (no price)");
        cost_or_unknown(item, "price_per_segment_mad", "unknown");
    }
    static const char *const cols[] = {
        "channel", "configured", "messages", "segments", "price_per_segment_mad", "cost_mad"};
    print_list(o, "channels", "channels", cols, 6);
    json_t *total = json_object_get(o, "total_cost_mad");
    if (json_is_number(total))
        printf("\n%-20s %.2f %s\n", "total_cost", json_number_value(total),
               json_string_value(json_object_get(o, "currency")));
    else
        printf("\n%-20s unknown (a channel that took messages has no price)\n", "total_cost");
}

/* For the budgets table: no budget told in words. */
static void budget_item(json_t *item)
{
    cost_or_unknown(item, "monthly_budget_mad", "none");
    cost_or_unknown(item, "remaining_mad", "-");
}

int cmd_channels(const struct api *a, const struct cmdline *c)
{
    const char *sub = c->nargs > 1 ? c->args[1] : "list";
    if ((strcmp(sub, "list") == 0 || strcmp(sub, "health") == 0) && c->nargs <= 2) {
        static const char *const cols[] = {"name",
                                           "type",
                                           "state",
                                           "http_status",
                                           "last_success_at",
                                           "last_error_at",
                                           "last_error_class",
                                           "queue_depth",
                                           "sending",
                                           "held",
                                           "oldest_queued_at"};
        return api_list(a, "/channels/health", cols, 11);
    }
    if (strcmp(sub, "costs") == 0 && c->nargs == 2) {
        char q[CTL_URL_MAX] = "/channels/costs";
        api_query_add(q, sizeof q, "month", cmdline_opt(c, "month"));
        return api_call_print(a, "GET", q, NULL, costs_print, NULL);
    }
    if (strcmp(sub, "budgets") == 0 && c->nargs == 2) {
        static const char *const cols[] = {
            "channel",     "month",         "monthly_budget_mad",    "spent_mad",
            "pending_mad", "remaining_mad", "price_per_segment_mad", "test"};
        return api_list_with(a, "/channels/budgets", cols, 8, budget_item);
    }
    return cmdline_usage("channels [list] | channels costs [--month YYYY-MM] | channels budgets");
}
