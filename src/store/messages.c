/* messages.c -- the messages table: queueing outbound messages, the outbox
 * transitions the sender makes (claim, settle, retry, expire, crash
 * reconciliation), the send gate, inbound messages with their replay
 * detection and multipart assembly, and delivery reports. */
#include "store/messages.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/gsm.h"
#include "store/db.h"
#include "sys/log.h"

#define INBOUND_JOINED_MAX (64 * 1024) /* bytes of a reassembled multipart SMS */

static pthread_mutex_t waker_lock = PTHREAD_MUTEX_INITIALIZER;
static void (*waker)(void);

void message_set_waker(void (*wake)(void))
{
    pthread_mutex_lock(&waker_lock);
    waker = wake;
    pthread_mutex_unlock(&waker_lock);
}

static void poke_sender(void)
{
    pthread_mutex_lock(&waker_lock);
    void (*w)(void) = waker;
    pthread_mutex_unlock(&waker_lock);
    if (w)
        w();
}

static int db_fail(sqlite3 *db, const char *query)
{
    char q[256];
    log_error("db_error", "query=%s error=%s", query, log_quote(sqlite3_errmsg(db), q, sizeof q));
    return -1;
}

static int prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, const char *query)
{
    if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK)
        return db_fail(db, query);
    return 0;
}

static void bind_text_or_null(sqlite3_stmt *st, int i, const char *s)
{
    if (s && *s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static void copy_column(char *out, size_t outsz, sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    snprintf(out, outsz, "%s", t ? (const char *)t : "");
}

/* Run a prepared statement that returns no rows; finalize it. */
static int step_done(sqlite3 *db, sqlite3_stmt *st, const char *query)
{
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : db_fail(db, query);
}

static int insert_out(sqlite3 *db, const struct message_new *m, const char *status,
                      const char *provider_id, const char *error, int64_t *id_out)
{
    struct text_measure tm;
    if (text_measure(m->body, strlen(m->body), &tm) != 0) {
        log_error("message_invalid_utf8", "kind=%s", m->kind);
        return -1;
    }
    bool settled = strcmp(status, "queued") != 0;
    sqlite3_stmt *st;
    if (prepare(db,
                "INSERT INTO messages (channel, direction, phone, member_id, kind, topic,"
                " body, encoding, segments, status, priority, next_attempt_at, attempts,"
                " provider_id, error, created_at, updated_at)"
                " VALUES (?1,'out',?2,nullif(?3,0),?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?15)",
                &st, "message_queue") != 0)
        return -1;
    int64_t now = db_now();
    sqlite3_bind_text(st, 1, m->channel, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, m->phone, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, m->member_id);
    sqlite3_bind_text(st, 4, m->kind, -1, SQLITE_STATIC);
    bind_text_or_null(st, 5, m->topic);
    sqlite3_bind_text(st, 6, m->body, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, text_encoding_name(tm.encoding), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 8, (sqlite3_int64)tm.segments);
    sqlite3_bind_text(st, 9, status, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 10, m->priority);
    if (settled)
        sqlite3_bind_null(st, 11);
    else
        sqlite3_bind_int64(st, 11, now);
    sqlite3_bind_int(st, 12, strcmp(status, "sent") == 0 ? 1 : 0);
    bind_text_or_null(st, 13, provider_id);
    bind_text_or_null(st, 14, error);
    sqlite3_bind_int64(st, 15, now);
    if (step_done(db, st, "message_queue") != 0)
        return -1;
    if (id_out)
        *id_out = sqlite3_last_insert_rowid(db);
    return 0;
}

int message_queue(sqlite3 *db, const struct message_new *m, int64_t *id_out)
{
    if (insert_out(db, m, "queued", NULL, NULL, id_out) != 0)
        return -1;
    poke_sender();
    return 0;
}

int message_record_out(sqlite3 *db, const struct message_new *m, const char *status,
                       const char *provider_id, const char *error, int64_t *id_out)
{
    return insert_out(db, m, status, provider_id, error, id_out);
}

int message_list_due(sqlite3 *db, const char *channel, int64_t now, struct message_due *out,
                     size_t max)
{
    sqlite3_stmt *st;
    if (prepare(db,
                "SELECT id, channel FROM messages WHERE status='queued' AND channel=?1"
                " AND direction='out' AND coalesce(next_attempt_at,0) <= ?2"
                " ORDER BY priority DESC, next_attempt_at, id LIMIT ?3",
                &st, "message_list_due") != 0)
        return -1;
    sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)max);
    size_t n = 0;
    while (n < max && sqlite3_step(st) == SQLITE_ROW) {
        out[n].id = sqlite3_column_int64(st, 0);
        copy_column(out[n].channel, sizeof out[n].channel, st, 1);
        n++;
    }
    sqlite3_finalize(st);
    return (int)n;
}

