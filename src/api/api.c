/* api.c -- the admin API router (/api/v1 on the admin listener): bearer
 * authentication checked first, failures per client address counted by
 * app/throttle (429 with Retry-After, for failures only) and audited,
 * route matching over the modules' tables (404, 405 with Allow), roles
 * (403), JSON bodies (415, 400, 413), and the helpers every handler uses
 * to answer. */
#include "api/api.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/params.h"
#include "app/staff_tokens.h"
#include "app/throttle.h"
#include "core/cidr.h"
#include "core/msisdn.h"
#include "http/forwarded.h"
#include "runtime/runtime.h"
#include "store/db.h"
#include "sys/log.h"

/* Every module's routes; one line per module. */
static const struct api_route *const api_route_tables[] = {
    api_core_routes,           /* tokens, audit, cooperatives, members */
    api_programme_routes,      /* grants, events, ideas */
    api_reports_routes,        /* messages, stats, channels */
    api_broadcasts_routes,     /* broadcasts */
    api_recurrences_routes,    /* recurring broadcasts */
    api_bulk_routes,           /* CSV import, export */
    api_attendance_routes,     /* events on their day: check-in, attendees */
    api_delivery_routes,       /* delivery reports, message CSV, costs per month */
    api_openapi_routes,        /* openapi.json, routes */
    api_staff_routes,          /* the console's staff accounts */
    api_member_changes_routes, /* a member's phone, consent withdrawn */
    api_templates_routes,      /* message templates */
    api_approvals_routes,      /* broadcasts sent, scheduled, approved; budgets */
    NULL,
};

/* Added at start-up by modules above the API (api_add_routes), and the
 * session authenticator (api_set_session_auth). Written before the
 * listeners start, read-only afterwards. */
static const struct api_route *extra_route_tables[API_EXTRA_TABLES_MAX + 1];
static api_authenticator session_auth;

void api_set_session_auth(api_authenticator fn)
{
    session_auth = fn;
}

/* The t-th route table: the API's own, then those added; NULL past the end. */
static const struct api_route *route_table(size_t t)
{
    size_t own = sizeof api_route_tables / sizeof api_route_tables[0] - 1;
    return t < own ? api_route_tables[t] : extra_route_tables[t - own];
}

int api_add_routes(const struct api_route *table)
{
    for (size_t i = 0; i < API_EXTRA_TABLES_MAX; i++) {
        if (!extra_route_tables[i]) {
            extra_route_tables[i] = table;
            return 0;
        }
    }
    return -1;
}

void api_routes_each(void (*fn)(const struct api_route *route, void *ctx), void *ctx)
{
    for (size_t t = 0; route_table(t); t++)
        for (const struct api_route *r = route_table(t); r->method; r++)
            fn(r, ctx);
}

/* Failed authentication per client address (req->client: behind a trusted
 * proxy, the forwarded client): 10 within 60 s, and that address's further
 * failures are answered 429 for 120 s. Valid tokens always pass. */
static struct throttle_slot auth_slots[1024];
static struct throttle auth_throttle = THROTTLE_INIT(auth_slots, 10, 60, 120, "admin_auth_blocked");

const char *api_role_name(enum api_role role)
{
    switch (role) {
    case API_ROLE_VIEWER:
        return "viewer";
    case API_ROLE_STAFF:
        return "staff";
    case API_ROLE_ADMIN:
        return "admin";
    case API_ROLE_NONE:
        break;
    }
    return "none";
}

enum api_role api_role_parse(const char *s)
{
    if (!s)
        return API_ROLE_NONE;
    if (strcmp(s, "viewer") == 0)
        return API_ROLE_VIEWER;
    if (strcmp(s, "staff") == 0)
        return API_ROLE_STAFF;
    if (strcmp(s, "admin") == 0)
        return API_ROLE_ADMIN;
    return API_ROLE_NONE;
}

bool api_path_is(const char *path)
{
    return strncmp(path, "/api", 4) == 0 && (path[4] == '\0' || path[4] == '/');
}

