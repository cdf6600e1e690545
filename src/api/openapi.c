/* openapi.c -- the API describing itself: GET /openapi.json serves the
 * OpenAPI 3.1 document kept in src/api/openapi.json (embedded at build
 * time), and GET /routes lists every route the router holds (method,
 * pattern, minimum role), the console's included, so a test can check that
 * the two agree (tests/integration/test_openapi.py). Both need a token (or
 * a console session) of any role: the description is no secret from staff,
 * but the admin listener answers nobody anonymously. */
#include "api/openapi_doc.h"

#include "api/api.h"

static void openapi_get(const struct api_request *req, struct http_response *resp)
{
    (void)req;
    http_reply(resp, 200, "application/json; charset=utf-8", (const char *)api_openapi_doc,
               api_openapi_doc_len);
}

static void route_append(const struct api_route *r, void *ctx)
{
    json_array_append_new((json_t *)ctx,
                          json_pack("{s:s,s:s,s:s}", "method", r->method, "path", r->pattern,
                                    "min_role", api_role_name(r->min_role)));
}

static void routes_get(const struct api_request *req, struct http_response *resp)
{
    (void)req;
    json_t *items = json_array();
    if (items)
        api_routes_each(route_append, items);
    api_reply_json(resp, 200, items ? json_pack("{s:o}", "items", items) : NULL);
}

const struct api_route api_openapi_routes[] = {
    {"GET", "/openapi.json", API_ROLE_VIEWER, openapi_get, API_BODY_JSON},
    {"GET", "/routes", API_ROLE_VIEWER, routes_get, API_BODY_JSON},
    {NULL, NULL, API_ROLE_NONE, NULL, API_BODY_JSON},
};
