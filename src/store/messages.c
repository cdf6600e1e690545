/* messages.c -- the messages table: queueing outbound messages, the outbox
 * transitions the sender makes (claim, settle, retry, expire, crash
 * reconciliation), the send gate, inbound messages with their replay
 * detection and multipart assembly, and delivery reports. */
#include "store/messages.h"

#include <assert.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/bidi.h"
#include "core/gsm.h"
#include "core/sms_reply.h"
#include "store/db.h"
#include "store/db_notify.h"
#include "store/db_sql.h"
#include "store/nodes.h"
#include "store/store_util.h"
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

/* The statuses a message may move to from another (see messages.h). An
 * outbound message starts 'queued' (or settled at once by
 * message_record_out); 'held' waits for the send window; delivery reports
 * move 'sending' or 'sent' forward only. */
static const struct {
    const char *from;
    const char *to[8];
} outbox_moves[] = {
    {"queued", {"sending", "sent", "failed", "suppressed", "expired", "held", "cancelled"}},
    {"held", {"queued", "cancelled"}},
    {"sending", {"sent", "queued", "failed", "delivered"}},
    {"sent", {"delivered", "failed"}},
};

const char *const message_statuses[] = {"received",   "queued",    "held",   "sending",
                                        "sent",       "delivered", "failed", "expired",
                                        "suppressed", "cancelled", NULL};

bool outbox_move_ok(const char *from, const char *to)
{
    for (size_t i = 0; from && to && i < sizeof outbox_moves / sizeof outbox_moves[0]; i++) {
        if (strcmp(outbox_moves[i].from, from) != 0)
            continue;
        for (size_t j = 0; j < 8 && outbox_moves[i].to[j]; j++)
            if (strcmp(outbox_moves[i].to[j], to) == 0)
                return true;
    }
    return false;
}

/* A status outbox_settle may give. */
static bool settled_status(const char *s)
{
    return s && (strcmp(s, "sent") == 0 || strcmp(s, "failed") == 0 ||
                 strcmp(s, "suppressed") == 0 || strcmp(s, "expired") == 0);
}

/* Step an UPDATE ... RETURNING of one row by id; *changed tells whether the
 * row matched, and the returned columns are readable while *changed. The
 * caller asserts on them, then calls returning_done. */
static int returning_step(struct db *db, struct db_stmt *st, const char *what, bool *changed)
{
    int rc = db_step(st);
    *changed = rc == DB_ROW;
    if (rc == DB_ROW || rc == DB_DONE)
        return 0;
    db_stmt_done(st);
    return store_fail(db, what);
}

static int returning_done(struct db *db, struct db_stmt *st, const char *what)
{
    int rc = db_step(st); /* one row by id: DONE now */
    db_stmt_done(st);
    return rc == DB_DONE ? 0 : store_fail(db, what);
}

