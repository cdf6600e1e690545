/* sender.h -- the sender thread: takes due messages from the outbox, passes
 * each through the send gate and hands it to its channel. Channels reached
 * over HTTP are driven with curl's multi interface (keep-alive, per-channel
 * token bucket and concurrency limit, bulk requests); the sandbox completes
 * its messages without any network.
 *
 * sender/ (sender, claim, pace, transfer, settle) is the only module that
 * knows libcurl. */
#ifndef TAAWUN_SENDER_SENDER_H
#define TAAWUN_SENDER_SENDER_H

struct sender;

/* Start the thread (it reads the current runtime on every pass) and
 * register sender_wake() with store/messages so message_queue() pokes it.
 * NULL on failure (logged). Call once, from the main thread. */
struct sender *sender_start(void);

/* Wake the running sender now (a message was queued); a no-op when none
 * runs. Thread-safe, never blocks for long. Without it the sender still
 * looks every 200 ms. On PostgreSQL the sender also listens for the
 * messages other nodes queue (store/db_notify) and wakes at their commit. */
void sender_wake(void);

/* Stop taking messages, let requests in flight finish for at most
 * grace_ms (those cut short stay 'sending' and are reconciled at the next
 * start), join the thread, free. NULL is a no-op. */
void sender_stop(struct sender *s, int grace_ms);

#endif
