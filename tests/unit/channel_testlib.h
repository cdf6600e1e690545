/* channel_testlib.h -- what the channel adapter tests share: the fixture
 * (the adapter's ops table and a channel's settings, declared once per test
 * file with TL_CHANNEL_FIXTURE), reading recorded payloads from tests/data/,
 * building a struct channel_request the way hooks/hooks does, and checking
 * an inbound batch's invariants.
 * Included by tests/unit/test_channel_*.c after <cmocka.h>. */
#ifndef TAAWUN_TESTS_CHANNEL_TESTLIB_H
#define TAAWUN_TESTS_CHANNEL_TESTLIB_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "channels/channel.h"
#include "channels/channel_ops.h"
#include "core/form.h"
#include "core/limits.h"
#include "core/utf8.h"

/* The settings of the channel a test file drives: NULL strings stay empty;
 * api_key and secret set has_api_key / has_secret when given. */
struct tl_channel {
    const char *name, *type;
    const char *base_url, *username, *api_key, *sender_id, *public_url, *secret;
    const char *signature_method;
    int dlr_mask;
};

static inline void tl_copy(char *dst, size_t size, const char *src)
{
    if (src) {
        assert_true(strlen(src) < size);
        snprintf(dst, size, "%s", src);
    }
}

/* channel_settings as the config would hold them for spec. */
static inline struct channel_settings tl_settings(const struct tl_channel *spec)
{
    struct channel_settings ch = {0};
    tl_copy(ch.name, sizeof ch.name, spec->name);
    tl_copy(ch.type, sizeof ch.type, spec->type);
    tl_copy(ch.base_url, sizeof ch.base_url, spec->base_url);
    tl_copy(ch.username, sizeof ch.username, spec->username);
    tl_copy(ch.api_key, sizeof ch.api_key, spec->api_key);
    ch.has_api_key = spec->api_key != NULL;
    tl_copy(ch.sender_id, sizeof ch.sender_id, spec->sender_id);
    tl_copy(ch.public_url, sizeof ch.public_url, spec->public_url);
    tl_copy(ch.secret, sizeof ch.secret, spec->secret);
    ch.has_secret = spec->secret != NULL;
    tl_copy(ch.signature_method, sizeof ch.signature_method, spec->signature_method);
    ch.dlr_mask = spec->dlr_mask;
    return ch;
}

/* The ops registered under type, which must be the adapter's table want. */
static inline const struct channel_ops *tl_ops(const char *type, const struct channel_ops *want)
{
    const struct channel_ops *o = channel_ops_find(type);
    assert_ptr_equal(o, want);
    return o;
}

/* Declares a test file's fixture: ops() returns the adapter's table
 * ops_table (checked to be the one registered under the type), settings()
 * the channel described by the designated initializers of struct
 * tl_channel that follow. */
#define TL_CHANNEL_FIXTURE(ops_table, ...)                                                         \
    static const struct tl_channel tl_fixture = {__VA_ARGS__};                                     \
    __attribute__((unused)) static const struct channel_ops *ops(void)                             \
    {                                                                                              \
        return tl_ops(tl_fixture.type, &(ops_table));                                              \
    }                                                                                              \
    __attribute__((unused)) static struct channel_settings settings(void)                          \
    {                                                                                              \
        return tl_settings(&tl_fixture);                                                           \
    }

