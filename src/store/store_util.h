/* store_util.h -- small helpers shared by the store/ modules, internal to
 * store/: binding parameters by name, running a statement that
 * returns no row, copying text columns, logging a failed query.
 *
 * Statements come from db_stmt() (the per-thread cache) and go back with
 * db_stmt_done(). A query with more than a few arguments names them in its
 * SQL (":phone") and binds them with the store_bind_* functions below; a
 * name the statement lacks is a programming error (asserted). Text is bound
 * without a copy: it must stay valid until the statement is given back. */
#ifndef TAAWUN_STORE_STORE_UTIL_H
#define TAAWUN_STORE_STORE_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include "store/db_sql.h"

/* The index of parameter name (":name") in st; asserted to exist. */
int store_param(struct db_stmt *st, const char *name);

/* Bind by name. store_bind_text binds NULL for a NULL s;
 * store_bind_text_or_null binds NULL for NULL and for "" alike. */
void store_bind_text(struct db_stmt *st, const char *name, const char *s);
void store_bind_text_or_null(struct db_stmt *st, const char *name, const char *s);
void store_bind_int64(struct db_stmt *st, const char *name, int64_t v);
void store_bind_null(struct db_stmt *st, const char *name);
void store_bind_blob(struct db_stmt *st, const char *name, const void *p, size_t len);

/* Step st once, expecting no row (an INSERT, UPDATE or DELETE), and give
 * it back (db_stmt_done). Returns 0, or -1 logged with what. db_changes()
 * still tells about it afterwards. */
int store_exec(struct db *db, struct db_stmt *st, const char *what)
    __attribute__((warn_unused_result));

/* Step st, an INSERT ending "RETURNING id" (SQL both engines speak, where
 * SQLite alone has a last insert rowid), and give it back: *id the new
 * row's, 0 when the INSERT made none (ON CONFLICT DO NOTHING, an INSERT ...
 * SELECT that selected nothing). Returns DB_DONE, or the failed step's code
 * (not logged: db_failed_unique() and friends tell what it was). */
int store_insert_rc(struct db_stmt *st, int64_t *id) __attribute__((warn_unused_result));

/* store_insert_rc, failures logged with what: 1 (inserted, *id set), 0 (no
 * row inserted, *id 0) or -1. */
int store_insert(struct db *db, struct db_stmt *st, int64_t *id, const char *what)
    __attribute__((warn_unused_result));

/* store_exec for an UPDATE or DELETE whose caller asks whether it matched:
 * 1 (a row changed), 0 (none) or -1 logged with what. */
int store_exec_changed(struct db *db, struct db_stmt *st, const char *what)
    __attribute__((warn_unused_result));

/* Step st once for its one row (a count or a sum) into *out (0 when the
 * step fails) and give it back. Returns 0, or -1 logged with what. */
int store_read_int64(struct db *db, struct db_stmt *st, int64_t *out, const char *what)
    __attribute__((warn_unused_result));

/* Step st (one integer column) into ids, at most max, and give it back.
 * Returns the count, or -1 logged with what. */
int store_read_ids(struct db *db, struct db_stmt *st, int64_t *ids, size_t max, const char *what)
    __attribute__((warn_unused_result));

/* Copy column col of the current row as text into dst (always terminated,
 * "" for NULL), cutting on a UTF-8 boundary. */
void store_copy_text(char *dst, size_t dstsz, struct db_stmt *st, int col);

/* Log a failed query and return -1. */
int store_fail(struct db *db, const char *what);

/* The text column suffix for a language: "ar", "fr" or "en" (others: the
 * first of those that is not empty is used by the callers' coalesce). */
const char *store_lang_column(const char *lang);

#endif
