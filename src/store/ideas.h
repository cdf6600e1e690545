/* ideas.h -- project ideas submitted for the Ideathon / cooperative
 * projects bank. */
#ifndef TAAWUN_STORE_IDEAS_H
#define TAAWUN_STORE_IDEAS_H

#include <stdint.h>
#include "store/db.h"

/* Insert an idea of member_id and write its reference ("ID-2026-00012",
 * the year of submission in local time) into ref (24 bytes). Must run
 * inside a write transaction. Returns 0 or -1. */
int idea_insert(struct db *db, int64_t member_id, const char *sector, const char *title,
                const char *description, char ref[24]) __attribute__((warn_unused_result));

#endif
