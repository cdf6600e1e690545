/* broadcasts.h -- what the broadcasts' API resources share with the
 * routes of their sending and approvals (api/approvals.c), delivery
 * (api/delivery.c) and recurrences (api/recurrences.c): a broadcast read
 * by id or 404, a broadcast and a plan as the API answers them, the error
 * of a broadcast_result, and the programme's clock. */
#ifndef TAAWUN_API_BROADCASTS_H
#define TAAWUN_API_BROADCASTS_H

#include <jansson.h>
#include <stdint.h>
#include "store/db.h"

#include "app/broadcast.h"
#include "http/server.h"

/* Broadcast id as stored into *r (the caller clears it:
 * broadcast_record_clear). Returns 0, or -1 with resp filled (404, 503). */
int api_broadcast_get(struct db *db, int64_t id, struct broadcast_record *r,
                      struct http_response *resp) __attribute__((warn_unused_result));

/* Broadcast id as JSON with its progress and approval (a new reference),
 * or NULL with resp filled (404, 503). */
json_t *api_broadcast_json(struct db *db, int64_t id, struct http_response *resp);

/* The plan of broadcast id (0: a body not stored) as JSON (new reference). */
json_t *api_broadcast_plan_json(int64_t id, const struct broadcast_plan *plan);

/* resp filled for r (404, 409 "cannot be <what> in its status", 422, 503). */
void api_broadcast_error(struct http_response *resp, enum broadcast_result r, const char *what);

/* The programme's clock into *now; 0, or -1 with resp filled (503). */
int api_broadcast_clock(struct http_response *resp, int64_t *now)
    __attribute__((warn_unused_result));

#endif
