/* secret.h -- secrets kept in files only the daemon can read, and compared in
 * constant time. A secret never reaches a log line. */
#ifndef TAAWUN_SYS_SECRET_H
#define TAAWUN_SYS_SECRET_H

#include <stdbool.h>
#include <stddef.h>

#define SECRET_MAX 256

/* Read the secret in path into out (SECRET_MAX bytes, NUL-terminated, the
 * trailing newline removed). Refuses a file that is not a regular file, is
 * readable or writable by group or others, is empty or longer than
 * SECRET_MAX - 1. Returns 0, or -1 with a reason in why (whysz bytes). */
int secret_read_file(const char *path, char *out, char *why, size_t whysz)
    __attribute__((warn_unused_result));

/* Constant-time equality of the expected secret and a presented one: the
 * time depends on the lengths only, never on where they differ. */
bool secret_equal(const char *expected, const char *presented, size_t presented_len);

#endif
