/* broadcast.c -- staff broadcasts: the opt-out hint, the plan (recipients
 * per language, texts measured as they will travel, cost), sending as one
 * set-based expansion into the outbox (held outside the send window),
 * schedules, cancellation, and the scheduler's tick (due broadcasts, and
 * releasing held messages when the window opens). */
#include "app/broadcast.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "app/broadcast_expand.h"
#include "app/expander.h"
#include "app/sms_optout.h"
#include "core/bidi.h"
#include "core/hash.h"
#include "core/sms_reply.h"
#include "store/db.h"
#include "store/events.h"
#include "store/members.h"
#include "store/templates.h"
#include "sys/local_year.h"
#include "sys/log.h"

static const struct audit_actor scheduler_actor = {
    .who = "scheduler", .role = "system", .client = "local"};

/* ---------------------------------------------------------------- texts */

int broadcast_body(const struct notice_env *env, const char *lang, const char *text, char *out,
                   size_t outsz, bool *added)
{
    /* The SMS commands' helper owns the policy (which words tell how to
     * stop) and the catalog text broadcast_opt_out_hint. */
    char hinted[BROADCAST_BODY_MAX];
    long n = sms_optout_with_hint(env->texts, lang, text, hinted, sizeof hinted);
    if (added)
        *added = n >= 0 && strcmp(hinted, text) != 0;
    /* As it travels (core/sms_reply.h): what the plan measures and costs. */
    return n < 0 || sms_reply_directed(hinted, (size_t)n, out, outsz) < 0 ? -1 : 0;
}

/* ----------------------------------------------------------------- plan */

int64_t broadcast_event_of(const struct broadcast_record *rec)
{
    if (rec->event_id)
        return rec->event_id;
    json_t *aud = json_loads(rec->audience, 0, NULL);
    json_t *events = json_object_get(aud, "events");
    int64_t id = json_array_size(events) == 1 ? json_integer_value(json_array_get(events, 0)) : 0;
    json_decref(aud);
    return id;
}

/* The names of one plan language's recipients. */
struct name_group {
    char longest[2][BROADCAST_VALUE_MAX]; /* GSM-7 and UCS-2 names */
    size_t units[2];
    int64_t count[3]; /* per enum broadcast_name_class */
    int64_t max_id;
};

/* The audience's names per plan language (indexes of plan->langs). */
struct name_groups {
    struct broadcast_plan *plan;
    struct name_group lang[CATALOG_LANGS_MAX];
};

static void count_names(const struct broadcast_names *n, void *ctx)
{
    struct name_groups *g = ctx;
    struct broadcast_plan *plan = g->plan;
    size_t at = plan->default_index;
    for (size_t i = 0; i < plan->nlangs; i++)
        if (n->language && strcmp(plan->langs[i].language, n->language) == 0)
            at = i;
    plan->langs[at].recipients += n->count;
    plan->recipients += n->count;
    g->lang[at].count[n->name_class] += n->count;
    if (n->max_id > g->lang[at].max_id)
        g->lang[at].max_id = n->max_id;
    struct text_measure m;
    int c = (int)n->name_class;
    if (c < 2 && text_measure(n->longest, strlen(n->longest), &m) == 0 &&
        m.units > g->lang[at].units[c]) {
        g->lang[at].units[c] = m.units;
        snprintf(g->lang[at].longest[c], sizeof g->lang[at].longest[c], "%s", n->longest);
    }
}

/* What a plan is worked out from. */
struct plan_in {
    struct db *db;
    const struct notice_env *env;
    int64_t now;
    struct name_groups *names;
};

/* {event} and {date} of lp in text_lang: the plan's event, else the
 * longest title to come (event_missing). Returns 0 or -1. */
