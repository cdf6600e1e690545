/* sms_router.c -- the SMS command router: STOP first, the flood limit, guided
 * exchanges (registration over several SMS, erase confirmation), then one
 * command per message answered in the member's language and fitted to the
 * reply's segment budget. Writes go through store/; replies are handed
 * back to app/inbound, which stores and sends them. */
#include "app/sms_router.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/msisdn.h"
#include "core/sms_reply.h"
#include "core/text_input.h"
#include "core/ussd_menu.h"
#include "core/utf8.h"
#include "store/db.h"
#include "store/events.h"
#include "store/grants.h"
#include "store/ideas.h"
#include "store/sms_state.h"
#include "sys/log.h"

#define DEFAULT_MAX_SEGMENTS 2
#define DEFAULT_REPLIES_PER_HOUR 20
#define DEFAULT_CONVERSATION_TTL_S 1800
#define DEFAULT_ERASE_WINDOW_S 600
#define FLOOD_WINDOW_S 3600
#define WORK_MAX 1536    /* bytes of a reply before it is fitted */
#define FOLD_MAX 512     /* bytes of a folded answer */
#define NAME_CHARS_MIN 2 /* a name: as on the USSD menu */
#define NAME_CHARS_MAX 60
#define IDEA_CHARS_MIN 10
#define IDEA_TITLE_CHARS 60
#define LIST_MAX 10 /* grants / events read for one reply */
#define REG_STATE_VERSION 1u

/* ---- one SMS being handled ---- */

struct ctx {
    sqlite3 *db;
    const struct sms_router_request *rq;
    const struct app_env *env;
    struct sms_router_answer *out;
    const struct member *m; /* the member's row, NULL when none */
    bool registered;        /* m is a registered member, not erased */
    const char *lang;       /* the reply's language */
    size_t max_segments;
    int64_t now;
};

static const char *text_of(const struct ctx *c, const char *key)
{
    const char *t = catalog_set_get(c->env->texts, c->lang, key, NULL);
    return t ? t : "";
}

static bool lang_offered(const struct app_env *env, const char *lang)
{
    for (size_t i = 0; lang && i < env->nlanguages; i++)
        if (strcmp(env->languages[i], lang) == 0)
            return true;
    return false;
}

/* Set the reply: text fitted to the segment budget, of kind. */
static void reply_text(struct ctx *c, const char *kind, const char *text)
{
    struct sms_router_answer *o = c->out;
    if (sms_reply_fit(text, strlen(text), c->max_segments, o->text, sizeof o->text) <= 0) {
        o->answer = false;
        return;
    }
    o->answer = true;
    o->kind = kind;
}

/* Set the reply from catalog key with vars, optionally after prefix (an
 * error line) and a space. */
static void reply_key(struct ctx *c, const char *kind, const char *prefix, const char *key,
                      const struct text_var *vars, size_t nvars)
{
    char body[WORK_MAX], full[WORK_MAX];
    if (text_format(text_of(c, key), vars, nvars, body, sizeof body) < 0)
        snprintf(body, sizeof body, "%s", text_of(c, key));
    size_t pl = prefix && *prefix ? strlen(prefix) : 0, bl = strlen(body);
    if (pl + 1 + bl >= sizeof full) /* cannot happen with catalog texts; keep the body */
        pl = 0;
    if (pl) {
        memcpy(full, prefix, pl);
        full[pl++] = ' ';
    }
    memcpy(full + pl, body, bl + 1);
    reply_text(c, kind, full);
}

static void reply_simple(struct ctx *c, const char *key)
{
    struct text_var vars[] = {{"ussd_code", c->rq->ussd_code ? c->rq->ussd_code : ""},
                              {"programme", c->env->programme}};
    reply_key(c, "reply", NULL, key, vars, 2);
}

static void topic_name(const struct ctx *c, const char *code, char *out, size_t outsz)
{
    char key[SMS_CMD_ARG_MAX + 16];
    snprintf(key, sizeof key, "topic.%s", code);
    snprintf(out, outsz, "%s", text_of(c, key));
}

static void masked(const char *phone, char out[MSISDN_MAX])
{
    msisdn_mask(phone, out);
}

/* Free text (names, ideas) as core/text_input cleans it; an SMS may carry
 * line breaks, which count as spaces. */
static bool clean_text(const char *in, size_t len, size_t min_chars, size_t max_chars, char *out,
                       size_t outsz)
{
    return text_input_clean(in, len, min_chars, max_chars, true, out, outsz);
}

/* The folded text (sms_command_fold) as a number: -1 unless it is only
 * ASCII digits (Arabic-Indic ones are folded to ASCII), at most 9. */
static long folded_number(const char *fold)
{
    size_t n = strlen(fold);
    if (n == 0 || n > 9)
        return -1;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (fold[i] < '0' || fold[i] > '9')
            return -1;
        v = v * 10 + (fold[i] - '0');
    }
    return v;
}

static void fold(const char *s, char *out, size_t outsz)
{
    sms_command_fold(s, strlen(s), out, outsz);
}

/* Pick one of codes[0..n) from a member's answer: its number in the list
 * (1..n), its code, or its catalog name (group.CODE) in any offered
 * language, folded; a unique word prefix ("oujda") is enough. Returns the
 * index or -1. */
