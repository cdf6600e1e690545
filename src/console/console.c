/* console.c -- the web console's HTTP side: embedded files (index.html for
 * /console and /console/), sign-in (JSON, sets the HttpOnly SameSite=Strict
 * session cookie, Secure when configured), the current session, sign-out,
 * a user's own password change (the first thing a temporary password
 * allows), and the cookie + CSRF authentication of API requests. */
#include "console/console.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/console_auth.h"
#include "app/staff_accounts.h"
#include "console/web_assets.h"
#include "runtime/runtime.h"
#include "store/db.h"
#include "sys/bearer.h"
#include "sys/log.h"

bool console_path_is(const char *path)
{
    size_t n = strlen(CONSOLE_PREFIX);
    return strncmp(path, CONSOLE_PREFIX, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static void client_of(const struct http_request *req, char *out, size_t outsz)
{
    snprintf(out, outsz, "unknown");
    const struct sockaddr *sa = req->client;
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  (socklen_t)outsz);
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                  (socklen_t)outsz);
}

/* The session cookie's value (64 characters at most are looked at), or
 * false when the Cookie header has none. */
static bool cookie_value(const struct http_request *req, char *out, size_t outsz)
{
    const char *h = http_request_header(req, "Cookie");
    size_t name_len = strlen(CONSOLE_COOKIE);
    while (h && *h) {
        while (*h == ' ' || *h == ';')
            h++;
        const char *end = strchr(h, ';');
        size_t len = end ? (size_t)(end - h) : strlen(h);
        if (len > name_len && strncmp(h, CONSOLE_COOKIE, name_len) == 0 && h[name_len] == '=') {
            size_t vlen = len - name_len - 1;
            if (vlen >= outsz)
                vlen = outsz - 1; /* too long: cannot be well formed anyway */
            memcpy(out, h + name_len + 1, vlen);
            out[vlen] = '\0';
            return vlen > 0;
        }
        h = end;
    }
    return false;
}

/* The session cookie, kept by the browser for CONSOLE_AUTH_KNOWN_BROWSER_S:
 * the session itself ends on the server (idle timeout, sign-out), and the
 * value of an ended one still shows that this browser signed in as that
 * user before, which lets it past the account's back-off (app/console_auth). */
static void set_cookie(struct http_response *resp, const char *value, bool secure)
{
    snprintf(resp->set_cookie, sizeof resp->set_cookie,
             "%s=%s; Path=/; HttpOnly; SameSite=Strict%s; Max-Age=%d", CONSOLE_COOKIE, value,
             secure ? "; Secure" : "", CONSOLE_AUTH_KNOWN_BROWSER_S);
}

static void reply_json(struct http_response *resp, int status, json_t *body)
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

static json_t *session_json(const struct staff_session *s, int idle_s)
{
    return json_pack("{s:s,s:s,s:s,s:i,s:b}", "user", s->user_name, "role", s->role, "csrf",
                     s->csrf, "idle_s", idle_s, "must_change_password", s->password_temporary);
}

/* The session of the request's cookie: 1, 0 (none or not live), -1 (db). */
static int session_of(const struct http_request *req, int idle_s, struct staff_session *s)
{
    char value[CONSOLE_AUTH_TOKEN_LEN + 2];
    if (!cookie_value(req, value, sizeof value))
        return 0;
    struct db *db = db_thread();
    if (!db)
        return -1;
    int rc = console_auth_session_check(db, value, strlen(value), db_now(), idle_s, s);
    bearer_wipe(value, sizeof value);
    return rc;
}

static bool method_is_safe(const char *method)
{
    return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
}

/* The session settings of the current config into *idle_s (and *secure
 * unless NULL). -1 when no config is loaded: the caller answers 503. */
static int session_settings(int *idle_s, bool *secure)
{
    struct runtime *rt = runtime_acquire();
    if (!rt)
        return -1;
    *idle_s = rt->cfg.http.console_session_idle_s;
    if (secure)
        *secure = rt->cfg.http.console_secure_cookies;
    runtime_release(rt);
    return 0;
}

