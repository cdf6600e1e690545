/* archive.c -- monthly archive files of old messages (SQLite, 0600), the
 * checked deletion of what was archived, and erasures carried into the
 * archives. The contract and the crash argument are in archive.h. */
#include "store/archive.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/msisdn.h"
#include "store/db.h"
#include "store/db_sql.h"
#include "store/members.h"
#include "store/store_util.h"
#include "sys/log.h"

#define ARCHIVE_BUSY_MS 5000

static const char archive_schema[] =
    "PRAGMA journal_mode = DELETE;"
    "PRAGMA synchronous = FULL;"
    "PRAGMA secure_delete = ON;" /* an erased text leaves no copy in free space */
    "CREATE TABLE IF NOT EXISTS about (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "INSERT OR IGNORE INTO about VALUES"
    " ('what', 'Messages of taawun older than retention.messages_days, archived by the"
    " retention pass then deleted from its database; one row per message, id as there.'),"
    " ('times', 'UTC, YYYY-MM-DD HH:MM:SS'),"
    " ('numbers', 'Full E.164 numbers; a member erased: text emptied, number masked,"
    " redacted = 1. Test numbers are never archived.');"
    "CREATE TABLE IF NOT EXISTS messages ("
    "  id INTEGER PRIMARY KEY, created_at TEXT NOT NULL, direction TEXT NOT NULL,"
    "  channel TEXT NOT NULL, phone TEXT NOT NULL, member TEXT, member_id INTEGER,"
    "  kind TEXT NOT NULL, topic TEXT, status TEXT NOT NULL, error TEXT,"
    "  provider_error TEXT, dlr_status TEXT, delivered_at TEXT, attempts INTEGER,"
    "  segments INTEGER, encoding TEXT, provider_id TEXT, broadcast_id INTEGER,"
    "  updated_at TEXT, body TEXT NOT NULL, redacted INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS messages_phone ON messages(phone);"
    "CREATE INDEX IF NOT EXISTS messages_member ON messages(member_id);";

/* The batch's read: columns 0 (id) to COL_BODY are copied as they are into
 * the archive row's first columns; the rest decide what is done. Times are
 * written in UTC as text, in each engine's spelling. */
#define UTC_SQLITE(t) "strftime('%Y-%m-%d %H:%M:%S', " t ", 'unixepoch')"
#define UTC_PG(t) "to_char(to_timestamp(" t ") AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')"
// clang-format off
#define SELECT_OLD(UTC)                                                                            \
    "SELECT m.id, " UTC("m.created_at") ", m.direction, m.channel, m.phone, m.member_id,"        \
    " m.kind, m.topic, m.status, m.error, m.provider_error, m.dlr_status, "                       \
    UTC("m.delivered_at") ", m.attempts, m.segments, m.encoding, m.provider_id, m.broadcast_id, " \
    UTC("m.updated_at") ", m.body, m.created_at, m.updated_at, length(m.body),"                   \
    " test_number(m.phone),"                                                                      \
    " CASE WHEN b.erased_at IS NOT NULL AND m.created_at <= b.erased_at THEN 1 ELSE 0 END"       \
    " FROM messages m LEFT JOIN members b ON b.phone = m.phone"                                    \
    " WHERE m.created_at < ?1 AND m.status NOT IN ('queued', 'sending', 'held')"                  \
    " ORDER BY m.created_at, m.id LIMIT ?2"
// clang-format on
static const char select_old[] = SELECT_OLD(UTC_SQLITE);
static const char select_old_pg[] = SELECT_OLD(UTC_PG);
enum {
    COL_ID,
    COL_PHONE = 4,
    COL_MEMBER_ID,
    COL_STATUS = 8,
    COL_BODY = 19,
    COL_CREATED_UNIX,
    COL_UPDATED_UNIX,
    COL_BODY_LEN,
    COL_TEST,
    COL_ERASED
};

static const char insert_row[] =
    "INSERT OR REPLACE INTO messages (id, created_at, direction, channel, phone, member_id,"
    " kind, topic, status, error, provider_error, dlr_status, delivered_at, attempts, segments,"
    " encoding, provider_id, broadcast_id, updated_at, body, member, redacted)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,"
    " ?19, ?20, ?21, ?22)";

/* What the delete needs to know of a row read: is it still as read? */
struct read_row {
    int64_t id, updated_at, body_len;
    char status[16];
    bool ready; /* archived, or a test number's: may be deleted */
};

int archive_path(const char *dir, int64_t t, char *out, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm))
        return -1;
    int n =
        snprintf(out, size, "%s/messages-%04d-%02d.sqlite", dir, tm.tm_year + 1900, tm.tm_mon + 1);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* The archive folder, made 0700 when missing (one level). */