static int pick(const struct ctx *c, const char *answer, const char *group,
                const char *const *codes, size_t n)
{
    char a[FOLD_MAX];
    fold(answer, a, sizeof a);
    if (!a[0])
        return -1;
    long num = folded_number(a);
    if (num >= 1 && (size_t)num <= n)
        return (int)num - 1;
    int prefix_hit = -1, prefix_hits = 0;
    size_t al = strlen(a);
    for (size_t i = 0; i < n; i++) {
        char cand[FOLD_MAX], key[96];
        const char *names[CATALOG_LANGS_MAX + 1];
        size_t nn = 0;
        names[nn++] = codes[i];
        snprintf(key, sizeof key, "%s.%s", group, codes[i]);
        for (size_t l = 0; l < c->env->nlanguages && nn < CATALOG_LANGS_MAX + 1; l++) {
            const char *t = catalog_set_get(c->env->texts, c->env->languages[l], key, NULL);
            if (t)
                names[nn++] = t;
        }
        bool prefixed = false;
        for (size_t k = 0; k < nn; k++) {
            fold(names[k], cand, sizeof cand);
            if (strcmp(cand, a) == 0)
                return (int)i;
            if (al >= 3 && strncmp(cand, a, al) == 0 && cand[al] == ' ')
                prefixed = true;
        }
        if (prefixed) {
            prefix_hit = (int)i;
            prefix_hits++;
        }
    }
    return prefix_hits == 1 ? prefix_hit : -1;
}

/* 'f', 'm' or 0 from an answer: 1/2 (the order of the USSD menu), the
 * catalog names gender_f / gender_m in any language, or a letter. */
static char pick_gender(const struct ctx *c, const char *answer)
{
    char a[FOLD_MAX];
    fold(answer, a, sizeof a);
    if (strcmp(a, "1") == 0 || strcmp(a, "f") == 0)
        return 'f';
    if (strcmp(a, "2") == 0 || strcmp(a, "m") == 0 || strcmp(a, "h") == 0)
        return 'm';
    static const char *const extra_f[] = {"female", "woman", "femme", "أنثى", "امرأة", "مرا"};
    static const char *const extra_m[] = {"male", "man", "homme", "ذكر", "رجل", "راجل"};
    for (size_t i = 0; i < sizeof extra_f / sizeof extra_f[0]; i++) {
        char w[64];
        if ((fold(extra_f[i], w, sizeof w), strcmp(a, w) == 0))
            return 'f';
        if ((fold(extra_m[i], w, sizeof w), strcmp(a, w) == 0))
            return 'm';
    }
    for (size_t l = 0; l < c->env->nlanguages; l++) {
        char cand[FOLD_MAX];
        const char *f = catalog_set_get(c->env->texts, c->env->languages[l], "gender_f", NULL);
        const char *m = catalog_set_get(c->env->texts, c->env->languages[l], "gender_m", NULL);
        if (f && (fold(f, cand, sizeof cand), strcmp(cand, a) == 0))
            return 'f';
        if (m && (fold(m, cand, sizeof cand), strcmp(cand, a) == 0))
            return 'm';
    }
    return 0;
}

static int current_year(void)
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm); /* the process runs in the programme's time zone */
    return tm.tm_year + 1900;
}

/* ---- registration ---- */

enum reg_step {
    REG_NAME = 0,
    REG_COOP,
    REG_PROVINCE,
    REG_SECTOR,
    REG_GENDER,
    REG_YEAR,
    REG_CONSENT,
    REG_STEPS
};

static const char *const reg_questions[REG_STEPS] = {
    "sms_reg_name",   "sms_reg_coop", "sms_reg_province", "sms_reg_sector",
    "sms_reg_gender", "sms_reg_year", "sms_reg_consent"};

static const char *const reg_errors[REG_STEPS] = {
    "err_name", "err_coop", "err_choice", "err_choice", "err_choice", "err_year", "err_choice"};

struct reg_draft {
    uint32_t version;
    unsigned filled; /* bit per enum reg_step answered */
    char name[MEMBER_NAME_MAX];
    int64_t coop_id;
    char province[CODE_MAX];
    char sector[CODE_MAX];
    char gender;
    int birth_year;
};

/* Read the answer to step s into d. Returns true when valid. */
static bool reg_read(struct ctx *c, struct reg_draft *d, enum reg_step s, const char *answer,
                     int *db_error)
{
    char a[FOLD_MAX];
    switch (s) {
    case REG_NAME: {
        char name[MEMBER_NAME_MAX];
        if (!clean_text(answer, strlen(answer), NAME_CHARS_MIN, NAME_CHARS_MAX, name, sizeof name))
            return false;
        snprintf(d->name, sizeof d->name, "%s", name);
        return true;
    }
    case REG_COOP: {
        fold(answer, a, sizeof a);
        long v = folded_number(a);
        if (!a[0] || v == 0) {
            d->coop_id = 0;
            return a[0] != '\0' || answer[0] == '\0';
        }
        if (v < 0)
            return false;
        struct cooperative coop;
        int rc = coop_find_by_code(c->db, a, &coop);
        if (rc < 0)
            *db_error = 1;
        if (rc != 1)
            return false;
        d->coop_id = coop.id;
        return true;
    }
    case REG_PROVINCE: {
        int i = pick(c, answer, "provinces", c->env->provinces, c->env->nprovinces);
        if (i < 0)
            return false;
        snprintf(d->province, sizeof d->province, "%s", c->env->provinces[i]);
        return true;
    }
    case REG_SECTOR: {
        int i = pick(c, answer, "sectors", c->env->sectors, c->env->nsectors);
        if (i < 0)
            return false;
        snprintf(d->sector, sizeof d->sector, "%s", c->env->sectors[i]);
        return true;
    }
    case REG_GENDER:
        d->gender = pick_gender(c, answer);
        return d->gender != 0;
    case REG_YEAR: {
        fold(answer, a, sizeof a);
        long y = strlen(a) == 4 ? folded_number(a) : -1;
        if (y < 1900 || y > current_year() - c->env->min_age)
            return false;
        d->birth_year = (int)y;
        return true;
    }
    case REG_CONSENT:
    case REG_STEPS:
        break;
    }
    return false;
}

