/* db_pg.c -- the PostgreSQL engine behind struct db (see db_pg.h): libpq
 * connections, statements prepared once per connection and read a row at
 * a time, errors told in db_sql.h's vocabulary. */
#include "store/db_pg.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "core/hash.h"
#include "store/db_sql.h"
#include "store/pg_params.h"
#include "sys/log.h"

/* The built-in types' OIDs (PostgreSQL's pg_type.dat; fixed for ever). */
enum {
    OID_BOOL = 16,
    OID_BYTEA = 17,
    OID_INT8 = 20,
    OID_INT2 = 21,
    OID_INT4 = 23,
    OID_TEXT = 25,
    OID_OID = 26,
    OID_FLOAT4 = 700,
    OID_FLOAT8 = 701,
    OID_NUMERIC = 1700,
};

struct db_pg {
    PGconn *conn;
    struct db_pg_stmt *active; /* whose results the connection is sending */
    unsigned generation;       /* raised by a reset: every statement is gone */
    unsigned next_name;
    bool in_tx;   /* in a transaction when last idle */
    bool tx_lost; /* the connection broke inside one: refused until ROLLBACK */
    int64_t changes, total_changes;
    int errcode;
    char errmsg[512];
};

struct db_pg_stmt {
    struct db_pg *pg;
    char *sql; /* with $N */
    struct pg_params params;
    char name[16];       /* on the server; "" until prepared */
    unsigned generation; /* the connection's when prepared */
    bool sent, finished; /* run; read to the end */
    bool lost;           /* rows read ahead were lost (out of memory) */
    const char **values; /* one per parameter, NULL for NULL */
    int *lengths, *formats;
    Oid *types;
    char **owned;        /* copies freed at reset */
    char (*numbers)[32]; /* integers and doubles as text */
    PGresult *row;       /* the current row */
    PGresult **kept;     /* rows read ahead for another statement */
    size_t nkept, kept_next, kept_cap;
    PGresult *described; /* the columns, asked before a first step */
    unsigned char *blob; /* a bytea column of the current row, decoded */
    size_t blob_len;
    int blob_col;
};

/* ---- errors ---- */

/* SQLSTATE as db_sql.h's codes. */
static int code_of(const char *state)
{
    static const struct {
        const char *state;
        int code;
    } map[] = {
        {"23505", SQLITE_CONSTRAINT_UNIQUE},
        {"23514", SQLITE_CONSTRAINT_CHECK},
        {"23503", SQLITE_CONSTRAINT_FOREIGNKEY},
        {"23502", SQLITE_CONSTRAINT_NOTNULL},
        {"P0001", SQLITE_CONSTRAINT_TRIGGER},
        {"40001", SQLITE_BUSY},
        {"40P01", SQLITE_BUSY},
        {"55P03", SQLITE_BUSY},
        {"53100", SQLITE_FULL},
        {"57014", SQLITE_INTERRUPT},
    };
    if (!state)
        return SQLITE_IOERR; /* no answer from the server: the connection */
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(state, map[i].state) == 0)
            return map[i].code;
    if (strncmp(state, "23", 2) == 0)
        return SQLITE_CONSTRAINT;
    if (strncmp(state, "08", 2) == 0)
        return SQLITE_IOERR;
    return SQLITE_ERROR;
}

static int set_error(struct db_pg *pg, int code, const char *msg)
{
    pg->errcode = code;
    snprintf(pg->errmsg, sizeof pg->errmsg, "%s", msg && *msg ? msg : "PostgreSQL error");
    size_t n = strlen(pg->errmsg);
    while (n > 0 && (pg->errmsg[n - 1] == '\n' || pg->errmsg[n - 1] == ' '))
        pg->errmsg[--n] = '\0';
    return code;
}

/* The error r (or, r NULL, the connection) reports; its code. */
static int error_from(struct db_pg *pg, const PGresult *r)
{
    if (!r)
        return set_error(pg, SQLITE_IOERR, PQerrorMessage(pg->conn));
    return set_error(pg, code_of(PQresultErrorField(r, PG_DIAG_SQLSTATE)), PQresultErrorMessage(r));
}

int db_pg_errcode(struct db_pg *pg)
{
    return pg->errcode;
}

const char *db_pg_errmsg(struct db_pg *pg)
{
    return pg->errmsg[0] ? pg->errmsg : "not an error";
}

/* ---- the connection ---- */

