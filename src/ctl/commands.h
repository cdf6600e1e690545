/* commands.h -- taawunctl's commands, one function each, all with the same
 * contract: a is the admin API (NULL for ussd and sms, which talk to the
 * public webhooks), c the command line (c->args[0] is the command). Each
 * prints its result (a table, fields, or --json) and returns 0 or a
 * CTL_EXIT_* code, its error already printed. Grouped by resource:
 * cmd_files.c (CSV import and export), cmd_grants.c, cmd_programme.c
 * (events), cmd_members.c (members, cooperatives), cmd_records.c (ideas,
 * audit), cmd_broadcasts.c (with approvals), cmd_delivery.c (a
 * broadcast's delivery report and messages file; channels: health, costs
 * per month, budgets), cmd_templates.c (templates, recurring broadcasts),
 * cmd_reports.c (messages, stats, dashboard, tokens), cmd_staff.c (the console's
 * staff accounts) and cmd_sandbox.c (a member's USSD session or SMS). */
#ifndef TAAWUN_CTL_COMMANDS_H
#define TAAWUN_CTL_COMMANDS_H

#include "ctl/api.h"
#include "ctl/cmdline.h"

typedef int (*command_fn)(const struct api *a, const struct cmdline *c);

int cmd_import(const struct api *a, const struct cmdline *c);
int cmd_export(const struct api *a, const struct cmdline *c);
int cmd_grants(const struct api *a, const struct cmdline *c);
int cmd_events(const struct api *a, const struct cmdline *c);
int cmd_broadcasts(const struct api *a, const struct cmdline *c);
int cmd_templates(const struct api *a, const struct cmdline *c);
int cmd_recurrences(const struct api *a, const struct cmdline *c);
int cmd_channels(const struct api *a, const struct cmdline *c);
int cmd_messages(const struct api *a, const struct cmdline *c);
int cmd_stats(const struct api *a, const struct cmdline *c);
int cmd_dashboard(const struct api *a, const struct cmdline *c);
int cmd_tokens(const struct api *a, const struct cmdline *c);
int cmd_staff(const struct api *a, const struct cmdline *c);
int cmd_members(const struct api *a, const struct cmdline *c);
int cmd_cooperatives(const struct api *a, const struct cmdline *c);
int cmd_ideas(const struct api *a, const struct cmdline *c);
int cmd_audit(const struct api *a, const struct cmdline *c);
int cmd_ussd(const struct api *a, const struct cmdline *c);
int cmd_sms(const struct api *a, const struct cmdline *c);

/* Shared by broadcasts and templates (cmd_broadcasts.c): POST path
 * (/broadcasts or /broadcasts/preview) with the broadcast the command line
 * describes (--name, template_id's texts (NULL: none) under the
 * --text-LANG given, --topic, --channel, --about-event as a code or an id,
 * the audience options), *out the answer (the caller decrefs); and a plan
 * (recipients, texts as they travel, encoding, segments, cost) printed for
 * a person. */
int ctl_broadcast_post(const struct api *a, const struct cmdline *c, const char *path,
                       const char *template_id, json_t **out) __attribute__((warn_unused_result));
void ctl_broadcast_print_plan(json_t *plan);

/* Shared by members, cooperatives and grants (cmd_members.c): the id of
 * the member which names (digits: an id; TA-NNNNNN: a member number; else
 * a phone number, looked up), and of the cooperative which names (its
 * code, looked for first as codes are digits too, else an id). Returns 0 with id, or an exit code
 * (error printed). */
int ctl_member_id(const struct api *a, const char *which, char id[24])
    __attribute__((warn_unused_result));
int ctl_cooperative_id(const struct api *a, const char *which, char id[24])
    __attribute__((warn_unused_result));

/* broadcasts report ID and broadcasts export ID [-o FILE] [--sep S]
 * [--format xlsx] (c->args[2] the id), in cmd_delivery.c. */
int ctl_broadcast_report(const struct api *a, const char *id);
int ctl_broadcast_export(const struct api *a, const struct cmdline *c);

#endif
