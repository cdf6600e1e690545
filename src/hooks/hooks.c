/* hooks.c -- /healthz on both listeners, and the
 * webhooks /hooks/{channel}/{kind}[/{token}] on the public one (kinds ussd,
 * sms, dlr, ussd-end), where a channel's caller is authenticated (address,
 * secret, provider signature) before anything is parsed or stored. */
#include "hooks/hooks.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app/ussd.h"
#include "channels/channel_ops.h"
#include "core/form.h"
#include "core/limits.h"
#include "hooks/events.h"
#include "runtime/env.h"
#include "runtime/runtime.h"
#include "store/db.h"
#include "sys/log.h"
#include "sys/log_summary.h"
#include "sys/metrics.h"
#include "sys/secret.h"

static void healthz(const struct http_request *req, struct http_response *resp)
{
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        resp->allow = "GET, HEAD";
        http_error(resp, 405, "method_not_allowed", "use GET");
        return;
    }
    bool ok = db_ping(db_thread()) == 0;
    char body[128];
    int n = snprintf(body, sizeof body, "{\"status\":\"%s\",\"version\":\"%s\"}",
                     ok ? "ok" : "unavailable", TAAWUN_VERSION);
    http_reply(resp, ok ? 200 : 503, "application/json", body, (size_t)n);
}

/* Split "/hooks/CHANNEL/KIND[/TOKEN]". Returns 0 or -1. */
static int split_hook_path(const char *path, char *channel, size_t chsz, char *kind, size_t kindsz,
                           const char **token)
{
    if (strncmp(path, "/hooks/", 7) != 0)
        return -1;
    const char *p = path + 7;
    const char *slash = strchr(p, '/');
    if (!slash || slash == p || (size_t)(slash - p) >= chsz)
        return -1;
    memcpy(channel, p, (size_t)(slash - p));
    channel[slash - p] = '\0';
    p = slash + 1;
    slash = strchr(p, '/');
    size_t klen = slash ? (size_t)(slash - p) : strlen(p);
    if (klen == 0 || klen >= kindsz)
        return -1;
    memcpy(kind, p, klen);
    kind[klen] = '\0';
    *token = NULL;
    if (slash) {
        *token = slash + 1;
        if (!**token || strchr(*token, '/'))
            return -1;
    }
    return 0;
}

/* Check the caller of a channel's webhook. Returns 0, or fills resp. */
static int authenticate(const struct channel_settings *ch, const struct channel_ops *ops,
                        const struct http_request *req, const char *path_token,
                        struct http_response *resp)
{
    if (ops->loopback_only && !http_client_is_loopback(req->client)) {
        http_error(resp, 403, "forbidden", "this channel accepts loopback callers only");
        return -1;
    }
    /* Behind a proxy on this host every caller is loopback: a request the
     * proxy marked as forwarded never reaches a loopback-only channel. */
    static const char *const forwarded[] = {"Forwarded", "X-Forwarded-For", "X-Real-IP", "Via"};
    for (size_t i = 0; ops->loopback_only && i < sizeof forwarded / sizeof forwarded[0]; i++)
        if (http_request_header(req, forwarded[i])) {
            http_error(resp, 403, "forbidden",
                       "this channel accepts loopback callers only, never through a proxy");
            return -1;
        }
    if (ch->nallow > 0) {
        bool allowed = false;
        for (size_t i = 0; i < ch->nallow && !allowed; i++)
            allowed = http_client_matches(req->client, ch->allow_from[i]);
        if (!allowed) {
            http_error(resp, 403, "forbidden", "caller address not allowed for this channel");
            return -1;
        }
    }
    if (ch->has_secret) {
        const char *presented = path_token ? path_token : http_request_query(req, "key");
        if (!presented || !*presented) {
            http_error(resp, 401, "unauthorized", "missing channel secret");
            return -1;
        }
        if (!secret_equal(ch->secret, presented, strlen(presented))) {
            http_error(resp, 403, "forbidden", "wrong channel secret");
            return -1;
        }
    }
    return 0;
}

static bool content_type_ok(const char *const *allowed, const char *ctype)
{
    for (size_t i = 0; allowed && allowed[i]; i++)
        if (strcmp(allowed[i], ctype) == 0)
            return true;
    return false;
}

