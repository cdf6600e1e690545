/* store_util.c -- helpers shared by the store/ modules. */
#include "store/store_util.h"

#include <string.h>

#include "core/utf8.h"
#include "sys/log.h"

void store_copy_text(char *dst, size_t dstsz, sqlite3_stmt *st, int col)
{
    const char *t = (const char *)sqlite3_column_text(st, col);
    size_t n = t ? (size_t)sqlite3_column_bytes(st, col) : 0;
    if (n >= dstsz)
        n = utf8_floor(t, n, dstsz - 1);
    if (n)
        memcpy(dst, t, n);
    dst[n] = '\0';
}

int store_fail(sqlite3 *db, const char *what)
{
    char q[300];
    log_error("db_error", "query=%s error=%s", what, log_quote(sqlite3_errmsg(db), q, sizeof q));
    return -1;
}

const char *store_lang_column(const char *lang)
{
    if (lang && (strcmp(lang, "fr") == 0 || strcmp(lang, "en") == 0))
        return lang;
    return "ar";
}
