/* sms_programme.h -- the programme by SMS, for registered members: the
 * status of their grant applications (STATUS [reference]), upcoming
 * events (EVENTS, also for strangers) and booking a seat (JOIN code), and
 * sending a project idea (IDEA text). Each handler writes its reply into
 * the context (kind 'reply') and returns 0, or -1 on a database error. */
#ifndef TAAWUN_APP_SMS_PROGRAMME_H
#define TAAWUN_APP_SMS_PROGRAMME_H

#include "app/sms_context.h"
#include "core/sms_command.h"

/* Lists page: a list reply holds as many items as fit the reply budget
 * (sms.max_reply_segments) and, when more remain, says how to see them
 * (catalog sms_list_more); MORE (SUITE, المزيد), or the list's keyword
 * followed by MORE, gives the next page, and the keyword followed by a
 * number gives that page ("EVENEMENTS 2"). The page under way is kept per
 * phone in store/sms_state (flow "list") for sms.conversation_ttl_s. */

/* STATUS: the member's (and their cooperative's) applications, a page at
 * a time; STATUS ref: that application's detail (never another
 * member's). */
int sms_programme_status(struct sms_context *c, const struct sms_command *cmd)
    __attribute__((warn_unused_result));

/* EVENTS [page | MORE]: the upcoming events (the member's province
 * first), a page at a time, with how to book. */
int sms_programme_events(struct sms_context *c, const struct sms_command *cmd)
    __attribute__((warn_unused_result));

/* MORE: the next page of the list under way (c->list), or "end of the
 * list" when there is none. */
int sms_programme_more(struct sms_context *c) __attribute__((warn_unused_result));

/* JOIN code: a seat booked atomically, or why not (full, already booked,
 * closed, unknown code). */
int sms_programme_join(struct sms_context *c, const struct sms_command *cmd)
    __attribute__((warn_unused_result));

/* IDEA text: the idea stored (its title: the first words, at most
 * USSD_IDEA_TITLE_CHARS_MAX characters) and its reference sent back. */
int sms_programme_idea(struct sms_context *c, const struct sms_command *cmd)
    __attribute__((warn_unused_result));

#endif