/* "1 Oujda-Angad, 2 Berkane, ..." for the province or sector question. */
static void numbered_names(const struct ctx *c, const char *group, const char *const *codes,
                           size_t n, char *out, size_t outsz)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        char key[96];
        snprintf(key, sizeof key, "%s.%s", group, codes[i]);
        int w = snprintf(out + len, outsz - len, "%s%zu %s", i ? ", " : "", i + 1, text_of(c, key));
        if (w < 0 || (size_t)w >= outsz - len) {
            out[utf8_floor(out, len, outsz - 1)] = '\0';
            return;
        }
        len += (size_t)w;
    }
}

static void reg_ask(struct ctx *c, enum reg_step s, const char *error_key)
{
    char list[WORK_MAX] = "";
    if (s == REG_PROVINCE)
        numbered_names(c, "provinces", c->env->provinces, c->env->nprovinces, list, sizeof list);
    else if (s == REG_SECTOR)
        numbered_names(c, "sectors", c->env->sectors, c->env->nsectors, list, sizeof list);
    struct text_var vars[] = {{"list", list}};
    reply_key(c, "registration", error_key ? text_of(c, error_key) : NULL, reg_questions[s], vars,
              1);
}

static enum reg_step reg_next(const struct reg_draft *d)
{
    for (int s = REG_NAME; s < REG_CONSENT; s++)
        if (!(d->filled & (1u << s)))
            return (enum reg_step)s;
    return REG_CONSENT;
}

static int reg_save(struct ctx *c, const struct reg_draft *d, enum reg_step step)
{
    struct sms_state_flow f;
    memset(&f, 0, sizeof f);
    snprintf(f.flow, sizeof f.flow, "register");
    f.step = (int)step;
    snprintf(f.lang, sizeof f.lang, "%s", c->lang);
    memcpy(f.state, d, sizeof *d);
    f.state_len = sizeof *d;
    return sms_state_flow_put(c->db, c->rq->phone, &f, c->now + c->rq->limits.conversation_ttl_s);
}

/* All answers given and consent said yes: the member is registered. */
static int reg_finish(struct ctx *c, const struct reg_draft *d)
{
    struct member m;
    memset(&m, 0, sizeof m);
    snprintf(m.phone, sizeof m.phone, "%s", c->rq->phone);
    snprintf(m.name, sizeof m.name, "%s", d->name);
    m.cooperative_id = d->coop_id;
    snprintf(m.province, sizeof m.province, "%s", d->province);
    snprintf(m.sector, sizeof m.sector, "%s", d->sector);
    m.gender = d->gender;
    m.birth_year = d->birth_year;
    snprintf(m.language, sizeof m.language, "%s", c->lang);
    snprintf(m.consent_channel, sizeof m.consent_channel, "sms");
    int64_t id;
    if (member_register(c->db, &m, "sms", &id) != 0 ||
        sms_state_suppression_clear(c->db, c->rq->phone) < 0 ||
        sms_state_flow_delete(c->db, c->rq->phone) != 0)
        return -1;
    char member_no[16];
    member_number(id, member_no);
    c->out->member_id = id;
    struct text_var vars[] = {{"name", m.name}, {"member_no", member_no}};
    reply_key(c, "registration", NULL, "sms_registered", vars, 2);
    char mk[MSISDN_MAX];
    masked(c->rq->phone, mk);
    log_info("member_registered", "channel=%s phone=%s member=%s via=sms", c->rq->channel, mk,
             member_no);
    return 0;
}

/* REGISTER [fields]: start the exchange, with the fields of a one-message
 * registration taken first. */
static int reg_start(struct ctx *c, const struct sms_command *cmd)
{
    if (c->registered) {
        char member_no[16];
        member_number(c->m->id, member_no);
        struct text_var vars[] = {{"member_no", member_no}};
        reply_key(c, "reply", NULL, "sms_already_registered", vars, 1);
        return 0;
    }
    struct reg_draft d;
    memset(&d, 0, sizeof d);
    d.version = REG_STATE_VERSION;
    const char *error_key = NULL;
    enum reg_step first_bad = REG_STEPS;
    int db_error = 0;
    size_t nf = cmd->nfields < SMS_CMD_FIELDS_MAX ? cmd->nfields : SMS_CMD_FIELDS_MAX;
    for (size_t i = 0; i < nf; i++) {
        enum reg_step s = (enum reg_step)i; /* fields follow the steps' order */
        const char *f = cmd->fields[i];
        if (!f[0] && s != REG_COOP)
            continue; /* asked later */
        if (reg_read(c, &d, s, f, &db_error))
            d.filled |= 1u << s;
        else if (first_bad == REG_STEPS)
            first_bad = s;
        if (db_error)
            return -1;
    }
    enum reg_step next = reg_next(&d);
    if (first_bad != REG_STEPS && first_bad <= next) {
        next = first_bad;
        error_key = reg_errors[first_bad];
    }
    if (reg_save(c, &d, next) != 0)
        return -1;
    reg_ask(c, next, error_key);
    return 0;
}

/* The next answer of a registration under way. *handled = false when the
 * message is a command rather than an answer (the exchange is dropped and
 * the caller routes the command). */
