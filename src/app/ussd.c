/* ussd.c -- live USSD sessions and one step of a session: find the member,
 * restore the session, apply the newest input to the menu engine, perform
 * its effect in one committed transaction, render the next screen. */
#include "app/ussd.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/gsm.h"
#include "core/msisdn.h"
#include "core/ussd_menu.h"
#include "core/utf8.h"
#include "store/db.h"
#include "store/members.h"
#include "store/messages.h"
#include "sys/log.h"

#define SESSION_TEXT_MAX 2048 /* longest `*`-joined text we keep to diff against */
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

struct ussd_sessions {
    pthread_mutex_t lock;
    struct session **buckets;
    size_t nbuckets; /* power of two */
    size_t count;
    size_t max_sessions;
    int ttl_s;
};

static uint64_t hash_key(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
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
    t->max_sessions = max_sessions;
    t->ttl_s = ttl_s;
    pthread_mutex_init(&t->lock, NULL);
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
    pthread_mutex_destroy(&t->lock);
    free(t->buckets);
    free(t);
}

void ussd_sessions_configure(struct ussd_sessions *t, size_t max_sessions, int ttl_s)
{
    pthread_mutex_lock(&t->lock);
    t->max_sessions = max_sessions;
    t->ttl_s = ttl_s;
    pthread_mutex_unlock(&t->lock);
}

/* Drop every expired session. Caller holds the lock. */
static void sweep_locked(struct ussd_sessions *t, time_t now)
{
    for (size_t i = 0; i < t->nbuckets; i++) {
        struct session **pp = &t->buckets[i];
        while (*pp) {
            struct session *s = *pp;
            if (now - s->last_seen > t->ttl_s) {
                *pp = s->next;
                free(s);
                t->count--;
            } else {
                pp = &s->next;
            }
        }
    }
}

size_t ussd_sessions_count(struct ussd_sessions *t)
{
    pthread_mutex_lock(&t->lock);
    sweep_locked(t, time(NULL));
    size_t n = t->count;
    pthread_mutex_unlock(&t->lock);
    return n;
}

/* Copy out the live session for key, if any. Returns true when found. */
static bool session_get(struct ussd_sessions *t, const char *key, time_t now, struct session *out)
{
    uint64_t h = hash_key(key);
    bool found = false;
    pthread_mutex_lock(&t->lock);
    struct session **pp = &t->buckets[h & (t->nbuckets - 1)];
    while (*pp) {
        struct session *s = *pp;
        if (s->hash == h && strcmp(s->key, key) == 0) {
            if (now - s->last_seen > t->ttl_s) {
                *pp = s->next;
                free(s);
                t->count--;
            } else {
                *out = *s;
                found = true;
            }
            break;
        }
        pp = &s->next;
    }
    pthread_mutex_unlock(&t->lock);
    return found;
}

/* Store (insert or replace) a session. Returns false when the table is full
 * of live sessions and this one is new. */
static bool session_put(struct ussd_sessions *t, const struct session *in, time_t now)
{
    uint64_t h = hash_key(in->key);
    pthread_mutex_lock(&t->lock);
    struct session **head = &t->buckets[h & (t->nbuckets - 1)];
    for (struct session *s = *head; s; s = s->next) {
        if (s->hash == h && strcmp(s->key, in->key) == 0) {
            struct session *next = s->next;
            *s = *in;
            s->hash = h;
            s->next = next;
            pthread_mutex_unlock(&t->lock);
            return true;
        }
    }
    if (t->count >= t->max_sessions)
        sweep_locked(t, now);
    if (t->count >= t->max_sessions) {
        pthread_mutex_unlock(&t->lock);
        return false;
    }
    struct session *s = malloc(sizeof *s);
    if (!s) {
        pthread_mutex_unlock(&t->lock);
        return false;
    }
    *s = *in;
    s->hash = h;
    s->next = *head;
    *head = s;
    t->count++;
    pthread_mutex_unlock(&t->lock);
    return true;
}

static void session_delete(struct ussd_sessions *t, const char *key)
{
    uint64_t h = hash_key(key);
    pthread_mutex_lock(&t->lock);
    struct session **pp = &t->buckets[h & (t->nbuckets - 1)];
    while (*pp) {
        struct session *s = *pp;
        if (s->hash == h && strcmp(s->key, key) == 0) {
            *pp = s->next;
            free(s);
            t->count--;
            break;
        }
        pp = &s->next;
    }
    pthread_mutex_unlock(&t->lock);
}

/* ---- one step ---- */

struct step_ctx {
    sqlite3 *db;
    bool db_failed;
};

static int coop_lookup(void *ctx, const char *code, int64_t *id, char *name, size_t namesz)
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
        .name = registered ? m->name : "",
        .language = found ? m->language : "",
        .member_no = member_no,
        .cooperative_name = registered ? m->cooperative_name : "",
        .province = registered ? m->province : "",
        .sector = registered ? m->sector : "",
    };
}

