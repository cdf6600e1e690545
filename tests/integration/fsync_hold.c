/* fsync_hold.c -- an LD_PRELOAD shim for tests/integration/test_inbound_crash.py
 * and test_ussd_end.py: a disk that stops acknowledging writes, or fails
 * them. While the file named by
 * TAAWUN_TEST_FSYNC_HOLD exists, every fsync() and fdatasync() waits, before
 * the real call, until the file is gone; the first call held creates
 * NAME.held, so the test knows a sync is being held. Whatever the process
 * answers while its syncs are held was not made durable by them: an inbound
 * SMS acknowledged then was acknowledged before its fsync. While the file
 * named by TAAWUN_TEST_FSYNC_FAIL exists, every fsync() and fdatasync()
 * fails with EIO instead (a commit that cannot be made durable). Built by
 * `make build-tests` without sanitizers; never linked into taawund. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h> /* the prototypes of fsync and fdatasync */

static void hold(void)
{
    const char *path = getenv("TAAWUN_TEST_FSYNC_HOLD");
    if (!path || !*path || access(path, F_OK) != 0)
        return;
    char held[4096];
    snprintf(held, sizeof held, "%s.held", path);
    int fd = open(held, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0)
        close(fd);
    struct timespec pause = {.tv_nsec = 5 * 1000 * 1000};
    while (access(path, F_OK) == 0) {
        struct timespec left = pause;
        while (nanosleep(&left, &left) != 0 && errno == EINTR) {
            /* interrupted by a signal: sleep what is left */
        }
    }
}

/* Whether the syncs fail now: -1 with errno EIO, else 0. */
static int failing(void)
{
    const char *path = getenv("TAAWUN_TEST_FSYNC_FAIL");
    if (!path || !*path || access(path, F_OK) != 0)
        return 0;
    errno = EIO;
    return -1;
}

int fsync(int fd)
{
    static int (*real)(int);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "fsync");
    hold();
    return failing() ? -1 : real(fd);
}

int fdatasync(int fd)
{
    static int (*real)(int);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "fdatasync");
    hold();
    return failing() ? -1 : real(fd);
}
