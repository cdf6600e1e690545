/* openapi.h -- the admin API's OpenAPI 3.1 description (src/api/openapi.json),
 * embedded at build time by contrib/embed-file.sh into $(BUILD)/gen/
 * openapi_doc.c, and served by api/openapi.c at GET /api/v1/openapi.json. */
#ifndef TAAWUN_API_OPENAPI_H
#define TAAWUN_API_OPENAPI_H

#include <stddef.h>

extern const unsigned char api_openapi_doc[]; /* the bytes, NUL-terminated */
extern const size_t api_openapi_doc_len;      /* without the NUL */

#endif