/* The server's notices, logged, never printed on stderr: a WARNING (such
 * as "there is already a transaction in progress") means a bug of ours,
 * a NOTICE ("already exists, skipping") is debug. */
static void on_notice(void *arg, const PGresult *r)
{
    (void)arg;
    const char *severity = PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED);
    const char *message = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    char q[600];
    log_event(severity && strcmp(severity, "WARNING") == 0 ? LOG_WARN : LOG_DEBUG, "db_notice",
              "engine=postgresql severity=%s message=%s", severity ? severity : "NOTICE",
              log_quote(message ? message : "", q, sizeof q));
}

struct db_pg *db_pg_open(const char *conninfo, int lock_timeout_ms)
{
    struct db_pg *pg = calloc(1, sizeof *pg);
    if (!pg) {
        log_error("db_open_failed", "engine=postgresql error=\"out of memory\"");
        return NULL;
    }
    const char *const keys[] = {"dbname", "fallback_application_name", "client_encoding", NULL};
    const char *const values[] = {conninfo, "taawund", "UTF8", NULL};
    pg->conn = PQconnectdbParams(keys, values, 1);
    char q[600], sql[96];
    if (!pg->conn || PQstatus(pg->conn) != CONNECTION_OK) {
        set_error(pg, SQLITE_CANTOPEN, pg->conn ? PQerrorMessage(pg->conn) : "out of memory");
        log_error("db_open_failed", "engine=postgresql error=%s",
                  log_quote(pg->errmsg, q, sizeof q));
        db_pg_close(pg);
        return NULL;
    }
    PQsetNoticeReceiver(pg->conn, on_notice, NULL);
    snprintf(sql, sizeof sql, "SET lock_timeout = %d", lock_timeout_ms > 0 ? lock_timeout_ms : 0);
    if (db_pg_exec(pg, sql) != 0) {
        log_error("db_open_failed", "engine=postgresql error=%s",
                  log_quote(pg->errmsg, q, sizeof q));
        db_pg_close(pg);
        return NULL;
    }
    return pg;
}

int db_pg_conninfo_check(const char *conninfo, char *why, size_t cap)
{
    char *err = NULL;
    PQconninfoOption *opts = PQconninfoParse(conninfo, &err);
    if (!opts) {
        snprintf(why, cap, "%s", err ? err : "out of memory");
        size_t n = strlen(why);
        while (n > 0 && why[n - 1] == '\n')
            why[--n] = '\0';
        PQfreemem(err);
        return -1;
    }
    int rc = 0;
    for (const PQconninfoOption *o = opts; o->keyword; o++)
        if (o->val && o->val[0] && strcmp(o->keyword, "password") == 0) {
            snprintf(why, cap,
                     "holds a password: give it in libpq's password file instead "
                     "(passfile=, PGPASSFILE or ~/.pgpass, mode 0600)");
            rc = -1;
        }
    PQconninfoFree(opts);
    return rc;
}

void db_pg_close(struct db_pg *pg)
{
    if (!pg)
        return;
    PQfinish(pg->conn);
    free(pg);
}

int db_pg_server_version(struct db_pg *pg)
{
    return PQserverVersion(pg->conn);
}

int db_pg_socket(struct db_pg *pg)
{
    return PQsocket(pg->conn);
}

int db_pg_notifications(struct db_pg *pg)
{
    if (!PQconsumeInput(pg->conn) || PQstatus(pg->conn) != CONNECTION_OK) {
        set_error(pg, SQLITE_IOERR, PQerrorMessage(pg->conn));
        return -1;
    }
    int n = 0;
    for (PGnotify *note; (note = PQnotifies(pg->conn)) != NULL; n++)
        PQfreemem(note);
    return n;
}

int64_t db_pg_changes(struct db_pg *pg)
{
    return pg->changes;
}

int64_t db_pg_total_changes(struct db_pg *pg)
{
    return pg->total_changes;
}

bool db_pg_in_transaction(struct db_pg *pg)
{
    return pg->in_tx || pg->tx_lost;
}

/* Note what a finished command did: the rows it changed, and whether the
 * connection is inside a transaction once idle. */
static void note_done(struct db_pg *pg, const PGresult *r)
{
    const char *cmd = r ? PQcmdStatus((PGresult *)r) : "";
    if (strncmp(cmd, "INSERT", 6) == 0 || strncmp(cmd, "UPDATE", 6) == 0 ||
        strncmp(cmd, "DELETE", 6) == 0 || strncmp(cmd, "MERGE", 5) == 0) {
        pg->changes = strtoll(PQcmdTuples((PGresult *)r), NULL, 10);
        pg->total_changes += pg->changes;
    }
}

