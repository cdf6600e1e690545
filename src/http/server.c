/* server.c -- libmicrohttpd plumbing: bind, thread pool, limits, reading
 * raw bodies up to a maximum, strict framing, a total deadline per request,
 * counting requests in progress for a graceful stop, and writing responses.
 * What a request means is the route function's job (main.c). */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/cidr.h"
#include "core/limits.h"
#include "http/deadline.h"
#include "http/framing.h"
#include "http/later.h"
#include "http/reuse.h"
#include "sys/log.h"
#include "sys/metrics.h"

/* libmicrohttpd's own messages (a connection reset, a refused connection)
 * can come once per connection: the first of each minute is logged, the
 * others counted and summed up once a minute (see http_deadline_new). */
struct mhd_notices {
    pthread_mutex_t lock;
    bool logged_this_minute;
    unsigned long repeated; /* not logged this minute */
};

struct http_server {
    struct MHD_Daemon *daemon;
    struct http_server_options opt;
    http_route_fn route;
    void *ctx;
    atomic_int in_progress;
    int port;
    struct http_deadline *deadline;
    struct mhd_notices notices;
    struct http_parking *parking; /* requests answered later (http/later.h) */
    int quiesced_fd; /* the listening socket after quiesce, closed after MHD_stop_daemon; -1 */
};

static const char *listener_name(enum http_listener l)
{
    return l == HTTP_PUBLIC ? "public" : "admin";
}

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
    char *query;                  /* raw query string, malloc'd, or NULL */
    double begun_at;              /* metrics_clock() when the request line was read */
    struct http_later_slot later; /* an answer given after the route function returned */
    char route[HTTP_ROUTE_MAX];   /* the route that will answer later (metrics) */
};

/* A request's state, counted in progress until request_completed. */
static struct request_state *request_state_new(struct http_server *s, struct MHD_Connection *conn)
{
    struct request_state *rs = calloc(1, sizeof *rs);
    if (!rs)
        return NULL;
    atomic_fetch_add(&s->in_progress, 1);
    rs->begun_at = metrics_clock();
    rs->later.parking = s->parking;
    rs->later.connection = conn;
    return rs;
}

/* Count the answer to a request and the time it took (taawun_http_*),
 * by resp->route: "other" when no route claimed the request. */
static void count_request(const struct http_server *s, const struct request_state *rs,
                          const struct http_response *resp)
{
    char status[8];
    snprintf(status, sizeof status, "%d", resp->status);
    const char *route = resp->route[0] ? resp->route : "other";
    const char *const labels[] = {listener_name(s->opt.listener), route, status};
    metrics_inc(METRICS_HTTP_REQUESTS, labels);
    metrics_observe(METRICS_HTTP_REQUEST_DURATION, labels, metrics_clock() - rs->begun_at);
}

/* The deadline's handle of the connection conn (see on_connection). */
static struct http_deadline_conn *deadline_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/* A connection was accepted or is closing: its request clock starts, or it
 * is forgotten before libmicrohttpd closes its socket. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    struct http_server *s = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        *socket_context = ci ? http_deadline_track(s->deadline, ci->connect_fd) : NULL;
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        http_deadline_forget(s->deadline, *socket_context);
        *socket_context = NULL;
    }
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    struct request_state *rs = request_state_new(cls, conn);
    if (!rs)
        return NULL;
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
    (void)toe;
    struct http_server *s = cls;
    http_deadline_next_request(s->deadline, deadline_of(conn));
    struct request_state *rs = *con_cls;
    if (rs) {
        if (rs->later.later)
            http_later_release(rs->later.later);
        free(rs->body);
        free(rs->query);
        free(rs);
        *con_cls = NULL;
        atomic_fetch_sub(&s->in_progress, 1);
    }
}

/* A streamed answer's callbacks (http_response.stream), held for
 * libmicrohttpd until the answer is over. */
struct stream {
    long (*more)(void *ctx, char *buf, size_t max);
    void (*done)(void *ctx);
    void *ctx;
};