static int event_values(const struct plan_in *in, struct broadcast_plan *plan,
                        struct broadcast_lang_plan *lp)
{
    struct broadcast_value *ev = &lp->values[PLACEHOLDER_EVENT],
                           *date = &lp->values[PLACEHOLDER_DATE];
    int64_t starts_at = 0;
    plan->event_missing |= plan->event_id == 0;
    if (plan->event_id) {
        struct ussd_event e;
        if (event_get(in->db, plan->event_id, 0, lp->text_language, &e) != 1)
            return -1;
        snprintf(ev->value, sizeof ev->value, "%s", e.title);
        catalog_when(in->env->texts, lp->text_language, e.day, e.month, e.hour, e.minute,
                     date->value, sizeof date->value);
        ev->source = date->source = BROADCAST_VALUE_EVENT;
        return 0;
    }
    int found = templates_longest_event(in->db, in->now, lp->text_language, ev->value,
                                        sizeof ev->value, &starts_at);
    if (found <= 0)
        return found < 0 ? -1 : 0; /* nothing to come: the placeholders stay as written */
    programme_when(in->env, lp->text_language, starts_at, date->value, sizeof date->value);
    ev->source = date->source = BROADCAST_VALUE_LONGEST_UPCOMING;
    return 0;
}

/* Measure lp->pattern with name and number put in; *m its measure. */
static int measure_with(struct broadcast_lang_plan *lp, const char *name, const char *number,
                        char *out, size_t outsz, struct text_measure *m)
{
    const char *v[PLACEHOLDER_COUNT] = {
        [PLACEHOLDER_NAME] = name, [PLACEHOLDER_MEMBER_NO] = number};
    if (placeholders_expand(lp->pattern, v, out, outsz) < 0)
        return -1;
    return text_measure(out, strlen(out), m);
}

/* {name} and {member_no} of language idx: the highest member number and,
 * among the names the expansion would put in (struct broadcast_text), the
 * one giving the longest text; then lp->body and its measure. */
static int name_values(const struct plan_in *in, size_t idx, unsigned used,
                       struct broadcast_lang_plan *lp)
{
    const struct name_group *g = &in->names->lang[idx];
    struct broadcast_value *no = &lp->values[PLACEHOLDER_MEMBER_NO],
                           *name = &lp->values[PLACEHOLDER_NAME];
    if (used & (1u << PLACEHOLDER_MEMBER_NO)) {
        char number[16];
        member_number(g->max_id ? g->max_id : 1, number);
        snprintf(no->value, sizeof no->value, "%s", number);
        no->source = BROADCAST_VALUE_HIGHEST_NUMBER;
    }
    const char *number = no->source ? no->value : NULL;
    const char *candidates[3] = {NULL, NULL, NULL};
    enum broadcast_value_source sources[3];
    size_t n = 0;
    bool ucs2 = lp->pattern_encoding == TEXT_UCS2;
    if (used & (1u << PLACEHOLDER_NAME)) {
        for (int c = 0; c < (ucs2 ? 2 : 1); c++)
            if (g->count[c]) {
                sources[n] = BROADCAST_VALUE_LONGEST_NAME;
                candidates[n++] = g->longest[c];
            }
        if (n == 0 || g->count[BROADCAST_NAME_NONE] || (!ucs2 && g->count[BROADCAST_NAME_UCS2])) {
            sources[n] = BROADCAST_VALUE_NAME_FALLBACK;
            candidates[n++] = lp->name_fallback;
        }
    }
    char body[BROADCAST_BODY_MAX];
    size_t best = 0;
    for (size_t i = 0; i < (n ? n : 1); i++) {
        struct text_measure m;
        if (measure_with(lp, candidates[i], number, body, sizeof body, &m) != 0)
            return -1;
        if (i == 0 || m.segments > lp->measure.segments ||
            (m.segments == lp->measure.segments && m.units > lp->measure.units)) {
            lp->measure = m;
            memcpy(lp->body, body, sizeof body);
            best = i;
        }
    }
    if (n) {
        snprintf(name->value, sizeof name->value, "%s", candidates[best]);
        name->source = sources[best];
    }
    return 0;
}

