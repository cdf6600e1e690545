/* templates.h -- admin API resources of message templates (GET/POST
 * /templates, GET/PATCH/DELETE /templates/{id}; the route table is
 * api_templates_routes in api/api.h), and the one check of staff texts
 * per language that templates and broadcasts share. */
#ifndef TAAWUN_API_TEMPLATES_H
#define TAAWUN_API_TEMPLATES_H

#include <jansson.h>

#include "api/api.h"

/* The member field of req's body ({lang: text}): required; each language
 * one of the programme's (422), each text a string of 1 to
 * BROADCAST_TEXT_MAX_BYTES bytes (422), the default language's text
 * present (422), no placeholder but core/placeholders' (400
 * unknown_placeholder naming it and the field "field.lang"). *out (new
 * reference) gets the texts made GSM-7 (api_json_typographic_texts), *nm
 * what that changed (NULL: nothing). Returns 0, or -1 with resp filled. */
int api_templates_texts(const struct api_request *req, struct http_response *resp,
                        const char *field, json_t **out, json_t **nm)
    __attribute__((warn_unused_result));

#endif
