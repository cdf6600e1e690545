/* config_host.c -- what the config names on this host, checked when the
 * runtime loads (see config_host.h): a start that would fail is refused by
 * `taawund -n` with the same reason. */
#include "config/config_host.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* Whether a listener could bind address: numeric, of a family this host
 * has, and one of its addresses (port 0: any port, so a running daemon on
 * the same config does not make it fail). NULL when it could, else why. */
static const char *listener_problem(const char *address)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t len;
    struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, address, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        len = sizeof *in4;
    } else if (inet_pton(AF_INET6, address, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        len = sizeof *in6;
    } else {
        return "is not a numeric IPv4 or IPv6 address (host names are not resolved: write "
               "127.0.0.1 or ::1 for localhost)";
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return ss.ss_family == AF_INET6 ? "is an IPv6 address and this host has no IPv6"
                                        : "cannot be used (no IPv4 socket)";
    int rc = bind(fd, (struct sockaddr *)&ss, len), err = errno;
    close(fd);
    if (rc == 0 || err == EACCES || err == EADDRINUSE)
        return NULL;
    return err == EADDRNOTAVAIL ? "is not an address of this host" : "cannot be bound";
}

static void check_listeners(const struct config *cfg, struct config_errors *errs, const char *file)
{
    const struct listener_config *ls[] = {&cfg->http.public_listener, &cfg->http.admin_listener};
    for (size_t i = 0; i < 2; i++) {
        const char *why = listener_problem(ls[i]->address);
        if (why)
            config_error(errs, file, 0, "'http.%s.address' \"%s\" %s", i ? "admin" : "public",
                         ls[i]->address, why);
    }
}

static void check_files(const struct config *cfg, struct config_errors *errs, const char *file)
{
    const char *demo = cfg->programme.demo_data;
    struct stat sb;
    errno = 0;
    if (demo[0] && (stat(demo, &sb) != 0 || !S_ISREG(sb.st_mode) || access(demo, R_OK) != 0))
        config_error(errs, file, 0, "'programme.demo_data' \"%s\" is not a readable file (%s)",
                     demo, errno ? strerror(errno) : "not a regular file");
}

int config_check_host(const struct config *cfg, struct config_errors *errs)
{
    size_t before = errs->count;
    check_listeners(cfg, errs, cfg->file);
    check_files(cfg, errs, cfg->file);
    return errs->count == before ? 0 : -1;
}
