/* app_env.h -- the app's view of the programme's settings and texts, as the
 * USSD menus and the SMS commands read them: borrowed from the runtime
 * (runtime/runtime), which holds one per configuration. */
#ifndef TAAWUN_APP_APP_ENV_H
#define TAAWUN_APP_APP_ENV_H

#include <stddef.h>

#include "core/catalog.h"

/* What the menus need to know about the programme (borrowed). */
struct app_env {
    const struct catalog_set *texts;
    const char *programme;
    const char *const *languages;
    size_t nlanguages;
    const char *const *provinces;
    size_t nprovinces;
    const char *const *sectors;
    size_t nsectors;
    int min_age;
    const char *default_language;
    int draft_ttl_s; /* a draft older than this is not offered */
};

#endif
