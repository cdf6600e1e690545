/* backup.c -- `taawund backup FILE [-c CONF]` and `taawund restore FILE
 * [-c CONF]` on the configured database. The backup runs beside the
 * daemon; the restore takes the daemon's database lock first and refuses
 * while a daemon holds it. */
#include "cmd/backup.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "store/backup.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: taawund backup FILE [-c CONF]   copy the database while taawund runs\n"
               "       taawund restore FILE [-c CONF]  put a backup in place (taawund stopped)\n");
}

static int do_backup(const struct config *cfg, const char *file)
{
    int pages = 0;
    if (db_backup(cfg->database.path, file, cfg->database.busy_timeout_ms, &pages) != 0) {
        fprintf(stderr, "taawund: backup failed (see the log above); nothing written to %s\n",
                file);
        return 1;
    }
    fprintf(stderr, "backup of %s written to %s (%d pages, checked)\n", cfg->database.path, file,
            pages);
    return 0;
}

/* The restored file belongs to whoever runs the restore: refuse unless that
 * is the owner of the database's folder (the daemon's user), or the daemon
 * could not open it. */
static int owner_check(const char *db)
{
    char dir[600];
    snprintf(dir, sizeof dir, "%s", db);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else
        slash[slash == dir] = '\0';
    struct stat sb;
    if (stat(dir, &sb) != 0) {
        fprintf(stderr, "taawund: the database folder %s does not exist\n", dir);
        return 1;
    }
    if (sb.st_uid != geteuid()) {
        fprintf(stderr,
                "taawund: run the restore as the owner of %s (runuser -u taawun -- taawund "
                "restore ...), so the daemon can open the restored file\n",
                dir);
        return 2;
    }
    return 0;
}

static int do_restore(const struct config *cfg, const char *file)
{
    const char *db = cfg->database.path;
    int owner = owner_check(db);
    if (owner != 0)
        return owner;
    int lock = db_backup_lock(db); /* held until exit: no daemon starts meanwhile */
    if (lock == -2) {
        fprintf(stderr, "taawund: a running taawund holds %s; stop it first\n", db);
        return 3;
    }
    if (lock < 0)
        return 1;
    char stamp[32], aside[1100];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    if (db_restore(file, db, stamp, aside, sizeof aside) != 0) {
        fprintf(stderr, "taawund: restore failed (see the log above)\n");
        close(lock);
        return 1;
    }
    if (aside[0])
        fprintf(stderr, "the previous database was kept as %s\n", aside);
    fprintf(stderr, "%s restored from %s; start taawund\n", db, file);
    close(lock);
    return 0;
}

int cmd_backup(int argc, char **argv, const char *default_config)
{
    bool restore = strcmp(argv[0], "restore") == 0;
    const char *config_path = default_config, *file = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if ((strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) && i + 1 < argc) {
            config_path = argv[++i];
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (a[0] == '-' || file) {
            usage(stderr);
            return 2;
        } else {
            file = a;
        }
    }
    if (!file || !file[0]) {
        usage(stderr);
        return 2;
    }
    struct config *cfg = calloc(1, sizeof *cfg);
    struct config_errors *errs = calloc(1, sizeof *errs);
    int rc = 1;
    if (cfg && errs && config_load(config_path, cfg, errs) != 0) {
        for (size_t i = 0; i < errs->count; i++)
            fprintf(stderr, "%s\n", errs->lines[i]);
    } else if (cfg && errs && cfg->database.engine == DB_ENGINE_POSTGRESQL) {
        fprintf(stderr, "taawund: the database is PostgreSQL: back it up and restore it with "
                        "PostgreSQL's own tools (pg_dump and pg_restore, or the cluster's WAL "
                        "archiving); README.md, \"PostgreSQL\"\n");
    } else if (cfg && errs) {
        umask(077); /* whatever SQLite creates beside the files: owner only */
        rc = restore ? do_restore(cfg, file) : do_backup(cfg, file);
    }
    free(cfg);
    free(errs);
    return rc;
}
