/* main.c -- taawund: parse the command line, load and check the config,
 * open and migrate the database, start the listeners and the sender, then
 * wait for signals: SIGHUP reloads, SIGTERM/SIGINT stop cleanly. */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "api/api.h"
#include "api/metrics.h"
#include "app/expander.h"
#include "app/scheduler.h"
#include "app/ussd.h"
#include "cmd/backup.h"
#include "cmd/migrate_store.h"
#include "cmd/token.h"
#include "cmd/user.h"
#include "console/api.h"
#include "console/console.h"
#include "core/limits.h"
#include "hooks/hooks.h"
#include "http/forwarded.h"
#include "http/server.h"
#include "runtime/env.h"
#include "runtime/runtime.h"
#include "sender/sender.h"
#include "store/db.h"
#include "store/db_checkpoint.h"
#include "store/db_group.h"
#include "store/db_lock.h"
#include "store/nodes.h"
#include "store/messages.h"
#include "sys/log.h"
#include "sys/log_summary.h"
#include "sys/metrics.h"

#define DEFAULT_CONFIG "/etc/taawun/taawun.conf"
#define STOP_GRACE_MS 10000
#define SENDER_STOP_GRACE_MS 5000 /* requests in flight may finish this long */

static void usage(FILE *f)
{
    fprintf(f, "usage: taawund [-c FILE] [-n] [-d] [-h] [--version]\n"
               "       taawund token|user|backup|restore|migrate-store ... (each with -h)\n"
               "  -c FILE    configuration file (default " DEFAULT_CONFIG ")\n"
               "  -n         check the configuration and text catalogs, then exit 0 or 1\n"
               "  -d         debug: log level debug (taawund always runs in the foreground)\n"
               "  -h         this help\n"
               "  --version  print the version\n"
               "Signals: SIGHUP reloads the configuration, SIGTERM/SIGINT stop cleanly.\n");
}

static void print_errors(const struct config_errors *e, const char *prefix)
{
    for (size_t i = 0; i < e->count; i++)
        fprintf(stderr, "%s%s\n", prefix, e->lines[i]);
}

static void log_errors(const struct config_errors *e, enum log_level level, const char *event)
{
    for (size_t i = 0; i < e->count; i++) {
        char q[400];
        log_event(level, event, "detail=%s", log_quote(e->lines[i], q, sizeof q));
    }
}

/* Who is calling (http/forwarded): the socket peer, or, when the peer is
 * one of the current config's http.trusted_proxies, the client its
 * X-Forwarded-For names. Throttling, allow_from and logs all read
 * req->client, so all see the same address. */
static const struct sockaddr *client_address(const struct http_request *req,
                                             struct sockaddr_storage *storage)
{
    const char *xff = http_request_header_last(req, HTTP_FORWARDED_HEADER);
    if (!xff)
        return req->client;
    struct runtime *rt = runtime_acquire();
    if (!rt)
        return req->client;
    struct cidr_addr a;
    int rc = http_forwarded_client(req->client, xff, rt->cfg.http.trusted_proxies,
                                   rt->cfg.http.ntrusted_proxies, &a);
    runtime_release(rt);
    return rc == 0 ? http_forwarded_sockaddr(&a, storage) : req->client;
}

/* The metrics label of a console path (see http_response.route): its
 * three resources by name, any other path as the files' pattern. */
static void console_route(const char *path, struct http_response *resp)
{
    static const char *const named[] = {"/console/login", "/console/logout", "/console/session"};
    const char *route = "/console/{file}";
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
        if (strcmp(path, named[i]) == 0)
            route = named[i];
    snprintf(resp->route, sizeof resp->route, "%s", route);
}

/* The route function of both listeners (see http_server_start): on the
 * admin listener, /api/... goes to the admin API and /console/... to the web
 * console; everything else (/healthz, and /hooks/... on the public listener)
 * to the webhooks, which answer 404 to what they do not know. ctx is the
 * struct hooks_ctx. */
static void route(void *ctx, const struct http_request *peer_req, struct http_response *resp)
{
    struct http_request r = *peer_req, *req = &r;
    struct sockaddr_storage client;
    req->client = client_address(peer_req, &client);
    if (req->listener == HTTP_ADMIN && api_path_is(req->path))
        api_handle(req, resp); /* the public listener never serves /api */
    else if (req->listener == HTTP_ADMIN && api_metrics_path_is(req->path))
        api_metrics_handle(req, resp); /* Prometheus, admin listener only */
    else if (req->listener == HTTP_ADMIN && console_path_is(req->path))
        console_handle(req, resp); /* the web console, admin listener only */
    else
        hooks_handle(ctx, req, resp);
    if (!resp->route[0] && req->listener == HTTP_ADMIN && console_path_is(req->path))
        console_route(req->path, resp);
}

