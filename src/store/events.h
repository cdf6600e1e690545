/* events.h -- events and workshops with their RSVPs. Seats are booked
 * inside the caller's write transaction (BEGIN IMMEDIATE), so capacity holds
 * under any number of concurrent sessions. */
#ifndef TAAWUN_STORE_EVENTS_H
#define TAAWUN_STORE_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "store/db.h"

#include "core/msisdn.h"
#include "core/ussd_menu.h"

/* Scheduled events starting after now, those in province first, then by
 * start; titles in lang; seats and the member's own booking filled in.
 * Times are converted to the process's local time (the programme's zone).
 * Returns how many were stored, or -1. */
int events_upcoming(struct db *db, int64_t now, const char *province, int64_t member_id,
                    const char *lang, struct ussd_event *out, size_t max)
    __attribute__((warn_unused_result));

/* One event by id (any status). Returns 1, 0 or -1. */
int event_get(struct db *db, int64_t id, int64_t member_id, const char *lang,
              struct ussd_event *out) __attribute__((warn_unused_result));

/* One event by the code members type (ASCII letters in any case), any
 * status. Returns 1, 0 or -1. */
int event_find_by_code(struct db *db, const char *code, int64_t member_id, const char *lang,
                       struct ussd_event *out) __attribute__((warn_unused_result));

enum rsvp_result { RSVP_BOOKED, RSVP_FULL, RSVP_ALREADY, RSVP_CLOSED, RSVP_ERROR };

/* Book a seat for member_id at event_id. Must run inside a write
 * transaction. */
enum rsvp_result event_rsvp(struct db *db, int64_t event_id, int64_t member_id);

/* Check-in on the day: opens this long before the event starts. */
#define EVENT_CHECKIN_OPENS_S (12 * 3600)

/* Whether members can be checked in at now: a scheduled event, from
 * EVENT_CHECKIN_OPENS_S before its start. */
bool event_checkin_open(const char *status, int64_t starts_at, int64_t now);

enum checkin_result {
    CHECKIN_DONE,      /* changed */
    CHECKIN_UNCHANGED, /* already so: nothing written */
    CHECKIN_NO_EVENT,
    CHECKIN_NO_MEMBER, /* unknown or erased */
    CHECKIN_CANCELLED,
    CHECKIN_TOO_EARLY, /* before EVENT_CHECKIN_OPENS_S ahead of the start */
    CHECKIN_ERROR
};

/* Mark member_id as present (or not) at event_id, by staff member by, at
 * now. A member who came without booking is booked on the spot (seats no
 * longer matter once they are in the room). Must run inside a write
 * transaction. */
enum checkin_result event_check_in(struct db *db, int64_t event_id, int64_t member_id, bool present,
                                   const char *by, int64_t now);

/* One booking of an event, for the attendee list. */
struct event_attendee {
    int64_t member_id;
    char phone[MSISDN_MAX];
    char name[256];
    char language[8];
    char cooperative[256];
    int64_t booked_at, checked_in_at, reminded_at; /* 0: not */
};

/* Call fn for each booking of event_id (erased and test members left
 * out), in booking order. Returns the count, or -1 (fn returning non-zero
 * stops the walk and is returned). */
int event_attendees(struct db *db, int64_t event_id,
                    int (*fn)(void *ctx, const struct event_attendee *a), void *ctx)
    __attribute__((warn_unused_result));

#endif
