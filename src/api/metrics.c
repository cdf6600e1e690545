/* metrics.c -- GET /metrics: sys/metrics' families as they stand, then the
 * gauges read now (outbox, sessions, channel health, start, build), written
 * in Prometheus's text format 0.0.4 into one bounded buffer (see metrics.h). */
#include "api/metrics.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "runtime/runtime.h"
#include "sender/health.h"
#include "store/db.h"
#include "store/db_checkpoint.h"
#include "store/queue_depth.h"
#include "sys/log.h"
#include "sys/metrics.h"

static struct ussd_sessions *live_sessions;

void api_metrics_set_sessions(struct ussd_sessions *sessions)
{
    live_sessions = sessions;
}

bool api_metrics_path_is(const char *path)
{
    return strcmp(path, API_METRICS_PATH) == 0;
}

/* The text being written; failed once it would pass API_METRICS_BODY_MAX
 * or memory runs out (then nothing more is written). */
struct text {
    char *buf;
    size_t len, cap;
    bool failed;
};

static void put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct text *t, const char *fmt, ...)
{
    for (int pass = 0; pass < 2 && !t->failed; pass++) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->buf ? t->buf + t->len : NULL, t->buf ? t->cap - t->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            t->failed = true;
        } else if (t->buf && (size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        } else {
            size_t cap = t->cap ? t->cap : 16384;
            while (cap <= t->len + (size_t)n)
                cap *= 2;
            char *b = cap <= API_METRICS_BODY_MAX ? realloc(t->buf, cap) : NULL;
            if (!b)
                t->failed = true;
            t->buf = b ? b : t->buf;
            t->cap = b ? cap : t->cap;
        }
    }
}

/* A label value as the format wants it: backslash, quote and newline
 * escaped. */
static void put_label_value(struct text *t, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\' || *v == '"')
            put(t, "\\%c", *v);
        else if (*v == '\n')
            put(t, "\\n");
        else
            put(t, "%c", *v);
    }
}

/* {name="value",...} for n labels, with extra (le="...") last when given. */
static void put_labels(struct text *t, const char *const *names, const char *const *values,
                       size_t n, const char *extra)
{
    if (n == 0 && !extra)
        return;
    put(t, "{");
    for (size_t i = 0; i < n; i++) {
        put(t, "%s%s=\"", i ? "," : "", names[i]);
        put_label_value(t, values[i]);
        put(t, "\"");
    }
    if (extra)
        put(t, "%s%s", n ? "," : "", extra);
    put(t, "}");
}

