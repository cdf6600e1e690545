/* sms_router.h -- the SMS command router: what taawun answers to an
 * inbound SMS, and the one consent and opt-out policy every message
 * follows. The commands themselves live in app/sms_optout (STOP, START),
 * app/sms_register, app/sms_programme (STATUS, EVENTS, JOIN, IDEA) and
 * app/sms_account (ALERTS, LANGUAGE, MYDATA, ERASE).
 *
 * Routing (core/sms_command reads the keywords; README "SMS commands" has
 * the table):
 *   1. STOP first, from any state and even inside a guided exchange: a
 *      member is opted out at once (all topics: members.opted_out_at; or
 *      the topic named: member_topics), a number that is not a registered
 *      member goes on the suppression list (store/sms_state.h, kept through
 *      erasure); any exchange under way is dropped; one confirmation SMS of
 *      kind 'stop_confirmation' answers (the only kind the gate lets through
 *      afterwards). START reverses it (a member's topic START also lifts a
 *      stop of everything; a number's START leaves the suppression list).
 *   2. The flood limit: a number that got replies_per_hour answers in the
 *      last hour gets none (its SMS are stored; a STOP is still honoured,
 *      silently; other commands are not performed).
 *   3. An exchange under way: the registration's next answer (a command
 *      word in place of an answer leaves the exchange and is routed), or
 *      the confirmation of ERASE (ERASE again or YES within the window;
 *      anything else cancels it), or a list being paged (MORE gives its
 *      next page: app/sms_programme.h; anything else ends it).
 *   4. The command: HELP, REGISTER (guided: name -> cooperative code (0
 *      none) -> province -> sector -> gender -> birth year -> consent; or
 *      all six fields in one message, then consent), STATUS [ref | MORE],
 *      EVENTS [page | MORE], MORE,
 *      JOIN code, IDEA text, ALERTS [topic ON|OFF], LANGUAGE ar|fr|en,
 *      MYDATA, ERASE; anything else gets a short help.
 * Replies are in the member's language (a stranger's: the keyword's, else
 * guessed from the script), never longer than max_reply_segments, measured
 * in their own encoding; lists fill that budget a page at a time.
 *
 * Message kinds written here: 'reply' (answers to a request), 'registration'
 * (the registration exchange, and START from a number that is no member:
 * they pass an opt-out and the suppression list, since the phone asked),
 * 'stop_confirmation' (STOP, and a confirmed ERASE). The send gate
 * (store/messages.h) holds the rest of the policy: broadcasts, reminders
 * and notifications only to consenting members who did not stop. */
#ifndef TAAWUN_APP_SMS_ROUTER_H
#define TAAWUN_APP_SMS_ROUTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "store/db.h"

#include "app/ussd.h"
#include "core/catalog.h"
#include "core/sms_command.h"
#include "store/members.h"

#define SMS_ROUTER_REPLY_MAX 640 /* bytes of one reply, NUL included */

/* The settings `sms.*` as the config read them (its schema holds their
 * defaults and bounds; every one is set). */
struct sms_router_limits {
    int max_reply_segments; /* 1..SMS_REPLY_SEGMENTS_CEILING */
    int replies_per_hour;   /* answers to one number per hour; the rest are stored only */
    int conversation_ttl_s; /* a guided registration is forgotten after this */
    int erase_window_s;     /* ERASE must be confirmed within this */
};

/* What the words of an SMS say, read from its text alone: no database, so
 * read before the write turn is taken (sms_router_read). */
struct sms_router_reading {
    bool is_stop;                       /* STOP, read on the bytes as they came */
    char stop_topic[SMS_CMD_TOPIC_MAX]; /* its topic, "" for every topic */
    struct sms_command cmd;
};

/* Read text (valid UTF-8, len bytes) into *out. */
void sms_router_read(const char *text, size_t len, struct sms_router_reading *out);

/* One inbound SMS to answer (all borrowed). */
struct sms_router_request {
    const struct app_env *env;
    struct sms_router_limits limits;
    const char *channel;
    const char *ussd_code;       /* for help texts, "" when none */
    const char *phone;           /* E.164 */
    const struct member *member; /* the row with that phone, NULL when none */
    const char *text;            /* valid UTF-8 */
    size_t len;
    /* sms_router_read(text, len) done beforehand, outside the write
     * transaction; NULL: sms_router_handle reads the text itself. */
    const struct sms_router_reading *reading;
};

struct sms_router_answer {
    bool answer;                   /* false: nothing to send (stored only) */
    bool rate_limited;             /* the flood limit held the answer back */
    const char *kind;              /* 'reply', 'registration' or 'stop_confirmation' (static) */
    int64_t member_id;             /* the member the reply is about (0: none) */
    char lang[8];                  /* the reply's language */
    enum sms_command_kind command; /* as read, for logs */
    char text[SMS_ROUTER_REPLY_MAX];
};

/* Handle the SMS rq inside the caller's open write transaction on db
 * (BEGIN IMMEDIATE): perform the command and write the reply into *out;
 * the caller stores the reply (outbox or inline) in the same transaction.
 * Returns 0, or -1 on a database error (the caller rolls back). */
int sms_router_handle(struct db *db, const struct sms_router_request *rq,
                      struct sms_router_answer *out) __attribute__((warn_unused_result));

#endif
