/* secret.c -- reading secret files with a permission check, and comparing
 * presented secrets in constant time (OpenSSL's CRYPTO_memcmp). */
#include "sys/secret.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int secret_read_file(const char *path, char *out, char *why, size_t whysz)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        snprintf(why, whysz, "cannot open secret file %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        snprintf(why, whysz, "secret file %s is not a regular file", path);
        close(fd);
        return -1;
    }
    if (sb.st_mode & 077) {
        snprintf(why, whysz,
                 "secret file %s is readable or writable by group or others (mode %04o); "
                 "run: chmod 600 %s",
                 path, (unsigned)(sb.st_mode & 07777), path);
        close(fd);
        return -1;
    }
    char buf[SECRET_MAX + 1];
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    if (n < 0) {
        snprintf(why, whysz, "cannot read secret file %s: %s", path, strerror(errno));
        return -1;
    }
    size_t len = (size_t)n;
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' '))
        len--;
    if (len == 0 || len >= SECRET_MAX) {
        snprintf(why, whysz, "secret file %s must hold 1 to %d bytes", path, SECRET_MAX - 1);
        return -1;
    }
    if (memchr(buf, '\0', len)) {
        snprintf(why, whysz, "secret file %s holds a NUL byte", path);
        return -1;
    }
    memcpy(out, buf, len);
    out[len] = '\0';
    OPENSSL_cleanse(buf, sizeof buf);
    return 0;
}

bool secret_equal(const char *expected, const char *presented, size_t presented_len)
{
    /* Compare digests so the comparison length never depends on the input,
     * and a length mismatch leaks nothing about the content. */
    unsigned char a[SHA256_DIGEST_LENGTH], b[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)expected, strlen(expected), a);
    SHA256((const unsigned char *)presented, presented_len, b);
    return CRYPTO_memcmp(a, b, sizeof a) == 0;
}
