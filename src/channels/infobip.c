/* infobip.c -- Infobip's SMS API wire format: inbound messages and delivery
 * reports are JSON {"results":[...]} (up to 100 per POST); a send is one
 * JSON message with many destinations of the same text, each carrying our
 * messages.id as its messageId so that reports name our row; the answer
 * holds a status (groupId 1..5) per destination. */
#include "channels/infobip.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channels/adapter.h"

/* ---- inbound ---- */

/* Infobip status groups: 1 PENDING, 2 UNDELIVERABLE, 3 DELIVERED,
 * 4 EXPIRED, 5 REJECTED. */
static enum delivery_state infobip_state(long group, const char *name)
{
    switch (group) {
    case 1:
        return name && strcmp(name, "PENDING_ENROUTE") == 0 ? DELIVERY_SENT : DELIVERY_ACCEPTED;
    case 2:
        return DELIVERY_FAILED;
    case 3:
        return DELIVERY_DELIVERED;
    case 4:
        return DELIVERY_EXPIRED;
    case 5:
        return DELIVERY_REJECTED;
    }
    return DELIVERY_UNKNOWN;
}

/* Copy the string member key of obj ("" when absent and optional). */
static int infobip_copy(const json_t *obj, const char *key, struct adapter_batch *b, size_t max,
                        bool required, const char **out, size_t *out_len, struct channel_error *err)
{
    char tmp[32];
    size_t len = 0;
    const char *v = adapter_json_text_len(obj, key, tmp, sizeof tmp, &len);
    /* The whole length: a "\u0000" inside makes the copy refuse the field. */
    return adapter_value_copy(b, v, len, max, required, out, out_len, err);
}

/* The text of an inbound SMS, "\u0000" and other controls cleaned. */
static int infobip_text(const json_t *obj, struct adapter_batch *b, const char **out,
                        size_t *out_len, struct channel_error *err)
{
    char tmp[32];
    size_t len = 0;
    const char *v = adapter_json_text_len(obj, "text", tmp, sizeof tmp, &len);
    return adapter_text_copy(b, v, len, HTTP_BODY_CEILING, out, out_len, err);
}

static int infobip_sms(const json_t *r, struct adapter_batch *b, struct channel_error *err)
{
    struct channel_event *e = adapter_batch_add(b, CHANNEL_EVENT_SMS);
    if (!e)
        return adapter_fail(err, 413, "too_large", "too many results in one request");
    return infobip_copy(r, "from", b, ADAPTER_FIELD_MAX, true, &e->from_raw, NULL, err) ||
                   infobip_copy(r, "to", b, ADAPTER_FIELD_MAX, false, &e->to, NULL, err) ||
                   infobip_copy(r, "messageId", b, ADAPTER_ID_MAX, false, &e->provider_id, NULL,
                                err) ||
                   infobip_text(r, b, &e->text, &e->text_len, err)
               ? -1
               : 0;
}

static int infobip_dlr(const json_t *r, struct adapter_batch *b, struct channel_error *err)
{
    struct channel_event *e = adapter_batch_add(b, CHANNEL_EVENT_DLR);
    if (!e)
        return adapter_fail(err, 413, "too_large", "too many results in one request");
    if (infobip_copy(r, "messageId", b, ADAPTER_ID_MAX, true, &e->dlr_provider_id, NULL, err) ||
        infobip_copy(r, "to", b, ADAPTER_FIELD_MAX, false, &e->to, NULL, err))
        return -1;
    const json_t *status = json_object_get(r, "status");
    if (!json_is_object(status))
        return adapter_fail(err, 400, "bad_request", "a result lacks its status");
    char tmp[32];
    long group = 0;
    const char *g = adapter_json_text(status, "groupId", tmp, sizeof tmp);
    if (!g || adapter_parse_long(g, 0, 1000, &group) != 0)
        return adapter_fail(err, 400, "bad_request", "a status lacks its groupId");
    const char *name;
    if (infobip_copy(status, "name", b, ADAPTER_FIELD_MAX, false, &name, NULL, err))
        return -1;
    e->status = name;
    e->state = infobip_state(group, name);
    const json_t *error = json_object_get(r, "error");
    if (json_is_object(error)) {
        const char *id = adapter_json_text(error, "id", tmp, sizeof tmp);
        if (id && strcmp(id, "0") != 0 &&
            infobip_copy(error, "name", b, ADAPTER_FIELD_MAX, false, &e->error_code, NULL, err))
            return -1;
    }
    /* We sent our messages.id as the messageId (see infobip_send_build). */
    e->dlr_message_id = adapter_parse_id(e->dlr_provider_id);
    return 0;
}

