/* db_notify.h -- waking the senders of every node when messages are queued
 * (PostgreSQL's LISTEN/NOTIFY): the transaction that queues them notifies
 * (db_notify_outbox, delivered when it commits, never if it rolls back),
 * and each node's sender listens on a connection of its own whose socket
 * it polls beside its transfers. A wake-up carries nothing: the sender
 * looks at the outbox, as its poll does anyway (the fallback when a
 * notification is lost with a connection). On SQLite, one process: the
 * sender is woken in-process (store/messages' message_set_waker), and
 * nothing here is used. */
#ifndef TAAWUN_STORE_DB_NOTIFY_H
#define TAAWUN_STORE_DB_NOTIFY_H

#include "store/db.h"

struct db_notify;

/* In the caller's transaction on db (or on its own, outside one): tell
 * every node's listener, at commit, that the outbox has new due messages.
 * PostgreSQL only; on SQLite a no-op. 0, or -1 (logged). */
int db_notify_outbox(struct db *db) __attribute__((warn_unused_result));

/* A connection of its own, with db_pool_init's options, listening for
 * db_notify_outbox. NULL when db (borrowed, only asked its engine) is
 * SQLite, with nothing opened, or on failure (logged): the caller polls,
 * and may try again later. Free with db_notify_close (NULL is a no-op). */
struct db_notify *db_notify_listen(struct db *db);
void db_notify_close(struct db_notify *n);

/* The socket to poll for readability (-1 when n is NULL). */
int db_notify_socket(const struct db_notify *n);

/* Read what arrived without blocking: the notifications since the last
 * call (0: none), or -1 when the connection broke (logged): close it and
 * listen again later. */
int db_notify_drain(struct db_notify *n) __attribute__((warn_unused_result));

#endif