static int plan_language(const struct plan_in *in, struct broadcast_plan *plan, json_t *texts,
                         size_t idx)
{
    struct broadcast_lang_plan *lp = &plan->langs[idx];
    const char *lang = lp->language, *env_default = in->env->default_language;
    const char *text = json_string_value(json_object_get(texts, lang));
    const char *text_lang = lang;
    if (!text || !*text) {
        text = json_string_value(json_object_get(texts, env_default));
        text_lang = env_default;
    }
    if (!text)
        return -1;
    snprintf(lp->text_language, sizeof lp->text_language, "%s", text_lang);
    unsigned used = placeholders_used(text);
    const char *v[PLACEHOLDER_COUNT] = {NULL};
    lp->personal = used & ((1u << PLACEHOLDER_NAME) | (1u << PLACEHOLDER_MEMBER_NO));
    if (used & ((1u << PLACEHOLDER_EVENT) | (1u << PLACEHOLDER_DATE))) {
        if (event_values(in, plan, lp) != 0)
            return -1;
        for (int p = PLACEHOLDER_EVENT; p <= PLACEHOLDER_DATE; p++)
            if ((used & (1u << p)) && lp->values[p].source)
                v[p] = lp->values[p].value;
            else
                lp->values[p].source = BROADCAST_VALUE_NONE;
    }
    /* The text's encoding: with the word standing for a name (a GSM-7
     * text takes only names GSM-7 carries, or that word; if the word
     * itself needs UCS-2, the text is UCS-2 and takes any name). */
    char expanded[BROADCAST_BODY_MAX];
    struct text_measure pm;
    const char *fb = catalog_set_get(in->env->texts, text_lang, "broadcast_name_fallback", NULL);
    snprintf(lp->name_fallback, sizeof lp->name_fallback, "%s", fb ? fb : "");
    if (placeholders_expand(text, v, expanded, sizeof expanded) < 0 ||
        broadcast_body(in->env, text_lang, expanded, lp->pattern, sizeof lp->pattern,
                       &lp->hint_added) != 0 ||
        measure_with(lp, lp->name_fallback, NULL, expanded, sizeof expanded, &pm) != 0 ||
        (lp->pattern_encoding = pm.encoding, name_values(in, idx, used, lp)) != 0)
        return -1;
    /* The mark goes only with Arabic letters, which force UCS-2 themselves. */
    size_t mark = strncmp(lp->body, BIDI_RLM, strlen(BIDI_RLM)) == 0 ? strlen(BIDI_RLM) : 0;
    lp->nforcing = text_ucs2_forcing(lp->body + mark, strlen(lp->body + mark), lp->forcing,
                                     BROADCAST_FORCING_MAX);
    return 0;
}

/* The channel of rec into plan with its price; false when it is not configured. */
static bool plan_channel(const struct notice_env *env, const struct broadcast_record *rec,
                         struct broadcast_plan *plan)
{
    snprintf(plan->channel, sizeof plan->channel, "%s", rec->channel);
    for (size_t i = 0; i < env->nchannels; i++)
        if (strcmp(env->channels[i], rec->channel) == 0) {
            plan->price_per_segment = env->channel_price[i];
            return true;
        }
    return false;
}

/* Recipients of one language, for texts that are not personalised. */
static void count_language(const char *language, int64_t count, void *ctx)
{
    struct broadcast_names n = {
        .language = language, .name_class = BROADCAST_NAME_NONE, .count = count, .longest = ""};
    struct name_groups *g = ctx;
    count_names(&n, g);
}

/* Whether a text of rec uses a placeholder put in per member. */
static bool texts_personal(json_t *texts)
{
    const char *lang;
    json_t *v;
    unsigned used = 0;
    json_object_foreach(texts, lang, v) used |= placeholders_used(json_string_value(v));
    return used & ((1u << PLACEHOLDER_NAME) | (1u << PLACEHOLDER_MEMBER_NO));
}

