/* sender.c -- the outbox thread. Each pass takes the due messages of every
 * channel (priority, then due time), applies the send gate and expiry,
 * marks the rest 'sending' in one committed transaction, then performs the
 * channel's requests with curl's multi interface: one easy handle per
 * request, connections kept alive by the multi handle, a token bucket
 * (messages per second) and a concurrency limit per channel, and bulk
 * requests (same text, many recipients) where the channel allows. Results
 * are recorded in one transaction per pass: sent, retry with exponential
 * backoff and jitter, failed, or opted out at the carrier. */
#include "sender/sender.h"

#include <assert.h>
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/inbound.h"
#include "channels/channel.h"
#include "channels/sandbox.h"
#include "config/runtime.h"
#include "core/msisdn.h"
#include "store/db.h"
#include "store/messages.h"
#include "sys/log.h"

#define SENDER_IDLE_MS 200              /* longest sleep between passes */
#define SENDER_RESPONSE_MAX (64 * 1024) /* bytes of a provider answer we keep */
#define SENDER_CLAIM_MAX 512            /* messages claimed per channel per pass */
#define SENDER_SANDBOX_BATCH 200        /* sandbox messages completed per transaction */
#define SENDER_SANDBOX_ROUNDS 50        /* sandbox transactions per pass at most */
#define SENDER_BATCH_CEILING 1000       /* recipients of one bulk request at most */
#define SENDER_CONNECT_TIMEOUT_MS 5000
#define SENDER_MAX_CONNECTIONS 256

/* Channel settings (throughput, concurrency, attempts, backoff, expiry,
 * timeout) are read from the runtime config as they are: the schema in
 * config/config.c gives each its default and a lower bound of 1. */

#define CHAN_STATES_MAX (2 * CONFIG_CHANNELS_MAX)

/* What the sender remembers of a channel between passes (by name, so a
 * reload keeps its bucket and in-flight count). */
struct chan_state {
    char name[CHANNEL_NAME_MAX];
    bool used;
    bool primed; /* the bucket starts full */
    double tokens;
    double refilled_at; /* monotonic seconds */
    int inflight;
    int64_t next_sweep;
};

/* One request: the messages it carries and, when done, their results. */
struct request {
    struct request *next;         /* in sender.done */
    struct request *next_running; /* in sender.running */
    CURL *easy;
    struct curl_slist *headers;
    struct http_call call;
    struct runtime *rt; /* reference held: ch and ops stay valid */
    const struct channel_settings *ch;
    const struct channel_ops *ops;
    struct chan_state *cs;
    size_t n;
    struct outbox_row *rows;
    struct outbound_message *msgs;
    struct send_result *results;
    char *resp;
    size_t resp_len;
    bool resp_capped;
    bool in_multi;
    char errbuf[CURL_ERROR_SIZE];
};

struct sender {
    pthread_t thread;
    pthread_mutex_t lock;
    bool stop;
    int grace_ms;
    CURLM *multi;
    struct chan_state chans[CHAN_STATES_MAX];
    struct request *done;    /* finished, results not yet recorded */
    struct request *running; /* in the multi handle */
    int inflight;
    unsigned seed;
};

/* The running sender, for sender_wake(). */
static pthread_mutex_t running_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sender *running;

static double monotonic_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Milliseconds until a bucket holding tokens (< 1) refilled at rate per
 * second holds one token (at least 1). */
static long ms_until_token(double tokens, double rate)
{
    return (long)((1 - tokens) / rate * 1000) + 1;
}

static struct chan_state *chan_state(struct sender *s, const char *name)
{
    struct chan_state *free_slot = NULL, *idle_slot = NULL;
    for (size_t i = 0; i < CHAN_STATES_MAX; i++) {
        struct chan_state *c = &s->chans[i];
        if (c->used && strcmp(c->name, name) == 0)
            return c;
        if (!free_slot && !c->used)
            free_slot = c;
        if (!idle_slot && c->used && c->inflight == 0)
            idle_slot = c; /* a channel a reload may have removed */
    }
    if (!free_slot)
        free_slot = idle_slot;
    if (!free_slot)
        return NULL;
    memset(free_slot, 0, sizeof *free_slot);
    free_slot->used = true;
    snprintf(free_slot->name, sizeof free_slot->name, "%s", name);
    free_slot->refilled_at = monotonic_s();
    free_slot->tokens = 1;
    return free_slot;
}

