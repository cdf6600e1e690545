/* reports.c -- read-only admin API resources for reporting: messages
 * (filtered per member, broadcast, status, channel, direction) and stats
 * (members by province, sector, gender and age band; messages by status;
 * delivery rate per channel) and the channels' state as their providers
 * last answered (sender/health). Viewer role. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "api/json.h"
#include "core/limits.h"
#include "runtime/runtime.h"
#include "sender/health.h"
#include "store/admin_queries.h"
#include "store/messages.h"
#include "store/queue_depth.h"

/* The two statements of a listing of messages: a member's, a phone's or a
 * broadcast's through its index, else all of them newest first. */
static void messages_queries(int64_t member, const char *phone, int64_t broadcast,
                             enum adminq *list, enum adminq *count)
{
    if (member) {
        *list = ADMINQ_MESSAGES_BY_MEMBER_LIST;
        *count = ADMINQ_MESSAGES_BY_MEMBER_COUNT;
    } else if (phone) {
        *list = ADMINQ_MESSAGES_BY_PHONE_LIST;
        *count = ADMINQ_MESSAGES_BY_PHONE_COUNT;
    } else if (broadcast) {
        *list = ADMINQ_MESSAGES_BY_BROADCAST_LIST;
        *count = ADMINQ_MESSAGES_BY_BROADCAST_COUNT;
    } else {
        *list = ADMINQ_MESSAGES_LIST;
        *count = ADMINQ_MESSAGES_COUNT;
    }
}

/* The page of messages for the filters in a[0..7): newest first below
 * before_id; total counted up to API_MESSAGES_TOTAL_MAX (total_exact false
 * beyond: no count over ten million rows per page); next_before_id, the
 * before_id of the next page, when this one is full. */
static void messages_reply(struct db *db, struct adminq_arg *a, enum adminq list, enum adminq count,
                           const struct api_page *page, int64_t before, struct http_response *resp)
{
    int64_t total = 0;
    struct adminq_table t;
    a[7] = adminq_as(":cap", adminq_int(API_MESSAGES_TOTAL_MAX + 1));
    if (adminq_scalar(db, count, a, 8, &total) != 0) {
        api_error_db(resp);
        return;
    }
    a[7] = adminq_as(":before_id", adminq_int(before));
    a[8] = adminq_as(":limit", adminq_int(page->limit));
    a[9] = adminq_as(":offset", adminq_int(page->offset));
    if (adminq_select(db, list, a, 10, &t) != 0) {
        api_error_db(resp);
        return;
    }
    json_t *next = (int64_t)t.nrows == page->limit && t.nrows > 0
                       ? json_integer(adminq_i64(&t, t.nrows - 1, 0))
                       : json_null();
    json_t *items = api_json_rows(&t);
    adminq_table_free(&t);
    bool exact = total <= API_MESSAGES_TOTAL_MAX;
    api_reply_json(resp, 200,
                   json_pack("{s:o,s:I,s:I,s:I,s:b,s:o}", "items", items ? items : json_array(),
                             "limit", (json_int_t)page->limit, "offset", (json_int_t)page->offset,
                             "total", (json_int_t)(exact ? total : API_MESSAGES_TOTAL_MAX),
                             "total_exact", exact, "next_before_id", next));
}

static void messages_get(const struct api_request *req, struct http_response *resp)
{
    struct api_page page;
    int64_t member = 0, broadcast = 0, before = 0;
    if (api_page_parse(req, resp, &page) != 0 ||
        api_query_int(req, resp, "member_id", 1, INT64_MAX, 0, &member) != 0 ||
        api_query_int(req, resp, "broadcast_id", 1, INT64_MAX, 0, &broadcast) != 0 ||
        api_query_int(req, resp, "before_id", 1, INT64_MAX, INT64_MAX, &before) != 0)
        return;
    static const char *const directions[] = {"in", "out", NULL};
    const char *direction, *status;
    if (api_query_choice(req, resp, "direction", directions, 2, &direction) != 0 ||
        api_query_choice(req, resp, "status", message_statuses, 16, &status) != 0)
        return;
    char e164[MSISDN_MAX];
    const char *phone;
    if (api_query_phone(req, resp, "phone", e164, &phone) != 0)
        return;
    struct db *db = api_json_db(resp);
    if (!db)
        return;
    struct adminq_arg a[10] = {
        adminq_as(":member_id", member ? adminq_int(member) : adminq_null()),
        adminq_as(":broadcast_id", broadcast ? adminq_int(broadcast) : adminq_null()),
        adminq_as(":status", adminq_text(status)),
        adminq_as(":channel", adminq_text(api_query(req, "channel"))),
        adminq_as(":direction", adminq_text(direction)),
        adminq_as(":phone", adminq_text(phone)),
        adminq_as(":kind", adminq_text(api_query(req, "kind")))};
    enum adminq list, count;
    messages_queries(member, phone, broadcast, &list, &count);
    messages_reply(db, a, list, count, &page, before, resp);
}

