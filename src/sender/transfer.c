/* transfer.c -- requests to providers over curl's multi interface:
 * building each easy handle from the channel's channel_http_call (headers checked
 * for line breaks, protocols limited to http and https, no redirects,
 * bounded answer), collecting finished transfers into per-message results,
 * dropping those still running at stop. */
#include "sender/transfer.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sender/health.h"
#include "sender/retry_after.h"
#include "sys/log.h"
#include "sys/metrics.h"

#define TRANSFER_CONNECT_TIMEOUT_MS 5000
#define TRANSFER_MAX_CONNECTIONS 256

int transfers_init(struct transfers *t)
{
    memset(t, 0, sizeof *t);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        log_error("sender_start_failed", "reason=\"curl_global_init failed\"");
        return -1;
    }
    t->multi = curl_multi_init();
    if (!t->multi) {
        log_error("sender_start_failed", "reason=\"curl_multi_init failed\"");
        curl_global_cleanup();
        return -1;
    }
    curl_multi_setopt(t->multi, CURLMOPT_MAXCONNECTS, (long)TRANSFER_MAX_CONNECTIONS);
    return 0;
}

void transfers_cleanup(struct transfers *t)
{
    transfers_abandon(t);
    while (t->done) {
        struct request *next = t->done->next;
        request_free(t->done);
        t->done = next;
    }
    curl_multi_cleanup(t->multi);
    t->multi = NULL;
    curl_global_cleanup();
}

struct request *request_new(size_t n)
{
    struct request *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->rows = calloc(n, sizeof *r->rows);
    r->msgs = calloc(n, sizeof *r->msgs);
    r->results = calloc(n, sizeof *r->results);
    if (!r->rows || !r->msgs || !r->results) {
        free(r->rows);
        free(r->msgs);
        free(r->results);
        free(r);
        return NULL;
    }
    return r;
}

void request_free(struct request *r)
{
    if (!r)
        return;
    if (r->easy)
        curl_easy_cleanup(r->easy);
    curl_slist_free_all(r->headers);
    channel_http_call_free(&r->call);
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
    if (r->resp_len + n > TRANSFER_RESPONSE_MAX) {
        r->resp_capped = true;
        return 0; /* refuse: the transfer ends with CURLE_WRITE_ERROR */
    }
    if (!r->resp) {
        r->resp = malloc(TRANSFER_RESPONSE_MAX + 1);
        if (!r->resp)
            return 0;
    }
    memcpy(r->resp + r->resp_len, data, n);
    r->resp_len += n;
    r->resp[r->resp_len] = '\0';
    return n;
}