static int reg_continue(struct ctx *c, const struct sms_state_flow *f,
                        const struct sms_command *cmd, bool *handled)
{
    *handled = true;
    struct reg_draft d;
    if (f->state_len != sizeof d) {
        *handled = false;
        return sms_state_flow_delete(c->db, c->rq->phone);
    }
    memcpy(&d, f->state, sizeof d);
    if (d.version != REG_STATE_VERSION || f->step < 0 || f->step >= REG_STEPS) {
        *handled = false;
        return sms_state_flow_delete(c->db, c->rq->phone);
    }
    enum reg_step s = (enum reg_step)f->step;
    bool a_command = cmd->command != SMS_CMD_UNKNOWN && cmd->command != SMS_CMD_EMPTY;
    if (cmd->command == SMS_CMD_REGISTER) {
        /* REGISTER again: start over (with the new fields, if any). */
        return reg_start(c, cmd);
    }
    char answer[SMS_CMD_ARG_MAX + 1];
    size_t alen = c->rq->len < sizeof answer - 1
                      ? c->rq->len
                      : utf8_floor(c->rq->text, c->rq->len, sizeof answer - 1);
    memcpy(answer, c->rq->text, alen);
    answer[alen] = '\0';
    if (s == REG_CONSENT) {
        enum sms_reply_word w = sms_reply_word(answer, alen, false);
        if (w == SMS_WORD_YES)
            return reg_finish(c, &d);
        if (w == SMS_WORD_NO) {
            if (sms_state_flow_delete(c->db, c->rq->phone) != 0)
                return -1;
            reply_key(c, "registration", NULL, "consent_refused", NULL, 0);
            return 0;
        }
        if (a_command) {
            *handled = false;
            return sms_state_flow_delete(c->db, c->rq->phone);
        }
        reg_ask(c, s, "err_choice");
        return 0;
    }
    /* A bare keyword is a command, not a name; at the other steps a
     * keyword that is no valid answer is a command too. */
    if (s == REG_NAME && a_command && cmd->arg[0] == '\0') {
        *handled = false;
        return sms_state_flow_delete(c->db, c->rq->phone);
    }
    int db_error = 0;
    bool ok = reg_read(c, &d, s, answer, &db_error);
    if (db_error)
        return -1;
    if (!ok && a_command && s != REG_NAME) {
        *handled = false;
        return sms_state_flow_delete(c->db, c->rq->phone);
    }
    if (!ok) {
        if (reg_save(c, &d, s) != 0)
            return -1;
        reg_ask(c, s, reg_errors[s]);
        return 0;
    }
    d.filled |= 1u << s;
    enum reg_step next = reg_next(&d);
    if (reg_save(c, &d, next) != 0)
        return -1;
    reg_ask(c, next, NULL);
    return 0;
}

/* ---- STOP and START ---- */

static int do_stop(struct ctx *c, const char *topic)
{
    if (sms_state_flow_delete(c->db, c->rq->phone) != 0)
        return -1;
    char tname[96] = "";
    if (c->registered) {
        int rc = topic[0] ? member_topic_set(c->db, c->m->id, topic, false)
                          : member_set_stopped(c->db, c->m->id, true);
        if (rc != 0)
            return -1;
    } else {
        topic = ""; /* a number that is no member stops everything */
        if (sms_state_suppression_add(c->db, c->rq->phone, c->rq->channel) != 0)
            return -1;
    }
    char mk[MSISDN_MAX];
    masked(c->rq->phone, mk);
    log_info("sms_stop", "channel=%s phone=%s member=%lld topic=%s", c->rq->channel, mk,
             c->registered ? (long long)c->m->id : 0LL, topic[0] ? topic : "all");
    if (topic[0])
        topic_name(c, topic, tname, sizeof tname);
    struct text_var vars[] = {{"topic", tname}};
    reply_key(c, "stop_confirmation", NULL, topic[0] ? "sms_stopped_topic" : "sms_stopped", vars,
              1);
    return 0;
}

static int do_start(struct ctx *c, const char *topic)
{
    if (sms_state_suppression_clear(c->db, c->rq->phone) < 0)
        return -1;
    char mk[MSISDN_MAX];
    masked(c->rq->phone, mk);
    if (!c->registered) {
        log_info("sms_start", "channel=%s phone=%s member=0 topic=all", c->rq->channel, mk);
        reply_key(c, "registration", NULL, "sms_start_unregistered", NULL, 0);
        return 0;
    }
    if (member_set_stopped(c->db, c->m->id, false) != 0 ||
        (topic[0] && member_topic_set(c->db, c->m->id, topic, true) != 0))
        return -1;
    log_info("sms_start", "channel=%s phone=%s member=%lld topic=%s", c->rq->channel, mk,
             (long long)c->m->id, topic[0] ? topic : "all");
    char tname[96] = "";
    if (topic[0])
        topic_name(c, topic, tname, sizeof tname);
    struct text_var vars[] = {{"topic", tname}};
    reply_key(c, "reply", NULL, topic[0] ? "sms_started_topic" : "sms_started", vars, 1);
    return 0;
}

/* ---- member services ---- */

static void event_when(const struct ussd_event *e, char *out, size_t outsz)
{
    snprintf(out, outsz, "%02d/%02d %02d:%02d", e->day % 100, e->month % 100, e->hour % 100,
             e->minute % 100);
}

