/* claim.h -- taking a channel's due messages from the outbox: the send
 * gate and expiry applied and the rest marked 'sending' in one committed
 * transaction before any request starts (store/messages.h: at most one
 * more copy after a crash), then grouped into requests (same text, up to
 * the channel's batch) and started. The sandbox channel completes its
 * messages here, without network. */
#ifndef TAAWUN_SENDER_CLAIM_H
#define TAAWUN_SENDER_CLAIM_H

#include "store/db.h"
#include <stdint.h>

#include "channels/channel.h"
#include "runtime/runtime.h"
#include "sender/pace.h"
#include "sender/transfer.h"

#define CLAIM_MAX 512            /* messages claimed per channel per pass */
#define CLAIM_BATCH_CEILING 1000 /* recipients of one bulk request at most */
#define CLAIM_SANDBOX_BATCH 200  /* sandbox messages completed per transaction */

/* Claim the due messages of HTTP channel ch (settings and ops borrowed
 * from rt, which the caller holds) that its pace allows, group them and
 * start the requests in t. Returns the milliseconds after which this
 * channel wants another pass (PACE_IDLE_MS when nothing more is known to
 * be due). */
long claim_http(struct transfers *t, struct db *db, struct runtime *rt,
                const struct channel_settings *ch, const struct channel_ops *ops, struct pace *p,
                int64_t now);

/* The sandbox: up to CLAIM_SANDBOX_BATCH due messages pass the gate and
 * expiry, then are recorded as sent with the id sandbox_send gives, and the
 * sandbox's delivery report goes through app/inbound like a provider's, so
 * a message shows its whole life without network. Returns the rows taken,
 * or -1. */
int claim_sandbox(struct db *db, const struct channel_settings *ch, int64_t now);

#endif
