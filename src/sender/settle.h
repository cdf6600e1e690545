/* settle.h -- recording what became of the messages the sender handled:
 * sent (with the provider's id), queued again after a backoff (base
 * doubled per attempt, capped, +-20 % jitter, or the provider's hint)
 * until the channel's max_attempts, failed, or opted out at the carrier.
 * One transaction per pass; one log line per message, written after the
 * commit so it says what is on disk. */
#ifndef TAAWUN_SENDER_SETTLE_H
#define TAAWUN_SENDER_SETTLE_H

#include "store/db.h"

#include "channels/channel.h"
#include "sender/transfer.h"
#include "store/messages.h"

/* Record the results of every request in t->done in one transaction on
 * db, then log and free them. On a database error they stay in t->done
 * for the next pass. seed: the sender's rand_r state for the jitter. */
void settle_done(struct transfers *t, struct db *db, unsigned *seed);

/* Log a message settled without a request (suppressed, expired, or the
 * sandbox's). provider_id NULL when none; reason NULL when none. */
void settle_log(const struct channel_settings *ch, const struct outbox_row *row,
                const char *outcome, const char *reason, const char *provider_id);

#endif