static void note_idle(struct db_pg *pg)
{
    PGTransactionStatusType t = PQtransactionStatus(pg->conn);
    if (t != PQTRANS_UNKNOWN) /* a broken connection: as it was when it broke */
        pg->in_tx = t == PQTRANS_INTRANS || t == PQTRANS_INERROR;
}

static void keep(struct db_pg_stmt *st, PGresult *r);

/* The connection is needed: the statement still sending rows has them
 * read ahead and kept; a broken connection is reset once, unless it broke
 * inside a transaction (lost: every statement fails until ROLLBACK).
 * 0, or the error's code. */
static int connection_ready(struct db_pg *pg)
{
    if (pg->active) {
        struct db_pg_stmt *st = pg->active;
        for (PGresult *r; (r = PQgetResult(pg->conn));)
            keep(st, r);
        pg->active = NULL;
        note_idle(pg);
    }
    if (PQstatus(pg->conn) == CONNECTION_BAD) {
        if (pg->in_tx)
            pg->tx_lost = true;
        pg->in_tx = false;
        PQreset(pg->conn);
        pg->generation++;
        if (PQstatus(pg->conn) != CONNECTION_OK)
            return error_from(pg, NULL);
        log_warn("db_reconnected", "engine=postgresql");
    }
    if (pg->tx_lost)
        return set_error(pg, SQLITE_IOERR, "the connection was lost inside a transaction");
    return 0;
}

int db_pg_exec(struct db_pg *pg, const char *sql)
{
    int rc = connection_ready(pg);
    if (rc != 0 && pg->tx_lost && strcmp(sql, "ROLLBACK") == 0) {
        pg->tx_lost = false; /* what the caller asked: the transaction is gone */
        return 0;
    }
    if (rc != 0)
        return -1;
    PGresult *r = PQexec(pg->conn, sql);
    ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    bool ok = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
    if (ok)
        note_done(pg, r);
    else
        error_from(pg, r);
    PQclear(r);
    note_idle(pg);
    return ok ? 0 : -1;
}

/* ---- statements ---- */

struct db_pg_stmt *db_pg_prepare(struct db_pg *pg, const char *sql)
{
    struct db_pg_stmt *st = calloc(1, sizeof *st);
    if (!st) {
        set_error(pg, SQLITE_NOMEM, "out of memory");
        return NULL;
    }
    st->pg = pg;
    st->sql = pg_params_translate(sql, &st->params);
    if (!st->sql) {
        set_error(pg, st->params.count < 0 ? SQLITE_ERROR : SQLITE_NOMEM,
                  st->params.count < 0 ? "parameters the engine cannot take" : "out of memory");
        free(st);
        return NULL;
    }
    size_t n = (size_t)st->params.count;
    if (n > 0) {
        st->values = calloc(n, sizeof *st->values);
        st->lengths = calloc(n, sizeof *st->lengths);
        st->formats = calloc(n, sizeof *st->formats);
        st->types = calloc(n, sizeof *st->types);
        st->owned = calloc(n, sizeof *st->owned);
        st->numbers = calloc(n, sizeof *st->numbers);
        if (!st->values || !st->lengths || !st->formats || !st->types || !st->owned ||
            !st->numbers) {
            set_error(pg, SQLITE_NOMEM, "out of memory");
            db_pg_finalize(st);
            return NULL;
        }
    }
    st->blob_col = -1;
    return st;
}

const char *db_pg_sql(const struct db_pg_stmt *st)
{
    return st->sql;
}

static void keep(struct db_pg_stmt *st, PGresult *r)
{
    if (st->nkept == st->kept_cap) {
        size_t cap = st->kept_cap ? st->kept_cap * 2 : 16;
        PGresult **k = realloc(st->kept, cap * sizeof *k);
        if (!k) { /* rows lost: the statement ends in an error instead */
            PQclear(r);
            st->lost = true;
            return;
        }
        st->kept = k;
        st->kept_cap = cap;
    }
    st->kept[st->nkept++] = r;
}

/* The next result of st: kept, or from the connection; NULL at the end. */
static PGresult *next_result(struct db_pg_stmt *st)
{
    if (st->kept_next < st->nkept)
        return st->kept[st->kept_next++];
    if (st->pg->active != st)
        return NULL;
    PGresult *r = PQgetResult(st->pg->conn);
    if (!r) {
        st->pg->active = NULL;
        note_idle(st->pg);
    }
    return r;
}

