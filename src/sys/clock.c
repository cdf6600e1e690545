/* clock.c -- clocks in milliseconds and the thread's wait for a core (see
 * clock.h). */
#include "sys/clock.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

double clock_ms(clockid_t which)
{
    struct timespec t;
    clock_gettime(which, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* Each thread's schedstat file descriptor, kept as fd + 1 (0: not open). */
static pthread_key_t schedstat_key;
static pthread_once_t schedstat_once = PTHREAD_ONCE_INIT;
static bool schedstat_keyed;

static void schedstat_close(void *kept)
{
    close((int)((intptr_t)kept - 1));
}

static void schedstat_make_key(void)
{
    schedstat_keyed = pthread_key_create(&schedstat_key, schedstat_close) == 0;
}

static int schedstat_fd(void)
{
    pthread_once(&schedstat_once, schedstat_make_key);
    if (!schedstat_keyed)
        return -1;
    intptr_t kept = (intptr_t)pthread_getspecific(schedstat_key);
    if (kept)
        return (int)(kept - 1);
    int fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && pthread_setspecific(schedstat_key, (void *)(intptr_t)(fd + 1)) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

double clock_runq_ms(void)
{
    int fd = schedstat_fd();
    char buf[96];
    ssize_t n = fd >= 0 ? pread(fd, buf, sizeof buf - 1, 0) : -1;
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    unsigned long long run, wait;
    return sscanf(buf, "%llu %llu", &run, &wait) == 2 ? (double)wait / 1e6 : 0;
}
