/* later.c -- parked connections and their later answers (see later.h):
 * one process-wide mutex, so that an answer given after its server was
 * freed never touches a freed lock. */
#include "http/later.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct http_parking {
    struct http_later *head; /* the requests holding a later answer */
    bool closing;
};

struct http_later {
    struct http_parking *parking; /* NULL once the parking was freed */
    struct MHD_Connection *conn;
    int holds;     /* the connection's and the answerer's: freed at 0 */
    bool parked;   /* suspended; resumed by whoever answers it */
    bool answered; /* resp holds the answer until taken */
    bool taken;
    struct http_response resp;
    struct http_later *prev, *next; /* in parking's list while the connection holds it */
};

static pthread_mutex_t later_lock = PTHREAD_MUTEX_INITIALIZER;

/* Free what an answer that is never sent holds. */
static void response_drop(struct http_response *r)
{
    free(r->body);
    r->body = NULL;
    if (r->stream && r->stream_free)
        r->stream_free(r->stream_ctx);
    r->stream = NULL;
}

/* The answer to a request the server stops before it was answered. */
static void stopping_answer(struct http_response *r)
{
    static const char body[] = "{\"error\":{\"code\":\"unavailable\","
                               "\"message\":\"the server is stopping; try again\"}}";
    *r = (struct http_response){
        .status = 503, .content_type = "application/json", .retry_after_s = 1};
    r->body = malloc(sizeof body);
    if (r->body) {
        memcpy(r->body, body, sizeof body);
        r->body_len = sizeof body - 1;
    }
}

struct http_parking *http_parking_new(void)
{
    return calloc(1, sizeof(struct http_parking));
}

void http_parking_free(struct http_parking *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&later_lock);
    for (struct http_later *l = p->head; l; l = l->next)
        l->parking = NULL; /* libmicrohttpd never released it: let the answerer free it */
    pthread_mutex_unlock(&later_lock);
    free(p);
}

struct http_later *http_answer_later(const struct http_request *req)
{
    struct http_later_slot *slot = req->later;
    if (!slot || slot->later || !slot->parking)
        return NULL;
    struct http_later *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->parking = slot->parking;
    l->conn = slot->connection;
    l->holds = 2;
    pthread_mutex_lock(&later_lock);
    l->next = l->parking->head;
    if (l->next)
        l->next->prev = l;
    l->parking->head = l;
    pthread_mutex_unlock(&later_lock);
    slot->later = l;
    return l;
}

/* One hold let go; frees l at the last. Under later_lock; true when l must
 * be freed (after the lock is let go). */
static bool let_go(struct http_later *l)
{
    return --l->holds == 0;
}

static void later_free(struct http_later *l)
{
    response_drop(&l->resp);
    free(l);
}

void http_later_answer(struct http_later *l, struct http_response *resp)
{
    struct http_response dropped = {0};
    pthread_mutex_lock(&later_lock);
    if (!l->answered) {
        l->answered = true;
        l->resp = *resp;
        /* Under the lock: the server cannot stop in between (it answers
         * only what is parked and not answered, under this lock). */
        if (l->parked)
            MHD_resume_connection(l->conn);
    } else {
        dropped = *resp;
    }
    bool last = let_go(l);
    pthread_mutex_unlock(&later_lock);
    resp->body = NULL;
    resp->stream = NULL;
    response_drop(&dropped);
    if (last)
        later_free(l);
}

bool http_later_ready(struct http_later *l, struct http_response *resp)
{
    bool ready = true;
    pthread_mutex_lock(&later_lock);
    if (l->answered && !l->taken) {
        *resp = l->resp;
        l->resp = (struct http_response){0};
        l->taken = true;
    } else if (l->answered || !l->parking || l->parking->closing) {
        /* Stopping (or, never expected, called back after the answer was
         * taken): 503 rather than a second park nobody resumes. */
        l->answered = l->taken = true;
        stopping_answer(resp);
    } else {
        MHD_suspend_connection(l->conn);
        l->parked = true;
        ready = false;
    }
    pthread_mutex_unlock(&later_lock);
    return ready;
}

void http_later_release(struct http_later *l)
{
    pthread_mutex_lock(&later_lock);
    if (l->parking) {
        if (l->prev)
            l->prev->next = l->next;
        else
            l->parking->head = l->next;
        if (l->next)
            l->next->prev = l->prev;
        l->parking = NULL;
    }
    l->prev = l->next = NULL;
    bool last = let_go(l);
    pthread_mutex_unlock(&later_lock);
    if (last)
        later_free(l);
}

int http_parking_close(struct http_parking *p)
{
    int resumed = 0;
    pthread_mutex_lock(&later_lock);
    p->closing = true;
    for (struct http_later *l = p->head; l; l = l->next) {
        if (l->parked && !l->answered) {
            l->answered = true;
            stopping_answer(&l->resp);
            MHD_resume_connection(l->conn);
            resumed++;
        }
    }
    pthread_mutex_unlock(&later_lock);
    return resumed;
}
