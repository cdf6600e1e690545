/* grants.h -- grant applications as members see them: their own and their
 * cooperative's, never anyone else's. */
#ifndef TAAWUN_STORE_GRANTS_H
#define TAAWUN_STORE_GRANTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "store/db.h"

#include "core/ussd_menu.h"

/* The grants of member_id and of cooperative coop_id (0: none), newest
 * first, notes in lang (falling back to the other languages). Returns how
 * many were stored in out, or -1. */
int grants_for_member(struct db *db, int64_t member_id, int64_t coop_id, const char *lang,
                      struct ussd_grant *out, size_t max) __attribute__((warn_unused_result));

/* A grant by the reference a member typed ("GR-2026-00042", "gr202600042",
 * "202600042"), only among the member's and their cooperative's. Returns 1
 * found, 0 not, -1 on error. */
int grant_find_for_member(struct db *db, int64_t member_id, int64_t coop_id, const char *typed,
                          const char *lang, struct ussd_grant *out)
    __attribute__((warn_unused_result));

/* Whether a member typing `typed` means the grant whose reference is
 * `reference`, as grant_find_for_member compares them (for a reference
 * already read, of fewer than USSD_REF_MAX - 1 bytes). */
bool grant_reference_matches(const char *typed, const char *reference);

#endif
