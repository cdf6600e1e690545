/* ussd.c -- one step of a USSD session: restore the session
 * (app/ussd_session), answer a retransmission or a late copy as before, or
 * find the member, apply the newest input to the menu engine, perform its
 * effect in one committed transaction, render the next screen. */
#include "app/ussd.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/agent.h"
#include "core/gsm.h"
#include "core/msisdn.h"
#include "core/ussd_menu.h"
#include "store/db.h"
#include "store/drafts.h"
#include "store/events.h"
#include "store/grants.h"
#include "store/ideas.h"
#include "store/members.h"
#include "store/messages.h"
#include "store/sms_state.h"
#include "sys/log.h"
#include "sys/log_summary.h"
#include "sys/metrics.h"

/* ---- one step ---- */

/* What the data callbacks of one step need. */
struct step_ctx {
    sqlite3 *db;
    const struct member *member; /* NULL for an unknown number */
    const char *lang;
    bool db_failed;
};

static int64_t member_id_of(const struct step_ctx *c)
{
    return c->member ? c->member->id : 0;
}

static int data_coop_lookup(void *ctx, const char *code, int64_t *id, char *name, size_t namesz)
{
    struct step_ctx *c = ctx;
    struct cooperative coop;
    int rc = coop_find_by_code(c->db, code, &coop);
    if (rc == 1) {
        *id = coop.id;
        snprintf(name, namesz, "%s", coop.name);
    } else if (rc < 0) {
        c->db_failed = true;
    }
    return rc;
}

/* A number the caller, a contact person, types for a new member. */
static int data_phone_check(void *ctx, const char *e164)
{
    struct step_ctx *c = ctx;
    if (!c->member)
        return -1;
    int rc = agent_phone_check(c->db, c->member->phone, e164);
    c->db_failed |= rc < 0;
    return rc;
}

static int data_grants(void *ctx, struct ussd_grant *out, size_t max)
{
    struct step_ctx *c = ctx;
    if (!c->member)
        return 0;
    int n = grants_for_member(c->db, c->member->id, c->member->cooperative_id, c->lang, out, max);
    c->db_failed |= n < 0;
    return n;
}

static int data_grant_find(void *ctx, const char *ref, struct ussd_grant *out)
{
    struct step_ctx *c = ctx;
    if (!c->member)
        return 0;
    int n =
        grant_find_for_member(c->db, c->member->id, c->member->cooperative_id, ref, c->lang, out);
    c->db_failed |= n < 0;
    return n;
}

static int data_events(void *ctx, struct ussd_event *out, size_t max)
{
    struct step_ctx *c = ctx;
    int n = events_upcoming(c->db, db_now(), c->member ? c->member->province : "", member_id_of(c),
                            c->lang, out, max);
    c->db_failed |= n < 0;
    return n;
}

static int data_event_find(void *ctx, int64_t id, struct ussd_event *out)
{
    struct step_ctx *c = ctx;
    int n = event_get(c->db, id, member_id_of(c), c->lang, out);
    c->db_failed |= n < 0;
    return n;
}

static int data_topics(void *ctx, bool enabled[TOPIC_COUNT])
{
    struct step_ctx *c = ctx;
    if (!c->member) {
        for (int i = 0; i < TOPIC_COUNT; i++)
            enabled[i] = false;
        return 0;
    }
    int rc = member_topics_get(c->db, c->member->id, enabled);
    c->db_failed |= rc < 0;
    return rc;
}

static int current_year(void)
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm); /* the process runs in the programme's time zone */
    return tm.tm_year + 1900;
}

static void member_view(const struct member *m, bool found, char member_no[16],
                        struct ussd_member_view *v)
{
    bool registered = found && m->registered_at && !m->erased_at;
    if (registered)
        member_number(m->id, member_no);
    else
        member_no[0] = '\0';
    *v = (struct ussd_member_view){
        .registered = registered,
        .opted_out = registered && m->opted_out_at != 0,
        .name = registered ? m->name : "",
        .language = found ? m->language : "",
        .member_no = member_no,
        .cooperative_name = registered ? m->cooperative_name : "",
        .province = registered ? m->province : "",
        .sector = registered ? m->sector : "",
        .is_contact = registered && m->is_contact && m->cooperative_id != 0,
        .consent_awaited = registered && agent_consent_awaited(m),
    };
}

/* Queue one SMS built from catalog key tmpl_key in st's language, inside
 * the caller's transaction. A catalog without the text queues nothing.
 * Sets st->no_sms when no SMS will go (no text, or the send gate will hold
 * it: the last screen then promises none); the message is queued all the
 * same, and the gate records why it was held. */
