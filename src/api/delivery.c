/* delivery.c -- what became of the messages staff sent (issue 16, missing 4):
 *   GET /broadcasts/{id}/report: a broadcast's messages counted by status,
 *       error class, channel, member language and attempts; segments and
 *       cost, estimated (every message) and actual (what a provider took);
 *       first and last send and delivery, in programme time too.
 *   GET /broadcasts/{id}/messages.csv: one row per message (member number,
 *       phone, language, channel, status, attempts, last error class,
 *       segments, cost, sent and delivered in programme time), streamed a
 *       page at a time (never the whole broadcast in memory); ?sep= and
 *       ?format=xlsx as api/export reads them (the workbook written a page
 *       at a time into its temporary file, then sent). Phone numbers are
 *       masked for viewers in every form, whole for staff and admins (the
 *       rule of the attendee list: staff who may message members may see
 *       their numbers).
 *   GET /channels/costs?month=YYYY-MM: what providers took per channel in a
 *       month of programme time (the current one by default), and its cost:
 *       the same figure as the monthly budget's spent_mad (app/approval),
 *       both from delivery_costs and delivery_cost_mad.
 * Costs are what the provider said (Africa's Talking's answer to a send),
 * else segments times the channel's price_per_segment_mad as the config
 * says now (0: unknown, the cost is null). The SQL is store/delivery's. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "api/broadcasts.h"
#include "api/export.h"
#include "api/json.h"
#include "runtime/runtime.h"
#include "store/broadcasts.h"
#include "store/db.h"
#include "store/delivery.h"
#include "store/members.h"
#include "sys/table.h"

#define MESSAGES_CSV_PAGE_MAX (1024 * 1024) /* bytes of the CSV held at once (a page and more) */

/* The channels' prices as the config says now (copied: an export outlives
 * the request's reference to the runtime). */
struct prices {
    size_t n;
    struct {
        char name[DELIVERY_CHANNEL_MAX];
        double mad; /* per segment; 0: unknown */
    } ch[CONFIG_CHANNELS_MAX];
};

static void prices_of(const struct runtime *rt, struct prices *p)
{
    memset(p, 0, sizeof *p);
    for (size_t i = 0; i < rt->cfg.nchannels && i < CONFIG_CHANNELS_MAX; i++) {
        snprintf(p->ch[i].name, sizeof p->ch[i].name, "%s", rt->cfg.channels[i].name);
        p->ch[i].mad = rt->cfg.channels[i].price_per_segment_mad;
        p->n++;
    }
}

/* The index of channel in p, or -1 when the config does not name it now. */
static int channel_at(const struct prices *p, const char *channel)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->ch[i].name, channel) == 0)
            return (int)i;
    return -1;
}

/* The price of one segment on channel, 0 when unknown. */
static double price_of(const struct prices *p, const char *channel)
{
    int i = channel_at(p, channel);
    return i < 0 ? 0 : p->ch[i].mad;
}

/* segments at price as JSON: null when the price is unknown. */
static json_t *cost_json(int64_t segments, double price)
{
    return price > 0 ? json_real((double)segments * price) : json_null();
}

static json_t *time_json(int64_t t)
{
    return t > 0 ? json_integer(t) : json_null();
}

/* ---- the report ---- */

struct report {
    json_t *by_status, *by_class, *by_attempts, *by_channel, *by_language;
    int64_t messages, segments, attempts;
    int64_t first_sent, last_sent, first_delivered, last_delivered;
};

/* o[key] += n for a count object. */
static void count_add(json_t *o, const char *key, int64_t n)
{
    json_t *v = json_object_get(o, key);
    json_object_set_new(o, key, json_integer((v ? json_integer_value(v) : 0) + n));
}

/* The object of holder[key] with messages and by_status, made if new. */
static json_t *part_of(json_t *holder, const char *key)
{
    json_t *o = json_object_get(holder, key);
    if (!o) {
        o = json_pack("{s:I,s:I,s:I,s:I,s:f,s:o}", "messages", (json_int_t)0, "segments",
                      (json_int_t)0, "taken_segments", (json_int_t)0, "priced_segments",
                      (json_int_t)0, "provider_cost_mad", 0.0, "by_status", json_object());
        json_object_set_new(holder, key, o);
    }
    return o;
}