static void event_date(const struct ctx *c, const struct ussd_event *e, char *out, size_t outsz)
{
    char d[8], mo[8], h[8], mi[8];
    snprintf(d, sizeof d, "%d", e->day % 100);
    snprintf(mo, sizeof mo, "%d", e->month % 100);
    snprintf(h, sizeof h, "%d", e->hour % 100);
    snprintf(mi, sizeof mi, "%02d", e->minute % 100);
    struct text_var vars[] = {{"day", d}, {"month", mo}, {"hour", h}, {"minute", mi}};
    if (text_format(text_of(c, "event_when"), vars, 4, out, outsz) < 0)
        snprintf(out, outsz, "%s/%s %s:%s", d, mo, h, mi);
}

#define ITEM_MAX 384 /* bytes of one list item */

/* A list reply: header, then items (the first after first_sep, the others
 * after sep) while they fit one SMS with the tail -- or, when not even one
 * does, the whole segment budget -- then the tail after a space. */
static void reply_list(struct ctx *c, const char *header, char (*items)[ITEM_MAX], size_t nitems,
                       const char *first_sep, const char *sep, const char *tail)
{
    char buf[WORK_MAX], tail_sp[WORK_MAX / 2] = "";
    if (tail && *tail)
        snprintf(tail_sp, sizeof tail_sp, " %s", tail);
    size_t budgets[2] = {1, c->max_segments};
    for (size_t b = 0; b < 2; b++) {
        size_t len = utf8_floor(header, strlen(header), sizeof buf / 2);
        memcpy(buf, header, len);
        buf[len] = '\0';
        size_t added = 0;
        for (size_t i = 0; i < nitems; i++) {
            if (!sms_reply_append(buf, sizeof buf, &len, added ? sep : first_sep, items[i], tail_sp,
                                  budgets[b]))
                break;
            added++;
        }
        if (added == 0 && nitems > 0 && b == 0)
            continue;
        if (added == 0 && nitems > 0) /* too long even for the budget: fitting cuts it */
            snprintf(buf + len, sizeof buf - len, "%s%s", first_sep, items[0]);
        len = strlen(buf);
        snprintf(buf + len, sizeof buf - len, "%s", tail_sp);
        buf[utf8_floor(buf, strlen(buf), sizeof buf - 1)] = '\0';
        reply_text(c, "reply", buf);
        return;
    }
}

static int do_status(struct ctx *c, const struct sms_command *cmd)
{
    if (cmd->arg[0]) {
        struct ussd_grant g;
        int rc =
            grant_find_for_member(c->db, c->m->id, c->m->cooperative_id, cmd->arg, c->lang, &g);
        if (rc < 0)
            return -1;
        if (rc == 0) {
            struct text_var vars[] = {{"reference", cmd->arg}};
            reply_key(c, "reply", NULL, "sms_grant_unknown", vars, 1);
            return 0;
        }
        char key[64], amount[32];
        snprintf(key, sizeof key, "grant_status.%s", g.status);
        snprintf(amount, sizeof amount, "%lld", g.amount_mad);
        struct text_var vars[] = {{"reference", g.reference},
                                  {"status", text_of(c, key)},
                                  {"amount", amount},
                                  {"note", g.note}};
        char body[WORK_MAX];
        if (text_format(text_of(c, "grant_detail"), vars, 4, body, sizeof body) < 0)
            return 0;
        size_t n = strlen(body);
        while (n > 0 && (body[n - 1] == '\n' || body[n - 1] == ' '))
            body[--n] = '\0';
        reply_text(c, "reply", body);
        return 0;
    }
    struct ussd_grant g[LIST_MAX];
    int n = grants_for_member(c->db, c->m->id, c->m->cooperative_id, c->lang, g, LIST_MAX);
    if (n < 0)
        return -1;
    if (n == 0) {
        reply_simple(c, "sms_grants_none");
        return 0;
    }
    char(*it)[ITEM_MAX] = calloc(LIST_MAX, sizeof *it);
    if (!it)
        return -1;
    for (int i = 0; i < n; i++) {
        char key[64];
        snprintf(key, sizeof key, "grant_status.%s", g[i].status);
        struct text_var vars[] = {{"reference", g[i].reference}, {"status", text_of(c, key)}};
        if (text_format(text_of(c, "grant_item"), vars, 2, it[i], sizeof it[i]) < 0)
            snprintf(it[i], sizeof it[i], "%s", g[i].reference);
    }
    reply_list(c, text_of(c, "grants_title"), it, (size_t)n, " ", "; ", "");
    free(it);
    return 0;
}

static int do_events(struct ctx *c)
{
    struct ussd_event *e = calloc(LIST_MAX, sizeof *e);
    char(*it)[ITEM_MAX] = calloc(LIST_MAX, sizeof *it);
    if (!e || !it) {
        free(e);
        free(it);
        return -1;
    }
    int n = events_upcoming(c->db, c->now, c->registered ? c->m->province : "",
                            c->registered ? c->m->id : 0, c->lang, e, LIST_MAX);
    if (n < 0) {
        free(e);
        free(it);
        return -1;
    }
    if (n == 0) {
        reply_simple(c, "events_none");
    } else {
        for (int i = 0; i < n; i++) {
            char date[64];
            event_date(c, &e[i], date, sizeof date);
            struct text_var vars[] = {{"code", e[i].code}, {"title", e[i].title}, {"date", date}};
            if (text_format(text_of(c, "sms_event_item"), vars, 3, it[i], sizeof it[i]) < 0)
                snprintf(it[i], sizeof it[i], "%s", e[i].code);
        }
        reply_list(c, text_of(c, "events_title"), it, (size_t)n, "\n", "\n",
                   text_of(c, "sms_events_join"));
    }
    free(e);
    free(it);
    return 0;
}

