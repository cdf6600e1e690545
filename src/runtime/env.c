/* env.c -- building app/programme's notice environment from the
 * reference-counted runtime (config + catalogs). */
#include "runtime/env.h"

#include "channels/channel_ops.h"
#include "runtime/runtime.h"

void runtime_env_notice(const struct runtime *rt, struct notice_env *env)
{
    *env = (struct notice_env){
        .texts = &rt->texts.set,
        .default_language = rt->cfg.programme.default_language,
        .reminder_before_s = rt->cfg.programme.reminder_before_s,
        .approval_recipients = rt->cfg.broadcasts.approval_recipients,
        .approval_cost_mad = rt->cfg.broadcasts.approval_cost_mad,
    };
    for (size_t i = 0; i < rt->cfg.nchannels && i < NOTICE_CHANNELS_MAX; i++) {
        const struct channel_ops *ops = channel_ops_find(rt->cfg.channels[i].type);
        env->channel_price[env->nchannels] = rt->cfg.channels[i].price_per_segment_mad;
        env->channel_budget[env->nchannels] = rt->cfg.channels[i].monthly_budget_mad;
        env->channel_test[env->nchannels] = ops && ops->test;
        env->channels[env->nchannels++] = rt->cfg.channels[i].name;
    }
    if (rt->cfg.sms.outbound_channel[0])
        env->outbound_channel = rt->cfg.sms.outbound_channel;
    for (size_t i = 0; i < rt->cfg.programme.nlanguages && i < CATALOG_LANGS_MAX; i++)
        env->languages[env->nlanguages++] = rt->cfg.programme.languages[i];
    env->send_window_open_min = rt->cfg.programme.send_window_open_min;
    env->send_window_close_min = rt->cfg.programme.send_window_close_min;
    env->retention = (struct retention_policy){
        .messages_days = rt->cfg.retention.messages_days,
        .inbound_parts_days = rt->cfg.retention.inbound_parts_days,
        .drafts_days = rt->cfg.retention.drafts_days,
        .audit_days = rt->cfg.retention.audit_days,
        .console_sessions_days = rt->cfg.retention.console_sessions_days,
        .ussd_session_ends_days = rt->cfg.retention.ussd_session_ends_days,
        .archive_dir = rt->cfg.retention.archive_dir,
    };
}

static const char *ussd_code_for(const struct config *cfg, const struct channel_settings *ch)
{
    if (ch->ussd_code[0])
        return ch->ussd_code;
    for (size_t i = 0; i < cfg->nchannels; i++)
        if (cfg->channels[i].ussd_code[0])
            return cfg->channels[i].ussd_code;
    return "";
}

void runtime_env_inbound(const struct runtime *rt, const struct channel_settings *ch,
                         bool inline_reply, struct inbound_context *c)
{
    *c = (struct inbound_context){
        .env = &rt->app,
        .ch = ch,
        .ussd_code = ussd_code_for(&rt->cfg, ch),
        .inline_reply = inline_reply,
        .sms = {rt->cfg.sms.max_reply_segments, rt->cfg.sms.replies_per_hour,
                rt->cfg.sms.conversation_ttl_s, rt->cfg.sms.erase_window_s}};
}

bool runtime_env_acquire(void *ctx, struct notice_env *env, void **hold)
{
    (void)ctx;
    struct runtime *rt = runtime_acquire();
    if (!rt)
        return false;
    runtime_env_notice(rt, env);
    *hold = rt;
    return true;
}

void runtime_env_release(void *hold)
{
    runtime_release(hold);
}