/* Read st's results to the end, noting the changes its command made. */
static void finish(struct db_pg_stmt *st)
{
    for (PGresult *r; (r = next_result(st));) {
        ExecStatusType s = PQresultStatus(r);
        if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK)
            note_done(st->pg, r);
        PQclear(r);
    }
    st->finished = true;
}

/* Run sql for its effect alone (a savepoint's BEGIN or end); 0 or -1. */
static int run_quiet(struct db_pg *pg, const char *sql)
{
    PGresult *r = PQexec(pg->conn, sql);
    int ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    return ok ? 0 : -1;
}

/* PQprepare st with types; a failure, inside a transaction, rolled back
 * to the savepoint taken before (SQLite's prepare never harms the
 * transaction around it; PostgreSQL's would abort it). */
static PGresult *prepare_once(struct db_pg_stmt *st, const Oid *types, bool in_tx)
{
    struct db_pg *pg = st->pg;
    PGresult *r = PQprepare(pg->conn, st->name, st->sql, st->params.count, types);
    if (in_tx && (!r || PQresultStatus(r) != PGRES_COMMAND_OK))
        run_quiet(pg, "ROLLBACK TO SAVEPOINT taawun_prepare");
    return r;
}

/* Prepare st on the server if it is not (types from the values bound now:
 * a text, a NULL or a number the SQL never uses, with nothing else to
 * type it, is taken as text, at a second try). 0 or a code. */
static int prepared(struct db_pg_stmt *st)
{
    struct db_pg *pg = st->pg;
    if (st->name[0] && st->generation == pg->generation)
        return 0;
    snprintf(st->name, sizeof st->name, "t%u", ++pg->next_name);
    int n = st->params.count;
    bool in_tx = PQtransactionStatus(pg->conn) == PQTRANS_INTRANS;
    if (in_tx && run_quiet(pg, "SAVEPOINT taawun_prepare") != 0)
        in_tx = false; /* the prepare below reports what is wrong */
    PGresult *r = prepare_once(st, st->types, in_tx);
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    /* "could not determine data type of parameter": 42P18 from SQL's
     * PREPARE, 42P08 through the protocol's Parse (what libpq sends). */
    if (r && PQresultStatus(r) != PGRES_COMMAND_OK && state &&
        (strcmp(state, "42P18") == 0 || strcmp(state, "42P08") == 0)) {
        PQclear(r);
        r = NULL;
        Oid *typed = malloc((size_t)n * sizeof *typed);
        for (int i = 0; typed && i < n; i++)
            typed[i] = st->types[i] ? st->types[i] : OID_TEXT; /* a gap ($11 unused) too */
        if (typed)
            r = prepare_once(st, typed, in_tx);
        free(typed);
    }
    if (in_tx)
        run_quiet(pg, "RELEASE SAVEPOINT taawun_prepare");
    int rc = 0;
    if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
        /* Logged here, as SQLite's engine logs a statement it cannot
         * prepare (store/db): PostgreSQL prepares at the first step. */
        rc = r ? error_from(pg, r) : set_error(pg, SQLITE_NOMEM, "out of memory");
        st->name[0] = '\0';
        char q[600], key[40];
        snprintf(key, sizeof key, "db_prepare:%016" PRIx64, hash_string(pg->errmsg));
        log_collapsed(LOG_ERROR, key, LOG_COLLAPSE_INTERVAL_MS, "db_error",
                      "query=prepare engine=postgresql error=%s",
                      log_quote(pg->errmsg, q, sizeof q));
    } else {
        st->generation = pg->generation;
    }
    PQclear(r);
    note_idle(pg);
    return rc;
}

/* Run st: prepared, then sent, its rows to come one at a time. */
static int send_stmt(struct db_pg_stmt *st)
{
    struct db_pg *pg = st->pg;
    int rc = connection_ready(pg);
    if (rc == 0)
        rc = prepared(st);
    if (rc != 0)
        return rc;
    if (!PQsendQueryPrepared(pg->conn, st->name, st->params.count, st->values, st->lengths,
                             st->formats, 0))
        return error_from(pg, NULL);
    PQsetSingleRowMode(pg->conn);
    pg->active = st;
    st->sent = true;
    return 0;
}

