/* ussd.c -- live USSD sessions and one step of a session: find the member,
 * restore the session, apply the newest input to the menu engine, perform
 * its effect in one committed transaction, render the next screen. */
#include "app/ussd.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/gsm.h"
#include "core/hash.h"
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

#define SESSION_TEXT_MAX 512 /* longest `*`-joined text we keep to diff against */
#define SESSION_KEY_MAX (CHANNEL_NAME_MAX + USSD_SESSION_ID_MAX + 2)

struct session {
    struct session *next;
    char key[SESSION_KEY_MAX];
    uint64_t hash;
    char phone[MSISDN_MAX];
    char text[SESSION_TEXT_MAX]; /* the provider's text at the last step */
    bool text_overflow;
    time_t last_seen;
    struct ussd_state state;
};

#define SESSION_STRIPES 64 /* locks over the buckets, so threads rarely wait */

struct ussd_sessions {
    pthread_mutex_t locks[SESSION_STRIPES];
    struct session **buckets;
    size_t nbuckets; /* power of two, a multiple of SESSION_STRIPES */
    _Atomic size_t count;
    _Atomic size_t max_sessions;
    _Atomic int ttl_s;
    _Atomic size_t sweep_cursor; /* next bucket of the incremental sweep */
};

#define SWEEP_BUCKETS_PER_INSERT 8

static pthread_mutex_t *stripe_of(struct ussd_sessions *t, size_t bucket)
{
    return &t->locks[bucket % SESSION_STRIPES];
}

struct ussd_sessions *ussd_sessions_new(size_t max_sessions, int ttl_s)
{
    struct ussd_sessions *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    size_t n = 1024;
    while (n < max_sessions && n < (1u << 20))
        n <<= 1;
    t->buckets = calloc(n, sizeof *t->buckets);
    if (!t->buckets) {
        free(t);
        return NULL;
    }
    t->nbuckets = n;
    atomic_store(&t->max_sessions, max_sessions);
    atomic_store(&t->ttl_s, ttl_s);
    for (size_t i = 0; i < SESSION_STRIPES; i++)
        pthread_mutex_init(&t->locks[i], NULL);
    return t;
}

void ussd_sessions_free(struct ussd_sessions *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nbuckets; i++) {
        struct session *s = t->buckets[i];
        while (s) {
            struct session *next = s->next;
            free(s);
            s = next;
        }
    }
    for (size_t i = 0; i < SESSION_STRIPES; i++)
        pthread_mutex_destroy(&t->locks[i]);
    free(t->buckets);
    free(t);
}

void ussd_sessions_configure(struct ussd_sessions *t, size_t max_sessions, int ttl_s)
{
    atomic_store(&t->max_sessions, max_sessions);
    atomic_store(&t->ttl_s, ttl_s);
}

/* Drop every expired session, stripe by stripe. */
static void sweep(struct ussd_sessions *t, time_t now)
{
    int ttl = atomic_load(&t->ttl_s);
    for (size_t stripe = 0; stripe < SESSION_STRIPES; stripe++) {
        pthread_mutex_lock(&t->locks[stripe]);
        for (size_t i = stripe; i < t->nbuckets; i += SESSION_STRIPES) {
            struct session **pp = &t->buckets[i];
            while (*pp) {
                struct session *s = *pp;
                if (now - s->last_seen > ttl) {
                    *pp = s->next;
                    free(s);
                    atomic_fetch_sub(&t->count, 1);
                } else {
                    pp = &s->next;
                }
            }
        }
        pthread_mutex_unlock(&t->locks[stripe]);
    }
}

size_t ussd_sessions_count(struct ussd_sessions *t)
{
    sweep(t, time(NULL));
    return atomic_load(&t->count);
}

