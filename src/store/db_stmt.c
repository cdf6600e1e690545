/* db_stmt.c -- each connection's cache of prepared statements, keyed by
 * their SQL text (see db_stmt.h). */
#include "store/db_stmt.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"
#include "store/db_health.h"
#include "store/db_pg.h"
#include "store/db_sql.h"

/* Sized for every statement of store/ (about 160, counting the
 * per-language variants) so none is prepared per call on a thread's
 * connection, which runs them all. */
#define STMT_CACHE_SIZE 256

struct db_stmt_cache {
    size_t n;
    struct {
        uint64_t hash;
        const char *sql;  /* sqlite3_sql(st), or a copy for PostgreSQL's */
        const char *seen; /* the caller's pointer at the last hit (a literal, mostly) */
        struct db_stmt st;
    } e[STMT_CACHE_SIZE];
};

void db_stmt_cache_free(struct db *db)
{
    struct db_stmt_cache *c = db->cache;
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        sqlite3_finalize(c->e[i].st.sq);
        if (c->e[i].st.pg) {
            db_pg_finalize(c->e[i].st.pg);
            free((char *)c->e[i].sql);
        }
    }
    free(c);
    db->cache = NULL;
}

/* Back to its state before any binding or step. */
static void stmt_reset(struct db_stmt *st)
{
    if (st->sq) {
        sqlite3_reset(st->sq);
        sqlite3_clear_bindings(st->sq);
    } else {
        db_pg_reset(st->pg);
    }
}

/* A statement prepared for sql on db, in *st. 0 or -1 (logged). */
static int stmt_prepare(struct db *db, const char *sql, bool persistent, struct db_stmt *st)
{
    *st = (struct db_stmt){0};
    if (db->pg) {
        if ((st->pg = db_pg_prepare(db->pg, sql)))
            return 0;
        db_health_log_error(db, "prepare", db_errmsg(db));
        return -1;
    }
    unsigned flags = persistent ? SQLITE_PREPARE_PERSISTENT : 0;
    if (sqlite3_prepare_v3(db->sq, sql, -1, flags, &st->sq, NULL) == SQLITE_OK)
        return 0;
    db_health_log_error(db, "prepare", sqlite3_errmsg(db->sq));
    sqlite3_finalize(st->sq);
    return -1;
}

/* The index of c's statement for sql, or c->n. */
static size_t cache_find(struct db_stmt_cache *c, const char *sql, uint64_t *hash)
{
    /* Most callers pass the same literal every time: find it by its
     * address first (the text still compared), hashing only the rest. */
    for (size_t i = 0; i < c->n; i++)
        if (c->e[i].seen == sql && strcmp(c->e[i].sql, sql) == 0)
            return i;
    *hash = hash_string(sql);
    for (size_t i = 0; i < c->n; i++)
        if (c->e[i].hash == *hash && strcmp(c->e[i].sql, sql) == 0)
            return i;
    return c->n;
}

/* Keep st as c's statement for sql: its place in c, or NULL when c is full
 * (or out of memory), st then left to the caller. */
static struct db_stmt *cache_add(struct db_stmt_cache *c, const char *sql, uint64_t hash,
                                 const struct db_stmt *st)
{
    if (c->n == STMT_CACHE_SIZE)
        return NULL;
    const char *key = st->sq ? sqlite3_sql(st->sq) : strdup(sql);
    if (!key)
        return NULL;
    c->e[c->n].hash = hash;
    c->e[c->n].sql = key;
    c->e[c->n].seen = sql;
    c->e[c->n].st = *st;
    c->e[c->n].st.kept = true;
    c->e[c->n].st.busy = true;
    return &c->e[c->n++].st;
}

struct db_stmt *db_stmt(struct db *db, const char *sql)
{
    if (!db->cache)
        db->cache = calloc(1, sizeof *db->cache); /* NULL: statements not kept */
    struct db_stmt_cache *c = db->cache;
    uint64_t h = 0;
    size_t i = c ? cache_find(c, sql, &h) : 0;
    if (c && i < c->n && !c->e[i].st.busy) {
        c->e[i].seen = sql;
        c->e[i].st.busy = true;
        return &c->e[i].st;
    }
    bool keep = c && i == c->n && c->n < STMT_CACHE_SIZE; /* not for a busy one's copy */
    struct db_stmt st;
    if (stmt_prepare(db, sql, keep, &st) != 0)
        return NULL;
    struct db_stmt *kept = keep ? cache_add(c, sql, h, &st) : NULL;
    if (kept)
        return kept;
    struct db_stmt *own = malloc(sizeof *own);
    if (!own) {
        sqlite3_finalize(st.sq);
        db_pg_finalize(st.pg);
        return NULL;
    }
    *own = st;
    return own;
}

void db_stmt_done(struct db_stmt *done)
{
    if (!done)
        return;
    if (done->kept) {
        stmt_reset(done);
        done->busy = false;
        return;
    }
    sqlite3_finalize(done->sq);
    db_pg_finalize(done->pg);
    free(done);
}
