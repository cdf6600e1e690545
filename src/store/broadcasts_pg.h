/* broadcasts_pg.h -- internal to store/: what store/broadcasts does in C on
 * PostgreSQL, where its SQLite statements call store/db's SQL functions
 * sms_encoding(), sms_units() and sms_segments(). PostgreSQL has none, and
 * none is written in PL/pgSQL: core/gsm stays the one measure of a text,
 * and these functions give what those statements give (the audience's
 * names grouped and measured, a member's personalised text). */
#ifndef TAAWUN_STORE_BROADCASTS_PG_H
#define TAAWUN_STORE_BROADCASTS_PG_H

#include <stddef.h>
#include <stdint.h>

#include "store/db_sql.h"

/* A name's class, in store/broadcasts' enum broadcast_name_class order
 * (asserted there; this header cannot include it: it includes this one). */
enum { BROADCASTS_PG_GSM7 = 0, BROADCASTS_PG_UCS2 = 1, BROADCASTS_PG_NONE = 2 };

/* One language's names of one class: how many, the highest member id, the
 * longest name ("" for none). Borrowed for the call. */
typedef void broadcasts_pg_group_fn(const char *language, int name_class, int64_t count,
                                    int64_t max_id, const char *longest, void *ctx);

/* Step st, whose rows are (language, name, count, highest member id)
 * grouped by language and name ("" for none), ordered by language in byte
 * order, and call fn once per language and name class with the class's
 * count, highest id and longest name (most units of its own encoding, ties
 * to the greater bytes), as SQLite's statement groups them. Returns the
 * last db_step code (DB_DONE when all went well); st is not given back. */
int broadcasts_pg_names(struct db_stmt *st, broadcasts_pg_group_fn *fn, void *ctx);

/* body (whose encoding is encoding, "gsm7" or "ucs2") for member id named
 * name ("" for none): {member_no} their number (store/members'
 * member_number), {name} the name, or name_fallback when there is none or
 * when the text is GSM-7 and the name is not (struct broadcast_text);
 * *segments its core/gsm measure. *out malloc'd, the caller frees it.
 * Returns 0, or -1 (out of memory, a text that is not UTF-8). */
int broadcasts_pg_body(const char *body, const char *encoding, const char *name_fallback,
                       int64_t id, const char *name, char **out, int64_t *segments)
    __attribute__((warn_unused_result));

/* A chunk's messages gathered for one INSERT on PostgreSQL (one round trip
 * for the chunk, not one per member): each column kept as an array literal
 * ({"...","..."}), bound as text and read with unnest() in the order the
 * rows were added. Zero-initialise; broadcasts_pg_rows_free() after. */
struct broadcasts_pg_text {
    char *p;
    size_t len, cap;
};
struct broadcasts_pg_rows {
    size_t count;
    struct broadcasts_pg_text member_ids, phones, bodies, encodings, segments;
};

/* Add one message's member, phone, body, encoding and segments. 0, or -1
 * (out of memory: the rows are then unusable, free them). */
int broadcasts_pg_rows_add(struct broadcasts_pg_rows *r, int64_t member_id, const char *phone,
                           const char *body, const char *encoding, int64_t segments)
    __attribute__((warn_unused_result));

/* Bind the rows' arrays to st's :member_ids, :phones, :bodies, :encodings
 * and :segments (text; the statement casts them to arrays). 0 or -1. */
int broadcasts_pg_rows_bind(struct db_stmt *st, struct broadcasts_pg_rows *r)
    __attribute__((warn_unused_result));

/* Empty the rows for the next INSERT (their memory kept), or free it. */
void broadcasts_pg_rows_clear(struct broadcasts_pg_rows *r);
void broadcasts_pg_rows_free(struct broadcasts_pg_rows *r);

#endif
