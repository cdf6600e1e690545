/* sms_state.h -- what the SMS commands keep per phone number: the
 * suppression list (a STOP from a number that is not a member, honoured by
 * the send gate and kept through erasure), the guided exchange under way
 * (a registration over several SMS, an erase waiting for its confirmation)
 * with its expiry, and how many replies a number got lately (the flood
 * limit). Functions borrow the connection and run inside the caller's
 * transaction. */
#ifndef TAAWUN_STORE_SMS_STATE_H
#define TAAWUN_STORE_SMS_STATE_H

#include <stddef.h>
#include <stdint.h>
#include "store/db.h"

/* Put phone (E.164) on the suppression list (idempotent; the first STOP's
 * time and channel are kept). Returns 0 or -1. */
int sms_state_suppression_add(struct db *db, const char *phone, const char *channel)
    __attribute__((warn_unused_result));

/* Take phone off the suppression list (a registration or START). Returns
 * 1 when it was on it, 0 when not, -1 on error. */
int sms_state_suppression_clear(struct db *db, const char *phone)
    __attribute__((warn_unused_result));

/* 1 when phone is on the suppression list, 0 when not, -1 on error. */
int sms_state_suppression_has(struct db *db, const char *phone) __attribute__((warn_unused_result));

#define SMS_STATE_FLOW_MAX 16
#define SMS_STATE_FLOW_STATE_MAX 2048 /* bytes of a flow's opaque state */

struct sms_state_flow {
    char flow[SMS_STATE_FLOW_MAX]; /* "register", "erase" or "list" (the page of a list) */
    int step;
    char lang[8];
    size_t state_len;
    unsigned char state[SMS_STATE_FLOW_STATE_MAX];
};

/* The exchange under way for phone, unless it expired before now (an
 * expired one is deleted). Returns 1 (*out filled), 0 (none) or -1. */
int sms_state_flow_get(struct db *db, const char *phone, int64_t now, struct sms_state_flow *out)
    __attribute__((warn_unused_result));

/* Save (replace) the exchange of phone, expiring at expires_at. */
int sms_state_flow_put(struct db *db, const char *phone, const struct sms_state_flow *f,
                       int64_t expires_at) __attribute__((warn_unused_result));

int sms_state_flow_delete(struct db *db, const char *phone) __attribute__((warn_unused_result));

/* Outbound answers (kinds 'reply', 'registration', 'stop_confirmation') to
 * phone created at or after since. Returns the count or -1. */
int sms_state_replies_since(struct db *db, const char *phone, int64_t since)
    __attribute__((warn_unused_result));

#endif