static int queue_sms(sqlite3 *db, const struct app_env *env, const struct channel_settings *ch,
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
static int do_register(sqlite3 *db, const struct app_env *env, const struct channel_settings *ch,
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
static enum ussd_effect_result do_agent_register(sqlite3 *db, const struct app_env *env,
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
static enum ussd_effect_result do_rsvp(sqlite3 *db, const struct app_env *env,
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

static int do_event_sms(sqlite3 *db, const struct app_env *env, const struct channel_settings *ch,
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

static int do_idea(sqlite3 *db, const struct app_env *env, const struct channel_settings *ch,
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
static int do_consent(sqlite3 *db, const struct channel_settings *ch, const char *phone, bool given)
{
    struct member now;
    if (member_find_by_phone(db, phone, &now) != 1)
        return -1;
    return agent_consent_answer(db, &now, given, "ussd", ch->name);
}

/* The saved draft as the state, or "busy" when it is gone. */
static void resume_draft(sqlite3 *db, const struct app_env *env, const char *phone,
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

/* Perform an effect in one committed transaction and tell the engine how
 * it went. Nothing is answered before the commit. */
static void perform_effect(enum ussd_effect e, sqlite3 *db, const struct app_env *env,
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

static void build_env(const struct app_env *app, const struct channel_settings *ch,
                      const struct ussd_step *in, const struct ussd_data *data,
                      struct ussd_env *env)
{
    *env = (struct ussd_env){
        .texts = app->texts,
        .programme = app->programme,
        .languages = app->languages,
        .nlanguages = app->nlanguages,
        .provinces = app->provinces,
        .nprovinces = app->nprovinces,
        .sectors = app->sectors,
        .nsectors = app->nsectors,
        .limit = {.gsm7 = (size_t)ch->ussd_screen_max, .ucs2 = (size_t)ch->ussd_screen_max_ucs2},
        .current_year = current_year(),
        .min_age = app->min_age,
        .data = data,
        .ussd_code = in->service_code && *in->service_code ? in->service_code : ch->ussd_code,
    };
}

/* Replay a dial's pre-typed inputs ("*384*123*1*2#" arrives as text "1*2")
 * from the first screen: stop at the first input that is wrong or would
 * write anything, and show the screen reached before it (home when the
 * very first input is wrong). */
static void replay(struct ussd_state *st, const char *text, size_t len,
                   const struct ussd_member_view *v, const struct ussd_env *env)
{
    size_t i = 0;
    while (i <= len) {
        size_t j = i;
        while (j < len && text[j] != '*')
            j++;
        struct ussd_state before = *st;
        enum ussd_effect e = ussd_menu_input(st, text + i, j - i, v, env);
        if (e != USSD_EFFECT_NONE || st->error_key || st->screen >= USSD_SCR_FIRST_END) {
            *st = before;
            st->error_key = NULL;
            return;
        }
        i = j + 1;
    }
}

/* The newest input of a known session: what follows the previous text and
 * a '*'. Providers that send only the newest input are handled too. */
static void newest_input(const struct ussd_session *s, const char *text, size_t len,
                         const char **in, size_t *inlen)
{
    size_t prev = s->text_len;
    if (!s->text_overflow && prev == 0) {
        *in = text;
        *inlen = len;
    } else if (!s->text_overflow && len > prev && memcmp(text, s->text, prev) == 0 &&
               text[prev] == '*') {
        *in = text + prev + 1;
        *inlen = len - prev - 1;
    } else {
        const char *star = NULL;
        for (size_t k = len; k > 0 && !star; k--)
            if (text[k - 1] == '*')
                star = text + k - 1;
        *in = star ? star + 1 : text;
        *inlen = len - (size_t)(*in - text);
    }
}

/* A draft saved (flow set) or deleted, as a job of a group commit. */
struct draft_job {
    const char *phone, *flow;
    const struct ussd_state *state;
};

static int draft_job_run(sqlite3 *db, void *arg)
{
    const struct draft_job *j = arg;
    return j->flow ? draft_save(db, j->phone, j->flow, j->state, sizeof *j->state)
                   : draft_delete(db, j->phone);
}

/* Keep the draft of an unfinished flow in step with the session: saved
 * while a registration or idea is under way (so a dropped session can be
 * continued on the next dial), deleted when it ends. Through group commit
 * like the end notices: the process's writers then take turns (store/db)
 * instead of meeting in SQLite's busy handler, whose sleeps made the USSD
 * tail. */
static void keep_draft(const char *phone, enum ussd_flow before, const struct ussd_state *st)
{
    enum ussd_flow now = ussd_menu_flow(st);
    bool save = now != USSD_FLOW_NONE;
    if (!save && !(before != USSD_FLOW_NONE && st->screen >= USSD_SCR_FIRST_END))
        return;
    struct ussd_state copy = *st;
    copy.error_key = NULL;
    struct draft_job job = {phone, save ? (now == USSD_FLOW_IDEA ? "idea" : "register") : NULL,
                            &copy};
    if (db_group_write(draft_job_run, &job) != 0)
        log_collapsed(LOG_WARN, save ? "draft_not_saved" : "draft_not_deleted",
                      LOG_COLLAPSE_INTERVAL_MS, save ? "draft_not_saved" : "draft_not_deleted",
                      "reason=database");
}

/* A new session with no pre-typed input: offer a recent draft, if any. */
static void offer_draft(sqlite3 *db, const struct app_env *app, const char *phone,
                        const struct ussd_member_view *view, struct ussd_state *st)
{
    struct ussd_state saved;
    char flow[16];
    if (draft_load(db, phone, db_now() - app->draft_ttl_s, flow, &saved, sizeof saved) != 1 ||
        saved.version != USSD_STATE_VERSION)
        return;
    bool idea = strcmp(flow, "idea") == 0;
    if (idea != view->registered || view->consent_awaited)
        return; /* an idea draft needs a member; a registration draft needs a stranger;
                 * a member owing the consent answer is asked that first */
    ussd_menu_offer_resume(st, idea ? USSD_FLOW_IDEA : USSD_FLOW_REGISTER, saved.lang);
}

/* Everything one step works with; the engine's callbacks point into it. */
struct step {
    const struct app_env *app;
    const struct channel_settings *ch;
    const struct ussd_step *in;
    sqlite3 *db;
    char phone[MSISDN_MAX];
    struct member m;
    int found;
    char member_no[16];
    struct ussd_member_view view;
    struct step_ctx ctx;
    struct ussd_data data;
    struct ussd_env env;
};

/* Look the caller up (again, after an effect): 0, or -1 (database). The
 * step's reads share one read transaction (store/db), begun here and again
 * before rendering when a write ended it; ussd_handle ends it. */
static int step_lookup(struct step *p)
{
    db_read_begin(p->db);
    int found = member_find_by_phone(p->db, p->phone, &p->m);
    if (found < 0)
        return -1;
    p->found = found;
    member_view(&p->m, found == 1, p->member_no, &p->view);
    p->ctx.member = p->view.registered ? &p->m : NULL;
    return 0;
}

/* Prepare the engine's data and env, and find the member: 0, or -1. */
static int step_begin(struct step *p)
{
    p->ctx = (struct step_ctx){.db = p->db};
    p->data = (struct ussd_data){.grants = data_grants,
                                 .grant_find = data_grant_find,
                                 .events = data_events,
                                 .event_find = data_event_find,
                                 .topics = data_topics,
                                 .coop_lookup = data_coop_lookup,
                                 .phone_check = data_phone_check,
                                 .ctx = &p->ctx};
    build_env(p->app, p->ch, p->in, &p->data, &p->env);
    return step_lookup(p);
}

static void set_lang(struct step *p, const struct ussd_state *st)
{
    p->ctx.lang = st->lang[0] ? st->lang : p->app->default_language;
}

/* The first step of a session: its first screen, or the screen its
 * pre-typed inputs reach, or the offer of a recent draft. */
static void step_start(struct step *p, struct ussd_session *s)
{
    snprintf(s->phone, sizeof s->phone, "%s", p->phone);
    ussd_menu_start(&s->state, &p->view, &p->env);
    set_lang(p, &s->state);
    if (p->in->text_len == 0) {
        offer_draft(p->db, p->app, p->phone, &p->view, &s->state);
        return;
    }
    replay(&s->state, p->in->text, p->in->text_len, &p->view, &p->env);
    set_lang(p, &s->state);
    if (p->ctx.db_failed)
        ussd_menu_effect_done(&s->state, USSD_EFFECT_NONE, USSD_RESULT_FAILED);
    else
        keep_draft(p->phone, USSD_FLOW_NONE, &s->state);
}

/* A new input of a live session: the engine moves, its effect is
 * performed and committed, the draft kept in step. */
static void step_input(struct step *p, struct ussd_session *s)
{
    enum ussd_flow flow_before = ussd_menu_flow(&s->state);
    set_lang(p, &s->state);
    const char *in;
    size_t inlen;
    newest_input(s, p->in->text, p->in->text_len, &in, &inlen);
    enum ussd_effect effect = ussd_menu_input(&s->state, in, inlen, &p->view, &p->env);
    if (effect != USSD_EFFECT_NONE)
        perform_effect(effect, p->db, p->app, p->ch, p->phone, &p->m, p->found == 1, &s->state);
    if (effect != USSD_EFFECT_NONE || p->ctx.db_failed) {
        /* The member's data changed: look again before rendering. */
        if (step_lookup(p) != 0)
            p->ctx.db_failed = true;
    }
    set_lang(p, &s->state);
    if (p->ctx.db_failed)
        ussd_menu_effect_done(&s->state, USSD_EFFECT_NONE, USSD_RESULT_FAILED);
    else
        keep_draft(p->phone, flow_before, &s->state);
}

/* Render st; a catalog text too long for this channel shortens the whole
 * screen rather than fail the member (taawund -n reports it). */
static void step_render(struct step *p, const struct ussd_state *st, char *screen, size_t screensz,
                        bool *end)
{
    db_read_begin(p->db);
    if (ussd_menu_render(st, &p->view, &p->env, screen, screensz, end) >= 0)
        return;
    char full[SCREEN_BYTES_MAX * 2];
    struct ussd_state copy = *st;
    copy.error_key = NULL;
    struct ussd_env wide = p->env;
    wide.limit = (struct screen_limit){SCREEN_BYTES_MAX, SCREEN_BYTES_MAX};
    if (ussd_menu_render(&copy, &p->view, &wide, full, sizeof full, end) < 0)
        snprintf(full, sizeof full, "%s", "...");
    struct text_measure tm;
    size_t max = (size_t)p->ch->ussd_screen_max;
    if (text_measure(full, strlen(full), &tm) == 0 && tm.encoding == TEXT_UCS2)
        max = (size_t)p->ch->ussd_screen_max_ucs2;
    if (screen_ellipsize(full, strlen(full), tm.encoding, max, screen, screensz) < 0)
        snprintf(screen, screensz, "%s", "...");
    /* Every member who reaches this screen meets it: once per screen and
     * language per interval. */
    char key[LOG_COLLAPSE_KEY_MAX];
    snprintf(key, sizeof key, "ussd_screen_too_long:%s:%s", ussd_menu_screen_name(st->screen),
             st->lang);
    log_collapsed(LOG_WARN, key, LOG_COLLAPSE_INTERVAL_MS, "ussd_screen_too_long",
                  "channel=%s screen=%s lang=%s", p->ch->name, ussd_menu_screen_name(st->screen),
                  st->lang);
}

/* A step of session s (claimed; known: it was live). Sets *keep when s is
 * to be stored. A retransmission or a late copy of an earlier step gets
 * the answer it got then, and nothing changes. */
static enum ussd_result step_run(struct step *p, struct ussd_session *s, bool known, char *screen,
                                 size_t screensz, bool *end, bool *keep)
{
    const char *text = p->in->text;
    size_t len = p->in->text_len;
    *keep = known; /* as it was, unless the step goes through */
    known = known && strcmp(s->phone, p->phone) == 0;
    const struct ussd_answer *a = known ? ussd_session_answer_of(s, text, len) : NULL;
    if (a) {
        snprintf(screen, screensz, "%.*s", (int)a->length, s->arena + a->offset);
        *end = a->end;
        return USSD_OK;
    }
    if (step_begin(p) != 0)
        return USSD_UNAVAILABLE;
    if (known && ussd_session_is_late(s, text, len)) {
        struct ussd_state now = s->state; /* its answer is no longer kept */
        now.error_key = NULL;
        set_lang(p, &now);
        step_render(p, &now, screen, screensz, end);
        return USSD_OK;
    }
    if (!known || s->closed) {
        /* A new session (or a new dial reusing an ended session's id). */
        char key[USSD_SESSION_KEY_MAX];
        snprintf(key, sizeof key, "%s", s->key);
        memset(s, 0, sizeof *s);
        snprintf(s->key, sizeof s->key, "%s", key);
        step_start(p, s);
    } else {
        step_input(p, s);
    }
    s->last_seen = time(NULL);
    step_render(p, &s->state, screen, screensz, end);
    ussd_session_answer_add(s, text, len, screen, *end);
    s->closed = *end;
    *keep = true;
    return USSD_OK;
}

/* No room for a new session: refuse it politely, keep nothing. */
static enum ussd_result step_refuse(struct step *p, char *screen, size_t screensz, bool *end)
{
    if (step_begin(p) != 0)
        return USSD_UNAVAILABLE;
    struct ussd_state st;
    ussd_menu_start(&st, &p->view, &p->env);
    set_lang(p, &st);
    st.screen = USSD_SCR_END_BUSY;
    step_render(p, &st, screen, screensz, end);
    return USSD_OK;
}

enum ussd_result ussd_handle(struct ussd_sessions *t, const struct app_env *app,
                             const struct channel_settings *ch, const struct ussd_step *in,
                             char *screen, size_t screensz, bool *end)
{
    struct step *p = calloc(1, sizeof *p);
    struct ussd_session *s = malloc(sizeof *s);
    enum ussd_result r = USSD_UNAVAILABLE;
    if (!p || !s)
        goto out;
    *p = (struct step){.app = app, .ch = ch, .in = in, .db = db_thread()};
    r = USSD_BAD_PHONE;
    if (msisdn_normalize(in->phone_raw, strlen(in->phone_raw), p->phone) != MSISDN_OK)
        goto out;
    r = USSD_UNAVAILABLE;
    if (!p->db)
        goto out;
    char key[USSD_SESSION_KEY_MAX];
    snprintf(key, sizeof key, "%s\x1f%s", ch->name, in->session_id);
    enum ussd_claim claim = ussd_session_claim(t, key, time(NULL), s);
    if (claim == USSD_CLAIM_FULL) {
        log_collapsed(LOG_WARN, "ussd_sessions_full", LOG_COLLAPSE_INTERVAL_MS,
                      "ussd_sessions_full", "channel=%s", ch->name);
        metrics_inc(METRICS_USSD_SESSIONS_REFUSED, (const char *const[]){ch->name});
        log_summary_count(LOG_SUMMARY_USSD_REFUSED, ch->name, NULL);
        r = step_refuse(p, screen, screensz, end);
    } else {
        bool keep;
        r = step_run(p, s, claim == USSD_CLAIM_KNOWN, screen, screensz, end, &keep);
        ussd_session_release(t, s, keep);
    }
    if (r == USSD_OK) {
        char masked[MSISDN_MAX];
        msisdn_mask(p->phone, masked);
        log_debug("ussd_step", "channel=%s phone=%s screen=%s end=%d", ch->name, masked,
                  claim == USSD_CLAIM_FULL ? "busy" : ussd_menu_screen_name(s->state.screen),
                  *end ? 1 : 0);
        log_summary_count(LOG_SUMMARY_USSD_STEPS, ch->name, NULL);
        if (claim == USSD_CLAIM_NEW)
            log_summary_count(LOG_SUMMARY_USSD_SESSIONS, ch->name, NULL);
    }
out:
    db_read_end();
    free(p);
    free(s);
    return r;
}

/* A provider's end-of-session notice as a job of a group commit (see
 * db_group_write): the notices of sessions ending at the same moment share
 * one commit instead of one each on the single writer. */
struct end_job {
    const char *channel, *session_id, *phone, *status;
    long duration_ms;
    const char *input, *error;
};

static int end_job_run(sqlite3 *db, void *arg)
{
    const struct end_job *j = arg;
    return ussd_end_store(db, j->channel, j->session_id, j->phone, j->status, j->duration_ms,
                          j->input, j->error);
}

int ussd_end_notice(struct ussd_sessions *t, const struct channel_settings *ch,
                    const char *session_id, const char *phone_raw, const char *status,
                    long duration_ms, const char *input, const char *error)
{
    char phone[MSISDN_MAX] = "";
    if (phone_raw && *phone_raw &&
        msisdn_normalize(phone_raw, strlen(phone_raw), phone) != MSISDN_OK)
        phone[0] = '\0';
    sqlite3 *db = db_thread();
    if (!db)
        return -1;
    /* The session is over on the handset: it takes no new input here either
     * (late copies of its steps still get their answers until it expires).
     * Its draft, if a registration or an idea was under way, was saved at
     * its last step. */
    char key[USSD_SESSION_KEY_MAX];
    snprintf(key, sizeof key, "%s\x1f%s", ch->name, session_id);
    ussd_session_close(t, key);
    struct end_job job = {ch->name, session_id, phone, status, duration_ms, input, error};
    if (db_group_write(end_job_run, &job) != 0)
        return -1;
    char masked[MSISDN_MAX];
    msisdn_mask(phone, masked);
    char q[64];
    log_debug("ussd_session_end", "channel=%s phone=%s status=%s", ch->name, masked,
              log_quote(status ? status : "", q, sizeof q));
    log_summary_count(LOG_SUMMARY_USSD_ENDS, ch->name, NULL);
    return 0;
}
