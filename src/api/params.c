/* params.c -- the query parameters of each operation, read from the
 * embedded OpenAPI document (parameters "in": "query", $ref'd ones
 * resolved), and a request's query string checked against them. */
#include "api/params.h"

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "api/openapi_doc.h"
#include "core/form.h"
#include "sys/log.h"

static json_t *doc; /* the parsed document, never freed; NULL if it did not parse */
static pthread_once_t doc_once = PTHREAD_ONCE_INIT;

static void doc_load(void)
{
    json_error_t err;
    doc = json_loadb((const char *)api_openapi_doc, api_openapi_doc_len, 0, &err);
    if (!doc)
        log_error("openapi_unreadable", "line=%d error=\"%s\"", err.line, err.text);
}

/* A parameter object, its $ref resolved ("#/components/parameters/X"). */
static json_t *resolve(json_t *p)
{
    const char *ref = json_string_value(json_object_get(p, "$ref"));
    const char *prefix = "#/components/parameters/";
    if (!ref)
        return p;
    if (strncmp(ref, prefix, strlen(prefix)) != 0)
        return NULL;
    return json_object_get(json_object_get(json_object_get(doc, "components"), "parameters"),
                           ref + strlen(prefix));
}

/* The operation's parameters array, or NULL. */
static json_t *operation_params(const char *method, const char *pattern)
{
    char m[8];
    size_t i = 0;
    for (; i < sizeof m - 1 && method[i]; i++)
        m[i] = (char)(method[i] >= 'A' && method[i] <= 'Z' ? method[i] - 'A' + 'a' : method[i]);
    m[i] = '\0';
    json_t *op = json_object_get(json_object_get(json_object_get(doc, "paths"), pattern), m);
    return json_object_get(op, "parameters");
}

/* Whether the operation declares name[0..len) as a query parameter; its
 * query parameters, comma-separated, into known when known is not NULL. */
static bool declared(json_t *params, const char *name, size_t len, char *known, size_t knownsz)
{
    bool found = false;
    size_t used = 0, i;
    json_t *p;
    if (known && knownsz)
        snprintf(known, knownsz, "none");
    json_array_foreach(params, i, p)
    {
        json_t *r = resolve(p);
        const char *in = json_string_value(json_object_get(r, "in"));
        const char *n = json_string_value(json_object_get(r, "name"));
        if (!in || !n || strcmp(in, "query") != 0)
            continue;
        if (strlen(n) == len && memcmp(n, name, len) == 0)
            found = true;
        if (known && used < knownsz)
            used += (size_t)snprintf(known + used, knownsz - used, "%s%s", used ? ", " : "", n);
    }
    return found;
}

enum api_params_result api_params_check(const char *method, const char *pattern, const char *qs,
                                        char *name, size_t namesz, char *known, size_t knownsz)
{
    pthread_once(&doc_once, doc_load);
    if (namesz)
        name[0] = '\0';
    if (knownsz)
        known[0] = '\0';
    if (!qs || !*qs)
        return API_PARAMS_OK;
    struct form f;
    if (form_parse(qs, strlen(qs), API_PARAMS_PAIRS_MAX, &f) != FORM_OK)
        return API_PARAMS_MALFORMED;
    json_t *params = operation_params(method, pattern);
    enum api_params_result r = API_PARAMS_OK;
    for (size_t i = 0; i < f.count && r == API_PARAMS_OK; i++) {
        const struct form_field *x = &f.fields[i];
        if (!declared(params, x->name, x->name_len, NULL, 0))
            r = API_PARAMS_UNKNOWN;
        else if (form_count(&f, x->name) > 1)
            r = API_PARAMS_REPEATED;
        if (r != API_PARAMS_OK) {
            snprintf(name, namesz, "%s", x->name);
            declared(params, "", 0, known, knownsz);
        }
    }
    form_free(&f);
    return r;
}
