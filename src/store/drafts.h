/* drafts.h -- what USSD sessions leave behind: unfinished flows (a
 * registration or an idea) kept per phone number so the next dial can offer
 * to continue (the state is an opaque blob written by app/ussd with its
 * layout version), and the providers' end-of-session notices. */
#ifndef TAAWUN_STORE_DRAFTS_H
#define TAAWUN_STORE_DRAFTS_H

#include <stddef.h>
#include <stdint.h>
#include "store/db.h"

/* Save (replace) the draft of phone. flow is "register" or "idea". */
int draft_save(struct db *db, const char *phone, const char *flow, const void *state, size_t len)
    __attribute__((warn_unused_result));

/* Load the draft of phone saved at or after not_before into state (exactly
 * len bytes expected; a draft of another size is ignored). Returns 1 with
 * flow (16 bytes) filled, 0 when none, -1 on error. */
int draft_load(struct db *db, const char *phone, int64_t not_before, char flow[16], void *state,
               size_t len) __attribute__((warn_unused_result));

int draft_delete(struct db *db, const char *phone) __attribute__((warn_unused_result));

/* Store an end-of-session notice once per (channel, session_id); a replay
 * changes nothing. Strings may be "" or NULL. Returns 0 or -1. */
int ussd_end_store(struct db *db, const char *channel, const char *session_id, const char *phone,
                   const char *status, int64_t duration_ms, const char *input, const char *error)
    __attribute__((warn_unused_result));

#endif