static int do_join(struct ctx *c, const struct sms_command *cmd)
{
    if (!cmd->arg[0]) {
        reply_simple(c, "sms_join_usage");
        return 0;
    }
    struct ussd_event e;
    int rc = event_find_by_code(c->db, cmd->arg, c->m->id, c->lang, &e);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        struct text_var vars[] = {{"code", cmd->arg}};
        reply_key(c, "reply", NULL, "sms_event_unknown", vars, 1);
        return 0;
    }
    enum rsvp_result r = event_rsvp(c->db, e.id, c->m->id);
    char when[32];
    event_when(&e, when, sizeof when);
    struct text_var vars[] = {
        {"title", e.title}, {"when", when}, {"place", e.place}, {"code", e.code}};
    switch (r) {
    case RSVP_BOOKED:
        reply_key(c, "reply", NULL, "sms_rsvp", vars, 4);
        break;
    case RSVP_FULL:
        reply_key(c, "reply", NULL, "event_full", vars, 4);
        break;
    case RSVP_ALREADY:
        reply_key(c, "reply", NULL, "rsvp_already", vars, 4);
        break;
    case RSVP_CLOSED:
        reply_key(c, "reply", NULL, "sms_event_closed", vars, 4);
        break;
    case RSVP_ERROR:
        return -1;
    }
    char mk[MSISDN_MAX];
    masked(c->rq->phone, mk);
    log_info("sms_join", "channel=%s phone=%s member=%lld event=%lld result=%d", c->rq->channel, mk,
             (long long)c->m->id, (long long)e.id, (int)r);
    return 0;
}

/* The first words of text, at most max_chars characters. */
static void first_words(const char *text, size_t max_chars, char *out, size_t outsz)
{
    size_t len = strlen(text), i = 0, chars = 0, last_space = 0;
    while (i < len && chars < max_chars) {
        uint32_t cp;
        size_t n = utf8_decode(text + i, len - i, &cp);
        if (n == 0)
            break;
        if (cp == ' ')
            last_space = i;
        i += n;
        chars++;
    }
    size_t keep = i < len && last_space > 0 ? last_space : i;
    if (keep >= outsz)
        keep = utf8_floor(text, keep, outsz - 1);
    memcpy(out, text, keep);
    out[keep] = '\0';
}

static int do_idea(struct ctx *c, const struct sms_command *cmd)
{
    char body[SMS_CMD_ARG_MAX + 1];
    if (!clean_text(cmd->arg, strlen(cmd->arg), IDEA_CHARS_MIN, SMS_CMD_ARG_MAX, body,
                    sizeof body)) {
        reply_simple(c, "sms_idea_usage");
        return 0;
    }
    char title[MEMBER_NAME_MAX], ref[24];
    first_words(body, IDEA_TITLE_CHARS, title, sizeof title);
    const char *sector = c->m->sector[0] ? c->m->sector : "other";
    if (idea_insert(c->db, c->m->id, sector, title, body, ref) != 0)
        return -1;
    struct text_var vars[] = {{"reference", ref}, {"title", title}};
    reply_key(c, "reply", NULL, "sms_idea", vars, 2);
    char mk[MSISDN_MAX];
    masked(c->rq->phone, mk);
    log_info("sms_idea", "channel=%s phone=%s member=%lld reference=%s", c->rq->channel, mk,
             (long long)c->m->id, ref);
    return 0;
}

static int do_alerts(struct ctx *c, const struct sms_command *cmd)
{
    if (cmd->arg[0]) {
        const char *topic = sms_command_topic(cmd->arg, strlen(cmd->arg));
        enum sms_reply_word w = sms_reply_word(cmd->arg, strlen(cmd->arg), true);
        if (!topic || w == SMS_WORD_NONE) {
            reply_simple(c, "sms_alerts_usage");
            return 0;
        }
        bool on = w == SMS_WORD_YES;
        if (member_topic_set(c->db, c->m->id, topic, on) != 0)
            return -1;
        char tname[96];
        topic_name(c, topic, tname, sizeof tname);
        struct text_var vars[] = {{"topic", tname},
                                  {"state", text_of(c, on ? "alert_on" : "alert_off")}};
        reply_key(c, "reply", NULL, "sms_alert_set", vars, 2);
        return 0;
    }
    bool enabled[USSD_TOPIC_COUNT];
    if (member_topics_get(c->db, c->m->id, enabled) != 0)
        return -1;
    char list[WORK_MAX];
    size_t len = 0;
    list[0] = '\0';
    for (int i = 0; i < USSD_TOPIC_COUNT; i++) {
        char tname[96], item[256];
        topic_name(c, ussd_topic_codes[i], tname, sizeof tname);
        struct text_var vars[] = {{"topic", tname},
                                  {"state", text_of(c, enabled[i] ? "alert_on" : "alert_off")}};
        if (text_format(text_of(c, "alert_item"), vars, 2, item, sizeof item) < 0)
            continue;
        int w = snprintf(list + len, sizeof list - len, "%s%s", len ? ", " : "", item);
        if (w < 0 || (size_t)w >= sizeof list - len)
            break;
        len += (size_t)w;
    }
    struct text_var vars[] = {{"list", list}};
    reply_key(c, "reply", NULL, "sms_alerts", vars, 1);
    return 0;
}

