/* messages.h -- the messages table: every inbound and outbound message, and
 * the outbox (outbound rows with status 'queued'). */
#ifndef TAAWUN_STORE_MESSAGES_H
#define TAAWUN_STORE_MESSAGES_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

#include "core/limits.h"

struct message_new {
    const char *channel;
    const char *phone; /* E.164 */
    int64_t member_id; /* 0: none */
    const char *kind;  /* receipt, reply, notification, broadcast, ... */
    const char *topic; /* NULL: transactional */
    const char *body;  /* valid UTF-8 */
    int priority;      /* higher goes first */
};

/* Queue an outbound message: measures the body (encoding, segments) with
 * core/gsm and inserts it as 'queued', due now. Must run inside the caller's
 * transaction when it belongs with another write. Returns 0 with *id_out
 * set (id_out may be NULL), or -1 (logged). */
int message_queue(sqlite3 *db, const struct message_new *m, int64_t *id_out)
    __attribute__((warn_unused_result));

struct message_due {
    int64_t id;
    char channel[CHANNEL_NAME_MAX];
};

/* Up to max queued messages of channel that are due at now, in order of
 * priority then due time. Returns how many were stored in out, or -1. */
int message_list_due(sqlite3 *db, const char *channel, int64_t now, struct message_due *out,
                     size_t max) __attribute__((warn_unused_result));

/* Record that message id was accepted by the channel (status 'sent'). */
int message_mark_sent(sqlite3 *db, int64_t id, const char *provider_id)
    __attribute__((warn_unused_result));

#endif
