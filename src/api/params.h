/* params.h -- the query parameters each admin API route takes, as the
 * OpenAPI document (src/api/openapi.json, embedded) declares them: the
 * router refuses any other before the handler runs, so a mistyped filter
 * (`?stauts=approved`) is never read as "no filter", and what the API
 * enforces is what it documents (issue 16). The document is parsed once,
 * at the first call, and read-only afterwards (thread-safe). */
#ifndef TAAWUN_API_PARAMS_H
#define TAAWUN_API_PARAMS_H

#include <stddef.h>

#define API_PARAMS_PAIRS_MAX 32 /* name=value pairs in one query string */

enum api_params_result {
    API_PARAMS_OK = 0,
    API_PARAMS_UNKNOWN,   /* a parameter the operation does not declare */
    API_PARAMS_REPEATED,  /* a parameter given more than once */
    API_PARAMS_MALFORMED, /* a bad %-escape, an empty name, too many pairs */
};

/* Check query string qs (raw, without '?') of the operation method (upper
 * case) on pattern (a route pattern, "/members/{id}") against the document.
 * An operation the document lacks takes no parameter. On a refusal, name
 * (namesz bytes, truncated) holds the offending parameter (empty when
 * malformed) and known (knownsz bytes) the parameters the operation takes,
 * comma-separated ("none" when it takes none). All pointers borrowed. */
enum api_params_result api_params_check(const char *method, const char *pattern, const char *qs,
                                        char *name, size_t namesz, char *known, size_t knownsz);

#endif