static void request_free(struct request *r)
{
    if (!r)
        return;
    if (r->easy)
        curl_easy_cleanup(r->easy);
    curl_slist_free_all(r->headers);
    http_call_free(&r->call);
    outbox_rows_free(r->rows, r->n);
    free(r->rows);
    free(r->msgs);
    free(r->results);
    free(r->resp);
    runtime_release(r->rt);
    free(r);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ctx)
{
    struct request *r = ctx;
    size_t n = size * nmemb;
    if (r->resp_len + n > SENDER_RESPONSE_MAX) {
        r->resp_capped = true;
        return 0; /* refuse: the transfer ends with CURLE_WRITE_ERROR */
    }
    if (!r->resp) {
        r->resp = malloc(SENDER_RESPONSE_MAX + 1);
        if (!r->resp)
            return 0;
    }
    memcpy(r->resp + r->resp_len, data, n);
    r->resp_len += n;
    r->resp[r->resp_len] = '\0';
    return n;
}

/* Every message of r gets the same result. */
static void results_all(struct request *r, enum send_outcome outcome, const char *reason)
{
    for (size_t i = 0; i < r->n; i++) {
        memset(&r->results[i], 0, sizeof r->results[i]);
        r->results[i].outcome = outcome;
        snprintf(r->results[i].reason, sizeof r->results[i].reason, "%s", reason);
    }
}

static bool header_safe(const char *s)
{
    return !strpbrk(s, "\r\n");
}

/* Configure r's easy handle from r->call. Returns 0, or -1 with reason. */
static int easy_setup(struct request *r, const char **reason)
{
    r->easy = curl_easy_init();
    if (!r->easy) {
        *reason = "curl_easy_init failed";
        return -1;
    }
    CURL *e = r->easy;
    int timeout_s = r->ch->request_timeout_s;
    for (size_t i = 0; i < r->call.nheaders && i < HTTP_CALL_HEADERS_MAX; i++) {
        char line[sizeof r->call.headers[0].name + sizeof r->call.headers[0].value + 4];
        if (!header_safe(r->call.headers[i].name) || !header_safe(r->call.headers[i].value)) {
            *reason = "adapter produced a header with a line break";
            return -1;
        }
        snprintf(line, sizeof line, "%s: %s", r->call.headers[i].name, r->call.headers[i].value);
        struct curl_slist *l = curl_slist_append(r->headers, line);
        if (!l) {
            *reason = "out of memory";
            return -1;
        }
        r->headers = l;
    }
    struct curl_slist *l = curl_slist_append(r->headers, "Expect:");
    if (!l) {
        *reason = "out of memory";
        return -1;
    }
    r->headers = l;
    CURLcode rc = CURLE_OK;
#define SET(opt, val)                                                                              \
    do {                                                                                           \
        if (rc == CURLE_OK)                                                                        \
            rc = curl_easy_setopt(e, opt, val);                                                    \
    } while (0)
    SET(CURLOPT_URL, r->call.url);
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_CONNECTTIMEOUT_MS, (long)SENDER_CONNECT_TIMEOUT_MS);
    SET(CURLOPT_TIMEOUT, (long)timeout_s);
    SET(CURLOPT_TCP_KEEPALIVE, 1L);
    SET(CURLOPT_HTTPHEADER, r->headers);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, r);
    SET(CURLOPT_PRIVATE, r);
    SET(CURLOPT_ERRORBUFFER, r->errbuf);
    SET(CURLOPT_USERAGENT, "taawund/" TAAWUN_VERSION);
    if (strcmp(r->call.method, "GET") == 0) {
        SET(CURLOPT_HTTPGET, 1L);
    } else {
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(r->call.body ? r->call.body_len : 0));
        SET(CURLOPT_POSTFIELDS, r->call.body ? r->call.body : "");
        if (strcmp(r->call.method, "POST") != 0)
            SET(CURLOPT_CUSTOMREQUEST, r->call.method);
    }
    if (r->call.basic_user[0]) {
        SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        SET(CURLOPT_USERNAME, r->call.basic_user);
        SET(CURLOPT_PASSWORD, r->call.basic_password);
    }
