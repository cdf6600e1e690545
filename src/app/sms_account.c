/* sms_account.c -- alerts, language, my data and erasure by SMS. */
#include "app/sms_account.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/msisdn.h"
#include "core/sms_reply.h"
#include "core/topic.h"
#include "store/members.h"
#include "store/sms_state.h"
#include "sys/log.h"
#include "sys/log_summary.h"

static bool lang_offered(const struct app_env *env, const char *lang)
{
    for (size_t i = 0; lang && i < env->nlanguages; i++)
        if (strcmp(env->languages[i], lang) == 0)
            return true;
    return false;
}

int sms_account_alerts(struct sms_context *c, const struct sms_command *cmd)
{
    if (cmd->arg[0]) {
        const char *topic = sms_command_topic(cmd->arg, strlen(cmd->arg));
        enum sms_reply_word w = sms_reply_word(cmd->arg, strlen(cmd->arg), true);
        if (!topic || w == SMS_REPLY_WORD_NONE) {
            sms_context_reply_simple(c, "sms_alerts_usage");
            return 0;
        }
        bool on = w == SMS_REPLY_WORD_YES;
        if (member_topic_set(c->db, c->m->id, topic, on) != 0)
            return -1;
        char tname[96];
        sms_context_topic_name(c, topic, tname, sizeof tname);
        struct text_var vars[] = {{"topic", tname},
                                  {"state", sms_context_text(c, on ? "alert_on" : "alert_off")}};
        sms_context_reply_key(c, "reply", NULL, "sms_alert_set", vars, 2);
        return 0;
    }
    bool enabled[TOPIC_COUNT];
    if (member_topics_get(c->db, c->m->id, enabled) != 0)
        return -1;
    char list[SMS_CONTEXT_WORK_MAX];
    size_t len = 0;
    list[0] = '\0';
    /* Each topic by the word that switches it (sms_topic_word: "FORMATIONS
     * oui"), so the answer teaches the command and fits one SMS. */
    const char *sep = sms_context_text(c, "sms_list_sep");
    for (int i = 0; i < TOPIC_COUNT; i++) {
        char key[64], item[256];
        snprintf(key, sizeof key, "sms_topic_word.%s", topic_codes[i]);
        struct text_var vars[] = {
            {"topic", sms_context_text(c, key)},
            {"state", sms_context_text(c, enabled[i] ? "alert_on" : "alert_off")}};
        if (text_format(sms_context_text(c, "sms_alert_item"), vars, 2, item, sizeof item) < 0)
            continue;
        int w = snprintf(list + len, sizeof list - len, "%s%s", len ? sep : "", item);
        if (w < 0 || (size_t)w >= sizeof list - len)
            break;
        len += (size_t)w;
    }
    struct text_var vars[] = {{"list", list}};
    sms_context_reply_key(c, "reply", NULL, "sms_alerts", vars, 1);
    return 0;
}

int sms_account_language(struct sms_context *c, const struct sms_command *cmd)
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
            snprintf(langs + len, sizeof langs - len, "%s%s",
                     i ? sms_context_text(c, "sms_list_sep") : "", up);
            len = strlen(langs);
        }
        struct text_var vars[] = {{"languages", langs}};
        sms_context_reply_key(c, "reply", NULL, "sms_language_usage", vars, 1);
        return 0;
    }
    c->lang = c->env->languages[0];
    for (size_t i = 0; i < c->env->nlanguages; i++)
        if (strcmp(c->env->languages[i], cmd->arg) == 0)
            c->lang = c->env->languages[i];
    if (!c->registered) {
        sms_context_reply_simple(c, "sms_register_first");
        return 0;
    }
    if (member_set_language(c->db, c->m->id, c->lang) != 0)
        return -1;
    sms_context_reply_simple(c, "language_changed");
    return 0;
}

void sms_account_mydata(struct sms_context *c)
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
    /* The language as LANGUAGE takes it ("FR"): "Français" alone turned a
     * French record into UCS-2 and cut its consent record. */
    size_t k = 0;
    for (; m->language[k] && k + 1 < sizeof lang_name; k++)
        lang_name[k] =
            (char)(m->language[k] >= 'a' && m->language[k] <= 'z' ? m->language[k] - ('a' - 'A')
                                                                  : m->language[k]);
    lang_name[k] = '\0';
    struct text_var vars[] = {
        {"member_no", member_no},
        {"name", m->name},
        {"coop", m->cooperative_name[0] ? m->cooperative_name : sms_context_text(c, "no_coop")},
        {"province", sms_context_text(c, key_p)},
        {"sector", sms_context_text(c, key_s)},
        {"gender", m->gender == 'f'   ? sms_context_text(c, "gender_f")
                   : m->gender == 'm' ? sms_context_text(c, "gender_m")
                                      : "-"},
        {"year", year},
        {"language", lang_name},
        {"consent_date", when},
        {"consent_channel", m->consent_channel[0] ? m->consent_channel : "-"},
    };
    sms_context_reply_key(c, "reply", NULL, "sms_mydata", vars, sizeof vars / sizeof vars[0]);
}

int sms_account_erase_ask(struct sms_context *c)
{
    struct sms_state_flow f;
    memset(&f, 0, sizeof f);
    snprintf(f.flow, sizeof f.flow, "erase");
    snprintf(f.lang, sizeof f.lang, "%s", c->lang);
    if (sms_state_flow_put(c->db, c->phone, &f, c->now + c->erase_window_s) != 0)
        return -1;
    char minutes[16];
    snprintf(minutes, sizeof minutes, "%d", (c->erase_window_s + 59) / 60);
    struct text_var vars[] = {{"minutes", minutes}};
    sms_context_reply_key(c, "reply", NULL, "sms_erase_confirm", vars, 1);
    return 0;
}

int sms_account_erase_confirm(struct sms_context *c)
{
    if (sms_state_flow_delete(c->db, c->phone) != 0 || member_erase(c->db, c->m->id) != 0)
        return -1;
    char mk[MSISDN_MAX];
    msisdn_mask(c->phone, mk);
    log_debug("member_erased", "channel=%s phone=%s via=sms", c->channel, mk);
    log_summary_count(LOG_SUMMARY_ERASURES, c->channel, NULL);
    /* The last message the member gets: it passes the erasure. */
    sms_context_reply_key(c, "stop_confirmation", NULL, "erased", NULL, 0);
    return 0;
}
