/* schema.c -- every setting taawun knows, declared once: path, type,
 * bounds, default, and the field of struct config (or of a channel) that
 * receives it. The man page taawun.conf(5) is generated from this table. */
#include "config/schema.h"

#include "config/settings.h"
#include "core/limits.h"

#define CFG(field) IN_CONFIG, offsetof(struct config, field), sizeof(((struct config *)0)->field)
#define CFG_LIST(field, count)                                                                     \
    IN_CONFIG, offsetof(struct config, field), sizeof(((struct config *)0)->field[0]),             \
        offsetof(struct config, count)
#define CHN(field)                                                                                 \
    IN_CHANNEL, offsetof(struct channel_settings, field),                                          \
        sizeof(((struct channel_settings *)0)->field)
#define CHN_LIST(field, count)                                                                     \
    IN_CHANNEL, offsetof(struct channel_settings, field),                                          \
        sizeof(((struct channel_settings *)0)->field[0]), offsetof(struct channel_settings, count)
#define NONE IN_NONE, 0, 0

/* Every setting taawun knows. Keep README.md's "Configuration" in step. */
const struct option config_schema[] = {
    {"programme", OPT_GROUP, 0, 0, NULL, true, NONE, 0, NULL},
    {"programme.name", OPT_STRING, 1, 63, "Taawun", false, CFG(programme.name), 0, NULL},
    {"programme.default_language", OPT_STRING, 2, 7, "ar", false, CFG(programme.default_language),
     0, NULL},
    {"programme.languages", OPT_STRING_LIST, 1, CATALOG_LANGS_MAX, NULL, true,
     CFG_LIST(programme.languages, programme.nlanguages), NULL},
    {"programme.timezone", OPT_STRING, 1, 63, "Africa/Casablanca", false, CFG(programme.timezone),
     0, NULL},
    {"programme.country_code", OPT_STRING, 1, 3, "212", false, CFG(programme.country_code), 0,
     NULL},
    {"programme.messages_dir", OPT_STRING, 1, CONFIG_PATH_MAX - 1, "messages", false,
     CFG(programme.messages_dir), 0, NULL},
    {"programme.provinces", OPT_STRING_LIST, 1, CONFIG_LIST_MAX, NULL, true,
     CFG_LIST(programme.provinces, programme.nprovinces), NULL},
    {"programme.sectors", OPT_STRING_LIST, 1, CONFIG_LIST_MAX, NULL, true,
     CFG_LIST(programme.sectors, programme.nsectors), NULL},
    {"programme.demo_data", OPT_STRING, 0, CONFIG_PATH_MAX - 1, "", false, CFG(programme.demo_data),
     0, NULL},
    {"programme.min_age", OPT_INT, 10, 30, "15", false, CFG(programme.min_age), 0, NULL},
    {"programme.reminder_before_s", OPT_INT, REMINDER_LEAD_MIN_S, REMINDER_LEAD_MAX_S, "86400",
     false, CFG(programme.reminder_before_s), 0, NULL},
    /* Quiet hours: broadcasts and reminders go out only inside "HH:MM-HH:MM"
     * local time ("": any time). */
    {"programme.send_window", OPT_STRING, 0, 11, "", false, CFG(programme.send_window), 0, NULL},

    {"database", OPT_GROUP, 0, 0, NULL, true, NONE, 0, NULL},
    {"database.engine", OPT_STRING, 1, 10, "sqlite", false, CFG(database_engine), 0,
     "sqlite|postgresql"},
    {"database.path", OPT_STRING, 0, CONFIG_PATH_MAX - 1, "", false, CFG(database.path), 0, NULL},
    {"database.conninfo", OPT_STRING, 0, sizeof(((struct db_options *)0)->conninfo) - 1, "", false,
     CFG(database.conninfo), 0, NULL},
    {"database.synchronous", OPT_STRING, 1, 7, "full", false, CFG(database_synchronous), 0,
     "full|normal"},
    {"database.busy_timeout_ms", OPT_INT, 0, 60000, "5000", false, CFG(database.busy_timeout_ms), 0,
     NULL},

    {"http", OPT_GROUP, 0, 0, NULL, false, NONE, 0, NULL},
    {"http.public", OPT_GROUP, 0, 0, NULL, false, NONE, 0, NULL},
    {"http.public.address", OPT_STRING, 1, 63, "0.0.0.0", false, CFG(http.public_listener.address),
     0, NULL},
    {"http.public.port", OPT_INT, 0, 65535, "8080", false, CFG(http.public_listener.port), 0, NULL},
    {"http.admin", OPT_GROUP, 0, 0, NULL, false, NONE, 0, NULL},
    {"http.admin.address", OPT_STRING, 1, 63, "127.0.0.1", false, CFG(http.admin_listener.address),
     0, NULL},
    {"http.admin.port", OPT_INT, 0, 65535, "8081", false, CFG(http.admin_listener.port), 0, NULL},
    {"http.admin.session_idle_s", OPT_INT, 60, 86400, "1800", false,
     CFG(http.console_session_idle_s), 0, NULL},
    {"http.admin.secure_cookies", OPT_BOOL, 0, 0, "false", false, CFG(http.console_secure_cookies),
     0, NULL},
    {"http.threads", OPT_INT, 1, 64, "4", false, CFG(http.threads), 0, NULL},
    {"http.connection_timeout_s", OPT_INT, 1, 300, "15", false, CFG(http.connection_timeout_s), 0,
     NULL},
    {"http.request_deadline_s", OPT_INT, 1, 300, "10", false, CFG(http.request_deadline_s), 0,
     NULL},
    {"http.max_connections", OPT_INT, 8, 65536, "1024", false, CFG(http.max_connections), 0, NULL},
    {"http.per_ip_connection_limit", OPT_INT, 1, 65536, "64", false,
     CFG(http.per_ip_connection_limit), 0, NULL},
    {"http.connection_memory_limit", OPT_INT, 8192, 1048576, "65536", false,
     CFG(http.connection_memory_limit), 0, NULL},
    {"http.max_body_bytes", OPT_INT, 256, HTTP_BODY_CEILING, "65536", false,
     CFG(http.max_body_bytes), 0, NULL},
    {"http.trusted_proxies", OPT_CIDR_LIST, 0, TRUSTED_PROXIES_MAX, NULL, false,
     CFG_LIST(http.trusted_proxies_text, http.ntrusted_proxies), NULL},

    {"ussd", OPT_GROUP, 0, 0, NULL, false, NONE, 0, NULL},
    {"ussd.session_ttl_s", OPT_INT, 1, 3600, "180", false, CFG(ussd.session_ttl_s), 0, NULL},
    {"ussd.max_sessions", OPT_INT, 1, 1000000, "20000", false, CFG(ussd.max_sessions), 0, NULL},
    {"ussd.draft_ttl_s", OPT_INT, 60, 30 * 86400, "86400", false, CFG(ussd.draft_ttl_s), 0, NULL},

    {"sms", OPT_GROUP, 0, 0, NULL, false, NONE, 0, NULL},
    {"sms.max_reply_segments", OPT_INT, 1, SMS_REPLY_SEGMENTS_CEILING, "2", false,
     CFG(sms.max_reply_segments), 0, NULL},
    {"sms.replies_per_hour", OPT_INT, 1, 1000, "20", false, CFG(sms.replies_per_hour), 0, NULL},
    {"sms.conversation_ttl_s", OPT_INT, 60, 7 * 86400, "1800", false, CFG(sms.conversation_ttl_s),
     0, NULL},
    {"sms.erase_window_s", OPT_INT, 30, 86400, "600", false, CFG(sms.erase_window_s), 0, NULL},
    {"sms.outbound_channel", OPT_STRING, 0, CHANNEL_NAME_MAX - 1, "", false,
     CFG(sms.outbound_channel), 0, NULL},

    {"broadcasts", OPT_GROUP, 0, 0, NULL, false, NONE, 0, NULL},
    {"broadcasts.approval_recipients", OPT_INT, 0, 100000000, "0", false,
     CFG(broadcasts.approval_recipients), 0, NULL},
    {"broadcasts.approval_cost_mad", OPT_FLOAT, 0, 100000000, "0", false,
     CFG(broadcasts.approval_cost_mad), 0, NULL},

    {"retention", OPT_GROUP, 0, 0, NULL, false, NONE, 0, NULL},
    {"retention.messages_days", OPT_INT, 0, 36500, "395", false, CFG(retention.messages_days), 0,
     NULL},
    {"retention.inbound_parts_days", OPT_INT, 1, 365, "7", false, CFG(retention.inbound_parts_days),
     0, NULL},
    {"retention.drafts_days", OPT_INT, 1, 3650, "30", false, CFG(retention.drafts_days), 0, NULL},
    {"retention.audit_days", OPT_INT, 0, 36500, "730", false, CFG(retention.audit_days), 0, NULL},
    {"retention.console_sessions_days", OPT_INT, 1, 3650, "7", false,
     CFG(retention.console_sessions_days), 0, NULL},
    {"retention.ussd_session_ends_days", OPT_INT, 0, 36500, "90", false,
     CFG(retention.ussd_session_ends_days), 0, NULL},
    {"retention.archive_dir", OPT_STRING, 0, CONFIG_PATH_MAX - 1, "", false,
     CFG(retention.archive_dir), 0, NULL},

    {"log", OPT_GROUP, 0, 0, NULL, false, NONE, 0, NULL},
    {"log.level", OPT_STRING, 1, 7, "info", false, CFG(log_level_name), 0, "debug|info|warn|error"},
    {"log.format", OPT_STRING, 1, 7, "logfmt", false, CFG(log_format_name), 0, "logfmt|json"},

    {"channels", OPT_LIST, 1, CONFIG_CHANNELS_MAX, NULL, true, NONE, 0, NULL},
    {"channels.[]", OPT_GROUP, 0, 0, NULL, false, NONE, 0, NULL},
    {"channels.[].name", OPT_STRING, 1, CHANNEL_NAME_MAX - 1, NULL, true, CHN(name), 0, NULL},
    {"channels.[].type", OPT_STRING, 1, 23, NULL, true, CHN(type), 0, NULL},
    {"channels.[].ussd_code", OPT_STRING, 0, 31, "", false, CHN(ussd_code), 0, NULL},
    {"channels.[].ussd_screen_max", OPT_INT, 40, USSD_SCREEN_MAX_GSM7, "182", false,
     CHN(ussd_screen_max), 0, NULL},
    {"channels.[].ussd_screen_max_ucs2", OPT_INT, 20, USSD_SCREEN_MAX_UCS2, "80", false,
     CHN(ussd_screen_max_ucs2), 0, NULL},
    {"channels.[].secret_file", OPT_STRING, 1, CONFIG_PATH_MAX - 1, NULL, false, NONE, 0, NULL},
    {"channels.[].allow_from", OPT_STRING_LIST, 0, CHANNEL_ALLOW_MAX, NULL, false,
     CHN_LIST(allow_from, nallow), NULL},
    {"channels.[].base_url", OPT_STRING, 0, CHANNEL_URL_MAX - 1, "", false, CHN(base_url), 0, NULL},
    {"channels.[].username", OPT_STRING, 0, CHANNEL_CRED_MAX - 1, "", false, CHN(username), 0,
     NULL},
    {"channels.[].api_key_file", OPT_STRING, 1, CONFIG_PATH_MAX - 1, NULL, false, NONE, 0, NULL},
    {"channels.[].sender_id", OPT_STRING, 0, 47, "", false, CHN(sender_id), 0, NULL},
    {"channels.[].public_url", OPT_STRING, 0, CHANNEL_URL_MAX - 1, "", false, CHN(public_url), 0,
     NULL},
    {"channels.[].signature_secret_file", OPT_STRING, 1, CONFIG_PATH_MAX - 1, NULL, false, NONE, 0,
     NULL},
    {"channels.[].signature_method", OPT_STRING, 1, 15, "md5hash", false, CHN(signature_method), 0,
     "md5hash|md5|sha1|sha256|sha512"},
    {"channels.[].kannel_smsc", OPT_STRING, 0, 31, "", false, CHN(kannel_smsc), 0, NULL},
    {"channels.[].dlr_mask", OPT_INT, 0, 63, "31", false, CHN(dlr_mask), 0, NULL},
    {"channels.[].throughput_per_s", OPT_INT, 1, 100000, "20", false, CHN(throughput_per_s), 0,
     NULL},
    {"channels.[].concurrency", OPT_INT, 1, 256, "8", false, CHN(concurrency), 0, NULL},
    {"channels.[].max_attempts", OPT_INT, 1, 100, "8", false, CHN(max_attempts), 0, NULL},
    {"channels.[].retry_base_s", OPT_INT, 1, 3600, "5", false, CHN(retry_base_s), 0, NULL},
    {"channels.[].retry_max_s", OPT_INT, 1, 86400, "900", false, CHN(retry_max_s), 0, NULL},
    {"channels.[].expiry_s", OPT_INT, 60, CHANNEL_EXPIRY_MAX_S, "86400", false, CHN(expiry_s), 0,
     NULL},
    {"channels.[].request_timeout_s", OPT_INT, 1, 120, "15", false, CHN(request_timeout_s), 0,
     NULL},
    {"channels.[].price_per_segment_mad", OPT_FLOAT, 0, 1000, "0", false,
     CHN(price_per_segment_mad), 0, NULL},
    {"channels.[].monthly_budget_mad", OPT_FLOAT, 0, 100000000, "0", false, CHN(monthly_budget_mad),
     0, NULL},
};

const size_t config_schema_size = sizeof config_schema / sizeof config_schema[0];

_Static_assert(sizeof config_schema / sizeof config_schema[0] <= CONFIG_SCHEMA_MAX,
               "raise CONFIG_SCHEMA_MAX");
