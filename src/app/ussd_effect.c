/* ussd_effect.c -- the writes of a USSD step (see ussd_effect.h). */
#include "app/ussd_effect.h"

#include <stdio.h>
#include <string.h>

#include "app/agent.h"
#include "core/msisdn.h"
#include "core/ussd_menu.h"
#include "store/db.h"
#include "store/drafts.h"
#include "store/events.h"
#include "store/ideas.h"
#include "store/messages.h"
#include "store/sms_state.h"
#include "sys/log.h"
#include "sys/log_summary.h"

/* Queue one SMS built from catalog key tmpl_key in st's language, inside
 * the caller's transaction. A catalog without the text queues nothing.
 * Sets st->no_sms when no SMS will go (no text, or the send gate will hold
 * it: the last screen then promises none); the message is queued all the
 * same, and the gate records why it was held. */
static int queue_sms(struct db *db, const struct app_env *env, const struct channel_settings *ch,
                     const char *phone, int64_t member_id, struct ussd_state *st, const char *kind,
                     const char *tmpl_key, const struct text_var *vars, size_t nvars)
{
    const char *tmpl = catalog_set_get(env->texts, st->lang, tmpl_key, NULL);
    if (!tmpl) {
        st->no_sms = true;
        return 0;
    }
    char body[800];
    if (text_format(tmpl, vars, nvars, body, sizeof body) < 0)
        return -1;
    struct message_new msg = {.channel = ch->name,
                              .phone = phone,
                              .member_id = member_id,
                              .kind = kind,
                              .body = body,
                              .priority = 10};
    const char *held;
    if (message_queue(db, &msg, NULL) != 0 || message_gate(db, phone, kind, NULL, &held) != 0)
        return -1;
    st->no_sms = held != NULL;
    return 0;
}

/* Register the draft and queue the SMS receipt, in one transaction. */
static int do_register(struct db *db, const struct app_env *env, const struct channel_settings *ch,
                       const char *phone, struct ussd_state *st)
{
    struct member m;
    memset(&m, 0, sizeof m);
    snprintf(m.phone, sizeof m.phone, "%s", phone);
    snprintf(m.name, sizeof m.name, "%s", st->draft.name);
    m.cooperative_id = st->draft.coop_id;
    snprintf(m.province, sizeof m.province, "%s", st->draft.province);
    snprintf(m.sector, sizeof m.sector, "%s", st->draft.sector);
    m.gender = st->draft.gender;
    m.birth_year = st->draft.birth_year;
    snprintf(m.language, sizeof m.language, "%s", st->lang);
    snprintf(m.consent_channel, sizeof m.consent_channel, "ussd");

    int64_t id;
    if (member_register(db, &m, "ussd", &id) != 0 || sms_state_suppression_clear(db, phone) < 0)
        return -1; /* registering lifts an earlier STOP from this number */
    char member_no[16];
    member_number(id, member_no);
    snprintf(st->result_ref, sizeof st->result_ref, "%s", member_no);
    struct text_var vars[] = {{"name", m.name}, {"member_no", member_no}};
    if (queue_sms(db, env, ch, phone, id, st, "receipt", "sms_registered", vars, 2) != 0 ||
        draft_delete(db, phone) != 0)
        return -1;
    char masked[MSISDN_MAX];
    msisdn_mask(phone, masked);
    log_debug("member_registered", "channel=%s phone=%s member=%s", ch->name, masked, member_no);
    log_summary_count(LOG_SUMMARY_REGISTRATIONS, ch->name, NULL);
    return 0;
}

