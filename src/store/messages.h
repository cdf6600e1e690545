/* messages.h -- the messages table: every inbound and outbound message, and
 * the outbox (outbound rows with status 'queued').
 *
 * Outbound life: queued -> sending -> sent -> delivered | failed, or
 * queued -> expired | suppressed | failed. A message is marked 'sending'
 * (attempts + 1, sending_since) in a committed transaction before its
 * request starts; after a crash, start-up reconciliation sends a 'sending'
 * message at most once more (resend_after_crash), see src/README.md.
 * Asserted where the moves are made: every move is one outbox_move_ok
 * allows; a message is 'sending' only with attempts >= 1 and goes back to
 * 'queued' only from 'sending'; a settled message is neither 'queued' nor
 * 'sending'; one the provider accepted ('sent') was tried at least once.
 *
 * Functions borrow the connection and never begin or commit a transaction
 * unless they say so; callers group writes with db_begin()/db_commit(). */
#ifndef TAAWUN_STORE_MESSAGES_H
#define TAAWUN_STORE_MESSAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "store/db.h"

#include "core/limits.h"

/* Phone column as stored: E.164, or (inbound from a sender that is not a
 * phone number, e.g. an alphanumeric id) the raw sender, cut to fit. */
#define MESSAGE_PHONE_MAX 40
#define MESSAGE_KIND_MAX 24
#define MESSAGE_ERROR_MAX 160
#define MESSAGE_PROVIDER_ID_MAX 128

/* Seconds during which an inbound message without a provider id, from the
 * same sender with the same text, counts as a replay. */
#define MESSAGE_DEDUP_WINDOW_S 120

struct message_new {
    const char *channel;
    const char *phone; /* E.164 */
    int64_t member_id; /* 0: none */
    const char *kind;  /* receipt, reply, notification, broadcast, ... */
    const char *topic; /* NULL: transactional */
    const char *body;  /* valid UTF-8 */
    int priority;      /* higher goes first */
};

/* Queue an outbound message: the body as it travels (an Arabic text that
 * starts with Latin letters gets its right-to-left mark in front,
 * core/sms_reply.h sms_reply_directed), measured (encoding, segments) with
 * core/gsm, inserted as 'queued', due now, then pokes the sender (see
 * message_set_waker; on PostgreSQL every node's too, at commit:
 * store/db_notify). Must run inside the caller's transaction when it
 * belongs with another write. Returns 0 with *id_out set (id_out may be
 * NULL), or -1 (logged). */
int message_queue(struct db *db, const struct message_new *m, int64_t *id_out)
    __attribute__((warn_unused_result));

/* Record an outbound message that is already settled: status 'sent' with
 * provider_id (an inline webhook reply), or 'suppressed' with error; the
 * body as message_queue stores it.
 * Returns 0 with *id_out set (may be NULL), or -1 (logged). */
int message_record_out(struct db *db, const struct message_new *m, const char *status,
                       const char *provider_id, const char *error, int64_t *id_out)
    __attribute__((warn_unused_result));

/* The function message_queue calls after queueing (the sender's wake-up;
 * it may run before the caller commits: the sender then waits for the
 * write lock). Thread-safe; NULL unregisters. */
void message_set_waker(void (*wake)(void));

struct message_due {
    int64_t id;
    char channel[CHANNEL_NAME_MAX];
};

/* Up to max queued messages of channel that are due at now, in order of
 * priority then due time. Returns how many were stored in out, or -1. */
int message_list_due(struct db *db, const char *channel, int64_t now, struct message_due *out,
                     size_t max) __attribute__((warn_unused_result));

/* Record that message id was accepted by the channel (status 'sent'). */
int message_mark_sent(struct db *db, int64_t id, const char *provider_id)
    __attribute__((warn_unused_result));

/* ---- the send gate ---- */

/* Why a message of kind (and topic, NULL when none) may not go to a member
 * whose erased_at / opted_out_at are given (0: never) and whose
 * subscription to the topic is topic_enabled (1, 0, or -1 when no row):
 * "erased", "opted_out", "topic_opted_out", or NULL when it may go. The
 * exemptions: kind 'stop_confirmation' (the one answer to STOP, and to a
 * confirmed ERASE) passes all three; kind 'registration' (the answers of a
 * registration by SMS the phone itself started, and of START from a number
 * that is no member) passes an erasure and an opt-out. Pure. */