static void put_header(struct text *t, const char *name, const char *type, const char *help)
{
    put(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

struct family_ctx {
    struct text *t;
    const struct metrics_family *f;
};

static void put_sample(const struct metrics_sample *s, void *ctx)
{
    struct family_ctx *c = ctx;
    const struct metrics_family *f = c->f;
    if (f->type == METRICS_COUNTER) {
        put(c->t, "%s", f->name);
        put_labels(c->t, f->labels, s->labels, f->nlabels, NULL);
        put(c->t, " %llu\n", (unsigned long long)s->count);
        return;
    }
    for (size_t b = 0; b <= f->nbuckets; b++) {
        char le[48];
        if (b < f->nbuckets)
            snprintf(le, sizeof le, "le=\"%g\"", f->buckets[b]);
        else
            snprintf(le, sizeof le, "le=\"+Inf\"");
        put(c->t, "%s_bucket", f->name);
        put_labels(c->t, f->labels, s->labels, f->nlabels, le);
        put(c->t, " %llu\n", (unsigned long long)s->cumulative[b]);
    }
    put(c->t, "%s_sum", f->name);
    put_labels(c->t, f->labels, s->labels, f->nlabels, NULL);
    put(c->t, " %.9g\n%s_count", s->sum, f->name);
    put_labels(c->t, f->labels, s->labels, f->nlabels, NULL);
    put(c->t, " %llu\n", (unsigned long long)s->count);
}

static void put_families(struct text *t)
{
    for (int id = 0; id < METRICS_FAMILIES; id++) {
        struct family_ctx c = {t, metrics_family((enum metrics_id)id)};
        put_header(t, c.f->name, c.f->type == METRICS_COUNTER ? "counter" : "histogram", c.f->help);
        metrics_each((enum metrics_id)id, put_sample, &c);
    }
}

/* One sample labelled by channel (and a second label when name2). */
static void put_channel_sample(struct text *t, const char *metric, const char *channel,
                               const char *name2, const char *value2, double v)
{
    const char *const label_names[] = {"channel", name2};
    const char *const values[] = {channel, value2};
    put(t, "%s", metric);
    put_labels(t, label_names, values, name2 ? 2 : 1, NULL);
    put(t, " %.17g\n", v);
}

/* The outbox from the database: every configured channel gets every
 * status (0 when none waits); a channel no longer configured appears while
 * it still has messages waiting. */
static void put_outbox(struct text *t, const struct config *cfg, int64_t now)
{
    struct queue_depth_row rows[QUEUE_DEPTH_ROWS_MAX];
    struct db *db = db_thread();
    int n = db ? queue_depth_read(db, rows, QUEUE_DEPTH_ROWS_MAX) : -1;
    if (n < 0) {
        log_warn("metrics_outbox_unavailable", "detail=\"database read failed; outbox omitted\"");
        return;
    }
    put_header(t, "taawun_outbox_messages", "gauge",
               "Outbound messages waiting, by channel and status (queued, sending, held).");
    for (size_t c = 0; c < cfg->nchannels; c++)
        for (size_t s = 0; queue_depth_statuses[s]; s++) {
            const struct queue_depth_row *r =
                queue_depth_find(rows, (size_t)n, cfg->channels[c].name, queue_depth_statuses[s]);
            put_channel_sample(t, "taawun_outbox_messages", cfg->channels[c].name, "status",
                               queue_depth_statuses[s], r ? (double)r->count : 0);
        }
    for (int i = 0; i < n; i++)
        if (!config_channel(cfg, rows[i].channel))
            put_channel_sample(t, "taawun_outbox_messages", rows[i].channel, "status",
                               rows[i].status, (double)rows[i].count);
    put_header(t, "taawun_outbox_oldest_queued_age_seconds", "gauge",
               "Age of the oldest queued message per channel (0 when none is queued).");
    for (size_t c = 0; c < cfg->nchannels; c++) {
        const struct queue_depth_row *r =
            queue_depth_find(rows, (size_t)n, cfg->channels[c].name, "queued");
        int64_t age = r && r->oldest_created_at && now > r->oldest_created_at
                          ? now - r->oldest_created_at
                          : 0;
        put_channel_sample(t, "taawun_outbox_oldest_queued_age_seconds", cfg->channels[c].name,
                           NULL, NULL, (double)age);
    }
}

/* Each configured channel's health (sender/health): its state as a set of
 * 0/1 samples, the two states staff act on, and the times of the last
 * success and error (absent until there is one). */
static void put_channels(struct text *t, const struct config *cfg)
{
    struct health_state h[CONFIG_CHANNELS_MAX];
    for (size_t c = 0; c < cfg->nchannels; c++)
        health_get(cfg->channels[c].name, &h[c]);
    put_header(t, "taawun_channel_state", "gauge",
               "1 for the state of each channel's last send request, 0 for the others.");
    for (size_t c = 0; c < cfg->nchannels; c++)
        for (size_t s = 0; health_states[s]; s++)
            put_channel_sample(t, "taawun_channel_state", cfg->channels[c].name, "state",
                               health_states[s], strcmp(h[c].state, health_states[s]) == 0);
    put_header(t, "taawun_channel_credentials_refused", "gauge",
               "1 while the channel's provider refuses our credentials.");
    for (size_t c = 0; c < cfg->nchannels; c++)
        put_channel_sample(t, "taawun_channel_credentials_refused", cfg->channels[c].name, NULL,
                           NULL, h[c].credentials_refused);
    put_header(t, "taawun_channel_balance_exhausted", "gauge",
               "1 while the channel's provider says our balance or credit is used up.");
    for (size_t c = 0; c < cfg->nchannels; c++)
        put_channel_sample(t, "taawun_channel_balance_exhausted", cfg->channels[c].name, NULL, NULL,
                           h[c].balance_exhausted);
    put_header(t, "taawun_channel_last_success_timestamp_seconds", "gauge",
               "When the channel's provider last accepted a message (unix seconds).");
    for (size_t c = 0; c < cfg->nchannels; c++)
        if (h[c].last_success_at)
            put_channel_sample(t, "taawun_channel_last_success_timestamp_seconds",
                               cfg->channels[c].name, NULL, NULL, (double)h[c].last_success_at);
    put_header(t, "taawun_channel_last_error_timestamp_seconds", "gauge",
               "When the channel's provider last failed a send (unix seconds), by error class.");
    for (size_t c = 0; c < cfg->nchannels; c++)
        if (h[c].last_error_at)
            put_channel_sample(t, "taawun_channel_last_error_timestamp_seconds",
                               cfg->channels[c].name, "error_class", h[c].last_error_class,
                               (double)h[c].last_error_at);
}

/* The gauges of the process: build, start, live USSD sessions, and the
 * series sys/metrics had no room for. */
static void put_process(struct text *t)
{
    put_header(t, "taawun_build_info", "gauge", "The running build: always 1, by version.");
    put(t, "taawun_build_info{version=\"");
    put_label_value(t, TAAWUN_VERSION);
    put(t, "\"} 1\n");
    put_header(t, "process_start_time_seconds", "gauge",
               "When the process started (unix seconds).");
    put(t, "process_start_time_seconds %.3f\n", metrics_start_time());
    put_header(t, "taawun_ussd_sessions_live", "gauge",
               "USSD sessions live now (capped by ussd.max_sessions).");
    put(t, "taawun_ussd_sessions_live %zu\n",
        live_sessions ? ussd_sessions_count(live_sessions) : (size_t)0);
    put_header(t, "taawun_metrics_series_dropped_total", "counter",
               "New metric series dropped because their family's table was full.");
    put(t, "taawun_metrics_series_dropped_total %llu\n", (unsigned long long)metrics_dropped());
}

/* The WAL (store/db_checkpoint): its pages as the last commit or checkpoint
 * left them, and its file's size (absent when no checkpointer runs). */
static void put_wal(struct text *t)
{
    struct db_wal_size w;
    db_checkpoint_wal(&w);
    put_header(t, "taawun_db_wal_pages", "gauge",
               "Pages in the WAL after the last commit or checkpoint.");
    put(t, "taawun_db_wal_pages %lld\n", (long long)w.pages);
    if (w.bytes < 0)
        return;
    put_header(t, "taawun_db_wal_bytes", "gauge", "Size of the WAL file on disk.");
    put(t, "taawun_db_wal_bytes %lld\n", (long long)w.bytes);
}

void api_metrics_handle(const struct http_request *req, struct http_response *resp)
{
    snprintf(resp->route, sizeof resp->route, "%s", API_METRICS_PATH);
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        resp->allow = "GET, HEAD";
        http_error(resp, 405, "method_not_allowed", "use GET");
        return;
    }
    /* req->client is the forwarded client behind a trusted proxy: a
     * request from off the host never passes as loopback. */
    if (!http_client_is_loopback(req->client) && api_authenticate(req, API_ROLE_VIEWER, resp) != 0)
        return;
    struct runtime *rt = runtime_acquire();
    if (!rt) {
        http_error(resp, 503, "unavailable", "starting up");
        return;
    }
    struct text t = {0};
    put_families(&t);
    put_outbox(&t, &rt->cfg, db_now());
    put_channels(&t, &rt->cfg);
    put_process(&t);
    put_wal(&t);
    runtime_release(rt);
    if (t.failed) {
        free(t.buf);
        http_error(resp, 500, "internal", "the metrics do not fit in the answer");
        return;
    }
    http_reply(resp, 200, "text/plain; version=0.0.4; charset=utf-8", t.buf ? t.buf : "", t.len);
    free(t.buf);
}