#undef SET
    if (rc != CURLE_OK) {
        *reason = curl_easy_strerror(rc);
        return -1;
    }
    return 0;
}

/* ---- recording results ---- */

/* Seconds before attempt number `attempts` + 1: base * 2^(attempts-1),
 * capped, +-20% jitter; the provider's hint wins when it gives one. */
static int64_t backoff_s(struct sender *s, const struct channel_settings *ch, int attempts,
                         int hint_s)
{
    if (hint_s > 0)
        return hint_s;
    double base = ch->retry_base_s;
    double cap = ch->retry_max_s;
    double d = base;
    for (int i = 1; i < attempts && d < cap; i++)
        d *= 2;
    if (d > cap)
        d = cap;
    double jitter = 0.8 + 0.4 * ((double)rand_r(&s->seed) / (double)RAND_MAX);
    d *= jitter;
    return d < 1 ? 1 : (int64_t)(d + 0.5);
}

static const char *outcome_name(enum send_outcome o)
{
    switch (o) {
    case SEND_ACCEPTED:
        return "sent";
    case SEND_RETRY:
        return "retry";
    case SEND_PERMANENT:
        return "failed";
    case SEND_OPTED_OUT:
        return "opted_out_at_carrier";
    }
    return "?";
}

/* Write one message's result (inside the caller's transaction). Returns 0
 * or -1; *what names the new status, *retry_at the next attempt (0: none). */
static int record_one(struct sender *s, sqlite3 *db, struct request *r, size_t i, int64_t now,
                      const char **what, int64_t *retry_at)
{
    const struct outbox_row *row = &r->rows[i];
    struct send_result *res = &r->results[i];
    res->reason[sizeof res->reason - 1] = '\0';
    res->provider_id[sizeof res->provider_id - 1] = '\0';
    int attempts = row->attempts + 1;
    *retry_at = 0;
    switch (res->outcome) {
    case SEND_ACCEPTED:
        *what = "sent";
        return outbox_settle(db, row->id, "sent", res->provider_id, NULL, now);
    case SEND_RETRY: {
        int max_attempts = r->ch->max_attempts;
        const char *reason = res->reason[0] ? res->reason : "transient failure";
        if (attempts >= max_attempts) {
            *what = "failed";
            char err[MESSAGE_ERROR_MAX + 16];
            snprintf(err, sizeof err, "max_attempts: %.*s", MESSAGE_ERROR_MAX - 16, reason);
            return outbox_settle(db, row->id, "failed", NULL, err, now);
        }
        *what = "retry";
        *retry_at = now + backoff_s(s, r->ch, attempts, res->retry_after_s);
        return outbox_requeue(db, row->id, *retry_at, reason, now);
    }
    case SEND_OPTED_OUT:
        *what = "opted_out_at_carrier";
        return outbox_opted_out_at_carrier(db, row->id, row->phone, now);
    case SEND_PERMANENT:
        break;
    }
    *what = "failed";
    return outbox_settle(db, row->id, "failed", NULL,
                         res->reason[0] ? res->reason : "permanent failure", now);
}

/* Record the results of every finished request in one transaction, then
 * log and free them. On a database error they stay for the next pass. */
