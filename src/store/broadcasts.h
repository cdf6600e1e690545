/* broadcasts.h -- the broadcasts table (drafts, schedules, cancellations),
 * the audience of a broadcast as one fixed SQL filter over members, its
 * expansion into the outbox as set-based INSERT ... SELECTs (all at once,
 * or a range of member ids per chunk), its progress (its messages counted
 * by status, kept by triggers), and the messages held for the send
 * window (status 'held': the sender never takes them; the scheduler
 * releases them when the window opens).
 *
 * The audience filter is given as JSON array texts (SQLite's json_each,
 * PostgreSQL's jsonb_array_elements_text read them), so the statements'
 * text never changes and they are prepared once per thread. On PostgreSQL,
 * which has none of store/db's SQL measures of a text, the names are
 * measured and each message made in C (store/broadcasts_pg). Functions
 * borrow the connection and never begin or commit a transaction. */
#ifndef TAAWUN_STORE_BROADCASTS_H
#define TAAWUN_STORE_BROADCASTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "store/db.h"

#include "core/catalog.h"

#define BROADCAST_NAME_MAX 128
#define BROADCAST_STATUS_MAX 24
#define BROADCAST_TOPIC_MAX 16
#define BROADCAST_CHANNEL_MAX 32
#define BROADCAST_LANG_SLOTS CATALOG_LANGS_MAX /* texts per language in one expansion */
#define BROADCASTS_LIST_MAX 500

/* The audience: each member is a JSON array text, NULL meaning "any".
 * Members must also have consented, not be opted out nor erased, and not
 * be opted out of topic (when topic is not NULL). Borrowed. */
struct broadcast_audience {
    const char *provinces;    /* ["nador", ...] */
    const char *sectors;      /* ["agriculture", ...] */
    const char *cooperatives; /* [cooperative ids] */
    const char *genders;      /* ["f", "m"] */
    const char *age_bands;    /* ["under-18","18-25","26-35","36-50","51+","unknown"] */
    const char *events;       /* [event ids]: members who RSVPed to any */
    const char *phones;       /* ["+2126...", ...] E.164 */
    const char *languages;    /* ["ar", "fr", ...]: the members' language */
    const char *topic;        /* the broadcast's topic, or NULL */
    int year;                 /* the current local year (age bands) */
};

/* One language's text as it will travel. Borrowed. body may hold the
 * placeholders {name} and {member_no} (core/placeholders), put in per
 * member at expansion: {member_no} their number (TA-000012), {name} their
 * name, or name_fallback when they have none or when the text is GSM-7 and
 * the name is not (a name must never turn a GSM-7 text into UCS-2: twice
 * the segments for everyone of that language sharing the plan). The caller
 * guarantees that name_fallback keeps a GSM-7 text GSM-7, so encoding is
 * every member's. */
struct broadcast_text {
    const char *language; /* member language this applies to */
    const char *body;
    const char *encoding;      /* "gsm7" / "ucs2": of body without its names */
    int64_t segments;          /* of body; 0: personalised, each member's measured */
    const char *name_fallback; /* the word that stands for a name */
};

/* A stored broadcast. audience and texts are JSON texts (malloc'd, owned;
 * free with broadcast_record_clear). Times are unix seconds, 0 for none. */
struct broadcast_record {
    int64_t id;
    char name[BROADCAST_NAME_MAX];
    char topic[BROADCAST_TOPIC_MAX]; /* "" : none */
    char channel[BROADCAST_CHANNEL_MAX];
    char status[BROADCAST_STATUS_MAX]; /* draft, awaiting_approval, scheduled, expanding,
                                          started, cancelled */
    char created_by[64];
    char *audience;
    char *texts;
    int64_t scheduled_at, started_at, cancelled_at, recipients, created_at, updated_at;
    int64_t event_id;                    /* the event {event} and {date} name; 0: none */
    int64_t expand_total, expand_queued; /* a chunked expansion's plan and progress; 0: none */
};

void broadcast_record_clear(struct broadcast_record *r);

/* Insert a draft from r (name, topic, channel, audience, texts, event_id,
 * created_by).
 * Returns 0 with *id set, or -1. */
