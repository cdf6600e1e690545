/* later.h -- answers given after the route function returned (issue 14).
 *
 * A route function that hands a request's work to another thread (an
 * inbound SMS to the group commit, store/db_group.h) returns without an
 * answer; the connection is parked meanwhile (libmicrohttpd's
 * MHD_suspend_connection, the daemon started with MHD_ALLOW_SUSPEND_RESUME)
 * so that no thread of the HTTP pool waits with it, and the answer, given
 * from any thread, resumes it (MHD_resume_connection): the pool's thread
 * that serves the connection then sends it, as it sends any answer.
 *
 * A later answer is held twice and freed when both have let go: by the
 * connection (http/server, until its request is over) and by whoever
 * answers (http_later_answer, exactly once). One mutex orders the three
 * events that race: the route function returning (the connection is parked
 * unless the answer is there already), the answer (the connection is
 * resumed if it was parked), and the server stopping (http_parking_close:
 * every parked request is answered 503 and resumed, none is parked after
 * it, and an answer given later is dropped). libmicrohttpd must never be
 * stopped with a connection parked: it would abort. */
#ifndef TAAWUN_HTTP_LATER_H
#define TAAWUN_HTTP_LATER_H

#include <stdbool.h>

#include "http/message.h"

/* ---- for route functions ---- */

struct http_later;

/* The answer to req is given by http_later_answer, not in resp (which the
 * route function leaves as it is). Returns NULL when that cannot be (out
 * of memory, asked twice): answer in resp then. */
struct http_later *http_answer_later(const struct http_request *req)
    __attribute__((warn_unused_result));

/* Give the answer to a request, exactly once, from any thread, even before
 * the route function returned: resp's body and stream are taken (resp is
 * left empty). Dropped (freed) when the server has answered 503 already
 * because it is stopping. */
void http_later_answer(struct http_later *l, struct http_response *resp);

/* ---- for http/server ---- */

/* The later answers of one server's requests. */
struct http_parking;

/* One request's place for a later answer, in server.c's state of the
 * request: parking and connection set by server.c, later by
 * http_answer_later. */
struct http_later_slot {
    struct http_parking *parking;
    void *connection; /* the struct MHD_Connection */
    struct http_later *later;
};

/* NULL when out of memory. Free after libmicrohttpd was stopped. */
struct http_parking *http_parking_new(void);
void http_parking_free(struct http_parking *p);

/* On the connection's thread, inside libmicrohttpd's access handler, once
 * the route function returned with a later answer and each time
 * libmicrohttpd calls back: true with *resp filled (the answer, taken; 503
 * when the server is stopping) when there is one to send; false when the
 * connection was parked to wait for it. */
bool http_later_ready(struct http_later *l, struct http_response *resp);

/* The request is over (answered, or its connection closed): the
 * connection's hold is let go. */
void http_later_release(struct http_later *l);

/* The server stops: every parked request is answered 503 and resumed, and
 * none is parked after this. Returns how many were resumed (their answers
 * are still to be sent by the pool). Before MHD_stop_daemon. */
int http_parking_close(struct http_parking *p);

#endif