/* libmicrohttpd asks a streamed answer for more. */
static ssize_t stream_more(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct stream *s = cls;
    long n = s->more(s->ctx, buf, max);
    if (n > 0 && (size_t)n <= max)
        return (ssize_t)n;
    return n == 0 ? MHD_CONTENT_READER_END_OF_STREAM : MHD_CONTENT_READER_END_WITH_ERROR;
}

static void stream_done(void *cls)
{
    struct stream *s = cls;
    if (s->done)
        s->done(s->ctx);
    free(s);
}

/* A response whose body resp->stream makes; resp's stream is taken
 * (stream_free called) even when NULL is returned. */
static struct MHD_Response *stream_response(const struct http_response *resp)
{
    struct stream *s = malloc(sizeof *s);
    if (!s) {
        if (resp->stream_free)
            resp->stream_free(resp->stream_ctx);
        return NULL;
    }
    *s = (struct stream){resp->stream, resp->stream_free, resp->stream_ctx};
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, stream_more, s, stream_done);
    if (!r)
        stream_done(s);
    return r;
}

/* Every answer's headers: its type and the security headers. */
static void common_headers(struct MHD_Response *r, const struct http_response *resp)
{
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                            resp->content_type ? resp->content_type : "text/plain");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "Content-Security-Policy", HTTP_CONTENT_SECURITY_POLICY);
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
}

/* Queue resp (its body and stream are taken). close_after: "Connection:
 * close", and libmicrohttpd reads nothing more on this connection. */
static enum MHD_Result send_response(struct MHD_Connection *conn, struct http_response *resp,
                                     bool close_after)
{
    int reused = http_reuse_send(conn, resp, close_after, common_headers);
    if (reused >= 0)
        return (enum MHD_Result)reused;
    struct MHD_Response *r =
        resp->stream
            ? stream_response(resp)
            : MHD_create_response_from_buffer(resp->body_len, resp->body, MHD_RESPMEM_MUST_FREE);
    if (!r || resp->stream)
        free(resp->body); /* not taken by libmicrohttpd */
    resp->body = NULL;
    resp->stream = NULL;
    if (!r)
        return MHD_NO;
    common_headers(r, resp);
    if (resp->content_disposition[0])
        MHD_add_response_header(r, "Content-Disposition", resp->content_disposition);
    if (resp->set_cookie[0])
        MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE, resp->set_cookie);
    if (resp->allow)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, resp->allow);
    if (resp->retry_after_s > 0) {
        char secs[16];
        snprintf(secs, sizeof secs, "%d", resp->retry_after_s);
        MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, secs);
    }
    if (close_after)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
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

/* Answer a request before reading its body, and close its connection:
 * nothing after the headers is read as a request. */
static enum MHD_Result refuse_early(struct http_server *s, struct MHD_Connection *conn,
                                    struct request_state *rs, int status, const char *code,
                                    const char *message)
{
    rs->too_large = true; /* drop whatever body libmicrohttpd still passes */
    http_deadline_answering(s->deadline, deadline_of(conn));
    struct http_response resp = {0};
    http_error(&resp, status, code, message);
    count_request(s, rs, &resp);
    return send_response(conn, &resp, true);
}

static enum MHD_Result add_framing_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                          const char *value)
{
    (void)kind;
    http_framing_add(cls, key, value);
    return MHD_YES;
}

/* The framing rules of framing.h over every header of the request (where
 * libmicrohttpd is lenient: it keeps one Content-Length, lets chunked win
 * over it, ignores unknown codings). */
static enum http_framing_verdict check_framing(struct MHD_Connection *conn, const char *version)
{
    struct http_framing f = {0};
    MHD_get_connection_values(conn, MHD_HEADER_KIND, add_framing_header, &f);
    return http_framing_check(&f, version);
}

/* The first call for a request, with its headers only: answer 400 to bad
 * framing, 414 or 413 at once (before reading a byte of an oversized
 * body), else go on. */
