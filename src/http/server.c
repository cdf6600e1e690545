/* server.c -- libmicrohttpd plumbing: bind, thread pool, limits, reading
 * raw bodies up to a maximum, counting requests in progress for a graceful
 * stop, and writing responses. What a request means is the route function's job (main.c). */
#include "http/server.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "sys/log.h"

struct http_server {
    struct MHD_Daemon *daemon;
    struct http_server_options opt;
    http_route_fn route;
    void *ctx;
    atomic_int in_progress;
    int port;
};

/* Per-request state kept in MHD's con_cls between calls. Created by the
 * URI log callback (which sees the raw URI, query included) or, failing
 * that, by the first call of on_request. */
struct request_state {
    char *body;
    size_t len;
    size_t cap;
    bool too_large;
    bool started; /* on_request has seen the headers */
    bool query_too_long;
    char *query; /* raw query string, malloc'd, or NULL */
};

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)conn;
    struct http_server *s = cls;
    struct request_state *rs = calloc(1, sizeof *rs);
    if (!rs)
        return NULL;
    atomic_fetch_add(&s->in_progress, 1);
    const char *q = uri ? strchr(uri, '?') : NULL;
    if (q) {
        size_t n = strlen(q + 1);
        if (n > HTTP_QUERY_MAX) {
            rs->query_too_long = true;
        } else if ((rs->query = malloc(n + 1)) != NULL) {
            memcpy(rs->query, q + 1, n + 1);
        }
    }
    return rs;
}

static void request_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                              enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    (void)toe;
    struct http_server *s = cls;
    struct request_state *rs = *con_cls;
    if (rs) {
        free(rs->body);
        free(rs->query);
        free(rs);
        *con_cls = NULL;
        atomic_fetch_sub(&s->in_progress, 1);
    }
}

static enum MHD_Result send_response(struct MHD_Connection *conn, struct http_response *resp)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(resp->body_len, resp->body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(resp->body);
        return MHD_NO;
    }
    resp->body = NULL;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                            resp->content_type ? resp->content_type : "text/plain");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "Content-Security-Policy", HTTP_CONTENT_SECURITY_POLICY);
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    if (resp->set_cookie[0])
        MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE, resp->set_cookie);
    if (resp->allow)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, resp->allow);
    if (resp->retry_after_s > 0) {
        char secs[16];
        snprintf(secs, sizeof secs, "%d", resp->retry_after_s);
        MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, secs);
    }
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)resp->status, r);
    MHD_destroy_response(r);
    return ret;
}

void http_reply(struct http_response *resp, int status, const char *content_type, const char *body,
                size_t len)
{
    free(resp->body);
    resp->body = malloc(len + 1);
    resp->status = status;
    resp->content_type = content_type;
    if (!resp->body) {
        resp->body_len = 0;
        resp->status = 500;
        return;
    }
    memcpy(resp->body, body, len);
    resp->body[len] = '\0';
    resp->body_len = len;
}

void http_error(struct http_response *resp, int status, const char *code, const char *message)
{
    json_t *j = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", message);
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (text) {
        size_t n = strlen(text);
        http_reply(resp, status, "application/json", text, n);
        free(text);
    } else {
        http_reply(resp, status, "application/json", "{}", 2);
    }
}

/* Lower-case media type of the Content-Type header, without parameters. */
static void media_type(const char *header, char *out, size_t outsz)
{
    size_t j = 0;
    if (header) {
        while (*header == ' ')
            header++;
        for (; *header && *header != ';' && *header != ' ' && j + 1 < outsz; header++) {
            char c = *header;
            out[j++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
        }
    }
    out[j] = '\0';
}

/* The first call for a request, with its headers only: answer 414 or 413
 * at once (before reading a byte of an oversized body), else go on. */
static enum MHD_Result on_headers(struct http_server *s, struct MHD_Connection *conn,
                                  struct request_state *rs)
{
    rs->started = true;
    if (rs->query_too_long) {
        rs->too_large = true;
        struct http_response resp = {0};
        http_error(&resp, 414, "uri_too_long", "query string is too long");
        return send_response(conn, &resp);
    }
    const char *cl =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl) {
        char *end;
        unsigned long long n = strtoull(cl, &end, 10);
        if (*end != '\0' || n > s->opt.max_body_bytes)
            rs->too_large = true;
    }
    if (rs->too_large) {
        struct http_response resp = {0};
        http_error(&resp, 413, "payload_too_large", "request body is too large");
        return send_response(conn, &resp);
    }
    return MHD_YES;
}

/* Append n bytes of body, or drop the body once it exceeds the maximum
 * (413 when the request is complete). */
static enum MHD_Result on_body(struct http_server *s, struct request_state *rs, const char *data,
                               size_t n)
{
    if (rs->too_large)
        return MHD_YES;
    if (rs->len + n > s->opt.max_body_bytes) {
        rs->too_large = true;
        free(rs->body);
        rs->body = NULL;
        rs->len = rs->cap = 0;
        return MHD_YES;
    }
    if (rs->len + n + 1 > rs->cap) {
        size_t cap = rs->cap ? rs->cap : 1024;
        while (cap < rs->len + n + 1)
            cap *= 2;
        char *b = realloc(rs->body, cap);
        if (!b)
            return MHD_NO;
        rs->body = b;
        rs->cap = cap;
    }
    memcpy(rs->body + rs->len, data, n);
    rs->len += n;
    return MHD_YES;
}

