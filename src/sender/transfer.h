/* transfer.h -- the sender's requests to providers and the curl multi
 * handle that drives them: one easy handle per request, connections kept
 * alive, answers kept up to TRANSFER_RESPONSE_MAX bytes and parsed by the
 * channel into one result per message.
 *
 * With sender/, the only code that knows libcurl. Not thread-safe: the
 * sender thread alone drives a struct transfers (transfers_wakeup()
 * excepted). */
#ifndef TAAWUN_SENDER_TRANSFER_H
#define TAAWUN_SENDER_TRANSFER_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>

#include "channels/channel.h"
#include "runtime/runtime.h"
#include "sender/pace.h"
#include "store/messages.h"

#define TRANSFER_RESPONSE_MAX (64 * 1024) /* bytes of a provider answer we keep */

/* One request: the messages it carries and, when done, their results. */
struct request {
    struct request *next;         /* in transfers.done */
    struct request *next_running; /* in transfers.running */
    CURL *easy;
    struct curl_slist *headers;
    struct channel_http_call call;
    struct runtime *rt; /* reference held: ch and ops stay valid */
    const struct channel_settings *ch;
    const struct channel_ops *ops;
    struct pace *pace; /* the channel's in-flight count */
    size_t n;
    struct outbox_row *rows; /* owned, bodies included */
    struct outbound_message *msgs;
    struct send_result *results;
    char *resp;
    size_t resp_len;
    bool resp_capped;
    long http_status; /* of the answer; 0: none (yet) */
    bool in_multi;
    char errbuf[CURL_ERROR_SIZE];
};

struct transfers {
    CURLM *multi;
    struct request *running; /* in the multi handle */
    struct request *done;    /* finished, results not yet recorded */
    int inflight;            /* requests in running */
};

/* curl's global state and a multi handle. Returns 0, or -1 (logged). */
int transfers_init(struct transfers *t) __attribute__((warn_unused_result));

/* Free what is left (running requests are dropped, see transfers_abandon)
 * and the multi handle. */
void transfers_cleanup(struct transfers *t);

/* A request for n messages with its arrays allocated (zeroed), or NULL. */
struct request *request_new(size_t n);

/* Free r, its rows and its runtime reference. NULL is a no-op. */
void request_free(struct request *r);

/* Every message of r gets the same result. */
void request_results_all(struct request *r, enum send_outcome outcome, const char *reason);

/* Start r (its call built by the channel): configure an easy handle, add it
 * to the multi handle, count it in flight. When it cannot start, its
 * messages get a retry result and it goes to done. Takes r. */
void transfers_start(struct transfers *t, struct request *r);

/* r is finished (results set): queue it for recording. Takes r. */
void transfers_finish(struct transfers *t, struct request *r);

/* Let curl move the transfers on, then parse the answers of those that
 * ended into results (moving them to done). */
void transfers_perform(struct transfers *t);

/* Sleep until a transfer needs attention, transfers_wakeup(), fd (when
 * not -1) is readable, or ms. */
void transfers_wait(struct transfers *t, long ms, int fd);

/* Wake transfers_wait() from another thread. */
void transfers_wakeup(struct transfers *t);

/* Drop every running request (at stop, past the grace period): their
 * messages stay 'sending', reconciled at the next start. Logged. */
void transfers_abandon(struct transfers *t);

#endif
