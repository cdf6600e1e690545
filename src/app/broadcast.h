/* broadcast.h -- staff broadcasts: a draft (audience, texts per language,
 * topic, channel), its preview (recipients per language, each text as it
 * will travel with the opt-out hint, encoding, segments, the characters
 * forcing UCS-2, the estimated cost), sending now or at a scheduled time
 * (one set-based expansion into the outbox, held outside the send window),
 * cancelling what has not gone, and the scheduler's due work.
 *
 * The audience and texts are stored as JSON (see README.md "Broadcasts"):
 *   audience {"provinces":[..],"sectors":[..],"cooperatives":[ids],
 *             "genders":["f"|"m"],"age_bands":[..],"events":[ids],
 *             "phones":["+212..."]}   (absent key: any)
 *   texts    {"ar":"...","fr":"...", ...}   (the default language required)
 * Functions that change the database run inside the caller's write
 * transaction unless they say otherwise, and write their audit row there. */
#ifndef TAAWUN_APP_BROADCAST_H
#define TAAWUN_APP_BROADCAST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "store/db.h"

#include "app/approval.h"
#include "app/programme.h"
#include "core/gsm.h"
#include "core/placeholders.h"
#include "store/audit.h"
#include "store/broadcasts.h"

#define BROADCAST_TEXT_MAX_BYTES 1600 /* one language's text as staff write it */
#define BROADCAST_BODY_MAX 2048       /* text + opt-out hint, NUL included */
#define BROADCAST_FORCING_MAX 32      /* characters forcing UCS-2 kept per text */
#define BROADCAST_PRIORITY 0          /* below notices (5) and replies (10) */
#define BROADCAST_DUE_PER_TICK 16
#define BROADCAST_VALUE_MAX 256 /* one placeholder's value */

/* What a placeholder of a text was measured with: the longest real value
 * among the language's recipients (a member's name, their number), the
 * word standing for a name it cannot carry, the broadcast's event. */
enum broadcast_value_source {
    BROADCAST_VALUE_NONE = 0,         /* the text does not use it */
    BROADCAST_VALUE_LONGEST_NAME,     /* the longest name among the recipients */
    BROADCAST_VALUE_NAME_FALLBACK,    /* broadcast_name_fallback (no name, or not GSM-7) */
    BROADCAST_VALUE_HIGHEST_NUMBER,   /* the member number of the highest id */
    BROADCAST_VALUE_EVENT,            /* the broadcast's event */
    BROADCAST_VALUE_LONGEST_UPCOMING, /* no event named yet: the longest title to come */
};

struct broadcast_value {
    char value[BROADCAST_VALUE_MAX];
    enum broadcast_value_source source;
};

/* How one member language is served. */
struct broadcast_lang_plan {
    char language[CATALOG_LANG_MAX];      /* member language */
    char text_language[CATALOG_LANG_MAX]; /* the text they get (fallback: the default) */
    char body[BROADCAST_BODY_MAX];        /* as it will travel (longest values put in) */
    /* The text each member's is made from: {event} and {date} put in, the
     * hint added, {name} and {member_no} left for the expansion. */
    char pattern[BROADCAST_BODY_MAX];
    enum text_encoding pattern_encoding; /* a name never changes it (struct broadcast_text) */
    bool personal;                       /* {name} or {member_no}: put in per member */
    char name_fallback[BROADCAST_VALUE_MAX];
    struct broadcast_value values[PLACEHOLDER_COUNT];
    bool hint_added;
    struct text_measure measure;
    uint32_t forcing[BROADCAST_FORCING_MAX];
    size_t nforcing; /* distinct characters forcing UCS-2 (may exceed the array) */
    int64_t recipients;
};

struct broadcast_plan {
    struct broadcast_lang_plan langs[CATALOG_LANGS_MAX]; /* configured languages, config order */
    size_t nlangs;
    size_t default_index; /* langs[] of the default language */
    int64_t recipients;
    int64_t segments;         /* sum of recipients x segments */
    double price_per_segment; /* of the channel, MAD */
    double cost;              /* segments x price */
    int64_t phones_unknown;   /* listed phones that are no member's */
    char channel[BROADCAST_CHANNEL_MAX];
    int64_t event_id;            /* the event {event} and {date} name (0: none) */
    bool event_missing;          /* a text names the event but the broadcast has none */
    bool window_open;            /* at the time of the plan */
    int64_t window_opens;        /* when it opens (the plan's time when open) */
    struct approval_check check; /* what the send's gate found (app/approval) */
    /* Worked out ahead of the send's transaction (broadcast_plan_ahead):
     * for the broadcast whose audience, texts, channel, topic and event
     * hash to ahead_key. */
    bool ahead;
    int64_t ahead_id;
    uint64_t ahead_key;
};

enum broadcast_result {
    BROADCAST_OK = 0,
    BROADCAST_NOT_FOUND,
    BROADCAST_CONFLICT, /* not in a status that allows it */
    BROADCAST_INVALID,  /* stored audience/texts unusable (e.g. no default text) */
    BROADCAST_ERROR,    /* database (logged) */
    /* The send's gate decided (app/approval) and wrote its decision: the
     * caller commits. Nothing was sent. */
    BROADCAST_AWAITING_APPROVAL, /* over a threshold: awaiting_approval */
    BROADCAST_OVER_BUDGET,       /* the channel's month would pass its budget: refused */
};

