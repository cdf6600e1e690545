/* nodes.c -- the nodes sharing one database and the scheduler's lease
 * (see nodes.h). */
#include "store/nodes.h"

#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

#include "store/db.h"
#include "store/db_sql.h"
#include "store/store_util.h"
#include "sys/log.h"

static struct db *lifeline;
static int64_t self;
static int leased = -1; /* 1 or 0 as last seen (-1: not yet): its changes are logged */

int64_t nodes_self(void)
{
    return self;
}

/* Hold the advisory lock (class, key) if no other session does: 1 held
 * (already, or taken now), 0 another session holds it, -1. One statement
 * per tick and lock: the lifeline is no thread's pooled connection, so
 * each statement is prepared and forgotten again. A lock this session
 * holds is not taken twice (pg_try_advisory_lock would count it again). */
static int take(int64_t class, int64_t key)
{
    struct db_stmt *st = db_stmt(lifeline, "SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_locks"
                                           " WHERE locktype = 'advisory' AND classid = ?1"
                                           " AND objid = ?2 AND objsubid = 2"
                                           " AND pid = pg_backend_pid() AND granted) THEN 1"
                                           " WHEN pg_try_advisory_lock(CAST(?1 AS INTEGER),"
                                           " CAST(?2 AS INTEGER)) THEN 1 ELSE 0 END");
    if (!st)
        return store_fail(lifeline, "nodes_lock");
    db_bind_i64(st, 1, class);
    db_bind_i64(st, 2, key);
    int64_t got = 0;
    return store_read_int64(lifeline, st, &got, "nodes_lock") < 0 ? -1 : got == 1;
}

int nodes_join(struct db *db)
{
    if (!db_is_postgresql(db))
        return 0;
    lifeline = db;
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    if (db_begin(db) != 0)
        return -1;
    struct db_stmt *st = db_stmt(db, "INSERT INTO nodes (host, pid, started_at)"
                                     " VALUES (?1, ?2, ?3) RETURNING id");
    if (!st) {
        db_rollback(db);
        return store_fail(db, "nodes_join");
    }
    db_bind_text(st, 1, host);
    db_bind_i64(st, 2, (int64_t)getpid());
    db_bind_i64(st, 3, db_now());
    int64_t id = 0;
    if (store_insert(db, st, &id, "nodes_join") != 1 || db_commit(db) != 0) {
        db_rollback(db);
        return -1;
    }
    if (id <= 0 || id > INT32_MAX || take(NODES_LOCK_CLASS, id) != 1) {
        log_error("node_join_failed", "node=%lld", (long long)id);
        return -1;
    }
    self = id;
    log_info("node_joined", "node=%lld host=%s", (long long)id, host[0] ? host : "?");
    return 0;
}

int nodes_tick(void)
{
    if (!lifeline)
        return 1;
    /* After a reset of the lifeline the node's lock is gone: the others
     * may already have queued its claims again (in flight: sent twice). */
    int mine = take(NODES_LOCK_CLASS, self);
    int lease = mine == 1 ? take(NODES_LEASE_CLASS, 1) : mine;
    if (lease < 0)
        return -1;
    if (lease != leased)
        log_info(lease ? "scheduler_lease_taken" : "scheduler_lease_elsewhere", "node=%lld",
                 (long long)self);
    leased = lease;
    return lease;
}
