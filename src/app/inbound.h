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
#include "store/db.h"

#include "app/sms_router.h"
#include "app/ussd.h"
#include "channels/channel.h"
#include "store/messages.h"
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

/* inbound_sms() in three steps, for a caller told of the group commit
 * rather than waiting for it (hooks/ park the webhook's connection
 * meanwhile, http/later.h): inbound_sms_prepare() reads the text (no
 * database; NULL when out of memory), inbound_sms_run() stores and answers
 * it inside a group commit's transaction (store/db_group.h: on the
 * committer's thread, with its db; 0 or -1), and inbound_sms_finish(), once
 * the commit is on disk (rc 0) or failed (rc -1: out cleared), completes
 * out, logs, frees the job and returns 0 or -1. c, ev and out are borrowed
 * until then; the run reads c->inline_reply, which may change before it. */
struct inbound_sms_job;
struct inbound_sms_job *inbound_sms_prepare(const struct inbound_context *c,
                                            const struct channel_event *ev,
                                            struct inbound_sms_result *out);
int inbound_sms_run(struct db *db, struct inbound_sms_job *j) __attribute__((warn_unused_result));
int inbound_sms_finish(struct inbound_sms_job *j, int rc);

/* The language to answer in: the member's, else Arabic when the text holds
 * a right-to-left letter (core/bidi: Arabic script, digits not counted),
 * else French. Returns a static string or m->language. */
const char *inbound_language(const struct member *m, const char *text, size_t len);

/* Apply the delivery reports evs[0..n) of channel ch in one job of the
 * group commit (one fsync for all, not one per report): each finds its
 * message (our id when the provider echoes it, else the provider's id), and
 * moves its delivery state forward only (enum delivery_state order; a final
 * state is never replaced); records the provider's error code. A report
 * about an unknown message stores nothing (logged). All or nothing: returns
 * 0 once committed, or -1 on a database error. */
int inbound_dlrs(const struct channel_settings *ch, const struct channel_event *const *evs,
                 size_t n) __attribute__((warn_unused_result));

/* One report in two steps, for a group commit: inbound_dlr_run() inside
 * the caller's write transaction (0, or -1 on a database error: roll back),
 * inbound_dlr_logged() once it is committed (its log line and count). */
struct inbound_dlr_outcome {
    int found; /* 1: the message is known; 0: unknown (nothing written); -1 */
    bool forward;
    const char *status; /* the message's new status ("delivered", "failed") or NULL */
    struct message_dlr_target target;
};
int inbound_dlr_run(struct db *db, const struct channel_settings *ch,
                    const struct channel_event *ev, struct inbound_dlr_outcome *o)
    __attribute__((warn_unused_result));
void inbound_dlr_logged(const struct channel_settings *ch, const struct channel_event *ev,
                        const struct inbound_dlr_outcome *o);

#endif