static int archive_dir_ready(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
        return 0;
    if (mkdir(dir, 0700) == 0) {
        char q[512];
        log_info("archive_folder_created", "folder=%s mode=0700", log_quote(dir, q, sizeof q));
        return 0;
    }
    char q[512], e[128];
    log_collapsed(LOG_ERROR, "archive_folder", LOG_COLLAPSE_INTERVAL_MS, "archive_folder_failed",
                  "folder=%s error=%s hint=\"create it, owned by the daemon's user, or fix "
                  "retention.archive_dir\"",
                  log_quote(dir, q, sizeof q), log_quote(strerror(errno), e, sizeof e));
    return -1;
}

static void archive_log_error(sqlite3 *a, const char *path, const char *what)
{
    char q[ARCHIVE_PATH_MAX + 8], e[256];
    log_collapsed(LOG_ERROR, "archive_file", LOG_COLLAPSE_INTERVAL_MS, "archive_file_failed",
                  "file=%s step=%s error=%s", log_quote(path, q, sizeof q), what,
                  log_quote(a ? sqlite3_errmsg(a) : strerror(errno), e, sizeof e));
}

/* Open (creating it 0600 with its schema when missing) one archive file. */
static sqlite3 *archive_open(const char *path, bool create)
{
    if (create) {
        int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0 || fchmod(fd, 0600) != 0) { /* 0600 even if made by someone else */
            archive_log_error(NULL, path, "create");
            if (fd >= 0)
                close(fd);
            return NULL;
        }
        close(fd);
    }
    sqlite3 *a = NULL;
    if (sqlite3_open_v2(path, &a, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
        sqlite3_busy_timeout(a, ARCHIVE_BUSY_MS) != SQLITE_OK ||
        sqlite3_exec(a, archive_schema, NULL, NULL, NULL) != SQLITE_OK) {
        archive_log_error(a, path, "open");
        sqlite3_close(a);
        return NULL;
    }
    return a;
}

static int archive_exec(sqlite3 *a, const char *path, const char *sql)
{
    if (sqlite3_exec(a, sql, NULL, NULL, NULL) == SQLITE_OK)
        return 0;
    archive_log_error(a, path, sql);
    return -1;
}

/* Bind column c of sel's current row (either engine) to parameter i of
 * the archive file's statement ins, as the value it is. */
static void copy_value(sqlite3_stmt *ins, int i, struct db_stmt *sel, int c)
{
    switch (db_col_type(sel, c)) {
    case DB_INTEGER:
        sqlite3_bind_int64(ins, i, db_col_i64(sel, c));
        break;
    case DB_FLOAT:
        sqlite3_bind_double(ins, i, db_col_double(sel, c));
        break;
    case DB_TEXT:
        sqlite3_bind_text(ins, i, db_col_text(sel, c), (int)db_col_bytes(sel, c), SQLITE_TRANSIENT);
        break;
    case DB_BLOB:
        sqlite3_bind_blob(ins, i, db_col_blob(sel, c), (int)db_col_bytes(sel, c), SQLITE_TRANSIENT);
        break;
    default:
        sqlite3_bind_null(ins, i);
        break;
    }
}

/* Copy the current row of sel into the archive's insert statement and run it. */
static int archive_put(sqlite3_stmt *ins, struct db_stmt *sel)
{
    sqlite3_reset(ins);
    for (int c = 0; c <= COL_BODY; c++)
        copy_value(ins, c + 1, sel, c);
    int64_t member_id = db_col_i64(sel, COL_MEMBER_ID);
    char number[16] = "";
    if (member_id > 0)
        member_number(member_id, number);
    sqlite3_bind_text(ins, 21, number[0] ? number : NULL, -1, SQLITE_TRANSIENT);
    bool erased = db_col_int(sel, COL_ERASED) != 0;
    sqlite3_bind_int(ins, 22, erased);
    if (erased) {
        char masked[MSISDN_MAX];
        msisdn_mask(db_col_text(sel, COL_PHONE), masked);
        sqlite3_bind_text(ins, 5, masked, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 20, "", 0, SQLITE_STATIC);
    }
    return sqlite3_step(ins) == SQLITE_DONE ? 0 : -1;
}

/* The archive file being written: opened when the month changes. */
struct month_writer {
    const char *dir;
    char path[ARCHIVE_PATH_MAX];
    sqlite3 *a;
    sqlite3_stmt *ins;
    size_t first;     /* rows of this month are [first, n) */
    size_t *archived; /* counts the rows of months committed */
};

