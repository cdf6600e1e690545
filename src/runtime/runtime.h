/* runtime.h -- everything a request needs that a reload may replace: the
 * parsed config, the text catalogs and the app's view of them. Requests
 * hold a reference for their whole life, so a reload (SIGHUP) never frees
 * what a request is still using. */
#ifndef TAAWUN_RUNTIME_RUNTIME_H
#define TAAWUN_RUNTIME_RUNTIME_H

#include "app/ussd.h"
#include "config/config.h"
#include "config/texts.h"

struct runtime {
    struct config cfg;
    struct texts texts;
    struct app_env app;
    const char *languages[CATALOG_LANGS_MAX];
    const char *provinces[CONFIG_LIST_MAX];
    const char *sectors[CONFIG_LIST_MAX];
    int refs; /* guarded by the holder's lock */
};

/* Load and check config file path and its catalogs. Returns a runtime with
 * one reference held by the caller, or NULL with errors in errs. Warnings
 * (texts falling back to the default language) go to warnings. */
struct runtime *runtime_load(const char *path, struct config_errors *errs,
                             struct config_errors *warnings);

/* Make rt the current runtime (takes the caller's reference); the previous
 * one is released. */
void runtime_publish(struct runtime *rt);

/* The current runtime with a reference held, or NULL before the first
 * publish. Pair with runtime_release(). */
struct runtime *runtime_acquire(void);
void runtime_release(struct runtime *rt);

#endif
