/* cmdline.h -- taawunctl's command line: words and --options as given,
 * the usage text, the exit codes and the defaults every command shares. */
#ifndef TAAWUN_CTL_CMDLINE_H
#define TAAWUN_CTL_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

/* Exit codes: 0 ok, 1 the API answered an error, 2 usage (or a token file
 * readable by others), 3 no connection. */
#define CTL_EXIT_API 1
#define CTL_EXIT_USAGE 2
#define CTL_EXIT_CONNECT 3

#define CTL_DEFAULT_URL "http://127.0.0.1:8081"        /* the admin API */
#define CTL_DEFAULT_PUBLIC_URL "http://127.0.0.1:8080" /* the webhooks (ussd, sms) */
#define CTL_URL_MAX 2048
#define CMDLINE_ARGS_MAX 64
#define CMDLINE_OPTS_MAX 64

struct cmdline_opt {
    const char *name; /* without "--" ("output" for -o) */
    const char *value;
};

/* Borrows argv's strings (and, for --name=value, a static copy of name). */
struct cmdline {
    const char *args[CMDLINE_ARGS_MAX]; /* the words: command, subcommand, operands */
    size_t nargs;
    struct cmdline_opt opts[CMDLINE_OPTS_MAX];
    size_t nopts;
    bool json;
    bool dry_run;
};

extern const char cmdline_usage_text[];

/* Split argv into c. Returns 0, -2 for -h/--help, or -1 when an option
 * lacks its value or there are too many words or options. */
int cmdline_parse(int argc, char **argv, struct cmdline *c) __attribute__((warn_unused_result));

/* The value of --name (the first given), or NULL. */
const char *cmdline_opt(const struct cmdline *c, const char *name);

/* Print why (may be NULL) and the usage text on stderr; returns
 * CTL_EXIT_USAGE. */
int cmdline_usage(const char *why);

#endif
