/* messages.c -- inserting into and reading from the messages table. */
#include "store/messages.h"

#include <string.h>

#include "core/gsm.h"
#include "store/db.h"
#include "sys/log.h"

int message_queue(sqlite3 *db, const struct message_new *m, int64_t *id_out)
{
    struct text_measure tm;
    if (text_measure(m->body, strlen(m->body), &tm) != 0) {
        log_error("message_invalid_utf8", "kind=%s", m->kind);
        return -1;
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO messages (channel, direction, phone, member_id, kind, topic,"
                           " body, encoding, segments, status, priority, next_attempt_at,"
                           " created_at, updated_at)"
                           " VALUES (?1,'out',?2,nullif(?3,0),?4,?5,?6,?7,?8,'queued',?9,?10,?10,?10)",
                           -1, &st, NULL) != SQLITE_OK) {
        log_error("db_error", "query=message_queue error=\"%s\"", sqlite3_errmsg(db));
        return -1;
    }
    int64_t now = db_now();
    sqlite3_bind_text(st, 1, m->channel, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, m->phone, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, m->member_id);
    sqlite3_bind_text(st, 4, m->kind, -1, SQLITE_STATIC);
    if (m->topic)
        sqlite3_bind_text(st, 5, m->topic, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 5);
    sqlite3_bind_text(st, 6, m->body, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, text_encoding_name(tm.encoding), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 8, (sqlite3_int64)tm.segments);
    sqlite3_bind_int(st, 9, m->priority);
    sqlite3_bind_int64(st, 10, now);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        log_error("db_error", "query=message_queue error=\"%s\"", sqlite3_errmsg(db));
        return -1;
    }
    if (id_out)
        *id_out = sqlite3_last_insert_rowid(db);
    return 0;
}

int message_list_due(sqlite3 *db, const char *channel, int64_t now, struct message_due *out,
                     size_t max)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "SELECT id, channel FROM messages WHERE status='queued' AND channel=?1"
                           " AND coalesce(next_attempt_at,0) <= ?2"
                           " ORDER BY priority DESC, next_attempt_at, id LIMIT ?3",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)max);
    size_t n = 0;
    int rc;
    while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        out[n].id = sqlite3_column_int64(st, 0);
        const unsigned char *c = sqlite3_column_text(st, 1);
        strncpy(out[n].channel, c ? (const char *)c : "", sizeof out[n].channel - 1);
        out[n].channel[sizeof out[n].channel - 1] = '\0';
        n++;
    }
    sqlite3_finalize(st);
    return (int)n;
}

int message_mark_sent(sqlite3 *db, int64_t id, const char *provider_id)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db,
                           "UPDATE messages SET status='sent', provider_id=?2, attempts=attempts+1,"
                           " updated_at=?3 WHERE id=?1 AND status IN ('queued','sending')",
                           -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, provider_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, db_now());
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}