static void record_done(struct sender *s, sqlite3 *db)
{
    if (!s->done || !db)
        return;
    int64_t now = db_now();
    if (db_begin(db) != 0)
        return;
    for (struct request *r = s->done; r; r = r->next)
        for (size_t i = 0; i < r->n; i++) {
            const char *what;
            int64_t retry_at;
            if (record_one(s, db, r, i, now, &what, &retry_at) != 0) {
                db_rollback(db);
                return;
            }
        }
    if (db_commit(db) != 0)
        return;
    /* Log after the commit, so each line says what is on disk. */
    struct request *r = s->done;
    s->done = NULL;
    while (r) {
        struct request *next = r->next;
        for (size_t i = 0; i < r->n; i++) {
            char masked[MSISDN_MAX], q[200], pid[160];
            msisdn_mask(r->rows[i].phone, masked);
            const struct send_result *res = &r->results[i];
            const char *outcome = outcome_name(res->outcome);
            int attempts = r->rows[i].attempts + 1;
            if (res->outcome == SEND_RETRY && attempts >= r->ch->max_attempts)
                outcome = "failed";
            log_info("send_result",
                     "id=%lld channel=%s phone=%s outcome=%s attempts=%d batch=%zu provider_id=%s "
                     "reason=%s",
                     (long long)r->rows[i].id, r->ch->name, masked, outcome, attempts, r->n,
                     log_quote(res->provider_id, pid, sizeof pid),
                     log_quote(res->reason, q, sizeof q));
        }
        request_free(r);
        r = next;
    }
}

static void finish(struct sender *s, struct request *r)
{
    r->next = s->done;
    s->done = r;
}

/* ---- claiming and starting requests ---- */

static void log_settled(const struct channel_settings *ch, const struct outbox_row *row,
                        const char *outcome, const char *reason, const char *provider_id)
{
    char masked[MSISDN_MAX];
    msisdn_mask(row->phone, masked);
    log_info("send_result", "id=%lld channel=%s phone=%s outcome=%s attempts=%d reason=%s%s%s",
             (long long)row->id, ch->name, masked, outcome, row->attempts + (provider_id ? 1 : 0),
             reason ? reason : "-", provider_id ? " provider_id=" : "",
             provider_id ? provider_id : "");
}

/* The sandbox: due messages pass the gate and expiry, then are recorded as
 * sent with the provider id sandbox_send gives, and the sandbox's delivery
 * report goes through the same path as a provider's (app/inbound), so a
 * message shows its whole life without any network. Returns the rows
 * taken, or -1. */
static int sandbox_pass(sqlite3 *db, const struct channel_settings *ch, int64_t now)
{
    struct outbox_row rows[SENDER_SANDBOX_BATCH];
    if (db_begin(db) != 0)
        return -1;
    int n = outbox_due(db, ch->name, now, rows, SENDER_SANDBOX_BATCH);
    if (n <= 0) {
        db_rollback(db);
        return n;
    }
    int64_t expiry = ch->expiry_s;
    char ids[SENDER_SANDBOX_BATCH][sizeof((struct send_result *)0)->provider_id];
    const char *outcome[SENDER_SANDBOX_BATCH];
    for (int i = 0; i < n; i++) {
        int rc;
        if (rows[i].blocked) {
            outcome[i] = "suppressed";
            rc = outbox_settle(db, rows[i].id, "suppressed", NULL, rows[i].blocked, now);
        } else if (rows[i].created_at < now - expiry) {
            outcome[i] = "expired";
            rc = outbox_settle(db, rows[i].id, "expired", NULL, "expired_before_send", now);
        } else {
            outcome[i] = "sent";
            struct outbound_message msg = {
                .id = rows[i].id, .to = rows[i].phone, .text = rows[i].body};
            struct send_result res;
            memset(&res, 0, sizeof res);
            sandbox_send(&msg, &res);
            snprintf(ids[i], sizeof ids[i], "%s", res.provider_id);
            rc = outbox_settle(db, rows[i].id, "sent", ids[i], NULL, now);
        }
        if (rc != 0) {
            db_rollback(db);
            outbox_rows_free(rows, (size_t)n);
            return -1;
        }
    }
    if (db_commit(db) != 0) {
        outbox_rows_free(rows, (size_t)n);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        bool sent = strcmp(outcome[i], "sent") == 0;
        log_settled(ch, &rows[i], outcome[i],
                    sent              ? NULL
                    : rows[i].blocked ? rows[i].blocked
                                      : "expired_before_send",
                    sent ? ids[i] : NULL);
        if (!sent)
            continue;
        struct outbound_message msg = {.id = rows[i].id, .to = rows[i].phone, .text = rows[i].body};
        struct inbound_batch report;
        if (sandbox_delivery_report(&msg, ids[i], &report) != 0)
            continue;
        for (size_t k = 0; k < report.count; k++)
            if (inbound_dlr(ch, &report.events[k]) != 0)
                break;
        inbound_batch_free(&report);
    }
    outbox_rows_free(rows, (size_t)n);
    return n;
}