/* Commit the month under way: its rows become ready to delete. */
static int month_close(struct month_writer *w, struct read_row *rows, size_t n, bool ok)
{
    if (!w->a)
        return 0;
    sqlite3_finalize(w->ins);
    w->ins = NULL;
    if (ok && archive_exec(w->a, w->path, "COMMIT") != 0)
        ok = false;
    if (!ok)
        sqlite3_exec(w->a, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(w->a);
    w->a = NULL;
    for (size_t i = w->first; ok && i < n; i++)
        if (!rows[i].ready) { /* test numbers' rows are ready already */
            rows[i].ready = true;
            (*w->archived)++;
        }
    return ok ? 0 : -1;
}

static int month_open(struct month_writer *w, int64_t created, size_t first)
{
    if (archive_path(w->dir, created, w->path, sizeof w->path) != 0 ||
        archive_dir_ready(w->dir) != 0)
        return -1;
    if (!(w->a = archive_open(w->path, true)))
        return -1;
    w->first = first;
    if (sqlite3_prepare_v2(w->a, insert_row, -1, &w->ins, NULL) != SQLITE_OK ||
        archive_exec(w->a, w->path, "BEGIN IMMEDIATE") != 0) {
        archive_log_error(w->a, w->path, "prepare");
        sqlite3_finalize(w->ins);
        w->ins = NULL;
        sqlite3_close(w->a);
        w->a = NULL;
        return -1;
    }
    return 0;
}

/* Read the batch and write it to its archive files, month by month.
 * Returns the rows read (rows[i].ready for those that may go), or -1. */
static long archive_read_write(struct db *db, const char *dir, int64_t before, size_t max,
                               struct read_row *rows, size_t *archived)
{
    struct db_stmt *sel = db_stmt(db, db_is_postgresql(db) ? select_old_pg : select_old);
    if (!sel)
        return store_fail(db, "archive_select");
    db_bind_i64(sel, 1, before);
    db_bind_i64(sel, 2, (int64_t)max);
    struct month_writer w = {.dir = dir, .archived = archived};
    char month[8] = "", m[8];
    size_t n = 0;
    int rc, failed = 0;
    while (n < max && (rc = db_step(sel)) == DB_ROW) {
        struct read_row *r = &rows[n];
        *r = (struct read_row){.id = db_col_i64(sel, COL_ID),
                               .updated_at = db_col_i64(sel, COL_UPDATED_UNIX),
                               .body_len = db_col_i64(sel, COL_BODY_LEN)};
        store_copy_text(r->status, sizeof r->status, sel, COL_STATUS);
        n++;
        if (db_col_int(sel, COL_TEST)) {
            r->ready = true; /* test traffic: deleted, never archived */
            continue;
        }
        snprintf(m, sizeof m, "%.7s", db_col_text(sel, 1));
        if (strcmp(m, month) != 0) {
            failed |= month_close(&w, rows, n - 1, !failed);
            snprintf(month, sizeof month, "%s", m);
            if (!failed && month_open(&w, db_col_i64(sel, COL_CREATED_UNIX), n - 1))
                failed = 1;
        }
        if (failed)
            break;
        if (archive_put(w.ins, sel) != 0) {
            archive_log_error(w.a, w.path, "insert");
            failed = 1;
            break;
        }
    }
    failed |= month_close(&w, rows, n, !failed);
    db_stmt_done(sel);
    return (long)n;
}

/* Delete the rows that are ready and unchanged, in one write transaction. */
static int archive_delete(struct db *db, const struct read_row *rows, size_t n,
                          struct archive_batch *out)
{
    struct timespec t0, t1;
    if (db_begin(db) != 0)
        return -1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (size_t i = 0; i < n; i++) {
        if (!rows[i].ready)
            continue;
        struct db_stmt *st = db_stmt(db, "DELETE FROM messages WHERE id = ?1 AND status = ?2"
                                         " AND updated_at = ?3 AND length(body) = ?4");
        if (!st) {
            db_rollback(db);
            return store_fail(db, "archive_delete");
        }
        db_bind_i64(st, 1, rows[i].id);
        db_bind_text(st, 2, rows[i].status);
        db_bind_i64(st, 3, rows[i].updated_at);
        db_bind_i64(st, 4, rows[i].body_len);
        if (store_exec(db, st, "archive_delete") != 0) {
            db_rollback(db);
            return -1;
        }
        if (db_changes(db) > 0)
            out->deleted++;
        else
            out->changed++;
    }
    if (db_commit(db) != 0)
        return -1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    out->hold_ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    return 0;
}

int archive_messages_batch(struct db *db, const char *dir, int64_t before, size_t max,
                           struct archive_batch *out)
{
    *out = (struct archive_batch){0};
    if (max == 0)
        return 0;
    struct read_row *rows = calloc(max, sizeof *rows);
    if (!rows)
        return -1;
    long n = archive_read_write(db, dir, before, max, rows, &out->archived);
    int rc = n < 0 ? -1 : 0;
    if (n > 0) {
        out->read = (size_t)n;
        bool any = false, all = true;
        for (long i = 0; i < n; i++) {
            any |= rows[i].ready;
            all &= rows[i].ready;
        }
        if (any && archive_delete(db, rows, (size_t)n, out) != 0)
            rc = -1;
        if (!all)
            rc = -1; /* an archive file failed: logged, its rows stay */
    }
    free(rows);
    return rc;
}

struct erasure {
    int64_t id, member_id;
    char phone[MSISDN_MAX + 24];
    char masked[MSISDN_MAX];
};

/* Load up to max queued requests, oldest first. Returns the count, or -1. */
static long erasures_load(struct db *db, struct erasure *e, size_t max)
{
    struct db_stmt *st = db_stmt(db, "SELECT id, member_id, phone FROM archive_erasures"
                                     " ORDER BY id LIMIT ?1");
    if (!st)
        return store_fail(db, "archive_erasures");
    db_bind_i64(st, 1, (int64_t)max);
    size_t n = 0;
    int rc;
    while (n < max && (rc = db_step(st)) == DB_ROW) {
        e[n].id = db_col_i64(st, 0);
        e[n].member_id = db_col_i64(st, 1);
        store_copy_text(e[n].phone, sizeof e[n].phone, st, 2);
        msisdn_mask(e[n].phone, e[n].masked);
        n++;
    }
    db_stmt_done(st);
    return (long)n;
}

/* Redact the requests' rows in one archive file, in one transaction. */
static int erasures_apply_file(const char *path, const struct erasure *e, size_t n)
{
    sqlite3 *a = archive_open(path, false);
    if (!a)
        return -1;
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (sqlite3_prepare_v2(a,
                           "UPDATE messages SET body = '', phone = ?3, redacted = 1"
                           " WHERE (member_id = ?1 OR phone = ?2) AND redacted = 0",
                           -1, &st, NULL) != SQLITE_OK ||
        archive_exec(a, path, "BEGIN IMMEDIATE") != 0)
        goto done;
    for (size_t i = 0; i < n; i++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, e[i].member_id);
        sqlite3_bind_text(st, 2, e[i].phone, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, e[i].masked, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE) {
            archive_log_error(a, path, "erase");
            sqlite3_exec(a, "ROLLBACK", NULL, NULL, NULL);
            goto done;
        }
    }
    rc = archive_exec(a, path, "COMMIT");
done:
    if (rc != 0 && !st)
        archive_log_error(a, path, "prepare");
    sqlite3_finalize(st);
    sqlite3_close(a);
    return rc;
}