/* The whole of a file under tests/data/ (NUL-terminated), or the test fails. */
static inline char *tl_read(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "tests/data/%s", name);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        fail_msg("cannot open %s (run from the repository root)", path);
    char *buf = malloc(1 << 20);
    assert_non_null(buf);
    size_t n = fread(buf, 1, (1 << 20) - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

struct tl_request {
    struct channel_request req;
    struct form form, query;
    char *body;
    char *query_string;
    const char *const *headers; /* name, value, ..., NULL */
};

static inline const char *tl_header(void *ctx, const char *name)
{
    const char *const *h = ctx;
    for (size_t i = 0; h && h[i]; i += 2)
        if (strcasecmp(h[i], name) == 0)
            return h[i + 1];
    return NULL;
}

/* A request as hooks/hooks builds it: the form is parsed when ctype is
 * form-encoded, the query always. body and query_string are copied. */
static inline void tl_request(struct tl_request *r, const char *method, const char *path,
                              const char *query_string, const char *ctype, const char *body,
                              size_t body_len)
{
    memset(r, 0, sizeof *r);
    r->body = malloc(body_len + 1);
    memcpy(r->body, body ? body : "", body_len);
    r->body[body_len] = '\0';
    r->query_string = strdup(query_string ? query_string : "");
    assert_int_equal(
        form_parse(r->query_string, strlen(r->query_string), FORM_FIELDS_MAX, &r->query), FORM_OK);
    bool is_form = ctype && strcmp(ctype, "application/x-www-form-urlencoded") == 0;
    if (is_form)
        assert_int_equal(form_parse(r->body, body_len, FORM_FIELDS_MAX, &r->form), FORM_OK);
    r->req = (struct channel_request){
        .method = method,
        .path = path,
        .query_string = r->query_string,
        .content_type = ctype ? ctype : "",
        .body = r->body,
        .body_len = body_len,
        .form = is_form ? &r->form : NULL,
        .query = &r->query,
        .header = tl_header,
        .header_ctx = NULL,
    };
}

/* A POST whose body is the recorded file (form or JSON by its extension),
 * or a GET whose query is the recorded file (".query"). */
static inline void tl_request_file(struct tl_request *r, const char *path, const char *name)
{
    size_t len;
    char *data = tl_read(name, &len);
    if (strstr(name, ".query"))
        tl_request(r, "GET", path, data, NULL, "", 0);
    else if (strstr(name, ".json"))
        tl_request(r, "POST", path, "", "application/json", data, len);
    else
        tl_request(r, "POST", path, "", "application/x-www-form-urlencoded", data, len);
    free(data);
}

static inline void tl_request_free(struct tl_request *r)
{
    form_free(&r->form);
    form_free(&r->query);
    free(r->body);
    free(r->query_string);
}

static inline void tl_check_string(const char *s)
{
    assert_non_null(s);
    assert_true(utf8_valid(s, strlen(s)));
}

/* Every string of every event is non-NULL (but concat_ref), valid UTF-8. */
static inline void tl_check_batch(const struct channel_batch *b)
{
    for (size_t i = 0; i < b->count; i++) {
        const struct channel_event *e = &b->events[i];
        tl_check_string(e->provider_id);
        tl_check_string(e->from_raw);
        tl_check_string(e->to);
        tl_check_string(e->dlr_provider_id);
        tl_check_string(e->error_code);
        tl_check_string(e->session_id);
        tl_check_string(e->status);
        assert_non_null(e->text);
        assert_int_equal(strlen(e->text), e->text_len);
        assert_true(utf8_valid(e->text, e->text_len));
        if (e->concat_ref)
            tl_check_string(e->concat_ref);
    }
}

/* Parse a recorded webhook: returns the status (0 on success). */
static inline int tl_parse(const struct channel_ops *ops, const struct channel_settings *ch,
                           const char *kind, const char *file, struct channel_batch *out,
                           struct channel_error *err)
{
    struct tl_request r;
    char path[128];
    snprintf(path, sizeof path, "/hooks/%s/%s", ch->name, kind);
    tl_request_file(&r, path, file);
    memset(out, 0, sizeof *out);
    *err = (struct channel_error){0};
    int rc = ops->inbound_parse(ch, kind, &r.req, out, err);
    tl_request_free(&r);
    if (rc == 0) {
        tl_check_batch(out);
        return 0;
    }
    assert_non_null(err->code);
    assert_non_null(err->message);
    return err->status ? err->status : 400;
}

/* send_parse on a recorded answer (file NULL: an empty body) with status
 * and retry_after_s (the answer's Retry-After as the sender read it, 0:
 * none), checking every result's invariants. */
static inline void tl_send_parse_after(const struct channel_ops *ops,
                                       const struct channel_settings *ch,
                                       const struct outbound_message *msgs, size_t n, long status,
                                       const char *file, int retry_after_s,
                                       struct send_result *results)
{
    size_t len = 0;
    char *body = file ? tl_read(file, &len) : NULL;
    const struct channel_http_answer a = {status, body ? body : "", len, retry_after_s};
    memset(results, 0x5a, n * sizeof *results);
    ops->send_parse(ch, msgs, n, &a, results);
    for (size_t i = 0; i < n; i++) {
        assert_true(results[i].outcome >= SEND_ACCEPTED && results[i].outcome <= SEND_OPTED_OUT);
        assert_non_null(memchr(results[i].reason, '\0', sizeof results[i].reason));
        assert_non_null(memchr(results[i].provider_id, '\0', sizeof results[i].provider_id));
        if (results[i].outcome != SEND_ACCEPTED)
            assert_true(results[i].reason[0] != '\0');
    }
    free(body);
}

/* The answer of file with status and no Retry-After, parsed into results. */
static inline void tl_send_parse(const struct channel_ops *ops, const struct channel_settings *ch,
                                 const struct outbound_message *msgs, size_t n, long status,
                                 const char *file, struct send_result *results)
{
    tl_send_parse_after(ops, ch, msgs, n, status, file, 0, results);
}

/* One answer and the wait the adapter must set on it. */
struct tl_retry_case {
    long status;
    const char *file;  /* the body, NULL: empty */
    int retry_after_s; /* the answer's Retry-After as the sender read it, 0: none */
    int want_s;        /* the result's retry_after_s (the outcome: SEND_RETRY) */
};

/* Each case parsed for one message to +212612345678: a retry after want_s. */
static inline void tl_retry_cases(const struct channel_ops *ops, const struct channel_settings *ch,
                                  const struct tl_retry_case *cases, size_t n)
{
    struct outbound_message m = {1, "+212612345678", "x", TEXT_GSM7};
    for (size_t i = 0; i < n; i++) {
        struct send_result r;
        tl_send_parse_after(ops, ch, &m, 1, cases[i].status, cases[i].file, cases[i].retry_after_s,
                            &r);
        if (r.outcome != SEND_RETRY || r.retry_after_s != cases[i].want_s)
            fail_msg("HTTP %ld %s with Retry-After %d: outcome %d after %d s, want a retry "
                     "after %d s",
                     cases[i].status, cases[i].file ? cases[i].file : "(empty)",
                     cases[i].retry_after_s, (int)r.outcome, r.retry_after_s, cases[i].want_s);
    }
}

/* The value of header name in c, or NULL. */
static inline const char *tl_call_header(const struct channel_http_call *c, const char *name)
{
    for (size_t i = 0; i < c->nheaders; i++)
        if (strcasecmp(c->headers[i].name, name) == 0)
            return c->headers[i].value;
    return NULL;
}

/* The single value of name in a form-encoded body, copied into buf. */
static inline const char *tl_body_field(const struct channel_http_call *c, const char *name,
                                        char *buf, size_t bufsz)
{
    struct form f;
    assert_int_equal(form_parse(c->body, c->body_len, FORM_FIELDS_MAX, &f), FORM_OK);
    const char *v = form_get(&f, name);
    if (v)
        snprintf(buf, bufsz, "%s", v);
    form_free(&f);
    return v ? buf : NULL;
}

/* Parse one inbound SMS request and check its text came through as
 * want_len bytes of want (issue 15: a NUL and other control characters are
 * cleaned, not refused). */
static inline void tl_sms_text(const struct channel_ops *ops, const struct channel_settings *ch,
                               const char *method, const char *query, const char *ctype,
                               const char *body, size_t body_len, const char *want)
{
    struct tl_request r;
    struct channel_batch b;
    struct channel_error err;
    tl_request(&r, method, "/hooks/x/sms", query, ctype, body, body_len);
    assert_int_equal(ops->inbound_parse(ch, "sms", &r.req, &b, &err), 0);
    assert_int_equal(b.count, 1);
    assert_string_equal(b.events[0].text, want);
    assert_int_equal(b.events[0].text_len, strlen(want));
    channel_batch_free(&b);
    tl_request_free(&r);
}

#define TL_FORM "application/x-www-form-urlencoded"

#endif