/* The text as it will travel to a member of language lang: text plus a
 * space and the opt-out hint in lang unless it already tells how to stop
 * (app/sms_optout sms_optout_with_hint), with the right-to-left mark in
 * front when it needs one (core/sms_reply.h sms_reply_directed). Returns 0, or -1 when it does not
 * fit out (outsz bytes). *added (may be NULL) tells whether the hint was added. */
int broadcast_body(const struct notice_env *env, const char *lang, const char *text, char *out,
                   size_t outsz, bool *added) __attribute__((warn_unused_result));

/* The event a broadcast's {event} and {date} name: rec->event_id, else
 * the one event of its audience (audience.events of one event: its
 * attendees), else 0. */
int64_t broadcast_event_of(const struct broadcast_record *rec);

/* Insert a draft from r (audience and texts already validated JSON) and
 * its audit row. Returns 0 with *id, or -1. */
int broadcast_create(struct db *db, const struct audit_actor *actor,
                     const struct broadcast_record *r, int64_t *id)
    __attribute__((warn_unused_result));

/* Rewrite r->id from r (as broadcast_create takes it) with its audit row
 * (the fields and status before, the fields after): a draft, or a
 * scheduled or awaiting broadcast taken back to draft, its approval
 * dropped (app/approval). BROADCAST_CONFLICT once started or cancelled. */
enum broadcast_result broadcast_update(struct db *db, const struct audit_actor *actor,
                                       const struct broadcast_record *r)
    __attribute__((warn_unused_result));

/* Delete draft id with its audit row (what it held); a draft has no
 * messages. BROADCAST_CONFLICT when it is no longer a draft. */
enum broadcast_result broadcast_delete(struct db *db, const struct audit_actor *actor, int64_t id)
    __attribute__((warn_unused_result));

/* Work out broadcast rec's plan at now (reads only). Texts with
 * placeholders are measured with the longest real value of each among the
 * recipients of each language (segments and cost are then upper bounds);
 * {event} and {date} name rec->event_id, else the audience's one event,
 * else (event_missing: a preview only, never sent) the longest title still
 * to come. */
enum broadcast_result broadcast_plan_for(struct db *db, const struct notice_env *env,
                                         const struct broadcast_record *rec, int64_t now,
                                         struct broadcast_plan *plan)
    __attribute__((warn_unused_result));

/* The plan of stored broadcast id at now, worked out before the write
 * transaction that sends or schedules it, on a read snapshot: counting a
 * national audience (and measuring its names) takes longer than a write
 * transaction may hold the lock (issue 14). broadcast_plan_stored and
 * broadcast_send then take it as it is while the broadcast is unchanged.
 * A failure leaves plan->ahead false (the plan is then made inside). */
enum broadcast_result broadcast_plan_ahead(struct db *db, const struct notice_env *env, int64_t id,
                                           int64_t now, struct broadcast_plan *plan)
    __attribute__((warn_unused_result));

/* *plan as worked out ahead for rec, when it is, else broadcast_plan_for. */
enum broadcast_result broadcast_plan_stored(struct db *db, const struct notice_env *env,
                                            const struct broadcast_record *rec, int64_t now,
                                            struct broadcast_plan *plan)
    __attribute__((warn_unused_result));

/* Send broadcast id now (draft or scheduled): the gate (app/approval:
 * budget, thresholds) then, if it passes, expand its audience into the
 * outbox in one statement (messages 'held' when now is outside the send
 * window), mark it started, audit. *plan (may be NULL) gets the plan and
 * what the gate found (also with BROADCAST_AWAITING_APPROVAL and
 * BROADCAST_OVER_BUDGET), *queued the messages written. */
enum broadcast_result broadcast_send(struct db *db, const struct notice_env *env,
                                     const struct audit_actor *actor, int64_t id, int64_t now,
                                     struct broadcast_plan *plan, int64_t *queued)
    __attribute__((warn_unused_result));

/* Schedule a draft (or move a scheduled one) to at. */
enum broadcast_result broadcast_schedule(struct db *db, const struct audit_actor *actor, int64_t id,
                                         int64_t at) __attribute__((warn_unused_result));

/* Cancel: a draft or scheduled broadcast never goes; a started one's
 * messages not yet gone (queued, held) become 'cancelled'. *stopped (may
 * be NULL) gets how many messages were stopped. */
enum broadcast_result broadcast_cancel(struct db *db, const struct audit_actor *actor, int64_t id,
                                       int64_t now, int64_t *stopped)
    __attribute__((warn_unused_result));

/* The scheduler's tick, each step in its own transaction: start the
 * scheduled broadcasts due at now, then, when now is inside the send
 * window, release the held messages (due at the real time db_now()).
 * Returns 0 or -1. */
int broadcast_tick(struct db *db, const struct notice_env *env, int64_t now)
    __attribute__((warn_unused_result));

#endif
