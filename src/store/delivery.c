/* delivery.c -- SQL of the delivery reports: a broadcast's messages in
 * groups and in pages, the last send error's class, costs per channel. */
#include "store/delivery.h"

#include <string.h>

#include "store/db.h"
#include "store/db_sql.h"
#include "store/store_util.h"

/* The error class of message g (see delivery.h), NULL for none. */
#define ERROR_CLASS_SQL                                                                            \
    "CASE WHEN g.status IN ('sent','delivered','held','sending','cancelled') THEN NULL"            \
    " WHEN g.status = 'failed' AND substr(g.error, 1, 4) = 'dlr_' THEN g.error"                    \
    " WHEN g.error_class IS NOT NULL THEN g.error_class"                                           \
    " WHEN g.error = 'unknown_after_crash' THEN g.error"                                           \
    " WHEN g.status = 'failed' THEN 'provider_error'"                                              \
    " WHEN g.status = 'suppressed' THEN coalesce(g.error, 'suppressed')"                           \
    " WHEN g.status = 'expired' THEN 'expired' END"

int delivery_broadcast_groups(struct db *db, int64_t broadcast_id,
                              int (*fn)(const struct delivery_group *g, void *ctx), void *ctx)
{
    struct db_stmt *st =
        db_stmt(db, "SELECT g.status, g.channel, coalesce(" ERROR_CLASS_SQL ", ''),"
                    " coalesce(m.language, ''), g.attempts, count(*), sum(g.segments),"
                    " sum(CASE WHEN g.provider_id IS NOT NULL THEN g.segments ELSE 0 END),"
                    " coalesce(min(g.sent_at), 0), coalesce(max(g.sent_at), 0),"
                    " coalesce(min(g.delivered_at), 0), coalesce(max(g.delivered_at), 0),"
                    " sum(CASE WHEN g.provider_id IS NOT NULL AND g.provider_cost_mad IS NOT NULL"
                    " THEN g.segments ELSE 0 END), coalesce(sum(CASE WHEN g.provider_id IS NOT NULL"
                    " THEN g.provider_cost_mad END), 0)"
                    " FROM messages g LEFT JOIN members m ON m.id = g.member_id"
                    " WHERE g.broadcast_id = ?1 GROUP BY 1, 2, 3, 4, 5");
    if (!st)
        return store_fail(db, "delivery_groups");
    db_bind_i64(st, 1, broadcast_id);
    int rc;
    while ((rc = db_step(st)) == DB_ROW) {
        struct delivery_group g;
        memset(&g, 0, sizeof g);
        store_copy_text(g.status, sizeof g.status, st, 0);
        store_copy_text(g.channel, sizeof g.channel, st, 1);
        store_copy_text(g.error_class, sizeof g.error_class, st, 2);
        store_copy_text(g.language, sizeof g.language, st, 3);
        g.attempts = db_col_i64(st, 4);
        g.messages = db_col_i64(st, 5);
        g.segments = db_col_i64(st, 6);
        g.taken_segments = db_col_i64(st, 7);
        g.first_sent_at = db_col_i64(st, 8);
        g.last_sent_at = db_col_i64(st, 9);
        g.first_delivered_at = db_col_i64(st, 10);
        g.last_delivered_at = db_col_i64(st, 11);
        g.priced_segments = db_col_i64(st, 12);
        g.provider_cost_mad = db_col_double(st, 13);
        if (fn(&g, ctx) != 0) {
            rc = DB_DONE;
            break;
        }
    }
    db_stmt_done(st);
    return rc == DB_DONE ? 0 : store_fail(db, "delivery_groups");
}

/* messages_broadcast_rows: the broadcast's rows in id order, a seek
 * per page whatever the broadcast's size (SQLite is told so;
 * PostgreSQL's planner takes no hint and finds it itself). */
#define DELIVERY_PAGE(hint)                                                                        \
    "SELECT g.id, coalesce(g.member_id, 0), g.phone, coalesce(m.language, ''), g.channel,"         \
    " g.status, coalesce(" ERROR_CLASS_SQL ", ''), g.attempts, g.segments,"                        \
    " CASE WHEN g.provider_id IS NOT NULL THEN 1 ELSE 0 END, coalesce(g.sent_at, 0),"              \
    " coalesce(g.delivered_at, 0), CASE WHEN g.provider_id IS NOT NULL"                            \
    " AND g.provider_cost_mad IS NOT NULL THEN 1 ELSE 0 END, coalesce(g.provider_cost_mad, 0)"     \
    " FROM messages g" hint " LEFT JOIN members m ON m.id = g.member_id"                           \
    " WHERE g.broadcast_id = ?1 AND g.id > ?2 ORDER BY g.id LIMIT ?3"

