/* scheduler.h -- the periodic tick that does what is due by the clock:
 * event reminders (app/programme), occurrences of recurring broadcasts
 * (app/recurrence), scheduled broadcasts and the release of
 * messages held for the send window (app/broadcast), and the retention
 * pass (app/retention). It runs on its own thread every
 * SCHEDULER_TICK_MS and reads the configuration through hooks supplied by
 * the edge that owns it (main.c), so this layer never sees config/.
 *
 * The clock: scheduler_now() is the real time. Only in a test build
 * (compiled with -DTAAWUN_TEST_HOOKS: the Makefile's $(BUILD)/taawund-test,
 * never installed) the environment variable TAAWUN_TEST_NOW_FILE may name a
 * file when the scheduler starts; then every tick reads the time (unix
 * seconds, decimal) from that file and skips the tick while the file is
 * missing or unreadable. It is read once, at start, from the process
 * environment only: nothing on the network can move the clock. Tests use
 * it to drive reminders without sleeping. The production taawund ignores
 * the variable (tests/integration/test_broadcasts.py proves it). */
#ifndef TAAWUN_APP_SCHEDULER_H
#define TAAWUN_APP_SCHEDULER_H

#include <stdbool.h>
#include <stdint.h>

#include "app/programme.h"

#define SCHEDULER_TICK_MS 1000
#define SCHEDULER_TEST_TICK_MS 100 /* with TAAWUN_TEST_NOW_FILE */
#define SCHEDULER_REMINDERS_PER_TICK 500
#define SCHEDULER_NOW_ENV "TAAWUN_TEST_NOW_FILE"

/* Fill env from the current configuration; *hold is passed back to the
 * release hook. Returns false when no configuration is available. */
typedef bool (*scheduler_env_acquire)(void *ctx, struct notice_env *env, void **hold);
typedef void (*scheduler_env_release)(void *hold);

struct scheduler;

/* Start the tick thread. Returns NULL (logged) on failure. */
struct scheduler *scheduler_start(scheduler_env_acquire acquire, scheduler_env_release release,
                                  void *ctx);

/* Stop and join (NULL is a no-op). */
void scheduler_stop(struct scheduler *s);

/* The scheduler's clock: 0 with *now set, or -1 when the test clock file
 * cannot be read (the tick is skipped). */
int scheduler_now(const struct scheduler *s, int64_t *now) __attribute__((warn_unused_result));

/* The same clock for code that has no scheduler at hand (the admin API
 * deciding whether the send window is open, validating a schedule): in a
 * test build the file named by TAAWUN_TEST_NOW_FILE in the process
 * environment, read at the first call, else real time. 0 with *now set, or
 * -1. */
int scheduler_clock(int64_t *now) __attribute__((warn_unused_result));

/* One tick at now with env: reminders due, recurring broadcasts'
 * occurrences due (created and committed first), scheduled broadcasts due, and
 * messages held for the send window released when it is open. Returns 0
 * or -1. */
int scheduler_tick(const struct notice_env *env, int64_t now) __attribute__((warn_unused_result));

#endif
