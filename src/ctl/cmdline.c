/* cmdline.c -- taawunctl's command line: argv split into words and
 * --options, and the usage text. */
#include "ctl/cmdline.h"

#include <stdio.h>
#include <string.h>

const char cmdline_usage_text[] =
    "usage: taawunctl [--url URL] [--token-file FILE] [--json] COMMAND ...\n"
    "  import cooperatives|members|grants FILE [--dry-run]\n"
    "  export cooperatives|members|grants [-o FILE] [--sep ';'|,|tab] [--format xlsx]\n"
    "  grants list [--status S] [--limit N] | grants show GRANT  (GR-2026-00012 or an id)\n"
    "  grants create (--member MEMBER | --cooperative CODE) --programme P --amount MAD\n"
    "                [--reference R] [--status S] [--note-ar|--note-fr|--note-en TEXT]\n"
    "  grants edit GRANT [--programme P] [--amount MAD] [--note TEXT]\n"
    "                [--note-ar|--note-fr|--note-en TEXT]   ('' clears one)\n"
    "  grants status GRANT STATUS [--note TEXT] [--note-ar|--note-fr|--note-en TEXT]\n"
    "                [--dry-run]   (the member's SMS shown, nothing changed)\n"
    "  events list [--status S] | events show ID | events cancel ID\n"
    "  events attendees ID [-o FILE] [--sep ';'|,|tab] [--format xlsx]\n"
    "  events checkin ID MEMBER [--undo]   (MEMBER: TA-000012, a phone or an id)\n"
    "  events create --code C --kind K --starts-at YYYY-MM-DDTHH:MM --place P\n"
    "                [--title-ar|--title-fr|--title-en T] [--province P] [--capacity N]\n"
    "                [--reminder-hours H]   (the reminder SMS H hours before the start)\n"
    "  events edit ID [the options of create] [--reminder-hours H|default] [--capacity none]\n"
    "  members list [--province P] [--sector S] [--cooperative ID] [--gender f|m]\n"
    "               [--age-band B] [--topic T] [--limit N] [--offset N]\n"
    "  members search NAME|PHONE | members show MEMBER [--messages N]\n"
    "  members edit MEMBER [--name N] [--language L] [--province P] [--sector S]\n"
    "               [--gender f|m] [--birth-year Y] [--cooperative ID] [--contact yes|no]\n"
    "  members phone MEMBER NEW_PHONE | members consent-withdraw MEMBER [--note T]\n"
    "  members erase MEMBER --yes\n"
    "  cooperatives list [--search TEXT] [--province P] [--sector S] | show ID|CODE\n"
    "  cooperatives create --code C --name N --province P [--sector S] [--contact-phone P]\n"
    "  cooperatives edit ID|CODE [--name N] [--province P] [--sector S] [--contact-phone P]\n"
    "  ideas list [--status S] [--sector S] | ideas show ID | ideas status ID STATUS\n"
    "  audit [--who W] [--action A] [--object TYPE:ID] [--since YYYY-MM-DD[THH:MM]]\n"
    "  broadcasts list [--status awaiting_approval|draft|scheduled|started|cancelled]\n"
    "  broadcasts create|preview --name N (--text-ar T [--text-fr T] [--text-en T]\n"
    "                | --template ID) [--about-event ID|CODE] [--topic T] [--channel C]\n"
    "                [--province P] [--sector S] [--cooperative CODE] [--gender f|m]\n"
    "                [--age-band B] [--language L] [--event ID] [--phone P]  (repeatable)\n"
    "      (--about-event: the event {event} and {date} name; --event: its attendees)\n"
    "  broadcasts edit ID [the options of create]   (a draft: the parts given replaced,\n"
    "                each audience key given, --text-LANG '' drops one) | delete ID\n"
    "  broadcasts preview|send|status|cancel|approve ID\n"
    "  broadcasts reject ID --reason TEXT\n"
    "  broadcasts schedule ID YYYY-MM-DDTHH:MM   (programme time)\n"
    "  broadcasts report ID   (delivery: by status, cause of failure, attempts, channel,\n"
    "                language; cost estimated and actual)\n"
    "  broadcasts export ID [-o FILE] [--sep ';'|,|tab] [--format xlsx] [--lang L]\n"
    "  channels [list] | channels costs [--month YYYY-MM] | channels budgets\n"
    "  templates list [--archived] | show ID | archive ID | restore ID\n"
    "  templates create --name N --text-ar T [--text-fr T] [--text-en T]\n"
    "  templates edit ID [--name N] [--text-ar|--text-fr|--text-en T]  ('' drops one)\n"
    "  templates measure ID [--about-event ID|CODE] [audience as broadcasts create]\n"
    "  recurrences list [--broadcast ID] | show ID | pause ID | resume ID | delete ID\n"
    "  recurrences preview RULE [--next N] | create BROADCAST_ID RULE [--dry-run]\n"
    "  recurrences edit ID RULE    RULE: --repeat weekly|monthly|event-eve --time HH:MM\n"
    "      [--weekday 1-7|mon..sun] [--day 1-31] [--starts YYYY-MM-DD] [--ends YYYY-MM-DD]\n"
    "      [--count N] [--event-province P] [--audience attendees|broadcast]\n"
    "  messages [--status S] [--phone P] [--broadcast ID] [--kind K] [--direction in|out]\n"
    "           [--channel C] [--limit N]\n"
    "  stats | dashboard   (members; this week's messages per channel, grants by status)\n"
    "  tokens list | tokens create NAME --role admin|staff|viewer | tokens revoke ID\n"
    "  staff list | staff create NAME --role viewer|staff|admin | staff role NAME ROLE\n"
    "  staff disable|enable|reset-password NAME   (the console's accounts; admin role)\n"
    "  ussd PHONE [--url PUBLIC_URL] [--channel C] [--code *384*123#]\n"
    "  sms PHONE TEXT [--url PUBLIC_URL] [--channel C] [--admin-url URL]\n"
    "      (with a token, waits for the answer and prints it)\n"
    "The token comes from TAAWUN_TOKEN or --token-file (mode 0600). --url defaults "
    "to\n" CTL_DEFAULT_URL " (the admin API), " CTL_DEFAULT_PUBLIC_URL " for ussd and sms.\n"
    "Times are the programme's, its zone named beside them; --since and --starts-at are\n"
    "read in it too.\n";

