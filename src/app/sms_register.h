/* sms_register.h -- registration by SMS: guided over several messages
 * (name -> cooperative code (0: none) -> province -> sector -> gender ->
 * birth year -> consent), or with all six fields in one message and then
 * consent (core/sms_command.h, "Registration in one message"). The
 * exchange under way is kept per phone (store/sms_state.h) for the
 * setting sms.conversation_ttl_s, in the language it started in.
 *
 * Answers are read as on the USSD menu: a name of USSD_NAME_CHARS_MIN to
 * USSD_NAME_CHARS_MAX characters; a province or sector by its number in
 * the list, its code or its name in any offered language (a unique word
 * prefix is enough); gender as 1/2, a letter or a word; a birth year that
 * makes the member at least the programme's minimum age. Replies are of
 * kind 'registration' (they pass an opt-out: the phone asked). */
#ifndef TAAWUN_APP_SMS_REGISTER_H
#define TAAWUN_APP_SMS_REGISTER_H

#include <stdbool.h>

#include "app/sms_context.h"
#include "core/sms_command.h"
#include "store/sms_state.h"

/* REGISTER [fields]: a registered member is told its number; otherwise
 * the exchange starts (again), the fields of a one-message registration
 * taken first, and the first question not answered (or the first field
 * that was wrong, with its error) is asked. Returns 0, or -1 on a
 * database error. */
int sms_register_start(struct sms_context *c, const struct sms_command *cmd)
    __attribute__((warn_unused_result));

/* The next message of the exchange f under way (a flow "register"): the
 * answer to its step, read from the whole text. *handled is false when
 * the message is a command rather than an answer (a bare keyword at the
 * name, a keyword that is no valid answer elsewhere, or a state this
 * version cannot read): the exchange is then dropped and the caller
 * routes cmd. REGISTER starts over. Consent YES registers the member;
 * NO ends the exchange. Returns 0, or -1 on a database error. */
int sms_register_continue(struct sms_context *c, const struct sms_state_flow *f,
                          const struct sms_command *cmd, bool *handled)
    __attribute__((warn_unused_result));

#endif
