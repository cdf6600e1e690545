/* db_lock.c -- one daemon per database: an exclusive flock on PATH.lock,
 * held for the life of the process (see db_lock.h). */
#include "store/db_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "sys/log.h"

int db_lock_exclusive(const char *path)
{
    char lock_path[600], q[640];
    snprintf(lock_path, sizeof lock_path, "%s.lock", path);
    int fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        log_error("db_lock_failed", "path=%s error=%s", log_quote(lock_path, q, sizeof q),
                  strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int err = errno;
        char pid[24] = "";
        ssize_t n = pread(fd, pid, sizeof pid - 1, 0);
        pid[n > 0 ? n : 0] = '\0';
        pid[strspn(pid, "0123456789")] = '\0';
        close(fd);
        if (err == EWOULDBLOCK)
            log_error("db_in_use",
                      "path=%s pid=%s reason=\"another taawund serves this database; stop it "
                      "first\"",
                      log_quote(path, q, sizeof q), pid[0] ? pid : "unknown");
        else
            log_error("db_lock_failed", "path=%s error=%s", log_quote(lock_path, q, sizeof q),
                      strerror(err));
        return -1;
    }
    char pid[24];
    int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)len, 0) != len)
        log_warn("db_lock_pid_not_written", "path=%s", log_quote(lock_path, q, sizeof q));
    return 0; /* fd stays open: the lock lives as long as the process */
}
