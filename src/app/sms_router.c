/* sms_router.c -- the SMS command router: STOP first, the flood limit, guided
 * exchanges (registration over several SMS, erase confirmation), then one
 * command per message, handled by app/sms_optout, app/sms_register,
 * app/sms_programme or app/sms_account and answered through the context
 * of app/sms_context. Writes go through store/; replies are handed back to
 * app/inbound, which stores and sends them. */
#include "app/sms_router.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/sms_account.h"
#include "app/sms_consent.h"
#include "app/sms_context.h"
#include "app/sms_optout.h"
#include "app/sms_programme.h"
#include "app/sms_register.h"
#include "core/msisdn.h"
#include "core/sms_reply.h"
#include "store/db.h"
#include "store/sms_state.h"
#include "sys/log.h"

#define FLOOD_WINDOW_S 3600 /* the hour of sms.replies_per_hour */

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

static int route(struct sms_context *c, const struct sms_command *cmd)
{
    if (needs_member(cmd->command) && !c->registered) {
        sms_context_reply_simple(c, "sms_register_first");
        return 0;
    }
    switch (cmd->command) {
    case SMS_CMD_HELP:
        sms_context_reply_simple(c, "sms_help");
        return 0;
    case SMS_CMD_REGISTER:
        return sms_register_start(c, cmd);
    case SMS_CMD_STATUS:
        return sms_programme_status(c, cmd);
    case SMS_CMD_EVENTS:
        return sms_programme_events(c, cmd);
    case SMS_CMD_MORE:
        return sms_programme_more(c);
    case SMS_CMD_JOIN:
        return sms_programme_join(c, cmd);
    case SMS_CMD_IDEA:
        return sms_programme_idea(c, cmd);
    case SMS_CMD_ALERTS:
        return sms_account_alerts(c, cmd);
    case SMS_CMD_LANGUAGE:
        return sms_account_language(c, cmd);
    case SMS_CMD_START:
        return sms_optout_start(c, cmd->arg);
    case SMS_CMD_STOP:
        return sms_optout_stop(c, cmd->arg);
    case SMS_CMD_MYDATA:
        sms_account_mydata(c);
        return 0;
    case SMS_CMD_ERASE:
        return sms_account_erase_ask(c);
    case SMS_CMD_UNKNOWN:
        if (only_greeting(c->text, c->len)) {
            sms_context_reply_simple(c, "sms_help");
            return 0;
        }
        break;
    case SMS_CMD_EMPTY:
    case SMS_CMD_COUNT:
        break;
    }
    sms_context_reply_simple(c, "sms_unknown");
    return 0;
}

/* The reply's language: the member's; an exchange's; the keyword's; the
 * script's; French (as app/inbound always did) -- among those offered. */
static const char *answer_language(const struct sms_context *c, const struct sms_state_flow *flow,
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
        const char *g = sms_command_guess_language(c->text, c->len);
        l = g[0] ? g : "fr";
    }
    for (size_t i = 0; i < c->env->nlanguages; i++)
        if (strcmp(c->env->languages[i], l) == 0)
            return c->env->languages[i];
    return c->env->default_language;
}

/* The context of rq, whose reply goes into out->text. */
static void context_init(struct sms_context *c, struct db *db, const struct sms_router_request *rq,
                         struct sms_router_answer *out)
{
    const struct member *m = rq->member;
    *c = (struct sms_context){.db = db,
                              .env = rq->env,
                              .channel = rq->channel,
                              .phone = rq->phone,
                              .ussd_code = rq->ussd_code,
                              .text = rq->text,
                              .len = rq->len,
                              .conversation_ttl_s = rq->limits.conversation_ttl_s,
                              .erase_window_s = rq->limits.erase_window_s,
                              .max_segments = (size_t)rq->limits.max_reply_segments,
                              .m = m,
                              .registered = m && m->registered_at && !m->erased_at,
                              .now = db_now(),
                              .kind = "reply",
                              .member_id = m ? m->id : 0,
                              .reply = out->text,
                              .replysz = sizeof out->text};
}

/* STOP first; then the flood limit (nothing performed); then an exchange
 * under way (flow, NULL when none); then the command. */
