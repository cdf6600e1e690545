/* adapter.c -- helpers shared by the channel adapters: inbound batches built
 * in one arena, bounded JSON reading, callback URLs, HTTP call descriptions,
 * send results and HMACs with OpenSSL. Pure: no I/O, no state. */
#include "channels/adapter.h"

#include <errno.h>
#include <inttypes.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sms_text.h"
#include "core/utf8.h"

/* ---- inbound batches ---- */

int adapter_batch_init(struct adapter_batch *b, size_t max_events, size_t arena_cap)
{
    memset(b, 0, sizeof *b);
    if (max_events == 0)
        max_events = 1;
    if (max_events > ADAPTER_EVENTS_MAX)
        max_events = ADAPTER_EVENTS_MAX;
    b->events = calloc(max_events, sizeof *b->events);
    b->arena = malloc(arena_cap + 1);
    if (!b->events || !b->arena) {
        free(b->events);
        free(b->arena);
        memset(b, 0, sizeof *b);
        return -1;
    }
    b->max = max_events;
    b->cap = arena_cap + 1;
    return 0;
}

struct channel_event *adapter_batch_add(struct adapter_batch *b, enum channel_event_kind kind)
{
    if (b->count >= b->max)
        return NULL;
    struct channel_event *e = &b->events[b->count++];
    *e = (struct channel_event){
        .kind = kind,
        .provider_id = "",
        .from_raw = "",
        .to = "",
        .text = "",
        .text_len = 0,
        .concat_ref = NULL,
        .dlr_provider_id = "",
        .state = DELIVERY_UNKNOWN,
        .error_code = "",
        .session_id = "",
        .status = "",
        .duration_ms = -1,
    };
    return e;
}

const char *adapter_batch_str(struct adapter_batch *b, const char *s, size_t len, size_t max_len)
{
    if (!s || len > max_len || memchr(s, '\0', len) || !utf8_valid(s, len))
        return NULL;
    if (len == 0)
        return "";
    if (b->cap - b->used < len + 1)
        return NULL;
    char *p = b->arena + b->used;
    memcpy(p, s, len);
    p[len] = '\0';
    b->used += len + 1;
    return p;
}

const char *adapter_batch_text(struct adapter_batch *b, const char *s, size_t len, size_t max_len,
                               size_t *out_len)
{
    if (!s || len > max_len || b->cap - b->used < len + 1)
        return NULL;
    char *p = b->arena + b->used;
    size_t n = sms_text_clean_controls(s, len, p);
    if (!utf8_valid(p, n))
        return NULL;
    p[n] = '\0';
    b->used += n + 1;
    *out_len = n;
    return p;
}

void adapter_batch_done(struct adapter_batch *b, struct channel_batch *out)
{
    out->events = b->events;
    out->count = b->count;
    out->arena = b->arena;
    memset(b, 0, sizeof *b);
}

void adapter_batch_drop(struct adapter_batch *b)
{
    free(b->events);
    free(b->arena);
    memset(b, 0, sizeof *b);
}

int adapter_fail(struct channel_error *err, int status, const char *code, const char *message)
{
    if (err)
        *err = (struct channel_error){code, message, status};
    return -1;
}

/* ---- fields of a request ---- */

const char *adapter_form_get(const struct form *f, const char *name)
{
    return f ? form_get(f, name) : NULL;
}

int adapter_form_copy(struct adapter_batch *b, const struct form *f, const char *name,
                      size_t max_len, bool required, const char **out, size_t *out_len,
                      struct channel_error *err)
{
    size_t count = form_count(f, name);
    const struct form_field *fd = count == 1 ? form_find(f, name) : NULL;
    if (count > 1)
        return adapter_fail(err, 400, "bad_request", "a field appears twice");
    return adapter_value_copy(b, fd ? fd->value : NULL, fd ? fd->value_len : 0, max_len, required,
                              out, out_len, err);
}

int adapter_value_copy(struct adapter_batch *b, const char *v, size_t len, size_t max_len,
                       bool required, const char **out, size_t *out_len, struct channel_error *err)
{
    if (!v || len == 0) {
        if (required)
            return adapter_fail(err, 400, "bad_request", "a required field is missing or empty");
        *out = "";
        if (out_len)
            *out_len = 0;
        return 0;
    }
    const char *c = adapter_batch_str(b, v, len, max_len);
    if (!c)
        return adapter_fail(err, 400, "bad_request", "a field is too long or not UTF-8 text");
    *out = c;
    if (out_len)
        *out_len = len;
    return 0;
}