const char *message_gate_rule(const char *kind, const char *topic, int64_t erased_at,
                              int64_t opted_out_at, int topic_enabled);

/* The rest of the gate, asked when message_gate_rule lets a message go:
 * "phone_suppressed" when the phone is on the suppression list (a STOP
 * from a number that was no member, see store/sms_state.h) unless kind is
 * 'stop_confirmation' or 'registration'; "no_consent" when kind needs
 * consent ('broadcast', 'reminder', 'notification') and the phone is a
 * member's (member_known) whose consent_at is 0. A phone that is no
 * member's (a cooperative's contact number) needs no member consent;
 * kinds answering a member's own request ('reply', 'receipt') need none.
 * A member registered by their cooperative's contact person whose
 * consent_state is "pending" or "refused" (store/members.h) gets nothing
 * but the answers to what the phone sent ('reply', 'stop_confirmation'):
 * "no_consent" for every other kind, receipts included. The one consent
 * question ('consent_request') goes only while the state is "pending"
 * ("consent_answered" otherwise). consent_state may be NULL (no record).
 * NULL: may go. Pure. */
const char *message_gate_consent_rule(const char *kind, bool suppressed, bool member_known,
                                      int64_t consent_at, const char *consent_state);

/* The gate (both rules above) for a message about to go to phone (E.164).
 * Returns 0 with *reason set (NULL: may go), or -1 on a database error. */
int message_gate(struct db *db, const char *phone, const char *kind, const char *topic,
                 const char **reason) __attribute__((warn_unused_result));

/* ---- the outbox (sender thread) ---- */

/* Whether an outbound message may move from status `from` to `to`:
 * queued -> sending | sent | failed | suppressed | expired | held | cancelled,
 * held -> queued | cancelled, sending -> sent | queued | failed | delivered,
 * sent -> delivered | failed; nothing leaves delivered, failed, expired,
 * suppressed or cancelled. The functions below assert what they do against
 * it. Pure. */
bool outbox_move_ok(const char *from, const char *to);

/* Every status a message may have (the outbox's, and 'received' for an
 * inbound one), NULL-terminated: the API's filter checks against it. */
extern const char *const message_statuses[];

struct outbox_row {
    int64_t id;
    int64_t member_id;
    int64_t created_at;
    int attempts; /* made before this one */
    char phone[MESSAGE_PHONE_MAX];
    char kind[MESSAGE_KIND_MAX];
    char encoding[8];    /* "gsm7" / "ucs2" */
    char *body;          /* malloc'd, owned by the row */
    const char *blocked; /* the gate's reason (static string), NULL: may go */
};

/* Begin the transaction of a claim (outbox_due, then a mark or a settle of
 * each row): store/db's db_begin_claim, and on PostgreSQL any lock it
 * waits for (a count row the triggers keep, which writers of other nodes
 * update too) fails after OUTBOX_CLAIM_LOCK_WAIT_MS (BUSY): in a lock
 * cycle with a write transaction the claim gives up and rolls back, not
 * the writer (the server's deadlock check runs a second after a wait
 * begins); its rows stay queued for the next pass. 0 or -1. */
#define OUTBOX_CLAIM_LOCK_WAIT_MS 200
int outbox_claim_begin(struct db *db) __attribute__((warn_unused_result));

/* Up to max queued outbound messages of channel due at now, in order of
 * priority then due time, with the send gate applied (row.blocked). Call
 * inside a transaction that then marks each row (on PostgreSQL, one from
 * outbox_claim_begin: the rows are taken FOR UPDATE SKIP LOCKED, those
 * another claim holds left to it). Returns the count stored
 * in out (free the bodies with outbox_rows_free), or -1. */
int outbox_due(struct db *db, const char *channel, int64_t now, struct outbox_row *out, size_t max)
    __attribute__((warn_unused_result));

/* Free the bodies of rows[0..n). */
void outbox_rows_free(struct outbox_row *rows, size_t n);

/* queued -> sending: attempts + 1, sending_since = now. */
int outbox_mark_sending(struct db *db, int64_t id, int64_t now) __attribute__((warn_unused_result));