/* Register the draft and queue the SMS receipt, in one transaction. */
static int perform_register(sqlite3 *db, const struct app_env *env,
                            const struct channel_settings *ch, const char *phone,
                            struct ussd_state *st)
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

    if (db_begin(db) != 0)
        return -1;
    int64_t id;
    if (member_register(db, &m, "ussd", &id) != 0)
        goto fail;
    member_number(id, st->member_no);
    const char *tmpl = catalog_set_get(env->texts, st->lang, "sms_registered", NULL);
    if (tmpl) {
        char body[640];
        struct text_var vars[] = {{"name", m.name}, {"member_no", st->member_no}};
        if (text_format(tmpl, vars, 2, body, sizeof body) < 0)
            goto fail;
        struct message_new msg = {.channel = ch->name,
                                  .phone = phone,
                                  .member_id = id,
                                  .kind = "receipt",
                                  .body = body,
                                  .priority = 10};
        if (message_queue(db, &msg, NULL) != 0)
            goto fail;
    }
    if (db_commit(db) != 0)
        return -1;
    char masked[MSISDN_MAX];
    msisdn_mask(phone, masked);
    log_info("member_registered", "channel=%s phone=%s member=%s", ch->name, masked,
             st->member_no);
    return 0;
fail:
    db_rollback(db);
    return -1;
}

static int perform_effect(enum ussd_effect e, sqlite3 *db, const struct app_env *env,
                          const struct channel_settings *ch, const char *phone,
                          const struct member *m, bool found, struct ussd_state *st)
{
    switch (e) {
    case USSD_EFFECT_NONE:
        return 0;
    case USSD_EFFECT_REGISTER:
        return perform_register(db, env, ch, phone, st);
    case USSD_EFFECT_SET_LANGUAGE:
        if (!found)
            return -1;
        return member_set_language(db, m->id, st->lang);
    }
    return -1;
}

static void build_env(const struct app_env *app, const struct channel_settings *ch,
                      struct step_ctx *ctx, struct ussd_env *env)
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
        .coop_lookup = coop_lookup,
        .ctx = ctx,
    };
}

/* Replay a dial's pre-typed inputs ("*384*123*1*2#" arrives as text "1*2")
 * from the first screen: stop at the first input that is wrong or would
 * write anything, and show the screen reached before it. */
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
        if (e != USSD_EFFECT_NONE || st->error_key || st->screen >= USSD_SCR_END_ABOUT) {
            *st = before;
            st->error_key = NULL;
            return;
        }
        i = j + 1;
    }
}

/* The newest input of a known session: what follows the previous text and
 * a '*'. Providers that send only the newest input are handled too. */
static void newest_input(const struct session *s, const char *text, size_t len,
                         const char **in, size_t *inlen)
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

    struct step_ctx ctx = {.db = db};
    struct ussd_env env;
    build_env(app, ch, &ctx, &env);

    struct member m;
    int found = member_find_by_phone(db, phone, &m);
    if (found < 0)
        return USSD_UNAVAILABLE;
    char member_no[16];
    struct ussd_member_view view;
    member_view(&m, found == 1, member_no, &view);

    time_t now = time(NULL);
    struct session *s = malloc(sizeof *s);
    if (!s)
        return USSD_UNAVAILABLE;
    memset(s, 0, sizeof *s);
    snprintf(s->key, sizeof s->key, "%s\x1f%s", ch->name, step->session_id);
    bool known = session_get(t, s->key, now, s) && strcmp(s->phone, phone) == 0;
    enum ussd_effect effect = USSD_EFFECT_NONE;
    if (!known) {
        memset(s, 0, sizeof *s);
        snprintf(s->key, sizeof s->key, "%s\x1f%s", ch->name, step->session_id);
        snprintf(s->phone, sizeof s->phone, "%s", phone);
        ussd_menu_start(&s->state, &view, &env);
        if (step->text_len > 0)
            replay(&s->state, step->text, step->text_len, &view, &env);
    } else {
        const char *in;
        size_t inlen;
        newest_input(s, step->text, step->text_len, &in, &inlen);
        if (inlen > USSD_INPUT_MAX)
            inlen = utf8_floor(in, inlen, USSD_INPUT_MAX);
        effect = ussd_menu_input(&s->state, in, inlen, &view, &env);
    }
    if (ctx.db_failed)
        s->state.screen = USSD_SCR_END_BUSY;
    if (effect != USSD_EFFECT_NONE &&
        perform_effect(effect, db, app, ch, phone, &m, found == 1, &s->state) != 0)
        s->state.screen = USSD_SCR_END_BUSY;
    if (effect == USSD_EFFECT_REGISTER && s->state.screen != USSD_SCR_END_BUSY) {
        found = member_find_by_phone(db, phone, &m);
        member_view(&m, found == 1, member_no, &view);
    }

    s->last_seen = now;
    s->text_overflow = step->text_len >= sizeof s->text;
    if (!s->text_overflow) {
        memcpy(s->text, step->text, step->text_len);
        s->text[step->text_len] = '\0';
    }

    if (!known && s->state.screen < USSD_SCR_END_ABOUT && !session_put(t, s, now)) {
        /* Too many live sessions: refuse this new one politely. */
        log_warn("ussd_sessions_full", "channel=%s max=%zu", ch->name, t->max_sessions);
        s->state.screen = USSD_SCR_END_BUSY;
    }
    long n = ussd_menu_render(&s->state, &view, &env, screen, screensz, end);
    if (n < 0) {
        /* A catalog text too long for this channel: shorten the whole
         * screen rather than fail the member (taawund -n reports it). */
        char full[SCREEN_BYTES_MAX * 2];
        struct ussd_state copy = s->state;
        copy.error_key = NULL;
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
