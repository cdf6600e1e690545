/* ussd.c -- one step of a USSD session: restore the session
 * (app/ussd_session), answer a retransmission or a late copy as before, or
 * find the member, apply the newest input to the menu engine, perform its
 * effect in one committed transaction (app/ussd_effect), render the next
 * screen; the menus read through app/ussd_data. */
#include "app/ussd.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/ussd_data.h"
#include "app/ussd_effect.h"
#include "core/gsm.h"
#include "core/msisdn.h"
#include "core/ussd_menu.h"
#include "store/db.h"
#include "store/db_group.h"
#include "store/db_version.h"
#include "store/drafts.h"
#include "store/members.h"
#include "sys/log.h"
#include "sys/log_summary.h"
#include "sys/metrics.h"

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

static int draft_job_run(struct db *db, void *arg)
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
static void offer_draft(struct db *db, const struct app_env *app, const char *phone,
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
    struct db *db;
    char phone[MSISDN_MAX];
    struct member m;
    int found;
    char member_no[16];
    struct ussd_member_view view;
    struct ussd_reads ctx;
    struct ussd_data data;
    struct ussd_env env;
    uint64_t version; /* store/db_version's, read before the member was (0: unknown) */
};

/* Look the caller up (again, after an effect): 0, or -1 (database). The
 * step's reads share one read transaction (store/db), begun here and again
 * before rendering when a write ended it; ussd_handle ends it. */
static int step_lookup(struct step *p)
{
    p->version = db_member_data_version(); /* before the snapshot: never newer */
    db_read_begin(p->db);
    int found = member_find_by_phone(p->db, p->phone, &p->m);
    if (found < 0)
        return -1;
    p->found = found;
    ussd_member_view(&p->m, found == 1, p->member_no, &p->view);
    ussd_reads_member(&p->ctx, p->view.registered ? &p->m : NULL);
    return 0;
}

/* The member (and their grants) as a previous step of this session read
 * them, when nothing they came from has changed since (store/db_version):
 * the step reads the database only for what it needs beyond them, and a
 * step that needs nothing more takes no read transaction at all. */
static bool step_reuse(struct step *p, const struct ussd_kept_reads *k)
{
    if (!k->version || k->version != db_member_data_version())
        return false;
    p->version = k->version;
    p->found = k->found;
    if (k->found)
        p->m = k->member;
    ussd_member_view(&p->m, k->found, p->member_no, &p->view);
    ussd_reads_member(&p->ctx, p->view.registered ? &p->m : NULL);
    if (k->ngrants >= 0 && p->view.registered)
        ussd_reads_grants(&p->ctx, k->grants, k->ngrants, k->grants_lang);
    return true;
}

/* Keep what this step read for the session's next step (nothing after a
 * failed read). */
static void step_keep(const struct step *p, struct ussd_kept_reads *k)
{
    k->version = p->ctx.db_failed || p->found < 0 ? 0 : p->version;
    if (!k->version)
        return;
    k->found = p->found == 1;
    if (k->found)
        k->member = p->m;
    k->ngrants = ussd_reads_grants_read(&p->ctx, k->grants, k->grants_lang);
}

/* Prepare the engine's data and env, and find the member (kept: what the
 * session's previous step read, or NULL): 0, or -1. */
static int step_begin(struct step *p, const struct ussd_kept_reads *kept)
{
    p->ctx = (struct ussd_reads){.db = p->db};
    ussd_data_bind(&p->ctx, &p->data);
    ussd_env_build(p->app, p->ch, p->in, &p->data, &p->env);
    if (kept && step_reuse(p, kept))
        return 0;
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
        ussd_effect_perform(effect, p->db, p->app, p->ch, p->phone, &p->m, p->found == 1,
                            &s->state);
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
    if (step_begin(p, known ? &s->reads : NULL) != 0)
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
        memset(s, 0, offsetof(struct ussd_session, reads));
        snprintf(s->key, sizeof s->key, "%s", key);
        step_start(p, s);
    } else {
        step_input(p, s);
    }
    s->last_seen = time(NULL);
    step_render(p, &s->state, screen, screensz, end);
    ussd_session_answer_add(s, text, len, screen, *end);
    s->closed = *end;
    step_keep(p, &s->reads);
    *keep = true;
    return USSD_OK;
}

/* No room for a new session: refuse it politely, keep nothing. */
static enum ussd_result step_refuse(struct step *p, char *screen, size_t screensz, bool *end)
{
    if (step_begin(p, NULL) != 0)
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
    /* A step runs on one thread from start to end: its working memory is
     * the thread's, not allocated per step. */
    static _Thread_local struct step step_mem;
    static _Thread_local struct ussd_session session_mem;
    struct step *p = &step_mem;
    struct ussd_session *s = &session_mem;
    enum ussd_result r = USSD_BAD_PHONE;
    *p = (struct step){.app = app, .ch = ch, .in = in, .db = db_thread()};
    if (msisdn_normalize(in->phone_raw, strlen(in->phone_raw), p->phone) != MSISDN_OK)
        goto out;
    r = USSD_UNAVAILABLE;
    if (!p->db)
        goto out;
    char key[USSD_SESSION_KEY_MAX];
    snprintf(key, sizeof key, "%s\x1f%s", ch->name, in->session_id);
    enum ussd_claim claim = ussd_session_claim(t, key, time(NULL), s);
    if (claim == USSD_CLAIM_UNAVAILABLE)
        goto out;
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
    return r;
}

void ussd_end_prepare(struct ussd_sessions *t, const struct channel_settings *ch,
                      const struct channel_event *ev, struct ussd_end *e)
{
    *e = (struct ussd_end){.channel = ch->name,
                           .session_id = ev->session_id ? ev->session_id : "",
                           .status = ev->status ? ev->status : "",
                           .error = ev->error_code ? ev->error_code : "",
                           .input = ev->text ? ev->text : "",
                           .duration_ms = ev->duration_ms};
    const char *raw = ev->from_raw ? ev->from_raw : "";
    if (*raw && msisdn_normalize(raw, strlen(raw), e->phone) != MSISDN_OK)
        e->phone[0] = '\0';
    char key[USSD_SESSION_KEY_MAX];
    snprintf(key, sizeof key, "%s\x1f%s", ch->name, e->session_id);
    ussd_session_close(t, key);
}

int ussd_end_run(struct db *db, const struct ussd_end *e)
{
    return ussd_end_store(db, e->channel, e->session_id, e->phone, e->status, e->duration_ms,
                          e->input, e->error);
}

void ussd_end_logged(const struct ussd_end *e)
{
    char masked[MSISDN_MAX], q[64];
    msisdn_mask(e->phone, masked);
    log_debug("ussd_session_end", "channel=%s phone=%s status=%s", e->channel, masked,
              log_quote(e->status, q, sizeof q));
    log_summary_count(LOG_SUMMARY_USSD_ENDS, e->channel, NULL);
}
