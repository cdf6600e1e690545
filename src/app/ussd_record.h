/* ussd_record.h -- the record of one live USSD session (app/ussd_session):
 * its key, phone, newest text, menu state, the answers it gave and what
 * its steps read. Types only, shared by the session table and the
 * record's packing (app/ussd_session_pack), which includes no more. */
#ifndef TAAWUN_APP_USSD_RECORD_H
#define TAAWUN_APP_USSD_RECORD_H

#include <stdbool.h>
#include <stdint.h>

#include "core/limits.h"
#include "core/ussd_state.h"
#include "store/members.h"

#define USSD_SESSION_KEY_MAX (CHANNEL_NAME_MAX + USSD_SESSION_ID_MAX + 2)

/* One answered step: the length and hash of its text, and the screen given
 * (arena[offset..offset+length), without CON/END). */
struct ussd_answer {
    uint64_t text_hash;
    uint32_t text_len;
    uint16_t offset;
    uint16_t length;
    bool end;
};

/* What a session's steps read of the caller, kept for its next steps
 * (app/ussd uses it while store/db_version's member data version is still
 * the one read before them). version 0: nothing kept. */
struct ussd_kept_reads {
    uint64_t version;
    bool found; /* member_find_by_phone found a row: member */
    struct member member;
    int ngrants; /* their grants as read (notes in grants_lang); -1: not read */
    char grants_lang[8];
    struct ussd_grant grants[USSD_LIST_MAX];
};

struct ussd_session {
    char key[USSD_SESSION_KEY_MAX]; /* "channel\x1fsessionId" */
    char phone[MSISDN_MAX];
    int64_t last_seen;
    /* The newest step's text, or text_overflow when it was longer than
     * USSD_SESSION_TEXT_MAX bytes (then only exact repeats are known). */
    char text[USSD_SESSION_TEXT_MAX];
    uint32_t text_len;
    bool text_overflow;
    bool closed; /* an END was answered, or the provider ended the session */
    struct ussd_state state;
    uint32_t nanswers; /* oldest first */
    struct ussd_answer answers[USSD_SESSION_ANSWERS_MAX];
    uint32_t arena_used;
    char arena[USSD_SESSION_ANSWER_BYTES];
    struct ussd_kept_reads reads; /* last: a claim clears only its version */
};

#endif
