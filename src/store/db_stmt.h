/* db_stmt.h -- each connection's cache of prepared statements (the
 * db_stmt() and db_stmt_done() of store/db_sql.h): internal to store/db.
 *
 * A connection keeps the statements its callers ask for, keyed by their
 * SQL text, for its whole life: a thread's pooled connection, a reader's,
 * a node's lifeline and a test's alike, so no statement is prepared per
 * call (on PostgreSQL a prepare, a run and a DEALLOCATE are three round
 * trips). A statement still in use when the same text is asked again on
 * the same connection (a loop over one statement's rows running it again
 * inside) is prepared afresh for the inner caller and freed when given
 * back, so neither caller's rows are reset under it. */
#ifndef TAAWUN_STORE_DB_STMT_H
#define TAAWUN_STORE_DB_STMT_H

struct db;

/* Finalize every statement db keeps; db_close() calls it before closing
 * the engine's handle. */
void db_stmt_cache_free(struct db *db);

#endif