static void row_clear(struct db_pg_stmt *st)
{
    PQclear(st->row);
    st->row = NULL;
    PQfreemem(st->blob);
    st->blob = NULL;
    st->blob_col = -1;
}

int db_pg_step(struct db_pg_stmt *st)
{
    row_clear(st);
    if (st->finished)
        return DB_DONE;
    if (!st->sent) {
        int rc = send_stmt(st);
        if (rc != 0) {
            st->finished = true;
            return rc;
        }
    }
    PGresult *r = next_result(st);
    if (!r) {
        st->finished = true;
        return st->lost ? set_error(st->pg, SQLITE_NOMEM, "out of memory") : DB_DONE;
    }
    int rc;
    switch (PQresultStatus(r)) {
    case PGRES_SINGLE_TUPLE:
        st->row = r;
        return DB_ROW;
    case PGRES_TUPLES_OK:
    case PGRES_COMMAND_OK:
        note_done(st->pg, r);
        rc = DB_DONE;
        break;
    default:
        rc = error_from(st->pg, r);
        break;
    }
    PQclear(r);
    finish(st);
    return rc;
}

void db_pg_reset(struct db_pg_stmt *st)
{
    if (st->sent && !st->finished)
        finish(st);
    row_clear(st);
    while (st->kept_next < st->nkept)
        PQclear(st->kept[st->kept_next++]);
    st->nkept = st->kept_next = 0;
    for (int i = 0; st->values && st->owned && i < st->params.count; i++) {
        free(st->owned[i]);
        st->owned[i] = NULL;
        st->values[i] = NULL;
        st->lengths[i] = st->formats[i] = 0;
    }
    st->sent = st->finished = st->lost = false;
}

void db_pg_finalize(struct db_pg_stmt *st)
{
    if (!st)
        return;
    db_pg_reset(st); /* its results too: a statement without parameters has no values */
    struct db_pg *pg = st->pg;
    /* Forgotten on the server, unless the transaction has failed (the
     * DEALLOCATE would fail too): the connection's end forgets it then. */
    if (st->name[0] && st->generation == pg->generation && connection_ready(pg) == 0 &&
        PQtransactionStatus(pg->conn) != PQTRANS_INERROR) {
        char sql[32];
        snprintf(sql, sizeof sql, "DEALLOCATE %s", st->name);
        PQclear(PQexec(pg->conn, sql));
        note_idle(pg);
    }
    PQclear(st->described);
    free(st->kept);
    free(st->sql);
    free(st->values);
    free(st->lengths);
    free(st->formats);
    free(st->types);
    free(st->owned);
    free(st->numbers);
    free(st);
}

/* ---- parameters ---- */

static void set_value(struct db_pg_stmt *st, int i, const char *v, int len, int format, Oid type,
                      char *owned)
{
    if (i < 1 || i > st->params.count) {
        free(owned);
        return; /* as SQLite: a parameter it has not is no error to report here */
    }
    free(st->owned[i - 1]);
    st->owned[i - 1] = owned;
    st->values[i - 1] = v;
    st->lengths[i - 1] = len;
    st->formats[i - 1] = format;
    if (!st->name[0])
        st->types[i - 1] = type; /* what the server is told when it prepares */
}

void db_pg_bind_i64(struct db_pg_stmt *st, int i, int64_t v)
{
    if (i >= 1 && i <= st->params.count) {
        snprintf(st->numbers[i - 1], sizeof st->numbers[0], "%" PRId64, v);
        set_value(st, i, st->numbers[i - 1], 0, 0, OID_INT8, NULL);
    }
}

void db_pg_bind_double(struct db_pg_stmt *st, int i, double v)
{
    if (i >= 1 && i <= st->params.count) {
        snprintf(st->numbers[i - 1], sizeof st->numbers[0], "%.17g", v);
        set_value(st, i, st->numbers[i - 1], 0, 0, OID_FLOAT8, NULL);
    }
}

/* Text is sent as a literal would be: its type from where it stands. */
void db_pg_bind_text(struct db_pg_stmt *st, int i, const char *s, size_t len, bool copy)
{
    if (!copy && s[len] == '\0') {
        set_value(st, i, s, 0, 0, 0, NULL);
        return;
    }
    char *c = strndup(s, len);
    if (!c) {
        set_error(st->pg, SQLITE_NOMEM, "out of memory");
        db_pg_bind_null(st, i);
        return;
    }
    set_value(st, i, c, 0, 0, 0, c);
}