/* Copy out the live session for key, if any. Returns true when found. */
static bool session_get(struct ussd_sessions *t, const char *key, time_t now, struct session *out)
{
    uint64_t h = hash_string(key);
    size_t b = h & (t->nbuckets - 1);
    int ttl = atomic_load(&t->ttl_s);
    bool found = false;
    pthread_mutex_lock(stripe_of(t, b));
    struct session **pp = &t->buckets[b];
    while (*pp) {
        struct session *s = *pp;
        if (s->hash == h && strcmp(s->key, key) == 0) {
            if (now - s->last_seen > ttl) {
                *pp = s->next;
                free(s);
                atomic_fetch_sub(&t->count, 1);
            } else {
                *out = *s;
                found = true;
            }
            break;
        }
        pp = &s->next;
    }
    pthread_mutex_unlock(stripe_of(t, b));
    return found;
}

/* Drop expired sessions from the next few buckets: every new session pays
 * for a little sweeping, so abandoned sessions (a member who hangs up on a
 * CON screen) leave memory soon after their expiry without a full sweep. */
static void sweep_some(struct ussd_sessions *t, time_t now)
{
    int ttl = atomic_load(&t->ttl_s);
    size_t start = atomic_fetch_add(&t->sweep_cursor, SWEEP_BUCKETS_PER_INSERT);
    for (size_t k = 0; k < SWEEP_BUCKETS_PER_INSERT; k++) {
        size_t b = (start + k) & (t->nbuckets - 1);
        pthread_mutex_lock(stripe_of(t, b));
        struct session **pp = &t->buckets[b];
        while (*pp) {
            struct session *s = *pp;
            if (now - s->last_seen > ttl) {
                *pp = s->next;
                free(s);
                atomic_fetch_sub(&t->count, 1);
            } else {
                pp = &s->next;
            }
        }
        pthread_mutex_unlock(stripe_of(t, b));
    }
}

/* Store (insert or replace) a session. Returns false when the table is full
 * of live sessions and this one is new. */
static bool session_put(struct ussd_sessions *t, const struct session *in, time_t now)
{
    uint64_t h = hash_string(in->key);
    size_t b = h & (t->nbuckets - 1);
    pthread_mutex_t *lock = stripe_of(t, b);
    pthread_mutex_lock(lock);
    for (struct session *s = t->buckets[b]; s; s = s->next) {
        if (s->hash == h && strcmp(s->key, in->key) == 0) {
            struct session *next = s->next;
            *s = *in;
            s->hash = h;
            s->next = next;
            pthread_mutex_unlock(lock);
            return true;
        }
    }
    pthread_mutex_unlock(lock);
    sweep_some(t, now);
    if (atomic_load(&t->count) >= atomic_load(&t->max_sessions)) {
        sweep(t, now);
        if (atomic_load(&t->count) >= atomic_load(&t->max_sessions))
            return false;
    }
    struct session *s = malloc(sizeof *s);
    if (!s)
        return false;
    *s = *in;
    s->hash = h;
    pthread_mutex_lock(lock);
    s->next = t->buckets[b];
    t->buckets[b] = s;
    atomic_fetch_add(&t->count, 1);
    pthread_mutex_unlock(lock);
    return true;
}

static void session_delete(struct ussd_sessions *t, const char *key)
{
    uint64_t h = hash_string(key);
    size_t b = h & (t->nbuckets - 1);
    pthread_mutex_lock(stripe_of(t, b));
    struct session **pp = &t->buckets[b];
    while (*pp) {
        struct session *s = *pp;
        if (s->hash == h && strcmp(s->key, key) == 0) {
            *pp = s->next;
            free(s);
            atomic_fetch_sub(&t->count, 1);
            break;
        }
        pp = &s->next;
    }
    pthread_mutex_unlock(stripe_of(t, b));
}

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
    };
}

/* Queue one SMS built from catalog key tmpl_key in lang, inside the
 * caller's transaction. A catalog without the text queues nothing. */