/* The recipients per language (and their names when personal) into plan and *g. */
static enum broadcast_result plan_audience(struct db *db, const struct broadcast_record *rec,
                                           int64_t now, bool personal, struct broadcast_plan *plan,
                                           struct name_groups *g)
{
    struct broadcast_audience_params ap;
    if (broadcast_audience_params(rec, local_year(now), &ap) != 0)
        return BROADCAST_INVALID;
    g->plan = plan;
    int rc = personal ? broadcasts_audience_names(db, &ap.a, count_names, g)
                      : broadcasts_audience_count(db, &ap.a, count_language, g);
    if (rc == 0)
        rc = broadcasts_phones_unknown(db, ap.a.phones, &plan->phones_unknown);
    broadcast_audience_params_free(&ap);
    return rc == 0 ? BROADCAST_OK : BROADCAST_ERROR;
}

enum broadcast_result broadcast_plan_for(struct db *db, const struct notice_env *env,
                                         const struct broadcast_record *rec, int64_t now,
                                         struct broadcast_plan *plan)
{
    memset(plan, 0, sizeof *plan);
    const char *single[1] = {env->default_language};
    const char *const *langs = env->nlanguages ? env->languages : single;
    size_t nlangs = env->nlanguages ? env->nlanguages : 1;
    for (size_t i = 0; i < nlangs && i < CATALOG_LANGS_MAX; i++) {
        snprintf(plan->langs[i].language, sizeof plan->langs[i].language, "%s", langs[i]);
        if (strcmp(langs[i], env->default_language) == 0)
            plan->default_index = i;
        plan->nlangs++;
    }
    if (!plan_channel(env, rec, plan))
        return BROADCAST_INVALID;
    plan->event_id = broadcast_event_of(rec);
    json_t *texts = json_loads(rec->texts, 0, NULL);
    struct name_groups *g = calloc(1, sizeof *g);
    enum broadcast_result r = BROADCAST_INVALID;
    if (json_is_object(texts) && json_is_string(json_object_get(texts, env->default_language)))
        r = g ? plan_audience(db, rec, now, texts_personal(texts), plan, g) : BROADCAST_ERROR;
    struct plan_in in = {.db = db, .env = env, .now = now, .names = g};
    for (size_t i = 0; r == BROADCAST_OK && i < plan->nlangs; i++)
        if (plan_language(&in, plan, texts, i) != 0)
            r = BROADCAST_INVALID;
    json_decref(texts);
    free(g);
    if (r != BROADCAST_OK)
        return r;
    for (size_t i = 0; i < plan->nlangs; i++)
        plan->segments += plan->langs[i].recipients * (int64_t)plan->langs[i].measure.segments;
    plan->cost = (double)plan->segments * plan->price_per_segment;
    plan->window_open = programme_in_send_window(env, now);
    plan->window_opens = programme_send_window_opens(env, now);
    return BROADCAST_OK;
}

/* What a plan is worked out from, as one number. */
static uint64_t plan_key(const struct broadcast_record *rec)
{
    uint64_t parts[5] = {hash_string(rec->audience), hash_string(rec->texts),
                         hash_string(rec->channel), hash_string(rec->topic),
                         (uint64_t)rec->event_id};
    return hash_bytes(parts, sizeof parts);
}

enum broadcast_result broadcast_plan_ahead(struct db *db, const struct notice_env *env, int64_t id,
                                           int64_t now, struct broadcast_plan *plan)
{
    struct broadcast_record rec;
    int found = broadcasts_get(db, id, &rec);
    if (found <= 0) {
        memset(plan, 0, sizeof *plan);
        return found < 0 ? BROADCAST_ERROR : BROADCAST_NOT_FOUND;
    }
    enum broadcast_result r = broadcast_plan_for(db, env, &rec, now, plan);
    plan->ahead = r == BROADCAST_OK;
    plan->ahead_id = id;
    plan->ahead_key = plan_key(&rec);
    broadcast_record_clear(&rec);
    return r;
}