/* A contact person registers the member of st->draft (app/agent). */
static enum ussd_effect_result do_agent_register(struct db *db, const struct app_env *env,
                                                 const struct channel_settings *ch,
                                                 const char *phone, struct ussd_state *st)
{
    const struct ussd_draft *d = &st->draft;
    struct agent_registration r = {.contact_phone = phone,
                                   .phone = d->phone,
                                   .name = d->name,
                                   .sector = d->sector,
                                   .gender = d->gender,
                                   .birth_year = d->birth_year,
                                   .lang = d->lang[0] ? d->lang : st->lang,
                                   .texts = env->texts,
                                   .channel = ch->name};
    bool held = false;
    switch (agent_register(db, &r, st->result_ref, &held)) {
    case AGENT_OK:
        st->no_sms = held;
        return USSD_RESULT_OK;
    case AGENT_TAKEN:
        return USSD_RESULT_ALREADY;
    case AGENT_NOT_CONTACT:
        return USSD_RESULT_REFUSED;
    case AGENT_ERROR:
        break;
    }
    return USSD_RESULT_FAILED;
}

/* As the screens and the SMS replies write it (core/catalog.h). */
static void event_when(const struct app_env *env, const struct ussd_state *st,
                       const struct ussd_event *e, char *out, size_t outsz)
{
    catalog_when(env->texts, st->lang, e->day, e->month, e->hour, e->minute, out, outsz);
}

/* Book a seat (atomically with the capacity check) and queue the receipt. */
static enum ussd_effect_result do_rsvp(struct db *db, const struct app_env *env,
                                       const struct channel_settings *ch, const char *phone,
                                       const struct member *m, struct ussd_state *st)
{
    enum rsvp_result r = event_rsvp(db, st->event_id, m->id);
    if (r == RSVP_FULL || r == RSVP_CLOSED)
        return USSD_RESULT_FULL;
    if (r == RSVP_ALREADY)
        return USSD_RESULT_ALREADY;
    if (r != RSVP_BOOKED)
        return USSD_RESULT_FAILED;
    struct ussd_event e;
    if (event_get(db, st->event_id, m->id, st->lang, &e) != 1)
        return USSD_RESULT_FAILED;
    char when[32];
    event_when(env, st, &e, when, sizeof when);
    struct text_var vars[] = {
        {"title", e.title}, {"when", when}, {"place", e.place}, {"code", e.code}};
    if (queue_sms(db, env, ch, phone, m->id, st, "receipt", "sms_rsvp", vars, 4) != 0)
        return USSD_RESULT_FAILED;
    return USSD_RESULT_OK;
}

static int do_event_sms(struct db *db, const struct app_env *env, const struct channel_settings *ch,
                        const char *phone, int64_t member_id, struct ussd_state *st)
{
    struct ussd_event e;
    if (event_get(db, st->event_id, member_id, st->lang, &e) != 1)
        return -1;
    char when[32];
    event_when(env, st, &e, when, sizeof when);
    struct text_var vars[] = {
        {"title", e.title}, {"when", when}, {"place", e.place}, {"code", e.code}};
    return queue_sms(db, env, ch, phone, member_id, st, "receipt", "sms_event", vars, 4);
}

static int do_idea(struct db *db, const struct app_env *env, const struct channel_settings *ch,
                   const char *phone, const struct member *m, struct ussd_state *st)
{
    if (idea_insert(db, m->id, st->idea.sector, st->idea.title, st->idea.text, st->result_ref) != 0)
        return -1;
    struct text_var vars[] = {{"reference", st->result_ref}, {"title", st->idea.title}};
    if (queue_sms(db, env, ch, phone, m->id, st, "receipt", "sms_idea", vars, 2) != 0)
        return -1;
    return draft_delete(db, phone);
}

/* The member's answer to the consent question, recorded and audited as
 * the SMS answer is (app/agent), from their row as it is now. */
static int do_consent(struct db *db, const struct channel_settings *ch, const char *phone,
                      bool given)
{
    struct member now;
    if (member_find_by_phone(db, phone, &now) != 1)
        return -1;
    return agent_consent_answer(db, &now, given, "ussd", ch->name);
}