static int queue_sms(sqlite3 *db, const struct app_env *env, const struct channel_settings *ch,
                     const char *phone, int64_t member_id, const char *lang, const char *kind,
                     const char *tmpl_key, const struct text_var *vars, size_t nvars)
{
    const char *tmpl = catalog_set_get(env->texts, lang, tmpl_key, NULL);
    if (!tmpl)
        return 0;
    char body[800];
    if (text_format(tmpl, vars, nvars, body, sizeof body) < 0)
        return -1;
    struct message_new msg = {.channel = ch->name,
                              .phone = phone,
                              .member_id = member_id,
                              .kind = kind,
                              .body = body,
                              .priority = 10};
    return message_queue(db, &msg, NULL);
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
    if (queue_sms(db, env, ch, phone, id, st->lang, "receipt", "sms_registered", vars, 2) != 0 ||
        draft_delete(db, phone) != 0)
        return -1;
    char masked[MSISDN_MAX];
    msisdn_mask(phone, masked);
    log_info("member_registered", "channel=%s phone=%s member=%s", ch->name, masked, member_no);
    return 0;
}

static void event_when(const struct ussd_event *e, char *out, size_t outsz)
{
    snprintf(out, outsz, "%02d/%02d %02d:%02d", e->day % 100, e->month % 100, e->hour % 100,
             e->minute % 100);
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
    event_when(&e, when, sizeof when);
    struct text_var vars[] = {
        {"title", e.title}, {"when", when}, {"place", e.place}, {"code", e.code}};
    if (queue_sms(db, env, ch, phone, m->id, st->lang, "receipt", "sms_rsvp", vars, 4) != 0)
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
    event_when(&e, when, sizeof when);
    struct text_var vars[] = {
        {"title", e.title}, {"when", when}, {"place", e.place}, {"code", e.code}};
    return queue_sms(db, env, ch, phone, member_id, st->lang, "receipt", "sms_event", vars, 4);
}

static int do_idea(sqlite3 *db, const struct app_env *env, const struct channel_settings *ch,
                   const char *phone, const struct member *m, struct ussd_state *st)
{
    if (idea_insert(db, m->id, st->idea.sector, st->idea.title, st->idea.text, st->result_ref) != 0)
        return -1;
    struct text_var vars[] = {{"reference", st->result_ref}, {"title", st->idea.title}};
    if (queue_sms(db, env, ch, phone, m->id, st->lang, "receipt", "sms_idea", vars, 2) != 0)
        return -1;
    return draft_delete(db, phone);
}

/* Perform an effect in one committed transaction and tell the engine how
 * it went. Nothing is answered before the commit. */
static void perform_effect(enum ussd_effect e, sqlite3 *db, const struct app_env *env,
                           const struct channel_settings *ch, const char *phone,
                           const struct member *m, bool found, struct ussd_state *st)
{
    enum ussd_effect_result result = USSD_RESULT_OK;
    bool member_needed = e != USSD_EFFECT_REGISTER && e != USSD_EFFECT_EVENT_SMS &&
                         e != USSD_EFFECT_RESUME_DRAFT && e != USSD_EFFECT_DISCARD_DRAFT;
    if (member_needed && !found) {
        ussd_menu_effect_done(st, e, USSD_RESULT_FAILED);
        return;
    }
    if (e == USSD_EFFECT_RESUME_DRAFT) {
        struct ussd_state saved;
        char flow[16];
        int rc = draft_load(db, phone, db_now() - env->draft_ttl_s, flow, &saved, sizeof saved);
        if (rc == 1 && saved.version == USSD_STATE_VERSION) {
            saved.error_key = NULL;
            *st = saved;
        } else {
            ussd_menu_effect_done(st, e, USSD_RESULT_FAILED);
        }
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
    }
    if (rc != 0 || db_commit(db) != 0) {
        db_rollback(db);
        result = USSD_RESULT_FAILED;
    }
    if (rc == 0 && e == USSD_EFFECT_ERASE) {
        char masked[MSISDN_MAX];
        msisdn_mask(phone, masked);
        log_info("member_erased", "channel=%s phone=%s", ch->name, masked);
    }
    ussd_menu_effect_done(st, e, result);
}

