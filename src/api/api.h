/* api.h -- the admin API router contract: /api/v1/... on the admin
 * listener only. The router authenticates the bearer token (401, 429 after
 * repeated failures from one address) or, when there is none, the web
 * console's session cookie with its CSRF token for changes (through the
 * authenticator the console registers with api_set_session_auth; the
 * principal is then the staff user, token_id 0), matches the route tables
 * (404, 405 with Allow), checks the role (403), reads the body (415, 400) and
 * calls the route's handler with a struct api_request.
 *
 * Each API module exports a NULL-terminated route table (e.g.
 * api_core_routes, api_bulk_routes, api_broadcasts_routes) listed once in
 * api/api.c; a module above the API (the web console) adds its own table with
 * api_add_routes at start-up, so the API never includes it.
 *
 * Stable contract: other modules code against it. Any change here carries a
 * comment saying what changed and why. */
#ifndef TAAWUN_API_API_H
#define TAAWUN_API_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/limits.h"
#include "http/server.h"
#include "store/audit.h"

struct runtime;

/* Roles, ordered: a route's minimum role admits every role above it. */
enum api_role {
    API_ROLE_NONE = 0, /* not authenticated (never admitted) */
    API_ROLE_VIEWER = 1,
    API_ROLE_STAFF = 2,
    API_ROLE_ADMIN = 3,
};

/* "viewer", "staff", "admin" ("none" for API_ROLE_NONE). */
const char *api_role_name(enum api_role role);
/* The role named s, or API_ROLE_NONE when s names none. */
enum api_role api_role_parse(const char *s);

/* Bounds. */
#define API_PREFIX "/api/v1"
#define API_PARAMS_MAX 4                /* {placeholders} per pattern */
#define API_PARAM_NAME_MAX 32           /* bytes, with the NUL */
#define API_PARAM_VALUE_MAX 128         /* bytes, with the NUL; longer segments: 404 */
#define API_PRINCIPAL_NAME_MAX 64       /* token names, with the NUL */
#define API_CLIENT_MAX 64               /* textual client address, with the NUL */
#define API_BODY_JSON_MAX (1024 * 1024) /* bytes of JSON body parsed at most (413 beyond) */
#define API_PAGE_LIMIT_DEFAULT 50
#define API_PAGE_LIMIT_MAX 500
#define API_PAGE_OFFSET_MAX 10000000

/* What the route expects as a request body. */
enum api_body {
    /* Zero value. An empty body gives json == NULL; a non-empty one must be
     * application/json (415) holding a JSON object (400 otherwise). */
    API_BODY_JSON = 0,
    /* The raw body is handed over untouched (CSV uploads): json is NULL and
     * the handler checks content_type itself. */
    API_BODY_RAW = 1,
};

struct api_param {
    char name[API_PARAM_NAME_MAX];
    char value[API_PARAM_VALUE_MAX]; /* percent-decoding is not applied */
};

/* Who is calling: the token that authenticated the request. */
struct api_principal {
    int64_t token_id;
    char name[API_PRINCIPAL_NAME_MAX];
    enum api_role role;
};

/* One API request, as handed to a handler. Everything is borrowed for the
 * handler's call only. */
struct api_request {
    const char *method; /* "GET", "POST", "PUT", "PATCH", "DELETE" */
    const char *path;   /* after /api/v1: "/members/12" */
    struct api_param params[API_PARAMS_MAX];
    size_t nparams;
    json_t *json;     /* parsed JSON object body, or NULL (see enum api_body) */
    const char *body; /* raw body (NUL-terminated; may hold NULs) */
    size_t body_len;
    const char *content_type; /* lower-case media type without parameters, "" when absent */
    struct api_principal principal;
    char client[API_CLIENT_MAX]; /* "127.0.0.1", "::1" */
    /* Who/role/client for store/audit, pointing into this request. Pass
     * &req->actor to every change so it is audited in its transaction. */
    struct audit_actor actor;
    struct runtime *rt;              /* config and catalogs, referenced for the call */
    const struct http_request *http; /* the underlying request (query, headers) */
};

/* A handler fills resp (status, body) using the helpers below. */
typedef void (*api_handler)(const struct api_request *req, struct http_response *resp);

/* One route. pattern is relative to /api/v1, segments in braces match one
 * non-empty path segment: "/members/{id}", "/grants/{id}/status". */
struct api_route {
    const char *method;
    const char *pattern;
    enum api_role min_role;
    api_handler handler;
    enum api_body body; /* API_BODY_JSON unless stated */
};

/* Route tables, each terminated by an entry whose method is NULL and
 * listed once in api/api.c (api_route_tables). A new module declares its
 * table here (one extern line) and adds one line to that list; e.g.
 * api_bulk_routes (CSV) and api_broadcasts_routes. */
extern const struct api_route api_core_routes[];       /* api/core.c: tokens, audit,
                                                              cooperatives, members */
extern const struct api_route api_programme_routes[];  /* api/programme.c: grants,
                                                              events, ideas */
extern const struct api_route api_reports_routes[];    /* api/reports.c: messages,
                                                              stats */
extern const struct api_route api_broadcasts_routes[]; /* api/broadcasts.c: broadcasts */
/* api/recurrences.c: recurring broadcasts (rules, preview, occurrences) */
extern const struct api_route api_recurrences_routes[];
extern const struct api_route api_bulk_routes[];       /* api/bulk.c: CSV import/export */
extern const struct api_route api_attendance_routes[]; /* api/attendance.c: check-in,
                                                              attendee lists */
