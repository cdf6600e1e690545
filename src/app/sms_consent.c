/* sms_consent.c -- a member's answer to the consent question sent when
 * their cooperative's contact person registered them (see
 * app/sms_consent.h). */
#include "app/sms_consent.h"

#include <stdio.h>
#include <string.h>

#include "core/msisdn.h"
#include "core/sms_reply.h"
#include "store/audit.h"
#include "store/members.h"
#include "sys/log.h"

bool sms_consent_awaited(const struct sms_context *c)
{
    return c->registered && (strcmp(c->m->consent_state, "pending") == 0 ||
                             strcmp(c->m->consent_state, "refused") == 0);
}

/* Record the new state and its audit row, unless it is the state already. */
static int record(struct sms_context *c, bool given)
{
    const char *state = given ? "given" : "refused";
    if (strcmp(c->m->consent_state, state) == 0)
        return 0;
    char no[16], ids[24], summary[160];
    member_number(c->m->id, no);
    snprintf(ids, sizeof ids, "%lld", (long long)c->m->id);
    snprintf(summary, sizeof summary,
             "{\"consent_state\":{\"from\":\"%s\",\"to\":\"%s\"},\"channel\":\"sms\"}",
             c->m->consent_state, state);
    struct audit_actor actor = {.who = no, .role = "member", .client = c->channel};
    if (member_consent_set(c->db, c->m->id, given, "sms") != 0 ||
        audit_write(c->db, &actor, "member.consent", "member", ids, summary) != 0)
        return -1;
    char mk[MSISDN_MAX];
    msisdn_mask(c->phone, mk);
    log_debug("member_consent", "channel=%s phone=%s member=%s consent=%s", c->channel, mk, no,
              state);
    return 0;
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
    if (record(c, given) != 0)
        return -1;
    sms_context_reply_simple(c, given ? "sms_consent_given" : "sms_consent_refused");
    return 0;
}