static void part_add(json_t *part, const struct delivery_group *g)
{
    count_add(part, "messages", g->messages);
    count_add(part, "segments", g->segments);
    count_add(part, "taken_segments", g->taken_segments);
    count_add(part, "priced_segments", g->priced_segments);
    json_t *said = json_object_get(part, "provider_cost_mad");
    json_real_set(said, json_real_value(said) + g->provider_cost_mad);
    count_add(json_object_get(part, "by_status"), g->status, g->messages);
}

static int64_t earliest(int64_t a, int64_t b)
{
    return a == 0 || (b != 0 && b < a) ? b : a;
}

static int64_t latest(int64_t a, int64_t b)
{
    return b > a ? b : a;
}

static int report_group(const struct delivery_group *g, void *ctx)
{
    struct report *r = ctx;
    char attempts[24];
    snprintf(attempts, sizeof attempts, "%lld", (long long)g->attempts);
    r->messages += g->messages;
    r->segments += g->segments;
    r->attempts += g->attempts * g->messages;
    count_add(r->by_status, g->status, g->messages);
    if (g->error_class[0])
        count_add(r->by_class, g->error_class, g->messages);
    count_add(r->by_attempts, attempts, g->messages);
    part_add(part_of(r->by_channel, g->channel), g);
    part_add(part_of(r->by_language, g->language[0] ? g->language : "unknown"), g);
    r->first_sent = earliest(r->first_sent, g->first_sent_at);
    r->last_sent = latest(r->last_sent, g->last_sent_at);
    r->first_delivered = earliest(r->first_delivered, g->first_delivered_at);
    r->last_delivered = latest(r->last_delivered, g->last_delivered_at);
    return 0;
}

/* by_channel as an array, each with its price and costs; the totals'
 * costs into *estimated and *actual (null when a price is unknown). */
static json_t *channels_priced(json_t *by_channel, const struct prices *p, json_t **estimated,
                               json_t **actual)
{
    json_t *out = json_array();
    double est = 0, act = 0;
    bool known = true, act_known = true;
    const char *name;
    json_t *o;
    json_object_foreach(by_channel, name, o)
    {
        double price = price_of(p, name);
        int64_t segs = json_integer_value(json_object_get(o, "segments"));
        struct delivery_cost taken = {
            .segments = json_integer_value(json_object_get(o, "taken_segments")),
            .priced_segments = json_integer_value(json_object_get(o, "priced_segments")),
            .provider_cost_mad = json_real_value(json_object_get(o, "provider_cost_mad"))};
        double cost;
        bool ok = delivery_cost_mad(&taken, price, &cost);
        known = known && price > 0;
        act_known = act_known && ok;
        est += (double)segs * price;
        act += cost;
        json_t *c = json_deep_copy(o);
        json_object_set_new(c, "channel", json_string(name));
        json_object_set_new(c, "price_per_segment_mad", price > 0 ? json_real(price) : json_null());
        json_object_set_new(c, "estimated_cost_mad", cost_json(segs, price));
        json_object_set_new(c, "actual_cost_mad", ok ? json_real(cost) : json_null());
        json_array_append_new(out, c);
    }
    *estimated = known ? json_real(est) : json_null();
    *actual = act_known ? json_real(act) : json_null();
    return out;
}

static json_t *keyed_array(json_t *by, const char *key_name)
{
    json_t *out = json_array();
    const char *k;
    json_t *o;
    json_object_foreach(by, k, o)
    {
        json_t *c = json_deep_copy(o);
        json_object_set_new(c, key_name, json_string(k));
        json_array_append_new(out, c);
    }
    return out;
}

static void report_free(struct report *r)
{
    json_decref(r->by_status);
    json_decref(r->by_class);
    json_decref(r->by_attempts);
    json_decref(r->by_channel);
    json_decref(r->by_language);
}

/* The broadcast's status as GET /broadcasts/{id} says it: "finished" once
 * started and nothing of it is waiting or in flight. */
