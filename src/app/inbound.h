/* inbound.h -- what taawun does with an inbound SMS and a delivery report
 * once the HTTP edge has authenticated the provider and its adapter has
 * parsed the request into neutral events.
 *
 * Both are idempotent and durable: everything is committed before the
 * functions return (so before the provider gets its 2xx), a replayed SMS
 * stores nothing and triggers nothing, and a delivery report only moves a
 * message's delivery state forward. */
#ifndef TAAWUN_APP_INBOUND_H
#define TAAWUN_APP_INBOUND_H

#include <stdbool.h>
#include <stddef.h>
#include <sqlite3.h>

#include "app/sms_router.h"
#include "app/ussd.h"
#include "channels/channel.h"
#include "store/members.h"

#define INBOUND_REPLY_MAX SMS_ROUTER_REPLY_MAX /* bytes of one reply text */

/* What an inbound SMS is handled with (all borrowed). */
struct inbound_context {
    const struct app_env *env;
    const struct channel_settings *ch;
    const char *ussd_code;        /* the programme's USSD code for help texts ("" when none) */
    bool inline_reply;            /* the channel carries the reply in the webhook answer */
    struct sms_router_limits sms; /* settings sms.*: reply segments, flood limit, expiries */
};

struct inbound_sms_result {
    bool duplicate;        /* a replay: nothing stored, nothing done */
    bool pending_parts;    /* a part of a multipart SMS stored; the others are awaited */
    bool has_inline_reply; /* reply holds the text for the webhook answer */
    char reply[INBOUND_REPLY_MAX];
    int64_t message_id; /* the stored inbound row, 0 when none */
};

/* Store one inbound SMS (direction 'in', kind 'sms', status 'received',
 * member_id when the sender is a member) unless it is a replay, then answer
 * it with the SMS command router (app/sms_router.h) in the same transaction: the
 * reply (the kind the router says: 'reply', 'registration' or
 * 'stop_confirmation') is queued in the outbox, or, when c->inline_reply,
 * stored as 'sent' with provider_id "inline" and returned in out->reply for
 * the webhook answer (unless the send gate blocks it: then stored
 * 'suppressed'). A message held back by the flood limit is stored and not
 * answered. A part of a multipart SMS is kept until every part is there;
 * the joined text is then handled once. Returns 0, or -1 when the database
 * failed (answer 503: the provider will retry). */
int inbound_sms(const struct inbound_context *c, const struct channel_event *ev,
                struct inbound_sms_result *out) __attribute__((warn_unused_result));

/* The language to answer in: the member's, else Arabic when the text holds
 * a right-to-left letter (core/bidi: Arabic script, digits not counted),
 * else French. Returns a static string or m->language. */
const char *inbound_language(const struct member *m, const char *text, size_t len);

/* Apply one delivery report of channel ch: finds the message (our id when
 * the provider echoes it, else the provider's id), and moves its delivery
 * state forward only (enum delivery_state order; a final state is never
 * replaced); records the provider's error code. A report about an unknown
 * message stores nothing (logged). Returns 0, or -1 on a database error. */
int inbound_dlr(const struct channel_settings *ch, const struct channel_event *ev)
    __attribute__((warn_unused_result));

#endif