/* Turn one group of claimed rows into a started request (or a finished one
 * when it cannot start). Takes the rows' bodies. */
static void start_request(struct sender *s, sqlite3 *db, struct runtime *rt,
                          const struct channel_settings *ch, const struct channel_ops *ops,
                          struct chan_state *cs, struct outbox_row *rows, const size_t *idx,
                          size_t n)
{
    struct request *r = calloc(1, sizeof *r);
    if (r) {
        r->rows = calloc(n, sizeof *r->rows);
        r->msgs = calloc(n, sizeof *r->msgs);
        r->results = calloc(n, sizeof *r->results);
    }
    if (!r || !r->rows || !r->msgs || !r->results) {
        /* Out of memory: the rows stay 'sending' until the next start. */
        log_error("sender_oom", "channel=%s messages=%zu", ch->name, n);
        if (r) {
            free(r->rows);
            free(r->msgs);
            free(r->results);
            free(r);
        }
        return;
    }
    /* The request keeps its own reference to the runtime so ch and ops
     * outlive a reload. If a reload slipped in since the claim, use the
     * channel's new settings. */
    const char *claimed_name = ch->name; /* valid: the caller holds rt */
    r->rt = runtime_acquire();
    if (r->rt && r->rt != rt) {
        ch = config_channel(&r->rt->cfg, ch->name);
        ops = ch ? channel_ops_find(ch->type) : NULL;
        if (!ops || !ops->network || !ops->send_build || !ops->send_parse) {
            runtime_release(r->rt);
            r->rt = NULL;
        }
    }
    r->ch = ch;
    r->ops = ops;
    r->cs = cs;
    r->n = n;
    for (size_t i = 0; i < n; i++) {
        r->rows[i] = rows[idx[i]];
        rows[idx[i]].body = NULL;
        r->msgs[i] = (struct outbound_message){
            .id = r->rows[i].id,
            .to = r->rows[i].phone,
            .text = r->rows[i].body,
            .encoding = strcmp(r->rows[i].encoding, "ucs2") == 0 ? TEXT_UCS2 : TEXT_GSM7,
        };
    }
    if (!r->rt) {
        /* The channel left the configuration (or changed type) in a reload
         * since the claim: put its messages back as they were. */
        int64_t now = db_now();
        if (db_begin(db) == 0) {
            bool ok = true;
            for (size_t i = 0; i < n && ok; i++)
                ok =
                    outbox_requeue(db, r->rows[i].id, now, "channel changed by a reload", now) == 0;
            if (ok && db_commit(db) == 0)
                log_warn("send_requeued", "channel=%s messages=%zu reason=\"reload\"", claimed_name,
                         n);
            else
                db_rollback(db);
        }
        request_free(r);
        return;
    }
    char reason[160] = "";
    if (ops->send_build(ch, r->msgs, n, &r->call, reason, sizeof reason) != 0) {
        results_all(r, SEND_PERMANENT, reason[0] ? reason : "channel cannot send this message");
        finish(s, r);
        return;
    }
    const char *why = NULL;
    if (easy_setup(r, &why) != 0) {
        results_all(r, SEND_RETRY, why);
        finish(s, r);
        return;
    }
    CURLMcode mc = curl_multi_add_handle(s->multi, r->easy);
    if (mc != CURLM_OK) {
        results_all(r, SEND_RETRY, curl_multi_strerror(mc));
        finish(s, r);
        return;
    }
    r->in_multi = true;
    r->next_running = s->running;
    s->running = r;
    cs->inflight++;
    s->inflight++;
}