int broadcasts_insert(struct db *db, const struct broadcast_record *r, int64_t now, int64_t *id)
    __attribute__((warn_unused_result));

/* Rewrite r->id from r (name, topic, channel, audience, texts, event_id):
 * a draft, or a scheduled or awaiting one taken back to draft
 * (app/approval). Returns 1 (done), 0 (absent, or started or cancelled) or
 * -1. */
int broadcasts_update_draft(struct db *db, const struct broadcast_record *r, int64_t now)
    __attribute__((warn_unused_result));

/* Delete draft id (a draft has no messages). Returns 1 (deleted), 0 (no
 * such draft) or -1. */
int broadcasts_delete_draft(struct db *db, int64_t id) __attribute__((warn_unused_result));

/* Load broadcast id. Returns 1 (found), 0 (none) or -1. */
int broadcasts_get(struct db *db, int64_t id, struct broadcast_record *out)
    __attribute__((warn_unused_result));

/* Newest first: up to max rows from offset into out (clear each), with
 * status filter (NULL: any). Returns the count, or -1; *total may be NULL. */
int broadcasts_list(struct db *db, const char *status, int64_t offset, size_t max,
                    struct broadcast_record *out, int64_t *total)
    __attribute__((warn_unused_result));

/* Move id from status `from` to `to`, setting scheduled_at (to
 * 'scheduled'), started_at and recipients (to 'started') or cancelled_at
 * (to 'cancelled'). Returns 1 when moved, 0 when id was not in `from`, -1. */
int broadcasts_set_status(struct db *db, int64_t id, const char *from, const char *to, int64_t when,
                          int64_t recipients, int64_t now) __attribute__((warn_unused_result));

/* Ids of scheduled broadcasts due at now (scheduled_at <= now), oldest
 * first, at most max. Returns the count, or -1. */
int broadcasts_due(struct db *db, int64_t now, int64_t *ids, size_t max)
    __attribute__((warn_unused_result));

/* Recipients per member language: calls fn(language, count, ctx) for each
 * language found ("" for none). Returns 0 or -1. */
int broadcasts_audience_count(struct db *db, const struct broadcast_audience *a,
                              void (*fn)(const char *language, int64_t count, void *ctx), void *ctx)
    __attribute__((warn_unused_result));

/* The audience's members grouped by language ("" for none) and name:
 * how many, the highest member id, the longest name (in units of its own
 * encoding, core/gsm). One scan, dearer than broadcasts_audience_count (each
 * name measured): for personalised texts only. fn(n, ctx) is called once
 * per group (n and its texts borrowed for the call). Returns 0 or -1. */
enum broadcast_name_class {
    BROADCAST_NAME_GSM7 = 0, /* a name GSM-7 can carry */
    BROADCAST_NAME_UCS2 = 1, /* a name that needs UCS-2 (Arabic letters, ...) */
    BROADCAST_NAME_NONE = 2, /* no name */
};
struct broadcast_names {
    const char *language;
    enum broadcast_name_class name_class;
    int64_t count;
    int64_t max_id;
    const char *longest; /* "" for BROADCAST_NAME_NONE */
};
int broadcasts_audience_names(struct db *db, const struct broadcast_audience *a,
                              void (*fn)(const struct broadcast_names *n, void *ctx), void *ctx)
    __attribute__((warn_unused_result));

/* How many phones of the JSON array text phones belong to no member. */
int broadcasts_phones_unknown(struct db *db, const char *phones, int64_t *out)
    __attribute__((warn_unused_result));

/* Expand broadcast id into the outbox: one INSERT ... SELECT of a message
 * per audience member, kind 'broadcast', topic a->topic, on channel,
 * status 'queued' (due now) or 'held' (hold != 0), with the text of the
 * member's language among texts[0..ntexts) (ntexts <= BROADCAST_LANG_SLOTS)
 * and fallback for any other language, personalised (struct broadcast_text),
 * its encoding and segments measured on the member's own text. Inside the
 * caller's transaction. Returns 0 with *inserted set, or -1. */