static int dispatch(struct sms_context *c, const struct sms_state_flow *flow,
                    const struct sms_command *cmd, bool is_stop, const char *stop_topic,
                    bool limited)
{
    if (is_stop)
        return sms_optout_stop(c, stop_topic);
    if (limited)
        return 0;
    if (sms_consent_awaited(c)) /* a member registered by their contact: consent first */
        return sms_consent_answer(c);
    if (flow && strcmp(flow->flow, "register") == 0 && !c->registered) {
        bool handled = false;
        int rc = sms_register_continue(c, flow, cmd, &handled);
        if (rc == 0 && !handled)
            rc = route(c, cmd);
        return rc;
    }
    if (flow && strcmp(flow->flow, "erase") == 0 && c->registered &&
        (cmd->command == SMS_CMD_ERASE ||
         sms_reply_word(c->text, c->len, false) == SMS_REPLY_WORD_YES))
        return sms_account_erase_confirm(c);
    if (flow && strcmp(flow->flow, "list") == 0)
        c->list = flow; /* MORE pages on; the handler keeps it while pages remain */
    if (flow && sms_state_flow_delete(c->db, c->phone) != 0)
        return -1;
    return route(c, cmd);
}

/* The answer as the handler left it in c, held back by the flood limit,
 * and the log line of the command. */
static void finish(const struct sms_context *c, struct sms_router_answer *out, bool limited, int rc)
{
    out->answer = c->answer;
    out->kind = c->kind;
    out->member_id = c->member_id;
    if (rc == 0 && limited) {
        out->answer = false;
        out->rate_limited = true;
    }
    /* A STOP is answered by its confirmation only; no reply is longer than
     * the budget. */
    assert(!out->answer || out->command != SMS_CMD_STOP ||
           strcmp(out->kind, "stop_confirmation") == 0);
    assert(!out->answer || sms_reply_segments(out->text, strlen(out->text)) <= c->max_segments);
    snprintf(out->lang, sizeof out->lang, "%s", c->lang);
    char mk[MSISDN_MAX];
    msisdn_mask(c->phone, mk);
    log_debug("sms_command", "channel=%s phone=%s member=%lld command=%s lang=%s answer=%s",
              c->channel, mk, (long long)out->member_id, sms_command_name(out->command), c->lang,
              limited       ? "rate_limited"
              : out->answer ? out->kind
                            : "none");
}

void sms_router_read(const char *text, size_t len, struct sms_router_reading *out)
{
    memset(out, 0, sizeof *out);
    /* STOP is read before anything else, on the bytes as they came. */
    out->is_stop = sms_command_is_stop(text, len, out->stop_topic);
    if (sms_command_parse(text, len, &out->cmd) != SMS_CMD_OK)
        out->cmd.command = out->is_stop ? SMS_CMD_STOP : SMS_CMD_UNKNOWN; /* as parse says */
    assert(out->is_stop == (out->cmd.command == SMS_CMD_STOP));
}

int sms_router_handle(struct db *db, const struct sms_router_request *rq,
                      struct sms_router_answer *out)
{
    /* The settings come from the config, whose schema bounds them. */
    assert(rq->limits.max_reply_segments >= 1 &&
           rq->limits.max_reply_segments <= SMS_REPLY_SEGMENTS_CEILING);
    assert(rq->limits.replies_per_hour > 0 && rq->limits.conversation_ttl_s > 0 &&
           rq->limits.erase_window_s > 0);
    memset(out, 0, sizeof *out);
    out->kind = "reply";
    struct sms_context c;
    context_init(&c, db, rq, out);

    struct sms_router_reading *own = NULL;
    const struct sms_router_reading *r = rq->reading;
    struct sms_state_flow *flow = malloc(sizeof *flow);
    int rc = -1;
    if (!r)
        r = own = malloc(sizeof *own);
    if (!r || !flow)
        goto done;
    if (own)
        sms_router_read(rq->text, rq->len, own);
    const struct sms_command *cmd = &r->cmd;
    bool is_stop = r->is_stop;
    out->command = cmd->command;
    int has_flow = sms_state_flow_get(db, rq->phone, c.now, flow);
    if (has_flow < 0)
        goto done;
    c.lang = answer_language(&c, has_flow == 1 ? flow : NULL, cmd);
    int recent = sms_state_replies_since(db, rq->phone, c.now - FLOOD_WINDOW_S);
    if (recent < 0)
        goto done;
    bool limited = recent >= rq->limits.replies_per_hour;
    rc = dispatch(&c, has_flow == 1 ? flow : NULL, cmd, is_stop, r->stop_topic, limited);
    finish(&c, out, limited, rc);
done:
    free(own);
    free(flow);
    return rc;
}
