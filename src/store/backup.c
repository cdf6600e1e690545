/* backup.c -- online backups of the database and restoring one (see
 * backup.h). */
#include "store/backup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/limits.h"
#include "store/db.h"
#include "store/db_sql.h"
#include "sys/log.h"

#define PATH_BUF 1024

/* Log event with path and errno's text; returns -1. */
static int fail_errno(const char *event, const char *path)
{
    int err = errno;
    char q[PATH_BUF + 32];
    log_error(event, "path=%s error=\"%s\"", log_quote(path, q, sizeof q), strerror(err));
    return -1;
}

static int fail_db(sqlite3 *db, const char *event, const char *path)
{
    char q[PATH_BUF + 32], e[400];
    log_error(event, "path=%s error=%s", log_quote(path, q, sizeof q),
              log_quote(db ? sqlite3_errmsg(db) : "out of memory", e, sizeof e));
    return -1;
}

/* dst = a + b, or -1 (logged) when it does not fit. */
static int join(char *dst, size_t dstsz, const char *a, const char *b)
{
    if ((size_t)snprintf(dst, dstsz, "%s%s", a, b) < dstsz)
        return 0;
    errno = ENAMETOOLONG;
    return fail_errno("backup_path_too_long", a);
}

/* Make the directory entry of path durable (a rename into it). */
static void sync_dir_of(const char *path)
{
    char dir[PATH_BUF];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        if (fsync(fd) != 0)
            fail_errno("backup_fsync_failed", dir);
        close(fd);
    }
}

static int sync_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) != 0) {
        fail_errno("backup_fsync_failed", path);
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

/* A new empty file named after base in its directory, created 0600 (an
 * empty file is an empty SQLite database). Its name goes into tmp. */
static int make_temp(const char *base, char *tmp, size_t tmpsz)
{
    if (join(tmp, tmpsz, base, ".tmp-XXXXXX") != 0)
        return -1;
    int fd = mkstemp(tmp); /* 0600 whatever the umask */
    if (fd < 0)
        return fail_errno("backup_create_failed", tmp);
    close(fd);
    return 0;
}

static int open_db_file(const char *path, int flags, int busy_timeout_ms, sqlite3 **out)
{
    if (sqlite3_open_v2(path, out, flags, NULL) != SQLITE_OK)
        return fail_db(*out, "backup_open_failed", path);
    sqlite3_busy_timeout(*out, busy_timeout_ms);
    sqlite3_extended_result_codes(*out, 1);
    return 0;
}

static int exec_sql(sqlite3 *db, const char *sql, const char *path)
{
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return fail_db(db, "backup_query_failed", path);
    return 0;
}

/* Copy src into dst a few pages a step. A read transaction is held on src
 * across the copy: the copy is one snapshot, and the daemon's commits
 * (which WAL lets go on meanwhile) never restart it. */
static int copy_snapshot(sqlite3 *src, sqlite3 *dst, const char *path, int *pages)
{
    if (exec_sql(src, "BEGIN; SELECT count(*) FROM sqlite_schema", path) != 0)
        return -1;
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
    if (!b) {
        sqlite3_exec(src, "ROLLBACK", NULL, NULL, NULL);
        return fail_db(dst, "backup_failed", path);
    }
    int rc, busy = 0;
    do {
        rc = sqlite3_backup_step(b, BACKUP_PAGES_PER_STEP);
        if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && ++busy > BACKUP_BUSY_RETRIES)
            break;
        if (rc != SQLITE_DONE)
            sqlite3_sleep(BACKUP_STEP_PAUSE_MS);
    } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
    if (pages)
        *pages = sqlite3_backup_pagecount(b);
    int fin = sqlite3_backup_finish(b);
    sqlite3_exec(src, "ROLLBACK", NULL, NULL, NULL);
    if (rc != SQLITE_DONE || fin != SQLITE_OK) {
        char q[PATH_BUF + 32];
        log_error("backup_failed", "path=%s error=\"%s\"", log_quote(path, q, sizeof q),
                  sqlite3_errstr(rc != SQLITE_DONE ? rc : fin));
        return -1;
    }
    return 0;
}

/* integrity_check answers a single "ok" and user_version is 1..ours. */
static int check_open(sqlite3 *db, const char *path)
{
    sqlite3_stmt *st = NULL;
    char q[PATH_BUF + 32], first[200] = "";
    int rows = 0, rc;
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK)
        return fail_db(db, "backup_check_failed", path);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (rows++ == 0)
            snprintf(first, sizeof first, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return fail_db(db, "backup_check_failed", path);
    if (rows != 1 || strcmp(first, "ok") != 0) {
        char e[240];
        log_error("backup_corrupt", "path=%s problems=%d first=%s", log_quote(path, q, sizeof q),
                  rows, log_quote(first, e, sizeof e));
        return -1;
    }
    int version = -1;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (version < 1 || version > db_schema_version()) {
        log_error("backup_not_taawun", "path=%s schema_version=%d known=%d",
                  log_quote(path, q, sizeof q), version, db_schema_version());
        return -1;
    }
    return 0;
}