enum broadcast_result broadcast_plan_stored(struct db *db, const struct notice_env *env,
                                            const struct broadcast_record *rec, int64_t now,
                                            struct broadcast_plan *plan)
{
    if (plan->ahead && plan->ahead_id == rec->id && plan->ahead_key == plan_key(rec))
        return BROADCAST_OK;
    return broadcast_plan_for(db, env, rec, now, plan);
}

/* ---------------------------------------------------------------- audit */

/* A broadcast's audit row (app/programme's programme_audit; takes summary). */
static int audit(struct db *db, const struct audit_actor *actor, const char *action, int64_t id,
                 json_t *summary)
{
    return programme_audit(db, actor, action, "broadcast", id, summary);
}

/* The fields staff write, as an audit summary takes them. */
static json_t *draft_json(const struct broadcast_record *r)
{
    json_t *aud = json_loads(r->audience, 0, NULL);
    json_t *texts = json_loads(r->texts, 0, NULL);
    return json_pack("{s:s,s:s?,s:s,s:o,s:o}", "name", r->name, "topic",
                     r->topic[0] ? r->topic : NULL, "channel", r->channel, "audience",
                     aud ? aud : json_null(), "texts", texts ? texts : json_null());
}

int broadcast_create(struct db *db, const struct audit_actor *actor,
                     const struct broadcast_record *r, int64_t *id)
{
    if (broadcasts_insert(db, r, db_now(), id) != 0)
        return -1;
    return audit(db, actor, "broadcast.create", *id, draft_json(r));
}

/* The draft id as stored into *rec; BROADCAST_OK, or why not. */
static enum broadcast_result load_draft(struct db *db, int64_t id, struct broadcast_record *rec,
                                        bool editing)
{
    int found = broadcasts_get(db, id, rec);
    if (found <= 0)
        return found < 0 ? BROADCAST_ERROR : BROADCAST_NOT_FOUND;
    /* An edit takes a scheduled or awaiting broadcast back to draft. */
    if (strcmp(rec->status, "draft") != 0 &&
        !(editing && (strcmp(rec->status, "scheduled") == 0 ||
                      strcmp(rec->status, "awaiting_approval") == 0))) {
        broadcast_record_clear(rec);
        return BROADCAST_CONFLICT;
    }
    return BROADCAST_OK;
}

enum broadcast_result broadcast_update(struct db *db, const struct audit_actor *actor,
                                       const struct broadcast_record *r)
{
    struct broadcast_record before;
    enum broadcast_result res = load_draft(db, r->id, &before, true);
    if (res != BROADCAST_OK)
        return res;
    json_t *summary = json_pack("{s:o,s:o,s:s}", "from", draft_json(&before), "to", draft_json(r),
                                "status_from", before.status);
    broadcast_record_clear(&before);
    int done = broadcasts_update_draft(db, r, db_now());
    if (done <= 0) {
        json_decref(summary);
        return done < 0 ? BROADCAST_ERROR : BROADCAST_CONFLICT;
    }
    if (audit(db, actor, "broadcast.update", r->id, summary) != 0 ||
        approval_after_edit(db, actor, r->id) != 0)
        return BROADCAST_ERROR;
    return BROADCAST_OK;
}

enum broadcast_result broadcast_delete(struct db *db, const struct audit_actor *actor, int64_t id)
{
    struct broadcast_record before;
    enum broadcast_result res = load_draft(db, id, &before, false);
    if (res != BROADCAST_OK)
        return res;
    json_t *summary = json_pack("{s:o}", "deleted", draft_json(&before));
    broadcast_record_clear(&before);
    int done = broadcasts_delete_draft(db, id);
    if (done <= 0) {
        json_decref(summary);
        return done < 0 ? BROADCAST_ERROR : BROADCAST_CONFLICT;
    }
    return audit(db, actor, "broadcast.delete", id, summary) == 0 ? BROADCAST_OK : BROADCAST_ERROR;
}

