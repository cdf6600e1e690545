/* texts.h -- loading the member-facing text catalogs (conf/messages/LANG.conf)
 * into core catalogs, and checking them: every key the menus use, every
 * province and sector name, and every screen fitting the channels' limits. */
#ifndef TAAWUN_CONFIG_TEXTS_H
#define TAAWUN_CONFIG_TEXTS_H

#include "config/config.h"
#include "core/catalog.h"

struct texts {
    struct catalog *catalogs[CATALOG_LANGS_MAX];
    struct catalog *lines[CATALOG_LANGS_MAX]; /* key -> line in its file, for reports */
    size_t count;
    struct catalog_set set; /* points into catalogs; fallback = default language */
};

/* Load one catalog per configured language from cfg's messages_dir.
 * Groups: `messages` (keys as they are), any other group G (keys "G.key").
 * Returns 0, or -1 with FILE:LINE errors appended to errs. */
int texts_load(const struct config *cfg, struct texts *out, struct config_errors *errs)
    __attribute__((warn_unused_result));

void texts_free(struct texts *t);

/* Check the catalogs against the menus and cfg's channels. Missing keys in
 * the default language and screens that cannot fit are errors (appended to
 * errs); keys missing in other languages fall back and are appended to
 * warnings. Returns the number of errors. */
int texts_check(const struct config *cfg, const struct texts *t, struct config_errors *errs,
                struct config_errors *warnings);

#endif
