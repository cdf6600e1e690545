/* config.h -- taawun's configuration: one schema table declares every
 * setting (type, bounds, default, required); config_load() parses a
 * libconfig file against it into an immutable struct config and reports
 * every problem as "FILE:LINE: message".
 *
 * Relative paths in the file are resolved against the file's directory.
 * Secrets are read from the files the config names (see sys/secret.h). */
#ifndef TAAWUN_CONFIG_CONFIG_H
#define TAAWUN_CONFIG_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "channels/channel.h"
#include "core/catalog.h"
#include "core/cidr.h"
#include "core/limits.h"
#include "store/db.h"
#include "sys/log.h"

#define CONFIG_PATH_MAX 512
#define CONFIG_LIST_MAX 32
#define CONFIG_CODE_MAX 32
#define CONFIG_CHANNELS_MAX 16
#define CONFIG_ERRORS_MAX 64

struct listener_config {
    char address[64];
    int port; /* 0: any free port (tests) */
};

struct config {
    char file[CONFIG_PATH_MAX];
    struct {
        char name[64];
        char default_language[CATALOG_LANG_MAX];
        char languages[CATALOG_LANGS_MAX][CATALOG_LANG_MAX];
        size_t nlanguages;
        char timezone[64];
        char country_code[8];
        char messages_dir[CONFIG_PATH_MAX];
        char provinces[CONFIG_LIST_MAX][CONFIG_CODE_MAX];
        size_t nprovinces;
        char sectors[CONFIG_LIST_MAX][CONFIG_CODE_MAX];
        size_t nsectors;
        char demo_data[CONFIG_PATH_MAX]; /* "" when none */
        int min_age;
        int reminder_before_s; /* event reminders this long before the start */
        char send_window[12];  /* "HH:MM-HH:MM" local, "" for none */
        int send_window_open_min, send_window_close_min; /* minutes after local midnight;
                                                            -1: no window */
    } programme;
    struct db_options database;
    char database_synchronous[8]; /* "full" | "normal" */
    struct {
        struct listener_config public_listener;
        struct listener_config admin_listener;
        int threads;
        int connection_timeout_s;
        int request_deadline_s;
        int max_connections;
        int per_ip_connection_limit;
        int connection_memory_limit;
        int max_body_bytes;
        int console_session_idle_s;  /* web console: sign-out after this long idle */
        bool console_secure_cookies; /* web console: cookies marked Secure (behind TLS) */
        /* Reverse proxies whose X-Forwarded-For is believed (http/forwarded):
         * as written, and parsed. */
        char trusted_proxies_text[TRUSTED_PROXIES_MAX][CIDR_TEXT_MAX];
        size_t ntrusted_proxies;
        struct cidr trusted_proxies[TRUSTED_PROXIES_MAX];
    } http;
    struct {
        int session_ttl_s;
        int max_sessions;
        int draft_ttl_s;
    } ussd;
    struct {
        int max_reply_segments; /* an SMS reply never takes more segments */
        int replies_per_hour;   /* answers to one number per hour; the rest are stored only */
        int conversation_ttl_s; /* a guided registration by SMS is forgotten after this */
        int erase_window_s;     /* ERASE must be confirmed within this */
        char outbound_channel[CHANNEL_NAME_MAX]; /* notices and broadcasts to members without
                                                    a real channel of their own; resolved by
                                                    config_trust_check (config/trust.h) */
    } sms;
    char log_level_name[8];
    enum log_level log_level;
    struct channel_settings channels[CONFIG_CHANNELS_MAX];
    size_t nchannels;
};

struct config_errors {
    char lines[CONFIG_ERRORS_MAX][320];
    size_t count;
};

/* Parse and validate the file at path into *out. Returns 0, or -1 with at
 * least one "FILE:LINE: message" in errs. *out is fully initialised on
 * success and must not be used on failure. */
int config_load(const char *path, struct config *out, struct config_errors *errs)
    __attribute__((warn_unused_result));

/* Append an error line (printf-style); used by the catalog loader too. */
void config_error(struct config_errors *errs, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Parse a send window "HH:MM-HH:MM" ("" : none, both -1) into minutes
 * after local midnight (close may be 1440 for "24:00"; open > close spans
 * midnight). Returns 0 or -1. */
int config_send_window_parse(const char *s, int *open_min, int *close_min)
    __attribute__((warn_unused_result));

/* One entry of the schema table, as documentation sees it: what the
 * taawun.conf(5) generator prints, so the manual cannot drift from the
 * parser. Every pointer is borrowed from static storage. */
struct config_schema_entry {
    const char *path;        /* "http.public.port"; elements of a list are "channels.[]" */
    const char *type;        /* "group", "list", "integer", "boolean", "string",
                                "string array", "number" */
    long min, max;           /* integer or number: bounds; string: length in bytes;
                                list or string array: count; group: 0, 0 */
    const char *def;         /* default as written in a file, NULL when there is none */
    bool required;           /* must appear (inside its group or list element) */
    const char *choices;     /* strings: "a|b|c", NULL when any value is allowed */
    const char *description; /* one sentence, NULL when the table has none */
};

/* The schema's entry number i (0, 1, ... in table order) copied into *out;
 * false when i is past the end. Read-only: the table never changes. */
bool config_schema_entry(size_t i, struct config_schema_entry *out);

/* The channel called name, or NULL. Borrowed from cfg. */
const struct channel_settings *config_channel(const struct config *cfg, const char *name);

#endif