void db_pg_bind_blob(struct db_pg_stmt *st, int i, const void *p, size_t len)
{
    set_value(st, i, len ? p : "", (int)len, 1, OID_BYTEA, NULL);
}

void db_pg_bind_null(struct db_pg_stmt *st, int i)
{
    set_value(st, i, NULL, 0, 0, 0, NULL);
}

int db_pg_param_count(struct db_pg_stmt *st)
{
    return st->params.count;
}

int db_pg_param_index(struct db_pg_stmt *st, const char *name)
{
    return pg_params_index(&st->params, name);
}

/* ---- columns ---- */

/* The current row's value of column c, NULL for SQL NULL or no such
 * column. */
static const char *value_of(struct db_pg_stmt *st, int c)
{
    if (!st->row || c < 0 || c >= PQnfields(st->row) || PQgetisnull(st->row, 0, c))
        return NULL;
    return PQgetvalue(st->row, 0, c);
}

int64_t db_pg_col_i64(struct db_pg_stmt *st, int c)
{
    const char *v = value_of(st, c);
    if (!v)
        return 0;
    Oid t = PQftype(st->row, c);
    if (t == OID_BOOL)
        return v[0] == 't';
    if (t == OID_FLOAT4 || t == OID_FLOAT8 || t == OID_NUMERIC)
        return (int64_t)strtod(v, NULL);
    return strtoll(v, NULL, 10);
}

double db_pg_col_double(struct db_pg_stmt *st, int c)
{
    const char *v = value_of(st, c);
    if (!v)
        return 0.0;
    return PQftype(st->row, c) == OID_BOOL ? (v[0] == 't') : strtod(v, NULL);
}

const char *db_pg_col_text(struct db_pg_stmt *st, int c)
{
    return value_of(st, c);
}

/* Column c decoded when it is a bytea (kept until the next row). */
static bool blob_decoded(struct db_pg_stmt *st, int c)
{
    const char *v = value_of(st, c);
    if (!v || PQftype(st->row, c) != OID_BYTEA)
        return false;
    if (st->blob_col != c) {
        PQfreemem(st->blob);
        st->blob = PQunescapeBytea((const unsigned char *)v, &st->blob_len);
        st->blob_col = st->blob ? c : -1;
    }
    return st->blob != NULL;
}

const void *db_pg_col_blob(struct db_pg_stmt *st, int c)
{
    return blob_decoded(st, c) ? (const void *)st->blob : (const void *)value_of(st, c);
}

size_t db_pg_col_bytes(struct db_pg_stmt *st, int c)
{
    if (blob_decoded(st, c))
        return st->blob_len;
    return value_of(st, c) ? (size_t)PQgetlength(st->row, 0, c) : 0;
}

enum db_type db_pg_col_type(struct db_pg_stmt *st, int c)
{
    const char *v = value_of(st, c);
    if (!v)
        return DB_NULL;
    switch (PQftype(st->row, c)) {
    case OID_INT2:
    case OID_INT4:
    case OID_INT8:
    case OID_BOOL:
    case OID_OID:
        return DB_INTEGER;
    case OID_NUMERIC: /* sum() of integers: an integer, as SQLite gives it */
        return strpbrk(v, ".eEN") ? DB_FLOAT : DB_INTEGER;
    case OID_FLOAT4:
    case OID_FLOAT8:
        return DB_FLOAT;
    case OID_BYTEA:
        return DB_BLOB;
    default:
        return DB_TEXT;
    }
}

/* The columns' description: the current row's, else the prepared
 * statement's (asked of the server once). */
static const PGresult *columns(struct db_pg_stmt *st)
{
    if (st->row)
        return st->row;
    if (!st->described && connection_ready(st->pg) == 0 && prepared(st) == 0) {
        st->described = PQdescribePrepared(st->pg->conn, st->name);
        note_idle(st->pg);
        if (st->described && PQresultStatus(st->described) != PGRES_COMMAND_OK) {
            error_from(st->pg, st->described);
            PQclear(st->described);
            st->described = NULL;
        }
    }
    return st->described;
}

int db_pg_col_count(struct db_pg_stmt *st)
{
    const PGresult *r = columns(st);
    return r ? PQnfields(r) : 0;
}

const char *db_pg_col_name(struct db_pg_stmt *st, int c)
{
    const PGresult *r = columns(st);
    return r && c >= 0 && c < PQnfields(r) ? PQfname(r, c) : NULL;
}
