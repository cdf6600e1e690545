/* sms_optout.h -- how a member or a number stops and resumes messages by
 * SMS, and the opt-out hint every broadcast carries: one place for the
 * opt-out policy of the SMS side.
 *
 * The send gate (store/messages.h) enforces the opt-outs recorded here. */
#ifndef TAAWUN_APP_SMS_OPTOUT_H
#define TAAWUN_APP_SMS_OPTOUT_H

#include <stddef.h>

#include "app/sms_context.h"
#include "core/catalog.h"

/* STOP, from any state (the router asks before anything else): any
 * exchange under way is dropped; a registered member is opted out at once
 * of topic ("events", ...: member_topics) or, for "", of everything
 * (members.opted_out_at); a number that is no registered member goes on
 * the suppression list (store/sms_state.h) whatever topic it named. The
 * reply, of kind 'stop_confirmation', is the only kind the send gate lets
 * through afterwards. Returns 0, or -1 on a database error. */
int sms_optout_stop(struct sms_context *c, const char *topic) __attribute__((warn_unused_result));

/* START: the number leaves the suppression list; a registered member's
 * stop of everything is lifted, and topic ("" for none) is turned on
 * again. A number that is no member is told how to register (kind
 * 'registration', which passes an opt-out). Returns 0, or -1 on a
 * database error. */
int sms_optout_start(struct sms_context *c, const char *topic) __attribute__((warn_unused_result));

/* The short opt-out hint in lang ("Désabonnement: STOP", "للإيقاف أرسل
 * توقف"): catalog text `broadcast_opt_out_hint`, falling back to the default
 * language; "" when the catalogs lack it (or texts is NULL). Borrowed from
 * texts. */
const char *sms_optout_hint(const struct catalog_set *texts, const char *lang);

/* body (valid UTF-8) with the opt-out hint of lang appended on a line of
 * its own (after "\n", one septet or unit like a space),
 * unless body already tells how to stop (the hint itself, or STOP / ARRET /
 * توقف as a word: core/sms_reply.h). For every broadcast text, before it is
 * queued. Writes into out (outsz bytes). Returns the length, or -1 when out
 * is too small (out then holds ""). */
long sms_optout_with_hint(const struct catalog_set *texts, const char *lang, const char *body,
                          char *out, size_t outsz) __attribute__((warn_unused_result));

#endif