/* {key: count} of a two-column stats query. */
static json_t *counts(struct db *db, enum adminq q, struct adminq_arg *a, size_t n,
                      struct http_response *resp)
{
    struct adminq_table t;
    if (api_json_select(db, q, a, n, &t, resp) != 0)
        return NULL;
    json_t *o = json_object();
    for (size_t r = 0; r < t.nrows; r++)
        json_object_set_new(o, adminq_str(&t, r, 0), json_integer(adminq_i64(&t, r, 1)));
    adminq_table_free(&t);
    return o;
}

/* Messages by status and delivery per channel (ADMINQ_STATS_MESSAGES). */
static int message_stats(struct db *db, json_t *status, json_t *delivery,
                         struct http_response *resp)
{
    struct adminq_table t;
    if (api_json_select(db, ADMINQ_STATS_MESSAGES, NULL, 0, &t, resp) != 0)
        return -1;
    for (size_t r = 0; r < t.nrows; r++) {
        const char *key = adminq_str(&t, r, 1);
        int64_t a = adminq_i64(&t, r, 2), delivered = adminq_i64(&t, r, 3);
        if (strcmp(adminq_str(&t, r, 0), "status") == 0) {
            json_object_set_new(status, key, json_integer(a));
            continue;
        }
        json_object_set_new(delivery, key,
                            json_pack("{s:I,s:I,s:I,s:o}", "sent", (json_int_t)a, "delivered",
                                      (json_int_t)delivered, "failed",
                                      (json_int_t)adminq_i64(&t, r, 4), "rate",
                                      a ? json_real((double)delivered / (double)a) : json_null()));
    }
    adminq_table_free(&t);
    return 0;
}

static void stats_get(const struct api_request *req, struct http_response *resp)
{
    struct db *db = api_json_db(resp);
    if (!db)
        return;
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    struct adminq_arg year = adminq_int(tm.tm_year + 1900);
    json_t *members = json_object(), *province, *sector, *gender, *age;
    json_t *status = json_object(), *delivery = json_object();
    if (!(province = counts(db, ADMINQ_STATS_PROVINCE, NULL, 0, resp)) ||
        json_object_set_new(members, "by_province", province) ||
        !(sector = counts(db, ADMINQ_STATS_SECTOR, NULL, 0, resp)) ||
        json_object_set_new(members, "by_sector", sector) ||
        !(gender = counts(db, ADMINQ_STATS_GENDER, NULL, 0, resp)) ||
        json_object_set_new(members, "by_gender", gender) ||
        !(age = counts(db, ADMINQ_STATS_AGE_BAND, &year, 1, resp)) ||
        json_object_set_new(members, "by_age_band", age) ||
        message_stats(db, status, delivery, resp) != 0) {
        json_decref(members);
        json_decref(status);
        json_decref(delivery);
        return;
    }
    int64_t total = 0;
    const char *k;
    json_t *v;
    json_object_foreach(province, k, v)
    {
        total += json_integer_value(v);
    }
    json_object_set_new(members, "total", json_integer(total));
    api_reply_json(resp, 200,
                   json_pack("{s:o,s:{s:o,s:o}}", "members", members, "messages", "by_status",
                             status, "delivery_by_channel", delivery));
}

/* GET /channels: each configured channel and what its provider last
 * answered to our sends (sender/health): a refused key shows here. */