int adapter_text_copy(struct adapter_batch *b, const char *v, size_t len, size_t max_len,
                      const char **out, size_t *out_len, struct channel_error *err)
{
    *out = "";
    *out_len = 0;
    if (!v || len == 0)
        return 0;
    const char *t = adapter_batch_text(b, v, len, max_len, out_len);
    if (!t)
        return adapter_fail(err, 400, "bad_request", "a text is too long or not UTF-8");
    *out = t;
    return 0;
}

int adapter_form_text(struct adapter_batch *b, const struct form *f, const char *name,
                      size_t max_len, const char **out, size_t *out_len, struct channel_error *err)
{
    size_t count = form_count(f, name);
    const struct form_field *fd = count == 1 ? form_find(f, name) : NULL;
    if (count > 1)
        return adapter_fail(err, 400, "bad_request", "a field appears twice");
    return adapter_text_copy(b, fd ? fd->value : NULL, fd ? fd->value_len : 0, max_len, out,
                             out_len, err);
}

enum delivery_state adapter_state_lookup(const struct adapter_state_name *map, size_t n,
                                         const char *status)
{
    for (size_t i = 0; status && i < n; i++)
        if (strcmp(map[i].name, status) == 0)
            return map[i].state;
    return DELIVERY_UNKNOWN;
}

json_t *adapter_json_object(const char *body, size_t len)
{
    if (!body || len == 0 || len > ADAPTER_JSON_MAX)
        return NULL;
    json_error_t jerr;
    json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (root && !json_is_object(root)) {
        json_decref(root);
        return NULL;
    }
    return root;
}

const char *adapter_json_text(const json_t *obj, const char *key, char *tmp, size_t tmpsz)
{
    /* json_object_get takes a non-const object in older jansson releases. */
    json_t *v = json_object_get((json_t *)(uintptr_t)obj, key);
    if (!v)
        return NULL;
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v)) {
        snprintf(tmp, tmpsz, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return tmp;
    }
    if (json_is_real(v)) {
        snprintf(tmp, tmpsz, "%.17g", json_real_value(v));
        return tmp;
    }
    if (json_is_true(v))
        return "true";
    if (json_is_false(v))
        return "false";
    return NULL;
}

const char *adapter_json_text_len(const json_t *obj, const char *key, char *tmp, size_t tmpsz,
                                  size_t *len)
{
    const char *v = adapter_json_text(obj, key, tmp, tmpsz);
    json_t *j = json_object_get((json_t *)(uintptr_t)obj, key);
    *len = !v ? 0 : json_is_string(j) ? json_string_length(j) : strlen(v);
    return v;
}

int64_t adapter_parse_id(const char *s)
{
    if (!s || !*s || strlen(s) > 19)
        return 0;
    int64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        int d = *p - '0';
        if (v > (INT64_MAX - d) / 10)
            return 0;
        v = v * 10 + d;
    }
    return v;
}

int adapter_parse_long(const char *s, long min, long max, long *out)
{
    if (!s || !*s || strlen(s) > 20)
        return -1;
    const char *p = s;
    if (*p == '-')
        p++;
    if (!*p)
        return -1;
    for (const char *q = p; *q; q++)
        if (*q < '0' || *q > '9')
            return -1;
    errno = 0;
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (errno || !end || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

const char *adapter_digits(const char *e164)
{
    return e164[0] == '+' ? e164 + 1 : e164;
}

/* ---- outbound ---- */

int adapter_call_init(struct channel_http_call *c, const char *method, const char *base,
                      const char *path)
{
    memset(c, 0, sizeof *c);
    snprintf(c->method, sizeof c->method, "%s", method);
    size_t bl = strlen(base);
    while (bl > 0 && base[bl - 1] == '/')
        bl--;
    int n = snprintf(c->url, sizeof c->url, "%.*s%s", (int)bl, base, path);
    return n < 0 || (size_t)n >= sizeof c->url ? -1 : 0;
}

int adapter_call_header(struct channel_http_call *c, const char *name, const char *value)
{
    if (c->nheaders >= CHANNEL_HTTP_CALL_HEADERS_MAX || strlen(name) >= sizeof c->headers[0].name ||
        strlen(value) >= sizeof c->headers[0].value || strpbrk(value, "\r\n"))
        return -1;
    snprintf(c->headers[c->nheaders].name, sizeof c->headers[0].name, "%s", name);
    snprintf(c->headers[c->nheaders].value, sizeof c->headers[0].value, "%s", value);
    c->nheaders++;
    return 0;
}

int adapter_url_arg(char *out, size_t outsz, size_t *len, const char *name, const char *value)
{
    if (*len + 1 >= outsz)
        return -1;
    char sep = memchr(out, '?', *len) ? '&' : '?';
    size_t sub = 0;
    if (form_encode_append(out + *len + 1, outsz - *len - 1, &sub, name, value, strlen(value)) !=
        0) {
        out[*len] = '\0';
        return -1;
    }
    out[*len] = sep;
    *len += 1 + sub;
    return 0;
}

int adapter_hook_url(const struct channel_settings *ch, const char *kind, char *out, size_t outsz,
                     size_t *len)
{
    size_t pl = strlen(ch->public_url);
    while (pl > 0 && ch->public_url[pl - 1] == '/')
        pl--;
    if (pl == 0)
        return -1;
    int n = snprintf(out, outsz, "%.*s/hooks/%s/%s", (int)pl, ch->public_url, ch->name, kind);
    if (n < 0 || (size_t)n >= outsz)
        return -1;
    *len = (size_t)n;
    if (ch->has_secret && adapter_url_arg(out, outsz, len, "key", ch->secret) != 0)
        return -1;
    return 0;
}

void adapter_result(struct send_result *r, enum send_outcome outcome, int retry_after_s,
                    const char *fmt, ...)
{
    r->outcome = outcome;
    r->retry_after_s = retry_after_s;
    r->reason[0] = '\0';
    r->error_class = SEND_ERROR_DERIVED;
    r->has_cost = false;
    r->cost_mad = 0;
    if (outcome != SEND_ACCEPTED)
        r->provider_id[0] = '\0';
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->reason, sizeof r->reason, fmt, ap);
        va_end(ap);
    }
}