/* ----------------------------------------------------------------- send */

/* The plan's texts as the expansion takes them (borrowed from plan):
 * texts[0..return) in plan->langs order. */
static size_t expansion_texts(const struct broadcast_plan *plan,
                              struct broadcast_text texts[BROADCAST_LANG_SLOTS])
{
    size_t n = 0;
    for (size_t i = 0; i < plan->nlangs && n < BROADCAST_LANG_SLOTS; i++) {
        const struct broadcast_lang_plan *lp = &plan->langs[i];
        texts[n++] =
            (struct broadcast_text){.language = lp->language,
                                    .body = lp->pattern,
                                    .encoding = text_encoding_name(lp->pattern_encoding),
                                    .segments = lp->personal ? 0 : (int64_t)lp->measure.segments,
                                    .name_fallback = lp->name_fallback};
    }
    return n;
}

/* Write the expansion's first part: all of it in this transaction when it
 * is small (BROADCAST_INLINE_MAX), else the broadcast becomes 'expanding'
 * and app/expander writes it in chunks. *inserted the messages written
 * now; *expanding whether the rest follows. */
static enum broadcast_result expand(struct db *db, const struct broadcast_record *rec,
                                    const struct broadcast_plan *plan, int64_t now, bool hold,
                                    int64_t *inserted, bool *expanding)
{
    struct broadcast_text texts[BROADCAST_LANG_SLOTS] = {{0}};
    size_t ntexts = expansion_texts(plan, texts);
    int year = local_year(now);
    *inserted = 0;
    *expanding = plan->recipients > BROADCAST_INLINE_MAX;
    if (*expanding) {
        char *spec = broadcast_expand_spec(texts, ntexts, plan->default_index, hold,
                                           BROADCAST_PRIORITY, year);
        int moved = spec ? broadcasts_expand_begin(db, rec->id, rec->status, spec, plan->recipients,
                                                   plan->segments, now, db_now())
                         : -1;
        free(spec);
        if (moved <= 0)
            return moved < 0 ? BROADCAST_ERROR : BROADCAST_CONFLICT;
        expander_wake(); /* it looks once this transaction has committed */
        return BROADCAST_OK;
    }
    struct broadcast_audience_params ap;
    if (broadcast_audience_params(rec, year, &ap) != 0)
        return BROADCAST_INVALID;
    /* Messages carry the real time: the sender's clock. */
    int rc = broadcasts_expand(db, rec->id, &ap.a, rec->channel, texts, ntexts,
                               &texts[plan->default_index], BROADCAST_PRIORITY, hold, db_now(),
                               inserted);
    broadcast_audience_params_free(&ap);
    if (rc != 0)
        return BROADCAST_ERROR;
    int moved =
        broadcasts_set_status(db, rec->id, rec->status, "started", now, *inserted, db_now());
    return moved < 0 ? BROADCAST_ERROR : moved == 0 ? BROADCAST_CONFLICT : BROADCAST_OK;
}

/* The send once the gate passed: expanded (or expanding), audited. */
static enum broadcast_result send_gated(struct db *db, const struct audit_actor *actor,
                                        const struct broadcast_record *rec,
                                        const struct broadcast_plan *plan, int64_t now,
                                        int64_t *queued)
{
    int64_t inserted = 0;
    bool hold = !plan->window_open, expanding = false;
    enum broadcast_result r = expand(db, rec, plan, now, hold, &inserted, &expanding);
    if (r != BROADCAST_OK)
        return r;
    json_t *summary = json_pack(
        "{s:s,s:I,s:I,s:I,s:f,s:b,s:o?,s:b}", "from", rec->status, "messages", (json_int_t)inserted,
        "recipients", (json_int_t)plan->recipients, "segments", (json_int_t)plan->segments,
        "estimated_cost_mad", plan->cost, "held", hold, "held_until",
        hold ? json_integer(plan->window_opens) : NULL, "expanding", expanding);
    if (audit(db, actor, "broadcast.send", rec->id, summary) != 0)
        return BROADCAST_ERROR;
    log_info(expanding ? "broadcast_expanding" : "broadcast_started",
             "id=%lld messages=%lld recipients=%lld held=%s", (long long)rec->id,
             (long long)inserted, (long long)plan->recipients, hold ? "yes" : "no");
    *queued = inserted;
    return BROADCAST_OK;
}