static const char *report_status(const struct broadcast_record *b, const struct report *r)
{
    if (strcmp(b->status, "started") != 0)
        return b->status;
    static const char *const waiting[] = {"held", "queued", "sending"};
    for (size_t i = 0; i < sizeof waiting / sizeof waiting[0]; i++)
        if (json_integer_value(json_object_get(r->by_status, waiting[i])) > 0)
            return b->status;
    return "finished";
}

static void report_get(const struct api_request *req, struct http_response *resp)
{
    int64_t id;
    struct db *db;
    if (api_param_id(req, resp, "id", &id) != 0 || !(db = api_json_db(resp)))
        return;
    struct broadcast_record b;
    if (api_broadcast_get(db, id, &b, resp) != 0)
        return;
    struct report r = {.by_status = json_object(),
                       .by_class = json_object(),
                       .by_attempts = json_object(),
                       .by_channel = json_object(),
                       .by_language = json_object()};
    if (delivery_broadcast_groups(db, id, report_group, &r) != 0) {
        report_free(&r);
        broadcast_record_clear(&b);
        api_error_db(resp);
        return;
    }
    struct prices p;
    prices_of(req->rt, &p);
    json_t *estimated, *actual;
    json_t *channels = channels_priced(r.by_channel, &p, &estimated, &actual);
    json_t *o = json_pack(
        "{s:I,s:s,s:s,s:s,s:o,s:I,s:I,s:I,s:O,s:O,s:O,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:s}",
        "broadcast_id", (json_int_t)id, "name", b.name, "channel", b.channel, "status",
        report_status(&b, &r), "started_at", time_json(b.started_at), "messages",
        (json_int_t)r.messages, "segments", (json_int_t)r.segments, "attempts",
        (json_int_t)r.attempts, "by_status", r.by_status, "by_error_class", r.by_class,
        "by_attempts", r.by_attempts, "by_channel", channels, "by_language",
        keyed_array(r.by_language, "language"), "estimated_cost_mad", estimated, "actual_cost_mad",
        actual, "first_sent_at", time_json(r.first_sent), "last_sent_at", time_json(r.last_sent),
        "first_delivered_at", time_json(r.first_delivered), "last_delivered_at",
        time_json(r.last_delivered), "currency", "MAD");
    report_free(&r);
    broadcast_record_clear(&b);
    if (o)
        api_json_add_local_times(o);
    api_reply_json(resp, 200, o);
}

/* ---- the export, a page at a time ---- */

#define MESSAGES_COLUMNS 11

struct messages_out {
    struct table *table; /* CSV read while it is written, or a workbook */
    int64_t broadcast;   /* its id */
    int64_t after;       /* the last message id written */
    bool mask;           /* viewers see masked phone numbers */
    bool done;           /* the last page was written */
    struct prices prices;
    struct delivery_message page[DELIVERY_PAGE_MAX];
};

/* One message as a row. Returns table_end_row's answer. */
static int out_row(struct messages_out *c, const struct delivery_message *m)
{
    char no[16] = "", phone[MSISDN_MAX];
    if (m->member_id > 0)
        member_number(m->member_id, no);
    if (c->mask)
        msisdn_mask(m->phone, phone);
    else
        snprintf(phone, sizeof phone, "%s", m->phone);
    /* What the provider said, else the segments at the price when a
     * provider took it (unknown without a price), else nothing. */
    double price = price_of(&c->prices, m->channel);
    bool known = m->priced || price > 0 || !m->taken;
    double cost = m->priced ? m->provider_cost_mad : m->taken ? (double)m->segments * price : 0.0;
    struct table *t = c->table;
    table_text(t, no);
    table_text(t, phone);
    table_text(t, m->language);
    table_text(t, m->channel);
    table_text(t, m->status);
    table_int(t, m->attempts);
    table_text(t, m->error_class);
    table_int(t, m->segments);
    if (known)
        table_real(t, cost, 4); /* dirhams */
    else
        table_text(t, NULL);
    table_time(t, m->sent_at);
    table_time(t, m->delivered_at);
    return table_end_row(t);
}