/* queued|sending -> a settled status ('sent', 'failed', 'suppressed',
 * 'expired') with provider_id and error (each may be NULL). 'sent' from
 * 'queued' counts one attempt (the sandbox, which never goes 'sending').
 * A status already moved by a delivery report is left alone. The first
 * provider_id given sets sent_at = now (delivery reports, costs). */
int outbox_settle(struct db *db, int64_t id, const char *status, const char *provider_id,
                  const char *error, int64_t now) __attribute__((warn_unused_result));

/* sending -> queued, due at next_attempt_at, error kept for the operator. */
int outbox_requeue(struct db *db, int64_t id, int64_t next_attempt_at, const char *error,
                   int64_t now) __attribute__((warn_unused_result));

/* The recipient opted out at the carrier: the message ends 'failed' with
 * error 'opted_out_at_carrier' and the member with that phone (if any) is
 * marked opted out (all topics) unless already. */
int outbox_opted_out_at_carrier(struct db *db, int64_t id, const char *phone, int64_t now)
    __attribute__((warn_unused_result));

/* Queued messages of channel created before cutoff become 'expired'.
 * Returns how many, or -1. */
int outbox_expire(struct db *db, const char *channel, int64_t cutoff, int64_t now)
    __attribute__((warn_unused_result));

/* Start-up, before the sender runs: messages left 'sending' by a crash may
 * have reached the provider. Those never resent after a crash go back to
 * 'queued' once (resend_after_crash = 1); those already resent once end
 * 'failed' with error 'unknown_after_crash'. One transaction. Returns 0
 * with the counts, or -1. On PostgreSQL, where nodes share the outbox,
 * only the messages of nodes no longer alive (store/nodes): a node's own
 * claims carry its number (outbox_mark_sending). */
int outbox_reconcile_after_crash(struct db *db, int64_t now, int *requeued, int *failed)
    __attribute__((warn_unused_result));

/* The same, while running, for the node holding the scheduler's lease
 * (store/nodes): what a node that died left 'sending' (a cheap read first,
 * the write only when there is some). SQLite: 0, nothing done (one node,
 * reconciled at its start). */
int outbox_requeue_dead_nodes(struct db *db, int64_t now, int *requeued, int *failed)
    __attribute__((warn_unused_result));

/* ---- inbound ---- */

struct message_in {
    const char *channel;
    const char *phone;       /* E.164, or the raw sender */
    int64_t member_id;       /* 0: none */
    const char *body;        /* valid UTF-8, no NUL */
    const char *provider_id; /* NULL or "": none */
};

/* Store an inbound SMS (direction 'in', kind 'sms', status 'received')
 * unless it is a replay: the same provider id on this channel, or, without
 * an id, the same sender and text within MESSAGE_DEDUP_WINDOW_S. Call
 * inside a transaction. Returns 1 (stored, *id_out set), 0 (replay, nothing
 * stored) or -1. */
int message_store_inbound(struct db *db, const struct message_in *m, int64_t now, int64_t *id_out)
    __attribute__((warn_unused_result));

/* Keep part `part` of `total` of a multipart inbound SMS (idempotent). When
 * every part is there, *joined (malloc'd, caller frees) holds the text in
 * part order and 1 is returned; 0 while parts are missing; -1 on error. */
int message_part_add(struct db *db, const char *channel, const char *phone, const char *ref,
                     int part, int total, const char *provider_id, const char *body, int64_t now,
                     char **joined) __attribute__((warn_unused_result));

/* ---- delivery reports ---- */

struct message_dlr_target {
    int64_t id;
    char status[16];
    char dlr_status[16]; /* "" when no report yet */
    char phone[MESSAGE_PHONE_MAX];
};

/* The outbound message of channel a report is about: by our id when
 * message_id > 0, else by the provider's id. Returns 1, 0 (unknown) or -1. */
int message_dlr_find(struct db *db, const char *channel, int64_t message_id,
                     const char *provider_id, struct message_dlr_target *out)
    __attribute__((warn_unused_result));

/* Record a report: dlr_status, provider_error (NULL or "": kept), and when
 * status is non-NULL the message status (with error; delivered_at when
 * 'delivered'). The caller decides that the report moves forward. */
int message_dlr_apply(struct db *db, int64_t id, const char *dlr_status, const char *status,
                      const char *error, const char *provider_error, int64_t now)
    __attribute__((warn_unused_result));

#endif
