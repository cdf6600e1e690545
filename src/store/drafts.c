/* drafts.c -- the ussd_drafts and ussd_session_ends tables. */
#include "store/drafts.h"

#include <string.h>

#include "store/db.h"
#include "store/db_sql.h"
#include "store/store_util.h"

int draft_save(struct db *db, const char *phone, const char *flow, const void *state, size_t len)
{
    struct db_stmt *st;
    if (!(st = db_stmt(db, "INSERT INTO ussd_drafts (phone, flow, state, updated_at)"
                           " VALUES (?1, ?2, ?3, ?4) ON CONFLICT(phone) DO UPDATE SET"
                           " flow = excluded.flow, state = excluded.state,"
                           " updated_at = excluded.updated_at")))
        return store_fail(db, "draft_save");
    db_bind_text(st, 1, phone);
    db_bind_text(st, 2, flow);
    db_bind_blob(st, 3, state, len);
    db_bind_i64(st, 4, db_now());
    return store_exec(db, st, "draft_save");
}

int draft_load(struct db *db, const char *phone, int64_t not_before, char flow[16], void *state,
               size_t len)
{
    struct db_stmt *st;
    if (!(st = db_stmt(db, "SELECT flow, state FROM ussd_drafts WHERE phone = ?1"
                           " AND updated_at >= ?2")))
        return store_fail(db, "draft_load");
    db_bind_text(st, 1, phone);
    db_bind_i64(st, 2, not_before);
    int rc = db_step(st);
    int result = 0;
    if (rc == DB_ROW) {
        if (db_col_bytes(st, 1) == len) {
            store_copy_text(flow, 16, st, 0);
            memcpy(state, db_col_blob(st, 1), len);
            result = 1;
        }
    } else if (rc != DB_DONE) {
        result = store_fail(db, "draft_load");
    }
    db_stmt_done(st);
    return result;
}

int draft_delete(struct db *db, const char *phone)
{
    struct db_stmt *st;
    if (!(st = db_stmt(db, "DELETE FROM ussd_drafts WHERE phone = ?1")))
        return store_fail(db, "draft_delete");
    db_bind_text(st, 1, phone);
    return store_exec(db, st, "draft_delete");
}

int ussd_end_store(struct db *db, const char *channel, const char *session_id, const char *phone,
                   const char *status, int64_t duration_ms, const char *input, const char *error)
{
    struct db_stmt *st;
    if (!(st = db_stmt(db, "INSERT INTO ussd_session_ends (channel, session_id, phone,"
                           " status, duration_ms, input, error, created_at)"
                           " VALUES (:channel, :session_id, :phone, :status, :duration_ms,"
                           " :input, :error, :now) ON CONFLICT DO NOTHING")))
        return store_fail(db, "ussd_end_store");
    store_bind_text(st, ":channel", channel);
    store_bind_text(st, ":session_id", session_id);
    store_bind_text_or_null(st, ":phone", phone);
    store_bind_text_or_null(st, ":status", status);
    if (duration_ms >= 0)
        store_bind_int64(st, ":duration_ms", duration_ms);
    else
        store_bind_null(st, ":duration_ms");
    store_bind_text_or_null(st, ":input", input);
    store_bind_text_or_null(st, ":error", error);
    store_bind_int64(st, ":now", db_now());
    return store_exec(db, st, "ussd_end_store");
}
