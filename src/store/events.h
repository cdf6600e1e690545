/* events.h -- events and workshops with their RSVPs. Seats are booked
 * inside the caller's write transaction (BEGIN IMMEDIATE), so capacity holds
 * under any number of concurrent sessions. */
#ifndef TAAWUN_STORE_EVENTS_H
#define TAAWUN_STORE_EVENTS_H

#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>

#include "core/ussd_menu.h"

/* Scheduled events starting after now, those in province first, then by
 * start; titles in lang; seats and the member's own booking filled in.
 * Times are converted to the process's local time (the programme's zone).
 * Returns how many were stored, or -1. */
int events_upcoming(sqlite3 *db, int64_t now, const char *province, int64_t member_id,
                    const char *lang, struct ussd_event *out, size_t max)
    __attribute__((warn_unused_result));

/* One event by id (any status). Returns 1, 0 or -1. */
int event_get(sqlite3 *db, int64_t id, int64_t member_id, const char *lang, struct ussd_event *out)
    __attribute__((warn_unused_result));

/* One event by the code members type (ASCII letters in any case), any
 * status. Returns 1, 0 or -1. */
int event_find_by_code(sqlite3 *db, const char *code, int64_t member_id, const char *lang,
                       struct ussd_event *out) __attribute__((warn_unused_result));

enum rsvp_result { RSVP_BOOKED, RSVP_FULL, RSVP_ALREADY, RSVP_CLOSED, RSVP_ERROR };

/* Book a seat for member_id at event_id. Must run inside a write
 * transaction. */
enum rsvp_result event_rsvp(sqlite3 *db, int64_t event_id, int64_t member_id);

#endif