static const char *request_header(void *ctx, const char *name)
{
    return http_request_header(ctx, name);
}

/* The neutral view of a request for an adapter. query must be parsed by
 * the caller (never NULL); form may be NULL. */
static struct channel_request channel_request_of(const struct http_request *req,
                                                 const struct form *form, const struct form *query)
{
    return (struct channel_request){.method = req->method,
                                    .path = req->path,
                                    .query_string = req->query_string ? req->query_string : "",
                                    .content_type = req->content_type,
                                    .body = req->body,
                                    .body_len = req->body_len,
                                    .form = form,
                                    .query = query,
                                    .header = request_header,
                                    .header_ctx = (void *)req,
                                    .received_at = (int64_t)time(NULL)};
}

static void ussd_hook(struct hooks_ctx *rc, struct runtime *rt, const struct channel_settings *ch,
                      const struct channel_ops *ops, const struct http_request *req,
                      struct http_response *resp)
{
    if (!content_type_ok(ops->ussd_content_types, req->content_type)) {
        http_error(resp, 415, "unsupported_media_type", "send application/x-www-form-urlencoded");
        return;
    }
    struct form form;
    enum form_status fs = form_parse(req->body, req->body_len, FORM_FIELDS_MAX, &form);
    if (fs != FORM_OK) {
        http_error(resp, 400, "bad_request", form_status_str(fs));
        return;
    }
    struct form query;
    const char *qs = req->query_string ? req->query_string : "";
    if (form_parse(qs, strlen(qs), FORM_FIELDS_MAX, &query) != FORM_OK) {
        form_free(&form);
        http_error(resp, 400, "bad_request", "malformed query string");
        return;
    }
    struct channel_request creq = channel_request_of(req, &form, &query);
    struct ussd_step step;
    struct channel_error err = {0};
    if (ops->ussd_parse(ch, &creq, &step, &err) != 0) {
        form_free(&form);
        form_free(&query);
        http_error(resp, err.status ? err.status : 400, err.code ? err.code : "bad_request",
                   err.message ? err.message : "bad request");
        return;
    }
    char screen[SCREEN_BYTES_MAX];
    bool end = false;
    metrics_inc(METRICS_USSD_STEPS, (const char *const[]){ch->name});
    enum ussd_result r =
        ussd_handle(rc->sessions, &rt->app, ch, &step, screen, sizeof screen, &end);
    form_free(&form);
    form_free(&query);
    if (r == USSD_BAD_PHONE) {
        http_error(resp, 400, "bad_request", "phoneNumber is not a valid mobile number");
        return;
    }
    if (r != USSD_OK) {
        http_error(resp, 503, "unavailable", "the database is unavailable; try again");
        return;
    }
    char body[SCREEN_BYTES_MAX + 8];
    const char *ctype = "text/plain";
    long n = ops->ussd_reply(screen, end, body, sizeof body, &ctype);
    if (n < 0) {
        http_error(resp, 500, "internal", "reply too large");
        return;
    }
    http_reply(resp, 200, ctype, body, (size_t)n);
    resp->reusable = true; /* a screen: the same bytes, the same answer */
}

static bool method_allowed(const struct channel_ops *ops, const char *method, char *allow,
                           size_t allowsz)
{
    static const char *const post_only[] = {"POST", NULL};
    const char *const *methods = ops->inbound_methods ? ops->inbound_methods : post_only;
    bool ok = false;
    allow[0] = '\0';
    for (size_t i = 0; methods[i]; i++) {
        if (strcmp(methods[i], method) == 0)
            ok = true;
        size_t len = strlen(allow);
        snprintf(allow + len, allowsz - len, "%s%s", len ? ", " : "", methods[i]);
    }
    return ok;
}

/* POST|GET /hooks/{channel}/{sms|dlr|ussd-end}: authenticated by the route
 * (address, secret); here the provider's signature and parsing, then the
 * events committed before the answer (hooks/events: the answer may come
 * later, *rt then taken). */
