/* openapi_doc.h -- the admin API's OpenAPI 3.1 description
 * (src/api/openapi.json), embedded at build time by contrib/embed-file.sh
 * into $(BUILD)/gen/openapi_doc.c: served by api/openapi.c at GET
 * /api/v1/openapi.json, and read by api/params for the query parameters
 * each route takes. */
#ifndef TAAWUN_API_OPENAPI_DOC_H
#define TAAWUN_API_OPENAPI_DOC_H

#include <stddef.h>

extern const unsigned char api_openapi_doc[]; /* the bytes, NUL-terminated */
extern const size_t api_openapi_doc_len;      /* without the NUL */

#endif