/* ---- helpers ---- */

void api_reply_json(struct http_response *resp, int status, json_t *body)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (!text) {
        http_error(resp, 500, "internal", "cannot encode the answer");
        return;
    }
    http_reply(resp, status, "application/json; charset=utf-8", text, strlen(text));
    free(text);
}

void api_error(struct http_response *resp, int status, const char *code, const char *message,
               const char *field)
{
    json_t *err = json_pack("{s:s,s:s}", "code", code, "message", message);
    if (err && field)
        json_object_set_new(err, "field", json_string(field));
    json_t *body = err ? json_pack("{s:o}", "error", err) : NULL;
    if (!body) {
        http_error(resp, status, code, message);
        return;
    }
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (!text) {
        http_error(resp, status, code, message);
        return;
    }
    http_reply(resp, status, "application/json; charset=utf-8", text, strlen(text));
    free(text);
}

void api_error_db(struct http_response *resp)
{
    api_error(resp, 503, "unavailable", "the database is unavailable; nothing was changed", NULL);
    resp->retry_after_s = 1;
}

const char *api_param(const struct api_request *req, const char *name)
{
    for (size_t i = 0; i < req->nparams; i++)
        if (strcmp(req->params[i].name, name) == 0)
            return req->params[i].value;
    return NULL;
}

static bool parse_i64(const char *s, int64_t *out)
{
    if (!s || !*s)
        return false;
    const char *p = s;
    if (*p == '-')
        p++;
    if (*p < '0' || *p > '9')
        return false;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end)
        return false;
    *out = (int64_t)v;
    return true;
}

int api_param_id(const struct api_request *req, struct http_response *resp, const char *name,
                 int64_t *out)
{
    int64_t v;
    if (!parse_i64(api_param(req, name), &v) || v < 1) {
        api_error(resp, 404, "not_found", "no such object", NULL);
        return -1;
    }
    *out = v;
    return 0;
}

const char *api_query(const struct api_request *req, const char *name)
{
    return req->http ? http_request_query(req->http, name) : NULL;
}

int api_query_int(const struct api_request *req, struct http_response *resp, const char *name,
                  int64_t min, int64_t max, int64_t def, int64_t *out)
{
    const char *s = api_query(req, name);
    if (!s) {
        *out = def;
        return 0;
    }
    int64_t v;
    if (!parse_i64(s, &v) || v < min || v > max) {
        char msg[160];
        snprintf(msg, sizeof msg, "%s must be an integer from %lld to %lld", name, (long long)min,
                 (long long)max);
        api_error(resp, 400, "invalid_parameter", msg, name);
        return -1;
    }
    *out = v;
    return 0;
}

int api_query_phone(const struct api_request *req, struct http_response *resp, const char *name,
                    char e164[MSISDN_MAX], const char **out)
{
    const char *s = api_query(req, name);
    *out = NULL;
    if (!s)
        return 0;
    if (msisdn_normalize(s, strlen(s), e164) != MSISDN_OK) {
        char msg[160];
        snprintf(msg, sizeof msg, "%s is not a valid mobile number", name);
        api_error(resp, 400, "invalid_parameter", msg, name);
        return -1;
    }
    *out = e164;
    return 0;
}

int api_query_choice(const struct api_request *req, struct http_response *resp, const char *name,
                     const char *const *values, size_t n, const char **out)
{
    const char *s = api_query(req, name);
    *out = NULL;
    if (!s)
        return 0;
    for (size_t i = 0; i < n && values[i]; i++) {
        if (strcmp(s, values[i]) == 0) {
            *out = values[i];
            return 0;
        }
    }
    char msg[600];
    size_t len = (size_t)snprintf(msg, sizeof msg, "%s must be one of:", name);
    for (size_t i = 0; i < n && values[i] && len < sizeof msg; i++)
        len += (size_t)snprintf(msg + len, sizeof msg - len, "%s %s", i ? "," : "", values[i]);
    api_error(resp, 400, "invalid_parameter", msg, name);
    return -1;
}

