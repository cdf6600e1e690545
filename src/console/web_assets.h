/* web_assets.h -- the web console's files (src/web/), embedded in the
 * binary at build time by contrib/embed-web.sh into $(BUILD)/gen/
 * web_assets.c: one entry per file with its path under /console/, its
 * content type and its bytes. */
#ifndef TAAWUN_CONSOLE_WEB_ASSETS_H
#define TAAWUN_CONSOLE_WEB_ASSETS_H

#include <stddef.h>

struct web_asset {
    const char *path;         /* "/index.html", "/i18n/ar.json" */
    const char *content_type; /* "text/html; charset=utf-8", ... */
    const unsigned char *data;
    size_t len;
};

/* Every file, terminated by an entry whose path is NULL. */
extern const struct web_asset web_assets[];

#endif
