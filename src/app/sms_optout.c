/* sms_optout.c -- STOP and START by SMS, and the opt-out hint of
 * broadcasts. */
#include "app/sms_optout.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/msisdn.h"
#include "core/sms_reply.h"
#include "store/members.h"
#include "store/sms_state.h"
#include "sys/log.h"
#include "sys/log_summary.h"

/* ---- STOP and START ---- */

int sms_optout_stop(struct sms_context *c, const char *topic)
{
    if (sms_state_flow_delete(c->db, c->phone) != 0)
        return -1;
    char tname[96] = "";
    if (c->registered) {
        int rc = topic[0] ? member_topic_set(c->db, c->m->id, topic, false)
                          : member_set_stopped(c->db, c->m->id, true);
        if (rc != 0)
            return -1;
    } else {
        topic = ""; /* a number that is no member stops everything */
        if (sms_state_suppression_add(c->db, c->phone, c->channel) != 0)
            return -1;
    }
    char mk[MSISDN_MAX];
    msisdn_mask(c->phone, mk);
    log_debug("sms_stop", "channel=%s phone=%s member=%lld topic=%s", c->channel, mk,
              c->registered ? (long long)c->m->id : 0LL, topic[0] ? topic : "all");
    log_summary_count(LOG_SUMMARY_OPT_OUTS, c->channel, NULL);
    if (topic[0])
        sms_context_topic_name(c, topic, tname, sizeof tname);
    struct text_var vars[] = {{"topic", tname}};
    sms_context_reply_key(c, "stop_confirmation", NULL,
                          topic[0] ? "sms_stopped_topic" : "sms_stopped", vars, 1);
    return 0;
}

int sms_optout_start(struct sms_context *c, const char *topic)
{
    if (sms_state_suppression_clear(c->db, c->phone) < 0)
        return -1;
    char mk[MSISDN_MAX];
    msisdn_mask(c->phone, mk);
    if (!c->registered) {
        log_debug("sms_start", "channel=%s phone=%s member=0 topic=all", c->channel, mk);
        log_summary_count(LOG_SUMMARY_OPT_INS, c->channel, NULL);
        sms_context_reply_key(c, "registration", NULL, "sms_start_unregistered", NULL, 0);
        return 0;
    }
    if (member_set_stopped(c->db, c->m->id, false) != 0 ||
        (topic[0] && member_topic_set(c->db, c->m->id, topic, true) != 0))
        return -1;
    log_debug("sms_start", "channel=%s phone=%s member=%lld topic=%s", c->channel, mk,
              (long long)c->m->id, topic[0] ? topic : "all");
    log_summary_count(LOG_SUMMARY_OPT_INS, c->channel, NULL);
    char tname[96] = "";
    if (topic[0])
        sms_context_topic_name(c, topic, tname, sizeof tname);
    struct text_var vars[] = {{"topic", tname}};
    sms_context_reply_key(c, "reply", NULL, topic[0] ? "sms_started_topic" : "sms_started", vars,
                          1);
    return 0;
}

/* ---- the opt-out hint ---- */

const char *sms_optout_hint(const struct catalog_set *texts, const char *lang)
{
    const char *h = texts ? catalog_set_get(texts, lang, "broadcast_opt_out_hint", NULL) : NULL;
    return h ? h : "";
}

long sms_optout_with_hint(const struct catalog_set *texts, const char *lang, const char *body,
                          char *out, size_t outsz)
{
    if (!out || outsz == 0)
        return -1;
    out[0] = '\0';
    const char *hint = sms_optout_hint(texts, lang);
    size_t bl = strlen(body);
    bool has = !hint[0] || sms_reply_has_opt_out(body, bl, hint);
    /* On a line of its own: glued after the body's last word it read as
     * part of the sentence ("...samedi STOP pour arreter"). */
    int n = has ? snprintf(out, outsz, "%s", body) : snprintf(out, outsz, "%s\n%s", body, hint);
    if (n < 0 || (size_t)n >= outsz) {
        out[0] = '\0';
        return -1;
    }
    return n;
}
