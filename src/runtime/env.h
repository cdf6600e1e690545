/* env.h -- the domain services' view of the current runtime: the
 * notice environment (catalogs, default language, channel names, reminder
 * lead time) for the admin API's handlers and the scheduler's hooks. */
#ifndef TAAWUN_RUNTIME_ENV_H
#define TAAWUN_RUNTIME_ENV_H

#include <stdbool.h>

#include "app/programme.h"

struct runtime;

/* Fill env from rt (borrowed for as long as rt is held). */
void runtime_env_notice(const struct runtime *rt, struct notice_env *env);

/* Scheduler hooks (see app/scheduler.h): acquire the current runtime and
 * fill env from it; release it. ctx is unused. */
bool runtime_env_acquire(void *ctx, struct notice_env *env, void **hold);
void runtime_env_release(void *hold);

#endif
