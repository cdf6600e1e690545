/* sms_state.c -- the sms_suppressions and sms_conversations tables, and
 * the count of recent answers to a phone (the flood limit). */
#include "store/sms_state.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "store/db.h"
#include "store/db_sql.h"
#include "store/store_util.h"

static int exec_phone(struct db *db, const char *sql, const char *phone, const char *what)
{
    struct db_stmt *st;
    if (!(st = db_stmt(db, sql)))
        return store_fail(db, what);
    db_bind_text(st, 1, phone);
    return store_exec(db, st, what);
}

int sms_state_suppression_add(struct db *db, const char *phone, const char *channel)
{
    struct db_stmt *st;
    if (!(st = db_stmt(db, "INSERT INTO sms_suppressions (phone, channel, created_at)"
                           " VALUES (?1, ?2, ?3) ON CONFLICT(phone) DO NOTHING")))
        return store_fail(db, "suppression_add");
    db_bind_text(st, 1, phone);
    db_bind_text(st, 2, channel);
    db_bind_i64(st, 3, db_now());
    return store_exec(db, st, "suppression_add");
}

int sms_state_suppression_clear(struct db *db, const char *phone)
{
    if (exec_phone(db, "DELETE FROM sms_suppressions WHERE phone = ?1", phone,
                   "suppression_clear") != 0)
        return -1;
    return db_changes(db) > 0 ? 1 : 0;
}

int sms_state_suppression_has(struct db *db, const char *phone)
{
    struct db_stmt *st;
    if (!(st = db_stmt(db, "SELECT 1 FROM sms_suppressions WHERE phone = ?1")))
        return store_fail(db, "suppression_has");
    db_bind_text(st, 1, phone);
    int rc = db_step(st);
    db_stmt_done(st);
    if (rc == DB_ROW)
        return 1;
    return rc == DB_DONE ? 0 : store_fail(db, "suppression_has");
}

int sms_state_flow_get(struct db *db, const char *phone, int64_t now, struct sms_state_flow *out)
{
    struct db_stmt *st;
    if (!(st = db_stmt(db, "SELECT flow, step, lang, state, expires_at FROM sms_conversations"
                           " WHERE phone = ?1")))
        return store_fail(db, "sms_state_flow_get");
    db_bind_text(st, 1, phone);
    int rc = db_step(st);
    int result = 0;
    bool expired = false;
    if (rc == DB_ROW) {
        size_t n = db_col_bytes(st, 3);
        expired = db_col_i64(st, 4) < now;
        if (!expired && n <= sizeof out->state) {
            memset(out, 0, sizeof *out);
            store_copy_text(out->flow, sizeof out->flow, st, 0);
            out->step = db_col_int(st, 1);
            store_copy_text(out->lang, sizeof out->lang, st, 2);
            if (n)
                memcpy(out->state, db_col_blob(st, 3), n);
            out->state_len = n;
            result = 1;
        } else {
            expired = true;
        }
    } else if (rc != DB_DONE) {
        result = store_fail(db, "sms_state_flow_get");
    }
    db_stmt_done(st);
    if (expired && sms_state_flow_delete(db, phone) != 0)
        return -1;
    return result;
}

int sms_state_flow_put(struct db *db, const char *phone, const struct sms_state_flow *f,
                       int64_t expires_at)
{
    struct db_stmt *st;
    if (!(st = db_stmt(db, "INSERT INTO sms_conversations (phone, flow, step, lang, state,"
                           " expires_at, updated_at) VALUES (:phone, :flow, :step, :lang,"
                           " :state, :expires_at, :now)"
                           " ON CONFLICT(phone) DO UPDATE SET flow = excluded.flow,"
                           " step = excluded.step, lang = excluded.lang, state = excluded.state,"
                           " expires_at = excluded.expires_at, updated_at = excluded.updated_at")))
        return store_fail(db, "sms_state_flow_put");
    store_bind_text(st, ":phone", phone);
    store_bind_text(st, ":flow", f->flow);
    store_bind_int64(st, ":step", f->step);
    store_bind_text(st, ":lang", f->lang);
    store_bind_blob(st, ":state", f->state, f->state_len);
    store_bind_int64(st, ":expires_at", expires_at);
    store_bind_int64(st, ":now", db_now());
    return store_exec(db, st, "sms_state_flow_put");
}

int sms_state_flow_delete(struct db *db, const char *phone)
{
    return exec_phone(db, "DELETE FROM sms_conversations WHERE phone = ?1", phone,
                      "sms_state_flow_delete");
}

int sms_state_replies_since(struct db *db, const char *phone, int64_t since)
{
    struct db_stmt *st;
    if (!(st = db_stmt(db, "SELECT count(*) FROM messages WHERE phone = ?1 AND created_at >= ?2"
                           " AND direction = 'out'"
                           " AND kind IN ('reply','registration','stop_confirmation')")))
        return store_fail(db, "sms_state_replies_since");
    db_bind_text(st, 1, phone);
    db_bind_i64(st, 2, since);
    int rc = db_step(st);
    int n = rc == DB_ROW ? db_col_int(st, 0) : -1;
    db_stmt_done(st);
    return n >= 0 ? n : store_fail(db, "sms_state_replies_since");
}
