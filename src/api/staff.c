/* staff.c -- admin API resources for the console's staff accounts (admin
 * only): list, create with a temporary password, change a role, disable or
 * enable, reset a password (app/staff_accounts). A temporary password is in
 * the answer that made it, once, and nowhere else. */
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/json.h"
#include "app/staff_accounts.h"
#include "store/db.h"
#include "store/staff_users.h"

static const char *const roles[] = {"admin", "staff", "viewer", NULL};

/* A time member and its programme-time string (NAME_local), or nulls. */
static void set_time(json_t *o, const char *name, int64_t t)
{
    json_object_set_new(o, name, t ? json_integer(t) : json_null());
}

static json_t *user_json(const struct staff_user *u)
{
    json_t *o = json_pack("{s:I,s:s,s:s,s:b,s:b}", "id", (json_int_t)u->id, "name", u->name, "role",
                          u->role, "disabled", u->disabled_at != 0, "password_temporary",
                          u->password_temporary_until != 0);
    if (!o)
        return NULL;
    set_time(o, "created_at", u->created_at);
    set_time(o, "last_login_at", u->last_login_at);
    set_time(o, "disabled_at", u->disabled_at);
    set_time(o, "password_temporary_until", u->password_temporary_until);
    api_json_add_local_times(o);
    char local[32];
    if (u->password_temporary_until &&
        api_json_local_time(u->password_temporary_until, local, sizeof local) == 0)
        json_object_set_new(o, "password_temporary_until_local", json_string(local));
    return o;
}

/* Answer status with account id, and a temporary password when not NULL. */
static void reply_user(struct db *db, int64_t id, int status, const char *password,
                       struct http_response *resp)
{
    struct staff_user u;
    int found = staff_users_get(db, id, &u);
    if (found != 1) {
        api_error_db(resp);
        return;
    }
    json_t *o = user_json(&u);
    if (o && password)
        json_object_set_new(o, "temporary_password", json_string(password));
    api_reply_json(resp, status, o);
}

/* Fill resp for a result other than STAFF_ACCOUNT_OK. */
static void account_failed(struct http_response *resp, enum staff_account_result r)
{
    switch (r) {
    case STAFF_ACCOUNT_NOT_FOUND:
        api_error(resp, 404, "not_found", "no such account", NULL);
        return;
    case STAFF_ACCOUNT_EXISTS:
        api_error(resp, 409, "conflict", "an account has this name", "name");
        return;
    case STAFF_ACCOUNT_INVALID:
        api_error(resp, 422, "invalid_value",
                  "name may hold letters, digits, '.', '_', '-' and '@' only", "name");
        return;
    case STAFF_ACCOUNT_LAST_ADMIN:
        api_error(resp, 409, "last_admin",
                  "this is the last active admin: make another admin first", NULL);
        return;
    default:
        api_error_db(resp);
        return;
    }
}

static void staff_get(const struct api_request *req, struct http_response *resp)
{
    static const char *const none[] = {NULL};
    struct db *db;
    if (api_json_only(req, resp, none) != 0 || !(db = api_json_db(resp)))
        return;
    struct staff_user *rows = calloc(STAFF_USERS_LIST_MAX, sizeof *rows);
    int n = rows ? staff_users_list(db, rows, STAFF_USERS_LIST_MAX) : -1;
    if (n < 0) {
        free(rows);
        api_error_db(resp);
        return;
    }
    json_t *items = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(items, user_json(&rows[i]));
    free(rows);
    api_reply_json(resp, 200, json_pack("{s:o}", "items", items));
}

static void staff_post(const struct api_request *req, struct http_response *resp)
{
    static const char *const fields[] = {"name", "role", NULL};
    const char *name = NULL, *role = NULL;
    struct db *db;
    if (api_json_need_body(req, resp) != 0 || api_json_only(req, resp, fields) != 0 ||
        api_json_string(req, resp, "name", API_JSON_FIELD_REQUIRED, STAFF_USER_NAME_MAX - 1,
                        &name) < 0 ||
        api_json_choice(req, resp, "role", API_JSON_FIELD_REQUIRED, roles, 3, &role) < 0 ||
        !(db = api_json_db(resp)))
        return;
    char password[PASSWORD_TEMPORARY_LEN + 1];
    int64_t id = 0, until = 0;
    enum staff_account_result r =
        staff_account_create(db, &req->actor, name, role, db_now(), password, &id, &until);
    if (r == STAFF_ACCOUNT_OK)
        reply_user(db, id, 201, password, resp);
    else
        account_failed(resp, r);
    memset(password, 0, sizeof password);
}

/* PATCH /staff/{id} {"role"?, "disabled"?}: both may come at once (the
 * role first, so an admin demoted and disabled is checked once). */
static void staff_patch(const struct api_request *req, struct http_response *resp)
{
    static const char *const fields[] = {"role", "disabled", NULL};
    int64_t id;
    const char *role = NULL;
    struct db *db;
    if (api_param_id(req, resp, "id", &id) != 0 || api_json_need_body(req, resp) != 0 ||
        api_json_only(req, resp, fields) != 0 ||
        api_json_choice(req, resp, "role", 0, roles, 3, &role) < 0)
        return;
    json_t *disabled = json_object_get(req->json, "disabled");
    if (disabled && !json_is_boolean(disabled)) {
        api_error(resp, 400, "invalid_field", "disabled must be true or false", "disabled");
        return;
    }
    if (!(db = api_json_db(resp)))
        return;
    enum staff_account_result r = STAFF_ACCOUNT_OK;
    if (role)
        r = staff_account_set_role(db, &req->actor, id, role);
    if (r == STAFF_ACCOUNT_OK && disabled)
        r = staff_account_set_disabled(db, &req->actor, id, json_is_true(disabled), db_now());
    if (r == STAFF_ACCOUNT_OK)
        reply_user(db, id, 200, NULL, resp);
    else
        account_failed(resp, r);
}

static void staff_password_post(const struct api_request *req, struct http_response *resp)
{
    static const char *const none[] = {NULL};
    int64_t id;
    struct db *db;
    if (api_param_id(req, resp, "id", &id) != 0 || api_json_only(req, resp, none) != 0 ||
        !(db = api_json_db(resp)))
        return;
    char password[PASSWORD_TEMPORARY_LEN + 1];
    int64_t until = 0;
    enum staff_account_result r =
        staff_account_reset_password(db, &req->actor, id, db_now(), password, &until);
    if (r == STAFF_ACCOUNT_OK)
        reply_user(db, id, 200, password, resp);
    else
        account_failed(resp, r);
    memset(password, 0, sizeof password);
}

const struct api_route api_staff_routes[] = {
    {"GET", "/staff", API_ROLE_ADMIN, staff_get, API_BODY_JSON},
    {"POST", "/staff", API_ROLE_ADMIN, staff_post, API_BODY_JSON},
    {"PATCH", "/staff/{id}", API_ROLE_ADMIN, staff_patch, API_BODY_JSON},
    {"POST", "/staff/{id}/password", API_ROLE_ADMIN, staff_password_post, API_BODY_JSON},
    {NULL, NULL, API_ROLE_NONE, NULL, API_BODY_JSON},
};
