/* sms_consent.h -- the answer to the consent question a member registered
 * by their cooperative's contact person receives (app/agent): YES / OUI /
 * نعم and NO / NON / لا in any spelling core/sms_reply reads (folded:
 * "oui", "Oui", Arabic presentation forms, ...). Until the member says
 * yes, every message from them other than STOP is read as an answer; the
 * reply says how to answer when it is neither. */
#ifndef TAAWUN_APP_SMS_CONSENT_H
#define TAAWUN_APP_SMS_CONSENT_H

#include <stdbool.h>

#include "app/sms_context.h"

/* true when c's sender is a registered member whose consent is 'pending'
 * or 'refused' (store/members.h): the message is theirs to answer. */
bool sms_consent_awaited(const struct sms_context *c);

/* Read c's text as the answer: yes records consent given (channel "sms"),
 * no consent refused, each with an audit row (who: the member's number,
 * role "member") when the state changes; the reply (kind 'reply') says
 * what was recorded, or asks again. Returns 0 or -1 (database). */
int sms_consent_answer(struct sms_context *c);

#endif