static int insert_directed(struct db *db, const struct message_new *m, const char *body,
                           const char *status, const char *provider_id, const char *error,
                           int64_t *id_out)
{
    struct text_measure tm;
    if (text_measure(body, strlen(body), &tm) != 0) {
        log_error("message_invalid_utf8", "kind=%s", m->kind);
        return -1;
    }
    bool settled = strcmp(status, "queued") != 0;
    struct db_stmt *st =
        db_stmt(db, "INSERT INTO messages (channel, direction, phone, member_id, kind, topic, body,"
                    " encoding, segments, status, priority, next_attempt_at, attempts, provider_id,"
                    " error, created_at, updated_at)"
                    " VALUES (:channel, 'out', :phone, nullif(:member_id, 0), :kind, :topic, :body,"
                    " :encoding, :segments, :status, :priority, :next_attempt_at, :attempts,"
                    " :provider_id, :error, :now, :now) RETURNING id");
    if (!st)
        return store_fail(db, "message_queue");
    int64_t now = db_now();
    store_bind_text(st, ":channel", m->channel);
    store_bind_text(st, ":phone", m->phone);
    store_bind_int64(st, ":member_id", m->member_id);
    store_bind_text(st, ":kind", m->kind);
    store_bind_text_or_null(st, ":topic", m->topic);
    store_bind_text(st, ":body", body);
    store_bind_text(st, ":encoding", text_encoding_name(tm.encoding));
    store_bind_int64(st, ":segments", (int64_t)tm.segments);
    store_bind_text(st, ":status", status);
    store_bind_int64(st, ":priority", m->priority);
    if (settled)
        store_bind_null(st, ":next_attempt_at");
    else
        store_bind_int64(st, ":next_attempt_at", now);
    store_bind_int64(st, ":attempts", strcmp(status, "sent") == 0 ? 1 : 0);
    store_bind_text_or_null(st, ":provider_id", provider_id);
    store_bind_text_or_null(st, ":error", error);
    store_bind_int64(st, ":now", now);
    int64_t id;
    if (store_insert(db, st, &id, "message_queue") != 1)
        return -1;
    if (id_out)
        *id_out = id;
    return 0;
}

/* The body stored as it travels (core/sms_reply.h, sms_reply_directed): an
 * Arabic text that starts with Latin letters gets its right-to-left mark
 * here, whoever wrote it (notices, receipts, the consent question); replies
 * carry it already, from their fitting. */
static int insert_out(struct db *db, const struct message_new *m, const char *status,
                      const char *provider_id, const char *error, int64_t *id_out)
{
    assert(m->channel && m->phone && m->kind && m->body);
    size_t len = strlen(m->body);
    char *body = malloc(len + sizeof BIDI_RLM);
    if (!body || sms_reply_directed(m->body, len, body, len + sizeof BIDI_RLM) < 0) {
        log_error(body ? "message_invalid_utf8" : "message_out_of_memory", "kind=%s", m->kind);
        free(body);
        return -1;
    }
    int rc = insert_directed(db, m, body, status, provider_id, error, id_out);
    free(body);
    return rc;
}

int message_queue(struct db *db, const struct message_new *m, int64_t *id_out)
{
    /* PostgreSQL: every node's sender hears of it at commit. */
    if (insert_out(db, m, "queued", NULL, NULL, id_out) != 0 || db_notify_outbox(db) != 0)
        return -1;
    poke_sender();
    return 0;
}

int message_record_out(struct db *db, const struct message_new *m, const char *status,
                       const char *provider_id, const char *error, int64_t *id_out)
{
    return insert_out(db, m, status, provider_id, error, id_out);
}

int message_list_due(struct db *db, const char *channel, int64_t now, struct message_due *out,
                     size_t max)
{
    struct db_stmt *st = db_stmt(db, "SELECT id, channel FROM messages WHERE status='queued'"
                                     " AND channel=?1 AND direction='out'"
                                     " AND coalesce(next_attempt_at,0) <= ?2"
                                     " ORDER BY priority DESC, next_attempt_at, id LIMIT ?3");
    if (!st)
        return store_fail(db, "message_list_due");
    db_bind_text(st, 1, channel);
    db_bind_i64(st, 2, now);
    db_bind_i64(st, 3, (int64_t)max);
    size_t n = 0;
    while (n < max && db_step(st) == DB_ROW) {
        out[n].id = db_col_i64(st, 0);
        store_copy_text(out[n].channel, sizeof out[n].channel, st, 1);
        n++;
    }
    db_stmt_done(st);
    return (int)n;
}

