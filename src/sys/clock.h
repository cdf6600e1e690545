/* clock.h -- the clocks that time the process's own work, in milliseconds,
 * in one place: a clock_gettime clock (CLOCK_MONOTONIC for durations,
 * CLOCK_THREAD_CPUTIME_ID for the calling thread's CPU time; every
 * monotonic clock of the process reads this one: sys/metrics, sys/log,
 * http/deadline, sender/pace, app/throttle, app/retention), and the calling thread's
 * wait for a core so far, from Linux's /proc/thread-self/schedstat: its
 * file opened once per thread and read with pread (one system call, cheap
 * enough inside a write transaction), closed when the thread ends. */
#ifndef TAAWUN_SYS_CLOCK_H
#define TAAWUN_SYS_CLOCK_H

#include <time.h>

/* Clock which now, in ms. */
double clock_ms(clockid_t which);

/* The calling thread's time spent runnable but waiting for a core, in ms
 * since it started; 0 where schedstat cannot be read. */
double clock_runq_ms(void);

#endif
