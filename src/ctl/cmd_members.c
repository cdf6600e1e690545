/* cmd_members.c -- taawunctl members and cooperatives, as the console has
 * them: list with filters, search by name or phone, a member's or a
 * cooperative's record, a member's profile edited (their cooperative's
 * contact person too), a new phone number (the old one kept in their
 * history), consent withdrawn at the member's request, a member's data
 * erased (all audited by the API); a cooperative created or changed. */
#include "ctl/commands.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/print.h"

int ctl_member_id(const struct api *a, const char *which, char id[24])
{
    long long n;
    char tail;
    if ((sscanf(which, "TA-%lld%c", &n, &tail) == 1 || sscanf(which, "%lld%c", &n, &tail) == 1) &&
        n > 0 && which[0] != '+' && which[0] != '0') {
        snprintf(id, 24, "%lld", n);
        return 0;
    }
    return api_first_id(a, "/members", "phone", which, "no member has the phone number", id, 24);
}

static const char *const member_cols[] = {"id",       "phone",  "name",     "cooperative_code",
                                          "province", "sector", "language", "consent_at"};

static int members_list(const struct api *a, const struct cmdline *c, const char *search)
{
    char q[CTL_URL_MAX] = "/members";
    static const char *const filters[][2] = {
        {"province", "province"}, {"sector", "sector"},     {"cooperative", "cooperative_id"},
        {"gender", "gender"},     {"age-band", "age_band"}, {"topic", "topic"},
        {"phone", "phone"},       {"name", "name"},         {"limit", "limit"},
        {"offset", "offset"}};
    for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++)
        api_query_add(q, sizeof q, filters[i][1], cmdline_opt(c, filters[i][0]));
    if (search) /* a phone number when it looks like one, else a name */
        api_query_add(q, sizeof q,
                      strspn(search, "+0123456789 ") == strlen(search) ? "phone" : "name", search);
    return api_list(a, q, member_cols, 8);
}

static void member_print(json_t *m, const void *unused)
{
    static const char *const keys[] = {"member_no",
                                       "name",
                                       "phone",
                                       "language",
                                       "cooperative_code",
                                       "cooperative_name",
                                       "province",
                                       "sector",
                                       "gender",
                                       "birth_year",
                                       "registered_via",
                                       "registered_at",
                                       "consent_at",
                                       "consent_withdrawn_at",
                                       "opted_out_at",
                                       "erased_at"};
    print_fields(m, keys, sizeof keys / sizeof keys[0]);
    printf("%-20s", "topics");
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(m, "topics"), k, v)
    {
        printf(" %s=%s", k, json_is_true(v) ? "on" : "off");
    }
    putchar('\n');
    static const char *const grant_cols[] = {"reference", "programme", "amount_mad", "status",
                                             "updated_at"};
    static const char *const rsvp_cols[] = {"event_id", "code", "title_fr", "starts_at", "status"};
    static const char *const phone_cols[] = {"phone", "replaced_at", "replaced_by"};
    static const char *const msg_cols[] = {"created_at", "direction", "kind", "status", "body"};
    print_list(m, "grants", "grants", grant_cols, 5);
    print_list(m, "rsvps", "bookings", rsvp_cols, 5);
    print_list(m, "previous_phones", "previous phone numbers", phone_cols, 3);
    print_list(m, "messages", "recent messages", msg_cols, 5);
}

/* members edit ID --name N --language L --province P --sector S --gender
 * f|m --birth-year Y --cooperative ID: PATCH /members/{id}. */
static json_t *member_patch(const struct cmdline *c)
{
    json_t *body = json_object();
    static const char *const text[][2] = {{"name", "name"},
                                          {"language", "language"},
                                          {"province", "province"},
                                          {"sector", "sector"},
                                          {"gender", "gender"}};
    for (size_t i = 0; i < sizeof text / sizeof text[0]; i++)
        if (cmdline_opt(c, text[i][0]))
            json_object_set_new(body, text[i][1], json_string(cmdline_opt(c, text[i][0])));
    static const char *const ints[][2] = {{"birth-year", "birth_year"},
                                          {"cooperative", "cooperative_id"}};
    for (size_t i = 0; i < 2; i++)
        if (cmdline_opt(c, ints[i][0]))
            json_object_set_new(body, ints[i][1],
                                json_integer(strtoll(cmdline_opt(c, ints[i][0]), NULL, 10)));
    const char *contact = cmdline_opt(c, "contact");
    if (contact)
        json_object_set_new(body, "is_contact",
                            strcmp(contact, "yes") == 0  ? json_true()
                            : strcmp(contact, "no") == 0 ? json_false()
                                                         : json_string(contact));
    return body;
}

/* edit, phone, consent-withdraw and erase: a change to member ID. */
static int member_change(const struct api *a, const struct cmdline *c, const char *sub)
{
    char id[24], path[96];
    int rc = ctl_member_id(a, c->args[2], id);
    if (rc)
        return rc;
    const char *method = "POST";
    json_t *body;
    if (strcmp(sub, "edit") == 0) {
        snprintf(path, sizeof path, "/members/%s", id);
        body = member_patch(c);
        method = "PATCH";
    } else if (strcmp(sub, "erase") == 0) {
        snprintf(path, sizeof path, "/members/%s", id);
        body = NULL;
        method = "DELETE";
    } else if (strcmp(sub, "phone") == 0) {
        snprintf(path, sizeof path, "/members/%s/phone", id);
        body = json_pack("{s:s}", "phone", c->args[3]);
    } else {
        snprintf(path, sizeof path, "/members/%s/consent/withdraw", id);
        body = json_object();
        if (cmdline_opt(c, "note"))
            json_object_set_new(body, "note", json_string(cmdline_opt(c, "note")));
    }
    static const char *const keys[] = {"id",         "name",       "phone",
                                       "language",   "province",   "sector",
                                       "birth_year", "is_contact", "consent_withdrawn_at",
                                       "erased_at"};
    return api_call_print(a, method, path, body, api_fields_print, &(struct api_fields){keys, 10});
}

