/* nodes.h -- the taawund nodes that share one database, and the one of
 * them that does the scheduler's work (issue 13).
 *
 * On SQLite there is one node (store/db_lock: one daemon per file) and
 * every call answers as a lone node's would. On PostgreSQL each node takes
 * a number when it starts (a row of nodes) and holds an advisory lock on it,
 * on a connection of its own (the lifeline), for its whole life: the lock
 * is how the others know it is alive, since the server frees it the moment
 * the node's process or connection dies. The messages a node claimed for
 * sending carry its number (messages.claimed_by): those a dead node left
 * 'sending' are queued again, at most once more each, as after a crash
 * (store/messages' outbox_reconcile_after_crash), by the node holding the
 * scheduler's lease, a second advisory lock on the lifeline that one node
 * at a time holds and another takes at its next tick when that node dies. */
#ifndef TAAWUN_STORE_NODES_H
#define TAAWUN_STORE_NODES_H

#include <stdint.h>

struct db;

/* The advisory locks' first key (two-key form), one list for all: a
 * node's number under NODES_LOCK_CLASS, the scheduler's lease as 1 under
 * NODES_LEASE_CLASS, a USSD session's key hashed (hashtext) under
 * NODES_USSD_SESSION_CLASS while one of its steps runs (store/shared_sessions). */
#define NODES_LOCK_CLASS 1952514049         /* "tan\x01" */
#define NODES_LEASE_CLASS 1952514050        /* "tan\x02" */
#define NODES_USSD_SESSION_CLASS 1952514051 /* "tan\x03" */

/* The numbers of the nodes alive, as an SQL subquery (PostgreSQL). */
#define NODES_ALIVE_SQL                                                                            \
    "(SELECT objid::bigint FROM pg_locks WHERE locktype = 'advisory' AND classid = 1952514049"     \
    " AND objsubid = 2 AND granted)"

/* Record this node and hold its lock on lifeline, a connection of the
 * caller's (store/db's db_open) kept open, and used by no other thread,
 * until the process ends. 0, or -1 (logged). SQLite: 0, nothing done. */
int nodes_join(struct db *lifeline) __attribute__((warn_unused_result));

/* This node's number: 0 before nodes_join and on SQLite. */
int64_t nodes_self(void);

/* Once per scheduler tick, on the thread the lifeline belongs to from now
 * on: keep this node's lock (taken again after the connection was reset)
 * and try the scheduler's lease. 1 when this node holds the lease (the
 * tick's work is its, store/messages' outbox_requeue_dead_nodes first), 0
 * when another node does, -1 on error (logged: skip the tick). SQLite: 1,
 * nothing done. */
int nodes_tick(void);

#endif