/* Claim the due messages of one HTTP channel that its bucket and free
 * slots allow, group them into requests and start those. Returns the
 * milliseconds after which this channel wants another pass (SENDER_IDLE_MS
 * when nothing more is known to be due). */
static long http_pass(struct sender *s, sqlite3 *db, struct runtime *rt,
                      const struct channel_settings *ch, const struct channel_ops *ops,
                      struct chan_state *cs, int64_t now)
{
    double rate = ch->throughput_per_s;
    int concurrency = ch->concurrency;
    size_t batch = ops->max_batch < 1 ? 1 : ops->max_batch;
    if (batch > SENDER_BATCH_CEILING)
        batch = SENDER_BATCH_CEILING;
    double t = monotonic_s();
    cs->tokens += (t - cs->refilled_at) * rate;
    cs->refilled_at = t;
    double burst = rate < 1 ? 1 : rate;
    if (!cs->primed) {
        cs->primed = true;
        cs->tokens = burst;
    }
    if (cs->tokens > burst)
        cs->tokens = burst;
    int slots = concurrency - cs->inflight;
    if (slots <= 0)
        return SENDER_IDLE_MS; /* a finishing transfer wakes the poll */
    if (cs->tokens < 1)
        return ms_until_token(cs->tokens, rate);
    size_t limit = (size_t)cs->tokens;
    if (limit > (size_t)slots * batch)
        limit = (size_t)slots * batch;
    if (limit > SENDER_CLAIM_MAX)
        limit = SENDER_CLAIM_MAX;

    struct outbox_row *rows = calloc(limit, sizeof *rows);
    size_t *group = calloc(limit, sizeof *group);   /* group of each row, or SIZE_MAX */
    size_t *gfirst = calloc(limit, sizeof *gfirst); /* first row of each group */
    size_t *gsize = calloc(limit, sizeof *gsize);
    size_t *idx = calloc(limit, sizeof *idx);
    long wait = SENDER_IDLE_MS;
    int n = -1;
    if (!rows || !group || !gfirst || !gsize || !idx || db_begin(db) != 0)
        goto out;
    n = outbox_due(db, ch->name, now, rows, limit);
    if (n <= 0) {
        db_rollback(db);
        goto out;
    }
    int64_t expiry = ch->expiry_s;
    size_t ngroups = 0, claimed = 0;
    for (size_t i = 0; i < (size_t)n; i++) {
        group[i] = SIZE_MAX;
        int rc = 0;
        if (rows[i].blocked) {
            rc = outbox_settle(db, rows[i].id, "suppressed", NULL, rows[i].blocked, now);
        } else if (rows[i].created_at < now - expiry) {
            rc = outbox_settle(db, rows[i].id, "expired", NULL, "expired_before_send", now);
        } else {
            size_t g = SIZE_MAX;
            if (batch > 1)
                for (size_t k = 0; k < ngroups && g == SIZE_MAX; k++)
                    if (gsize[k] < batch && strcmp(rows[gfirst[k]].body, rows[i].body) == 0)
                        g = k;
            if (g == SIZE_MAX && ngroups < (size_t)slots) {
                g = ngroups++;
                gfirst[g] = i;
            }
            if (g == SIZE_MAX)
                continue; /* no free slot: stays queued for a later pass */
            group[i] = g;
            gsize[g]++;
            claimed++;
            rc = outbox_mark_sending(db, rows[i].id, now);
        }
        if (rc != 0) {
            db_rollback(db);
            goto out;
        }
    }
    if (db_commit(db) != 0)
        goto out;
    for (size_t i = 0; i < (size_t)n; i++)
        if (rows[i].blocked)
            log_settled(ch, &rows[i], "suppressed", rows[i].blocked, NULL);
        else if (rows[i].created_at < now - expiry)
            log_settled(ch, &rows[i], "expired", "expired_before_send", NULL);
    for (size_t g = 0; g < ngroups; g++) {
        size_t m = 0;
        for (size_t i = 0; i < (size_t)n; i++)
            if (group[i] == g)
                idx[m++] = i;
        start_request(s, db, rt, ch, ops, cs, rows, idx, m);
    }
    cs->tokens -= (double)claimed;
    if ((size_t)n == limit) /* more may be due */
        wait = cs->tokens >= 1 ? 0 : ms_until_token(cs->tokens, rate);
out:
    if (rows && n > 0)
        outbox_rows_free(rows, (size_t)n);
    free(rows);
    free(group);
    free(gfirst);
    free(gsize);
    free(idx);
    return wait;
}