int api_page_parse(const struct api_request *req, struct http_response *resp, struct api_page *page)
{
    if (api_query_int(req, resp, "limit", 1, API_PAGE_LIMIT_MAX, API_PAGE_LIMIT_DEFAULT,
                      &page->limit) != 0 ||
        api_query_int(req, resp, "offset", 0, API_PAGE_OFFSET_MAX, 0, &page->offset) != 0)
        return -1;
    return 0;
}

void api_reply_page(struct http_response *resp, json_t *items, const struct api_page *page,
                    int64_t total)
{
    json_t *body = json_pack("{s:o,s:I,s:I}", "items", items ? items : json_array(), "limit",
                             (json_int_t)page->limit, "offset", (json_int_t)page->offset);
    if (body && total >= 0)
        json_object_set_new(body, "total", json_integer(total));
    api_reply_json(resp, 200, body);
}

/* ---- routing ---- */

/* Match path against pattern, filling params. */
static bool match(const char *pattern, const char *path, struct api_param *params, size_t *nparams)
{
    *nparams = 0;
    const char *p = pattern, *s = path;
    while (*p && *s) {
        if (*p == '{') {
            const char *close = strchr(p, '}');
            const char *seg_end = strchr(s, '/');
            size_t vlen = seg_end ? (size_t)(seg_end - s) : strlen(s);
            size_t nlen = close ? (size_t)(close - p - 1) : 0;
            if (!close || vlen == 0 || vlen >= API_PARAM_VALUE_MAX || nlen >= API_PARAM_NAME_MAX ||
                *nparams >= API_PARAMS_MAX)
                return false;
            memcpy(params[*nparams].name, p + 1, nlen);
            params[*nparams].name[nlen] = '\0';
            memcpy(params[*nparams].value, s, vlen);
            params[*nparams].value[vlen] = '\0';
            (*nparams)++;
            p = close + 1;
            s += vlen;
        } else if (*p == *s) {
            p++;
            s++;
        } else {
            return false;
        }
    }
    return *p == '\0' && *s == '\0';
}

static void client_string(const struct sockaddr *sa, char *out, size_t outsz)
{
    snprintf(out, outsz, "unknown");
    if (!sa)
        return;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  (socklen_t)outsz);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                  (socklen_t)outsz);
}

/* The bearer token of the Authorization header, or NULL. */
static const char *bearer_of(const struct http_request *req, size_t *len)
{
    const char *h = http_request_header(req, "Authorization");
    if (!h)
        return NULL;
    while (*h == ' ')
        h++;
    if (strncasecmp(h, "Bearer ", 7) != 0)
        return NULL;
    h += 7;
    while (*h == ' ')
        h++;
    size_t n = strlen(h);
    while (n && h[n - 1] == ' ')
        n--;
    *len = n;
    return n ? h : NULL;
}

static _Thread_local char allow_buf[96];

/* A failed authentication from req->client: counted by the address's
 * throttle (unless already blocked), audited when a token was presented,
 * answered 401, or 429 with Retry-After once the address is blocked. The
 * throttle only ever answers failures: a valid token passes from any
 * address (authenticate checks it first). Returns -1. */
static int auth_failed(const struct http_request *http, struct api_request *req,
                       struct http_response *resp, const char *reason, const char *message)
{
    int64_t now = throttle_now();
    int blocked = throttle_blocked(&auth_throttle, req->client, now);
    if (!blocked)
        throttle_failed(&auth_throttle, req->client, now);
    struct cidr_addr a;
    char masked[CIDR_TEXT_MAX] = "unknown";
    if (http_forwarded_peer(http->client, &a) == 0)
        cidr_addr_mask(&a, masked, sizeof masked);
    struct db *db = db_thread();
    if (reason && (!db || staff_token_auth_failed(db, masked, reason) != 0))
        log_warn("admin_auth_audit_failed", "client=%s", req->client);
    if (blocked > 0) {
        api_error(resp, 429, "too_many_requests",
                  "too many failed authentications from this address; try again later", NULL);
        resp->retry_after_s = blocked;
    } else {
        api_error(resp, 401, "unauthorized", message, NULL);
    }
    return -1;
}

