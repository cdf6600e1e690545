/* deadline.h -- a total deadline per request, headers and body together:
 * a client that sends a request slower than the deadline (one header line
 * every few seconds, a body byte by byte) loses its connection, whatever
 * libmicrohttpd's idle timeout says (that one only counts silence).
 *
 * A connection's clock starts when it is accepted and again each time a
 * response has been sent (the next request on a kept-alive connection);
 * it stops while a complete request is being answered. A watcher thread
 * looks at every connection four times a second and shuts down (shutdown(2),
 * never close(2)) the socket of each one past its deadline; libmicrohttpd
 * then sees the connection end and closes it as it would any other.
 *
 * Concurrency: one mutex guards the list of connections. A connection is
 * forgotten (http_deadline_forget) before its socket is closed, so the
 * watcher never shuts down a descriptor that was reused by another file.
 * Every function may be called from any thread.
 *
 * Knows sockets and threads, not libmicrohttpd (server.c wires the two). */
#ifndef TAAWUN_HTTP_DEADLINE_H
#define TAAWUN_HTTP_DEADLINE_H

struct http_deadline;
struct http_deadline_conn;

/* Called by the watcher thread once a minute (ctx borrowed), e.g. to log
 * summaries of what was collapsed in the last minute. */
typedef void (*http_deadline_minute_fn)(void *ctx);

/* Start watching with deadline_s (>= 1) seconds per request. listener names
 * the listener in the log ("public", "admin"; borrowed for the watcher's
 * life). each_minute may be NULL. Returns NULL (logged) when the thread
 * cannot be started. Free with http_deadline_free. */
struct http_deadline *http_deadline_new(int deadline_s, const char *listener,
                                        http_deadline_minute_fn each_minute, void *ctx)
    __attribute__((warn_unused_result));

/* Stop the watcher and free (NULL is a no-op). Every connection must have
 * been forgotten first (the HTTP daemon stopped). */
void http_deadline_free(struct http_deadline *d);

/* A connection was accepted on socket fd: its clock starts. Returns its
 * handle (owned by d until http_deadline_forget), or NULL when out of memory
 * (the connection is then not watched). */
struct http_deadline_conn *http_deadline_track(struct http_deadline *d, int fd);

/* The connection is closing: forget it before its socket is closed. NULL
 * is a no-op; c is freed. */
void http_deadline_forget(struct http_deadline *d, struct http_deadline_conn *c);

/* The request is complete (or refused early) and is being answered: the
 * clock stops. NULL is a no-op. */
void http_deadline_answering(struct http_deadline *d, struct http_deadline_conn *c);

/* The response was sent: the next request's clock starts now. NULL is a
 * no-op. */
void http_deadline_next_request(struct http_deadline *d, struct http_deadline_conn *c);

#endif
