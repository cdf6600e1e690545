/* token.c -- `taawund token create NAME --role ROLE`, `token
 * revoke NAME` and `token list`, each with an optional -c FILE: open the
 * configured database (migrating it), act through app/staff_tokens (audited
 * as who "cli"), print the new token once on stdout. */
#include "cmd/token.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/staff_tokens.h"
#include "config/config.h"
#include "store/db.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: taawund token create NAME --role admin|staff|viewer [-c FILE]\n"
               "       taawund token revoke NAME [-c FILE]\n"
               "       taawund token list [-c FILE]\n");
}

static void print_time(int64_t t)
{
    if (!t) {
        printf("%-20s ", "-");
        return;
    }
    time_t tt = (time_t)t;
    struct tm tm;
    char buf[32];
    gmtime_r(&tt, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    printf("%-20s ", buf);
}

static int run(struct db *db, const char *cmd, const char *name, const char *role)
{
    struct audit_actor cli = {.who = "cli", .role = "cli", .client = "local"};
    if (strcmp(cmd, "create") == 0) {
        char token[BEARER_TOKEN_LEN + 1];
        switch (staff_token_create(db, &cli, name, role, token, NULL)) {
        case STAFF_TOKEN_OK:
            printf("%s\n", token);
            fflush(stdout);
            bearer_wipe(token, sizeof token);
            fprintf(stderr, "token '%s' (%s) created; it is shown only once\n", name, role);
            return 0;
        case STAFF_TOKEN_EXISTS:
            fprintf(stderr, "taawund: a live token is already called '%s' (revoke it first)\n",
                    name);
            return 1;
        case STAFF_TOKEN_INVALID:
            fprintf(stderr,
                    "taawund: bad token name (letters, digits, . _ - @; at most %d) or "
                    "role (admin, staff, viewer)\n",
                    TOKEN_NAME_MAX - 1);
            return 2;
        default:
            fprintf(stderr, "taawund: could not create the token (see the log above)\n");
            return 1;
        }
    }
    if (strcmp(cmd, "revoke") == 0) {
        switch (staff_token_revoke(db, &cli, name, 0, NULL)) {
        case STAFF_TOKEN_OK:
            fprintf(stderr, "token '%s' revoked\n", name);
            return 0;
        case STAFF_TOKEN_NOT_FOUND:
            fprintf(stderr, "taawund: no live token called '%s'\n", name);
            return 1;
        default:
            fprintf(stderr, "taawund: could not revoke the token (see the log above)\n");
            return 1;
        }
    }
    struct token_row *rows = calloc(TOKENS_LIST_MAX, sizeof *rows);
    int n = rows ? tokens_list(db, rows, TOKENS_LIST_MAX) : -1;
    if (n < 0) {
        free(rows);
        fprintf(stderr, "taawund: could not list the tokens\n");
        return 1;
    }
    printf("%-6s %-32s %-7s %-20s %-20s %-20s\n", "ID", "NAME", "ROLE", "CREATED", "LAST USED",
           "REVOKED");
    for (int i = 0; i < n; i++) {
        printf("%-6lld %-32s %-7s ", (long long)rows[i].id, rows[i].name, rows[i].role);
        print_time(rows[i].created_at);
        print_time(rows[i].last_used_at);
        print_time(rows[i].revoked_at);
        printf("\n");
    }
    free(rows);
    return 0;
}

int cmd_token(int argc, char **argv, const char *default_config)
{
    const char *config_path = default_config, *cmd = NULL, *name = NULL, *role = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if ((strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) && i + 1 < argc) {
            config_path = argv[++i];
        } else if ((strcmp(a, "--role") == 0 || strcmp(a, "-r") == 0) && i + 1 < argc) {
            role = argv[++i];
        } else if (strncmp(a, "--role=", 7) == 0) {
            role = a + 7;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (a[0] == '-') {
            usage(stderr);
            return 2;
        } else if (!cmd) {
            cmd = a;
        } else if (!name) {
            name = a;
        } else {
            usage(stderr);
            return 2;
        }
    }
    bool create = cmd && strcmp(cmd, "create") == 0, revoke = cmd && strcmp(cmd, "revoke") == 0,
         list = cmd && strcmp(cmd, "list") == 0;
    if ((!create && !revoke && !list) || ((create || revoke) && !name) || (list && name) ||
        (create && !role) || (!create && role)) {
        usage(stderr);
        return 2;
    }
    if (create && !staff_token_role_valid(role)) {
        fprintf(stderr, "taawund: --role must be admin, staff or viewer\n");
        return 2;
    }
    struct config *cfg = calloc(1, sizeof *cfg);
    struct config_errors *errs = calloc(1, sizeof *errs);
    if (!cfg || !errs) {
        free(cfg);
        free(errs);
        return 1;
    }
    if (config_load(config_path, cfg, errs) != 0) {
        for (size_t i = 0; i < errs->count; i++)
            fprintf(stderr, "%s\n", errs->lines[i]);
        free(cfg);
        free(errs);
        return 1;
    }
    free(errs);
    db_pool_init(&cfg->database); /* db_stmt() needs the pool's thread key */
    struct db *db = db_open(&cfg->database);
    int rc = 1;
    if (db && db_migrate(db) == 0)
        rc = run(db, cmd, name, role);
    db_close(db);
    free(cfg);
    return rc;
}