enum broadcast_result broadcast_send(struct db *db, const struct notice_env *env,
                                     const struct audit_actor *actor, int64_t id, int64_t now,
                                     struct broadcast_plan *plan_out, int64_t *queued)
{
    if (queued)
        *queued = 0;
    struct broadcast_record rec;
    int found = broadcasts_get(db, id, &rec);
    if (found <= 0)
        return found < 0 ? BROADCAST_ERROR : BROADCAST_NOT_FOUND;
    enum broadcast_result r = BROADCAST_CONFLICT;
    struct broadcast_plan *plan = malloc(sizeof *plan);
    if (!plan) {
        r = BROADCAST_ERROR;
        goto out;
    }
    if (strcmp(rec.status, "draft") != 0 && strcmp(rec.status, "scheduled") != 0)
        goto out;
    if (plan_out)
        *plan = *plan_out; /* worked out ahead, perhaps */
    else
        plan->ahead = false;
    if ((r = broadcast_plan_stored(db, env, &rec, now, plan)) != BROADCAST_OK)
        goto out;
    if (plan->event_missing) { /* its texts name an event it does not have */
        r = BROADCAST_INVALID;
        goto out;
    }
    enum approval_result gate = approval_gate(db, env, actor, id, rec.status, rec.channel,
                                              plan->recipients, plan->cost, now, &plan->check);
    if (gate != APPROVAL_PASS) {
        r = gate == APPROVAL_AWAITING      ? BROADCAST_AWAITING_APPROVAL
            : gate == APPROVAL_OVER_BUDGET ? BROADCAST_OVER_BUDGET
            : gate == APPROVAL_CONFLICT    ? BROADCAST_CONFLICT
                                           : BROADCAST_ERROR;
        if (plan_out)
            *plan_out = *plan;
        goto out;
    }
    int64_t written = 0;
    if ((r = send_gated(db, actor, &rec, plan, now, &written)) != BROADCAST_OK)
        goto out;
    if (queued)
        *queued = written;
    if (plan_out)
        *plan_out = *plan;
out:
    free(plan);
    broadcast_record_clear(&rec);
    return r;
}

enum broadcast_result broadcast_schedule(struct db *db, const struct audit_actor *actor, int64_t id,
                                         int64_t at)
{
    struct broadcast_record rec;
    int found = broadcasts_get(db, id, &rec);
    if (found <= 0)
        return found < 0 ? BROADCAST_ERROR : BROADCAST_NOT_FOUND;
    char from[BROADCAST_STATUS_MAX];
    snprintf(from, sizeof from, "%s", rec.status);
    int64_t before = rec.scheduled_at;
    broadcast_record_clear(&rec);
    if (strcmp(from, "draft") != 0 && strcmp(from, "scheduled") != 0)
        return BROADCAST_CONFLICT;
    int moved = broadcasts_set_status(db, id, from, "scheduled", at, 0, db_now());
    if (moved <= 0)
        return moved < 0 ? BROADCAST_ERROR : BROADCAST_CONFLICT;
    json_t *summary = json_pack("{s:s,s:I,s:o}", "from", from, "at", (json_int_t)at, "before",
                                before ? json_integer(before) : json_null());
    return audit(db, actor, "broadcast.schedule", id, summary) == 0 ? BROADCAST_OK
                                                                    : BROADCAST_ERROR;
}

