/* json.h -- shared by the admin API's handlers: rows of
 * store/admin_queries as JSON, reading and validating body fields (400 for
 * the body's shape: unknown field, wrong type, missing field; 422 for
 * values: out of range, not in the list), change summaries and audit rows. */
#ifndef TAAWUN_API_JSON_H
#define TAAWUN_API_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "store/db.h"

#include "api/api.h"
#include "config/config.h"
#include "store/admin_queries.h"

/* Row row of t as an object (column names as keys; SQL NULL as null); a
 * time column ("at", NAME_at) also as NAME_local (api_json_local_time). */
json_t *api_json_row(const struct adminq_table *t, size_t row);
/* t (unix seconds) as the programme's local time "YYYY-MM-DDTHH:MM" (the
 * process runs in the programme's zone). Returns 0 or -1. */
int api_json_local_time(int64_t t, char *out, size_t outsz) __attribute__((warn_unused_result));

/* Add NAME_local beside each integer time member ("at", NAME_at) of o (the same
 * local time as api_json_row gives rows). */
void api_json_add_local_times(json_t *o);

/* All rows as an array. */
json_t *api_json_rows(const struct adminq_table *t);

/* Refuse (400 unknown_field) any body member not in allowed
 * (NULL-terminated). Returns 0 or -1. A NULL body passes. */
int api_json_only(const struct api_request *req, struct http_response *resp,
                  const char *const *allowed) __attribute__((warn_unused_result));

/* Require a body (400 missing_body). Returns 0 or -1. */
int api_json_need_body(const struct api_request *req, struct http_response *resp)
    __attribute__((warn_unused_result));

enum api_json_field_flags {
    API_JSON_FIELD_OPTIONAL = 0,
    API_JSON_FIELD_REQUIRED = 1, /* absent: 400 missing_field */
    API_JSON_FIELD_NULLABLE = 2, /* null accepted (returns API_JSON_FIELD_IS_NULL) */
};

enum api_json_field_result {
    API_JSON_FIELD_BAD = -1, /* resp filled */
    API_JSON_FIELD_ABSENT = 0,
    API_JSON_FIELD_SET = 1,
    API_JSON_FIELD_IS_NULL = 2,
};

/* A string member: valid UTF-8 (jansson), 1..max_bytes bytes after
 * trimming nothing (empty: 422). *out borrowed from the body. */
enum api_json_field_result api_json_string(const struct api_request *req,
                                           struct http_response *resp, const char *field, int flags,
                                           size_t max_bytes, const char **out);

/* Staff text s made to travel as GSM-7 (core/typography: curly quotes,
 * guillemets, no-break spaces, œ, the ellipsis character, dashes) unless it
 * holds Arabic letters (UCS-2 anyway, « » its own quotes): returns
 * the new string (NULL without memory); when anything was replaced, the
 * characters replaced go into holder's "normalised" object under field,
 * for the answer (issue 15, finding 2: a ’ in a French title took the date
 * and place off the event's screen, without a word to staff). */
json_t *api_json_typographic(json_t *holder, const char *field, const char *s);

/* The strings of object t ({lang: text}) each through api_json_typographic
 * into a new object (NULL without memory); *nm what changed, under
 * "prefix.lang" (NULL when nothing). */
json_t *api_json_typographic_texts(json_t *t, const char *prefix, json_t **nm);

/* Reply status with o (taken), nm (taken; NULL when nothing was replaced)
 * as its "normalised". o NULL: resp already holds the error; nm dropped. */
void api_json_reply_normalised(struct http_response *resp, int status, json_t *o, json_t *nm);

/* Take holder's "normalised" object out of it (new reference, NULL when
 * nothing was replaced). */
json_t *api_json_take_normalised(json_t *holder);

/* A string member that must be one of choices (NULL-terminated; 422). */
enum api_json_field_result api_json_choice(const struct api_request *req,
                                           struct http_response *resp, const char *field, int flags,
                                           const char *const *choices, size_t nchoices,
                                           const char **out);

/* An integer member in [min, max] (422 outside). */
enum api_json_field_result api_json_int(const struct api_request *req, struct http_response *resp,
                                        const char *field, int flags, int64_t min, int64_t max,
                                        int64_t *out);

/* A boolean member (true / false; 400 for anything else). */
enum api_json_field_result api_json_bool(const struct api_request *req, struct http_response *resp,
                                         const char *field, int flags, bool *out);

/* true when v is one of list[0..n). */
bool api_json_in_list(const char *v, const char *const *list, size_t n);