int cmdline_usage(const char *why)
{
    if (why)
        fprintf(stderr, "taawunctl: %s\n", why);
    fputs(cmdline_usage_text, stderr);
    return CTL_EXIT_USAGE;
}

const char *cmdline_opt(const struct cmdline *c, const char *name)
{
    for (size_t i = 0; i < c->nopts; i++)
        if (strcmp(c->opts[i].name, name) == 0)
            return c->opts[i].value;
    return NULL;
}

int cmdline_parse(int argc, char **argv, struct cmdline *c)
{
    memset(c, 0, sizeof *c);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0) {
            c->json = true;
        } else if (strcmp(a, "--dry-run") == 0) {
            c->dry_run = true;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            return -2;
        } else if (strcmp(a, "--undo") == 0 || strcmp(a, "--archived") == 0 ||
                   strcmp(a, "--yes") == 0) { /* options without a value */
            if (c->nopts >= CMDLINE_OPTS_MAX)
                return -1;
            c->opts[c->nopts++] = (struct cmdline_opt){a + 2, "yes"};
        } else if ((a[0] == '-' && a[1] == '-' && a[2]) || strcmp(a, "-o") == 0) {
            const char *name = a[1] == '-' ? a + 2 : "output";
            const char *eq = strchr(name, '=');
            if (c->nopts >= CMDLINE_OPTS_MAX)
                return -1;
            if (eq) {
                static char names[CMDLINE_OPTS_MAX][32];
                size_t k = c->nopts++;
                snprintf(names[k], sizeof names[0], "%.*s", (int)(eq - name), name);
                c->opts[k] = (struct cmdline_opt){names[k], eq + 1};
            } else {
                if (i + 1 >= argc)
                    return -1;
                c->opts[c->nopts++] = (struct cmdline_opt){name, argv[++i]};
            }
        } else {
            if (c->nargs >= CMDLINE_ARGS_MAX)
                return -1;
            c->args[c->nargs++] = a;
        }
    }
    return 0;
}