int console_authenticate(const struct http_request *req, const char *client,
                         struct api_principal *out, struct http_response *resp)
{
    char probe[4];
    if (!cookie_value(req, probe, sizeof probe))
        return 0;
    int idle_s;
    struct staff_session s;
    int rc = session_settings(&idle_s, NULL) != 0 ? -1 : session_of(req, idle_s, &s);
    if (rc < 0) {
        http_error(resp, 503, "unavailable", "the database is unavailable");
        resp->retry_after_s = 1;
        return -1;
    }
    if (rc == 0) {
        http_error(resp, 401, "session_expired", "the session has ended; sign in again");
        return -1;
    }
    if (!method_is_safe(req->method) &&
        !console_auth_csrf_ok(&s, http_request_header(req, CONSOLE_CSRF_HEADER))) {
        log_warn("console_csrf_refused", "user=%s method=%s client=%s", s.user_name, req->method,
                 client);
        http_error(resp, 403, "csrf", "missing or wrong X-CSRF-Token");
        return -1;
    }
    if (s.password_temporary) {
        http_error(resp, 403, "password_change_required",
                   "choose your own password first (POST /console/password)");
        return -1;
    }
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", s.user_name);
    out->role = api_role_parse(s.role);
    return 1;
}

/* POST /console/login {"name":..,"password":..} */
static void login(const struct http_request *req, const char *client, struct http_response *resp)
{
    if (strcmp(req->content_type, "application/json") != 0) {
        http_error(resp, 415, "unsupported_media_type", "send Content-Type: application/json");
        return;
    }
    if (req->body_len > CONSOLE_JSON_MAX) {
        http_error(resp, 413, "payload_too_large", "sign-in body is too large");
        return;
    }
    json_t *j = json_loadb(req->body, req->body_len, 0, NULL);
    const char *name = j ? json_string_value(json_object_get(j, "name")) : NULL;
    json_t *pw = j ? json_object_get(j, "password") : NULL;
    if (!name || !json_is_string(pw)) {
        json_decref(j);
        http_error(resp, 400, "invalid_json", "send {\"name\":..,\"password\":..}");
        return;
    }
    struct db *db = db_thread();
    struct runtime *rt = runtime_acquire();
    if (!db || !rt) {
        runtime_release(rt);
        json_decref(j);
        http_error(resp, 503, "unavailable", "the database is unavailable");
        return;
    }
    int idle_s = rt->cfg.http.console_session_idle_s;
    bool secure = rt->cfg.http.console_secure_cookies;
    runtime_release(rt);
    char token[CONSOLE_AUTH_TOKEN_LEN + 1], known[CONSOLE_AUTH_TOKEN_LEN + 2];
    bool has_known = cookie_value(req, known, sizeof known);
    struct staff_session s;
    int retry = 0;
    enum console_auth_result r =
        console_auth_login(db, name, json_string_value(pw), json_string_length(pw), client,
                           has_known ? known : NULL, db_now(), token, &s, &retry);
    bearer_wipe(known, sizeof known);
    json_decref(j); /* the password's only copy besides the request body */
    switch (r) {
    case CONSOLE_AUTH_OK:
        set_cookie(resp, token, secure);
        bearer_wipe(token, sizeof token);
        reply_json(resp, 200, session_json(&s, idle_s));
        return;
    case CONSOLE_AUTH_LOCKED:
        http_error(resp, 429, "locked", "too many failed sign-ins; try again later");
        resp->retry_after_s = retry > 0 ? retry : 1;
        return;
    case CONSOLE_AUTH_BAD_CREDENTIALS:
        http_error(resp, 401, "bad_credentials", "wrong name or password");
        return;
    case CONSOLE_AUTH_DISABLED:
        http_error(resp, 403, "account_disabled", "this account is disabled; ask an admin");
        return;
    case CONSOLE_AUTH_EXPIRED:
        http_error(resp, 403, "temporary_password_expired",
                   "this temporary password has expired; ask an admin for a new one");
        return;
    default:
        http_error(resp, 503, "unavailable", "cannot sign in now; try again");
        return;
    }
}

static void session_get(const struct http_request *req, struct http_response *resp)
{
    int idle_s;
    struct staff_session s;
    int rc = session_settings(&idle_s, NULL) != 0 ? -1 : session_of(req, idle_s, &s);
    if (rc < 0)
        http_error(resp, 503, "unavailable", "the database is unavailable");
    else if (rc == 0)
        http_error(resp, 401, "unauthorized", "not signed in");
    else
        reply_json(resp, 200, session_json(&s, idle_s));
}