/* The saved draft as the state, or "busy" when it is gone. */
static void resume_draft(struct db *db, const struct app_env *env, const char *phone,
                         struct ussd_state *st)
{
    struct ussd_state saved;
    char flow[16];
    int rc = draft_load(db, phone, db_now() - env->draft_ttl_s, flow, &saved, sizeof saved);
    if (rc == 1 && saved.version == USSD_STATE_VERSION) {
        saved.error_key = NULL;
        *st = saved;
    } else {
        ussd_menu_effect_done(st, USSD_EFFECT_RESUME_DRAFT, USSD_RESULT_FAILED);
    }
}

void ussd_effect_perform(enum ussd_effect e, struct db *db, const struct app_env *env,
                         const struct channel_settings *ch, const char *phone,
                         const struct member *m, bool found, struct ussd_state *st)
{
    enum ussd_effect_result result = USSD_RESULT_OK;
    st->no_sms = false;
    bool member_needed = e != USSD_EFFECT_REGISTER && e != USSD_EFFECT_EVENT_SMS &&
                         e != USSD_EFFECT_RESUME_DRAFT && e != USSD_EFFECT_DISCARD_DRAFT;
    if (member_needed && !found) {
        ussd_menu_effect_done(st, e, USSD_RESULT_FAILED);
        return;
    }
    if (e == USSD_EFFECT_RESUME_DRAFT) {
        resume_draft(db, env, phone, st);
        return;
    }
    if (db_begin(db) != 0) {
        ussd_menu_effect_done(st, e, USSD_RESULT_FAILED);
        return;
    }
    int rc = 0;
    switch (e) {
    case USSD_EFFECT_NONE:
        break;
    case USSD_EFFECT_REGISTER:
        rc = do_register(db, env, ch, phone, st);
        break;
    case USSD_EFFECT_SET_LANGUAGE:
        rc = member_set_language(db, m->id, st->lang);
        break;
    case USSD_EFFECT_RSVP:
        result = do_rsvp(db, env, ch, phone, m, st);
        rc = result == USSD_RESULT_FAILED ? -1 : 0;
        break;
    case USSD_EFFECT_EVENT_SMS:
        rc = do_event_sms(db, env, ch, phone, found ? m->id : 0, st);
        break;
    case USSD_EFFECT_SUBMIT_IDEA:
        rc = do_idea(db, env, ch, phone, m, st);
        break;
    case USSD_EFFECT_SET_TOPIC:
        rc = st->topic >= 0 && st->topic < TOPIC_COUNT
                 ? member_topic_set(db, m->id, topic_codes[st->topic], st->topic_on)
                 : -1;
        break;
    case USSD_EFFECT_STOP_ALL:
    case USSD_EFFECT_START_ALL:
        rc = member_set_stopped(db, m->id, e == USSD_EFFECT_STOP_ALL);
        break;
    case USSD_EFFECT_ERASE:
        rc = member_erase(db, m->id);
        break;
    case USSD_EFFECT_DISCARD_DRAFT:
        rc = draft_delete(db, phone);
        break;
    case USSD_EFFECT_RESUME_DRAFT:
        break;
    case USSD_EFFECT_AGENT_REGISTER:
        result = do_agent_register(db, env, ch, phone, st);
        rc = result == USSD_RESULT_FAILED ? -1 : 0;
        break;
    case USSD_EFFECT_CONSENT_GIVE:
    case USSD_EFFECT_CONSENT_REFUSE:
        rc = do_consent(db, ch, phone, e == USSD_EFFECT_CONSENT_GIVE);
        break;
    }
    if (rc != 0 || db_commit(db) != 0) {
        db_rollback(db);
        result = USSD_RESULT_FAILED;
    }
    if (rc == 0 && e == USSD_EFFECT_ERASE) {
        char masked[MSISDN_MAX];
        msisdn_mask(phone, masked);
        log_debug("member_erased", "channel=%s phone=%s", ch->name, masked);
        log_summary_count(LOG_SUMMARY_ERASURES, ch->name, NULL);
    }
    ussd_menu_effect_done(st, e, result);
}