static void channels_get(const struct api_request *req, struct http_response *resp)
{
    const struct config *cfg = &req->rt->cfg;
    json_t *items = json_array();
    for (size_t i = 0; items && i < cfg->nchannels; i++) {
        struct health_state h;
        health_get(cfg->channels[i].name, &h);
        json_t *o =
            json_pack("{s:s,s:s,s:s,s:o,s:o}", "name", cfg->channels[i].name, "type",
                      cfg->channels[i].type, "state", h.state, "http_status",
                      h.http_status ? json_integer(h.http_status) : json_null(), "changed_at",
                      h.changed_at ? json_integer(h.changed_at) : json_null());
        api_json_add_local_times(o);
        json_array_append_new(items, o);
    }
    api_reply_json(resp, 200, json_pack("{s:o}", "items", items));
}

/* A time member: unix seconds, or null for never (0). */
static json_t *time_or_null(int64_t t)
{
    return t ? json_integer(t) : json_null();
}

/* One channel's health: sender/health's answers and the outbox waiting
 * behind it (rows from queue_depth_read). */
static json_t *channel_health(const struct channel_settings *ch, const struct queue_depth_row *rows,
                              size_t n, int64_t now)
{
    struct health_state h;
    health_get(ch->name, &h);
    const struct queue_depth_row *q = queue_depth_find(rows, n, ch->name, "queued");
    const struct queue_depth_row *sending = queue_depth_find(rows, n, ch->name, "sending");
    const struct queue_depth_row *held = queue_depth_find(rows, n, ch->name, "held");
    int64_t oldest = q ? q->oldest_created_at : 0;
    json_t *o = json_pack(
        "{s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:b,s:b,s:I,s:I,s:I,s:o,s:o}", "name", ch->name, "type",
        ch->type, "state", h.state, "http_status",
        h.http_status ? json_integer(h.http_status) : json_null(), "changed_at",
        time_or_null(h.changed_at), "last_success_at", time_or_null(h.last_success_at),
        "last_error_at", time_or_null(h.last_error_at), "last_error_class",
        h.last_error_class[0] ? json_string(h.last_error_class) : json_null(),
        "credentials_refused", h.credentials_refused, "balance_exhausted", h.balance_exhausted,
        "queue_depth", (json_int_t)(q ? q->count : 0), "sending",
        (json_int_t)(sending ? sending->count : 0), "held", (json_int_t)(held ? held->count : 0),
        "oldest_queued_at", time_or_null(oldest), "oldest_queued_age_s",
        oldest ? json_integer(now > oldest ? now - oldest : 0) : json_null());
    if (o)
        api_json_add_local_times(o);
    return o;
}

/* GET /channels/health: per configured channel, what its provider last
 * answered (state, last success, last error and its class, credentials
 * refused, balance exhausted) and its queue depth. Times also as the
 * programme's local time (NAME_local), made here, never in the browser. */
static void channels_health_get(const struct api_request *req, struct http_response *resp)
{
    const struct config *cfg = &req->rt->cfg;
    struct db *db = api_json_db(resp);
    if (!db)
        return;
    struct queue_depth_row rows[QUEUE_DEPTH_ROWS_MAX];
    int n = queue_depth_read(db, rows, QUEUE_DEPTH_ROWS_MAX);
    if (n < 0) {
        api_error_db(resp);
        return;
    }
    json_t *items = json_array();
    for (size_t i = 0; items && i < cfg->nchannels; i++)
        json_array_append_new(items, channel_health(&cfg->channels[i], rows, (size_t)n, db_now()));
    api_reply_json(resp, 200, items ? json_pack("{s:o}", "items", items) : NULL);
}

const struct api_route api_reports_routes[] = {
    {"GET", "/channels", API_ROLE_VIEWER, channels_get, API_BODY_JSON},
    {"GET", "/channels/health", API_ROLE_VIEWER, channels_health_get, API_BODY_JSON},
    {"GET", "/messages", API_ROLE_VIEWER, messages_get, API_BODY_JSON},
    {"GET", "/stats", API_ROLE_VIEWER, stats_get, API_BODY_JSON},
    {NULL, NULL, API_ROLE_NONE, NULL, API_BODY_JSON},
};