static void inbound_hook(struct hooks_ctx *rc, struct runtime **rt,
                         const struct channel_settings *ch, const struct channel_ops *ops,
                         const char *kind, const struct http_request *req,
                         struct http_response *resp)
{
    struct form form = {0}, query;
    bool has_form = strcmp(req->content_type, "application/x-www-form-urlencoded") == 0;
    if (has_form) {
        enum form_status fs = form_parse(req->body, req->body_len, FORM_FIELDS_MAX, &form);
        if (fs != FORM_OK) {
            http_error(resp, 400, "bad_request", form_status_str(fs));
            return;
        }
    }
    const char *qs = req->query_string ? req->query_string : "";
    if (form_parse(qs, strlen(qs), FORM_FIELDS_MAX, &query) != FORM_OK) {
        form_free(&form);
        http_error(resp, 400, "bad_request", "malformed query string");
        return;
    }
    struct channel_request creq = channel_request_of(req, has_form ? &form : NULL, &query);
    struct channel_error err = {0};
    struct channel_batch batch = {0};
    if (ops->verify && ops->verify(ch, &creq, &err) != 0) {
        http_error(resp, err.status ? err.status : 403, err.code ? err.code : "forbidden",
                   err.message ? err.message : "bad signature");
    } else if (ops->inbound_parse(ch, kind, &creq, &batch, &err) != 0) {
        http_error(resp, err.status ? err.status : 400, err.code ? err.code : "bad_request",
                   err.message ? err.message : "cannot parse the request");
    } else {
        hook_events_commit(rc->sessions, rt, ch, ops, kind, &batch, req, resp);
    }
    channel_batch_free(&batch);
    form_free(&form);
    form_free(&query);
}

static bool channel_event_kind(const char *kind)
{
    return strcmp(kind, "sms") == 0 || strcmp(kind, "dlr") == 0 || strcmp(kind, "ussd-end") == 0;
}

void hooks_handle(void *ctx, const struct http_request *req, struct http_response *resp)
{
    struct hooks_ctx *rc = ctx;
    if (strcmp(req->path, "/healthz") == 0) {
        snprintf(resp->route, sizeof resp->route, "/healthz");
        healthz(req, resp);
        return;
    }
    char channel[CHANNEL_NAME_MAX], kind[16];
    const char *token;
    if (req->listener != HTTP_PUBLIC ||
        split_hook_path(req->path, channel, sizeof channel, kind, sizeof kind, &token) != 0) {
        http_error(resp, 404, "not_found", "no such path");
        return;
    }
    /* The route for metrics: the pattern with a known kind, never the path. */
    if (strcmp(kind, "ussd") == 0 || channel_event_kind(kind))
        snprintf(resp->route, sizeof resp->route, "/hooks/{channel}/%s", kind);
    struct runtime *rt = runtime_acquire();
    if (!rt) {
        http_error(resp, 503, "unavailable", "starting up");
        return;
    }
    const struct channel_settings *ch = config_channel(&rt->cfg, channel);
    const struct channel_ops *ops = ch ? channel_ops_find(ch->type) : NULL;
    static const char *const allow_lists[] = {"POST", "GET", "GET, POST", "POST, GET"};
    char allow[64];
    if (!ops) {
        http_error(resp, 404, "not_found", "no such channel");
    } else if (strcmp(kind, "ussd") == 0) {
        if (strcmp(req->method, "POST") != 0) {
            resp->allow = "POST";
            http_error(resp, 405, "method_not_allowed", "use POST");
        } else if (authenticate(ch, ops, req, token, resp) == 0) {
            ussd_hook(rc, rt, ch, ops, req, resp);
        }
    } else if (!channel_event_kind(kind) || !ops->inbound_parse) {
        http_error(resp, 404, "not_found", "no such webhook");
    } else if (!method_allowed(ops, req->method, allow, sizeof allow)) {
        /* resp->allow must outlive this call: use a static string. */
        resp->allow = "POST";
        for (size_t i = 0; i < sizeof allow_lists / sizeof allow_lists[0]; i++)
            if (strcmp(allow_lists[i], allow) == 0)
                resp->allow = allow_lists[i];
        http_error(resp, 405, "method_not_allowed", "method not accepted by this webhook");
    } else if (authenticate(ch, ops, req, token, resp) == 0) {
        inbound_hook(rc, &rt, ch, ops, kind, req, resp);
    }
    if (resp->status >= 400 && resp->status != 404)
        hook_refused(channel, kind, resp->status);
    runtime_release(rt); /* NULL when the answer comes later: the events hold it */
}