static enum MHD_Result on_headers(struct http_server *s, struct MHD_Connection *conn,
                                  struct request_state *rs, const char *version)
{
    rs->started = true;
    enum http_framing_verdict v = check_framing(conn, version);
    if (v != HTTP_FRAMING_OK) {
        log_debug("http_bad_framing", "listener=%s reason=\"%s\"", listener_name(s->opt.listener),
                  http_framing_reason(v));
        return refuse_early(s, conn, rs, 400, "bad_framing", http_framing_reason(v));
    }
    if (rs->query_too_long)
        return refuse_early(s, conn, rs, 414, "uri_too_long", "query string is too long");
    const char *cl =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl && strtoull(cl, NULL, 10) > s->opt.max_body_bytes)
        return refuse_early(s, conn, rs, 413, "payload_too_large", "request body is too large");
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

/* What a route function put in resp although it answers later: dropped. */
static void discard_response(struct http_response *resp)
{
    free(resp->body);
    resp->body = NULL;
    if (resp->stream && resp->stream_free)
        resp->stream_free(resp->stream_ctx);
    resp->stream = NULL;
}

/* A request answered later (http/later.h): send the answer if it is there,
 * else the connection is parked until it comes (libmicrohttpd calls back
 * once it is resumed). */
static enum MHD_Result answer_later(struct http_server *s, struct MHD_Connection *conn,
                                    struct request_state *rs)
{
    struct http_response resp = {0};
    if (!http_later_ready(rs->later.later, &resp))
        return MHD_YES; /* parked: no thread waits for the answer */
    if (!resp.route[0])
        snprintf(resp.route, sizeof resp.route, "%s", rs->route);
    if (resp.status == 0)
        http_error(&resp, 500, "internal", "no response");
    count_request(s, rs, &resp);
    return send_response(conn, &resp, false);
}

/* The request is complete: hand it to the route function and answer. */
static enum MHD_Result on_complete(struct http_server *s, struct MHD_Connection *conn,
                                   struct request_state *rs, const char *url, const char *method)
{
    if (rs->later.later)
        return answer_later(s, conn, rs); /* called back after a park */
    struct http_response resp = {0};
    http_deadline_answering(s->deadline, deadline_of(conn));
    if (rs->too_large) {
        http_error(&resp, 413, "payload_too_large", "request body is too large");
        count_request(s, rs, &resp);
        return send_response(conn, &resp, true);
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
        .later = &rs->later,
    };
    if (rs->body)
        rs->body[rs->len] = '\0';
    s->route(s->ctx, &req, &resp);
    if (rs->later.later) {
        snprintf(rs->route, sizeof rs->route, "%s", resp.route);
        discard_response(&resp);
        return answer_later(s, conn, rs);
    }
    if (resp.status == 0)
        http_error(&resp, 500, "internal", "no response");
    count_request(s, rs, &resp);
    return send_response(conn, &resp, false);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct http_server *s = cls;
    struct request_state *rs = *con_cls;
    if (!rs) {
        rs = request_state_new(s, conn);
        if (!rs)
            return MHD_NO;
        *con_cls = rs;
    }
    if (!rs->started)
        return on_headers(s, conn, rs, version);
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        return on_body(s, rs, upload_data, n);
    }
    return on_complete(s, conn, rs, url, method);
}

/* libmicrohttpd's messages: the first of each minute at warn, the others
 * at debug and counted (summed up by notices_summary). */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    struct http_server *s = cls;
    char msg[512], q[600];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && msg[n - 1] == '\n')
        msg[--n] = '\0';
    pthread_mutex_lock(&s->notices.lock);
    bool first = !s->notices.logged_this_minute;
    s->notices.logged_this_minute = true;
    if (!first)
        s->notices.repeated++;
    pthread_mutex_unlock(&s->notices.lock);
    log_event(first ? LOG_WARN : LOG_DEBUG, "http_server", "listener=%s detail=%s",
              listener_name(s->opt.listener), log_quote(msg, q, sizeof q));
}