int message_mark_sent(struct db *db, int64_t id, const char *provider_id)
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
                                      int64_t consent_at, const char *consent_state)
{
    bool stop_confirmation = kind && strcmp(kind, "stop_confirmation") == 0;
    bool registration = kind && strcmp(kind, "registration") == 0;
    if (suppressed && !stop_confirmation && !registration)
        return "phone_suppressed";
    bool pending = consent_state && strcmp(consent_state, "pending") == 0;
    bool refused = consent_state && strcmp(consent_state, "refused") == 0;
    bool consent_request = kind && strcmp(kind, "consent_request") == 0;
    if (consent_request)
        return member_known && pending ? NULL : "consent_answered";
    if (member_known && (pending || refused))
        return stop_confirmation || (kind && strcmp(kind, "reply") == 0) ? NULL : "no_consent";
    bool needs_consent = kind && (strcmp(kind, "broadcast") == 0 || strcmp(kind, "reminder") == 0 ||
                                  strcmp(kind, "notification") == 0);
    if (needs_consent && member_known && !consent_at)
        return "no_consent";
    return NULL;
}

int message_gate(struct db *db, const char *phone, const char *kind, const char *topic,
                 const char **reason)
{
    struct db_stmt *st =
        db_stmt(db, "SELECT coalesce(m.erased_at,0), coalesce(m.opted_out_at,0),"
                    " coalesce((SELECT enabled FROM member_topics t WHERE t.member_id = m.id"
                    "  AND t.topic = ?2), -1),"
                    " m.id IS NOT NULL, coalesce(m.consent_at,0),"
                    " EXISTS (SELECT 1 FROM sms_suppressions s WHERE s.phone = ?1),"
                    " m.consent_state"
                    " FROM (SELECT 1) AS one LEFT JOIN members m ON m.phone = ?1");
    if (!st)
        return store_fail(db, "message_gate");
    db_bind_text(st, 1, phone);
    db_bind_text(st, 2, topic && *topic ? topic : NULL);
    int rc = db_step(st);
    *reason = NULL;
    if (rc == DB_ROW) {
        *reason =
            message_gate_rule(kind, topic, db_col_i64(st, 0), db_col_i64(st, 1), db_col_int(st, 2));
        if (!*reason)
            *reason =
                message_gate_consent_rule(kind, db_col_int(st, 5) != 0, db_col_int(st, 3) != 0,
                                          db_col_i64(st, 4), db_col_text(st, 6));
    }
    db_stmt_done(st);
    return rc == DB_ROW || rc == DB_DONE ? 0 : store_fail(db, "message_gate");
}

/* ---- the outbox ---- */

static void read_due_row(struct db_stmt *st, struct outbox_row *r)
{
    r->id = db_col_i64(st, 0);
    r->member_id = db_col_i64(st, 1);
    r->created_at = db_col_i64(st, 2);
    r->attempts = db_col_int(st, 3);
    store_copy_text(r->phone, sizeof r->phone, st, 4);
    store_copy_text(r->kind, sizeof r->kind, st, 5);
    store_copy_text(r->encoding, sizeof r->encoding, st, 6);
    const char *topic = db_col_text(st, 8);
    r->blocked = message_gate_rule(r->kind, topic, db_col_i64(st, 9), db_col_i64(st, 10),
                                   db_col_int(st, 11));
    if (!r->blocked)
        r->blocked =
            message_gate_consent_rule(r->kind, db_col_int(st, 14) != 0, db_col_int(st, 12) != 0,
                                      db_col_i64(st, 13), db_col_text(st, 15));
    assert(r->attempts >= 0);
}

/* The due rows of a channel with what the gate needs. The member is found
 * by the message's member_id, else by its phone. */
#define OUTBOX_DUE_SQL                                                                             \
    "SELECT g.id, coalesce(g.member_id,0), g.created_at, g.attempts, g.phone, g.kind,"             \
    " g.encoding, g.body, g.topic,"                                                                \
    " coalesce(m.erased_at,0), coalesce(m.opted_out_at,0),"                                        \
    " coalesce(t.enabled,-1),"                                                                     \
    " m.id IS NOT NULL, coalesce(m.consent_at,0),"                                                 \
    " EXISTS (SELECT 1 FROM sms_suppressions s WHERE s.phone = g.phone),"                          \
    " m.consent_state"                                                                             \
    " FROM messages g"                                                                             \
    " LEFT JOIN members m ON m.id = coalesce(g.member_id,"                                         \
    "   (SELECT id FROM members WHERE phone = g.phone))"                                           \
    " LEFT JOIN member_topics t ON t.member_id = m.id AND t.topic = g.topic"                       \
    " WHERE g.status='queued' AND g.channel=?1 AND g.direction='out'"                              \
    " AND coalesce(g.next_attempt_at,0) <= ?2"                                                     \
    " ORDER BY g.priority DESC, g.next_attempt_at, g.id LIMIT ?3"

