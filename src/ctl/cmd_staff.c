/* cmd_staff.c -- taawunctl staff: the console's staff accounts, as an
 * admin manages them in the console (admin role): list, create one (its
 * temporary password shown once), change a role, disable, enable, and a
 * new temporary password for one who forgot theirs (their sessions end).
 * An account is named by its name or its id; the API audits every change
 * (staff_user.*) and keeps the last active admin. */
#include "ctl/commands.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ctl/print.h"

/* The id of the account which names: its name (looked for first: a name
 * may be digits), else digits as an id. Returns 0 with id, or an exit
 * code. */
static int staff_id(const struct api *a, const char *which, char id[24])
{
    return api_id_by_field(a, "/staff", "name", which, "no staff account is called", id, 24);
}

/* An account changed: its fields, the end of a temporary password's
 * validity in programme time. */
static void staff_print(json_t *o, const void *unused)
{
    static const char *const keys[] = {
        "id",         "name",          "role",       "disabled", "password_temporary",
        "created_at", "last_login_at", "disabled_at"};
    print_fields(o, keys, sizeof keys / sizeof keys[0]);
    if (json_is_integer(json_object_get(o, "password_temporary_until"))) {
        char until[128];
        print_labelled_time(o, "password_temporary_until", until, sizeof until);
        printf("%-20s %s\n", "temporary_until", until);
    }
}

/* An account created or reset: the temporary password alone on stdout
 * (for a pipe), what to do with it on stderr. */
static void staff_password_print(json_t *o, const void *unused)
{
    puts(json_string_value(json_object_get(o, "temporary_password")));
    char until[128];
    print_labelled_time(o, "password_temporary_until", until, sizeof until);
    fprintf(stderr,
            "temporary password of %s (%s), shown only this once; it works until %s and only "
            "lets its holder choose their own password. Hand it over in person or by phone, "
            "not by SMS or e-mail.\n",
            json_string_value(json_object_get(o, "name")),
            json_string_value(json_object_get(o, "role")), until);
}

/* role, disable, enable, reset-password NAME|ID [ROLE]. */
static int staff_change(const struct api *a, const struct cmdline *c, const char *sub)
{
    char id[24], path[96];
    int rc = staff_id(a, c->args[2], id);
    if (rc)
        return rc;
    if (strcmp(sub, "reset-password") == 0) {
        snprintf(path, sizeof path, "/staff/%s/password", id);
        return api_call_print(a, "POST", path, NULL, staff_password_print, NULL);
    }
    snprintf(path, sizeof path, "/staff/%s", id);
    json_t *body = strcmp(sub, "role") == 0
                       ? json_pack("{s:s}", "role", c->args[3])
                       : json_pack("{s:b}", "disabled", strcmp(sub, "disable") == 0);
    return api_call_print(a, "PATCH", path, body, staff_print, NULL);
}

int cmd_staff(const struct api *a, const struct cmdline *c)
{
    const char *sub = c->nargs > 1 ? c->args[1] : "list";
    if (strcmp(sub, "list") == 0 && c->nargs <= 2) {
        static const char *const cols[] = {
            "id", "name", "role", "disabled", "password_temporary", "created_at", "last_login_at"};
        return api_list(a, "/staff", cols, 7);
    }
    if (strcmp(sub, "create") == 0 && c->nargs == 3 && cmdline_opt(c, "role")) {
        json_t *body = json_pack("{s:s,s:s}", "name", c->args[2], "role", cmdline_opt(c, "role"));
        return api_call_print(a, "POST", "/staff", body, staff_password_print, NULL);
    }
    if ((strcmp(sub, "role") == 0 && c->nargs == 4) ||
        ((strcmp(sub, "disable") == 0 || strcmp(sub, "enable") == 0 ||
          strcmp(sub, "reset-password") == 0) &&
         c->nargs == 3))
        return staff_change(a, c, sub);
    return cmdline_usage("staff list | staff create NAME --role viewer|staff|admin | "
                         "staff role NAME|ID ROLE\n"
                         "  | staff disable|enable|reset-password NAME|ID");
}
