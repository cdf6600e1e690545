/* user.c -- `taawund user create NAME --role ROLE`: the password
 * is read twice from the terminal without echo, or from standard input when
 * it is not a terminal (one line, and a second identical line if given);
 * `--replace` sets a new password (and role) on an existing account and
 * ends its sessions. `taawund user list` shows accounts and lock-outs. */
#include "cmd/user.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "app/console_auth.h"
#include "app/staff_tokens.h"
#include "config/config.h"
#include "store/db.h"
#include "sys/bearer.h"
#include "sys/password.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: taawund user create NAME --role admin|staff|viewer [--replace] [-c FILE]\n"
               "       taawund user list [-c FILE]\n"
               "The password is read twice from the terminal, or from standard input.\n");
}

/* One line of at most PASSWORD_MAX bytes from f without its newline.
 * Returns its length, or -1 at end of file or when it is too long. */
static long read_line(FILE *f, char *buf, size_t bufsz)
{
    if (!fgets(buf, (int)bufsz, f))
        return -1;
    size_t n = strlen(buf);
    if (n && buf[n - 1] == '\n')
        buf[--n] = '\0';
    else if (!feof(f))
        return -1; /* longer than the buffer */
    if (n && buf[n - 1] == '\r')
        buf[--n] = '\0';
    return (long)n;
}

static long prompt(const char *label, char *buf, size_t bufsz)
{
    struct termios old, quiet;
    fprintf(stderr, "%s", label);
    fflush(stderr);
    bool tty = tcgetattr(STDIN_FILENO, &old) == 0;
    if (tty) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    long n = read_line(stdin, buf, bufsz);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fprintf(stderr, "\n");
    }
    return n;
}

/* The new password into pw (PASSWORD_MAX + 2 bytes). Returns its length or -1. */
static long read_password(char *pw, size_t pwsz)
{
    char again[PASSWORD_MAX + 2];
    long n, m;
    if (isatty(STDIN_FILENO)) {
        n = prompt("Password: ", pw, pwsz);
        m = n < 0 ? -1 : prompt("Password again: ", again, sizeof again);
    } else {
        n = read_line(stdin, pw, pwsz);
        m = n < 0 ? -1 : read_line(stdin, again, sizeof again);
        if (m < 0) { /* a single line is enough from a pipe */
            memcpy(again, pw, (size_t)n + 1);
            m = n;
        }
    }
    bool same = n >= 0 && m == n && memcmp(pw, again, (size_t)n) == 0;
    bearer_wipe(again, sizeof again);
    if (n < 0) {
        fprintf(stderr, "taawund: no password given (or longer than %d bytes)\n", PASSWORD_MAX);
        return -1;
    }
    if (!same) {
        fprintf(stderr, "taawund: the two passwords differ\n");
        return -1;
    }
    if (n < PASSWORD_MIN) {
        fprintf(stderr, "taawund: the password needs at least %d characters\n", PASSWORD_MIN);
        return -1;
    }
    return n;
}

static int list(struct db *db)
{
    struct staff_user *rows = calloc(STAFF_USERS_LIST_MAX, sizeof *rows);
    int n = rows ? staff_users_list(db, rows, STAFF_USERS_LIST_MAX) : -1;
    if (n < 0) {
        free(rows);
        fprintf(stderr, "taawund: could not list the users\n");
        return 1;
    }
    int64_t now = db_now();
    printf("%-32s %-7s %s\n", "NAME", "ROLE", "STATE");
    for (int i = 0; i < n; i++)
        printf("%-32s %-7s %s\n", rows[i].name, rows[i].role,
               rows[i].locked_until > now ? "locked" : "active");
    free(rows);
    return 0;
}

/* What the command line asks for. */
struct user_args {
    const char *config_path, *cmd, *name, *role;
    bool replace;
};

/* Parse argv (after "user") into a. Returns -1 to go on, or the exit status
 * (0 after --help, 2 on a usage error). */
static int parse_args(int argc, char **argv, struct user_args *a)
{
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if ((strcmp(s, "-c") == 0 || strcmp(s, "--config") == 0) && i + 1 < argc)
            a->config_path = argv[++i];
        else if ((strcmp(s, "--role") == 0 || strcmp(s, "-r") == 0) && i + 1 < argc)
            a->role = argv[++i];
        else if (strncmp(s, "--role=", 7) == 0)
            a->role = s + 7;
        else if (strcmp(s, "--replace") == 0)
            a->replace = true;
        else if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (s[0] == '-') {
            usage(stderr);
            return 2;
        } else if (!a->cmd)
            a->cmd = s;
        else if (!a->name)
            a->name = s;
        else {
            usage(stderr);
            return 2;
        }
    }
    bool create = a->cmd && strcmp(a->cmd, "create") == 0;
    bool is_list = a->cmd && strcmp(a->cmd, "list") == 0;
    if ((!create && !is_list) || (create && (!a->name || !a->role)) ||
        (is_list && (a->name || a->role))) {
        usage(stderr);
        return 2;
    }
    if (create && (!staff_token_role_valid(a->role) || !staff_token_name_valid(a->name))) {
        fprintf(stderr, "taawund: bad name (letters, digits, . _ - @) or role (admin, staff, "
                        "viewer)\n");
        return 2;
    }
    return -1;
}

/* Create (or with --replace, replace) the account; returns the exit status. */
static int create_user(struct db *db, const struct user_args *a, const char *pw, size_t len)
{
    struct audit_actor cli = {.who = "cli", .role = "cli", .client = "local"};
    switch (console_auth_user_create(db, &cli, a->name, a->role, pw, len, a->replace)) {
    case CONSOLE_AUTH_OK:
        fprintf(stderr, "user '%s' (%s) %s\n", a->name, a->role, a->replace ? "saved" : "created");
        return 0;
    case CONSOLE_AUTH_EXISTS:
        fprintf(stderr, "taawund: a user is already called '%s' (use --replace)\n", a->name);
        return 1;
    case CONSOLE_AUTH_INVALID:
        fprintf(stderr, "taawund: bad name, role or password length\n");
        return 2;
    default:
        fprintf(stderr, "taawund: could not save the user (see the log above)\n");
        return 1;
    }
}

int cmd_user(int argc, char **argv, const char *default_config)
{
    struct user_args a = {.config_path = default_config};
    int status = parse_args(argc, argv, &a);
    if (status >= 0)
        return status;
    bool create = strcmp(a.cmd, "create") == 0;
    struct config *cfg = calloc(1, sizeof *cfg);
    struct config_errors *errs = calloc(1, sizeof *errs);
    if (!cfg || !errs) {
        free(cfg);
        free(errs);
        return 1;
    }
    if (config_load(a.config_path, cfg, errs) != 0) {
        for (size_t i = 0; i < errs->count; i++)
            fprintf(stderr, "%s\n", errs->lines[i]);
        free(cfg);
        free(errs);
        return 1;
    }
    free(errs);
    char pw[PASSWORD_MAX + 2];
    long len = create ? read_password(pw, sizeof pw) : 0;
    if (len < 0) {
        free(cfg);
        return 1;
    }
    db_pool_init(&cfg->database);
    struct db *db = db_open(&cfg->database);
    int rc = 1;
    if (db && db_migrate(db) == 0)
        rc = create ? create_user(db, &a, pw, (size_t)len) : list(db);
    bearer_wipe(pw, sizeof pw);
    db_close(db);
    free(cfg);
    return rc;
}