static void build_env(const struct app_env *app, const struct channel_settings *ch,
                      const struct ussd_data *data, struct ussd_env *env)
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
static void newest_input(const struct session *s, const char *text, size_t len, const char **in,
                         size_t *inlen)
{
    size_t prev = strlen(s->text);
    if (!s->text_overflow && prev == 0) {
        *in = text;
        *inlen = len;
    } else if (!s->text_overflow && len > prev && memcmp(text, s->text, prev) == 0 &&
               text[prev] == '*') {
        *in = text + prev + 1;
        *inlen = len - prev - 1;
    } else if (!s->text_overflow && len == prev && memcmp(text, s->text, prev) == 0) {
        *in = ""; /* same text again: an empty input */
        *inlen = 0;
    } else {
        const char *star = NULL;
        for (size_t k = len; k > 0 && !star; k--)
            if (text[k - 1] == '*')
                star = text + k - 1;
        *in = star ? star + 1 : text;
        *inlen = len - (size_t)(*in - text);
    }
}

/* Keep the draft of an unfinished flow in step with the session: saved
 * while a registration or idea is under way (so a dropped session can be
 * continued on the next dial), deleted when it ends. */
static void keep_draft(sqlite3 *db, const char *phone, enum ussd_flow before,
                       const struct ussd_state *st)
{
    enum ussd_flow now = ussd_menu_flow(st);
    if (now != USSD_FLOW_NONE) {
        struct ussd_state copy = *st;
        copy.error_key = NULL;
        if (draft_save(db, phone, now == USSD_FLOW_IDEA ? "idea" : "register", &copy,
                       sizeof copy) != 0)
            log_warn("draft_not_saved", "reason=database");
    } else if (before != USSD_FLOW_NONE && st->screen >= USSD_SCR_FIRST_END) {
        if (draft_delete(db, phone) != 0)
            log_warn("draft_not_deleted", "reason=database");
    }
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
    if (idea != view->registered)
        return; /* an idea draft needs a member; a registration draft needs a stranger */
    ussd_menu_offer_resume(st, idea ? USSD_FLOW_IDEA : USSD_FLOW_REGISTER, saved.lang);
}