/* One pass over every channel. Returns how long the loop may sleep. */
static long dispatch(struct sender *s, sqlite3 *db)
{
    struct runtime *rt = runtime_acquire();
    if (!rt)
        return SENDER_IDLE_MS;
    long wait = SENDER_IDLE_MS;
    int64_t now = db_now();
    for (size_t i = 0; i < rt->cfg.nchannels; i++) {
        const struct channel_settings *ch = &rt->cfg.channels[i];
        const struct channel_ops *ops = channel_ops_find(ch->type);
        struct chan_state *cs = chan_state(s, ch->name);
        if (!ops || !cs)
            continue;
        assert(ch->throughput_per_s > 0 && ch->concurrency > 0 && ch->max_attempts > 0 &&
               ch->retry_base_s > 0 && ch->retry_max_s >= ch->retry_base_s && ch->expiry_s > 0 &&
               ch->request_timeout_s > 0);
        if (now >= cs->next_sweep) {
            cs->next_sweep = now + 1;
            int n = outbox_expire(db, ch->name, now - ch->expiry_s, now);
            if (n > 0)
                log_info("outbox_expired", "channel=%s count=%d", ch->name, n);
        }
        if (!ops->network) {
            for (int round = 0; round < SENDER_SANDBOX_ROUNDS; round++)
                if (sandbox_pass(db, ch, now) < SENDER_SANDBOX_BATCH)
                    break;
            continue;
        }
        if (!ops->send_build || !ops->send_parse)
            continue;
        long w = http_pass(s, db, rt, ch, ops, cs, now);
        if (w < wait)
            wait = w;
    }
    runtime_release(rt);
    return wait;
}

/* Collect the transfers curl finished: parse the answers into results. */
static void collect(struct sender *s)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(s->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        struct request *r = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
        CURLcode result = m->data.result;
        curl_multi_remove_handle(s->multi, m->easy_handle);
        if (!r)
            continue;
        for (struct request **pp = &s->running; *pp; pp = &(*pp)->next_running)
            if (*pp == r) {
                *pp = r->next_running;
                break;
            }
        r->in_multi = false;
        r->cs->inflight--;
        s->inflight--;
        long status = 0;
        curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
        if (result != CURLE_OK && !(r->resp_capped && status > 0))
            status = 0; /* no (complete) answer: timeout, refused, reset */
        if (result != CURLE_OK && status == 0)
            log_warn("send_transport_error", "channel=%s messages=%zu error=\"%s\"", r->ch->name,
                     r->n, r->errbuf[0] ? r->errbuf : curl_easy_strerror(result));
        if (r->resp_capped)
            log_warn("send_answer_too_large", "channel=%s status=%ld limit=%d", r->ch->name, status,
                     SENDER_RESPONSE_MAX);
        for (size_t i = 0; i < r->n; i++)
            memset(&r->results[i], 0, sizeof r->results[i]);
        r->ops->send_parse(r->ch, r->msgs, r->n, status, r->resp ? r->resp : "", r->resp_len,
                           r->results);
        finish(s, r);
    }
}

