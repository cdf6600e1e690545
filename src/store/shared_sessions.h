/* shared_sessions.h -- the live USSD sessions kept in the database, for the
 * nodes sharing one (store/nodes, issue 13): Africa's Talking puts the
 * session's id in the body, so any step of a session may reach any node.
 * A row per session (ussd_sessions: its key, its record as app/ussd_session
 * packs it, when its last step came, whether it ended); a lone node
 * (SQLite) keeps them in memory instead (app/ussd_session) and never
 * calls this module.
 *
 * One step at a time per session across nodes: shared_sessions_lock() takes
 * a session-level advisory lock on the key (NODES_USSD_SESSION_CLASS,
 * store/nodes.h) on the step's own connection, waiting (at most the
 * connection's lock_timeout, store/db_pg) while a step of another node or
 * thread holds it; the record is then read, the step run, the record
 * written back, and shared_sessions_unlock() lets the next step in. The lock
 * is the connection's, not a transaction's: it outlives commits and
 * rollbacks, and the server frees it when the connection dies (a node
 * killed, a connection reset), so no lock outlives its holder. On SQLite
 * the lock and unlock do nothing (one process, whose own table locks).
 *
 * Times are seconds; a row whose last_seen is before `since` (now minus
 * the session ttl) has expired: read as no row, counted as none, and
 * deleted by shared_sessions_purge. */
#ifndef TAAWUN_STORE_SHARED_SESSIONS_H
#define TAAWUN_STORE_SHARED_SESSIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;

/* Expired rows deleted by one shared_sessions_purge() or shared_sessions_room(). */
#define SHARED_SESSIONS_PURGE_MAX 1000

/* Wait for key's lock on db (the calling thread's connection, kept until
 * the unlock), the thread's read transaction ended first (store/db's
 * db_read_end), so what is read next sees the last step's commit. 0, or
 * -1 (logged: the wait timed out, or the database failed; nothing held).
 * SQLite: 0, nothing done. */
int shared_sessions_lock(struct db *db, const char *key) __attribute__((warn_unused_result));

/* Let go of key's lock, taken on db by shared_sessions_lock. Ends the
 * calling thread's read transaction first (store/db's db_read_end: a
 * failed one would refuse the unlock). 1 when it was held, 0 when not (lost
 * with a reset of the connection: no error), -1 (logged). SQLite: 0. */
int shared_sessions_unlock(struct db *db, const char *key);

/* key's row unless it expired: 1 with its record copied into
 * record[0..cap) (*len its length), *last_seen and *closed; 0 when there is
 * none (or it expired: *len 0); -1 (logged) on error or when the record
 * does not fit in cap. */
int shared_sessions_read(struct db *db, const char *key, int64_t since, unsigned char *record,
                         size_t cap, size_t *len, int64_t *last_seen, bool *closed)
    __attribute__((warn_unused_result));

/* Write key's row (insert or replace) in a write transaction of its own.
 * 0, or -1 (logged). */
int shared_sessions_put(struct db *db, const char *key, const unsigned char *record, size_t len,
                        int64_t last_seen, bool closed) __attribute__((warn_unused_result));

/* Delete key's row, in a write transaction of its own. 0, or -1 (logged). */
int shared_sessions_delete(struct db *db, const char *key) __attribute__((warn_unused_result));

/* Mark key's live row ended (the provider's end notice), in a write
 * transaction of its own. 1 when there was one, 0 when not, -1 (logged). */
int shared_sessions_close(struct db *db, const char *key, int64_t since)
    __attribute__((warn_unused_result));

/* The live (unexpired) rows into *n. 0, or -1 (logged). */
int shared_sessions_count(struct db *db, int64_t since, int64_t *n)
    __attribute__((warn_unused_result));

/* Delete expired rows, at most SHARED_SESSIONS_PURGE_MAX, in a write
 * transaction of its own, only when there are some (a read first). The
 * number deleted, or -1 (logged). */
int shared_sessions_purge(struct db *db, int64_t since) __attribute__((warn_unused_result));

/* Whether a new session fits under max live rows: 1 when fewer are live;
 * else the expired rows are purged and, when that is not enough, the
 * ended session seen longest ago is deleted (kept only for late copies of
 * its steps) to make room: 1 when one was, 0 when the table is full of
 * sessions under way, -1 (logged). Nodes checking at the same moment may
 * each let one in past max. */
int shared_sessions_room(struct db *db, int64_t since, int64_t max)
    __attribute__((warn_unused_result));

#endif