int outbox_claim_begin(struct db *db)
{
    if (db_begin_claim(db) != 0)
        return -1;
    if (!db_is_postgresql(db))
        return 0;
    struct db_stmt *st = db_stmt(db, "SELECT set_config('lock_timeout', CAST(?1 AS TEXT), true)");
    if (st)
        db_bind_i64(st, 1, OUTBOX_CLAIM_LOCK_WAIT_MS);
    int rc = st ? db_step(st) : DB_FAILED;
    if (rc == DB_ROW)
        rc = db_step(st);
    db_stmt_done(st);
    if (rc == DB_DONE)
        return 0;
    store_fail(db, "outbox_claim_begin");
    db_rollback(db);
    return -1;
}

int outbox_due(struct db *db, const char *channel, int64_t now, struct outbox_row *out, size_t max)
{
    /* PostgreSQL: nodes claim side by side (db_begin_claim); each takes the
     * rows no other holds, without waiting. A row another claim marked and
     * committed meanwhile is read again and left, being no longer queued. */
    struct db_stmt *st = db_stmt(
        db, db_is_postgresql(db) ? OUTBOX_DUE_SQL " FOR UPDATE OF g SKIP LOCKED" : OUTBOX_DUE_SQL);
    if (!st)
        return store_fail(db, "outbox_due");
    db_bind_text(st, 1, channel);
    db_bind_i64(st, 2, now);
    db_bind_i64(st, 3, (int64_t)max);
    size_t n = 0;
    int rc = DB_DONE;
    while (n < max && (rc = db_step(st)) == DB_ROW) {
        struct outbox_row *r = &out[n];
        memset(r, 0, sizeof *r);
        const char *body = db_col_text(st, 7);
        r->body = strdup(body ? body : "");
        if (!r->body) {
            rc = DB_FAILED;
            break;
        }
        read_due_row(st, r);
        n++;
        rc = DB_DONE;
    }
    db_stmt_done(st);
    if (rc != DB_DONE && rc != DB_ROW) {
        outbox_rows_free(out, n);
        return store_fail(db, "outbox_due");
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

int outbox_mark_sending(struct db *db, int64_t id, int64_t now)
{
    assert(id > 0);
    struct db_stmt *st = db_stmt(db, "UPDATE messages SET status='sending', attempts=attempts+1,"
                                     " sending_since=?2, updated_at=?2, claimed_by=?3"
                                     " WHERE id=?1 AND status='queued' RETURNING attempts");
    if (!st)
        return store_fail(db, "outbox_mark_sending");
    db_bind_i64(st, 1, id);
    db_bind_i64(st, 2, now);
    if (nodes_self() > 0) /* which node sends it (store/nodes); SQLite: one, NULL */
        db_bind_i64(st, 3, nodes_self());
    bool changed;
    if (returning_step(db, st, "outbox_mark_sending", &changed) != 0)
        return -1;
    /* 'sending' only with an attempt counted. */
    assert(!changed || db_col_int(st, 0) >= 1);
    return returning_done(db, st, "outbox_mark_sending");
}

int outbox_settle(struct db *db, int64_t id, const char *status, const char *provider_id,
                  const char *error, int64_t now)
{
    assert(id > 0);
    assert(settled_status(status) && outbox_move_ok("queued", status));
    /* A report may have arrived while the request was in flight (status
     * already past 'sending'): keep its status, record the provider id. */
    struct db_stmt *st = db_stmt(
        db, "UPDATE messages SET"
            " status = CASE WHEN status IN ('queued','sending') THEN :status ELSE status END,"
            " attempts = attempts + CASE WHEN status = 'queued' AND :status = 'sent' THEN 1"
            " ELSE 0 END,"
            " provider_id = coalesce(:provider_id, provider_id), error = :error,"
            " sent_at = CASE WHEN :provider_id IS NULL THEN sent_at"
            " ELSE coalesce(sent_at, :now) END,"
            " sending_since = NULL, next_attempt_at = NULL, updated_at = :now"
            " WHERE id = :id AND (status IN ('queued','sending') OR dlr_status IS NOT NULL)"
            " RETURNING status, attempts");
    if (!st)
        return store_fail(db, "outbox_settle");
    store_bind_int64(st, ":id", id);
    store_bind_text(st, ":status", status);
    store_bind_text_or_null(st, ":provider_id", provider_id);
    store_bind_text_or_null(st, ":error", error);
    store_bind_int64(st, ":now", now);
    bool changed;
    if (returning_step(db, st, "outbox_settle", &changed) != 0)
        return -1;
    /* Settled: no longer waiting nor in flight; a message the provider
     * accepted was tried at least once. */
    assert(!changed || (strcmp(db_col_text(st, 0), "queued") != 0 &&
                        strcmp(db_col_text(st, 0), "sending") != 0));
    assert(!changed || strcmp(db_col_text(st, 0), "sent") != 0 || db_col_int(st, 1) >= 1);
    return returning_done(db, st, "outbox_settle");
}

int outbox_requeue(struct db *db, int64_t id, int64_t next_attempt_at, const char *error,
                   int64_t now)
{
    assert(id > 0);
    struct db_stmt *st = db_stmt(db, "UPDATE messages SET status = 'queued',"
                                     " next_attempt_at = :next_attempt_at, error = :error,"
                                     " sending_since = NULL, updated_at = :now"
                                     " WHERE id = :id AND status = 'sending' RETURNING attempts");
    if (!st)
        return store_fail(db, "outbox_requeue");
    store_bind_int64(st, ":id", id);
    store_bind_int64(st, ":next_attempt_at", next_attempt_at);
    store_bind_text_or_null(st, ":error", error);
    store_bind_int64(st, ":now", now);
    bool changed;
    if (returning_step(db, st, "outbox_requeue", &changed) != 0)
        return -1;
    /* Only a message in flight goes back to the queue: it was tried. */
    assert(!changed || db_col_int(st, 0) >= 1);
    return returning_done(db, st, "outbox_requeue");
}

int outbox_opted_out_at_carrier(struct db *db, int64_t id, const char *phone, int64_t now)
{
    if (outbox_settle(db, id, "failed", NULL, "opted_out_at_carrier", now) != 0)
        return -1;
    struct db_stmt *st = db_stmt(db, "UPDATE members SET opted_out_at=?2, updated_at=?2"
                                     " WHERE phone=?1 AND opted_out_at IS NULL");
    if (!st)
        return store_fail(db, "member_opted_out_at_carrier");
    db_bind_text(st, 1, phone);
    db_bind_i64(st, 2, now);
    return store_exec(db, st, "member_opted_out_at_carrier");
}

int outbox_expire(struct db *db, const char *channel, int64_t cutoff, int64_t now)
{
    assert(cutoff <= now);
    struct db_stmt *st = db_stmt(db, "UPDATE messages SET status='expired',"
                                     " error='expired_before_send', next_attempt_at=NULL,"
                                     " updated_at=?3 WHERE status='queued' AND channel=?1"
                                     " AND direction='out' AND created_at < ?2");
    if (!st)
        return store_fail(db, "outbox_expire");
    db_bind_text(st, 1, channel);
    db_bind_i64(st, 2, cutoff);
    db_bind_i64(st, 3, now);
    if (store_exec(db, st, "outbox_expire") != 0)
        return -1;
    return db_changes(db);
}

/* One step of the reconciliation: sql moves messages found 'sending'; ?1
 * is now. Returns how many, or -1. */
static int reconcile_step(struct db *db, const char *sql, int64_t now)
{
    struct db_stmt *st = db_stmt(db, sql);
    if (!st)
        return store_fail(db, "outbox_reconcile");
    db_bind_i64(st, 1, now);
    if (store_exec(db, st, "outbox_reconcile") != 0)
        return -1;
    return db_changes(db);
}

/* The messages a crash left 'sending': on SQLite every one (the daemon
 * alone, just started); on PostgreSQL those of nodes no longer alive
 * (store/nodes), claimed before nodes were counted too. */
#define LEFT_SENDING_PG                                                                            \
    " WHERE status='sending' AND (claimed_by IS NULL OR claimed_by NOT IN " NODES_ALIVE_SQL ")"

int outbox_reconcile_after_crash(struct db *db, int64_t now, int *requeued, int *failed)
{
    *requeued = *failed = 0;
    bool pg = db_is_postgresql(db);
    if (db_begin(db) != 0)
        return -1;
    /* Resent once after a crash already: a third copy is never risked. */
    int f = reconcile_step(db,
                           pg ? "UPDATE messages SET status='failed', error='unknown_after_crash',"
                                " sending_since=NULL, updated_at=?1" LEFT_SENDING_PG
                                " AND resend_after_crash=1"
                              : "UPDATE messages SET status='failed', error='unknown_after_crash',"
                                " sending_since=NULL, updated_at=?1"
                                " WHERE status='sending' AND resend_after_crash=1",
                           now);
    int q = f < 0
                ? -1
                : reconcile_step(
                      db,
                      pg ? "UPDATE messages SET status='queued', resend_after_crash=1,"
                           " next_attempt_at=?1, sending_since=NULL, updated_at=?1" LEFT_SENDING_PG
                         : "UPDATE messages SET status='queued', resend_after_crash=1,"
                           " next_attempt_at=?1, sending_since=NULL, updated_at=?1"
                           " WHERE status='sending'",
                      now);
    if (q < 0) {
        db_rollback(db);
        return -1;
    }
    assert(outbox_move_ok("sending", "failed") && outbox_move_ok("sending", "queued"));
    *failed = f;
    *requeued = q;
    return db_commit(db);
}

int outbox_requeue_dead_nodes(struct db *db, int64_t now, int *requeued, int *failed)
{
    *requeued = *failed = 0;
    if (!db_is_postgresql(db))
        return 0;
    struct db_stmt *st =
        db_stmt(db, "SELECT CASE WHEN EXISTS (SELECT 1 FROM messages" LEFT_SENDING_PG
                    ") THEN 1 ELSE 0 END");
    int64_t left = 0;
    if (!st || store_read_int64(db, st, &left, "outbox_requeue_dead_nodes") < 0)
        return st ? -1 : store_fail(db, "outbox_requeue_dead_nodes");
    return left > 0 ? outbox_reconcile_after_crash(db, now, requeued, failed) : 0;
}

/* ---- inbound ---- */

/* Whether an inbound SMS without a provider id is a replay: the same
 * sender and text on this channel within MESSAGE_DEDUP_WINDOW_S. Returns
 * 1, 0 or -1. */
static int inbound_recent(struct db *db, const struct message_in *m, int64_t now)
{
    struct db_stmt *st = db_stmt(db, "SELECT 1 FROM messages WHERE phone = :phone"
                                     " AND channel = :channel AND direction = 'in'"
                                     " AND provider_id IS NULL AND body = :body"
                                     " AND created_at >= :since LIMIT 1");
    if (!st)
        return store_fail(db, "inbound_recent");
    store_bind_text(st, ":phone", m->phone);
    store_bind_text(st, ":channel", m->channel);
    store_bind_text(st, ":body", m->body);
    store_bind_int64(st, ":since", now - MESSAGE_DEDUP_WINDOW_S);
    int rc = db_step(st);
    db_stmt_done(st);
    if (rc == DB_ROW)
        return 1;
    return rc == DB_DONE ? 0 : store_fail(db, "inbound_recent");
}

int message_store_inbound(struct db *db, const struct message_in *m, int64_t now, int64_t *id_out)
{
    bool has_id = m->provider_id && *m->provider_id;
    if (!has_id) {
        int recent = inbound_recent(db, m, now);
        if (recent != 0)
            return recent > 0 ? 0 : -1;
    }
    struct text_measure tm;
    if (text_measure(m->body, strlen(m->body), &tm) != 0) {
        log_error("message_invalid_utf8", "kind=sms direction=in");
        return -1;
    }
    struct db_stmt *st = db_stmt(
        db, "INSERT INTO messages (channel, direction, phone, member_id, kind, body,"
            " encoding, segments, status, provider_id, created_at, updated_at)"
            " VALUES (:channel, 'in', :phone, nullif(:member_id, 0), 'sms', :body, :encoding,"
            " :segments, 'received', :provider_id, :now, :now)"
            " ON CONFLICT DO NOTHING RETURNING id"); /* the same provider id: a retransmission */
    if (!st)
        return store_fail(db, "inbound_store");
    store_bind_text(st, ":channel", m->channel);
    store_bind_text(st, ":phone", m->phone);
    store_bind_int64(st, ":member_id", m->member_id);
    store_bind_text(st, ":body", m->body);
    store_bind_text(st, ":encoding", text_encoding_name(tm.encoding));
    store_bind_int64(st, ":segments", (int64_t)tm.segments);
    store_bind_text_or_null(st, ":provider_id", m->provider_id);
    store_bind_int64(st, ":now", now);
    int64_t id;
    int fresh = store_insert(db, st, &id, "inbound_store");
    if (fresh == 1 && id_out)
        *id_out = id;
    return fresh;
}

/* The parts 1..total of a multipart SMS in order, joined, once all are
 * there: 1 with *joined (malloc'd), 0 while parts are missing, -1. */
static int inbound_parts_join(struct db *db, const char *channel, const char *phone,
                              const char *ref, int total, char **joined)
{
    struct db_stmt *st = db_stmt(db, "SELECT part, body FROM inbound_parts WHERE channel = :channel"
                                     " AND phone = :phone AND concat_ref = :ref AND part <= :total"
                                     " ORDER BY part");
    if (!st)
        return store_fail(db, "inbound_part_join");
    store_bind_text(st, ":channel", channel);
    store_bind_text(st, ":phone", phone);
    store_bind_text(st, ":ref", ref);
    store_bind_int64(st, ":total", total);
    char *text = NULL;
    size_t len = 0;
    int expect = 1, rc;
    while ((rc = db_step(st)) == DB_ROW) {
        if (db_col_int(st, 0) != expect)
            break;
        const char *b = db_col_text(st, 1);
        size_t n = b ? strlen(b) : 0;
        if (len + n + 1 > INBOUND_JOINED_MAX) {
            rc = DB_FAILED;
            break;
        }
        char *grown = realloc(text, len + n + 1);
        if (!grown) {
            rc = DB_FAILED;
            break;
        }
        text = grown;
        memcpy(text + len, b ? b : "", n);
        len += n;
        text[len] = '\0';
        expect++;
    }
    db_stmt_done(st);
    if (rc != DB_DONE && rc != DB_ROW) {
        free(text);
        return store_fail(db, "inbound_part_join");
    }
    if (expect <= total) {
        free(text);
        return 0;
    }
    *joined = text;
    return 1;
}

int message_part_add(struct db *db, const char *channel, const char *phone, const char *ref,
                     int part, int total, const char *provider_id, const char *body, int64_t now,
                     char **joined)
{
    *joined = NULL;
    struct db_stmt *st =
        db_stmt(db, "INSERT INTO inbound_parts (channel, phone, concat_ref, part, total,"
                    " provider_id, body, created_at)"
                    " VALUES (:channel, :phone, :ref, :part, :total, :provider_id, :body, :now)"
                    " ON CONFLICT DO NOTHING"); /* a part again: a retransmission */
    if (!st)
        return store_fail(db, "inbound_part_add");
    store_bind_text(st, ":channel", channel);
    store_bind_text(st, ":phone", phone);
    store_bind_text(st, ":ref", ref);
    store_bind_int64(st, ":part", part);
    store_bind_int64(st, ":total", total);
    store_bind_text_or_null(st, ":provider_id", provider_id);
    store_bind_text(st, ":body", body);
    store_bind_int64(st, ":now", now);
    if (store_exec(db, st, "inbound_part_add") != 0)
        return -1;
    return inbound_parts_join(db, channel, phone, ref, total, joined);
}

/* ---- delivery reports ---- */

int message_dlr_find(struct db *db, const char *channel, int64_t message_id,
                     const char *provider_id, struct message_dlr_target *out)
{
    if (message_id <= 0 && (!provider_id || !*provider_id))
        return 0;
    struct db_stmt *st;
    if (message_id > 0) {
        st = db_stmt(db, "SELECT id, status, coalesce(dlr_status,''), phone FROM messages"
                         " WHERE id=?1 AND channel=?2 AND direction='out'");
        if (st)
            db_bind_i64(st, 1, message_id);
    } else {
        st = db_stmt(db, "SELECT id, status, coalesce(dlr_status,''), phone FROM messages"
                         " WHERE provider_id=?1 AND channel=?2 AND direction='out'"
                         " ORDER BY id DESC LIMIT 1");
        if (st)
            db_bind_text(st, 1, provider_id);
    }
    if (!st)
        return store_fail(db, "dlr_find");
    db_bind_text(st, 2, channel);
    int rc = db_step(st);
    if (rc == DB_ROW) {
        out->id = db_col_i64(st, 0);
        store_copy_text(out->status, sizeof out->status, st, 1);
        store_copy_text(out->dlr_status, sizeof out->dlr_status, st, 2);
        store_copy_text(out->phone, sizeof out->phone, st, 3);
    }
    db_stmt_done(st);
    if (rc == DB_ROW)
        return 1;
    return rc == DB_DONE ? 0 : store_fail(db, "dlr_find");
}

int message_dlr_apply(struct db *db, int64_t id, const char *dlr_status, const char *status,
                      const char *error, const char *provider_error, int64_t now)
{
    assert(id > 0 && dlr_status);
    /* A report settles a message in flight or accepted, forward only. */
    assert(!status || *status == '\0' ||
           (outbox_move_ok("sent", status) && outbox_move_ok("sending", status)));
    struct db_stmt *st = db_stmt(
        db, "UPDATE messages SET dlr_status = :dlr_status,"
            " status = coalesce(:status, status),"
            " error = CASE WHEN :status IS NULL THEN error ELSE :error END,"
            " provider_error = coalesce(:provider_error, provider_error),"
            " delivered_at = CASE WHEN :status = 'delivered' THEN :now ELSE delivered_at END,"
            " updated_at = :now WHERE id = :id");
    if (!st)
        return store_fail(db, "dlr_apply");
    store_bind_int64(st, ":id", id);
    store_bind_text(st, ":dlr_status", dlr_status);
    store_bind_text_or_null(st, ":status", status);
    store_bind_text_or_null(st, ":error", error);
    store_bind_text_or_null(st, ":provider_error", provider_error);
    store_bind_int64(st, ":now", now);
    return store_exec(db, st, "dlr_apply");
}