int db_backup(const char *db_path, const char *dest, int busy_timeout_ms, int *pages)
{
    char tmp[PATH_BUF];
    if (make_temp(dest, tmp, sizeof tmp) != 0)
        return -1;
    sqlite3 *src = NULL, *dst = NULL;
    int rc = -1;
    /* The copy leaves WAL mode: a backup is one self-contained file. */
    if (open_db_file(db_path, SQLITE_OPEN_READONLY, busy_timeout_ms, &src) == 0 &&
        open_db_file(tmp, SQLITE_OPEN_READWRITE, busy_timeout_ms, &dst) == 0 &&
        copy_snapshot(src, dst, db_path, pages) == 0 &&
        exec_sql(dst, "PRAGMA journal_mode=DELETE", tmp) == 0 && check_open(dst, tmp) == 0)
        rc = 0;
    sqlite3_close_v2(src);
    if (sqlite3_close(dst) != SQLITE_OK)
        rc = fail_db(dst, "backup_close_failed", tmp);
    if (rc == 0 && sync_file(tmp) == 0 && rename(tmp, dest) == 0) {
        sync_dir_of(dest);
        return 0;
    }
    if (rc == 0)
        fail_errno("backup_rename_failed", dest);
    unlink(tmp);
    return -1;
}

int db_backup_lock(const char *db_path)
{
    char lock_path[PATH_BUF];
    if (join(lock_path, sizeof lock_path, db_path, ".lock") != 0)
        return -1;
    int fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return fail_errno("db_lock_failed", lock_path);
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int err = errno;
        close(fd);
        if (err == EWOULDBLOCK)
            return -2;
        errno = err;
        return fail_errno("db_lock_failed", lock_path);
    }
    return fd;
}

/* Copy the bytes of src into the existing file dst, then fsync it. */
static int copy_file(const char *src, const char *dst)
{
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return fail_errno("restore_open_failed", src);
    int out = open(dst, O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (out < 0) {
        close(in);
        return fail_errno("restore_open_failed", dst);
    }
    static char buf[64 * 1024];
    ssize_t n;
    int rc = 0;
    while (rc == 0 && (n = read(in, buf, sizeof buf)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            rc = fail_errno("restore_read_failed", src);
        for (ssize_t off = 0; rc == 0 && off < n;) {
            ssize_t w = write(out, buf + off, (size_t)(n - off));
            if (w < 0 && errno != EINTR)
                rc = fail_errno("restore_write_failed", dst);
            off += w > 0 ? w : 0;
        }
    }
    if (rc == 0 && fsync(out) != 0)
        rc = fail_errno("restore_write_failed", dst);
    close(in);
    close(out);
    return rc;
}

static int check_file(const char *path)
{
    sqlite3 *db = NULL;
    int rc = open_db_file(path, SQLITE_OPEN_READWRITE, 5000, &db);
    if (rc == 0)
        rc = check_open(db, path);
    sqlite3_close(db);
    return rc;
}

/* The files of the database at db_path: the main file and what SQLite
 * keeps beside it (a WAL a crash left must never meet another database). */
static const char *const db_files[] = {"", "-wal", "-shm", "-journal"};

/* Rename each file of db_path that exists to the same name on aside; on a
 * failure put back what moved. */
static int move_aside(const char *db_path, const char *aside)
{
    size_t n = sizeof db_files / sizeof db_files[0], moved = 0;
    char from[PATH_BUF], to[PATH_BUF];
    bool ok = true, gone[sizeof db_files / sizeof db_files[0]] = {false};
    for (; ok && moved < n; moved++) {
        if (join(from, sizeof from, db_path, db_files[moved]) != 0 ||
            join(to, sizeof to, aside, db_files[moved]) != 0)
            return -1;
        struct stat sb;
        if (lstat(from, &sb) != 0)
            continue;
        if (lstat(to, &sb) == 0) {
            errno = EEXIST;
            ok = fail_errno("restore_aside_exists", to) == 0;
        } else if (rename(from, to) != 0) {
            ok = fail_errno("restore_aside_failed", from) == 0;
        } else {
            gone[moved] = true;
        }
    }
    for (size_t i = 0; !ok && i < n; i++)
        if (gone[i] && join(from, sizeof from, db_path, db_files[i]) == 0 &&
            join(to, sizeof to, aside, db_files[i]) == 0 && rename(to, from) != 0)
            fail_errno("restore_undo_failed", to);
    return ok ? 0 : -1;
}

int db_restore(const char *src, const char *db_path, const char *stamp, char *aside, size_t asidesz)
{
    char tmp[PATH_BUF], name[PATH_BUF], suffix[80];
    struct stat sb;
    snprintf(suffix, sizeof suffix, ".%s", stamp);
    aside[0] = '\0';
    if (join(name, sizeof name, db_path, suffix) != 0 || make_temp(db_path, tmp, sizeof tmp) != 0)
        return -1;
    bool had = lstat(db_path, &sb) == 0;
    if (copy_file(src, tmp) != 0 || check_file(tmp) != 0 || move_aside(db_path, name) != 0) {
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, db_path) != 0) {
        char q[PATH_BUF + 32], q2[PATH_BUF + 32];
        fail_errno("restore_rename_failed", tmp);
        log_error("restore_incomplete", "checked_copy=%s kept_aside=%s",
                  log_quote(tmp, q, sizeof q), log_quote(had ? name : "-", q2, sizeof q2));
        return -1;
    }
    sync_dir_of(db_path);
    if (had)
        snprintf(aside, asidesz, "%s", name);
    return 0;
}
