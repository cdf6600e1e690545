/* console_queries.c -- SQL of the web console's own reads (message preview,
 * weekly message counts per channel, grants per status). */
#include "store/console_queries.h"

#include <string.h>

#include "store/db.h"
#include "store/db_sql.h"
#include "store/store_util.h"

int consoleq_message(struct db *db, int64_t id, struct consoleq_message *out)
{
    struct db_stmt *st = db_stmt(db, "SELECT g.phone, coalesce(m.language, ''), g.body, g.encoding,"
                                     " g.segments FROM messages g"
                                     " LEFT JOIN members m ON m.id = g.member_id WHERE g.id = ?1");
    if (!st)
        return store_fail(db, "console_q_message");
    db_bind_i64(st, 1, id);
    int rc = db_step(st), result = 0;
    if (rc == DB_ROW) {
        memset(out, 0, sizeof *out);
        store_copy_text(out->phone, sizeof out->phone, st, 0);
        store_copy_text(out->language, sizeof out->language, st, 1);
        store_copy_text(out->body, sizeof out->body, st, 2);
        store_copy_text(out->encoding, sizeof out->encoding, st, 3);
        out->segments = db_col_int(st, 4);
        result = 1;
    } else if (rc != DB_DONE) {
        result = store_fail(db, "console_q_message");
    }
    db_stmt_done(st);
    return result;
}

static int counts(struct db_stmt *st, struct consoleq_count *out, size_t max)
{
    size_t n = 0;
    int rc;
    while (n < max && (rc = db_step(st)) == DB_ROW) {
        memset(&out[n], 0, sizeof out[n]);
        store_copy_text(out[n].key, sizeof out[n].key, st, 0);
        out[n].count = db_col_i64(st, 1);
        out[n].amount = db_col_i64(st, 2);
        n++;
    }
    db_stmt_done(st);
    return (int)n;
}

int consoleq_messages_since(struct db *db, int64_t since, struct consoleq_count *out, size_t max)
{
    /* Counted by the hour (store/migrations.c, message_counts). */
    struct db_stmt *st =
        db_stmt(db, "SELECT channel || '/' || status, sum(n), 0 FROM message_counts"
                    " WHERE hour >= ?1 / 3600 GROUP BY 1 HAVING sum(n) > 0"
                    " ORDER BY 1");
    if (!st)
        return store_fail(db, "console_q_messages_since");
    db_bind_i64(st, 1, since);
    return counts(st, out, max);
}

int consoleq_grants_by_status(struct db *db, struct consoleq_count *out, size_t max)
{
    struct db_stmt *st = db_stmt(db, "SELECT status, count(*), coalesce(sum(amount_mad), 0)"
                                     " FROM grants WHERE member_id IS NULL OR member_id NOT IN"
                                     " (SELECT id FROM members WHERE is_test = 1)"
                                     " GROUP BY 1 ORDER BY 1");
    if (!st)
        return store_fail(db, "console_q_grants_by_status");
    return counts(st, out, max);
}