int delivery_broadcast_page(struct db *db, int64_t broadcast_id, int64_t after,
                            struct delivery_message *out, size_t max)
{
    if (max > DELIVERY_PAGE_MAX)
        max = DELIVERY_PAGE_MAX;
    struct db_stmt *st =
        db_stmt(db, db_is_postgresql(db) ? DELIVERY_PAGE("")
                                         : DELIVERY_PAGE(" INDEXED BY messages_broadcast_rows"));
    if (!st)
        return store_fail(db, "delivery_page");
    db_bind_i64(st, 1, broadcast_id);
    db_bind_i64(st, 2, after);
    db_bind_i64(st, 3, (int64_t)max);
    size_t n = 0;
    int rc = DB_DONE;
    while (n < max && (rc = db_step(st)) == DB_ROW) {
        struct delivery_message *d = &out[n++];
        memset(d, 0, sizeof *d);
        d->id = db_col_i64(st, 0);
        d->member_id = db_col_i64(st, 1);
        store_copy_text(d->phone, sizeof d->phone, st, 2);
        store_copy_text(d->language, sizeof d->language, st, 3);
        store_copy_text(d->channel, sizeof d->channel, st, 4);
        store_copy_text(d->status, sizeof d->status, st, 5);
        store_copy_text(d->error_class, sizeof d->error_class, st, 6);
        d->attempts = db_col_i64(st, 7);
        d->segments = db_col_i64(st, 8);
        d->taken = db_col_int(st, 9);
        d->sent_at = db_col_i64(st, 10);
        d->delivered_at = db_col_i64(st, 11);
        d->priced = db_col_int(st, 12);
        d->provider_cost_mad = db_col_double(st, 13);
    }
    db_stmt_done(st);
    if (rc != DB_DONE && rc != DB_ROW)
        return store_fail(db, "delivery_page");
    return (int)n;
}

int delivery_error_class_set(struct db *db, int64_t id, const char *error_class)
{
    struct db_stmt *st = db_stmt(db, "UPDATE messages SET error_class = ?2 WHERE id = ?1");
    if (!st)
        return store_fail(db, "delivery_error_class");
    db_bind_i64(st, 1, id);
    db_bind_text(st, 2, error_class); /* NULL binds NULL */
    return store_exec(db, st, "delivery_error_class");
}

int delivery_provider_cost_set(struct db *db, int64_t id, double cost_mad)
{
    struct db_stmt *st = db_stmt(db, "UPDATE messages SET provider_cost_mad = ?2 WHERE id = ?1");
    if (!st)
        return store_fail(db, "delivery_provider_cost");
    db_bind_i64(st, 1, id);
    db_bind_double(st, 2, cost_mad);
    return store_exec(db, st, "delivery_provider_cost");
}

int delivery_costs(struct db *db, int64_t from, int64_t to, const char *channel,
                   struct delivery_cost *out, size_t max)
{
    struct db_stmt *st =
        db_stmt(db, "SELECT channel, sum(messages), sum(segments),"
                    " sum(priced_segments), sum(provider_cost_mad) FROM message_costs"
                    " WHERE hour >= ?1 / 3600 AND hour < (?2 + 3599) / 3600"
                    " AND (?3 IS NULL OR channel = ?3) GROUP BY channel ORDER BY channel");
    if (!st)
        return store_fail(db, "delivery_costs");
    db_bind_i64(st, 1, from);
    db_bind_i64(st, 2, to);
    db_bind_text(st, 3, channel); /* NULL binds NULL */
    size_t n = 0;
    int rc = DB_DONE;
    while (n < max && (rc = db_step(st)) == DB_ROW) {
        memset(&out[n], 0, sizeof out[n]);
        store_copy_text(out[n].channel, sizeof out[n].channel, st, 0);
        out[n].messages = db_col_i64(st, 1);
        out[n].segments = db_col_i64(st, 2);
        out[n].priced_segments = db_col_i64(st, 3);
        out[n].provider_cost_mad = db_col_double(st, 4);
        n++;
    }
    db_stmt_done(st);
    if (rc != DB_DONE && rc != DB_ROW)
        return store_fail(db, "delivery_costs");
    return (int)n;
}

bool delivery_cost_mad(const struct delivery_cost *c, double price, double *mad)
{
    int64_t unpriced = c->segments - c->priced_segments;
    *mad = c->provider_cost_mad + (price > 0 ? (double)unpriced * price : 0.0);
    return price > 0 || unpriced == 0;
}
