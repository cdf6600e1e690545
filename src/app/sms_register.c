/* sms_register.c -- registration by SMS: reading each answer, asking the
 * next question, the draft kept between messages, and the member row
 * written once consent is given. */
#include "app/sms_register.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/limits.h"
#include "core/msisdn.h"
#include "core/sms_reply.h"
#include "core/text_input.h"
#include "core/ussd_menu.h"
#include "core/utf8.h"
#include "store/members.h"
#include "sys/local_year.h"
#include "sys/log.h"
#include "sys/log_summary.h"

#define FOLD_MAX 512 /* bytes of a folded answer */
#define REG_STATE_VERSION 1u

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
static int pick(const struct sms_context *c, const char *answer, const char *group,
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
static char pick_gender(const struct sms_context *c, const char *answer)
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
static bool reg_read(struct sms_context *c, struct reg_draft *d, enum reg_step s,
                     const char *answer, int *db_error)
{
    char a[FOLD_MAX];
    switch (s) {
    case REG_NAME: {
        char name[MEMBER_NAME_MAX];
        if (!text_input_clean(answer, strlen(answer), USSD_NAME_CHARS_MIN, USSD_NAME_CHARS_MAX,
                              true, name, sizeof name))
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
        if (y < MEMBER_BIRTH_YEAR_MIN || y > local_year_now() - c->env->min_age)
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
static void numbered_names(const struct sms_context *c, const char *group, const char *const *codes,
                           size_t n, char *out, size_t outsz)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        char key[96];
        snprintf(key, sizeof key, "%s.%s", group, codes[i]);
        int w =
            snprintf(out + len, outsz - len, "%s%zu %s",
                     i ? sms_context_text(c, "sms_list_sep") : "", i + 1, sms_context_text(c, key));
        if (w < 0 || (size_t)w >= outsz - len) {
            out[utf8_floor(out, len, outsz - 1)] = '\0';
            return;
        }
        len += (size_t)w;
    }
}

static void reg_ask(struct sms_context *c, enum reg_step s, const char *error_key)
{
    char list[SMS_CONTEXT_WORK_MAX] = "";
    if (s == REG_PROVINCE)
        numbered_names(c, "provinces", c->env->provinces, c->env->nprovinces, list, sizeof list);
    else if (s == REG_SECTOR)
        numbered_names(c, "sectors", c->env->sectors, c->env->nsectors, list, sizeof list);
    /* A wrong year says which years are taken. */
    char min[16], max[16], why[SMS_CONTEXT_ITEM_MAX];
    snprintf(min, sizeof min, "%d", MEMBER_BIRTH_YEAR_MIN);
    snprintf(max, sizeof max, "%d", local_year_now() - c->env->min_age);
    struct text_var range[] = {{"min", min}, {"max", max}};
    if (error_key && strcmp(error_key, "err_year") == 0 &&
        text_format(sms_context_text(c, "sms_err_year"), range, 2, why, sizeof why) >= 0)
        error_key = NULL;
    else
        why[0] = '\0';
    const char *prefix = error_key ? sms_context_text(c, error_key) : why;
    struct text_var vars[] = {{"list", list}};
    sms_context_reply_key(c, "registration", prefix, reg_questions[s], vars, 1);
}

static enum reg_step reg_next(const struct reg_draft *d)
{
    for (int s = REG_NAME; s < REG_CONSENT; s++)
        if (!(d->filled & (1u << s)))
            return (enum reg_step)s;
    return REG_CONSENT;
}

static int reg_save(struct sms_context *c, const struct reg_draft *d, enum reg_step step)
{
    struct sms_state_flow f;
    memset(&f, 0, sizeof f);
    snprintf(f.flow, sizeof f.flow, "register");
    f.step = (int)step;
    snprintf(f.lang, sizeof f.lang, "%s", c->lang);
    memcpy(f.state, d, sizeof *d);
    f.state_len = sizeof *d;
    return sms_state_flow_put(c->db, c->phone, &f, c->now + c->conversation_ttl_s);
}

/* All answers given and consent said yes: the member is registered. */
static int reg_finish(struct sms_context *c, const struct reg_draft *d)
{
    struct member m;
    memset(&m, 0, sizeof m);
    snprintf(m.phone, sizeof m.phone, "%s", c->phone);
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
        sms_state_suppression_clear(c->db, c->phone) < 0 ||
        sms_state_flow_delete(c->db, c->phone) != 0)
        return -1;
    char member_no[16];
    member_number(id, member_no);
    c->member_id = id;
    struct text_var vars[] = {{"name", m.name}, {"member_no", member_no}};
    sms_context_reply_key(c, "registration", NULL, "sms_registered", vars, 2);
    char mk[MSISDN_MAX];
    msisdn_mask(c->phone, mk);
    log_debug("member_registered", "channel=%s phone=%s member=%s via=sms", c->channel, mk,
              member_no);
    log_summary_count(LOG_SUMMARY_REGISTRATIONS, c->channel, NULL);
    return 0;
}

/* REGISTER [fields]: start the exchange, with the fields of a one-message
 * registration taken first. */
int sms_register_start(struct sms_context *c, const struct sms_command *cmd)
{
    if (c->registered) {
        char member_no[16];
        member_number(c->m->id, member_no);
        struct text_var vars[] = {{"member_no", member_no}};
        sms_context_reply_key(c, "reply", NULL, "sms_already_registered", vars, 1);
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
int sms_register_continue(struct sms_context *c, const struct sms_state_flow *f,
                          const struct sms_command *cmd, bool *handled)
{
    *handled = true;
    struct reg_draft d;
    if (f->state_len != sizeof d) {
        *handled = false;
        return sms_state_flow_delete(c->db, c->phone);
    }
    memcpy(&d, f->state, sizeof d);
    if (d.version != REG_STATE_VERSION || f->step < 0 || f->step >= REG_STEPS) {
        *handled = false;
        return sms_state_flow_delete(c->db, c->phone);
    }
    enum reg_step s = (enum reg_step)f->step;
    bool a_command = cmd->command != SMS_CMD_UNKNOWN && cmd->command != SMS_CMD_EMPTY;
    if (cmd->command == SMS_CMD_REGISTER) {
        /* REGISTER again: start over (with the new fields, if any). */
        return sms_register_start(c, cmd);
    }
    char answer[SMS_CMD_ARG_MAX + 1];
    size_t alen =
        c->len < sizeof answer - 1 ? c->len : utf8_floor(c->text, c->len, sizeof answer - 1);
    memcpy(answer, c->text, alen);
    answer[alen] = '\0';
    if (s == REG_CONSENT) {
        enum sms_reply_word w = sms_reply_word(answer, alen, false);
        if (w == SMS_REPLY_WORD_YES)
            return reg_finish(c, &d);
        if (w == SMS_REPLY_WORD_NO) {
            if (sms_state_flow_delete(c->db, c->phone) != 0)
                return -1;
            sms_context_reply_key(c, "registration", NULL, "consent_refused", NULL, 0);
            return 0;
        }
        if (a_command) {
            *handled = false;
            return sms_state_flow_delete(c->db, c->phone);
        }
        reg_ask(c, s, "err_choice");
        return 0;
    }
    /* A bare keyword is a command, not a name; at the other steps a
     * keyword that is no valid answer is a command too. */
    if (s == REG_NAME && a_command && cmd->arg[0] == '\0') {
        *handled = false;
        return sms_state_flow_delete(c->db, c->phone);
    }
    int db_error = 0;
    bool ok = reg_read(c, &d, s, answer, &db_error);
    if (db_error)
        return -1;
    if (!ok && a_command && s != REG_NAME) {
        *handled = false;
        return sms_state_flow_delete(c->db, c->phone);
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
