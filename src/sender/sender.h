/* sender.h -- the sender thread: takes due messages from the outbox and
 * hands them to their channel. Today it completes the sandbox channel's
 * messages (recorded as sent, no network); providers reached over HTTP
 * stay queued until their adapters can send (see the channels issue). */
#ifndef TAAWUN_SENDER_SENDER_H
#define TAAWUN_SENDER_SENDER_H

struct sender;

/* Start the thread (it reads the current runtime on every pass). NULL on
 * failure (logged). */
struct sender *sender_start(void);

/* Ask the thread to stop, wait for it, free. NULL is a no-op. */
void sender_stop(struct sender *s);

#endif