/* Once a minute (from the deadline's watcher): how many messages of
 * libmicrohttpd were not logged at warn. */
static void notices_summary(void *ctx)
{
    struct http_server *s = ctx;
    pthread_mutex_lock(&s->notices.lock);
    unsigned long repeated = s->notices.repeated;
    s->notices.repeated = 0;
    s->notices.logged_this_minute = false;
    pthread_mutex_unlock(&s->notices.lock);
    if (repeated > 0)
        log_info("http_server_repeated",
                 "listener=%s count=%lu window_s=60 detail=\"more libmicrohttpd messages after "
                 "the first (aborted or refused connections); debug level shows each\"",
                 listener_name(s->opt.listener), repeated);
}

/* Bind and listen on ai for opt, without sharing the port: a second
 * taawund on the same config fails here instead of splitting the traffic.
 * Returns the socket, or -1 (logged: in use, or why not). */
static int open_listen_socket(const struct http_server_options *opt, const struct addrinfo *ai)
{
    char q[128];
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        log_error("listen_failed", "address=%s port=%d reason=\"socket: %s\"",
                  log_quote(opt->address, q, sizeof q), opt->port, strerror(errno));
        return -1;
    }
    int on = 1; /* SO_REUSEADDR (restart despite TIME_WAIT), never SO_REUSEPORT */
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (ai->ai_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, SOMAXCONN) != 0) {
        int err = errno;
        char reason[200];
        if (err == EADDRINUSE)
            snprintf(reason, sizeof reason,
                     "port %d on %s is in use \u2014 is another taawund running?", opt->port,
                     opt->address);
        else
            snprintf(reason, sizeof reason, "cannot listen on port %d on %s: %s", opt->port,
                     opt->address, strerror(err));
        char qr[240];
        log_error("listen_failed", "listener=%s address=%s port=%d reason=%s",
                  listener_name(opt->listener), log_quote(opt->address, q, sizeof q), opt->port,
                  log_quote(reason, qr, sizeof qr));
        close(fd);
        return -1;
    }
    return fd;
}

/* The port fd is bound to (the kernel's choice for port 0), or -1. */
static int bound_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        return -1;
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

/* Start libmicrohttpd on the listening socket fd (taken). Returns 0 or -1. */
static int start_daemon(struct http_server *s, int fd, bool ipv6)
{
    /* No MHD_OPTION_STRICT_FOR_CLIENT: libmicrohttpd 0.9.75 answers a
     * request without Host with its status line twice; check_framing
     * refuses that request itself. */
    /* poll(), not epoll: MHD_quiesce_daemon() on an epoll daemon with its
     * own threads races with the workers' removal of the listening socket
     * from their epoll sets, and libmicrohttpd aborts the process when it
     * loses ("Failed to remove listen FD from epoll set", seen on SIGTERM).
     * With poll() the quiesce reaches the workers through their ITC. A
     * worker polls at most max_connections / threads sockets. */
    const struct http_server_options *opt = &s->opt;
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC | MHD_USE_ERROR_LOG |
        MHD_ALLOW_SUSPEND_RESUME; /* requests answered later are parked (http/later.h) */
    if (ipv6)
        flags |= MHD_USE_IPv6;
    s->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
        MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned)opt->threads, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)opt->connection_timeout_s,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)opt->max_connections,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)opt->per_ip_connection_limit,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)opt->connection_memory_limit,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, s, MHD_OPTION_NOTIFY_COMPLETED,
        request_completed, s, MHD_OPTION_URI_LOG_CALLBACK, on_uri, s, MHD_OPTION_END);
    if (!s->daemon) {
        char q[128];
        log_error("listen_failed",
                  "listener=%s address=%s port=%d reason=\"libmicrohttpd did "
                  "not start\"",
                  listener_name(opt->listener), log_quote(opt->address, q, sizeof q), opt->port);
        close(fd);
        return -1;
    }
    return 0;
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
    int fd = s ? open_listen_socket(opt, ai) : -1;
    bool ipv6 = ai->ai_family == AF_INET6;
    freeaddrinfo(ai);
    if (fd < 0) {
        free(s);
        return NULL;
    }
    s->opt = *opt;
    s->quiesced_fd = -1;
    s->route = route;
    s->ctx = ctx;
    s->port = bound_port(fd);
    pthread_mutex_init(&s->notices.lock, NULL);
    s->parking = http_parking_new();
    s->deadline = s->parking ? http_deadline_new(opt->request_deadline_s,
                                                 listener_name(opt->listener), notices_summary, s)
                             : NULL;
    if (!s->deadline || start_daemon(s, fd, ipv6) != 0) {
        if (!s->deadline)
            close(fd);
        http_deadline_free(s->deadline);
        http_parking_free(s->parking);
        pthread_mutex_destroy(&s->notices.lock);
        free(s);
        return NULL;
    }
    return s;
}

