/* sms_context.h -- one inbound SMS being handled by the command router
 * (app/sms_router.h): what every command handler reads (the database
 * inside the router's transaction, the programme, the sender, the member,
 * the reply's language and segment budget) and how a handler writes its
 * reply: a catalog text in the reply's language, fitted to the budget in
 * its own encoding (core/sms_reply.h), or a list grown while it fits.
 *
 * The router fills a struct sms_context in; handlers borrow it. A handler
 * writes at most one reply (the last one written wins). */
#ifndef TAAWUN_APP_SMS_CONTEXT_H
#define TAAWUN_APP_SMS_CONTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "store/db.h"

#include "app/ussd.h"
#include "core/catalog.h"
#include "store/members.h"
#include "store/sms_state.h"

#define SMS_CONTEXT_WORK_MAX 1536 /* bytes of a reply before it is fitted */
#define SMS_CONTEXT_ITEM_MAX 384  /* bytes of one item of a list reply */

struct sms_context {
    struct db *db; /* inside the caller's open write transaction */
    const struct app_env *env;
    const char *channel;
    const char *phone;     /* E.164 */
    const char *ussd_code; /* for help texts, "" when none */
    const char *text;      /* the SMS, valid UTF-8 */
    size_t len;
    int conversation_ttl_s; /* setting sms.conversation_ttl_s */
    int erase_window_s;     /* setting sms.erase_window_s */
    size_t max_segments;    /* setting sms.max_reply_segments */
    const struct member *m; /* the member's row, NULL when none */
    /* The list the phone is paging through (flow "list": step = the next
     * item, state = "events" or "grants"), NULL when none. */
    const struct sms_state_flow *list;
    bool registered;  /* m is a registered member, not erased */
    const char *lang; /* the reply's language (LANGUAGE changes it) */
    int64_t now;
    /* The reply. */
    bool answer;       /* false: nothing to send */
    const char *kind;  /* 'reply', 'registration' or 'stop_confirmation' (static) */
    int64_t member_id; /* the member the reply is about (0: none) */
    char *reply;       /* replysz bytes, the caller's */
    size_t replysz;
};

/* The catalog text key in the reply's language; "" when the catalogs lack
 * it. Borrowed from the catalogs. */
const char *sms_context_text(const struct sms_context *c, const char *key);

/* Set the reply: text (valid UTF-8) after the programme's prefix (catalog
 * text sms_prefix, "Taawun: ") unless it already starts with the prefix's
 * first word, fitted to c->max_segments in its own encoding, of kind (a
 * static string). A text that cannot be fitted leaves no answer. */
void sms_context_reply_text(struct sms_context *c, const char *kind, const char *text);

/* Set the reply from catalog text key expanded with vars[0..nvars),
 * after prefix (an error line; NULL or "" for none) and a space. */
void sms_context_reply_key(struct sms_context *c, const char *kind, const char *prefix,
                           const char *key, const struct text_var *vars, size_t nvars);

/* Set a reply of kind 'reply' from catalog text key with {ussd_code} and
 * {programme}. */
void sms_context_reply_simple(struct sms_context *c, const char *key);

/* One page of a list reply of kind 'reply': header, then items[start..
 * nitems) (the first after first_sep, the others after sep) while they fit
 * the budget (c->max_segments) together with tail ("" or NULL: none) after
 * a space; when not every remaining item fits, the page ends with tail and
 * more (catalog text sms_list_more: how to ask for the next page) instead.
 * At least one item is shown (cut by fitting when it alone is too long).
 * Returns the index after the last item shown (nitems: the list is
 * complete). dry: count only, the reply is left as it is. */
size_t sms_context_reply_page(struct sms_context *c, const char *header,
                              char (*items)[SMS_CONTEXT_ITEM_MAX], size_t nitems, size_t start,
                              const char *first_sep, const char *sep, const char *tail, bool dry);

/* The index where page (1, 2, ...) of a list starts, as
 * sms_context_reply_page cuts it; nitems when the list is shorter. */
size_t sms_context_page_start(struct sms_context *c, const char *header,
                              char (*items)[SMS_CONTEXT_ITEM_MAX], size_t nitems, long page,
                              const char *first_sep, const char *sep, const char *tail);

/* An event's date and time as the catalogs write them everywhere (USSD
 * and SMS: core/catalog.h catalog_when, "20/02 10h00"). */
void sms_context_when(const struct sms_context *c, int day, int month, int hour, int minute,
                      char *out, size_t outsz);

/* amount with the thousands separator of the reply's language
 * (core/catalog.h catalog_amount: "150 000", "150,000"). */
void sms_context_amount(const struct sms_context *c, long long amount, char *out, size_t outsz);

/* The name of topic code ("events", ...) in the reply's language (catalog
 * text topic.CODE) into out (outsz bytes). */
void sms_context_topic_name(const struct sms_context *c, const char *code, char *out, size_t outsz);

#endif