/* Fill resp for a failed write: conflict (409 naming conflict_field),
 * invalid (422), error (503). */
void api_json_write_failed(struct http_response *resp, enum adminq_write_result w,
                           const char *conflict_field);

/* {"field":{"from":..,"to":..}} for the keys of after whose value differs
 * in before. Borrows both. */
json_t *api_json_diff(json_t *before, json_t *after);

/* Write the audit row of a change by req's principal (takes summary).
 * Inside the change's transaction. Returns 0 or -1. */
int api_json_audit(struct db *db, const struct api_request *req, const char *action,
                   const char *object_type, int64_t object_id, json_t *summary)
    __attribute__((warn_unused_result));

/* The audit row of a change of object_type id from before to after
 * (borrowed; their updated_at removed): {"changes": api_json_diff}. Inside
 * the change's transaction. Returns 0 or -1. */
int api_json_audit_changes(struct db *db, const struct api_request *req, const char *action,
                           const char *object_type, int64_t id, json_t *before, json_t *after)
    __attribute__((warn_unused_result));

/* An update of object_type id from before to after (borrowed): run q with
 * its n arguments, then audit action with what changed (updated_at left
 * out). A failed write answers as api_json_write_failed (conflict_field
 * for a 409), audited as api_json_audit_changes. Inside the change's
 * transaction. Returns 0 or -1. */
int api_json_update_audited(struct db *db, const struct api_request *req,
                            struct http_response *resp, enum adminq q, const struct adminq_arg *a,
                            size_t n, const char *conflict_field, const char *action,
                            const char *object_type, int64_t id, json_t *before, json_t *after)
    __attribute__((warn_unused_result));

/* Run select q into *t; on failure answer 503. Returns 0 or -1. */
int api_json_select(struct db *db, enum adminq q, const struct adminq_arg *a, size_t n,
                    struct adminq_table *t, struct http_response *resp)
    __attribute__((warn_unused_result));

/* The first row of q with ?1 = id as an object (caller owns it), or NULL
 * with 404 or 503 in resp. */
json_t *api_json_get_one(struct db *db, enum adminq q, int64_t id, struct http_response *resp);

/* Begin a write transaction and read the object to change (query q, ?1 =
 * id). Returns it (caller owns it; the transaction stays open), or NULL
 * with 404 or 503 in resp and nothing left open. */
json_t *api_json_begin_get(struct db *db, enum adminq q, int64_t id, struct http_response *resp);

/* The opening of a change, taking no body, to the object the path's {id}
 * names: the id into *id (404), no body member (400 unknown_field), the
 * thread's connection with a write transaction begun (503). Returns the
 * connection, or NULL with resp filled and nothing begun. */
struct db *api_json_begin_id(const struct api_request *req, struct http_response *resp,
                             int64_t *id);

/* Answer a page of list query `list` with the total of `count`: args holds
 * nfilters filter arguments and room for two more (limit, offset). */
void api_json_reply_list(struct db *db, enum adminq list, enum adminq count,
                         struct adminq_arg *args, size_t nfilters, const struct api_page *page,
                         struct http_response *resp);

/* The calling thread's connection, or NULL with 503 in resp. */
struct db *api_json_db(struct http_response *resp);

/* After a handler's writes: commit when rc is 0, else roll back; answers
 * 503 unless resp already holds an error. Returns 0 when committed. */
int api_json_finish(struct db *db, int rc, struct http_response *resp)
    __attribute__((warn_unused_result));

/* Parse "YYYY-MM-DDTHH:MM[:SS]" followed by nothing (the programme's local
 * time, through mktime and the tz database), "Z", or "+HH:MM" / "-HH:MM"
 * into unix seconds. Returns 0 or -1. (Moved here from api/programme.c
 * so broadcasts' schedules read times the same way.) */
int api_json_parse_time(const char *s, int64_t *out) __attribute__((warn_unused_result));

/* A broadcast's topic when its body names none (members who turned it off
 * are left out). */
#define API_BROADCAST_TOPIC "news"

/* The channels a broadcast may name, into out (CONFIG_CHANNELS_MAX names,
 * borrowed from cfg): the real ones, or every one while
 * sms.outbound_channel is a test channel (a demo: a test channel reaches
 * no phone). Returns their count. POST /broadcasts checks against it and
 * GET /programme lists it, so the console offers what the API accepts. */
size_t api_broadcast_channels(const struct config *cfg, const char **out);

#endif