/* Who is calling: the bearer token, or without one the session
 * authenticator (the console's cookie). Credentials are checked first,
 * whatever the address's throttle says. Fills req->principal and
 * req->actor and returns 0, or fills resp (401, 429, 503) and returns -1. */
static int authenticate(const struct http_request *http, struct api_request *req,
                        struct http_response *resp)
{
    size_t tlen = 0;
    const char *token = bearer_of(http, &tlen);
    /* Without a bearer token, the web console's session cookie (and, for
     * a change, its CSRF token) may authenticate the request instead. */
    int by_cookie =
        token || !session_auth ? 0 : session_auth(http, req->client, &req->principal, resp);
    if (by_cookie < 0)
        return -1;
    if (!token && !by_cookie)
        return auth_failed(http, req, resp, NULL, "missing Authorization: Bearer token");
    struct db *db = db_thread();
    if (!db) {
        api_error_db(resp);
        return -1;
    }
    if (token) {
        struct token_row tok;
        int ok = staff_token_check(db, token, tlen, &tok);
        if (ok < 0) {
            api_error_db(resp);
            return -1;
        }
        if (ok == 0)
            return auth_failed(http, req, resp, "invalid_token", "invalid or revoked token");
        throttle_succeeded(&auth_throttle, req->client, throttle_now());
        req->principal.token_id = tok.id;
        snprintf(req->principal.name, sizeof req->principal.name, "%s", tok.name);
        req->principal.role = api_role_parse(tok.role);
    }
    req->actor = (struct audit_actor){.who = req->principal.name,
                                      .role = api_role_name(req->principal.role),
                                      .client = req->client};
    return 0;
}

/* The route of req->path and method, with req->params filled; or NULL with
 * resp filled (404, or 405 with Allow). */
static const struct api_route *route_find(struct api_request *req, const char *method,
                                          struct http_response *resp)
{
    bool path_known = false;
    allow_buf[0] = '\0';
    for (size_t t = 0; route_table(t); t++) {
        for (const struct api_route *r = route_table(t); r->method; r++) {
            struct api_param params[API_PARAMS_MAX];
            size_t np;
            if (!match(r->pattern, req->path, params, &np))
                continue;
            path_known = true;
            if (strcmp(r->method, method) == 0) {
                memcpy(req->params, params, sizeof params);
                req->nparams = np;
                return r;
            }
            size_t len = strlen(allow_buf);
            if (!strstr(allow_buf, r->method))
                snprintf(allow_buf + len, sizeof allow_buf - len, "%s%s", len ? ", " : "",
                         r->method);
        }
    }
    if (path_known) {
        resp->allow = allow_buf;
        api_error(resp, 405, "method_not_allowed", "method not allowed on this resource", NULL);
    } else {
        api_error(resp, 404, "not_found", "no such resource", NULL);
    }
    return NULL;
}

/* The query parameters are those the route's operation declares in the
 * OpenAPI document (api/params), each once. Returns 0, or -1 with a 400
 * naming the parameter in resp. */
static int query_check(const struct api_route *route, const struct http_request *http,
                       struct http_response *resp)
{
    char name[64], known[320], msg[480];
    switch (api_params_check(route->method, route->pattern, http->query_string, name, sizeof name,
                             known, sizeof known)) {
    case API_PARAMS_OK:
        return 0;
    case API_PARAMS_UNKNOWN:
        snprintf(msg, sizeof msg, "unknown query parameter %s: %s %s takes %s", name, route->method,
                 route->pattern, known);
        api_error(resp, 400, "unknown_parameter", msg, name);
        return -1;
    case API_PARAMS_REPEATED:
        snprintf(msg, sizeof msg, "%s is given more than once", name);
        api_error(resp, 400, "invalid_parameter", msg, name);
        return -1;
    case API_PARAMS_MALFORMED:
        break;
    }
    api_error(resp, 400, "invalid_parameter", "malformed query string", NULL);
    return -1;
}

