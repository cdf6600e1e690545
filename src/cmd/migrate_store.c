/* migrate_store.c -- `taawund migrate-store --from FILE [-c CONF]`: take
 * the SQLite file's lock (no daemon serves it meanwhile), bring the
 * PostgreSQL database of CONF to this build's schema, copy the file into
 * it (store/migrate_store) and say what was copied. The source is never
 * written. */
#include "cmd/migrate_store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "store/backup.h"
#include "store/db.h"
#include "store/migrate_store.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: taawund migrate-store --from SQLITE-FILE [-c CONF]\n"
               "  Copy a programme's SQLite database (taawund stopped) into the empty PostgreSQL\n"
               "  database of CONF (database.engine = \"postgresql\"): every table and row with\n"
               "  its id, references, consent records, audit log, staff accounts and tokens, in\n"
               "  one transaction, checked (each table's rows and values read back) before it\n"
               "  commits. The SQLite file is only read; it must be at this build's schema\n"
               "  (start this build's taawund on it once if it is older). Then point taawund's\n"
               "  configuration at PostgreSQL and start it.\n"
               "  Exit status: 0 copied, 1 failed (nothing committed), 2 usage, 3 a running\n"
               "  taawund holds the SQLite file, 4 refused (the source or the target is not what\n"
               "  a copy needs: said on stderr).\n");
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* What a copy that did not happen says, and its exit status. */
static int refusal(enum migrate_store_result r, const struct migrate_store_report *rep,
                   const char *from)
{
    switch (r) {
    case MIGRATE_STORE_NOT_TAAWUN:
        fprintf(stderr, "taawund: %s is not a taawun database (%s)\n", from, rep->why);
        return CMD_MIGRATE_STORE_REFUSED;
    case MIGRATE_STORE_SOURCE_OLD:
        fprintf(stderr,
                "taawund: %s: %s; start this build's taawund on it once (it migrates the file "
                "at start), stop it, then run migrate-store again\n",
                from, rep->why);
        return CMD_MIGRATE_STORE_REFUSED;
    case MIGRATE_STORE_SOURCE_NEW:
        fprintf(stderr, "taawund: %s: %s; run migrate-store of the build that wrote it\n", from,
                rep->why);
        return CMD_MIGRATE_STORE_REFUSED;
    case MIGRATE_STORE_TARGET_NOT_EMPTY:
        fprintf(stderr,
                "taawund: the PostgreSQL database is not empty (%s); give migrate-store a new "
                "database (CREATE DATABASE ... OWNER taawun)\n",
                rep->why);
        return CMD_MIGRATE_STORE_REFUSED;
    case MIGRATE_STORE_NOT_POSTGRESQL:
    case MIGRATE_STORE_TARGET_NOT_READY:
    case MIGRATE_STORE_SCHEMAS_DIFFER:
        fprintf(stderr, "taawund: migrate-store refused: %s\n", rep->why);
        return CMD_MIGRATE_STORE_REFUSED;
    default:
        fprintf(stderr, "taawund: migrate-store failed, nothing was committed: %s\n", rep->why);
        return 1;
    }
}

static void print_report(const struct migrate_store_report *rep, const char *from, double s)
{
    for (size_t i = 0; i < rep->count; i++)
        printf("%-28s %12" PRId64 " rows\n", rep->tables[i].name, rep->tables[i].rows);
    printf("copied %" PRId64 " rows of %zu tables from %s to PostgreSQL (schema version %d) in "
           "%.1f s, checked\n",
           rep->rows, rep->count, from, rep->build_version, s);
    fprintf(stderr,
            "point taawund's configuration at PostgreSQL and start it; keep %s as it "
            "is until the programme runs there\n",
            from);
}

/* The copy, once the arguments and the configuration are read. */
static int run(const struct config *cfg, const char *from)
{
    struct stat sb;
    if (stat(from, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        fprintf(stderr, "taawund: %s is not a file\n", from);
        return CMD_MIGRATE_STORE_REFUSED;
    }
    int lock = db_backup_lock(from); /* held until exit: no daemon starts on it meanwhile */
    if (lock == -2) {
        fprintf(stderr,
                "taawund: a running taawund holds %s; stop it first (systemctl stop "
                "taawund)\n",
                from);
        return CMD_MIGRATE_STORE_IN_USE;
    }
    if (lock < 0)
        return 1;
    struct db_options source = {.engine = DB_ENGINE_SQLITE,
                                .busy_timeout_ms = cfg->database.busy_timeout_ms};
    snprintf(source.path, sizeof source.path, "%s", from);
    struct db *src = db_open(&source);
    if (!src) {
        fprintf(stderr,
                "taawund: %s cannot be opened as an SQLite database (see the log "
                "above)\n",
                from);
        close(lock);
        return CMD_MIGRATE_STORE_REFUSED;
    }
    db_pool_init(&cfg->database); /* the target is this thread's connection */
    struct db *dst = db_thread();
    int rc = 1;
    if (!dst || db_migrate(dst) != 0) {
        fprintf(stderr, "taawund: the PostgreSQL database cannot be opened or brought to "
                        "this build's schema (see the log above)\n");
    } else {
        struct migrate_store_report *rep = calloc(1, sizeof *rep);
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        enum migrate_store_result r =
            rep ? migrate_store_copy(src, dst, rep) : MIGRATE_STORE_FAILED;
        if (!rep)
            fprintf(stderr, "taawund: out of memory\n");
        else if (r == MIGRATE_STORE_DONE)
            print_report(rep, from, seconds_since(&t0));
        rc = !rep ? 1 : r == MIGRATE_STORE_DONE ? 0 : refusal(r, rep, from);
        free(rep);
    }
    db_close(src);
    close(lock);
    return rc;
}

int cmd_migrate_store(int argc, char **argv, const char *default_config)
{
    const char *config_path = default_config, *from = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if ((strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) && i + 1 < argc) {
            config_path = argv[++i];
        } else if (strcmp(a, "--from") == 0 && i + 1 < argc) {
            from = argv[++i];
        } else if (strncmp(a, "--from=", 7) == 0) {
            from = a + 7;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (!from || !from[0]) {
        usage(stderr);
        return 2;
    }
    struct config *cfg = calloc(1, sizeof *cfg);
    struct config_errors *errs = calloc(1, sizeof *errs);
    int rc = 1;
    if (cfg && errs && config_load(config_path, cfg, errs) != 0) {
        for (size_t i = 0; i < errs->count; i++)
            fprintf(stderr, "%s\n", errs->lines[i]);
    } else if (cfg && errs && cfg->database.engine != DB_ENGINE_POSTGRESQL) {
        fprintf(stderr,
                "taawund: %s does not name a PostgreSQL database: migrate-store copies into the "
                "database of a configuration with database.engine = \"postgresql\" and its "
                "conninfo\n",
                config_path);
        rc = CMD_MIGRATE_STORE_REFUSED;
    } else if (cfg && errs) {
        rc = run(cfg, from);
    }
    free(cfg);
    free(errs);
    return rc;
}
