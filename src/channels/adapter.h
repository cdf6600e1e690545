/* adapter.h -- helpers shared by the channel adapters, not part of the
 * contract (channel.h): building an inbound batch in one arena, errors,
 * bounded JSON reading, callback URLs, HTTP calls, send results, HMACs.
 * Only files of src/channels/ include this header. */
#ifndef TAAWUN_CHANNELS_ADAPTER_H
#define TAAWUN_CHANNELS_ADAPTER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "channels/channel.h"

/* Longest provider id, phone number, status or error code we keep. */
#define ADAPTER_ID_MAX 127
#define ADAPTER_FIELD_MAX 64
/* Events in one webhook request (Infobip sends up to 100 results). */
#define ADAPTER_EVENTS_MAX 1000
/* Largest JSON document an adapter parses (bodies are bounded before). */
#define ADAPTER_JSON_MAX HTTP_BODY_CEILING

/* ---- inbound batches ---- */

/* Events being built: strings are copied into one arena sized up front, so
 * the pointers stay valid when it is handed over as a struct channel_batch. */
struct adapter_batch {
    struct channel_event *events;
    size_t count, max;
    char *arena;
    size_t used, cap;
};

/* Room for max_events events and arena_cap bytes of strings. Returns 0, or
 * -1 (out of memory, nothing to free). */
int adapter_batch_init(struct adapter_batch *b, size_t max_events, size_t arena_cap)
    __attribute__((warn_unused_result));

/* A new event of kind with every string "" (concat_ref NULL), or NULL when
 * max_events are used. Borrowed from b. */
struct channel_event *adapter_batch_add(struct adapter_batch *b, enum channel_event_kind kind);

/* Copy s[0..len) into the arena. NULL when s is NULL, longer than max_len,
 * not valid UTF-8, holds a NUL byte, or the arena is full. */
const char *adapter_batch_str(struct adapter_batch *b, const char *s, size_t len, size_t max_len);

/* Copy the text of an inbound SMS s[0..len) into the arena, cleaned by
 * sms_text_clean_controls (core/sms_text.h: NUL as GSM's '@', TAB as a
 * space, other control characters but LF/CR removed), with its length in
 * *out_len. NULL when s is NULL, longer than max_len, not valid UTF-8 once
 * cleaned, or the arena is full. */
const char *adapter_batch_text(struct adapter_batch *b, const char *s, size_t len, size_t max_len,
                               size_t *out_len);

/* Hand the events over to *out (which then owns them) / drop them. */
void adapter_batch_done(struct adapter_batch *b, struct channel_batch *out);
void adapter_batch_drop(struct adapter_batch *b);

/* Fill *err and return -1. status 0 means 400. Strings must be static. */
int adapter_fail(struct channel_error *err, int status, const char *code, const char *message);

/* ---- fields of a request ---- */

/* The single value of name in form, or NULL (absent, duplicated, binary). */
const char *adapter_form_get(const struct form *f, const char *name);

/* Copy the value v[0..len) (v may be NULL) into b: *out (and *out_len
 * when not NULL). An empty optional value gives "". Returns 0, or -1 with
 * *err (400) when it is required and empty, longer than max_len, or not
 * UTF-8 text. */
int adapter_value_copy(struct adapter_batch *b, const char *v, size_t len, size_t max_len,
                       bool required, const char **out, size_t *out_len, struct channel_error *err)
    __attribute__((warn_unused_result));

/* As adapter_value_copy, for the text of an inbound SMS: cleaned by
 * adapter_batch_text rather than refused for a NUL or another control
 * character (a member's message is never lost for one). Optional: absent
 * or empty gives "". -1 with *err (400) when too long or not UTF-8. */
int adapter_text_copy(struct adapter_batch *b, const char *v, size_t len, size_t max_len,
                      const char **out, size_t *out_len, struct channel_error *err)
    __attribute__((warn_unused_result));

/* The SMS text field called name of f, as adapter_text_copy copies it;
 * -1 with *err (400) also when the field appears twice. */
int adapter_form_text(struct adapter_batch *b, const struct form *f, const char *name,
                      size_t max_len, const char **out, size_t *out_len, struct channel_error *err)
    __attribute__((warn_unused_result));

/* A provider's delivery status word and what it means. */
struct adapter_state_name {
    const char *name;
    enum delivery_state state;
};

/* The state of status in map[0..n) (exact match), or DELIVERY_UNKNOWN. */
enum delivery_state adapter_state_lookup(const struct adapter_state_name *map, size_t n,
                                         const char *status);

