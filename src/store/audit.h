/* audit.h -- the audit_log table: one row per change made through the admin
 * API or the command line (who, role, action, object, a JSON summary of what
 * changed, client address, time), written inside the change's own
 * transaction so a change and its audit row commit or roll back together. */
#ifndef TAAWUN_STORE_AUDIT_H
#define TAAWUN_STORE_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include "store/db.h"

/* Who makes a change. Borrowed strings. */
struct audit_actor {
    const char *who;    /* token name, or "cli" */
    const char *role;   /* "admin", "staff", "viewer", "cli" */
    const char *client; /* client address, "local" for the command line */
};

/* Append one row. action: "grant.status", "member.update", ...;
 * object_type: "grant", "member", ...; object_id may be NULL; summary_json
 * is a JSON text (NULL: "{}"). Must run inside the caller's write
 * transaction. Returns 0 or -1 (logged). */
int audit_write(struct db *db, const struct audit_actor *actor, const char *action,
                const char *object_type, const char *object_id, const char *summary_json)
    __attribute__((warn_unused_result));

struct audit_filter {
    const char *who;         /* NULL: any */
    const char *object_type; /* NULL: any */
    const char *object_id;   /* NULL: any */
    const char *action;      /* NULL: any */
    int64_t since;           /* 0: any; rows at or after (unix seconds) */
};

struct audit_row {
    int64_t id;
    int64_t at;
    char who[64];
    char role[16];
    char action[48];
    char object_type[32];
    char object_id[64];
    char client[64];
    char *summary; /* malloc'd JSON text, owned by the row */
};

/* Rows matching f, newest first, [offset, offset+limit) into out (max
 * limit entries). Returns the count stored (free with audit_rows_free), or
 * -1. *total (may be NULL) receives the number of matching rows. */
int audit_list(struct db *db, const struct audit_filter *f, int64_t limit, int64_t offset,
               struct audit_row *out, int64_t *total) __attribute__((warn_unused_result));

void audit_rows_free(struct audit_row *rows, size_t n);

#endif
