/* api.h -- the admin API router contract: /api/v1/... on the admin
 * listener only. The router authenticates the bearer token (401, 429 after
 * repeated failures from one address) or, when there is none, the web
 * console's session cookie with its CSRF token for changes (through the
 * authenticator the console registers with admin_set_session_auth; the
 * principal is then the staff user, token_id 0), matches the route tables
 * (404, 405 with Allow), checks the role (403), reads the body (415, 400) and
 * calls the route's handler with a struct admin_request.
 *
 * Each API module exports a NULL-terminated route table (e.g.
 * admin_core_routes, admin_bulk_routes, admin_broadcast_routes) listed once in
 * api/api.c; a module above the API (the web console) adds its own table with
 * admin_add_routes at start-up, so the API never includes it.
 *
 * Stable contract: other modules code against it. Any change here carries a
 * comment saying what changed and why. */
#ifndef TAAWUN_API_API_H
#define TAAWUN_API_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/server.h"
#include "store/audit.h"

struct runtime;

/* Roles, ordered: a route's minimum role admits every role above it. */
enum admin_role {
    ADMIN_ROLE_NONE = 0, /* not authenticated (never admitted) */
    ADMIN_ROLE_VIEWER = 1,
    ADMIN_ROLE_STAFF = 2,
    ADMIN_ROLE_ADMIN = 3,
};

/* "viewer", "staff", "admin" ("none" for ADMIN_ROLE_NONE). */
const char *admin_role_name(enum admin_role role);
/* The role named s, or ADMIN_ROLE_NONE when s names none. */
enum admin_role admin_role_parse(const char *s);

/* Bounds. */
#define ADMIN_PREFIX "/api/v1"
#define ADMIN_PARAMS_MAX 4           /* {placeholders} per pattern */
#define ADMIN_PARAM_NAME_MAX 32      /* bytes, with the NUL */
#define ADMIN_PARAM_VALUE_MAX 128    /* bytes, with the NUL; longer segments: 404 */
#define ADMIN_PRINCIPAL_NAME_MAX 64  /* token names, with the NUL */
#define ADMIN_CLIENT_MAX 64          /* textual client address, with the NUL */
#define ADMIN_JSON_MAX (1024 * 1024) /* bytes of JSON body parsed at most (413 beyond) */
#define ADMIN_PAGE_LIMIT_DEFAULT 50
#define ADMIN_PAGE_LIMIT_MAX 500
#define ADMIN_PAGE_OFFSET_MAX 10000000

/* What the route expects as a request body. */
enum admin_body {
    /* Zero value. An empty body gives json == NULL; a non-empty one must be
     * application/json (415) holding a JSON object (400 otherwise). */
    ADMIN_BODY_JSON = 0,
    /* The raw body is handed over untouched (CSV uploads): json is NULL and
     * the handler checks content_type itself. */
    ADMIN_BODY_RAW = 1,
};

struct admin_param {
    char name[ADMIN_PARAM_NAME_MAX];
    char value[ADMIN_PARAM_VALUE_MAX]; /* percent-decoding is not applied */
};

/* Who is calling: the token that authenticated the request. */
struct admin_principal {
    int64_t token_id;
    char name[ADMIN_PRINCIPAL_NAME_MAX];
    enum admin_role role;
};

/* One API request, as handed to a handler. Everything is borrowed for the
 * handler's call only. */
struct admin_request {
    const char *method; /* "GET", "POST", "PUT", "PATCH", "DELETE" */
    const char *path;   /* after /api/v1: "/members/12" */
    struct admin_param params[ADMIN_PARAMS_MAX];
    size_t nparams;
    json_t *json;     /* parsed JSON object body, or NULL (see enum admin_body) */
    const char *body; /* raw body (NUL-terminated; may hold NULs) */
    size_t body_len;
    const char *content_type; /* lower-case media type without parameters, "" when absent */
    struct admin_principal principal;
    char client[ADMIN_CLIENT_MAX]; /* "127.0.0.1", "::1" */
    /* Who/role/client for store/audit, pointing into this request. Pass
     * &req->actor to every change so it is audited in its transaction. */
    struct audit_actor actor;
    struct runtime *rt;              /* config and catalogs, referenced for the call */
    const struct http_request *http; /* the underlying request (query, headers) */
};

/* A handler fills resp (status, body) using the helpers below. */
typedef void (*admin_handler)(const struct admin_request *req, struct http_response *resp);

