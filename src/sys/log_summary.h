/* log_summary.h -- the traffic as one info line a minute. Lines about one
 * message (a USSD step, an SMS in, a delivery report, a send) are debug;
 * what an operator sees of them at info is this count, written once per
 * clock minute, and only when something was counted:
 *
 *   event=summary period_s=60 ussd_steps=1200 ussd_sessions=310
 *     sms_in=45 dlrs.delivered=880 dlrs.failed=10 sends.sent=900
 *     sends.retry=12 send_errors.unreachable=12 sends.sent@at=850 ...
 *
 * Each count is COUNTER, or COUNTER.DETAIL where the counter has details
 * (a send's result, a failure's class, a delivery report's state); when
 * more than one channel counted the same thing in the period, each
 * channel's share follows as KEY@CHANNEL. Counts of zero are left out;
 * period_s is the clock seconds since the previous line (or the start).
 *
 * Counting takes a mutex and a walk of a small table (LOG_SUMMARY_SERIES in
 * core/limits.h); a count that finds the table full is added to
 * dropped=N instead. Thread-safe. */
#ifndef TAAWUN_SYS_LOG_SUMMARY_H
#define TAAWUN_SYS_LOG_SUMMARY_H

#include <stdint.h>

/* What is counted; the names written are in log_summary.c, in this order. */
enum log_summary_counter {
    LOG_SUMMARY_USSD_STEPS,       /* ussd_steps: steps answered */
    LOG_SUMMARY_USSD_SESSIONS,    /* ussd_sessions: sessions begun */
    LOG_SUMMARY_USSD_ENDS,        /* ussd_ends: providers' end-of-session notices */
    LOG_SUMMARY_USSD_REFUSED,     /* ussd_refused: steps refused at ussd.max_sessions */
    LOG_SUMMARY_SMS_IN,           /* sms_in: inbound SMS stored */
    LOG_SUMMARY_SMS_REPLAYS,      /* sms_replays: an inbound SMS received again */
    LOG_SUMMARY_DLRS,             /* dlrs.STATE: delivery reports */
    LOG_SUMMARY_SENDS,            /* sends.RESULT: sent, retry, failed, expired, ... */
    LOG_SUMMARY_SEND_ERRORS,      /* send_errors.CLASS: sends that did not go, by
                                     send_error_class_name (channels/channel.h) */
    LOG_SUMMARY_REGISTRATIONS,    /* registrations: members registered (USSD or SMS) */
    LOG_SUMMARY_OPT_OUTS,         /* opt_outs: STOP */
    LOG_SUMMARY_OPT_INS,          /* opt_ins: START */
    LOG_SUMMARY_ERASURES,         /* erasures: members erased at their request */
    LOG_SUMMARY_WEBHOOKS_REFUSED, /* webhooks_refused: provider callbacks refused */
    LOG_SUMMARY_COUNTERS
};

/* Add n to counter for channel (NULL or "" when none) and detail (NULL or
 * "" when none; else a word from a small fixed set, such as a result or a
 * state name). Both borrowed for the call; cut to fit. */
void log_summary_add(enum log_summary_counter counter, const char *channel, const char *detail,
                     unsigned long n);

#define log_summary_count(counter, channel, detail) log_summary_add(counter, channel, detail, 1)

/* Called about once a second with the clock's time (unix seconds): the
 * first call starts the period; a call in a later clock minute than the
 * period's start writes the line (when anything was counted) and starts
 * the next period. */
void log_summary_tick(int64_t now);

/* Write the line now for what was counted since the last one (at stop),
 * if anything was. */
void log_summary_flush(int64_t now);

#endif
