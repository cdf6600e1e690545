/* purge.h -- rows that only grow, deleted by age in small batches: parts
 * of multipart inbound SMS never joined, USSD drafts and SMS exchanges left
 * unfinished, audit rows, ended console sessions, providers' end-of-session
 * notices. Messages are not here: they are archived first (store/archive).
 * Each batch is its own short write transaction on the calling thread's
 * connection: never call it inside one. */
#ifndef TAAWUN_STORE_PURGE_H
#define TAAWUN_STORE_PURGE_H

#include <stddef.h>
#include <stdint.h>
#include "store/db.h"

enum purge_kind {
    PURGE_INBOUND_PARTS,     /* inbound_parts by created_at */
    PURGE_USSD_DRAFTS,       /* ussd_drafts by updated_at */
    PURGE_SMS_EXCHANGES,     /* sms_conversations by updated_at */
    PURGE_AUDIT,             /* audit_log by at */
    PURGE_CONSOLE_SESSIONS,  /* staff_sessions by ended_at, else last_seen_at */
    PURGE_USSD_SESSION_ENDS, /* ussd_session_ends by created_at */
    PURGE_KINDS
};

/* The table a kind purges, for logs. */
const char *purge_table(enum purge_kind kind);

/* Delete up to max rows of kind older than before (unix seconds), in one
 * write transaction; *hold_ms gets its length, begin to commit. Returns
 * the rows deleted, or -1 (logged). */
long purge_batch(struct db *db, enum purge_kind kind, int64_t before, size_t max, double *hold_ms)
    __attribute__((warn_unused_result));

#endif
