/* taawunctl.c -- the command-line client of taawun's admin API: imports and
 * exports, members, cooperatives, grants, events (bookings, check-in),
 * ideas, broadcasts (templates, recurring ones, approvals, delivery
 * reports), channels (health, costs, budgets), messages, the audit log,
 * stats, tokens and staff accounts as human tables (or --json for scripts), plus
 * `ussd` and `sms` to play a member's journey against the sandbox channel's
 * public webhooks. This file reads the command line and dispatches; each
 * command lives in a ctl/cmd_*.c module (ctl/commands.h).
 *
 * Exit codes: 0 ok, 1 the API answered an error, 2 usage (or a token file
 * readable by others), 3 no connection. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ctl/api.h"
#include "ctl/client.h"
#include "ctl/cmdline.h"
#include "ctl/commands.h"

struct command {
    const char *name;
    command_fn fn;
    bool admin_api; /* needs the admin API and its token */
};

static const struct command commands[] = {
    {"import", cmd_import, true},
    {"export", cmd_export, true},
    {"grants", cmd_grants, true},
    {"events", cmd_events, true},
    {"members", cmd_members, true},
    {"cooperatives", cmd_cooperatives, true},
    {"ideas", cmd_ideas, true},
    {"audit", cmd_audit, true},
    {"broadcasts", cmd_broadcasts, true},
    {"templates", cmd_templates, true},
    {"recurrences", cmd_recurrences, true},
    {"channels", cmd_channels, true},
    {"messages", cmd_messages, true},
    {"stats", cmd_stats, true},
    {"dashboard", cmd_dashboard, true},
    {"tokens", cmd_tokens, true},
    {"staff", cmd_staff, true},
    {"ussd", cmd_ussd, false},
    {"sms", cmd_sms, false},
};

static const struct command *command_find(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

/* Run cmd: with the admin API and its token when it needs them. */
static int run(const struct command *cmd, const struct cmdline *c)
{
    if (!cmd->admin_api)
        return cmd->fn(NULL, c);
    const char *url = cmdline_opt(c, "url");
    struct api a = {.base = url ? url : CTL_DEFAULT_URL, .json = c->json};
    int rc = api_read_token(c, a.token, sizeof a.token);
    if (rc == 0)
        rc = cmd->fn(&a, c);
    memset(a.token, 0, sizeof a.token);
    return rc;
}

int main(int argc, char **argv)
{
    struct cmdline c;
    int p = cmdline_parse(argc, argv, &c);
    if (p == -2) {
        fputs(cmdline_usage_text, stdout);
        return 0;
    }
    if (p != 0 || c.nargs == 0)
        return cmdline_usage(p != 0 ? "an option lacks its value" : NULL);
    const struct command *cmd = command_find(c.args[0]);
    if (!cmd)
        return cmdline_usage("unknown command");
    if (client_global_init() != 0) {
        fprintf(stderr, "taawunctl: cannot start libcurl\n");
        return CTL_EXIT_CONNECT;
    }
    int rc = run(cmd, &c);
    client_global_cleanup();
    return rc;
}
