/* agent.c -- registration by a cooperative's contact person: the number
 * check the menus ask for, and the registration with its consent SMS and
 * audit row in one transaction (see app/agent.h). */
#include "app/agent.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/msisdn.h"
#include "core/test_number.h"
#include "core/ussd_state.h"
#include "store/audit.h"
#include "store/messages.h"
#include "store/sms_state.h"
#include "sys/log.h"
#include "sys/log_summary.h"

#define CONSENT_SMS_PRIORITY 10 /* as the USSD receipts */

int agent_phone_check(struct db *db, const char *contact_phone, const char *e164)
{
    if (test_number_is(contact_phone) != test_number_is(e164))
        return USSD_PHONE_MIXED;
    struct member m;
    int found = member_find_by_phone(db, e164, &m);
    if (found != 0)
        return found < 0 ? -1 : USSD_PHONE_MEMBER;
    int stopped = sms_state_suppression_has(db, e164);
    if (stopped != 0)
        return stopped < 0 ? -1 : USSD_PHONE_STOPPED;
    return USSD_PHONE_FREE;
}

/* The contact as found now: a registered member marked contact, with a
 * cooperative. Returns 1, 0 (not a contact), or -1. */
static int contact_now(struct db *db, const char *phone, struct member *out)
{
    int found = member_find_by_phone(db, phone, out);
    if (found != 1)
        return found;
    return out->registered_at && !out->erased_at && out->is_contact && out->cooperative_id != 0;
}

/* The consent SMS in the member's language, queued for member id. */
static int queue_consent(struct db *db, const struct agent_registration *r, const struct member *c,
                         int64_t id, bool *held)
{
    const char *tmpl = catalog_set_get(r->texts, r->lang, "sms_agent_consent", NULL);
    *held = true;
    if (!tmpl)
        return 0;
    struct text_var vars[] = {
        {"name", r->name}, {"contact", c->name}, {"coop", c->cooperative_name}};
    char body[800];
    if (text_format(tmpl, vars, 3, body, sizeof body) < 0)
        return -1;
    struct message_new msg = {.channel = r->channel,
                              .phone = r->phone,
                              .member_id = id,
                              .kind = "consent_request",
                              .body = body,
                              .priority = CONSENT_SMS_PRIORITY};
    const char *why;
    if (message_queue(db, &msg, NULL) != 0 || message_gate(db, r->phone, msg.kind, NULL, &why) != 0)
        return -1;
    *held = why != NULL;
    return 0;
}

static int audit_registration(struct db *db, const struct agent_registration *r,
                              const struct member *c, int64_t id, const char *contact_no)
{
    char ids[24];
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    json_t *o = json_pack("{s:I,s:I,s:s,s:s,s:s}", "registered_by", (json_int_t)c->id,
                          "cooperative_id", (json_int_t)c->cooperative_id, "consent_state",
                          "pending", "language", r->lang, "channel", r->channel);
    char *text = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(o);
    if (!text)
        return -1;
    struct audit_actor actor = {.who = contact_no, .role = "contact", .client = r->channel};
    int rc = audit_write(db, &actor, "member.register_by_contact", "member", ids, text);
    free(text);
    return rc;
}

bool agent_consent_awaited(const struct member *m)
{
    return strcmp(m->consent_state, "pending") == 0 || strcmp(m->consent_state, "refused") == 0;
}

int agent_consent_answer(struct db *db, const struct member *m, bool given, const char *how,
                         const char *channel)
{
    const char *state = given ? "given" : "refused";
    if (strcmp(m->consent_state, state) == 0)
        return 0;
    char no[16], ids[24], summary[160];
    member_number(m->id, no);
    snprintf(ids, sizeof ids, "%lld", (long long)m->id);
    snprintf(summary, sizeof summary,
             "{\"consent_state\":{\"from\":\"%s\",\"to\":\"%s\"},\"channel\":\"%s\"}",
             m->consent_state, state, how);
    struct audit_actor actor = {.who = no, .role = "member", .client = channel};
    if (member_consent_set(db, m->id, given, how) != 0 ||
        audit_write(db, &actor, "member.consent", "member", ids, summary) != 0)
        return -1;
    char mk[MSISDN_MAX];
    msisdn_mask(m->phone, mk);
    log_debug("member_consent", "channel=%s phone=%s member=%s consent=%s via=%s", channel, mk, no,
              state, how);
    return 0;
}

enum agent_result agent_register(struct db *db, const struct agent_registration *r,
                                 char member_no[16], bool *sms_held)
{
    struct member c;
    int is_contact = contact_now(db, r->contact_phone, &c);
    if (is_contact <= 0)
        return is_contact < 0 ? AGENT_ERROR : AGENT_NOT_CONTACT;
    int check = agent_phone_check(db, r->contact_phone, r->phone);
    if (check < 0)
        return AGENT_ERROR;
    if (check != USSD_PHONE_FREE)
        return AGENT_TAKEN;
    struct member m;
    memset(&m, 0, sizeof m);
    snprintf(m.phone, sizeof m.phone, "%s", r->phone);
    snprintf(m.name, sizeof m.name, "%s", r->name);
    m.cooperative_id = c.cooperative_id;
    snprintf(m.sector, sizeof m.sector, "%s", r->sector);
    m.gender = r->gender;
    m.birth_year = r->birth_year;
    snprintf(m.language, sizeof m.language, "%s", r->lang);
    int64_t id = 0;
    int inserted = member_register_by_contact(db, &m, c.id, &id);
    if (inserted <= 0)
        return inserted < 0 ? AGENT_ERROR : AGENT_TAKEN;
    char contact_no[16];
    member_number(c.id, contact_no);
    member_number(id, member_no);
    if (queue_consent(db, r, &c, id, sms_held) != 0 ||
        audit_registration(db, r, &c, id, contact_no) != 0)
        return AGENT_ERROR;
    char masked[MSISDN_MAX];
    msisdn_mask(r->phone, masked);
    log_debug("member_registered_by_contact", "channel=%s phone=%s member=%s contact=%s",
              r->channel, masked, member_no, contact_no);
    log_summary_count(LOG_SUMMARY_REGISTRATIONS, r->channel, NULL);
    return AGENT_OK;
}