int message_mark_sent(sqlite3 *db, int64_t id, const char *provider_id)
{
    return outbox_settle(db, id, "sent", provider_id, NULL, db_now());
}

/* ---- the send gate ---- */

const char *message_gate_rule(const char *kind, const char *topic, int64_t erased_at,
                              int64_t opted_out_at, int topic_enabled)
{
    bool stop_confirmation = kind && strcmp(kind, "stop_confirmation") == 0;
    bool registration = kind && strcmp(kind, "registration") == 0;
    if (erased_at && !stop_confirmation && !registration)
        return "erased";
    if (opted_out_at && !stop_confirmation && !registration)
        return "opted_out";
    if (topic && *topic && topic_enabled == 0 && !stop_confirmation)
        return "topic_opted_out";
    return NULL;
}

const char *message_gate_consent_rule(const char *kind, bool suppressed, bool member_known,
                                      int64_t consent_at)
{
    bool stop_confirmation = kind && strcmp(kind, "stop_confirmation") == 0;
    bool registration = kind && strcmp(kind, "registration") == 0;
    if (suppressed && !stop_confirmation && !registration)
        return "phone_suppressed";
    bool needs_consent = kind && (strcmp(kind, "broadcast") == 0 || strcmp(kind, "reminder") == 0 ||
                                  strcmp(kind, "notification") == 0);
    if (needs_consent && member_known && !consent_at)
        return "no_consent";
    return NULL;
}

int message_gate(sqlite3 *db, const char *phone, const char *kind, const char *topic,
                 const char **reason)
{
    sqlite3_stmt *st;
    if (prepare(db,
                "SELECT coalesce(m.erased_at,0), coalesce(m.opted_out_at,0),"
                " coalesce((SELECT enabled FROM member_topics t WHERE t.member_id = m.id"
                "  AND t.topic = ?2), -1),"
                " m.id IS NOT NULL, coalesce(m.consent_at,0),"
                " EXISTS (SELECT 1 FROM sms_suppressions s WHERE s.phone = ?1)"
                " FROM (SELECT 1) LEFT JOIN members m ON m.phone = ?1",
                &st, "message_gate") != 0)
        return -1;
    sqlite3_bind_text(st, 1, phone, -1, SQLITE_STATIC);
    bind_text_or_null(st, 2, topic);
    int rc = sqlite3_step(st);
    *reason = NULL;
    if (rc == SQLITE_ROW) {
        *reason = message_gate_rule(kind, topic, sqlite3_column_int64(st, 0),
                                    sqlite3_column_int64(st, 1), sqlite3_column_int(st, 2));
        if (!*reason)
            *reason = message_gate_consent_rule(kind, sqlite3_column_int(st, 5) != 0,
                                                sqlite3_column_int(st, 3) != 0,
                                                sqlite3_column_int64(st, 4));
    }
    sqlite3_finalize(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : db_fail(db, "message_gate");
}

/* ---- the outbox ---- */

int outbox_due(sqlite3 *db, const char *channel, int64_t now, struct outbox_row *out, size_t max)
{
    sqlite3_stmt *st;
    /* The member is found by the message's member_id, else by its phone. */
    if (prepare(db,
                "SELECT g.id, coalesce(g.member_id,0), g.created_at, g.attempts, g.phone, g.kind,"
                " g.encoding, g.body, g.topic,"
                " coalesce(m.erased_at,0), coalesce(m.opted_out_at,0),"
                " coalesce(t.enabled,-1),"
                " m.id IS NOT NULL, coalesce(m.consent_at,0),"
                " EXISTS (SELECT 1 FROM sms_suppressions s WHERE s.phone = g.phone)"
                " FROM messages g"
                " LEFT JOIN members m ON m.id = coalesce(g.member_id,"
                "   (SELECT id FROM members WHERE phone = g.phone))"
                " LEFT JOIN member_topics t ON t.member_id = m.id AND t.topic = g.topic"
                " WHERE g.status='queued' AND g.channel=?1 AND g.direction='out'"
                " AND coalesce(g.next_attempt_at,0) <= ?2"
                " ORDER BY g.priority DESC, g.next_attempt_at, g.id LIMIT ?3",
                &st, "outbox_due") != 0)
        return -1;
    sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)max);
    size_t n = 0;
    int rc = SQLITE_DONE;
    while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct outbox_row *r = &out[n];
        memset(r, 0, sizeof *r);
        r->id = sqlite3_column_int64(st, 0);
        r->member_id = sqlite3_column_int64(st, 1);
        r->created_at = sqlite3_column_int64(st, 2);
        r->attempts = sqlite3_column_int(st, 3);
        copy_column(r->phone, sizeof r->phone, st, 4);
        copy_column(r->kind, sizeof r->kind, st, 5);
        copy_column(r->encoding, sizeof r->encoding, st, 6);
        const unsigned char *body = sqlite3_column_text(st, 7);
        r->body = strdup(body ? (const char *)body : "");
        if (!r->body) {
            rc = SQLITE_NOMEM;
            break;
        }
        const unsigned char *topic = sqlite3_column_text(st, 8);
        r->blocked = message_gate_rule(r->kind, (const char *)topic, sqlite3_column_int64(st, 9),
                                       sqlite3_column_int64(st, 10), sqlite3_column_int(st, 11));
        if (!r->blocked)
            r->blocked = message_gate_consent_rule(r->kind, sqlite3_column_int(st, 14) != 0,
                                                   sqlite3_column_int(st, 12) != 0,
                                                   sqlite3_column_int64(st, 13));
        n++;
        rc = SQLITE_DONE;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        outbox_rows_free(out, n);
        return db_fail(db, "outbox_due");
    }
    return (int)n;
}

