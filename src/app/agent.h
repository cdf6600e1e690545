/* agent.h -- registration by a cooperative's contact person (an "agent"):
 * which numbers a contact may register, and the registration itself: the
 * member row (consent 'pending'), the one SMS asking for consent in the
 * member's language and the audit row, all in the caller's transaction.
 *
 * One number, one member: the number a contact types must be no member's
 * (an erased member's number included), must not have sent STOP, and must
 * be of the contact's kind (test numbers register test numbers, real
 * numbers real ones: the two never mix). Consent is given by the member
 * from that number (app/sms_consent); until then the send gate
 * (store/messages.h) lets nothing else go to it. */
#ifndef TAAWUN_APP_AGENT_H
#define TAAWUN_APP_AGENT_H

#include <stdbool.h>
#include "store/db.h"

#include "core/catalog.h"
#include "store/members.h"

/* Whether contact_phone (E.164, the caller's) may register e164: an enum
 * ussd_phone_check value (core/ussd_state.h), or -1 on a database error. */
int agent_phone_check(struct db *db, const char *contact_phone, const char *e164)
    __attribute__((warn_unused_result));

/* What the contact typed; borrowed strings. */
struct agent_registration {
    const char *contact_phone; /* the caller, E.164: found again in the transaction */
    const char *phone;         /* the new member's, E.164 */
    const char *name;
    const char *sector;
    char gender; /* 'f' / 'm' */
    int birth_year;
    const char *lang;                /* the new member's language: their SMS's */
    const struct catalog_set *texts; /* the consent SMS: catalog text sms_agent_consent */
    const char *channel;             /* the channel it goes through */
};

enum agent_result {
    AGENT_OK = 0,
    AGENT_TAKEN,       /* the number is no longer free (another session was first) */
    AGENT_NOT_CONTACT, /* the caller is not (or no longer) a contact with a cooperative */
    AGENT_ERROR,       /* database: the caller rolls back */
};

/* Whether member m (a registered one) still owes the answer to the consent
 * question: their consent is 'pending' or 'refused' (registered by their
 * cooperative's contact person). Such a member is asked before anything
 * else, by SMS (app/sms_consent) and on the USSD menu (app/ussd). */
bool agent_consent_awaited(const struct member *m);

/* The member's answer to the consent question, by SMS (app/sms_consent)
 * or on the USSD menu (app/ussd), recorded alike inside the caller's
 * transaction: given stamps consent, refused clears it (store/members.h
 * member_consent_set, through how: "sms" or "ussd"); one audit row
 * "member.consent" (who: the member's number, role "member", client:
 * channel, the channel's name) when the state changes, nothing when the
 * answer is the state already. m is the member's row as read in the
 * transaction. Returns 0 or -1 (database). */
int agent_consent_answer(struct db *db, const struct member *m, bool given, const char *how,
                         const char *channel) __attribute__((warn_unused_result));

/* Register r inside the caller's write transaction: the member in the
 * contact's cooperative (its province), registered by the contact,
 * consent 'pending'; the consent SMS queued (kind 'consent_request');
 * one audit row (who: the contact's member number, role "contact").
 * On AGENT_OK fills member_no (16 bytes) and *sms_held (the gate holds
 * the SMS, or no text: no SMS will go). */
enum agent_result agent_register(struct db *db, const struct agent_registration *r,
                                 char member_no[16], bool *sms_held)
    __attribute__((warn_unused_result));

#endif
