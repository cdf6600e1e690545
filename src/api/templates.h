/* templates.h -- admin API resources of message templates (GET/POST
 * /templates, GET/PATCH/DELETE /templates/{id}; the route table is
 * api_templates_routes in api/api.h), the one check of staff texts per
 * language that templates and broadcasts share, and what personalisation
 * adds to a broadcast's fields and its plan (kept here so api/broadcasts.c
 * stays within its size). */
#ifndef TAAWUN_API_TEMPLATES_H
#define TAAWUN_API_TEMPLATES_H

#include <jansson.h>

#include <stdbool.h>
#include "store/db.h"

#include "api/api.h"
#include "app/broadcast.h"

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

/* A broadcast's "event" (its code or id; null or absent: none) into
 * r->event_id (422 naming "event" when there is no such event); then,
 * unless preview, texts using {event} or {date} need an event (r's, or its
 * audience's one event: 422 event_required naming the text). Returns 0, or
 * -1 with resp filled. */
int api_templates_broadcast_event(const struct api_request *req, struct http_response *resp,
                                  struct db *db, bool preview, struct broadcast_record *r)
    __attribute__((warn_unused_result));

/* A plan's answer o (with its "languages") completed: "event_id",
 * "event_missing", and per language "placeholders": {name: {"value", "source"}}
 * (what each placeholder was measured with and where it came from). */
void api_templates_plan_json(json_t *o, const struct broadcast_plan *plan);

#endif