static int infobip_inbound_parse(const struct channel_settings *ch, const char *kind,
                                 const struct channel_request *req, struct channel_batch *out,
                                 struct channel_error *err)
{
    (void)ch;
    bool sms = strcmp(kind, "sms") == 0, dlr = strcmp(kind, "dlr") == 0;
    if (!sms && !dlr)
        return adapter_fail(err, 404, "not_found", "no such webhook");
    if (!req->content_type || strcmp(req->content_type, "application/json") != 0)
        return adapter_fail(err, 415, "unsupported_media_type", "send application/json");
    json_t *root = adapter_json_object(req->body, req->body_len);
    json_t *results = root ? json_object_get(root, "results") : NULL;
    if (!json_is_array(results)) {
        json_decref(root);
        return adapter_fail(err, 400, "bad_request", "body is not {\"results\":[...]}");
    }
    size_t n = json_array_size(results);
    if (n > ADAPTER_EVENTS_MAX) {
        json_decref(root);
        return adapter_fail(err, 413, "too_large", "too many results in one request");
    }
    struct adapter_batch b;
    if (adapter_batch_init(&b, n, req->body_len + 64) != 0) {
        json_decref(root);
        return adapter_fail(err, 500, "internal", "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *r = json_array_get(results, i);
        int rc = !json_is_object(r)
                     ? adapter_fail(err, 400, "bad_request", "a result is not an object")
                 : sms ? infobip_sms(r, &b, err)
                       : infobip_dlr(r, &b, err);
        if (rc != 0) {
            adapter_batch_drop(&b);
            json_decref(root);
            return -1;
        }
    }
    json_decref(root);
    adapter_batch_done(&b, out);
    return 0;
}

static long infobip_sms_reply(const char *reply, char *out, size_t outsz, const char **content_type)
{
    (void)reply; /* replies go through the outbox */
    *content_type = "text/plain; charset=utf-8";
    if (outsz == 0)
        return -1;
    out[0] = '\0';
    return 0;
}

/* ---- sending ---- */

static int infobip_send_build(const struct channel_settings *ch,
                              const struct outbound_message *msgs, size_t n,
                              struct channel_http_call *out, char *reason, size_t reasonsz)
{
    memset(out, 0, sizeof *out);
    if (n == 0 || n > infobip_ops.max_batch) {
        snprintf(reason, reasonsz, "batch of %zu recipients", n);
        return -1;
    }
    if (!ch->has_api_key) {
        snprintf(reason, reasonsz, "channel %s has no API key", ch->name);
        return -1;
    }
    for (size_t i = 1; i < n; i++)
        if (strcmp(msgs[i].text, msgs[0].text) != 0) {
            snprintf(reason, reasonsz, "a batch needs the same text for every recipient");
            return -1;
        }
    json_t *root = json_object(), *list = json_array(), *m = json_object(), *dests = json_array();
    bool ok = root && list && m && dests;
    /* Once attached, each object belongs to its parent (json_*_set_new). */
    ok = ok && json_object_set_new(root, "messages", list) == 0;
    ok = ok && json_array_append_new(list, m) == 0;
    ok = ok && json_object_set_new(m, "destinations", dests) == 0;
    if (!ok) {
        json_decref(root);
        json_decref(list);
        json_decref(m);
        json_decref(dests);
        snprintf(reason, reasonsz, "out of memory");
        return -1;
    }
    for (size_t i = 0; ok && i < n; i++) {
        char id[24];
        snprintf(id, sizeof id, "%" PRId64, msgs[i].id);
        ok = json_array_append_new(dests, json_pack("{s:s, s:s}", "to", adapter_digits(msgs[i].to),
                                                    "messageId", id)) == 0;
    }
    if (ch->sender_id[0])
        ok = ok && json_object_set_new(m, "from", json_string(ch->sender_id)) == 0;
    /* json_string() refuses text that is not UTF-8. */
    ok = ok && json_object_set_new(m, "text", json_string(msgs[0].text)) == 0;
    char notify[CHANNEL_URL_MAX + 512];
    size_t nl = 0;
    if (ok && adapter_hook_url(ch, "dlr", notify, sizeof notify, &nl) == 0) {
        ok = json_object_set_new(m, "notifyUrl", json_string(notify)) == 0 &&
             json_object_set_new(m, "notifyContentType", json_string("application/json")) == 0;
    }
    char *body = ok ? json_dumps(root, JSON_COMPACT) : NULL;
    json_decref(root);
    if (!body) {
        snprintf(reason, reasonsz, "cannot build the JSON request (text not UTF-8?)");
        return -1;
    }
    char auth[SECRET_MAX + 8];
    snprintf(auth, sizeof auth, "App %s", ch->api_key);
    int rc = adapter_call_init(out, "POST", ch->base_url, "/sms/2/text/advanced");
    rc |= adapter_call_header(out, "Authorization", auth);
    rc |= adapter_call_header(out, "Content-Type", "application/json");
    rc |= adapter_call_header(out, "Accept", "application/json");
    if (rc != 0) {
        free(body);
        memset(out, 0, sizeof *out);
        snprintf(reason, reasonsz, "request does not fit (URL or header too long)");
        return -1;
    }
    out->body = body;
    out->body_len = strlen(body);
    return 0;
}

/* The outcome of one destination's status. */
static void infobip_status_result(const json_t *st, const char *message_id, struct send_result *r)
{
    char tmp[32];
    long group = -1;
    const char *g = json_is_object(st) ? adapter_json_text(st, "groupId", tmp, sizeof tmp) : NULL;
    if (!g || adapter_parse_long(g, 0, 1000, &group) != 0)
        group = -1;
    const char *name = json_is_object(st) ? json_string_value(json_object_get(st, "name")) : NULL;
    char snip[96];
    adapter_snippet(name, name ? strlen(name) : 0, snip, sizeof snip);
    switch (group) {
    case 1: /* PENDING */
    case 3: /* DELIVERED */
        adapter_result(r, SEND_ACCEPTED, 0, NULL);
        snprintf(r->provider_id, sizeof r->provider_id, "%s", message_id ? message_id : "");
        return;
    case 5: /* REJECTED */
        if (name && strcmp(name, "REJECTED_NOT_ENOUGH_CREDITS") == 0) {
            adapter_result(r, SEND_RETRY, 3600, "%s", snip);
            r->error_class = SEND_ERROR_BALANCE;
        } else {
            adapter_result(r, SEND_PERMANENT, 0, "%s", snip);
        }
        return;
    case 2: /* UNDELIVERABLE */
    case 4: /* EXPIRED */
        adapter_result(r, SEND_PERMANENT, 0, "%s", snip);
        return;
    }
    adapter_result(r, SEND_RETRY, 0, "unknown status group %ld %s", group, snip);
}

static void infobip_send_parse(const struct channel_settings *ch,
                               const struct outbound_message *msgs, size_t n,
                               const struct channel_http_answer *a, struct send_result *results)
{
    long http_status = a->status;
    const char *body = a->body;
    size_t body_len = a->body_len;
    (void)ch;
    if (n == 0)
        return;
    json_t *root = adapter_json_object(body, body_len);
    if (http_status >= 400 && http_status < 500 && http_status != 401 && http_status != 403 &&
        http_status != 408 && http_status != 429 && root) {
        json_t *se = json_object_get(json_object_get(root, "requestError"), "serviceException");
        const char *text = json_string_value(json_object_get(se, "text"));
        if (text) {
            char snip[120];
            adapter_snippet(text, strlen(text), snip, sizeof snip);
            adapter_result(&results[0], SEND_PERMANENT, 0, "HTTP %ld: %s", http_status, snip);
            adapter_result_spread(results, n);
            json_decref(root);
            return;
        }
    }
    if (adapter_http_failure(a, &results[0])) {
        adapter_result_spread(results, n);
        json_decref(root);
        return;
    }
    json_t *list = root ? json_object_get(root, "messages") : NULL;
    size_t nl = json_is_array(list) ? json_array_size(list) : 0;
    if (nl == 0) {
        char snip[80];
        adapter_snippet(body, body_len, snip, sizeof snip);
        adapter_result(&results[0], SEND_RETRY, 0, "unreadable answer: %s", snip);
        adapter_result_spread(results, n);
        json_decref(root);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        char id[24];
        snprintf(id, sizeof id, "%" PRId64, msgs[i].id);
        json_t *match = NULL;
        /* By our messageId first, then by number, then by position. */
        for (size_t j = 0; j < nl && !match; j++) {
            json_t *e = json_array_get(list, j);
            const char *mid = json_string_value(json_object_get(e, "messageId"));
            if (mid && strcmp(mid, id) == 0)
                match = e;
        }
        for (size_t j = 0; j < nl && !match; j++) {
            json_t *e = json_array_get(list, j);
            const char *to = json_string_value(json_object_get(e, "to"));
            if (to && strcmp(adapter_digits(to), adapter_digits(msgs[i].to)) == 0)
                match = e;
        }
        if (!match && nl == n)
            match = json_array_get(list, i);
        if (!json_is_object(match)) {
            adapter_result(&results[i], SEND_RETRY, 0, "destination missing from the answer");
            continue;
        }
        infobip_status_result(json_object_get(match, "status"),
                              json_string_value(json_object_get(match, "messageId")), &results[i]);
    }
    json_decref(root);
}

const struct channel_ops infobip_ops = {
    .type = "infobip",
    .loopback_only = false,
    .needs_secret = true,
    .network = true,
    .max_batch = 100,
    .ussd_content_types = NULL,
    .ussd_parse = NULL,
    .ussd_reply = NULL,
    .verify = NULL,
    .inbound_parse = infobip_inbound_parse,
    .inline_reply = false,
    .sms_reply = infobip_sms_reply,
    .send_build = infobip_send_build,
    .send_parse = infobip_send_parse,
};
