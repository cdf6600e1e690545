/* expander.h -- the thread that expands large broadcasts into the outbox
 * in chunks (app/broadcast_expand), so no write transaction holds the
 * database's write lock long: each chunk covers a range of member ids
 * sized to take about EXPAND_CHUNK_TARGET_MS (core/limits.h, app/
 * expand_span) and stops early once its hold passes that, then the
 * thread pauses EXPAND_PAUSE_MS so the other writers (USSD steps, inbound
 * SMS, the sender) take their turn. Broadcasts expanding at once are
 * served a chunk each in turn. The sender sends the chunks already
 * written while the rest are written.
 *
 * It starts by resuming what a stopped or killed daemon left expanding
 * (the cursor is stored), is woken by expander_wake() when a send begins
 * one, and looks again every EXPAND_POLL_MS in case a wake was missed or
 * a chunk failed. When a broadcast is done it logs broadcast_expanded
 * with the chunks, the longest and mean write hold (with its COMMIT, CPU
 * time and wait for a core), the chunks held past EXPAND_HOLD_LIMIT_MS,
 * the waits for a long WAL and the time taken.
 *
 * Test build only (-DTAAWUN_TEST_HOOKS, taawund-test): the environment
 * variables TAAWUN_TEST_EXPAND_SPAN (member ids per chunk, fixed, never
 * cut short) and TAAWUN_TEST_EXPAND_PAUSE_MS (the pause between chunks),
 * read once at start, let tests act while an expansion is under way;
 * TAAWUN_TEST_EXPAND_WAL_PAGES puts EXPAND_WAL_PAGES lower, so a test's
 * small WAL makes each chunk wait for it. */
#ifndef TAAWUN_APP_EXPANDER_H
#define TAAWUN_APP_EXPANDER_H

#define EXPANDER_SPAN_ENV "TAAWUN_TEST_EXPAND_SPAN"
#define EXPANDER_PAUSE_ENV "TAAWUN_TEST_EXPAND_PAUSE_MS"
#define EXPANDER_WAL_PAGES_ENV "TAAWUN_TEST_EXPAND_WAL_PAGES"

struct expander;

/* Start the thread. Returns NULL (logged) on failure. */
struct expander *expander_start(void);

/* Stop it after the chunk under way (its cursor is stored); NULL is a
 * no-op. */
void expander_stop(struct expander *x);

/* A broadcast began expanding (or may have): look now. Safe from any
 * thread, also inside the write transaction that began it (the thread
 * waits for that transaction's end before looking), and when no expander
 * runs. */
void expander_wake(void);

#endif
