/* queue_depth.h -- the outbox as a scrape or the console sees it: per
 * channel, the messages waiting (queued, sending, held for the send window)
 * and when the oldest queued one was created. Cheap enough to run on every
 * scrape: each status is read through its partial index (messages_due,
 * messages_sending, messages_held), never by scanning the messages table.
 * Borrows the connection. */
#ifndef TAAWUN_STORE_QUEUE_DEPTH_H
#define TAAWUN_STORE_QUEUE_DEPTH_H

#include <stddef.h>
#include <stdint.h>
#include "store/db.h"

#include "core/limits.h"

#define QUEUE_DEPTH_ROWS_MAX 96 /* (channel, status) rows read at most */

/* The statuses counted, NULL-terminated: "queued", "sending", "held". */
extern const char *const queue_depth_statuses[];

struct queue_depth_row {
    char channel[CHANNEL_NAME_MAX];
    const char *status; /* one of queue_depth_statuses */
    int64_t count;
    int64_t oldest_created_at; /* queued: the oldest one's created_at; 0 otherwise */
};

/* Fill out[0..max) with one row per channel and status that has messages.
 * Returns the number of rows, or -1 on a database error (logged). */
int queue_depth_read(struct db *db, struct queue_depth_row *out, size_t max)
    __attribute__((warn_unused_result));

/* The row of channel and status in rows[0..n), or NULL (none waiting). */
const struct queue_depth_row *queue_depth_find(const struct queue_depth_row *rows, size_t n,
                                               const char *channel, const char *status);

#endif
