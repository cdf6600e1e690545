/* slow_fsync.c -- an LD_PRELOAD shim for `make bench` (section sms_in): every
 * fsync() and fdatasync() waits TAAWUN_BENCH_FSYNC_DELAY_US microseconds
 * (default 5000) before the real call, so a fast disk behaves like a slow
 * one. Used because this machine's kernel has no device-mapper (dm-delay)
 * and a loop device adds no delay of its own. Preloaded into both sides of
 * the comparison (the raw single-row commits and taawund) in the same run.
 * Never linked into taawund. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h> /* the prototypes of fsync and fdatasync */

static long delay_us(void)
{
    static long us = -1;
    if (us < 0) {
        const char *s = getenv("TAAWUN_BENCH_FSYNC_DELAY_US");
        long v = s && *s ? strtol(s, NULL, 10) : 5000;
        us = v < 0 ? 0 : v > 1000000 ? 1000000 : v;
    }
    return us;
}

static void slow_down(void)
{
    long us = delay_us();
    struct timespec ts = {.tv_sec = us / 1000000, .tv_nsec = (us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
        /* interrupted by a signal: sleep what is left */
    }
}

int fsync(int fd)
{
    static int (*real)(int);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "fsync");
    slow_down();
    return real(fd);
}

int fdatasync(int fd)
{
    static int (*real)(int);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "fdatasync");
    slow_down();
    return real(fd);
}
