/* staff_tokens.c -- admin API tokens: generate (OpenSSL, via sys/bearer),
 * store the hash with an audit row, revoke, and check presented tokens
 * with a constant-time comparison of hashes. */
#include "app/staff_tokens.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "store/db.h"
#include "sys/log.h"

bool staff_token_name_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n >= TOKEN_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-' || c == '@'))
            return false;
    }
    return true;
}

bool staff_token_role_valid(const char *role)
{
    return role && (strcmp(role, "admin") == 0 || strcmp(role, "staff") == 0 ||
                    strcmp(role, "viewer") == 0);
}

static int audit_token(struct db *db, const struct audit_actor *actor, const char *action,
                       const struct token_row *row)
{
    json_t *j = json_pack("{s:s,s:s}", "name", row->name, "role", row->role);
    char *text = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(j);
    if (!text)
        return -1;
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)row->id);
    int rc = audit_write(db, actor, action, "token", id, text);
    free(text);
    return rc;
}

enum staff_token_result staff_token_create(struct db *db, const struct audit_actor *actor,
                                           const char *name, const char *role,
                                           char token[BEARER_TOKEN_LEN + 1], struct token_row *row)
{
    if (!staff_token_name_valid(name) || !staff_token_role_valid(role))
        return STAFF_TOKEN_INVALID;
    char hash[BEARER_HASH_LEN + 1];
    if (bearer_generate(token) != 0 || bearer_hash(token, BEARER_TOKEN_LEN, hash) != 0)
        return STAFF_TOKEN_ERROR;
    struct token_row r;
    memset(&r, 0, sizeof r);
    snprintf(r.name, sizeof r.name, "%s", name);
    snprintf(r.role, sizeof r.role, "%s", role);
    r.created_at = db_now();
    if (db_begin(db) != 0)
        goto error;
    int rc = tokens_insert(db, name, role, hash, r.created_at, &r.id);
    if (rc == 1) {
        db_rollback(db);
        bearer_wipe(token, BEARER_TOKEN_LEN);
        token[0] = '\0';
        return STAFF_TOKEN_EXISTS;
    }
    if (rc != 0 || audit_token(db, actor, "token.create", &r) != 0 || db_commit(db) != 0) {
        db_rollback(db);
        goto error;
    }
    if (row)
        *row = r;
    log_info("token_created", "name=%s role=%s by=%s", r.name, r.role,
             actor->who ? actor->who : "?");
    return STAFF_TOKEN_OK;
error:
    bearer_wipe(token, BEARER_TOKEN_LEN);
    token[0] = '\0';
    return STAFF_TOKEN_ERROR;
}

enum staff_token_result staff_token_revoke(struct db *db, const struct audit_actor *actor,
                                           const char *name, int64_t id, struct token_row *row)
{
    struct token_row r;
    if (db_begin(db) != 0)
        return STAFF_TOKEN_ERROR;
    int rc = tokens_revoke(db, name, id, db_now(), &r);
    if (rc == 0) {
        db_rollback(db);
        return STAFF_TOKEN_NOT_FOUND;
    }
    if (rc < 0 || audit_token(db, actor, "token.revoke", &r) != 0 || db_commit(db) != 0) {
        db_rollback(db);
        return STAFF_TOKEN_ERROR;
    }
    if (row)
        *row = r;
    log_info("token_revoked", "name=%s by=%s", r.name, actor->who ? actor->who : "?");
    return STAFF_TOKEN_OK;
}

/* Record the use of a valid token, in the write turn like every write
 * (an autocommit UPDATE outside it waited on SQLite's busy handler while
 * the process's writers passed the turn along, and failed after
 * busy_timeout under load); skipped while the last use is recent. */
static void token_touch(struct db *db, const struct token_row *row)
{
    int64_t now = db_now();
    if (row->last_used_at && row->last_used_at >= now - TOKENS_TOUCH_INTERVAL_S)
        return;
    if (db_begin(db) != 0 || db_finish(db, tokens_touch(db, row->id, now)) != 0)
        log_collapsed(LOG_WARN, "token_touch_failed", LOG_COLLAPSE_INTERVAL_MS,
                      "token_touch_failed", "name=%s", row->name);
}

int staff_token_check(struct db *db, const char *presented, size_t len, struct token_row *row)
{
    if (!bearer_well_formed(presented, len))
        return 0;
    char hash[BEARER_HASH_LEN + 1], stored[BEARER_HASH_LEN + 1] = {0};
    if (bearer_hash(presented, len, hash) != 0)
        return -1;
    int rc = tokens_find_live(db, hash, row, stored, sizeof stored);
    if (rc != 1)
        return rc;
    if (strlen(stored) != BEARER_HASH_LEN || !bearer_hash_equal(stored, hash))
        return 0;
    token_touch(db, row);
    return 1;
}

int staff_token_auth_failed(struct db *db, const char *client_masked, const char *reason)
{
    struct audit_actor actor = {.who = "unknown", .role = "none", .client = client_masked};
    char summary[96];
    /* reason is one of the caller's words, safe inside a JSON string. */
    snprintf(summary, sizeof summary, "{\"reason\":\"%s\"}", reason);
    if (db_begin(db) != 0)
        return -1;
    if (audit_write(db, &actor, "token.auth_failed", "token", NULL, summary) != 0 ||
        db_commit(db) != 0) {
        db_rollback(db);
        return -1;
    }
    return 0;
}
