/* settings.h -- the parsed configuration as the rest of taawun reads it:
 * struct config and its bounds. Filled only by config_load (config.h) from
 * the schema table (config/schema.c); immutable afterwards. */
#ifndef TAAWUN_CONFIG_SETTINGS_H
#define TAAWUN_CONFIG_SETTINGS_H

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
    char database_engine[12];     /* "sqlite" | "postgresql": database.engine set from it */
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
    struct {
        /* A broadcast to more recipients, or costing more (MAD), waits for a
         * second staff member's approval (app/approval); 0: never. */
        int approval_recipients;
        double approval_cost_mad;
    } broadcasts;
    struct {
        /* Days each kind of row is kept (app/retention); 0 where the schema
         * allows it: kept forever. */
        int messages_days;
        int inbound_parts_days;
        int drafts_days;
        int audit_days;
        int console_sessions_days;
        int ussd_session_ends_days;
        char archive_dir[CONFIG_PATH_MAX]; /* resolved; "" in the file: beside the database */
    } retention;
    char log_level_name[8];
    enum log_level log_level;
    char log_format_name[8];
    enum log_format log_format;
    struct channel_settings channels[CONFIG_CHANNELS_MAX];
    size_t nchannels;
};

#endif