int cmd_members(const struct api *a, const struct cmdline *c)
{
    const char *sub = c->nargs > 1 ? c->args[1] : "list";
    if (strcmp(sub, "list") == 0 && c->nargs <= 2)
        return members_list(a, c, NULL);
    if (strcmp(sub, "search") == 0 && c->nargs == 3)
        return members_list(a, c, c->args[2]);
    if (strcmp(sub, "show") == 0 && c->nargs == 3) {
        char id[24], path[96];
        int rc = ctl_member_id(a, c->args[2], id);
        if (rc)
            return rc;
        snprintf(path, sizeof path, "/members/%s?messages=%s", id,
                 cmdline_opt(c, "messages") ? cmdline_opt(c, "messages") : "5");
        return api_call_print(a, "GET", path, NULL, member_print, NULL);
    }
    if ((strcmp(sub, "edit") == 0 && c->nargs == 3) ||
        (strcmp(sub, "phone") == 0 && c->nargs == 4) ||
        (strcmp(sub, "consent-withdraw") == 0 && c->nargs == 3))
        return member_change(a, c, sub);
    if (strcmp(sub, "erase") == 0 && c->nargs == 3 && !cmdline_opt(c, "yes"))
        return cmdline_usage("members erase MEMBER --yes: erasing a member's data cannot be "
                             "undone");
    if (strcmp(sub, "erase") == 0 && c->nargs == 3)
        return member_change(a, c, sub);
    return cmdline_usage("members list | search TEXT | show MEMBER | edit MEMBER --FIELD V ... | "
                         "phone MEMBER NEW_PHONE | consent-withdraw MEMBER [--note TEXT] | "
                         "erase MEMBER --yes");
}

int ctl_cooperative_id(const struct api *a, const char *which, char id[24])
{
    char q[CTL_URL_MAX] = "/cooperatives";
    api_query_add(q, sizeof q, "q", which);
    return api_id_by_field(a, q, "code", which, "no cooperative has the code", id, 24);
}

/* A cooperative and its members' grants. */
static void cooperative_print(json_t *o, const void *unused)
{
    static const char *const keys[] = {"id",     "code",    "name",          "province",
                                       "sector", "members", "contact_phone", "updated_at"};
    print_fields(o, keys, 8);
    static const char *const cols[] = {"reference", "member_name", "programme", "amount_mad",
                                       "status"};
    print_list(o, "grants", "grants", cols, 5);
}

/* The body of cooperatives create or edit: --code, --name, --province,
 * --sector, --contact-phone as given ('' clears the sector or the contact
 * phone). */
static json_t *cooperative_body(const struct cmdline *c)
{
    json_t *body = json_object();
    static const char *const flags[][2] = {{"code", "code"},
                                           {"name", "name"},
                                           {"province", "province"},
                                           {"sector", "sector"},
                                           {"contact-phone", "contact_phone"}};
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        const char *v = cmdline_opt(c, flags[i][0]);
        if (v)
            json_object_set_new(body, flags[i][1], !*v && i >= 3 ? json_null() : json_string(v));
    }
    return body;
}

int cmd_cooperatives(const struct api *a, const struct cmdline *c)
{
    const char *sub = c->nargs > 1 ? c->args[1] : "list";
    if (strcmp(sub, "list") == 0 && c->nargs <= 2) {
        static const char *const cols[] = {"id",     "code",    "name",         "province",
                                           "sector", "members", "contact_phone"};
        char q[CTL_URL_MAX] = "/cooperatives";
        static const char *const filters[][2] = {{"search", "q"},
                                                 {"province", "province"},
                                                 {"sector", "sector"},
                                                 {"limit", "limit"},
                                                 {"offset", "offset"}};
        for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++)
            api_query_add(q, sizeof q, filters[i][1], cmdline_opt(c, filters[i][0]));
        return api_list(a, q, cols, 7);
    }
    if (strcmp(sub, "create") == 0 && c->nargs == 2)
        return api_call_print(a, "POST", "/cooperatives", cooperative_body(c), cooperative_print,
                              NULL);
    if ((strcmp(sub, "show") != 0 && strcmp(sub, "edit") != 0) || c->nargs != 3)
        return cmdline_usage("cooperatives list [--search TEXT] [--province P] | "
                             "cooperatives show ID|CODE\n"
                             "  | cooperatives create --code C --name N --province P | "
                             "cooperatives edit ID|CODE [--name N] ...");
    char id[24], path[96];
    int rc = ctl_cooperative_id(a, c->args[2], id);
    if (rc)
        return rc;
    snprintf(path, sizeof path, "/cooperatives/%s", id);
    if (strcmp(sub, "edit") == 0)
        return api_call_print(a, "PATCH", path, cooperative_body(c), cooperative_print, NULL);
    return api_call_print(a, "GET", path, NULL, cooperative_print, NULL);
}
