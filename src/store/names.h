/* names.h -- members' folded names (members.name_folded, what staff search
 * reads) given from C to the rows written without one: the demo data, a
 * name set with sqlite3 by hand. Every statement of the daemon that writes
 * a name writes its folded form too (core/fold's fold_text, bound as a
 * parameter: no store engine is asked to fold); this catches the others.
 *
 * Called by store/db itself (after the migrations, after the demo data),
 * so this module includes nothing of store/db's but store/db_sql.h (and
 * neither store/db.h nor store/store_util.h, which would make an include
 * cycle): it logs nothing, and leaves a failed statement's error on the
 * connection for its caller to log. Borrows the connection; begins and
 * commits nothing. */
#ifndef TAAWUN_STORE_NAMES_H
#define TAAWUN_STORE_NAMES_H

struct db;

/* Rows read, folded and updated per round: a round holds this many folded
 * names on the stack, FOLDED_NAME_MAX bytes each. */
#define NAMES_FOLD_BATCH 16

/* Give every member whose name is set and name_folded NULL the name folded
 * by core/fold (fold_text, FOLDED_NAME_MAX bytes at most, every byte of
 * the stored text read): rounds of NAMES_FOLD_BATCH rows in id order, read
 * through the partial index members_unfolded, then updated by id. Must run
 * inside the caller's write transaction (asserted), which takes all of it
 * or none: store/db.c's db_migrate and db_load_if_empty hold one. Cheap
 * when there are none: one probe of an empty index. Returns the rows
 * folded, or -1: the failed statement's error is left on db for the caller
 * to log (db_log_error, store/db.h) before it rolls back. */
int names_fold_missing(struct db *db) __attribute__((warn_unused_result));

#endif
