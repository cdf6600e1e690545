/* queue_depth.c -- messages waiting per channel and status, read through
 * the outbox's partial indexes (see queue_depth.h). The status is written
 * into each statement, not bound: SQLite uses a partial index only when
 * the query's WHERE names its condition literally. */
#include "store/queue_depth.h"

#include <string.h>

#include "store/db.h"
#include "store/db_sql.h"
#include "store/store_util.h"

const char *const queue_depth_statuses[] = {"queued", "sending", "held", NULL};

/* Per status: channel, count and, for queued, the smallest id (ids grow
 * with time: the oldest message), whose created_at is then read by key. */
static const char *const depth_sql[] = {
    "SELECT q.channel, q.n, m.created_at FROM (SELECT channel, count(*) AS n, min(id) AS first"
    " FROM messages WHERE status = 'queued' GROUP BY channel) q"
    " JOIN messages m ON m.id = q.first",
    "SELECT channel, count(*), 0 FROM messages WHERE status = 'sending' GROUP BY channel",
    "SELECT channel, count(*), 0 FROM messages WHERE status = 'held' GROUP BY channel",
};

int queue_depth_read(struct db *db, struct queue_depth_row *out, size_t max)
{
    size_t n = 0;
    for (size_t s = 0; queue_depth_statuses[s]; s++) {
        struct db_stmt *st = db_stmt(db, depth_sql[s]);
        if (!st)
            return -1;
        int rc;
        while ((rc = db_step(st)) == DB_ROW && n < max) {
            struct queue_depth_row *r = &out[n++];
            store_copy_text(r->channel, sizeof r->channel, st, 0);
            r->status = queue_depth_statuses[s];
            r->count = db_col_i64(st, 1);
            r->oldest_created_at = db_col_i64(st, 2);
        }
        if (rc != DB_ROW && rc != DB_DONE) {
            db_stmt_done(st);
            return store_fail(db, "queue_depth");
        }
        db_stmt_done(st);
    }
    return (int)n;
}

const struct queue_depth_row *queue_depth_find(const struct queue_depth_row *rows, size_t n,
                                               const char *channel, const char *status)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(rows[i].channel, channel) == 0 && strcmp(rows[i].status, status) == 0)
            return &rows[i];
    return NULL;
}