int broadcasts_expand(struct db *db, int64_t id, const struct broadcast_audience *a,
                      const char *channel, const struct broadcast_text *texts, size_t ntexts,
                      const struct broadcast_text *fallback, int priority, int hold, int64_t now,
                      int64_t *inserted) __attribute__((warn_unused_result));

/* broadcasts_expand over the members whose id is in (after, until] only:
 * one chunk of an expansion (app/expander). */
int broadcasts_expand_range(struct db *db, int64_t id, const struct broadcast_audience *a,
                            const char *channel, const struct broadcast_text *texts, size_t ntexts,
                            const struct broadcast_text *fallback, int priority, int hold,
                            int64_t now, int64_t after, int64_t until, int64_t *inserted)
    __attribute__((warn_unused_result));

/* ---- expansion in chunks (issue 14) ----
 * A large broadcast goes from `from` to 'expanding' (broadcasts_expand_begin:
 * started_at = when, the cursor at member id 0, its end the highest member
 * id now, total and segments the plan's recipients and segments (the
 * part not yet written counts in the channel's budget:
 * approvals_channel_pending), spec the texts as they travel), then
 * each chunk writes the messages of a range of member ids and moves the
 * cursor in the same transaction (broadcasts_expand_advance), the last one
 * making it 'started'. Returns 1 (moved), 0 (not in `from`) or -1. */
int broadcasts_expand_begin(struct db *db, int64_t id, const char *from, const char *spec,
                            int64_t total, int64_t segments, int64_t when, int64_t now)
    __attribute__((warn_unused_result));

/* The expander's own connection commits its chunks without waiting for
 * the WAL's fsync (synchronous=NORMAL on db only): a chunk lost to a power
 * cut takes its cursor with it and is written again, and any later commit
 * that made one of its messages go (the sender's claim, synchronous=FULL
 * on its connection) has made the WAL up to it durable first. So the write
 * lock is held for the chunk's work, not for a disk flush. 0 or -1. */
int broadcasts_expander_connection(struct db *db) __attribute__((warn_unused_result));

/* Where an expansion stands. spec is malloc'd (broadcast_expansion_clear). */
struct broadcast_expansion {
    bool expanding; /* status 'expanding' */
    int64_t after, until, total, queued;
    char *spec;
};
void broadcast_expansion_clear(struct broadcast_expansion *e);

/* Load it. Returns 1 (found), 0 (no such broadcast) or -1. */
int broadcasts_expansion_get(struct db *db, int64_t id, struct broadcast_expansion *out)
    __attribute__((warn_unused_result));

/* The cursor to after with added more messages written; 'started' once it
 * reaches the end. Returns 1, 0 when no longer expanding (cancelled), -1. */
int broadcasts_expand_advance(struct db *db, int64_t id, int64_t after, int64_t added, int64_t now)
    __attribute__((warn_unused_result));

/* Ids of broadcasts expanding, the oldest first, at most max. Returns the
 * count, or -1. */
int broadcasts_expanding(struct db *db, int64_t *ids, size_t max)
    __attribute__((warn_unused_result));

/* Messages of broadcast id by status, read from the counts the triggers
 * on messages keep (broadcast_counts): as exact as counting the messages,
 * at the cost of a few rows. */
struct broadcast_progress {
    int64_t held, queued, sending, sent, delivered, failed, suppressed, expired, cancelled, total;
    int64_t segments; /* of all its messages */
};
int broadcasts_progress(struct db *db, int64_t id, struct broadcast_progress *out)
    __attribute__((warn_unused_result));

/* Messages of broadcast id not yet gone (queued, held) become 'cancelled'
 * with error reason. Returns the count, or -1. */
int64_t broadcasts_cancel_messages(struct db *db, int64_t id, const char *reason, int64_t now);

/* ---- the send window ---- */

/* queued -> held for message id (inside the transaction that queued it). */
int broadcasts_hold_message(struct db *db, int64_t message_id) __attribute__((warn_unused_result));

/* Every held message becomes queued, due at now. Returns the count, or -1. */
int64_t broadcasts_release_held(struct db *db, int64_t now);

#endif