/* The request is complete: hand it to the route function and answer. */
static enum MHD_Result on_complete(struct http_server *s, struct MHD_Connection *conn,
                                   struct request_state *rs, const char *url, const char *method)
{
    struct http_response resp = {0};
    if (rs->too_large) {
        http_error(&resp, 413, "payload_too_large", "request body is too large");
        return send_response(conn, &resp);
    }
    char ctype[96];
    media_type(MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE),
               ctype, sizeof ctype);
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    struct http_request req = {
        .listener = s->opt.listener,
        .method = method,
        .path = url,
        .query_string = rs->query ? rs->query : "",
        .content_type = ctype,
        .body = rs->body ? rs->body : "",
        .body_len = rs->len,
        .client = ci ? ci->client_addr : NULL,
        .connection = conn,
    };
    if (rs->body)
        rs->body[rs->len] = '\0';
    s->route(s->ctx, &req, &resp);
    if (resp.status == 0)
        http_error(&resp, 500, "internal", "no response");
    return send_response(conn, &resp);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    struct http_server *s = cls;
    struct request_state *rs = *con_cls;
    if (!rs) {
        rs = calloc(1, sizeof *rs);
        if (!rs)
            return MHD_NO;
        *con_cls = rs;
        atomic_fetch_add(&s->in_progress, 1);
    }
    if (!rs->started)
        return on_headers(s, conn, rs);
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        return on_body(s, rs, upload_data, n);
    }
    return on_complete(s, conn, rs, url, method);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512], q[600];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && msg[n - 1] == '\n')
        msg[--n] = '\0';
    log_warn("http_server", "detail=%s", log_quote(msg, q, sizeof q));
}

struct http_server *http_server_start(const struct http_server_options *opt, http_route_fn route,
                                      void *ctx)
{
    struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
                             .ai_socktype = SOCK_STREAM};
    struct addrinfo *ai = NULL;
    char port[8];
    snprintf(port, sizeof port, "%d", opt->port);
    char q[128];
    if (getaddrinfo(opt->address, port, &hints, &ai) != 0 || !ai) {
        log_error("listen_failed", "address=%s reason=\"not a numeric IPv4 or IPv6 address\"",
                  log_quote(opt->address, q, sizeof q));
        return NULL;
    }
    struct http_server *s = calloc(1, sizeof *s);
    if (!s) {
        freeaddrinfo(ai);
        return NULL;
    }
    s->opt = *opt;
    s->route = route;
    s->ctx = ctx;
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    s->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_SOCK_ADDR, ai->ai_addr, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)opt->threads,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)opt->connection_timeout_s,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)opt->max_connections,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)opt->per_ip_connection_limit,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)opt->connection_memory_limit,
        MHD_OPTION_NOTIFY_COMPLETED, request_completed, s, MHD_OPTION_URI_LOG_CALLBACK, on_uri, s,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u, MHD_OPTION_END);
    freeaddrinfo(ai);
    if (!s->daemon) {
        log_error("listen_failed", "address=%s port=%d reason=\"cannot bind (in use?)\"",
                  log_quote(opt->address, q, sizeof q), opt->port);
        free(s);
        return NULL;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : opt->port;
    return s;
}

int http_server_port(const struct http_server *s)
{
    return s->port;
}

void http_server_quiesce(struct http_server *s, int grace_ms)
{
    if (!s || !s->daemon)
        return;
    MHD_socket fd = MHD_quiesce_daemon(s->daemon);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
    struct timespec pause = {0, 10 * 1000 * 1000};
    for (int waited = 0; waited < grace_ms && atomic_load(&s->in_progress) > 0; waited += 10)
        nanosleep(&pause, NULL);
}

void http_server_stop(struct http_server *s)
{
    if (!s)
        return;
    if (s->daemon)
        MHD_stop_daemon(s->daemon);
    free(s);
}

const char *http_request_query(const struct http_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->connection, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_request_header(const struct http_request *req, const char *name)
{
    return MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND, name);
}

bool http_client_is_loopback(const struct sockaddr *sa)
{
    if (!sa)
        return false;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
            return true;
        if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr))
            return in6->sin6_addr.s6_addr[12] == 127;
    }
    return false;
}

bool http_client_matches(const struct sockaddr *sa, const char *entry)
{
    if (!sa)
        return false;
    char addr[64];
    snprintf(addr, sizeof addr, "%s", entry);
    int prefix = -1;
    char *slash = strchr(addr, '/');
    if (slash) {
        *slash = '\0';
        prefix = atoi(slash + 1);
    }
    unsigned char want[16], have[16];
    size_t bytes;
    if (sa->sa_family == AF_INET && inet_pton(AF_INET, addr, want) == 1) {
        memcpy(have, &((const struct sockaddr_in *)sa)->sin_addr, 4);
        bytes = 4;
    } else if (sa->sa_family == AF_INET6 && inet_pton(AF_INET6, addr, want) == 1) {
        memcpy(have, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
        bytes = 16;
    } else if (sa->sa_family == AF_INET6 && inet_pton(AF_INET, addr, want) == 1) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        if (!IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr))
            return false;
        memcpy(have, &in6->sin6_addr.s6_addr[12], 4);
        bytes = 4;
    } else {
        return false;
    }
    int bits = prefix < 0 || prefix > (int)(bytes * 8) ? (int)(bytes * 8) : prefix;
    for (int i = 0; i < bits; i++) {
        int byte = i / 8, bit = 7 - i % 8;
        if (((want[byte] >> bit) & 1) != ((have[byte] >> bit) & 1))
            return false;
    }
    return true;
}
