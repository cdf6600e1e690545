/* sms_optout.h -- how a member or a number stops and resumes messages by
 * SMS, and the opt-out hint every broadcast carries: one place for the
 * opt-out policy of the SMS side.
 *
 * The send gate (store/messages.h) enforces the opt-outs recorded here. */
#ifndef TAAWUN_APP_SMS_OPTOUT_H
#define TAAWUN_APP_SMS_OPTOUT_H

#include <stddef.h>

#include "core/catalog.h"

/* The short opt-out hint in lang ("STOP pour arreter", "للإيقاف أرسل
 * توقف"): catalog text `broadcast_opt_out_hint`, falling back to the default
 * language; "" when the catalogs lack it (or texts is NULL). Borrowed from
 * texts. */
const char *sms_optout_hint(const struct catalog_set *texts, const char *lang);

/* body (valid UTF-8) with the opt-out hint of lang appended after a space,
 * unless body already tells how to stop (the hint itself, or STOP / ARRET /
 * توقف as a word: core/sms_reply.h). For every broadcast text, before it is
 * queued. Writes into out (outsz bytes). Returns the length, or -1 when out
 * is too small (out then holds ""). */
long sms_optout_with_hint(const struct catalog_set *texts, const char *lang, const char *body,
                          char *out, size_t outsz) __attribute__((warn_unused_result));

#endif
