/* runtime.c -- loading a config with its catalogs, and handing the current
 * one to requests with reference counting so reloads are safe. */
#include "runtime/runtime.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_host.h"
#include "config/trust.h"

static pthread_mutex_t holder_lock = PTHREAD_MUTEX_INITIALIZER;
static struct runtime *current;

static void runtime_free(struct runtime *rt)
{
    if (!rt)
        return;
    texts_free(&rt->texts);
    free(rt);
}

struct runtime *runtime_load(const char *path, struct config_errors *errs,
                             struct config_errors *warnings)
{
    struct runtime *rt = calloc(1, sizeof *rt);
    if (!rt) {
        config_error(errs, path, 0, "out of memory");
        return NULL;
    }
    /* The host's and the trust boundary's checks both run: every reason
     * a config is refused is reported at once. */
    bool loaded = config_load(path, &rt->cfg, errs) == 0;
    bool host_ok = loaded && config_check_host(&rt->cfg, errs) == 0;
    bool trust_ok = loaded && config_trust_check(&rt->cfg, errs) == 0;
    if (!host_ok || !trust_ok || texts_load(&rt->cfg, &rt->texts, errs) != 0 ||
        texts_check(&rt->cfg, &rt->texts, errs, warnings) != 0) {
        runtime_free(rt);
        return NULL;
    }
    for (size_t i = 0; i < rt->cfg.programme.nlanguages; i++)
        rt->languages[i] = rt->cfg.programme.languages[i];
    for (size_t i = 0; i < rt->cfg.programme.nprovinces; i++)
        rt->provinces[i] = rt->cfg.programme.provinces[i];
    for (size_t i = 0; i < rt->cfg.programme.nsectors; i++)
        rt->sectors[i] = rt->cfg.programme.sectors[i];
    rt->app = (struct app_env){
        .texts = &rt->texts.set,
        .programme = rt->cfg.programme.name,
        .languages = rt->languages,
        .nlanguages = rt->cfg.programme.nlanguages,
        .provinces = rt->provinces,
        .nprovinces = rt->cfg.programme.nprovinces,
        .sectors = rt->sectors,
        .nsectors = rt->cfg.programme.nsectors,
        .min_age = rt->cfg.programme.min_age,
        .default_language = rt->cfg.programme.default_language,
        .draft_ttl_s = rt->cfg.ussd.draft_ttl_s,
    };
    rt->refs = 1;
    return rt;
}

void runtime_publish(struct runtime *rt)
{
    pthread_mutex_lock(&holder_lock);
    struct runtime *old = current;
    current = rt;
    bool free_old = old && --old->refs == 0;
    pthread_mutex_unlock(&holder_lock);
    if (free_old)
        runtime_free(old);
}

struct runtime *runtime_acquire(void)
{
    pthread_mutex_lock(&holder_lock);
    struct runtime *rt = current;
    if (rt)
        rt->refs++;
    pthread_mutex_unlock(&holder_lock);
    return rt;
}

void runtime_release(struct runtime *rt)
{
    if (!rt)
        return;
    pthread_mutex_lock(&holder_lock);
    bool last = --rt->refs == 0;
    pthread_mutex_unlock(&holder_lock);
    if (last)
        runtime_free(rt);
}