/* Whether name is an archive file's: messages-YYYY-MM.sqlite */
static bool archive_name(const char *name)
{
    static const char pat[] = "messages-0000-00.sqlite";
    if (strlen(name) != sizeof pat - 1)
        return false;
    for (size_t i = 0; pat[i]; i++)
        if (pat[i] == '0' ? (name[i] < '0' || name[i] > '9') : name[i] != pat[i])
            return false;
    return true;
}

/* Apply the requests to every archive file under dir. */
static int erasures_apply_dir(const char *dir, const struct erasure *e, size_t n)
{
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT ? 0 : (archive_log_error(NULL, dir, "opendir"), -1);
    int rc = 0;
    const struct dirent *de;
    while ((de = readdir(d))) {
        char path[ARCHIVE_PATH_MAX];
        if (!archive_name(de->d_name))
            continue;
        if (snprintf(path, sizeof path, "%s/%s", dir, de->d_name) >= (int)sizeof path ||
            erasures_apply_file(path, e, n) != 0)
            rc = -1;
    }
    closedir(d);
    return rc;
}

int archive_apply_erasures(struct db *db, const char *dir, size_t max, size_t *applied)
{
    *applied = 0;
    struct erasure *e = calloc(max ? max : 1, sizeof *e);
    if (!e)
        return -1;
    long n = erasures_load(db, e, max);
    int rc = n < 0 ? -1 : 0;
    if (n > 0 && erasures_apply_dir(dir, e, (size_t)n) != 0)
        rc = -1;
    if (n > 0 && rc == 0) {
        struct db_stmt *st;
        if (db_begin(db) != 0)
            rc = -1;
        else if (!(st = db_stmt(db, "DELETE FROM archive_erasures WHERE id <= ?1"))) {
            db_rollback(db);
            rc = store_fail(db, "archive_erasures_done");
        } else {
            db_bind_i64(st, 1, e[n - 1].id);
            if (store_exec(db, st, "archive_erasures_done") != 0) {
                db_rollback(db);
                rc = -1;
            } else if (db_commit(db) != 0) {
                rc = -1;
            }
        }
    }
    if (rc == 0)
        *applied = (size_t)(n > 0 ? n : 0);
    free(e);
    return rc;
}
