/* db_notify.c -- the outbox's wake-up between nodes: pg_notify in the
 * queueing transaction, LISTEN on a connection of the sender's own. */
#include "store/db_notify.h"

#include <stdlib.h>

#include "store/db_pg.h"
#include "store/db_sql.h"
#include "store/store_util.h"
#include "sys/log.h"

/* The channel every node notifies and listens on. */
#define DB_NOTIFY_CHANNEL "taawun_outbox"

struct db_notify {
    struct db *db; /* PostgreSQL: db->pg runs LISTEN and nothing else */
};

int db_notify_outbox(struct db *db)
{
    if (!db_is_postgresql(db))
        return 0;
    struct db_stmt *st = db_stmt(db, "SELECT pg_notify('" DB_NOTIFY_CHANNEL "', '')");
    if (!st)
        return store_fail(db, "db_notify_outbox");
    int rc = db_step(st);
    if (rc == DB_ROW)
        rc = db_step(st);
    db_stmt_done(st);
    return rc == DB_DONE ? 0 : store_fail(db, "db_notify_outbox");
}

struct db_notify *db_notify_listen(struct db *engine)
{
    if (!db_is_postgresql(engine))
        return NULL;
    struct db *db = db_open_reader();
    if (!db)
        return NULL;
    if (db_pg_exec(db->pg, "LISTEN " DB_NOTIFY_CHANNEL) != 0) {
        db_log_error(db, "db_notify_listen");
        db_close(db);
        return NULL;
    }
    struct db_notify *n = malloc(sizeof *n);
    if (!n) {
        log_error("db_notify_out_of_memory", "channel=%s", DB_NOTIFY_CHANNEL);
        db_close(db);
        return NULL;
    }
    n->db = db;
    return n;
}

void db_notify_close(struct db_notify *n)
{
    if (!n)
        return;
    db_close(n->db);
    free(n);
}

int db_notify_socket(const struct db_notify *n)
{
    return n ? db_pg_socket(n->db->pg) : -1;
}

int db_notify_drain(struct db_notify *n)
{
    int got = db_pg_notifications(n->db->pg);
    if (got < 0)
        db_log_error(n->db, "db_notify_drain");
    return got;
}
