/* console.h -- the staff web console on the admin listener: its embedded
 * files under /console/, sign-in and sign-out (/console/login, /console/logout,
 * /console/session), and the session cookie + CSRF check the admin API
 * router uses when a request carries no bearer token. */
#ifndef TAAWUN_CONSOLE_CONSOLE_H
#define TAAWUN_CONSOLE_CONSOLE_H

#include <stdbool.h>

#include "api/api.h"
#include "http/server.h"

#define CONSOLE_PREFIX "/console"
#define CONSOLE_COOKIE "taawun_session"
#define CONSOLE_CSRF_HEADER "X-CSRF-Token"
#define CONSOLE_JSON_MAX 4096 /* bytes of a sign-in body */

/* true when path is /console or under /console/. */
bool console_path_is(const char *path);

/* Serve a /console path (the caller checks the listener). Fills resp. */
void console_handle(const struct http_request *req, struct http_response *resp);

/* Authenticate an API request by its console session cookie. Returns 1
 * with *out filled (name, role; token_id 0), 0 when the request carries no
 * session cookie, or -1 with resp filled: 401 (unknown, ended or idle
 * session), 403 (a state-changing method without the session's CSRF token
 * in X-CSRF-Token), 503. */
int console_authenticate(const struct http_request *req, const char *client,
                         struct api_principal *out, struct http_response *resp)
    __attribute__((warn_unused_result));

#endif