extern const struct api_route api_openapi_routes[];    /* api/openapi.c: openapi.json, routes */
/* Added (issue 16) for the console's account management: */
extern const struct api_route api_staff_routes[]; /* api/staff.c: staff accounts (admin) */
/* api/member_changes.c: a member's phone number, consent withdrawn by staff */
extern const struct api_route api_member_changes_routes[];
/* api/delivery.c: a broadcast's delivery report and message CSV, costs per month */
extern const struct api_route api_delivery_routes[];
/* api/templates.c: message templates */
extern const struct api_route api_templates_routes[];
/* api/approvals.c: broadcasts sent and scheduled through their checks,
 * approved, rejected; channels' monthly budgets */
extern const struct api_route api_approvals_routes[];

/* The router: for paths starting with /api/ on the admin listener (the
 * caller checks the listener). Fills resp. */
void api_handle(const struct http_request *req, struct http_response *resp);

/* true when path is /api or under /api/. */
bool api_path_is(const char *path);

/* Authenticate a request to a path outside /api/v1 on the admin listener
 * (GET /metrics) exactly as the router does (bearer token or the console's
 * session, failures throttled and audited) and require min_role. Returns
 * 0, or -1 with resp filled (401, 403, 429, 503). Added (issue 12) so that
 * /metrics needs no second copy of the authentication. */
int api_authenticate(const struct http_request *req, enum api_role min_role,
                     struct http_response *resp) __attribute__((warn_unused_result));

/* --- wiring, at start-up only (before the listeners start; not locked) --- */

#define API_EXTRA_TABLES_MAX 4 /* route tables added with api_add_routes */

/* Authenticates a request that carries no bearer token by other means (the
 * web console's session cookie). Returns 1 with *out filled, 0 when the
 * request carries none of its credentials, or -1 with resp filled. */
typedef int (*api_authenticator)(const struct http_request *req, const char *client,
                                 struct api_principal *out, struct http_response *resp);

/* Use fn for requests without a bearer token (NULL: none, the default). */
void api_set_session_auth(api_authenticator fn);

/* Match table (borrowed for the daemon's life) after the API's own tables.
 * Returns 0, or -1 when API_EXTRA_TABLES_MAX tables are already added. */
int api_add_routes(const struct api_route *table) __attribute__((warn_unused_result));

/* Calls fn(route, ctx) for every route the router matches, in matching
 * order: the API's own tables, then those added with api_add_routes. Added
 * (issue 12) so GET /routes can list them against the OpenAPI document. */
void api_routes_each(void (*fn)(const struct api_route *route, void *ctx), void *ctx);

/* --- helpers for handlers --- */

/* Reply status with body serialized compactly. Takes the reference to body
 * (decref'd here; NULL gives a 500). */
void api_reply_json(struct http_response *resp, int status, json_t *body);

/* Reply {"error":{"code":code,"message":message[,"field":field]}} with
 * status. field may be NULL. */
void api_error(struct http_response *resp, int status, const char *code, const char *message,
               const char *field);

/* The value of path parameter name, or NULL. */
const char *api_param(const struct api_request *req, const char *name);

/* Path parameter name as an id in [1, INT64_MAX]. Returns 0, or -1 with a
 * 404 (not_found) in resp. */
int api_param_id(const struct api_request *req, struct http_response *resp, const char *name,
                 int64_t *out) __attribute__((warn_unused_result));

/* A query argument (decoded), or NULL when absent. */
const char *api_query(const struct api_request *req, const char *name);

/* Query argument name as an integer in [min, max]; def when absent.
 * Returns 0, or -1 with 400 invalid_parameter naming the field in resp. */
int api_query_int(const struct api_request *req, struct http_response *resp, const char *name,
                  int64_t min, int64_t max, int64_t def, int64_t *out)
    __attribute__((warn_unused_result));

/* Query argument name as a mobile number, normalised to E.164 in e164
 * (*out points there), or *out = NULL when absent. Returns 0, or -1 with
 * 400 invalid_parameter naming the field in resp. */
int api_query_phone(const struct api_request *req, struct http_response *resp, const char *name,
                    char e164[MSISDN_MAX], const char **out) __attribute__((warn_unused_result));

/* Query argument name as one of values[0..n) (NULL-terminated earlier
 * allowed), or *out = NULL when absent. Returns 0, or -1 with 400
 * invalid_parameter naming the field and listing the values in resp. The
 * one check of a query value against its list (statuses, kinds, codes). */
int api_query_choice(const struct api_request *req, struct http_response *resp, const char *name,
                     const char *const *values, size_t n, const char **out)
    __attribute__((warn_unused_result));

/* Pagination: ?limit= (1..API_PAGE_LIMIT_MAX, default
 * API_PAGE_LIMIT_DEFAULT) and ?offset= (0..API_PAGE_OFFSET_MAX). */
struct api_page {
    int64_t limit;
    int64_t offset;
};
int api_page_parse(const struct api_request *req, struct http_response *resp, struct api_page *page)
    __attribute__((warn_unused_result));

/* Reply 200 {"items":items,"limit":..,"offset":..,"total":total} (total
 * omitted when < 0). Takes the reference to items. */
void api_reply_page(struct http_response *resp, json_t *items, const struct api_page *page,
                    int64_t total);

/* Reply 503 unavailable (database failure): the change was not made. */
void api_error_db(struct http_response *resp);

#endif