/* The web console on top of the admin API: its session cookie
 * authenticates API requests without a bearer token, and it adds its own
 * API resources (the phone simulator steps through sessions). Before the
 * listeners start. Returns 0 or -1. */
static int wire_console(struct ussd_sessions *sessions)
{
    api_set_session_auth(console_authenticate);
    console_api_set_sessions(sessions);
    api_metrics_set_sessions(sessions);
    if (api_add_routes(console_api_routes) != 0) {
        log_error("startup", "detail=\"too many API route tables\"");
        return -1;
    }
    return 0;
}

static struct http_server *start_listener(const struct config *cfg, enum http_listener which,
                                          struct hooks_ctx *rc)
{
    const struct listener_config *lc =
        which == HTTP_PUBLIC ? &cfg->http.public_listener : &cfg->http.admin_listener;
    struct http_server_options opt = {
        .listener = which,
        .address = lc->address,
        .port = lc->port,
        .threads = which == HTTP_PUBLIC ? cfg->http.threads : 2,
        .connection_timeout_s = cfg->http.connection_timeout_s,
        .request_deadline_s = cfg->http.request_deadline_s,
        .max_connections = cfg->http.max_connections,
        .per_ip_connection_limit = cfg->http.per_ip_connection_limit,
        .connection_memory_limit = cfg->http.connection_memory_limit,
        .max_body_bytes = (size_t)cfg->http.max_body_bytes,
    };
    struct http_server *s = http_server_start(&opt, route, rc);
    if (s)
        log_info("listening", "listener=%s addr=%s port=%d",
                 which == HTTP_PUBLIC ? "public" : "admin", lc->address, http_server_port(s));
    return s;
}

/* -d: debug whatever log.level says, reloads included. */
static bool log_debug_forced;

/* The log's level and format as cfg sets them (at start and on reload). */
static void apply_log_settings(const struct config *cfg)
{
    log_set_format(cfg->log_format);
    log_set_level(log_debug_forced ? LOG_DEBUG : cfg->log_level);
}

/* Reload on SIGHUP: a valid new config replaces the old one; an invalid one
 * is logged and ignored. Listener and database settings need a restart. */
static void reload(const char *path, struct ussd_sessions *sessions)
{
    struct config_errors *errs = calloc(2, sizeof *errs);
    if (!errs)
        return;
    struct runtime *rt = runtime_load(path, &errs[0], &errs[1]);
    if (!rt) {
        log_errors(&errs[0], LOG_ERROR, "config_error");
        log_warn("reload", "status=rejected reason=\"invalid configuration; keeping the old one\"");
        free(errs);
        return;
    }
    log_errors(&errs[1], LOG_WARN, "text_fallback");
    struct runtime *old = runtime_acquire();
    if (old) {
        const struct config *a = &old->cfg, *b = &rt->cfg;
        if (memcmp(&a->database, &b->database, sizeof a->database) != 0 ||
            memcmp(&a->http.public_listener, &b->http.public_listener,
                   sizeof a->http.public_listener) != 0 ||
            memcmp(&a->http.admin_listener, &b->http.admin_listener,
                   sizeof a->http.admin_listener) != 0 ||
            a->http.threads != b->http.threads ||
            strcmp(a->programme.timezone, b->programme.timezone) != 0)
            log_warn("reload_partial",
                     "detail=\"listener, database and time zone changes take effect on restart\"");
        runtime_release(old);
    }
    apply_log_settings(&rt->cfg);
    ussd_sessions_configure(sessions, (size_t)rt->cfg.ussd.max_sessions,
                            rt->cfg.ussd.session_ttl_s);
    runtime_publish(rt);
    log_info("reload", "status=ok channels=%zu", rt->cfg.nchannels);
    free(errs);
}

/* What the command line asks for. */
struct options {
    const char *config_path;
    bool check_only; /* -n */
    bool debug;      /* -d */
};

/* Parse the options into o. Returns -1 to go on, or the exit status
 * (0 after --help or --version, 2 on a usage error). */
static int parse_options(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        {"version", no_argument, NULL, 'V'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "c:ndh", longopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            o->config_path = optarg;
            break;
        case 'n':
            o->check_only = true;
            break;
        case 'd':
            o->debug = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("taawund %s\n", TAAWUN_VERSION);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        usage(stderr);
        return 2;
    }
    return -1;
}

/* taawund -n on a PostgreSQL database: connect, and say what answered and
 * which schema it holds (nothing written). 0, or 1 after saying why. */
static int check_database(const struct db_options *opt)
{
    struct db *db = db_open(opt); /* logs why it could not */
    int have = db ? db_schema_found(db) : -1;
    if (have < 0) {
        fprintf(stderr, "database: cannot use it (the line above says why)\n");
        db_close(db);
        return 1;
    }
    char what[64];
    db_describe(db, what, sizeof what);
    db_close(db);
    printf("database OK: %s, schema version %d (this build migrates it to %d)\n", what, have,
           db_schema_version());
    if (have > db_schema_version()) {
        fprintf(stderr, "database: its schema is newer than this build's\n");
        return 1;
    }
    return 0;
}