/* Stop: transfers still running at the deadline are dropped; their
 * messages stay 'sending' for start-up reconciliation. */
static void abandon_inflight(struct sender *s)
{
    size_t dropped = 0;
    while (s->running) {
        struct request *r = s->running;
        s->running = r->next_running;
        curl_multi_remove_handle(s->multi, r->easy);
        dropped += r->n;
        request_free(r);
    }
    if (dropped)
        log_warn("sender_abandoned",
                 "messages=%zu reason=\"still in flight at stop; they stay "
                 "'sending' and are reconciled at the next start\"",
                 dropped);
}

static void *sender_main(void *arg)
{
    struct sender *s = arg;
    sqlite3 *db = NULL;
    bool stopping = false;
    double deadline = 0;
    for (;;) {
        pthread_mutex_lock(&s->lock);
        bool stop = s->stop;
        int grace_ms = s->grace_ms;
        pthread_mutex_unlock(&s->lock);
        if (stop && !stopping) {
            stopping = true;
            deadline = monotonic_s() + grace_ms / 1000.0;
        }
        if (!db)
            db = db_thread();
        long wait = SENDER_IDLE_MS;
        if (!stopping && db)
            wait = dispatch(s, db);
        int still = 0;
        curl_multi_perform(s->multi, &still);
        collect(s);
        record_done(s, db);
        if (stopping && (s->inflight == 0 || monotonic_s() >= deadline))
            break;
        if (s->done)
            wait = wait < 50 ? wait : 50; /* results to record again: the database was busy */
        if (wait > 0)
            curl_multi_poll(s->multi, NULL, 0, (int)wait, NULL);
    }
    abandon_inflight(s);
    record_done(s, db);
    /* Results that could not be recorded: messages stay 'sending'. */
    while (s->done) {
        struct request *next = s->done->next;
        request_free(s->done);
        s->done = next;
    }
    return NULL;
}

void sender_wake(void)
{
    pthread_mutex_lock(&running_lock);
    if (running)
        curl_multi_wakeup(running->multi);
    pthread_mutex_unlock(&running_lock);
}

struct sender *sender_start(void)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        log_error("sender_start_failed", "reason=\"curl_global_init failed\"");
        return NULL;
    }
    struct sender *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->multi = curl_multi_init();
    if (!s->multi) {
        free(s);
        log_error("sender_start_failed", "reason=\"curl_multi_init failed\"");
        return NULL;
    }
    curl_multi_setopt(s->multi, CURLMOPT_MAXCONNECTS, (long)SENDER_MAX_CONNECTIONS);
    s->seed = (unsigned)time(NULL) ^ (unsigned)(uintptr_t)s;
    pthread_mutex_init(&s->lock, NULL);
    if (pthread_create(&s->thread, NULL, sender_main, s) != 0) {
        log_error("sender_start_failed", "error=%d", errno);
        curl_multi_cleanup(s->multi);
        pthread_mutex_destroy(&s->lock);
        free(s);
        return NULL;
    }
    pthread_mutex_lock(&running_lock);
    running = s;
    pthread_mutex_unlock(&running_lock);
    message_set_waker(sender_wake);
    return s;
}

void sender_stop(struct sender *s, int grace_ms)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->lock);
    s->stop = true;
    s->grace_ms = grace_ms;
    pthread_mutex_unlock(&s->lock);
    curl_multi_wakeup(s->multi);
    pthread_join(s->thread, NULL);
    message_set_waker(NULL);
    pthread_mutex_lock(&running_lock);
    running = NULL;
    pthread_mutex_unlock(&running_lock);
    curl_multi_cleanup(s->multi);
    pthread_mutex_destroy(&s->lock);
    free(s);
    curl_global_cleanup();
}
