/* config_docs.c -- one sentence per setting of the schema (config.c), for
 * the taawun.conf(5) manual through config_schema_entry. Types, bounds,
 * defaults and choices come from the schema, never from here; a sentence
 * says only what the setting is for. */
#include "config/config_docs.h"

#include <string.h>

static const struct {
    const char *path, *text;
} schema_docs[] = {
    {"programme", "The programme this gateway serves."},
    {"programme.name", "Name used in the {programme} placeholder of the texts."},
    {"programme.default_language", "Language whose text is used when a catalog lacks one."},
    {"programme.languages", "Languages offered to members, in the order of the language menu."},
    {"programme.timezone",
     "Local time of the programme, a name from the system time zone database."},
    {"programme.country_code", "Country of phone numbers typed in local form (06..., 07...)."},
    {"programme.messages_dir", "Directory of the text catalogs (one FILE.conf per language)."},
    {"programme.provinces", "Province codes; their names are the texts provinces.CODE."},
    {"programme.sectors", "Sector codes; their names are the texts sectors.CODE."},
    {"programme.demo_data", "SQL file loaded once into an empty database (\"\": none); it "
                            "must exist when set."},
    {"programme.min_age", "Youngest age accepted at registration."},
    {"programme.reminder_before_s",
     "Event reminders go to members who answered yes this many seconds before the start."},
    {"programme.send_window", "Quiet hours: broadcasts and reminders go out only inside "
                              "\"HH:MM-HH:MM\" local time (\"\": any time)."},
    {"database", "Where the programme's data lives: an SQLite file (the default) or a PostgreSQL "
                 "database that several taawund nodes may share."},
    {"database.engine", "sqlite (a file beside taawund) or postgresql (a server: "
                        "database.conninfo)."},
    {"database.conninfo", "With engine postgresql: a libpq connection string (host=... "
                          "dbname=... user=...). Never a password: give it in libpq's password "
                          "file (passfile=, PGPASSFILE or ~/.pgpass, mode 0600)."},
    {"database.path", "With engine sqlite (required then): the SQLite file; taawund makes its "
                      "folder (mode 0700) if missing, one "
                      "level only."},
    {"database.synchronous", "SQLite's synchronous mode: full survives a power cut."},
    {"database.busy_timeout_ms", "How long a connection waits for a lock before failing."},
    {"http", "The two HTTP listeners."},
    {"http.public", "The webhooks listener, for the aggregators (put it behind TLS)."},
    {"http.public.address", "Numeric IPv4 or IPv6 address of this host the webhooks "
                            "listener binds (no host names)."},
    {"http.public.port", "Port of the webhooks listener (0: any free port)."},
    {"http.admin", "The admin API and web console listener; keep it off public networks."},
    {"http.admin.address", "Numeric IPv4 or IPv6 address of this host the admin listener "
                           "binds (no host names)."},
    {"http.admin.port", "Port of the admin listener (0: any free port)."},
    {"http.admin.session_idle_s", "A web console session unused this many seconds ends."},
    {"http.admin.secure_cookies",
     "Mark the console's session cookie Secure (set it when served over HTTPS)."},
    {"http.threads", "Worker threads of the public listener."},
    {"http.connection_timeout_s", "An idle connection is closed after this many seconds."},
    {"http.request_deadline_s",
     "A request (headers and body) not received within this many seconds loses its connection."},
    {"http.max_connections", "Connections open at once, per listener."},
    {"http.per_ip_connection_limit",
     "Connections open at once from one address; keep it well under max_connections divided by "
     "the addresses an attacker may hold, or raise it behind a proxy (every request then comes "
     "from the proxy)."},
    {"http.connection_memory_limit", "Bytes of memory per connection."},
    {"http.max_body_bytes", "Larger request bodies are answered 413."},
    {"http.trusted_proxies",
     "Reverse proxies (addresses or CIDR prefixes) whose X-Forwarded-For names the client for "
     "throttling, allow_from and logs; from any other peer the header is ignored (empty: none)."},
    {"ussd", "USSD sessions."},
    {"ussd.session_ttl_s", "A USSD session idle this many seconds is forgotten."},
    {"ussd.max_sessions", "Live USSD sessions; beyond it new dials are told the service is busy."},
    {"ussd.draft_ttl_s",
     "An unfinished registration or idea is offered again for this many seconds."},
    {"sms", "SMS commands."},
    {"sms.max_reply_segments", "An SMS reply never takes more segments."},
    {"sms.replies_per_hour",
     "Answers to one number per hour; later messages are stored, not answered."},
    {"sms.conversation_ttl_s", "An unfinished registration by SMS is forgotten after this."},
    {"sms.erase_window_s", "An ERASE request must be confirmed within this many seconds."},
    {"sms.outbound_channel",
     "The channel of notices and broadcasts to members who never used a real channel (\"\": "
     "the only real channel; a test channel only when no real one is configured)."},
    {"broadcasts", "Checks on staff broadcasts before they go."},
    {"broadcasts.approval_recipients",
     "A broadcast to more members than this waits for a second staff member's approval "
     "(0: no threshold)."},
    {"broadcasts.approval_cost_mad",
     "A broadcast whose estimated cost in dirhams is more than this waits for a second staff "
     "member's approval (0: no threshold)."},
    {"retention", "How long rows are kept; the retention pass of the scheduler deletes older "
                  "ones in small batches."},
    {"retention.messages_days",
     "Settled messages older than this many days are copied to a monthly archive file, then "
     "deleted; queued, sending and held messages are kept whatever their age (0: keep all)."},
    {"retention.inbound_parts_days",
     "Parts of multipart inbound SMS still unjoined after this many days are deleted."},
    {"retention.drafts_days", "Unfinished USSD drafts and SMS exchanges are deleted this many "
                              "days after their last change; at least ussd.draft_ttl_s."},
    {"retention.audit_days", "Audit rows older than this many days are deleted (0: keep all)."},
    {"retention.console_sessions_days",
     "Web console sessions are deleted this many days after they ended or went idle."},
    {"retention.ussd_session_ends_days",
     "Providers' end-of-session notices older than this many days are deleted (0: keep all)."},
    {"retention.archive_dir",
     "Folder of the monthly message archives (messages-YYYY-MM.sqlite, mode 0600); made (0700) "
     "if missing, one level only (\"\": archive beside the database)."},
    {"log", "Logging (to stderr)."},
    {"log.level", "Lowest level logged: debug adds a line per message (each USSD step, SMS, "
                  "delivery report and send); info has state changes and a summary of the "
                  "traffic once a minute."},
    {"log.format", "Line format: logfmt (key=value pairs) or json (one object per line)."},
    {"channels", "Connections to aggregators, one group per channel."},
    {"channels.[]", "One channel."},
    {"channels.[].name", "The channel's name, as in /hooks/NAME/KIND."},
    {"channels.[].type",
     "The adapter: sandbox, africastalking, twilio, vonage, infobip or kannel."},
    {"channels.[].ussd_code", "The USSD service code members dial."},
    {"channels.[].ussd_screen_max", "Characters on one USSD screen in GSM-7."},
    {"channels.[].ussd_screen_max_ucs2", "Characters on one USSD screen in UCS-2 (any Arabic)."},
    {"channels.[].secret_file",
     "File (mode 0600) holding the webhook secret callers give as ?key= or a last path segment."},
    {"channels.[].allow_from",
     "Numeric addresses or CIDR prefixes (203.0.113.0/24, 2001:db8::/32; no host names, no "
     "host bits after the prefix) allowed to call the webhooks (empty: any)."},
    {"channels.[].base_url", "The provider's API base URL."},
    {"channels.[].username", "Account name, AccountSid, API key or sendsms user, per type."},
    {"channels.[].api_key_file",
     "File (mode 0600) holding the API key, auth token, API secret or password."},
    {"channels.[].sender_id", "Sender id, short code or number messages come from."},
    {"channels.[].public_url", "taawun's public base URL as the provider calls it (delivery "
                               "report callbacks, Twilio signatures)."},
    {"channels.[].signature_secret_file",
     "Vonage: file (mode 0600) holding the signature secret; every webhook must then be signed."},
    {"channels.[].signature_method", "Vonage: the signature method set in the dashboard."},
    {"channels.[].kannel_smsc", "Kannel: the smsc-id to route sends through (\"\": any)."},
    {"channels.[].dlr_mask", "Kannel: which delivery reports to ask for (31: all, 0: none)."},
    {"channels.[].throughput_per_s",
     "Messages per second to this provider (for bulk providers, recipients)."},
    {"channels.[].concurrency", "Requests to this provider in flight at once."},
    {"channels.[].max_attempts", "Attempts for transient failures before a message is failed."},
    {"channels.[].retry_base_s", "First retry delay, doubled per attempt with jitter."},
    {"channels.[].retry_max_s", "Longest retry delay, a provider's Retry-After included."},
    {"channels.[].expiry_s", "A message not sent by then ends expired."},
    {"channels.[].request_timeout_s", "Total time of one request to the provider."},
    {"channels.[].price_per_segment_mad",
     "Price of one SMS segment in dirhams, for broadcast cost estimates."},
    {"channels.[].monthly_budget_mad",
     "Dirhams the channel may spend in a calendar month of the programme's time zone: a "
     "broadcast whose cost would take the month past it (what providers took, as the channel "
     "costs say, and what waits to go) is refused (0: no budget)."},
};

const char *config_docs_sentence(const char *path)
{
    for (size_t i = 0; i < sizeof schema_docs / sizeof schema_docs[0]; i++)
        if (strcmp(schema_docs[i].path, path) == 0)
            return schema_docs[i].text;
    return NULL;
}

const char *config_docs_path(size_t i)
{
    return i < sizeof schema_docs / sizeof schema_docs[0] ? schema_docs[i].path : NULL;
}