/* Load the config and its catalogs. With -n, report and return the exit
 * status; otherwise return -1 with *out set (a reference the caller
 * holds), or 1 after printing the errors. */
static int load_config(const struct options *o, struct runtime **out)
{
    struct config_errors *errs = calloc(2, sizeof *errs);
    if (!errs)
        return 1;
    struct runtime *rt = runtime_load(o->config_path, &errs[0], &errs[1]);
    if (o->check_only) {
        print_errors(&errs[1], "warning: ");
        print_errors(&errs[0], "");
        free(errs);
        if (!rt)
            return 1;
        printf("configuration OK\n");
        int status =
            rt->cfg.database.engine == DB_ENGINE_POSTGRESQL ? check_database(&rt->cfg.database) : 0;
        runtime_release(rt);
        return status;
    }
    if (!rt) {
        print_errors(&errs[0], "");
        free(errs);
        return 1;
    }
    log_debug_forced = o->debug;
    apply_log_settings(&rt->cfg);
    log_errors(&errs[1], LOG_WARN, "text_fallback");
    free(errs);
    *out = rt;
    return -1;
}

/* Open and migrate the database, load demo data into an empty one, and
 * settle what a crash left in flight. Returns 0 or -1 (logged). */
static int open_database(const struct config *cfg)
{
    db_pool_init(&cfg->database);
    struct db *db = db_thread(); /* makes the folder; writes nothing yet */
    /* SQLite: one daemon per file, and WAL checkpoints on a thread of their
     * own, never in a write turn. PostgreSQL: a server shared by nodes. */
    bool sqlite = cfg->database.engine == DB_ENGINE_SQLITE;
    if (!db || (sqlite && db_lock_exclusive(cfg->database.path) != 0) ||
        (sqlite && db_checkpointer_start(cfg->database.path) != 0) || db_migrate(db) != 0)
        return -1;
    if (cfg->programme.demo_data[0] && db_load_if_empty(db, cfg->programme.demo_data) < 0)
        return -1;
    /* Messages left 'sending' by a crash may have reached the provider:
     * each is sent at most once more (see src/README.md, "The outbox"). */
    int requeued = 0, lost = 0;
    if (outbox_reconcile_after_crash(db, db_now(), &requeued, &lost) != 0)
        return -1;
    if (requeued || lost)
        log_warn("outbox_reconciled",
                 "requeued=%d failed=%d reason=\"left sending by a crash; requeued ones are sent "
                 "at most once more\"",
                 requeued, lost);
    return 0;
}

/* Between signals, once a second: expired USSD sessions leave the table
 * even when no new session comes to sweep them (ussd_sessions_count
 * sweeps), and once the load has fallen (the table down to a quarter of its
 * peak) the freed memory goes back to the system. glibc returns only the
 * top of a heap: the worker threads' arenas would keep the free chunks of a
 * peak (18 MB after the bench's load). malloc_trim holds each arena's lock
 * while it walks it, about 2 ms per 1,000 freed sessions on a busy machine:
 * a step may wait that long, once per fall. *peak: the most sessions seen
 * since the last trim. */
static void upkeep(struct ussd_sessions *sessions, size_t *peak)
{
    size_t live = ussd_sessions_count(sessions);
    if (live >= *peak) {
        *peak = live;
    } else if (*peak - live >= USSD_TRIM_AFTER_SESSIONS && live <= *peak / 4) {
        double began = metrics_clock();
        malloc_trim(0);
        log_debug("memory_trimmed", "sessions=%zu peak=%zu ms=%.1f", live, *peak,
                  (metrics_clock() - began) * 1000);
        *peak = live;
    }
}

/* Wait for signals: SIGHUP reloads, SIGTERM/SIGINT return. */
static void wait_for_stop(const sigset_t *set, const char *config_path,
                          struct ussd_sessions *sessions)
{
    size_t peak = 0;
    for (;;) {
        const struct timespec upkeep_interval = {1, 0};
        int sig = sigtimedwait(set, NULL, &upkeep_interval);
        if (sig < 0) {
            if (errno == EAGAIN)
                upkeep(sessions, &peak);
            continue;
        }
        if (sig == SIGHUP) {
            reload(config_path, sessions);
            continue;
        }
        log_info("stopping", "signal=%s", sig == SIGTERM ? "TERM" : "INT");
        return;
    }
}

/* Publish rt (takes the reference), start the listeners, the sender and the
 * scheduler, serve until SIGTERM/SIGINT, then stop in order. Returns the
 * exit status. */
