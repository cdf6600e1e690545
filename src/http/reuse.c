/* reuse.c -- answers sent again as they were made (see reuse.h). */
#include "http/reuse.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"

/* Answers a route marked reusable, kept per request thread (no lock): the
 * menus every session meets are sent again as they were made, not made
 * again (a response, six headers copied by libmicrohttpd, a dozen
 * allocations freed after each request). libmicrohttpd counts a
 * response's users, so one queued on several connections, or dropped here
 * while still being sent, is freed once no connection sends it. */
#define REUSE_SLOTS 256 /* per thread, a power of two */

struct reuse_slot {
    uint64_t hash;
    struct MHD_Response *response; /* NULL: empty */
    int status;
    char content_type[64];
    size_t len;
    char *body; /* the answer's bytes, to compare */
};

static pthread_key_t reuse_key;
static pthread_once_t reuse_once = PTHREAD_ONCE_INIT;
static bool reuse_ready; /* reuse_key was made */

static void reuse_free(void *arg)
{
    struct reuse_slot *slots = arg;
    for (size_t i = 0; i < REUSE_SLOTS; i++) {
        if (slots[i].response)
            MHD_destroy_response(slots[i].response);
        free(slots[i].body);
    }
    free(slots);
}

static void reuse_init(void)
{
    reuse_ready = pthread_key_create(&reuse_key, reuse_free) == 0;
}

/* The calling thread's slots (made on first use), or NULL. */
static struct reuse_slot *reuse_slots(void)
{
    pthread_once(&reuse_once, reuse_init);
    if (!reuse_ready)
        return NULL;
    struct reuse_slot *slots = pthread_getspecific(reuse_key);
    if (!slots && (slots = calloc(REUSE_SLOTS, sizeof *slots)) != NULL &&
        pthread_setspecific(reuse_key, slots) != 0) {
        free(slots);
        slots = NULL;
    }
    return slots;
}

/* Whether resp may be answered with a kept response: nothing of its own
 * beyond its status, type and body. */
static bool reusable(const struct http_response *resp, bool close_after)
{
    return resp->reusable && !close_after && !resp->stream && resp->body &&
           !resp->content_disposition[0] && !resp->set_cookie[0] && !resp->allow &&
           resp->retry_after_s <= 0;
}

int http_reuse_send(struct MHD_Connection *conn, struct http_response *resp, bool close_after,
                    http_headers_fn headers)
{
    struct reuse_slot *slots = reusable(resp, close_after) ? reuse_slots() : NULL;
    if (!slots)
        return -1;
    const char *ctype = resp->content_type ? resp->content_type : "text/plain";
    if (strlen(ctype) >= sizeof slots->content_type)
        return -1;
    uint64_t h = hash_bytes(resp->body, resp->body_len);
    struct reuse_slot *slot = &slots[h & (REUSE_SLOTS - 1)];
    if (!(slot->response && slot->hash == h && slot->status == resp->status &&
          slot->len == resp->body_len && strcmp(slot->content_type, ctype) == 0 &&
          memcmp(slot->body, resp->body, resp->body_len) == 0)) {
        struct MHD_Response *r =
            MHD_create_response_from_buffer(resp->body_len, resp->body, MHD_RESPMEM_MUST_COPY);
        if (!r)
            return -1;
        headers(r, resp);
        if (slot->response)
            MHD_destroy_response(slot->response); /* freed once no connection sends it */
        free(slot->body);
        *slot = (struct reuse_slot){.hash = h,
                                    .response = r,
                                    .status = resp->status,
                                    .len = resp->body_len,
                                    .body = resp->body};
        snprintf(slot->content_type, sizeof slot->content_type, "%s", ctype);
        resp->body = NULL; /* the slot's now */
    }
    free(resp->body);
    resp->body = NULL;
    return MHD_queue_response(conn, (unsigned)resp->status, slot->response);
}