void adapter_result_spread(struct send_result *results, size_t n)
{
    for (size_t i = 1; i < n; i++)
        results[i] = results[0];
}

void adapter_snippet(const char *body, size_t len, char *out, size_t outsz)
{
    if (outsz == 0)
        return;
    size_t n = 0;
    for (size_t i = 0; body && i < len && n + 1 < outsz; i++) {
        unsigned char c = (unsigned char)body[i];
        out[n++] = (c >= 0x20 && c < 0x7f) ? (char)c : (c == '\n' || c == '\r') ? ' ' : '?';
    }
    while (n > 0 && out[n - 1] == ' ')
        n--;
    out[n] = '\0';
}

int adapter_retry_after(const struct channel_http_answer *a, int fallback_s)
{
    return a->retry_after_s > 0 ? a->retry_after_s : fallback_s;
}

bool adapter_http_failure(const struct channel_http_answer *a, struct send_result *r)
{
    long http_status = a->status;
    if (http_status >= 200 && http_status < 300)
        return false;
    char snip[80];
    adapter_snippet(a->body, a->body_len, snip, sizeof snip);
    if (http_status == 0)
        adapter_result(r, SEND_RETRY, 0, "no answer (timeout or connection refused)");
    else if (http_status == 429)
        adapter_result(r, SEND_RETRY, adapter_retry_after(a, ADAPTER_RATE_LIMITED_S),
                       "rate limited (HTTP 429)");
    else if (http_status == 503)
        adapter_result(r, SEND_RETRY, adapter_retry_after(a, 0), "HTTP 503: %s", snip);
    else if (http_status == 408 || http_status >= 500)
        adapter_result(r, SEND_RETRY, 0, "HTTP %ld: %s", http_status, snip);
    else if (http_status == 401 || http_status == 403)
        adapter_result(r, SEND_RETRY, 300, "credentials refused (HTTP %ld): %s", http_status, snip);
    else
        adapter_result(r, SEND_PERMANENT, 0, "HTTP %ld: %s", http_status, snip);
    return true;
}

/* ---- crypto ---- */

static const EVP_MD *adapter_md(const char *digest)
{
    if (strcmp(digest, "md5") == 0)
        return EVP_md5();
    if (strcmp(digest, "sha1") == 0)
        return EVP_sha1();
    if (strcmp(digest, "sha256") == 0)
        return EVP_sha256();
    if (strcmp(digest, "sha512") == 0)
        return EVP_sha512();
    return NULL;
}

unsigned adapter_hmac(const char *digest, const char *key, size_t key_len, const char *data,
                      size_t data_len, unsigned char *out)
{
    const EVP_MD *md = adapter_md(digest);
    unsigned n = 0;
    if (!md || key_len > INT32_MAX)
        return 0;
    if (!HMAC(md, key, (int)key_len, (const unsigned char *)data, data_len, out, &n))
        return 0;
    return n;
}

unsigned adapter_digest(const char *digest, const char *data, size_t data_len, unsigned char *out)
{
    const EVP_MD *md = adapter_md(digest);
    unsigned n = 0;
    if (!md || EVP_Digest(data, data_len, out, &n, md, NULL) != 1)
        return 0;
    return n;
}

bool adapter_equal(const char *a, size_t a_len, const char *b, size_t b_len)
{
    if (a_len != b_len)
        return false;
    return a_len == 0 || CRYPTO_memcmp(a, b, a_len) == 0;
}