static int do_language(struct ctx *c, const struct sms_command *cmd)
{
    if (!lang_offered(c->env, cmd->arg)) {
        char langs[64] = "";
        size_t len = 0;
        for (size_t i = 0; i < c->env->nlanguages && len < sizeof langs; i++) {
            char up[CATALOG_LANG_MAX];
            size_t k = 0;
            for (; c->env->languages[i][k] && k + 1 < sizeof up; k++) {
                char ch = c->env->languages[i][k];
                up[k] = (char)(ch >= 'a' && ch <= 'z' ? ch - 'a' + 'A' : ch);
            }
            up[k] = '\0';
            snprintf(langs + len, sizeof langs - len, "%s%s", i ? ", " : "", up);
            len = strlen(langs);
        }
        struct text_var vars[] = {{"languages", langs}};
        reply_key(c, "reply", NULL, "sms_language_usage", vars, 1);
        return 0;
    }
    c->lang = c->env->languages[0];
    for (size_t i = 0; i < c->env->nlanguages; i++)
        if (strcmp(c->env->languages[i], cmd->arg) == 0)
            c->lang = c->env->languages[i];
    snprintf(c->out->lang, sizeof c->out->lang, "%s", c->lang);
    if (!c->registered) {
        reply_simple(c, "sms_register_first");
        return 0;
    }
    if (member_set_language(c->db, c->m->id, c->lang) != 0)
        return -1;
    reply_simple(c, "language_changed");
    return 0;
}

static void mydata(struct ctx *c)
{
    const struct member *m = c->m;
    char member_no[16], key_p[96], key_s[96], year[16], when[32], lang_name[64];
    member_number(m->id, member_no);
    snprintf(key_p, sizeof key_p, "provinces.%s", m->province);
    snprintf(key_s, sizeof key_s, "sectors.%s", m->sector);
    snprintf(year, sizeof year, "%d", m->birth_year);
    time_t t = (time_t)m->consent_at;
    struct tm tm;
    if (m->consent_at && localtime_r(&t, &tm))
        strftime(when, sizeof when, "%d/%m/%Y", &tm);
    else
        snprintf(when, sizeof when, "-");
    const char *ln = catalog_set_get(c->env->texts, m->language, "language_name", NULL);
    snprintf(lang_name, sizeof lang_name, "%s", ln ? ln : m->language);
    struct text_var vars[] = {
        {"member_no", member_no},
        {"name", m->name},
        {"coop", m->cooperative_name[0] ? m->cooperative_name : text_of(c, "no_coop")},
        {"province", text_of(c, key_p)},
        {"sector", text_of(c, key_s)},
        {"gender", m->gender == 'f'   ? text_of(c, "gender_f")
                   : m->gender == 'm' ? text_of(c, "gender_m")
                                      : "-"},
        {"year", year},
        {"language", lang_name},
        {"consent_date", when},
        {"consent_channel", m->consent_channel[0] ? m->consent_channel : "-"},
    };
    reply_key(c, "reply", NULL, "sms_mydata", vars, sizeof vars / sizeof vars[0]);
}

static int erase_ask(struct ctx *c)
{
    struct sms_state_flow f;
    memset(&f, 0, sizeof f);
    snprintf(f.flow, sizeof f.flow, "erase");
    snprintf(f.lang, sizeof f.lang, "%s", c->lang);
    if (sms_state_flow_put(c->db, c->rq->phone, &f, c->now + c->rq->limits.erase_window_s) != 0)
        return -1;
    char minutes[16];
    snprintf(minutes, sizeof minutes, "%d", (c->rq->limits.erase_window_s + 59) / 60);
    struct text_var vars[] = {{"minutes", minutes}};
    reply_key(c, "reply", NULL, "sms_erase_confirm", vars, 1);
    return 0;
}

static int erase_confirmed(struct ctx *c)
{
    if (sms_state_flow_delete(c->db, c->rq->phone) != 0 || member_erase(c->db, c->m->id) != 0)
        return -1;
    char mk[MSISDN_MAX];
    masked(c->rq->phone, mk);
    log_info("member_erased", "channel=%s phone=%s via=sms", c->rq->channel, mk);
    /* The last message the member gets: it passes the erasure. */
    reply_key(c, "stop_confirmation", NULL, "erased", NULL, 0);
    return 0;
}

/* ---- routing ---- */

/* true when text is nothing but a greeting ("Salam", "Bonjour", "السلام
 * عليكم"): the parser skips one greeting before a keyword, so the text
 * followed by HELP reads as HELP exactly then. Such a message is answered
 * with the help text, as a first contact deserves. */
static bool only_greeting(const char *text, size_t len)
{
    char probe[80];
    if (len == 0 || len + sizeof " HELP" > sizeof probe)
        return false;
    memcpy(probe, text, len);
    memcpy(probe + len, " HELP", sizeof " HELP");
    struct sms_command *cmd = malloc(sizeof *cmd);
    if (!cmd)
        return false;
    bool yes =
        sms_command_parse(probe, strlen(probe), cmd) == SMS_CMD_OK && cmd->command == SMS_CMD_HELP;
    free(cmd);
    return yes;
}

static bool needs_member(enum sms_command_kind k)
{
    return k == SMS_CMD_STATUS || k == SMS_CMD_JOIN || k == SMS_CMD_IDEA || k == SMS_CMD_ALERTS ||
           k == SMS_CMD_MYDATA || k == SMS_CMD_ERASE;
}

