/* sms_consent.c -- a member's answer to the consent question sent when
 * their cooperative's contact person registered them (see
 * app/sms_consent.h). */
#include "app/sms_consent.h"

#include <string.h>

#include "app/agent.h"
#include "core/sms_reply.h"

bool sms_consent_awaited(const struct sms_context *c)
{
    return c->registered && agent_consent_awaited(c->m);
}

int sms_consent_answer(struct sms_context *c)
{
    enum sms_reply_word w = sms_reply_word(c->text, c->len, false);
    if (w == SMS_REPLY_WORD_NONE) {
        sms_context_reply_simple(c, strcmp(c->m->consent_state, "refused") == 0
                                        ? "sms_consent_refused"
                                        : "sms_consent_ask");
        return 0;
    }
    bool given = w == SMS_REPLY_WORD_YES;
    if (agent_consent_answer(c->db, c->m, given, "sms", c->channel) != 0)
        return -1;
    sms_context_reply_simple(c, given ? "sms_consent_given" : "sms_consent_refused");
    return 0;
}