void outbox_rows_free(struct outbox_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(rows[i].body);
        rows[i].body = NULL;
    }
}

int outbox_mark_sending(sqlite3 *db, int64_t id, int64_t now)
{
    sqlite3_stmt *st;
    if (prepare(db,
                "UPDATE messages SET status='sending', attempts=attempts+1, sending_since=?2,"
                " updated_at=?2 WHERE id=?1 AND status='queued'",
                &st, "outbox_mark_sending") != 0)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, now);
    return step_done(db, st, "outbox_mark_sending");
}

int outbox_settle(sqlite3 *db, int64_t id, const char *status, const char *provider_id,
                  const char *error, int64_t now)
{
    sqlite3_stmt *st;
    /* A report may have arrived while the request was in flight (status
     * already past 'sending'): keep its status, record the provider id. */
    if (prepare(db,
                "UPDATE messages SET"
                " status = CASE WHEN status IN ('queued','sending') THEN ?2 ELSE status END,"
                " attempts = attempts + (status='queued' AND ?2='sent'),"
                " provider_id = coalesce(?3, provider_id), error = ?4,"
                " sending_since = NULL, next_attempt_at = NULL, updated_at = ?5"
                " WHERE id=?1 AND (status IN ('queued','sending') OR dlr_status IS NOT NULL)",
                &st, "outbox_settle") != 0)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
    bind_text_or_null(st, 3, provider_id);
    bind_text_or_null(st, 4, error);
    sqlite3_bind_int64(st, 5, now);
    return step_done(db, st, "outbox_settle");
}

int outbox_requeue(sqlite3 *db, int64_t id, int64_t next_attempt_at, const char *error, int64_t now)
{
    sqlite3_stmt *st;
    if (prepare(db,
                "UPDATE messages SET status='queued', next_attempt_at=?2, error=?3,"
                " sending_since=NULL, updated_at=?4 WHERE id=?1 AND status='sending'",
                &st, "outbox_requeue") != 0)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, next_attempt_at);
    bind_text_or_null(st, 3, error);
    sqlite3_bind_int64(st, 4, now);
    return step_done(db, st, "outbox_requeue");
}