enum broadcast_result broadcast_cancel(struct db *db, const struct audit_actor *actor, int64_t id,
                                       int64_t now, int64_t *stopped)
{
    if (stopped)
        *stopped = 0;
    struct broadcast_record rec;
    int found = broadcasts_get(db, id, &rec);
    if (found <= 0)
        return found < 0 ? BROADCAST_ERROR : BROADCAST_NOT_FOUND;
    char from[BROADCAST_STATUS_MAX];
    snprintf(from, sizeof from, "%s", rec.status);
    broadcast_record_clear(&rec);
    if (strcmp(from, "cancelled") == 0)
        return BROADCAST_CONFLICT;
    int64_t n = 0;
    /* An expansion under way stops at its next chunk (it finds the
     * status changed in its own transaction). */
    if ((strcmp(from, "started") == 0 || strcmp(from, "expanding") == 0) &&
        (n = broadcasts_cancel_messages(db, id, "broadcast_cancelled", db_now())) < 0)
        return BROADCAST_ERROR;
    int moved = broadcasts_set_status(db, id, from, "cancelled", now, 0, db_now());
    if (moved <= 0)
        return moved < 0 ? BROADCAST_ERROR : BROADCAST_CONFLICT;
    json_t *summary = json_pack("{s:s,s:I}", "from", from, "messages_cancelled", (json_int_t)n);
    if (audit(db, actor, "broadcast.cancel", id, summary) != 0)
        return BROADCAST_ERROR;
    if (stopped)
        *stopped = n;
    return BROADCAST_OK;
}

/* ----------------------------------------------------------- scheduler */

/* Send due broadcast id in a transaction of its own, its plan counted
 * before (broadcast_plan_ahead). Returns 0 or -1. */
static int tick_send(struct db *db, const struct notice_env *env, int64_t id, int64_t now,
                     struct broadcast_plan *plan)
{
    if (broadcast_plan_ahead(db, env, id, now, plan) != BROADCAST_OK)
        plan->ahead = false;
    if (db_begin(db) != 0)
        return -1;
    enum broadcast_result r = broadcast_send(db, env, &scheduler_actor, id, now, plan, NULL);
    if (r == BROADCAST_AWAITING_APPROVAL || r == BROADCAST_OVER_BUDGET)
        r = BROADCAST_OK; /* the gate's decision is kept (app/approval) */
    if (r == BROADCAST_INVALID) {
        /* It can never go (its channel or default text is gone): stop
         * it rather than retry every tick. */
        db_rollback(db);
        if (db_begin(db) != 0)
            return -1;
        int64_t stopped;
        r = broadcast_cancel(db, &scheduler_actor, id, now, &stopped);
        log_error("broadcast_invalid",
                  "id=%lld detail=\"cancelled: its channel or the "
                  "default language's text is missing\"",
                  (long long)id);
    }
    if (r != BROADCAST_OK) {
        db_rollback(db);
        return -1;
    }
    return db_commit(db);
}

int broadcast_tick(struct db *db, const struct notice_env *env, int64_t now)
{
    int64_t ids[BROADCAST_DUE_PER_TICK];
    int n = broadcasts_due(db, now, ids, BROADCAST_DUE_PER_TICK);
    if (n < 0)
        return -1;
    struct broadcast_plan *plan = n > 0 ? malloc(sizeof *plan) : NULL;
    if (n > 0 && !plan)
        return -1;
    for (int i = 0; i < n; i++)
        if (tick_send(db, env, ids[i], now, plan) != 0) {
            free(plan);
            return -1;
        }
    free(plan);
    if (!programme_in_send_window(env, now))
        return 0;
    if (db_begin(db) != 0)
        return -1;
    int64_t released = broadcasts_release_held(db, db_now());
    if (db_finish(db, released < 0 ? -1 : 0) != 0)
        return -1;
    if (released > 0)
        log_info("held_released", "messages=%lld", (long long)released);
    return 0;
}