/* The next page of rows into c. Returns 0, 1 (the workbook is full) or
 * -1. */
static int next_page(struct messages_out *c)
{
    struct db *db = db_thread();
    int n =
        db ? delivery_broadcast_page(db, c->broadcast, c->after, c->page, DELIVERY_PAGE_MAX) : -1;
    if (n < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        int rc = out_row(c, &c->page[i]);
        if (rc != 0)
            return rc;
    }
    if (n > 0)
        c->after = c->page[n - 1].id;
    c->done = n < DELIVERY_PAGE_MAX;
    return 0;
}

/* table_read's more: the next page. */
static int csv_page(void *ctx)
{
    struct messages_out *c = ctx;
    return next_page(c) != 0 ? -1 : !c->done;
}

/* http_response.stream: the next bytes of the CSV. */
static long csv_more(void *ctx, char *buf, size_t max)
{
    struct messages_out *c = ctx;
    return table_read(c->table, buf, max, csv_page, c);
}

static void messages_out_free(void *ctx)
{
    struct messages_out *c = ctx;
    if (!c)
        return;
    table_free(c->table);
    free(c);
}

/* The workbook written a page at a time (each finished row goes to its
 * temporary file), then answered from that file. */
static void messages_xlsx_reply(struct messages_out *c, const struct api_export *form,
                                struct http_response *resp)
{
    int rc = 0, fd;
    unsigned long long size;
    while (rc == 0 && !c->done)
        rc = next_page(c);
    if (rc == 1)
        api_error(resp, 413, "too_many_rows",
                  "more rows than a worksheet holds (1,048,576): export as CSV", "format");
    else if (rc != 0)
        api_error_db(resp);
    else if (table_finish(c->table, &fd, &size) != 0)
        api_error(resp, 500, "internal", "the workbook could not be written", NULL);
    else
        api_export_reply_fd(resp, form, fd, API_XLSX_TYPE);
    messages_out_free(c);
}

/* GET /broadcasts/{id}/messages.csv[?sep=;][&format=xlsx]: CSV streamed a
 * page at a time, or an .xlsx workbook; the separator and the sheet's
 * direction as api/export reads them. */
static void messages_csv_get(const struct api_request *req, struct http_response *resp)
{
    static const char *const header[MESSAGES_COLUMNS] = {
        "member_no",   "phone",    "language", "channel", "status",      "attempts",
        "error_class", "segments", "cost_mad", "sent_at", "delivered_at"};
    int64_t id;
    struct db *db;
    struct api_export form;
    char name[48];
    if (api_param_id(req, resp, "id", &id) != 0)
        return;
    snprintf(name, sizeof name, "broadcast-%lld", (long long)id);
    if (api_export_parse(req, resp, name, &form) != 0 || !(db = api_json_db(resp)))
        return;
    struct broadcast_record b;
    if (api_broadcast_get(db, id, &b, resp) != 0)
        return;
    broadcast_record_clear(&b);
    struct table_form f = {.xlsx = form.xlsx,
                           .sep = form.sep,
                           .csv_max = MESSAGES_CSV_PAGE_MAX,
                           .sheet = "messages",
                           .rtl = form.rtl};
    struct messages_out *c = calloc(1, sizeof *c);
    if (!c || !(c->table = table_new(&f, header, MESSAGES_COLUMNS))) {
        messages_out_free(c);
        api_error(resp, 500, "internal", "the export could not be started", NULL);
        return;
    }
    c->broadcast = id;
    c->mask = req->principal.role < API_ROLE_STAFF;
    prices_of(req->rt, &c->prices);
    if (form.xlsx)
        messages_xlsx_reply(c, &form, resp);
    else
        api_export_reply_stream(resp, &form, "text/csv; charset=utf-8", csv_more, messages_out_free,
                                c);
}

/* ---- costs per channel per month ---- */

/* "YYYY-MM" (absent: this month) as the month's first instant and the
 * next month's, in programme time. Returns 0, or -1 with 400 in resp. */