static int route(struct ctx *c, const struct sms_command *cmd)
{
    if (needs_member(cmd->command) && !c->registered) {
        reply_simple(c, "sms_register_first");
        return 0;
    }
    switch (cmd->command) {
    case SMS_CMD_HELP:
        reply_simple(c, "sms_help");
        return 0;
    case SMS_CMD_REGISTER:
        return reg_start(c, cmd);
    case SMS_CMD_STATUS:
        return do_status(c, cmd);
    case SMS_CMD_EVENTS:
        return do_events(c);
    case SMS_CMD_JOIN:
        return do_join(c, cmd);
    case SMS_CMD_IDEA:
        return do_idea(c, cmd);
    case SMS_CMD_ALERTS:
        return do_alerts(c, cmd);
    case SMS_CMD_LANGUAGE:
        return do_language(c, cmd);
    case SMS_CMD_START:
        return do_start(c, cmd->arg);
    case SMS_CMD_STOP:
        return do_stop(c, cmd->arg);
    case SMS_CMD_MYDATA:
        mydata(c);
        return 0;
    case SMS_CMD_ERASE:
        return erase_ask(c);
    case SMS_CMD_UNKNOWN:
        if (only_greeting(c->rq->text, c->rq->len)) {
            reply_simple(c, "sms_help");
            return 0;
        }
        break;
    case SMS_CMD_EMPTY:
    case SMS_CMD_COUNT:
        break;
    }
    reply_simple(c, "sms_unknown");
    return 0;
}

/* The reply's language: the member's; an exchange's; the keyword's; the
 * script's; French (as app/inbound always did) -- among those offered. */
static const char *answer_language(const struct ctx *c, const struct sms_state_flow *flow,
                                   const struct sms_command *cmd)
{
    const char *l = NULL;
    if (c->registered && c->m->language[0])
        l = c->m->language;
    else if (flow && flow->lang[0])
        l = flow->lang;
    else if (cmd->lang[0])
        l = cmd->lang;
    else {
        const char *g = sms_command_guess_language(c->rq->text, c->rq->len);
        l = g[0] ? g : "fr";
    }
    for (size_t i = 0; i < c->env->nlanguages; i++)
        if (strcmp(c->env->languages[i], l) == 0)
            return c->env->languages[i];
    return c->env->default_language;
}

int sms_router_handle(sqlite3 *db, const struct sms_router_request *rq,
                      struct sms_router_answer *out)
{
    memset(out, 0, sizeof *out);
    out->kind = "reply";
    struct sms_router_request r = *rq;
    if (r.limits.max_reply_segments <= 0)
        r.limits.max_reply_segments = DEFAULT_MAX_SEGMENTS;
    if (r.limits.replies_per_hour <= 0)
        r.limits.replies_per_hour = DEFAULT_REPLIES_PER_HOUR;
    if (r.limits.conversation_ttl_s <= 0)
        r.limits.conversation_ttl_s = DEFAULT_CONVERSATION_TTL_S;
    if (r.limits.erase_window_s <= 0)
        r.limits.erase_window_s = DEFAULT_ERASE_WINDOW_S;
    const struct member *m = rq->member;
    struct ctx c = {.db = db,
                    .rq = &r,
                    .env = rq->env,
                    .out = out,
                    .m = m,
                    .registered = m && m->registered_at && !m->erased_at,
                    .max_segments = (size_t)r.limits.max_reply_segments,
                    .now = db_now()};
    out->member_id = m ? m->id : 0;

    char stop_topic[SMS_CMD_TOPIC_MAX] = "";
    bool is_stop = sms_command_is_stop(rq->text, rq->len, stop_topic);
    struct sms_command *cmd = malloc(sizeof *cmd);
    struct sms_state_flow *flow = malloc(sizeof *flow);
    int rc = -1;
    if (!cmd || !flow)
        goto done;
    if (sms_command_parse(rq->text, rq->len, cmd) != SMS_CMD_OK)
        cmd->command = is_stop ? SMS_CMD_STOP : SMS_CMD_UNKNOWN; /* as parse already says */
    out->command = is_stop ? SMS_CMD_STOP : cmd->command;
    int has_flow = sms_state_flow_get(db, rq->phone, c.now, flow);
    if (has_flow < 0)
        goto done;
    c.lang = answer_language(&c, has_flow == 1 ? flow : NULL, cmd);
    int recent = sms_state_replies_since(db, rq->phone, c.now - FLOOD_WINDOW_S);
    if (recent < 0)
        goto done;
    bool limited = recent >= r.limits.replies_per_hour;

    if (is_stop) {
        rc = do_stop(&c, stop_topic);
    } else if (limited) {
        rc = 0;
    } else if (has_flow == 1 && strcmp(flow->flow, "register") == 0 && !c.registered) {
        bool handled = false;
        rc = reg_continue(&c, flow, cmd, &handled);
        if (rc == 0 && !handled)
            rc = route(&c, cmd);
    } else if (has_flow == 1 && strcmp(flow->flow, "erase") == 0 && c.registered &&
               (cmd->command == SMS_CMD_ERASE ||
                sms_reply_word(rq->text, rq->len, false) == SMS_WORD_YES)) {
        rc = erase_confirmed(&c);
    } else {
        if (has_flow == 1 && sms_state_flow_delete(db, rq->phone) != 0)
            goto done;
        rc = route(&c, cmd);
    }
    if (rc == 0 && limited) {
        out->answer = false;
        out->rate_limited = true;
    }
    snprintf(out->lang, sizeof out->lang, "%s", c.lang);
    char mk[MSISDN_MAX];
    masked(rq->phone, mk);
    log_info("sms_command", "channel=%s phone=%s member=%lld command=%s lang=%s answer=%s",
             rq->channel, mk, (long long)out->member_id, sms_command_name(out->command), c.lang,
             limited       ? "rate_limited"
             : out->answer ? out->kind
                           : "none");
done:
    free(cmd);
    free(flow);
    return rc;
}