static void logout(const struct http_request *req, const char *client, struct http_response *resp)
{
    int idle_s;
    struct staff_session s;
    int rc = session_settings(&idle_s, NULL) != 0 ? -1 : session_of(req, idle_s, &s);
    if (rc < 0) {
        http_error(resp, 503, "unavailable", "the database is unavailable");
        return;
    }
    if (rc == 1 && !console_auth_csrf_ok(&s, http_request_header(req, CONSOLE_CSRF_HEADER))) {
        http_error(resp, 403, "csrf", "missing or wrong X-CSRF-Token");
        return;
    }
    struct db *db = db_thread();
    if (rc == 1 && (!db || console_auth_logout(db, &s, client) != 0)) {
        http_error(resp, 503, "unavailable", "the database is unavailable");
        return;
    }
    /* The cookie stays: its session has ended, and it still marks a known
     * browser (set_cookie). */
    reply_json(resp, 200, json_pack("{s:b}", "signed_out", 1));
}

/* POST /console/password {"current":..,"new":..}: the signed-in user
 * replaces their password (a temporary one first of all); their other
 * sessions end, this one goes on. */
static void password_post(const struct http_request *req, const char *client,
                          struct http_response *resp)
{
    int idle_s;
    struct staff_session s;
    int rc = session_settings(&idle_s, NULL) != 0 ? -1 : session_of(req, idle_s, &s);
    if (rc <= 0) {
        if (rc < 0)
            http_error(resp, 503, "unavailable", "the database is unavailable");
        else
            http_error(resp, 401, "unauthorized", "not signed in");
        return;
    }
    if (!console_auth_csrf_ok(&s, http_request_header(req, CONSOLE_CSRF_HEADER))) {
        http_error(resp, 403, "csrf", "missing or wrong X-CSRF-Token");
        return;
    }
    json_t *j =
        req->body_len <= CONSOLE_JSON_MAX && strcmp(req->content_type, "application/json") == 0
            ? json_loadb(req->body, req->body_len, 0, NULL)
            : NULL;
    json_t *cur = j ? json_object_get(j, "current") : NULL,
           *fresh = j ? json_object_get(j, "new") : NULL;
    struct db *db = db_thread();
    enum staff_account_result r = STAFF_ACCOUNT_INVALID;
    if (json_is_string(cur) && json_is_string(fresh) && db) {
        struct audit_actor actor = {.who = s.user_name, .role = s.role, .client = client};
        r = staff_account_change_password(db, &actor, s.user_id, s.id, json_string_value(cur),
                                          json_string_length(cur), json_string_value(fresh),
                                          json_string_length(fresh), db_now());
    } else if (!db) {
        r = STAFF_ACCOUNT_ERROR;
    }
    json_decref(j); /* the passwords' only copy besides the request body */
    if (r == STAFF_ACCOUNT_OK) {
        s.password_temporary = false;
        reply_json(resp, 200, session_json(&s, idle_s));
    } else if (r == STAFF_ACCOUNT_WRONG_PASSWORD) {
        http_error(resp, 403, "wrong_password", "the current password is not right");
    } else if (r == STAFF_ACCOUNT_INVALID) {
        http_error(resp, 422, "invalid_password",
                   "send {\"current\":..,\"new\":..}; the new password has 10 to 256 "
                   "characters and differs from the current one");
    } else {
        http_error(resp, 503, "unavailable", "cannot change the password now; try again");
    }
}

static void serve_asset(const char *rel, struct http_response *resp)
{
    if (rel[0] == '\0' || strcmp(rel, "/") == 0)
        rel = "/index.html";
    for (const struct web_asset *a = web_assets; a->path; a++) {
        if (strcmp(a->path, rel) == 0) {
            http_reply(resp, 200, a->content_type, (const char *)a->data, a->len);
            return;
        }
    }
    http_error(resp, 404, "not_found", "no such file");
}

void console_handle(const struct http_request *req, struct http_response *resp)
{
    const char *rel = req->path + strlen(CONSOLE_PREFIX);
    char client[64];
    client_of(req, client, sizeof client);
    if (strcmp(rel, "/login") == 0 || strcmp(rel, "/logout") == 0 ||
        strcmp(rel, "/password") == 0) {
        if (strcmp(req->method, "POST") != 0) {
            resp->allow = "POST";
            http_error(resp, 405, "method_not_allowed", "use POST");
        } else if (strcmp(rel, "/login") == 0) {
            login(req, client, resp);
        } else if (strcmp(rel, "/password") == 0) {
            password_post(req, client, resp);
        } else {
            logout(req, client, resp);
        }
        return;
    }
    if (!method_is_safe(req->method)) {
        resp->allow = "GET, HEAD";
        http_error(resp, 405, "method_not_allowed", "use GET");
        return;
    }
    if (strcmp(rel, "/session") == 0)
        session_get(req, resp);
    else
        serve_asset(rel, resp);
}
