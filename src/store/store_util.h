/* store_util.h -- small helpers shared by the store/ modules (not exported
 * beyond store/). */
#ifndef TAAWUN_STORE_STORE_UTIL_H
#define TAAWUN_STORE_STORE_UTIL_H

#include <stddef.h>
#include <sqlite3.h>

/* Copy column col of the current row as text into dst (always terminated,
 * "" for NULL), cutting on a UTF-8 boundary. */
void store_copy_text(char *dst, size_t dstsz, sqlite3_stmt *st, int col);

/* Log a failed query and return -1. */
int store_fail(sqlite3 *db, const char *what);

/* The text column suffix for a language: "ar", "fr" or "en" (others: the
 * first of those that is not empty is used by the callers' coalesce). */
const char *store_lang_column(const char *lang);

#endif
