/* delivery.h -- what became of the messages we sent, for staff (issue 16,
 * missing 4): one broadcast's messages counted by status, error class,
 * channel, member language and attempts (the delivery report); its
 * messages one page at a time in id order (the CSV export, which never
 * holds a whole broadcast in memory); the class of a message's last send
 * error, as the sender found it; and what providers took per channel
 * between two times (the cost per month), read from message_costs
 * (store/migrations.c), which triggers keep at the moment a provider
 * first takes a message.
 *
 * A message's error class is the sender's (channels' send_error_class_name:
 * credentials_refused, balance_exhausted, rate_limited, rejected,
 * opted_out, provider_error, unreachable), else what the row says: a
 * provider's failed report ("dlr_failed", "dlr_rejected", "dlr_expired"),
 * "unknown_after_crash", the send gate's reason for a suppressed message
 * ("opted_out", "no_consent", ...) or "expired"; none for a message sent,
 * delivered, held, sending or cancelled.
 *
 * Functions borrow the connection and never begin or commit. */
#ifndef TAAWUN_STORE_DELIVERY_H
#define TAAWUN_STORE_DELIVERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "store/db.h"

#include "core/msisdn.h"

#define DELIVERY_STATUS_MAX 16
#define DELIVERY_CHANNEL_MAX 32
#define DELIVERY_CLASS_MAX 48
#define DELIVERY_LANG_MAX 8
#define DELIVERY_PAGE_MAX 500    /* messages of one page of the export */
#define DELIVERY_CHANNELS_MAX 64 /* channels of one month's costs */

/* Messages of one broadcast alike in status, channel, error class,
 * language (the member's now; "" when none) and attempts. Times are unix
 * seconds, 0 when no message of the group has one. */
struct delivery_group {
    char status[DELIVERY_STATUS_MAX];
    char channel[DELIVERY_CHANNEL_MAX];
    char error_class[DELIVERY_CLASS_MAX]; /* "" : none */
    char language[DELIVERY_LANG_MAX];
    int64_t attempts;         /* of each message of the group */
    int64_t messages;         /* how many */
    int64_t segments;         /* theirs, all */
    int64_t taken_segments;   /* of those a provider took (a provider id recorded) */
    int64_t priced_segments;  /* of those taken, the ones the provider said the cost of */
    double provider_cost_mad; /* what the providers said, for priced_segments */
    int64_t first_sent_at, last_sent_at, first_delivered_at, last_delivered_at;
};

/* Call fn(group, ctx) for each group of broadcast_id's messages (none
 * when it has none); fn returns 0 to go on, else the walk stops. Returns
 * 0, or -1 (logged) on a database error. */
int delivery_broadcast_groups(struct db *db, int64_t broadcast_id,
                              int (*fn)(const struct delivery_group *g, void *ctx), void *ctx)
    __attribute__((warn_unused_result));

/* One message of a broadcast, for the export. */
struct delivery_message {
    int64_t id;
    int64_t member_id; /* 0: none */
    char phone[MSISDN_MAX];
    char language[DELIVERY_LANG_MAX];
    char channel[DELIVERY_CHANNEL_MAX];
    char status[DELIVERY_STATUS_MAX];
    char error_class[DELIVERY_CLASS_MAX];
    int64_t attempts, segments;
    int taken;  /* a provider took it (costs its segments) */
    int priced; /* the provider said what it cost: provider_cost_mad */
    double provider_cost_mad;
    int64_t sent_at, delivered_at; /* 0: not (yet) */
};

/* Up to max (<= DELIVERY_PAGE_MAX) messages of broadcast_id whose id is
 * above after, in id order, into out. Each page is its own short read: no
 * statement stays open between pages, so a slow download holds no
 * snapshot (a message may change status between two pages; each appears
 * once). Returns the count (0: no more), or -1 (logged). */
int delivery_broadcast_page(struct db *db, int64_t broadcast_id, int64_t after,
                            struct delivery_message *out, size_t max)
    __attribute__((warn_unused_result));

/* Record error_class (borrowed, NULL: none) as message id's last send
 * error class. Inside the caller's transaction (the sender's settle).
 * Returns 0 or -1 (logged). */
int delivery_error_class_set(struct db *db, int64_t id, const char *error_class)
    __attribute__((warn_unused_result));

/* Record what the provider said message id cost, in dirhams (its
 * answer to the send). Inside the caller's transaction (the sender's
 * settle, after the provider id). Returns 0 or -1 (logged). */
int delivery_provider_cost_set(struct db *db, int64_t id, double cost_mad)
    __attribute__((warn_unused_result));

/* What providers took on one channel. */
struct delivery_cost {
    char channel[DELIVERY_CHANNEL_MAX];
    int64_t messages, segments;
    int64_t priced_segments;  /* of segments, those a provider said the cost of */
    double provider_cost_mad; /* what it said */
};

/* Messages and segments providers took per channel (channel only, or
 * every channel when NULL) in the hours from `from` (unix seconds, rounded
 * down to its hour) up to `to` (excluded), test numbers left out, at most
 * max channels by name into out. What a channel spent in a month is this
 * and delivery_cost_mad, for the costs per month and the monthly budget
 * alike. Returns the count, or -1 (logged). */
int delivery_costs(struct db *db, int64_t from, int64_t to, const char *channel,
                   struct delivery_cost *out, size_t max) __attribute__((warn_unused_result));

/* What c cost in dirhams into *mad: what the providers said for the
 * segments they priced, the rest at price (per segment; 0: unknown).
 * Returns false when that price was needed and unknown (*mad then holds
 * the providers' figures only). */
bool delivery_cost_mad(const struct delivery_cost *c, double price, double *mad);

#endif