static int serve(struct runtime *rt, const char *config_path, const sigset_t *set)
{
    struct ussd_sessions *sessions =
        ussd_sessions_new((size_t)rt->cfg.ussd.max_sessions, rt->cfg.ussd.session_ttl_s);
    struct hooks_ctx rc = {.sessions = sessions};
    struct config startup = rt->cfg;
    runtime_publish(rt);
    int64_t now;
    if (scheduler_clock(&now) == 0)
        log_summary_tick(now); /* the summary's first period starts now */

    /* The group commit's thread, before the listeners: webhooks' writes
     * (inbound SMS, delivery reports, end notices) are committed on it. */
    bool committer = db_group_start() == 0;
    struct http_server *pub = committer && wire_console(sessions) == 0
                                  ? start_listener(&startup, HTTP_PUBLIC, &rc)
                                  : NULL;
    struct http_server *adm = pub ? start_listener(&startup, HTTP_ADMIN, &rc) : NULL;
    struct sender *sender = adm ? sender_start() : NULL;
    if (!pub || !adm || !sender) {
        http_server_stop(adm);
        http_server_stop(pub);
        db_group_stop();
        runtime_publish(NULL);
        ussd_sessions_free(sessions);
        return 1;
    }
    /* Event reminders and other timed work (without it they wait). */
    struct scheduler *scheduler = scheduler_start(runtime_env_acquire, runtime_env_release, NULL);
    /* Large broadcasts written into the outbox in chunks (resumed first). */
    struct expander *expander = expander_start();
    log_info("ready", "version=%s config=%s", TAAWUN_VERSION, config_path);

    wait_for_stop(set, config_path, sessions);
    http_server_quiesce(pub, STOP_GRACE_MS);
    http_server_quiesce(adm, STOP_GRACE_MS);
    http_server_stop(pub);
    http_server_stop(adm);
    db_group_stop(); /* what was queued is committed; the listeners answered 503 already */
    scheduler_stop(scheduler);
    expander_stop(expander);
    sender_stop(sender, SENDER_STOP_GRACE_MS);
    runtime_publish(NULL);
    ussd_sessions_free(sessions);
    if (scheduler_clock(&now) == 0)
        log_summary_flush(now); /* what the last minute counted */
    log_info("stopped", NULL);
    return 0;
}

int main(int argc, char **argv)
{
    /* Member data: the database, its WAL and SHM, its lock, and whatever a
     * subcommand creates are readable by taawund's user only (0600). */
    umask(077);
    metrics_start_time(); /* read now: process_start_time_seconds */
    /* `taawund token ...` manages admin API tokens on the database directly. */
    if (argc >= 2 && strcmp(argv[1], "token") == 0)
        return cmd_token(argc - 1, argv + 1, DEFAULT_CONFIG);
    /* `taawund user ...` manages web console accounts the same way. */
    if (argc >= 2 && strcmp(argv[1], "user") == 0)
        return cmd_user(argc - 1, argv + 1, DEFAULT_CONFIG);
    /* `taawund backup|restore FILE` copy the database out and back. */
    if (argc >= 2 && (strcmp(argv[1], "backup") == 0 || strcmp(argv[1], "restore") == 0))
        return cmd_backup(argc - 1, argv + 1, DEFAULT_CONFIG);
    /* `taawund migrate-store --from FILE` copies a SQLite programme into PostgreSQL. */
    if (argc >= 2 && strcmp(argv[1], "migrate-store") == 0)
        return cmd_migrate_store(argc - 1, argv + 1, DEFAULT_CONFIG);
    struct options o = {.config_path = DEFAULT_CONFIG};
    int status = parse_options(argc, argv, &o);
    if (status >= 0)
        return status;
    struct runtime *rt = NULL;
    status = load_config(&o, &rt);
    if (status >= 0)
        return status;

    /* Local times (birth years, later event times and quiet hours) are the
     * programme's: the whole process runs in its time zone. Logs stay UTC. */
    setenv("TZ", rt->cfg.programme.timezone, 1);
    tzset();

    /* Block the signals we wait for before any thread starts. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* PostgreSQL: this node's lifeline, a connection held for the process's
     * life, whose lock tells the other nodes it is alive (store/nodes). */
    struct db *lifeline = NULL;
    if (open_database(&rt->cfg) != 0 ||
        (rt->cfg.database.engine == DB_ENGINE_POSTGRESQL &&
         (!(lifeline = db_open(&rt->cfg.database)) || nodes_join(lifeline) != 0))) {
        db_close(lifeline);
        db_checkpointer_stop();
        runtime_release(rt);
        return 1;
    }
    status = serve(rt, o.config_path, &set);
    db_checkpointer_stop(); /* the writers have stopped: a last one empties the WAL */
    db_close(lifeline);     /* the node leaves: its lock goes with the connection */
    return status;
}
