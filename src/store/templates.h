/* templates.h -- the templates table: message texts staff save and reuse,
 * one per language as a JSON object like a broadcast's texts ({"ar":
 * "...", "fr": "..."}, placeholders as core/placeholders declares them), a
 * unique name, who made it, when, and whether it is archived (an archived
 * template keeps its name and its audit history; it is left out of the
 * list unless asked for).
 *
 * Functions borrow the connection and never begin or commit a transaction. */
#ifndef TAAWUN_STORE_TEMPLATES_H
#define TAAWUN_STORE_TEMPLATES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "store/db.h"

#define TEMPLATE_NAME_MAX 128
#define TEMPLATES_LIST_MAX 500

/* A stored template. texts is a JSON text (malloc'd, owned: free with
 * template_record_clear). Times are unix seconds; archived_at 0: live. */
struct template_record {
    int64_t id;
    char name[TEMPLATE_NAME_MAX];
    char *texts;
    char created_by[64];
    int64_t created_at, updated_at, archived_at;
};

void template_record_clear(struct template_record *r);

enum template_write {
    TEMPLATE_WRITE_OK = 0,
    TEMPLATE_WRITE_NOT_FOUND,
    TEMPLATE_WRITE_NAME_TAKEN, /* another template (archived or not) has the name */
    TEMPLATE_WRITE_ERROR,      /* logged */
};

/* Insert r (name, texts, created_by) at now. *id set when done. */
enum template_write templates_insert(struct db *db, const struct template_record *r, int64_t now,
                                     int64_t *id) __attribute__((warn_unused_result));

/* Rewrite template r->id's name and texts, and archive it (archived: at
 * now unless it already was) or bring it back. */
enum template_write templates_update(struct db *db, const struct template_record *r, bool archived,
                                     int64_t now) __attribute__((warn_unused_result));

/* Template id. Returns 1 (found), 0 (none) or -1. */
int templates_get(struct db *db, int64_t id, struct template_record *out)
    __attribute__((warn_unused_result));

/* By name, up to max rows from offset into out (clear each); archived ones
 * only when with_archived. Returns the count, or -1; *total may be NULL. */
int templates_list(struct db *db, bool with_archived, int64_t offset, size_t max,
                   struct template_record *out, int64_t *total) __attribute__((warn_unused_result));

/* The longest title (in lang, else another language's, else the code) of
 * the events still to come at now: what a text's {event} is measured with
 * before it names its event. Returns 1 with title and *starts_at set, 0
 * when no event is to come, or -1. */
int templates_longest_event(struct db *db, int64_t now, const char *lang, char *title,
                            size_t titlesz, int64_t *starts_at) __attribute__((warn_unused_result));

#endif
