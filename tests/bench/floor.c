/* floor.c -- the benchmark floor: a bare libmicrohttpd server that answers every
 * request "200 text/plain END ok" after reading its body, with the same threading
 * model and connection limits as taawund, so `make bench` can report taawund's
 * throughput and latency as a ratio of what libmicrohttpd alone does on this machine.
 *
 * Usage: bench_floor PORT [THREADS]   (PORT 0 picks a free port; THREADS defaults to 4)
 * Prints "port=N" on stdout once listening; exits 0 on SIGTERM or SIGINT. */

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define FLOOR_BODY "END ok"
#define FLOOR_DEFAULT_THREADS 4
#define FLOOR_MAX_THREADS 256

/* Same limits as the defaults in conf/taawun.conf (http section). */
#define FLOOR_CONNECTION_TIMEOUT_S 15
#define FLOOR_MAX_CONNECTIONS 1024
#define FLOOR_PER_IP_CONNECTION_LIMIT 256
#define FLOOR_CONNECTION_MEMORY_LIMIT 65536

/* Shared by every connection; MHD reference-counts responses, so queuing it from
 * several pool threads is safe. Created once before the daemon starts. */
static struct MHD_Response *floor_response;

/* A non-NULL marker for *req_cls: "headers seen, body being read". */
static int floor_request_marker;

/* Parses a decimal integer in [min, max] from text; returns 0 or -1. */
static int parse_bounded(const char *text, long min, long max, long *out)
{
    char *end = NULL;
    long value;

    errno = 0;
    value = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < min || value > max)
        return -1;
    *out = value;
    return 0;
}

/* MHD access handler: called once with the headers, then once per body chunk,
 * then once with *upload_data_size == 0 when the body has been read. */
static enum MHD_Result floor_answer(void *cls, struct MHD_Connection *connection, const char *url,
                                    const char *method, const char *version,
                                    const char *upload_data, size_t *upload_data_size,
                                    void **req_cls)
{
    (void)cls;
    (void)url;
    (void)method;
    (void)version;
    (void)upload_data;

    if (*req_cls == NULL) {
        *req_cls = &floor_request_marker;
        return MHD_YES;
    }
    if (*upload_data_size != 0) {
        *upload_data_size = 0; /* body consumed and ignored */
        return MHD_YES;
    }
    return MHD_queue_response(connection, MHD_HTTP_OK, floor_response);
}

int main(int argc, char **argv)
{
    long port = 0;
    long threads = FLOOR_DEFAULT_THREADS;
    struct sockaddr_in addr;
    struct MHD_Daemon *daemon;
    const union MHD_DaemonInfo *info;
    sigset_t stop_signals;
    int signal_number = 0;

    if (argc < 2 || argc > 3 || parse_bounded(argv[1], 0, 65535, &port) != 0 ||
        (argc == 3 && parse_bounded(argv[2], 1, FLOOR_MAX_THREADS, &threads) != 0)) {
        fprintf(stderr,
                "usage: %s PORT [THREADS]  (PORT 0..65535, 0 = any free port; "
                "THREADS 1..%d, default %d)\n",
                argv[0], FLOOR_MAX_THREADS, FLOOR_DEFAULT_THREADS);
        return 2;
    }

    /* Block the stop signals before MHD creates its threads, so that every thread
     * inherits the mask and main() alone receives them through sigwait(). */
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    if (pthread_sigmask(SIG_BLOCK, &stop_signals, NULL) != 0) {
        fprintf(stderr, "bench_floor: cannot block signals\n");
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);

    floor_response = MHD_create_response_from_buffer(strlen(FLOOR_BODY), (void *)FLOOR_BODY,
                                                     MHD_RESPMEM_PERSISTENT);
    if (floor_response == NULL ||
        MHD_add_response_header(floor_response, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain") !=
            MHD_YES) {
        fprintf(stderr, "bench_floor: cannot create the response\n");
        return 1;
    }

    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    daemon = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG, (uint16_t)port, NULL,
        NULL, floor_answer, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)threads, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned int)FLOOR_CONNECTION_TIMEOUT_S, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned int)FLOOR_MAX_CONNECTIONS, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned int)FLOOR_PER_IP_CONNECTION_LIMIT, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)FLOOR_CONNECTION_MEMORY_LIMIT, MHD_OPTION_END);
    if (daemon == NULL) {
        fprintf(stderr, "bench_floor: cannot listen on 127.0.0.1:%ld\n", port);
        MHD_destroy_response(floor_response);
        return 1;
    }

    info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    if (info == NULL || info->port == 0) {
        fprintf(stderr, "bench_floor: cannot learn the bound port\n");
        MHD_stop_daemon(daemon);
        MHD_destroy_response(floor_response);
        return 1;
    }
    printf("port=%u\n", (unsigned int)info->port);
    fflush(stdout);

    while (sigwait(&stop_signals, &signal_number) != 0)
        ;

    MHD_stop_daemon(daemon);
    MHD_destroy_response(floor_response);
    return 0;
}
