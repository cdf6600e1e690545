/* sms_account.h -- a registered member's own settings and data by SMS:
 * alerts per topic (ALERTS [topic ON|OFF]), the language of every message
 * (LANGUAGE ar|fr|en), what is stored about them (MYDATA), and erasure
 * (ERASE, confirmed by ERASE again or YES within the setting
 * sms.erase_window_s). Each handler writes its reply into the context and
 * returns 0, or -1 on a database error. */
#ifndef TAAWUN_APP_SMS_ACCOUNT_H
#define TAAWUN_APP_SMS_ACCOUNT_H

#include "app/sms_context.h"
#include "core/sms_command.h"

/* ALERTS: every topic and whether it is on; ALERTS topic ON|OFF: that
 * topic turned on or off (help when either is missing). */
int sms_account_alerts(struct sms_context *c, const struct sms_command *cmd)
    __attribute__((warn_unused_result));

/* LANGUAGE code: c->lang becomes that language when it is offered (and
 * the member's language is changed; a stranger is told to register);
 * otherwise the offered languages are listed. */
int sms_account_language(struct sms_context *c, const struct sms_command *cmd)
    __attribute__((warn_unused_result));

/* MYDATA: the member's row in their language. */
void sms_account_mydata(struct sms_context *c);

/* ERASE: the confirmation asked for and an "erase" exchange saved. */
int sms_account_erase_ask(struct sms_context *c) __attribute__((warn_unused_result));

/* The confirmation came: the member is erased; the reply (kind
 * 'stop_confirmation') is the last message they get. */
int sms_account_erase_confirm(struct sms_context *c) __attribute__((warn_unused_result));

#endif
