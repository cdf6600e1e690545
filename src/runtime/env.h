/* env.h -- the domain services' view of the current runtime: the
 * notice environment (catalogs, default language, channel names, reminder
 * lead time) for the admin API's handlers and the scheduler's hooks, and
 * the context an inbound SMS is handled with (webhooks, phone simulator). */
#ifndef TAAWUN_RUNTIME_ENV_H
#define TAAWUN_RUNTIME_ENV_H

#include <stdbool.h>

#include "app/inbound.h"
#include "app/programme.h"

struct runtime;

/* Fill env from rt (borrowed for as long as rt is held). */
void runtime_env_notice(const struct runtime *rt, struct notice_env *env);

/* Fill c for an inbound SMS on channel ch (both borrowed from rt): the
 * sms.* settings, and the USSD code named in help texts (ch's, else the
 * first configured one's). inline_reply: the reply travels in the answer. */
void runtime_env_inbound(const struct runtime *rt, const struct channel_settings *ch,
                         bool inline_reply, struct inbound_context *c);

/* Scheduler hooks (see app/scheduler.h): acquire the current runtime and
 * fill env from it; release it. ctx is unused. */
bool runtime_env_acquire(void *ctx, struct notice_env *env, void **hold);
void runtime_env_release(void *hold);

#endif