int http_server_port(const struct http_server *s)
{
    return s->port;
}

/* Wait up to ms for the requests in progress to be over. */
static void wait_in_progress(struct http_server *s, int ms)
{
    struct timespec pause = {0, 10 * 1000 * 1000};
    for (int waited = 0; waited < ms && atomic_load(&s->in_progress) > 0; waited += 10)
        nanosleep(&pause, NULL);
}

void http_server_quiesce(struct http_server *s, int grace_ms)
{
    if (!s || !s->daemon)
        return;
    /* The worker threads may still poll the listening socket after this
     * call, so it is closed only after MHD_stop_daemon (libmicrohttpd's
     * rule for threaded daemons); shutdown() stops it listening now, so
     * new connections are refused rather than left in the backlog. */
    MHD_socket fd = MHD_quiesce_daemon(s->daemon);
    if (fd != MHD_INVALID_SOCKET) {
        shutdown(fd, SHUT_RDWR);
        s->quiesced_fd = fd;
    }
    wait_in_progress(s, grace_ms);
}

void http_server_stop(struct http_server *s)
{
    if (!s)
        return;
    /* libmicrohttpd aborts when stopped with a connection suspended: every
     * request still waiting for its later answer is answered 503 now, and
     * given a moment to be sent. */
    if (s->daemon && http_parking_close(s->parking) > 0)
        wait_in_progress(s, HTTP_STOP_ANSWER_MS);
    if (s->daemon)
        MHD_stop_daemon(s->daemon); /* forgets every connection's deadline */
    if (s->quiesced_fd >= 0)
        close(s->quiesced_fd);
    http_parking_free(s->parking);
    http_deadline_free(s->deadline);
    pthread_mutex_destroy(&s->notices.lock);
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

struct header_last {
    const char *name, *value;
};

static enum MHD_Result keep_last(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
    (void)kind;
    struct header_last *h = cls;
    if (key && strcasecmp(key, h->name) == 0)
        h->value = value;
    return MHD_YES;
}

const char *http_request_header_last(const struct http_request *req, const char *name)
{
    struct header_last h = {name, NULL};
    MHD_get_connection_values(req->connection, MHD_HEADER_KIND, keep_last, &h);
    return h.value;
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
    struct cidr c;
    if (!sa || cidr_parse(entry, &c) != 0)
        return false; /* taawund -n refused it; never "everyone" */
    struct cidr_addr a = {.family = sa->sa_family};
    if (sa->sa_family == AF_INET) {
        memcpy(a.bytes, &((const struct sockaddr_in *)sa)->sin_addr, 4);
    } else if (sa->sa_family == AF_INET6) {
        const struct in6_addr *in6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(in6)) {
            a.family = AF_INET;
            memcpy(a.bytes, &in6->s6_addr[12], 4);
        } else {
            memcpy(a.bytes, in6->s6_addr, 16);
        }
    } else {
        return false;
    }
    return cidr_contains(&c, &a);
}
