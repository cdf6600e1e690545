/* cmd_grants.c -- taawunctl grants, as the console has them: list, one
 * with its history, create one for a member or a cooperative (its
 * reference given by the API when none is), correct its programme, amount
 * and notes per language, and change its status (the member gets one SMS;
 * --dry-run shows that SMS and changes nothing). A grant is named by its
 * reference (GR-2026-00012) or its id. */
#include "ctl/commands.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/print.h"

/* The id of the grant which names: digits are an id, anything else a
 * reference (looked up). Returns 0 with id, or an exit code. */
static int grant_id(const struct api *a, const char *which, char id[24])
{
    if (api_is_id(which)) {
        snprintf(id, 24, "%s", which);
        return 0;
    }
    return api_first_id(a, "/grants", "reference", which, "no grant has the reference", id, 24);
}

/* v as a JSON number: an integer when it is one, else a real, else the
 * string (the API then names the field). */
static json_t *number_json(const char *v)
{
    char *end;
    long long n = strtoll(v, &end, 10);
    if (*v && !*end)
        return json_integer(n);
    double x = strtod(v, &end);
    return *v && !*end ? json_real(x) : json_string(v);
}

/* --note, --note-ar, --note-fr, --note-en into body; with empty_null, an
 * empty note-LANG clears that language's note. */
static void grant_notes(const struct cmdline *c, json_t *body, int empty_null)
{
    static const char *const keys[] = {"note", "note_ar", "note_fr", "note_en"};
    static const char *const flags[] = {"note", "note-ar", "note-fr", "note-en"};
    for (size_t i = 0; i < 4; i++) {
        const char *v = cmdline_opt(c, flags[i]);
        if (v)
            json_object_set_new(body, keys[i],
                                empty_null && i > 0 && !*v ? json_null() : json_string(v));
    }
}

/* A grant and its history (programme time). */
static void grant_print(json_t *o, const void *unused)
{
    static const char *const keys[] = {"id",        "reference",  "member_name", "cooperative_name",
                                       "programme", "amount_mad", "status",      "note_ar",
                                       "note_fr",   "note_en",    "created_at",  "updated_at"};
    print_fields(o, keys, sizeof keys / sizeof keys[0]);
    static const char *const cols[] = {"changed_at", "status",  "changed_by",
                                       "note_ar",    "note_fr", "note_en"};
    print_list(o, "history", "history", cols, 6);
}

/* grants create (--member M | --cooperative C) --programme P --amount N
 * [--reference R] [--status S] [--note-LANG T]: POST /grants. */
static int grant_create(const struct api *a, const struct cmdline *c)
{
    const char *member = cmdline_opt(c, "member"), *coop = cmdline_opt(c, "cooperative");
    if (!member == !coop)
        return cmdline_usage("grants create: --member MEMBER or --cooperative CODE, one of them");
    char id[24] = "";
    int rc = member ? ctl_member_id(a, member, id) : ctl_cooperative_id(a, coop, id);
    if (rc)
        return rc;
    json_t *body = json_pack("{s:I}", member ? "member_id" : "cooperative_id",
                             (json_int_t)strtoll(id, NULL, 10));
    static const char *const texts[] = {"reference", "programme", "status"};
    for (size_t i = 0; i < 3; i++)
        if (cmdline_opt(c, texts[i]))
            json_object_set_new(body, texts[i], json_string(cmdline_opt(c, texts[i])));
    if (cmdline_opt(c, "amount"))
        json_object_set_new(body, "amount_mad", number_json(cmdline_opt(c, "amount")));
    grant_notes(c, body, 0);
    return api_call_print(a, "POST", "/grants", body, grant_print, NULL);
}

/* The SMS a status change would send (grants status ... --dry-run). */
static void status_preview_print(json_t *o, const void *unused)
{
    json_t *m = json_object_get(o, "message");
    if (!json_is_object(m)) {
        printf("no SMS: the member would not be told (dry run, nothing changed)\n");
        return;
    }
    static const char *const keys[] = {"to", "language", "encoding", "segments", "body"};
    print_fields(m, keys, 5);
    printf("(dry run: nothing changed, nothing sent)\n");
}

/* grants status GRANT STATUS [--note T] [--note-LANG T] [--dry-run]. */
static int grant_status(const struct api *a, const struct cmdline *c, const char *id)
{
    char path[96];
    snprintf(path, sizeof path, "/grants/%s/status%s", id, c->dry_run ? "/preview" : "");
    json_t *body = json_pack("{s:s}", "status", c->args[3]);
    grant_notes(c, body, 0);
    if (c->dry_run)
        return api_call_print(a, "POST", path, body, status_preview_print, NULL);
    static const char *const keys[] = {"reference", "status", "notification_message_id"};
    return api_call_print(a, "POST", path, body, api_fields_print, &(struct api_fields){keys, 3});
}

int cmd_grants(const struct api *a, const struct cmdline *c)
{
    const char *sub = c->nargs > 1 ? c->args[1] : "list";
    if (strcmp(sub, "list") == 0 && c->nargs <= 2) {
        static const char *const cols[] = {"id",         "reference", "member_name", "programme",
                                           "amount_mad", "status",    "updated_at"};
        char q[CTL_URL_MAX] = "/grants";
        api_query_add(q, sizeof q, "status", cmdline_opt(c, "status"));
        api_query_add(q, sizeof q, "reference", cmdline_opt(c, "reference"));
        api_query_add(q, sizeof q, "limit", cmdline_opt(c, "limit"));
        api_query_add(q, sizeof q, "offset", cmdline_opt(c, "offset"));
        return api_list(a, q, cols, 7);
    }
    if (strcmp(sub, "create") == 0 && c->nargs == 2)
        return grant_create(a, c);
    char id[24], path[96];
    if (!((strcmp(sub, "status") == 0 && c->nargs == 4) ||
          ((strcmp(sub, "show") == 0 || strcmp(sub, "edit") == 0) && c->nargs == 3)))
        return cmdline_usage("grants list | show GRANT | create (--member M|--cooperative C) "
                             "--programme P --amount N | edit GRANT [--amount N] ... | "
                             "status GRANT STATUS [--note TEXT] [--dry-run]");
    int rc = grant_id(a, c->args[2], id);
    if (rc)
        return rc;
    if (strcmp(sub, "status") == 0)
        return grant_status(a, c, id);
    snprintf(path, sizeof path, "/grants/%s", id);
    if (strcmp(sub, "show") == 0)
        return api_call_print(a, "GET", path, NULL, grant_print, NULL);
    json_t *body = json_object();
    if (cmdline_opt(c, "programme"))
        json_object_set_new(body, "programme", json_string(cmdline_opt(c, "programme")));
    if (cmdline_opt(c, "amount"))
        json_object_set_new(body, "amount_mad", number_json(cmdline_opt(c, "amount")));
    grant_notes(c, body, 1);
    return api_call_print(a, "PATCH", path, body, grant_print, NULL);
}
