/* api.h -- taawunctl's calls to the admin API (/api/v1): the bearer token
 * read once, JSON requests and answers, the API's errors printed for a
 * person, and the listing call every "list" subcommand uses. */
#ifndef TAAWUN_CTL_API_H
#define TAAWUN_CTL_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "ctl/client.h"
#include "ctl/cmdline.h"

#define CTL_TOKEN_MAX 256

struct api {
    const char *base; /* borrowed: the admin API's base URL */
    char token[CTL_TOKEN_MAX];
    bool json;  /* print answers as JSON */
    bool quiet; /* api_call prints no error (a first try, retried otherwise) */
};

/* The token from --token-file (which must not be readable by group or
 * others) or TAAWUN_TOKEN, into out. Returns 0 or CTL_EXIT_USAGE (printed). */
int api_read_token(const struct cmdline *c, char *out, size_t outsz)
    __attribute__((warn_unused_result));

/* Print the API's error answer r (message, field, import report) on
 * stderr; returns CTL_EXIT_API. */
int api_error(const struct client_response *r);

/* A JSON call of method path (under /api/v1) with body (borrowed; NULL:
 * none). On a 2xx answer *out gets the parsed answer (the caller
 * decrefs) and 0 is returned; otherwise an exit code (error printed). */
int api_call(const struct api *a, const char *method, const char *path, json_t *body, json_t **out)
    __attribute__((warn_unused_result));

/* How a command shows an answer o (borrowed) to a person; ctx is the
 * command's own (borrowed: its arguments, its subcommand). */
typedef void api_printer(json_t *o, const void *ctx);

/* Print the answer o (taken) as JSON (--json), else with print(o, ctx).
 * Returns 0. */
int api_print_with(const struct api *a, json_t *o, api_printer *print, const void *ctx);

/* The keys an answer is shown by as "key value" fields (print_fields). */
struct api_fields {
    const char *const *keys;
    size_t n;
};
/* An api_printer: o's fields as ctx (a struct api_fields) names them. */
void api_fields_print(json_t *o, const void *ctx);

/* api_call with body (taken: freed here; NULL: none), then its answer
 * printed as api_print_with does. Returns 0 or an exit code (error
 * printed). */
int api_call_print(const struct api *a, const char *method, const char *path, json_t *body,
                   api_printer *print, const void *ctx) __attribute__((warn_unused_result));

/* GET path, then print JSON or a table of its "items" with cols (at most
 * PRINT_COLUMNS_MAX). Returns 0 or an exit code. */
int api_list(const struct api *a, const char *path, const char *const *cols, size_t ncols);

/* api_list with each item passed to prepare (NULL: none) before the table
 * is printed: keys made for a person (a language list, an approval told in
 * words). --json prints the answer as the API gave it. */
int api_list_with(const struct api *a, const char *path, const char *const *cols, size_t ncols,
                  void (*prepare)(json_t *item));

/* GET path (under /api/v1, with ?sep=, ?format=, ?lang= from --sep,
 * --format, --lang) into -o FILE or stdout as it arrives (a file left
 * half written is removed). Returns 0 or an exit code (error printed). */
int api_download(const struct api *a, const char *path, const struct cmdline *c)
    __attribute__((warn_unused_result));

/* Once per run: the programme's time zone (GET /programme) set for
 * printing and for reading the times a person types (print_set_zone). */
void api_learn_zone(const struct api *a);

/* Append "?name=value" or "&name=value" (value escaped) to the path q;
 * nothing when value is NULL. */
void api_query_add(char *q, size_t qsz, const char *name, const char *value);

/* The id of the first item GET path?name=value lists, into id (idsz
 * bytes): 0, or an exit code (the API's error; CTL_EXIT_API after
 * "error: NONE VALUE" when it lists nothing). For a name staff type
 * (a grant's reference, a member's phone) where the API wants an id. */
int api_first_id(const struct api *a, const char *path, const char *name, const char *value,
                 const char *none, char *id, size_t idsz);

/* Whether s is written as an id of the API's routes: digits only, at most
 * 18 of them. */
bool api_is_id(const char *s);

/* The id of the item of GET path whose text field equals value (the
 * last, should several), else value itself when api_is_id(value): 0 with
 * id (idsz bytes), or an exit code (the API's error; CTL_EXIT_API after
 * "error: NONE VALUE" when nothing matched). For what staff name by a
 * name or a code the API does not filter on exactly. */
int api_id_by_field(const struct api *a, const char *path, const char *field, const char *value,
                    const char *none, char *id, size_t idsz);

#endif