int outbox_opted_out_at_carrier(sqlite3 *db, int64_t id, const char *phone, int64_t now)
{
    if (outbox_settle(db, id, "failed", NULL, "opted_out_at_carrier", now) != 0)
        return -1;
    sqlite3_stmt *st;
    if (prepare(db,
                "UPDATE members SET opted_out_at=?2, updated_at=?2"
                " WHERE phone=?1 AND opted_out_at IS NULL",
                &st, "member_opted_out_at_carrier") != 0)
        return -1;
    sqlite3_bind_text(st, 1, phone, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now);
    return step_done(db, st, "member_opted_out_at_carrier");
}

int outbox_expire(sqlite3 *db, const char *channel, int64_t cutoff, int64_t now)
{
    sqlite3_stmt *st;
    if (prepare(db,
                "UPDATE messages SET status='expired', error='expired_before_send',"
                " next_attempt_at=NULL, updated_at=?3"
                " WHERE status='queued' AND channel=?1 AND direction='out' AND created_at < ?2",
                &st, "outbox_expire") != 0)
        return -1;
    sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, cutoff);
    sqlite3_bind_int64(st, 3, now);
    if (step_done(db, st, "outbox_expire") != 0)
        return -1;
    return sqlite3_changes(db);
}

int outbox_reconcile_after_crash(sqlite3 *db, int64_t now, int *requeued, int *failed)
{
    *requeued = *failed = 0;
    if (db_begin(db) != 0)
        return -1;
    sqlite3_stmt *st;
    if (prepare(db,
                "UPDATE messages SET status='failed', error='unknown_after_crash',"
                " sending_since=NULL, updated_at=?1"
                " WHERE status='sending' AND resend_after_crash=1",
                &st, "outbox_reconcile") != 0)
        goto fail;
    sqlite3_bind_int64(st, 1, now);
    if (step_done(db, st, "outbox_reconcile") != 0)
        goto fail;
    *failed = sqlite3_changes(db);
    if (prepare(db,
                "UPDATE messages SET status='queued', resend_after_crash=1, next_attempt_at=?1,"
                " sending_since=NULL, updated_at=?1 WHERE status='sending'",
                &st, "outbox_reconcile") != 0)
        goto fail;
    sqlite3_bind_int64(st, 1, now);
    if (step_done(db, st, "outbox_reconcile") != 0)
        goto fail;
    *requeued = sqlite3_changes(db);
    return db_commit(db);
fail:
    db_rollback(db);
    return -1;
}

/* ---- inbound ---- */

int message_store_inbound(sqlite3 *db, const struct message_in *m, int64_t now, int64_t *id_out)
{
    bool has_id = m->provider_id && *m->provider_id;
    sqlite3_stmt *st;
    if (!has_id) {
        if (prepare(db,
                    "SELECT 1 FROM messages WHERE phone=?1 AND channel=?2 AND direction='in'"
                    " AND provider_id IS NULL AND body=?3 AND created_at >= ?4 LIMIT 1",
                    &st, "inbound_recent") != 0)
            return -1;
        sqlite3_bind_text(st, 1, m->phone, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, m->channel, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, m->body, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, now - INBOUND_DEDUP_WINDOW_S);
        int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc == SQLITE_ROW)
            return 0;
        if (rc != SQLITE_DONE)
            return db_fail(db, "inbound_recent");
    }
    struct text_measure tm;
    if (text_measure(m->body, strlen(m->body), &tm) != 0) {
        log_error("message_invalid_utf8", "kind=sms direction=in");
        return -1;
    }
    if (prepare(db,
                "INSERT OR IGNORE INTO messages (channel, direction, phone, member_id, kind,"
                " body, encoding, segments, status, provider_id, created_at, updated_at)"
                " VALUES (?1,'in',?2,nullif(?3,0),'sms',?4,?5,?6,'received',?7,?8,?8)",
                &st, "inbound_store") != 0)
        return -1;
    sqlite3_bind_text(st, 1, m->channel, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, m->phone, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, m->member_id);
    sqlite3_bind_text(st, 4, m->body, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, text_encoding_name(tm.encoding), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)tm.segments);
    bind_text_or_null(st, 7, m->provider_id);
    sqlite3_bind_int64(st, 8, now);
    if (step_done(db, st, "inbound_store") != 0)
        return -1;
    if (sqlite3_changes(db) == 0)
        return 0;
    if (id_out)
        *id_out = sqlite3_last_insert_rowid(db);
    return 1;
}

