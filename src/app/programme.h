/* programme.h -- what staff changes mean for members: a grant's status
 * change (history row, audit row and one SMS to the applicant, or to the
 * cooperative's contact phone, in their language), an idea's status
 * change (one SMS to its author), an event's
 * cancellation (one notice per RSVP) and event reminders (one SMS per RSVP
 * a configured time before the start). Messages go to the outbox only. */
#ifndef TAAWUN_APP_PROGRAMME_H
#define TAAWUN_APP_PROGRAMME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "store/db.h"

#include "app/retention.h"
#include "core/catalog.h"
#include "store/audit.h"

#define NOTICE_CHANNELS_MAX 16

/* What notices need from the configuration (borrowed). */
struct notice_env {
    const struct catalog_set *texts;
    const char *default_language;
    const char *channels[NOTICE_CHANNELS_MAX]; /* configured channel names, config order */
    bool channel_test[NOTICE_CHANNELS_MAX];    /* a test channel (its type's ops->test) */
    size_t nchannels;
    /* Where a real member's notice goes when the last channel the phone
     * used is not a configured real one (sms.outbound_channel; NULL: none). */
    const char *outbound_channel;
    int64_t reminder_before_s;
    /* Broadcasts: each channel's price per SMS segment (MAD), the
     * configured languages, and the send window in minutes after local
     * midnight (-1: none; see programme_in_send_window). */
    double channel_price[NOTICE_CHANNELS_MAX];
    /* Each channel's monthly budget (MAD, 0: none) and the thresholds of
     * a send that waits for a second staff member (0: none); app/approval. */
    double channel_budget[NOTICE_CHANNELS_MAX];
    int64_t approval_recipients;
    double approval_cost_mad;
    const char *languages[CATALOG_LANGS_MAX];
    size_t nlanguages;
    int send_window_open_min, send_window_close_min;
    struct retention_policy retention; /* for the scheduler's retention pass */
};

enum programme_result {
    PROGRAMME_OK = 0,
    PROGRAMME_NOT_FOUND,
    PROGRAMME_CONFLICT, /* the object is not in a state that allows the change */
    PROGRAMME_ERROR,    /* database or catalog failure (logged) */
};

/* The six statuses of a grant, NULL-terminated. */
extern const char *const programme_grant_statuses[];

struct grant_status_change {
    int64_t grant_id;
    const char *status;                      /* one of programme_grant_statuses */
    const char *note_ar, *note_fr, *note_en; /* NULL: none in that language */
};

/* Set a grant's status and notes, append its history row and audit row,
 * and queue one SMS (kind "notification") to the member, or to the
 * cooperative's contact phone (no SMS when the grant has neither), in the
 * recipient's language. Must run inside the caller's write transaction.
 * *message_id (may be NULL) gets the SMS's id, 0 when none was queued. */
enum programme_result programme_grant_set_status(struct db *db, const struct notice_env *env,
                                                 const struct audit_actor *actor,
                                                 const struct grant_status_change *c,
                                                 int64_t *message_id)
    __attribute__((warn_unused_result));

/* The four statuses of a project idea, NULL-terminated. */
extern const char *const programme_idea_statuses[];

/* Set a project idea's status (one of programme_idea_statuses) with its
 * audit row, and queue one SMS (kind "notification", text
 * sms_idea_status) to the member who sent it, in their language. The
 * same status again changes nothing and sends nothing. Must run inside
 * the caller's write transaction. *message_id gets the SMS's id, 0 when
 * none was queued. */
enum programme_result programme_idea_set_status(struct db *db, const struct notice_env *env,
                                                const struct audit_actor *actor, int64_t idea_id,
                                                const char *status, int64_t *message_id)
    __attribute__((warn_unused_result));

/* Cancel a scheduled event: status 'cancelled', audit row, and one notice
 * (sms_event_cancelled) per RSVP. Must run inside the caller's write
 * transaction. *notices (may be NULL) gets how many were queued.
 * PROGRAMME_CONFLICT when it is already cancelled. */
enum programme_result programme_event_cancel(struct db *db, const struct notice_env *env,
                                             const struct audit_actor *actor, int64_t event_id,
                                             int64_t *notices) __attribute__((warn_unused_result));

/* Queue the reminders due at now (events starting within
 * env->reminder_before_s after now whose RSVPs have not been reminded),
 * at most max, in one transaction of its own; outside the send window they
 * are stored 'held' until it opens (store/broadcasts). Returns how many were queued,
 * or -1. */
int programme_send_reminders(struct db *db, const struct notice_env *env, int64_t now, size_t max)
    __attribute__((warn_unused_result));

/* true when now (unix seconds) falls inside env's send window in the
 * programme's local time (the process's time zone); always true without
 * a window. Broadcasts and reminders are held outside it. */
bool programme_in_send_window(const struct notice_env *env, int64_t now);

/* The next time at or after now when the window is open (now itself when
 * it is open). */
int64_t programme_send_window_opens(const struct notice_env *env, int64_t now);

/* Time t (an event's start) in the programme's local time (the process's
 * zone) as the catalogs of lang write it (core/catalog's catalog_when, as
 * on the screens: "20/02 10h00" in French), "?" when it cannot be read,
 * into out (outsz bytes). */
void programme_when(const struct notice_env *env, const char *lang, int64_t t, char *out,
                    size_t outsz);

/* Append the audit row of action on object type `type` id by actor, its
 * summary the JSON summary (taken, freed here; NULL, as a failed
 * json_pack gives: -1). Inside the caller's write transaction, as
 * store/audit's audit_write. Returns 0 or -1. */
int programme_audit(struct db *db, const struct audit_actor *actor, const char *action,
                    const char *type, int64_t id, json_t *summary)
    __attribute__((warn_unused_result));

/* The language a notice to a member speaking lang is written in: lang
 * when the catalogs have it, else the default. Borrowed. */
const char *programme_notice_language(const struct notice_env *env, const char *lang);

#endif
