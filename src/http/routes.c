/* routes.c -- what each path means: /healthz on both listeners, and the
 * webhooks /hooks/{channel}/{kind}[/{token}] on the public one, where a
 * channel's caller is authenticated before anything is parsed or stored. */
#include "http/routes.h"

#include <stdio.h>
#include <string.h>

#include "app/ussd.h"
#include "config/runtime.h"
#include "core/form.h"
#include "core/limits.h"
#include "store/db.h"
#include "sys/log.h"
#include "sys/secret.h"

static void healthz(const struct http_request *req, struct http_response *resp)
{
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        resp->allow = "GET, HEAD";
        http_error(resp, 405, "method_not_allowed", "use GET");
        return;
    }
    sqlite3 *db = db_thread();
    sqlite3_stmt *st = NULL;
    bool ok = db && sqlite3_prepare_v2(db, "SELECT 1", -1, &st, NULL) == SQLITE_OK &&
              sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    char body[128];
    int n = snprintf(body, sizeof body, "{\"status\":\"%s\",\"version\":\"%s\"}",
                     ok ? "ok" : "unavailable", TAAWUN_VERSION);
    http_reply(resp, ok ? 200 : 503, "application/json", body, (size_t)n);
}

/* Split "/hooks/CHANNEL/KIND[/TOKEN]". Returns 0 or -1. */
static int split_hook_path(const char *path, char *channel, size_t chsz, char *kind,
                           size_t kindsz, const char **token)
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

static void ussd_hook(struct route_ctx *rc, struct runtime *rt, const struct channel_settings *ch,
                      const struct channel_ops *ops, const struct http_request *req,
                      struct http_response *resp)
{
    if (!content_type_ok(ops->ussd_content_types, req->content_type)) {
        http_error(resp, 415, "unsupported_media_type",
                   "send application/x-www-form-urlencoded");
        return;
    }
    struct form form;
    enum form_status fs = form_parse(req->body, req->body_len, FORM_FIELDS_MAX, &form);
    if (fs != FORM_OK) {
        http_error(resp, 400, "bad_request", form_status_str(fs));
        return;
    }
    struct channel_request creq = {.method = req->method,
                                   .content_type = req->content_type,
                                   .body = req->body,
                                   .body_len = req->body_len,
                                   .form = &form};
    struct ussd_step step;
    struct channel_error err;
    if (ops->ussd_parse(ch, &creq, &step, &err) != 0) {
        form_free(&form);
        http_error(resp, 400, err.code, err.message);
        return;
    }
    char screen[SCREEN_BYTES_MAX];
    bool end = false;
    enum ussd_result r = ussd_handle(rc->sessions, &rt->app, ch, &step, screen, sizeof screen, &end);
    form_free(&form);
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
}

void routes_handle(void *ctx, const struct http_request *req, struct http_response *resp)
{
    struct route_ctx *rc = ctx;
    if (strcmp(req->path, "/healthz") == 0) {
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
    struct runtime *rt = runtime_acquire();
    if (!rt) {
        http_error(resp, 503, "unavailable", "starting up");
        return;
    }
    const struct channel_settings *ch = config_channel(&rt->cfg, channel);
    const struct channel_ops *ops = ch ? channel_ops_find(ch->type) : NULL;
    if (!ops || strcmp(kind, "ussd") != 0) {
        http_error(resp, 404, "not_found", ops ? "no such webhook" : "no such channel");
    } else if (strcmp(req->method, "POST") != 0) {
        resp->allow = "POST";
        http_error(resp, 405, "method_not_allowed", "use POST");
    } else if (authenticate(ch, ops, req, token, resp) == 0) {
        ussd_hook(rc, rt, ch, ops, req, resp);
    }
    if (resp->status >= 400 && resp->status != 404) {
        char q[96];
        log_info("webhook_refused", "channel=%s status=%d path=%s", channel, resp->status,
                 log_quote(kind, q, sizeof q));
    }
    runtime_release(rt);
}
