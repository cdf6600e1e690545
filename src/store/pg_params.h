/* pg_params.h -- the parameters of the store's SQL, as SQLite spells them
 * (?1, ?, :name), rewritten as PostgreSQL's ($1), with the names kept so
 * that a parameter is still bound by name (store/db_pg). Internal to store/.
 *
 * Numbering follows SQLite's own rule, so a statement binds the same way on
 * both engines: ?N is parameter N; a bare ? is one more than the largest
 * number so far; a :name is one more than the largest so far the first time
 * it appears, and the same number every time after. Text inside quotes
 * ('...', "..."), dollar quotes ($$...$$, $tag$...$tag$), comments and a
 * PostgreSQL cast (::type) is copied as it is. */
#ifndef TAAWUN_STORE_PG_PARAMS_H
#define TAAWUN_STORE_PG_PARAMS_H

#include <stddef.h>

/* Named parameters one statement may have (the admin API's longest search
 * has about a dozen). */
#define PG_PARAMS_NAMES_MAX 48
/* Longest parameter name, ':' included. */
#define PG_PARAMS_NAME_MAX 48
/* PostgreSQL's own limit on a statement's parameters. */
#define PG_PARAMS_MAX 65535

struct pg_params {
    int count; /* the largest parameter number: how many values to send */
    size_t nnames;
    struct {
        char name[PG_PARAMS_NAME_MAX + 1]; /* with its ':' */
        int index;
    } names[PG_PARAMS_NAMES_MAX];
};

/* sql with its parameters as $N, in a new string the caller frees, and
 * what was found in *p. NULL when out of memory, or when sql has a
 * parameter this engine cannot take (a number of 0 or past PG_PARAMS_MAX,
 * more names or a longer name than the limits above, an unterminated
 * quote or comment): *p's count is then -1 for the latter. */
char *pg_params_translate(const char *sql, struct pg_params *p);

/* The number of the parameter called name (":phone"), 0 when none. */
int pg_params_index(const struct pg_params *p, const char *name);

#endif