enum ussd_result ussd_handle(struct ussd_sessions *t, const struct app_env *app,
                             const struct channel_settings *ch, const struct ussd_step *step,
                             char *screen, size_t screensz, bool *end)
{
    char phone[MSISDN_MAX];
    if (msisdn_normalize(step->phone_raw, strlen(step->phone_raw), phone) != MSISDN_OK)
        return USSD_BAD_PHONE;
    sqlite3 *db = db_thread();
    if (!db)
        return USSD_UNAVAILABLE;

    struct member m;
    int found = member_find_by_phone(db, phone, &m);
    if (found < 0)
        return USSD_UNAVAILABLE;
    char member_no[16];
    struct ussd_member_view view;
    member_view(&m, found == 1, member_no, &view);

    struct session *s = malloc(sizeof *s);
    if (!s)
        return USSD_UNAVAILABLE;
    time_t now = time(NULL);
    memset(s, 0, sizeof *s);
    snprintf(s->key, sizeof s->key, "%s\x1f%s", ch->name, step->session_id);
    bool known = session_get(t, s->key, now, s) && strcmp(s->phone, phone) == 0;

    struct step_ctx ctx = {.db = db, .member = view.registered ? &m : NULL};
    struct ussd_data data = {.grants = data_grants,
                             .grant_find = data_grant_find,
                             .events = data_events,
                             .event_find = data_event_find,
                             .topics = data_topics,
                             .coop_lookup = data_coop_lookup,
                             .ctx = &ctx};
    struct ussd_env env;
    build_env(app, ch, &data, &env);

    enum ussd_effect effect = USSD_EFFECT_NONE;
    enum ussd_flow flow_before = USSD_FLOW_NONE;
    if (!known) {
        memset(s, 0, sizeof *s);
        snprintf(s->key, sizeof s->key, "%s\x1f%s", ch->name, step->session_id);
        snprintf(s->phone, sizeof s->phone, "%s", phone);
        ussd_menu_start(&s->state, &view, &env);
        ctx.lang = s->state.lang[0] ? s->state.lang : app->default_language;
        if (step->text_len > 0)
            replay(&s->state, step->text, step->text_len, &view, &env);
        else
            offer_draft(db, app, phone, &view, &s->state);
    } else {
        flow_before = ussd_menu_flow(&s->state);
        ctx.lang = s->state.lang[0] ? s->state.lang : app->default_language;
        const char *in;
        size_t inlen;
        newest_input(s, step->text, step->text_len, &in, &inlen);
        effect = ussd_menu_input(&s->state, in, inlen, &view, &env);
    }
    if (effect != USSD_EFFECT_NONE)
        perform_effect(effect, db, app, ch, phone, &m, found == 1, &s->state);
    if (effect != USSD_EFFECT_NONE || ctx.db_failed) {
        /* The member's data changed: look again before rendering. */
        found = member_find_by_phone(db, phone, &m);
        if (found < 0)
            ctx.db_failed = true;
        member_view(&m, found == 1, member_no, &view);
        ctx.member = view.registered ? &m : NULL;
    }
    ctx.lang = s->state.lang[0] ? s->state.lang : app->default_language;
    if (ctx.db_failed)
        ussd_menu_effect_done(&s->state, USSD_EFFECT_NONE, USSD_RESULT_FAILED);
    else
        keep_draft(db, phone, flow_before, &s->state);

    s->last_seen = now;
    s->text_overflow = step->text_len >= sizeof s->text;
    if (!s->text_overflow) {
        memcpy(s->text, step->text, step->text_len);
        s->text[step->text_len] = '\0';
    }
    if (!known && s->state.screen < USSD_SCR_FIRST_END && !session_put(t, s, now)) {
        /* Too many live sessions: refuse this new one politely. */
        log_warn("ussd_sessions_full", "channel=%s max=%zu", ch->name,
                 atomic_load(&t->max_sessions));
        s->state.screen = USSD_SCR_END_BUSY;
    }
    long n = ussd_menu_render(&s->state, &view, &env, screen, screensz, end);
    if (n < 0) {
        /* A catalog text too long for this channel: shorten the whole
         * screen rather than fail the member (taawund -n reports it). */
        char full[SCREEN_BYTES_MAX * 2];
        struct ussd_state copy = s->state;
        copy.error_key = NULL;
        struct screen_limit wide = {SCREEN_BYTES_MAX, SCREEN_BYTES_MAX};
        env.limit = wide;
        if (ussd_menu_render(&copy, &view, &env, full, sizeof full, end) < 0)
            snprintf(full, sizeof full, "%s", "...");
        struct text_measure tm;
        size_t max = (size_t)ch->ussd_screen_max;
        if (text_measure(full, strlen(full), &tm) == 0 && tm.encoding == TEXT_UCS2)
            max = (size_t)ch->ussd_screen_max_ucs2;
        if (screen_ellipsize(full, strlen(full), tm.encoding, max, screen, screensz) < 0)
            snprintf(screen, screensz, "%s", "...");
        log_warn("ussd_screen_too_long", "channel=%s screen=%s lang=%s", ch->name,
                 ussd_menu_screen_name(s->state.screen), s->state.lang);
    }
    if (*end) {
        if (known)
            session_delete(t, s->key);
    } else if (known) {
        session_put(t, s, now);
    }
    char masked[MSISDN_MAX];
    msisdn_mask(phone, masked);
    log_debug("ussd_step", "channel=%s phone=%s screen=%s end=%d", ch->name, masked,
              ussd_menu_screen_name(s->state.screen), *end ? 1 : 0);
    free(s);
    return USSD_OK;
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
    /* The session is over on the handset: forget it here too. Its draft, if
     * a registration or an idea was under way, was saved at its last step. */
    char key[SESSION_KEY_MAX];
    snprintf(key, sizeof key, "%s\x1f%s", ch->name, session_id);
    session_delete(t, key);
    if (ussd_end_store(db, ch->name, session_id, phone, status, duration_ms, input, error) != 0)
        return -1;
    char masked[MSISDN_MAX];
    msisdn_mask(phone, masked);
    char q[64];
    log_info("ussd_session_end", "channel=%s phone=%s status=%s", ch->name, masked,
             log_quote(status ? status : "", q, sizeof q));
    return 0;
}