int inbound_part_add(sqlite3 *db, const char *channel, const char *phone, const char *ref, int part,
                     int total, const char *provider_id, const char *body, int64_t now,
                     char **joined)
{
    *joined = NULL;
    sqlite3_stmt *st;
    if (prepare(db,
                "INSERT OR IGNORE INTO inbound_parts (channel, phone, concat_ref, part, total,"
                " provider_id, body, created_at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
                &st, "inbound_part_add") != 0)
        return -1;
    sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, phone, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, ref, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, part);
    sqlite3_bind_int(st, 5, total);
    bind_text_or_null(st, 6, provider_id);
    sqlite3_bind_text(st, 7, body, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 8, now);
    if (step_done(db, st, "inbound_part_add") != 0)
        return -1;
    if (prepare(db,
                "SELECT part, body FROM inbound_parts WHERE channel=?1 AND phone=?2"
                " AND concat_ref=?3 AND part <= ?4 ORDER BY part",
                &st, "inbound_part_join") != 0)
        return -1;
    sqlite3_bind_text(st, 1, channel, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, phone, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, ref, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, total);
    char *text = NULL;
    size_t len = 0;
    int expect = 1, rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_int(st, 0) != expect)
            break;
        const char *b = (const char *)sqlite3_column_text(st, 1);
        size_t n = b ? strlen(b) : 0;
        if (len + n + 1 > INBOUND_JOINED_MAX) {
            rc = SQLITE_TOOBIG;
            break;
        }
        char *grown = realloc(text, len + n + 1);
        if (!grown) {
            rc = SQLITE_NOMEM;
            break;
        }
        text = grown;
        memcpy(text + len, b ? b : "", n);
        len += n;
        text[len] = '\0';
        expect++;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        free(text);
        return db_fail(db, "inbound_part_join");
    }
    if (expect <= total) {
        free(text);
        return 0;
    }
    *joined = text;
    return 1;
}

/* ---- delivery reports ---- */

int message_dlr_find(sqlite3 *db, const char *channel, int64_t message_id, const char *provider_id,
                     struct message_dlr_target *out)
{
    sqlite3_stmt *st;
    const char *sql =
        message_id > 0
            ? "SELECT id, status, coalesce(dlr_status,''), phone FROM messages"
              " WHERE id=?1 AND channel=?2 AND direction='out'"
            : "SELECT id, status, coalesce(dlr_status,''), phone FROM messages"
              " WHERE provider_id=?3 AND channel=?2 AND direction='out' ORDER BY id DESC LIMIT 1";
    if (message_id <= 0 && (!provider_id || !*provider_id))
        return 0;
    if (prepare(db, sql, &st, "dlr_find") != 0)
        return -1;
    if (message_id > 0)
        sqlite3_bind_int64(st, 1, message_id);
    else
        sqlite3_bind_text(st, 3, provider_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, channel, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->id = sqlite3_column_int64(st, 0);
        copy_column(out->status, sizeof out->status, st, 1);
        copy_column(out->dlr_status, sizeof out->dlr_status, st, 2);
        copy_column(out->phone, sizeof out->phone, st, 3);
    }
    sqlite3_finalize(st);
    if (rc == SQLITE_ROW)
        return 1;
    return rc == SQLITE_DONE ? 0 : db_fail(db, "dlr_find");
}

int message_dlr_apply(sqlite3 *db, int64_t id, const char *dlr_status, const char *status,
                      const char *error, const char *provider_error, int64_t now)
{
    sqlite3_stmt *st;
    if (prepare(db,
                "UPDATE messages SET dlr_status=?2,"
                " status = coalesce(?3, status),"
                " error = CASE WHEN ?3 IS NULL THEN error ELSE ?4 END,"
                " provider_error = coalesce(?5, provider_error),"
                " delivered_at = CASE WHEN ?3 = 'delivered' THEN ?6 ELSE delivered_at END,"
                " updated_at=?6 WHERE id=?1",
                &st, "dlr_apply") != 0)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, dlr_status, -1, SQLITE_STATIC);
    bind_text_or_null(st, 3, status);
    bind_text_or_null(st, 4, error);
    bind_text_or_null(st, 5, provider_error);
    sqlite3_bind_int64(st, 6, now);
    return step_done(db, st, "dlr_apply");
}