/* One route. pattern is relative to /api/v1, segments in braces match one
 * non-empty path segment: "/members/{id}", "/grants/{id}/status". */
struct admin_route {
    const char *method;
    const char *pattern;
    enum admin_role min_role;
    admin_handler handler;
    enum admin_body body; /* ADMIN_BODY_JSON unless stated */
};

/* Route tables, each terminated by an entry whose method is NULL and
 * listed once in api/api.c (admin_route_tables). A new module declares its
 * table here (one extern line) and adds one line to that list; e.g.
 * admin_bulk_routes (CSV) and admin_broadcast_routes. */
extern const struct admin_route admin_core_routes[];      /* admin_core.c: tokens, audit,
                                                             cooperatives, members */
extern const struct admin_route admin_programme_routes[]; /* admin_programme.c: grants,
                                                             events, ideas */
extern const struct admin_route admin_reports_routes[];   /* admin_reports.c: messages,
                                                             stats */
extern const struct admin_route admin_broadcast_routes[]; /* admin_broadcasts.c: broadcasts */
extern const struct admin_route admin_bulk_routes[];      /* admin_bulk.c: CSV import/export */

/* The router: for paths starting with /api/ on the admin listener (the
 * caller checks the listener). Fills resp. */
void admin_handle(const struct http_request *req, struct http_response *resp);

/* true when path is /api or under /api/. */
bool admin_path_is_api(const char *path);

/* --- wiring, at start-up only (before the listeners start; not locked) --- */

#define ADMIN_EXTRA_TABLES_MAX 4 /* route tables added with admin_add_routes */

/* Authenticates a request that carries no bearer token by other means (the
 * web console's session cookie). Returns 1 with *out filled, 0 when the
 * request carries none of its credentials, or -1 with resp filled. */
typedef int (*admin_authenticator)(const struct http_request *req, const char *client,
                                   struct admin_principal *out, struct http_response *resp);

/* Use fn for requests without a bearer token (NULL: none, the default). */
void admin_set_session_auth(admin_authenticator fn);

/* Match table (borrowed for the daemon's life) after the API's own tables.
 * Returns 0, or -1 when ADMIN_EXTRA_TABLES_MAX tables are already added. */
int admin_add_routes(const struct admin_route *table) __attribute__((warn_unused_result));

/* --- helpers for handlers --- */

/* Reply status with body serialized compactly. Takes the reference to body
 * (decref'd here; NULL gives a 500). */
void admin_reply_json(struct http_response *resp, int status, json_t *body);

/* Reply {"error":{"code":code,"message":message[,"field":field]}} with
 * status. field may be NULL. */
void admin_error(struct http_response *resp, int status, const char *code, const char *message,
                 const char *field);

/* The value of path parameter name, or NULL. */
const char *admin_param(const struct admin_request *req, const char *name);

/* Path parameter name as an id in [1, INT64_MAX]. Returns 0, or -1 with a
 * 404 (not_found) in resp. */
int admin_param_id(const struct admin_request *req, struct http_response *resp, const char *name,
                   int64_t *out) __attribute__((warn_unused_result));

/* A query argument (decoded), or NULL when absent. */
const char *admin_query(const struct admin_request *req, const char *name);

/* Query argument name as an integer in [min, max]; def when absent.
 * Returns 0, or -1 with 400 invalid_parameter naming the field in resp. */
int admin_query_int(const struct admin_request *req, struct http_response *resp, const char *name,
                    int64_t min, int64_t max, int64_t def, int64_t *out)
    __attribute__((warn_unused_result));

/* Pagination: ?limit= (1..ADMIN_PAGE_LIMIT_MAX, default
 * ADMIN_PAGE_LIMIT_DEFAULT) and ?offset= (0..ADMIN_PAGE_OFFSET_MAX). */
struct admin_page {
    int64_t limit;
    int64_t offset;
};
int admin_page_parse(const struct admin_request *req, struct http_response *resp,
                     struct admin_page *page) __attribute__((warn_unused_result));

/* Reply 200 {"items":items,"limit":..,"offset":..,"total":total} (total
 * omitted when < 0). Takes the reference to items. */
void admin_reply_page(struct http_response *resp, json_t *items, const struct admin_page *page,
                      int64_t total);

/* Reply 503 unavailable (database failure): the change was not made. */
void admin_error_db(struct http_response *resp);

#endif