/* Copy the field called name of f into b: *out (and *out_len when not
 * NULL). An absent optional field gives "". Returns 0, or -1 with *err
 * (400) when it is required and absent or empty, duplicated, longer than
 * max_len, or not UTF-8 text. */
int adapter_form_copy(struct adapter_batch *b, const struct form *f, const char *name,
                      size_t max_len, bool required, const char **out, size_t *out_len,
                      struct channel_error *err) __attribute__((warn_unused_result));

/* A parsed JSON object of at most ADAPTER_JSON_MAX bytes, or NULL (garbage,
 * too large, not an object). Strings may hold "\u0000" (read their length
 * with adapter_json_text_len: an SMS text is cleaned, any other field
 * refused). The caller json_decref()s it. */
json_t *adapter_json_object(const char *body, size_t len);

/* The value of key in obj as text: a string as is, an integer or a real
 * written into tmp (tmpsz bytes), true/false as words. NULL otherwise. */
const char *adapter_json_text(const json_t *obj, const char *key, char *tmp, size_t tmpsz);

/* As adapter_json_text, with the value's whole length in *len: a JSON
 * string may hold "\u0000" (adapter_json_object allows it), which strlen
 * would cut. */
const char *adapter_json_text_len(const json_t *obj, const char *key, char *tmp, size_t tmpsz,
                                  size_t *len);

/* A positive decimal number (1..INT64_MAX, digits only), or 0. */
int64_t adapter_parse_id(const char *s);

/* A decimal integer within [min, max] (optional leading '-'): 0 and *out,
 * or -1. */
int adapter_parse_long(const char *s, long min, long max, long *out);

/* An E.164 number without its '+' (as Vonage, Infobip and Kannel want). */
const char *adapter_digits(const char *e164);

/* ---- outbound ---- */

/* c zeroed, method and url = base (trailing '/' dropped) + path. Returns 0
 * or -1 when the URL does not fit. */
int adapter_call_init(struct channel_http_call *c, const char *method, const char *base,
                      const char *path);

/* Add a header. Returns 0, or -1 when full or too long. */
int adapter_call_header(struct channel_http_call *c, const char *name, const char *value);

/* Append "?name=value" or "&name=value" (percent-encoded) to the URL in
 * out (outsz bytes, *len used). Returns 0 or -1 when it does not fit. */
int adapter_url_arg(char *out, size_t outsz, size_t *len, const char *name, const char *value);

/* Our webhook URL {public_url}/hooks/{name}/{kind}, with ?key=SECRET when
 * the channel has a webhook secret. Returns 0, or -1 (no public_url, or it
 * does not fit). */
int adapter_hook_url(const struct channel_settings *ch, const char *kind, char *out, size_t outsz,
                     size_t *len);

/* Set one result. reason is printf-style (may be NULL). */
void adapter_result(struct send_result *r, enum send_outcome outcome, int retry_after_s,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Copy results[0] into results[1..n). */
void adapter_result_spread(struct send_result *results, size_t n);

/* When the answer's status is not 2xx, describe it in *r the way every
 * provider means it and return true: 0 (no answer), 408, 429 and 5xx
 * retry (429 and 503 after the answer's Retry-After when it has one, else
 * 429 after ADAPTER_RATE_LIMITED_S, the others with backoff); 401 and 403
 * retry after 5 minutes (credentials refused: fixable without losing the
 * outbox); other statuses are permanent. Returns false for 2xx. */
bool adapter_http_failure(const struct channel_http_answer *a, struct send_result *r);

/* Seconds before retrying a rate-limited send (HTTP 429, Twilio 20429)
 * whose answer says no Retry-After. */
#define ADAPTER_RATE_LIMITED_S 30

/* The wait a 429 or 503 answer asks for: its Retry-After when it has one,
 * else fallback_s. */
int adapter_retry_after(const struct channel_http_answer *a, int fallback_s);

/* Printable ASCII of body[0..len) (others as '?'), at most outsz - 1 bytes. */
void adapter_snippet(const char *body, size_t len, char *out, size_t outsz);

/* ---- crypto (OpenSSL libcrypto) ---- */

/* HMAC of data with key by digest name ("md5", "sha1", "sha256",
 * "sha512") into out (EVP_MAX_MD_SIZE bytes). Returns the digest length or
 * 0 on error. */
unsigned adapter_hmac(const char *digest, const char *key, size_t key_len, const char *data,
                      size_t data_len, unsigned char *out);

/* Plain digest (for Vonage's md5hash and Twilio's bodySHA256). */
unsigned adapter_digest(const char *digest, const char *data, size_t data_len, unsigned char *out);

/* Constant-time equality (time depends on the lengths only). */
bool adapter_equal(const char *a, size_t a_len, const char *b, size_t b_len);

#endif