void request_results_all(struct request *r, enum send_outcome outcome, const char *reason)
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
    for (size_t i = 0; i < r->call.nheaders && i < CHANNEL_HTTP_CALL_HEADERS_MAX; i++) {
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
    SET(CURLOPT_CONNECTTIMEOUT_MS, (long)TRANSFER_CONNECT_TIMEOUT_MS);
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

void transfers_finish(struct transfers *t, struct request *r)
{
    r->next = t->done;
    t->done = r;
}

void transfers_start(struct transfers *t, struct request *r)
{
    const char *why = NULL;
    if (easy_setup(r, &why) != 0) {
        request_results_all(r, SEND_RETRY, why);
        transfers_finish(t, r);
        return;
    }
    CURLMcode mc = curl_multi_add_handle(t->multi, r->easy);
    if (mc != CURLM_OK) {
        request_results_all(r, SEND_RETRY, curl_multi_strerror(mc));
        transfers_finish(t, r);
        return;
    }
    r->in_multi = true;
    r->next_running = t->running;
    t->running = r;
    r->pace->inflight++;
    t->inflight++;
}

/* Count r's messages by result and error class, and the time its request
 * took (taawun_sends_total, taawun_send_duration_seconds). */
static void count_sends(const struct request *r, long status)
{
    static const char *const results[] = {[SEND_ACCEPTED] = "accepted",
                                          [SEND_RETRY] = "retry",
                                          [SEND_PERMANENT] = "failed",
                                          [SEND_OPTED_OUT] = "opted_out"};
    for (size_t i = 0; i < r->n; i++) {
        enum send_error_class c = send_error_class_of(&r->results[i], status);
        const char *const labels[] = {r->ch->name, results[r->results[i].outcome],
                                      send_error_class_name(c)};
        metrics_inc(METRICS_SENDS, labels);
    }
    curl_off_t us = 0;
    if (curl_easy_getinfo(r->easy, CURLINFO_TOTAL_TIME_T, &us) == CURLE_OK)
        metrics_observe(METRICS_SEND_DURATION, (const char *const[]){r->ch->name},
                        (double)us / 1e6);
}

/* Copy the single value of the answer's header name (the last response
 * of the transfer) into out; false when absent, longer than outsz - 1, or
 * sent more than once (Retry-After and Date are singletons: two are a
 * malformed answer, not a choice to make). */
static bool answer_header(struct request *r, const char *name, char *out, size_t outsz)
{
    struct curl_header *h = NULL;
    if (curl_easy_header(r->easy, name, 0, CURLH_HEADER, -1, &h) != CURLHE_OK || !h ||
        h->amount != 1 || !h->value || strlen(h->value) >= outsz)
        return false;
    snprintf(out, outsz, "%s", h->value);
    return true;
}

/* The wait r's answer asks for (sender/retry_after), counted from the
 * answer's own Date when it has one; 0 when it asks for none. */
static int answer_retry_after(struct request *r)
{
    char value[80], date[80];
    if (!answer_header(r, "Retry-After", value, sizeof value))
        return 0;
    int64_t now = (int64_t)time(NULL);
    time_t t = answer_header(r, "Date", date, sizeof date) ? curl_getdate(date, NULL) : -1;
    if (t > 0)
        now = (int64_t)t;
    return retry_after_seconds(value, now, r->ch->retry_max_s);
}

/* One transfer curl finished with result: parse its answer into results. */
static void collect_one(struct transfers *t, struct request *r, CURLcode result)
{
    for (struct request **pp = &t->running; *pp; pp = &(*pp)->next_running)
        if (*pp == r) {
            *pp = r->next_running;
            break;
        }
    r->in_multi = false;
    r->pace->inflight--;
    t->inflight--;
    long status = 0;
    curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
    if (result != CURLE_OK && !(r->resp_capped && status > 0))
        status = 0; /* no (complete) answer: timeout, refused, reset */
    /* A provider down fails every request: one line per channel per
     * interval, with the count held back (the summary has them all). */
    char key[LOG_COLLAPSE_KEY_MAX], q[CURL_ERROR_SIZE + 8];
    if (result != CURLE_OK && status == 0) {
        snprintf(key, sizeof key, "send_transport_error:%s", r->ch->name);
        log_collapsed(
            LOG_WARN, key, LOG_COLLAPSE_INTERVAL_MS, "send_transport_error",
            "channel=%s messages=%zu error=%s", r->ch->name, r->n,
            log_quote(r->errbuf[0] ? r->errbuf : curl_easy_strerror(result), q, sizeof q));
    }
    if (r->resp_capped) {
        snprintf(key, sizeof key, "send_answer_too_large:%s", r->ch->name);
        log_collapsed(LOG_WARN, key, LOG_COLLAPSE_INTERVAL_MS, "send_answer_too_large",
                      "channel=%s status=%ld limit=%d", r->ch->name, status, TRANSFER_RESPONSE_MAX);
    }
    r->http_status = status;
    for (size_t i = 0; i < r->n; i++)
        memset(&r->results[i], 0, sizeof r->results[i]);
    struct channel_http_answer answer = {status, r->resp ? r->resp : "", r->resp_len,
                                         status > 0 ? answer_retry_after(r) : 0};
    r->ops->send_parse(r->ch, r->msgs, r->n, &answer, r->results);
    health_record(r->ch->name, status, r->results, r->n, (int64_t)time(NULL));
    count_sends(r, status);
    transfers_finish(t, r);
}

void transfers_perform(struct transfers *t)
{
    int still = 0;
    curl_multi_perform(t->multi, &still);
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(t->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        struct request *r = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
        CURLcode result = m->data.result;
        curl_multi_remove_handle(t->multi, m->easy_handle);
        if (r)
            collect_one(t, r, result);
    }
}

void transfers_wait(struct transfers *t, long ms, int fd)
{
    struct curl_waitfd extra = {.fd = fd, .events = CURL_WAIT_POLLIN};
    if (ms > 0)
        curl_multi_poll(t->multi, fd >= 0 ? &extra : NULL, fd >= 0 ? 1 : 0, (int)ms, NULL);
}

void transfers_wakeup(struct transfers *t)
{
    curl_multi_wakeup(t->multi);
}

void transfers_abandon(struct transfers *t)
{
    size_t dropped = 0;
    while (t->running) {
        struct request *r = t->running;
        t->running = r->next_running;
        curl_multi_remove_handle(t->multi, r->easy);
        t->inflight--;
        dropped += r->n;
        request_free(r);
    }
    if (dropped)
        log_warn("sender_abandoned",
                 "messages=%zu reason=\"still in flight at stop; they stay "
                 "'sending' and are reconciled at the next start\"",
                 dropped);
}