static int month_bounds(const struct api_request *req, struct http_response *resp, int *year,
                        int *month, int64_t *from, int64_t *to)
{
    const char *s = api_query(req, "month");
    char tail;
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    *year = tm.tm_year + 1900;
    *month = tm.tm_mon + 1;
    if (s && (strlen(s) != 7 || sscanf(s, "%4d-%2d%c", year, month, &tail) != 2 || s[4] != '-' ||
              *year < 2000 || *year > 9999 || *month < 1 || *month > 12)) {
        api_error(resp, 400, "invalid_parameter", "month must be YYYY-MM", "month");
        return -1;
    }
    struct tm a = {.tm_year = *year - 1900, .tm_mon = *month - 1, .tm_mday = 1, .tm_isdst = -1};
    struct tm b = {.tm_year = *year - 1900, .tm_mon = *month, .tm_mday = 1, .tm_isdst = -1};
    *from = (int64_t)mktime(&a);
    *to = (int64_t)mktime(&b);
    return 0;
}

struct costs_total {
    double mad;
    bool known; /* every channel with segments has a price */
};

/* Append channel's month (its row among rows[0..n), else nothing taken). */
static void cost_row(json_t *channels, const char *name, const struct prices *p,
                     const struct delivery_cost *rows, int n, struct costs_total *t)
{
    struct delivery_cost c = {.messages = 0};
    for (int k = 0; k < n; k++)
        if (strcmp(rows[k].channel, name) == 0)
            c = rows[k];
    double price = price_of(p, name), cost;
    bool known = delivery_cost_mad(&c, price, &cost);
    t->known = t->known && known;
    t->mad += cost;
    json_array_append_new(
        channels, json_pack("{s:s,s:b,s:I,s:I,s:I,s:f,s:o,s:o}", "channel", name, "configured",
                            channel_at(p, name) >= 0, "messages", (json_int_t)c.messages,
                            "segments", (json_int_t)c.segments, "priced_segments",
                            (json_int_t)c.priced_segments, "provider_cost_mad", c.provider_cost_mad,
                            "price_per_segment_mad", price > 0 ? json_real(price) : json_null(),
                            "cost_mad", known ? json_real(cost) : json_null()));
}

static void costs_get(const struct api_request *req, struct http_response *resp)
{
    int year, month;
    int64_t from, to;
    struct db *db;
    if (month_bounds(req, resp, &year, &month, &from, &to) != 0 || !(db = api_json_db(resp)))
        return;
    struct delivery_cost rows[DELIVERY_CHANNELS_MAX];
    int n = delivery_costs(db, from, to, NULL, rows, DELIVERY_CHANNELS_MAX);
    if (n < 0) {
        api_error_db(resp);
        return;
    }
    struct prices p;
    prices_of(req->rt, &p);
    json_t *channels = json_array();
    struct costs_total t = {0, true};
    /* Every configured channel (nothing taken: zeros), then any other
     * channel that took messages that month (no longer configured). */
    for (size_t i = 0; i < p.n; i++)
        cost_row(channels, p.ch[i].name, &p, rows, n, &t);
    for (int k = 0; k < n; k++)
        if (channel_at(&p, rows[k].channel) < 0)
            cost_row(channels, rows[k].channel, &p, rows, n, &t);
    char label[16];
    snprintf(label, sizeof label, "%04d-%02d", year, month);
    json_t *o =
        json_pack("{s:s,s:I,s:I,s:o,s:o,s:s}", "month", label, "starts_at", (json_int_t)from,
                  "ends_at", (json_int_t)to, "channels", channels, "total_cost_mad",
                  t.known ? json_real(t.mad) : json_null(), "currency", "MAD");
    if (o)
        api_json_add_local_times(o);
    api_reply_json(resp, 200, o);
}

const struct api_route api_delivery_routes[] = {
    {"GET", "/broadcasts/{id}/report", API_ROLE_VIEWER, report_get, API_BODY_JSON},
    {"GET", "/broadcasts/{id}/messages.csv", API_ROLE_VIEWER, messages_csv_get, API_BODY_JSON},
    {"GET", "/channels/costs", API_ROLE_VIEWER, costs_get, API_BODY_JSON},
    {NULL, NULL, API_ROLE_NONE, NULL, API_BODY_JSON},
};
