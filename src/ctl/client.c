/* client.c -- taawunctl's HTTP requests with libcurl (easy interface): the
 * bearer token in a header, bodies of any type, answers bounded. */
#include "ctl/client.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLIENT_TIMEOUT_S 900 /* an import of a large file, a workbook of a million rows */
#define CLIENT_CONNECT_TIMEOUT_S 10

int client_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void client_global_cleanup(void)
{
    curl_global_cleanup();
}

static int client_transfer(const char *method, const char *url, const char *token,
                           const char *content_type, const char *body, size_t body_len, FILE *to,
                           struct client_response *out);

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
    struct client_response *r = ctx;
    size_t add = size * n;
    if (r->len + add + 1 > CLIENT_RESPONSE_MAX)
        return 0; /* curl fails the transfer */
    char *b = realloc(r->body, r->len + add + 1);
    if (!b)
        return 0;
    memcpy(b + r->len, p, add);
    r->len += add;
    b[r->len] = '\0';
    r->body = b;
    return add;
}

/* A download: a 2xx answer's bytes go to the file as they come. */
struct download {
    struct client_response *r;
    FILE *out;
    CURL *curl;
    int to_file; /* -1: not known yet, 0: kept in r (an error), 1: to out */
};

static size_t on_download(char *p, size_t size, size_t n, void *ctx)
{
    struct download *d = ctx;
    if (d->to_file < 0) {
        long status = 0;
        curl_easy_getinfo(d->curl, CURLINFO_RESPONSE_CODE, &status);
        d->to_file = status >= 200 && status < 300;
    }
    if (!d->to_file)
        return on_data(p, size, n, d->r);
    return fwrite(p, size, n, d->out) == n ? size * n : 0;
}

int client_request(const char *method, const char *url, const char *token, const char *content_type,
                   const char *body, size_t body_len, struct client_response *out)
{
    return client_transfer(method, url, token, content_type, body, body_len, NULL, out);
}

int client_download(const char *url, const char *token, FILE *to, struct client_response *out)
{
    return client_transfer("GET", url, token, NULL, NULL, 0, to, out);
}

static int client_transfer(const char *method, const char *url, const char *token,
                           const char *content_type, const char *body, size_t body_len, FILE *to,
                           struct client_response *out)
{
    memset(out, 0, sizeof *out);
    CURL *c = curl_easy_init();
    if (!c) {
        snprintf(out->error, sizeof out->error, "cannot start libcurl");
        return -1;
    }
    struct curl_slist *h = NULL;
    char line[512];
    if (token) {
        snprintf(line, sizeof line, "Authorization: Bearer %s", token);
        h = curl_slist_append(h, line);
    }
    if (body) {
        snprintf(line, sizeof line, "Content-Type: %s", content_type);
        h = curl_slist_append(h, line);
    }
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    struct download dl = {.r = out, .out = to, .curl = c, .to_file = -1};
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, to ? on_download : on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, to ? (void *)&dl : (void *)out);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)CLIENT_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)CLIENT_CONNECT_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    }
    CURLcode rc = curl_easy_perform(c);
    int result = 0;
    if (rc != CURLE_OK) {
        snprintf(out->error, sizeof out->error, "%s", curl_easy_strerror(rc));
        result = -1;
    } else {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
        char *ct = NULL;
        curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
        snprintf(out->content_type, sizeof out->content_type, "%s", ct ? ct : "");
    }
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return result;
}

void client_response_free(struct client_response *r)
{
    if (r) {
        free(r->body);
        r->body = NULL;
    }
}

char *client_escape(const char *s)
{
    char *e = curl_easy_escape(NULL, s, 0);
    char *copy = e ? strdup(e) : NULL;
    curl_free(e);
    return copy;
}