/* The JSON object body a route expects (NULL when the body is empty or the
 * route takes it raw) in *out; returns 0, or -1 with resp filled (415, 413,
 * 400). The caller decrefs *out. */
static int read_json(const struct api_route *route, const struct http_request *http,
                     struct http_response *resp, json_t **out)
{
    *out = NULL;
    if (route->body != API_BODY_JSON || http->body_len == 0)
        return 0;
    if (strcmp(http->content_type, "application/json") != 0) {
        api_error(resp, 415, "unsupported_media_type", "send Content-Type: application/json", NULL);
        return -1;
    }
    if (http->body_len > API_BODY_JSON_MAX) {
        api_error(resp, 413, "payload_too_large", "JSON body is too large", NULL);
        return -1;
    }
    json_error_t jerr;
    json_t *json = json_loadb(http->body, http->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json) {
        char msg[240];
        snprintf(msg, sizeof msg, "malformed JSON at line %d column %d: %s", jerr.line, jerr.column,
                 jerr.text);
        api_error(resp, 400, "invalid_json", msg, NULL);
        return -1;
    }
    if (!json_is_object(json)) {
        json_decref(json);
        api_error(resp, 400, "invalid_json", "the body must be a JSON object", NULL);
        return -1;
    }
    *out = json;
    return 0;
}

void api_handle(const struct http_request *http, struct http_response *resp)
{
    struct api_request req;
    memset(&req, 0, sizeof req);
    req.http = http;
    req.method = http->method;
    client_string(http->client, req.client, sizeof req.client);

    if (strncmp(http->path, API_PREFIX, strlen(API_PREFIX)) != 0 ||
        (http->path[strlen(API_PREFIX)] != '/' && http->path[strlen(API_PREFIX)] != '\0')) {
        api_error(resp, 404, "not_found", "no such API version (use /api/v1)", NULL);
        return;
    }
    req.path = http->path + strlen(API_PREFIX);
    snprintf(resp->route, sizeof resp->route, "%s", API_PREFIX); /* until a route is found */
    if (authenticate(http, &req, resp) != 0)
        return;
    const struct api_route *found = route_find(&req, http->method, resp);
    if (!found)
        return;
    snprintf(resp->route, sizeof resp->route, "%s%s", API_PREFIX, found->pattern);
    if (req.principal.role < found->min_role) {
        char msg[96];
        snprintf(msg, sizeof msg, "this needs the %s role", api_role_name(found->min_role));
        api_error(resp, 403, "forbidden", msg, NULL);
        return;
    }
    if (query_check(found, http, resp) != 0)
        return;
    req.body = http->body;
    req.body_len = http->body_len;
    req.content_type = http->content_type;
    json_t *json = NULL;
    if (read_json(found, http, resp, &json) != 0)
        return;
    req.json = json;

    struct runtime *rt = runtime_acquire();
    if (!rt) {
        json_decref(json);
        api_error(resp, 503, "unavailable", "starting up", NULL);
        return;
    }
    req.rt = rt;
    found->handler(&req, resp);
    runtime_release(rt);
    json_decref(json);
    if (strcmp(http->method, "GET") != 0 || resp->status >= 400)
        log_info("admin_request", "method=%s pattern=%s status=%d who=%s role=%s client=%s",
                 http->method, found->pattern, resp->status, req.principal.name,
                 api_role_name(req.principal.role), req.client);
}

int api_authenticate(const struct http_request *http, enum api_role min_role,
                     struct http_response *resp)
{
    struct api_request req;
    memset(&req, 0, sizeof req);
    req.http = http;
    req.method = http->method;
    client_string(http->client, req.client, sizeof req.client);
    if (authenticate(http, &req, resp) != 0)
        return -1;
    if (req.principal.role < min_role) {
        char msg[96];
        snprintf(msg, sizeof msg, "this needs the %s role", api_role_name(min_role));
        api_error(resp, 403, "forbidden", msg, NULL);
        return -1;
    }
    return 0;
}
