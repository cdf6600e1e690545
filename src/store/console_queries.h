/* console_queries.h -- the few reads the web console needs beyond the
 * admin API's named queries: one outbound message by id (the grant SMS
 * preview), messages per channel and status since a time, and grants per
 * status with their amounts. Functions borrow the connection. */
#ifndef TAAWUN_STORE_CONSOLE_QUERIES_H
#define TAAWUN_STORE_CONSOLE_QUERIES_H

#include <stddef.h>
#include <stdint.h>
#include "store/db.h"

#define CONSOLEQ_ROWS_MAX 64
#define CONSOLEQ_BODY_MAX 2048

struct consoleq_message {
    char phone[24];
    char language[8]; /* the recipient member's language, "" when unknown */
    char body[CONSOLEQ_BODY_MAX];
    char encoding[8];
    int segments;
};

/* Message id. Returns 1, 0 (none) or -1. */
int consoleq_message(struct db *db, int64_t id, struct consoleq_message *out)
    __attribute__((warn_unused_result));

struct consoleq_count {
    char key[48]; /* channel + "/" + status, or a grant status */
    int64_t count;
    int64_t amount; /* grants: sum of amount_mad */
};

/* Outbound messages to real numbers created at or after since, per
 * "channel/status", from the hourly counts (message_counts): exact when
 * since is on the hour (a local midnight in a zone of whole-hour offsets),
 * else the hour holding since counts whole. Returns the number of rows (at
 * most max) or -1. */
int consoleq_messages_since(struct db *db, int64_t since, struct consoleq_count *out, size_t max)
    __attribute__((warn_unused_result));

/* Grants per status with the sum of their amounts. Returns rows or -1. */
int consoleq_grants_by_status(struct db *db, struct consoleq_count *out, size_t max)
    __attribute__((warn_unused_result));

#endif
