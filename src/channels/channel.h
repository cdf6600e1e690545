/* channel.h -- the contract between taawun and an aggregator.
 *
 * A channel is one configured connection to an aggregator (name, type,
 * credentials, limits). Its type selects a struct channel_ops: pure
 * functions that turn the provider's webhook requests into neutral events,
 * neutral replies into the provider's response bodies, outbound messages
 * into request descriptions (method, URL, headers, body) and the provider's
 * answers into neutral send results. Adapters do no I/O: the HTTP edge
 * authenticates and reads bodies, the sender performs requests with curl. */
#ifndef TAAWUN_CHANNELS_CHANNEL_H
#define TAAWUN_CHANNELS_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/form.h"
#include "core/gsm.h"
#include "core/limits.h"
#include "sys/secret.h"

#define CHANNEL_ALLOW_MAX 16
#define CHANNEL_URL_MAX 512
#define CHANNEL_CRED_MAX 128

/* Settings of one channel, as read from the config (immutable). Which
 * fields matter depends on the type; see README.md "Channels". */
struct channel_settings {
    char name[CHANNEL_NAME_MAX];
    char type[24];
    char ussd_code[32];
    int ussd_screen_max;      /* GSM-7 septets per screen */
    int ussd_screen_max_ucs2; /* UCS-2 units per screen */
    bool has_secret;
    char secret[SECRET_MAX];                /* webhook secret (query key= or path token) */
    char allow_from[CHANNEL_ALLOW_MAX][64]; /* addresses or CIDR prefixes */
    size_t nallow;

    /* Sending. */
    char base_url[CHANNEL_URL_MAX];  /* provider API base, e.g. https://api.africastalking.com */
    char username[CHANNEL_CRED_MAX]; /* AT username, Twilio AccountSid, Vonage api_key,
                                        Kannel sendsms user */
    char api_key[SECRET_MAX];        /* AT apiKey, Twilio auth token, Vonage api_secret,
                                        Infobip App key, Kannel password (from api_key_file) */
    bool has_api_key;
    char sender_id[48];                /* from / sender id / Twilio From number or
                                          MessagingServiceSid (MG..., 34 characters) */
    char public_url[CHANNEL_URL_MAX];  /* our public base URL as the provider calls it, e.g.
                                          https://gw.example.org (signatures, callbacks) */
    char signature_secret[SECRET_MAX]; /* Vonage signature secret (from signature_secret_file) */
    bool has_signature_secret;
    char signature_method[16];    /* Vonage: md5hash | md5 | sha1 | sha256 | sha512 */
    char kannel_smsc[32];         /* Kannel: smsc id to route through, optional */
    int dlr_mask;                 /* Kannel: dlr-mask, default 31 */
    int throughput_per_s;         /* token bucket rate */
    int concurrency;              /* requests in flight */
    int max_attempts;             /* retries for transient failures, then failed */
    int retry_base_s;             /* first backoff; doubles each attempt, with jitter */
    int retry_max_s;              /* backoff cap */
    int expiry_s;                 /* a message not sent after this is 'expired' */
    int request_timeout_s;        /* total curl timeout per request */
    double price_per_segment_mad; /* for broadcast cost estimates; 0: unknown */
    double monthly_budget_mad; /* broadcasts refused past it this month (app/approval); 0: none */
};

/* A webhook request as the HTTP edge saw it (all borrowed). */
struct channel_request {
    const char *method;
    const char *path;         /* as received, without the query */
    const char *query_string; /* raw query as received ("" when none) */
    const char *content_type; /* media type only, lower-case, no parameters */
    const char *body;
    size_t body_len;
    const struct form *form;  /* body parsed when form-encoded, else NULL */
    const struct form *query; /* query string parsed, never NULL */
    /* A request header by name (case-insensitive), or NULL. */
    const char *(*header)(void *ctx, const char *name);
    void *header_ctx;
    int64_t received_at; /* our clock when the request arrived (Unix seconds) */
};

/* One step of a USSD session, neutral. Strings borrowed from the request. */
struct ussd_step {
    const char *session_id;
    const char *service_code;
    const char *phone_raw; /* as sent; the app normalises it */
    const char *network_code;
    const char *text; /* every input of the session joined with '*' */
    size_t text_len;
};

/* Why a request was refused (static strings, safe for responses and logs). */
struct channel_error {
    const char *code;    /* "bad_request", "forbidden", ... */
    const char *message; /* for the JSON error body */
    int status;          /* HTTP status to answer; 0 means 400 */
};

/* ---- inbound events (webhooks other than USSD steps) ---- */

enum channel_event_kind { CHANNEL_EVENT_SMS, CHANNEL_EVENT_DLR, CHANNEL_EVENT_USSD_END };

/* Delivery states, ordered: a report only moves a message forward. */
enum delivery_state {
    DELIVERY_UNKNOWN = 0,
    DELIVERY_ACCEPTED,  /* taken by the provider / SMSC */
    DELIVERY_BUFFERED,  /* queued at the SMSC, not final */
    DELIVERY_SENT,      /* sent to the network, not final */
    DELIVERY_DELIVERED, /* final */
    DELIVERY_FAILED,    /* final: undeliverable, rejected, expired at the network */
    DELIVERY_REJECTED,  /* final: refused by the provider/SMSC */
    DELIVERY_EXPIRED,   /* final */
};

struct channel_event {
    enum channel_event_kind kind;
    /* CHANNEL_EVENT_SMS */
    const char *provider_id; /* provider message id, "" when none */
    const char *from_raw;    /* sender as sent */
    const char *to;          /* our number / short code */
    const char *text;        /* valid UTF-8 (converted from UCS-2 when needed) */
    size_t text_len;
    const char *concat_ref; /* multipart: reference shared by the parts, or NULL */
    int concat_total;       /* parts in all (0/1: not multipart) */
    int concat_part;        /* this part, 1-based */
    /* CHANNEL_EVENT_DLR */
    const char *dlr_provider_id; /* provider message id the report is about, or "" */
    int64_t dlr_message_id;      /* our messages.id when the provider echoes it (Kannel
                                    dlr-url, Vonage client-ref, Infobip messageId), else 0 */
    enum delivery_state state;
    const char *error_code; /* provider's error code or reason, or "" */
    /* CHANNEL_EVENT_USSD_END (text: the input the session ended with) */
    const char *session_id;
    const char *status;  /* Success / Incomplete / Failed */
    int64_t duration_ms; /* how long it lasted, -1 when not told */
};

/* The events of one webhook request. Every string of an event points into
 * arena or is a static literal (never freed by itself); none is NULL except
 * concat_ref, and all are valid UTF-8 without NUL bytes. A request may hold
 * no event at all (e.g. a provider's empty test ping): count is then 0. */
struct channel_batch {
    struct channel_event *events;
    size_t count;
    char *arena;
};

/* Frees events and arena and empties *b; NULL and an empty batch are fine. */
void channel_batch_free(struct channel_batch *b);

/* ---- outbound ---- */

struct outbound_message {
    int64_t id;       /* our messages.id */
    const char *to;   /* E.164 */
    const char *text; /* valid UTF-8 */
    enum text_encoding encoding;
};

#define CHANNEL_HTTP_CALL_HEADERS_MAX                                                              \
    12 /* Kannel's POST sendsms takes up to 9 X-Kannel-* headers */

/* A request for the sender to perform. body is malloc'd (free with
 * channel_http_call_free); it may be NULL (GET). The body's type is in the headers
 * (Content-Type). channel_http_call_free(NULL) is a no-op. */
struct channel_http_call {
    char method[8];
    char url[2048];
    struct {
        char name[48];
        char value[600];
    } headers[CHANNEL_HTTP_CALL_HEADERS_MAX];
    size_t nheaders;
    char *body;
    size_t body_len;
    char basic_user[CHANNEL_CRED_MAX]; /* HTTP Basic when non-empty */
    char basic_password[SECRET_MAX];
};

void channel_http_call_free(struct channel_http_call *c);

enum send_outcome {
    SEND_ACCEPTED = 0, /* provider took it: provider_id set (may be "" for Kannel) */
    SEND_RETRY,        /* transient: try again after retry_after_s (0: use backoff) */
    SEND_PERMANENT,    /* never retry: reason set */
    SEND_OPTED_OUT,    /* the recipient opted out at the carrier: never retry */
};

/* Why a send did not go, as staff and metrics see it (issue 12). An
 * adapter sets it where the provider's answer says more than the outcome
 * and the HTTP status do (a balance used up, a key refused inside a 200);
 * otherwise it is SEND_ERROR_DERIVED and send_error_class_of decides. */
enum send_error_class {
    SEND_ERROR_DERIVED = 0,  /* from the outcome and the HTTP status */
    SEND_ERROR_NONE,         /* accepted */
    SEND_ERROR_CREDENTIALS,  /* our key or token refused */
    SEND_ERROR_BALANCE,      /* the account's balance or credit is used up */
    SEND_ERROR_RATE_LIMITED, /* slow down (HTTP 429, throttled) */
    SEND_ERROR_REJECTED,     /* this message refused for good (number, content) */
    SEND_ERROR_OPTED_OUT,    /* the recipient opted out at the carrier */
    SEND_ERROR_PROVIDER,     /* the provider failed (5xx, gateway errors, unknown answers) */
    SEND_ERROR_UNREACHABLE,  /* no answer: timeout, refused, reset */
};

/* The provider's answer to a send request, as the sender read it (body
 * and all borrowed for the call). */
struct channel_http_answer {
    long status;      /* HTTP status; 0: no answer (timeout, connection refused) */
    const char *body; /* never NULL ("" when empty) */
    size_t body_len;
    /* The answer's Retry-After in seconds (sender/retry_after: at least 1,
     * at most the channel's retry_max_s); 0 when it has none or a
     * malformed one. An adapter honours it on HTTP 429 and 503. */
    int retry_after_s;
};

struct send_result {
    enum send_outcome outcome;
    char provider_id[128];
    int retry_after_s;
    char reason[160];
    enum send_error_class error_class; /* SEND_ERROR_DERIVED unless the adapter knows */
    /* What the provider said this message cost, in dirhams, when its
     * answer says so in MAD (Africa's Talking's "cost"); the delivery
     * report's actual cost prefers it to segments x price_per_segment_mad.
     * Added (issue 16, missing 4). */
    bool has_cost;
    double cost_mad;
};

struct channel_ops {
    const char *type;
    bool loopback_only; /* accept webhooks from 127.0.0.0/8 and ::1 only, never through a
                           proxy (a request with Forwarded, X-Forwarded-For, X-Real-IP or
                           Via is refused) */
    bool test;          /* a test channel: reaches no phone. The config refuses it next to a
                           listener off loopback; it carries real members' notices and
                           broadcasts only when no real channel is configured (a demo) */
    bool needs_secret;  /* refuse to start without a webhook secret */
    bool network;       /* sends over HTTP (false: the sandbox) */
    size_t max_batch;   /* recipients of the same text in one send request (>= 1) */

    /* Content types the USSD webhook accepts (NULL-terminated), or NULL if
     * the type has no USSD. */
    const char *const *ussd_content_types;
    /* Parse a USSD step. Returns 0, or -1 with *err set. */
    int (*ussd_parse)(const struct channel_settings *ch, const struct channel_request *req,
                      struct ussd_step *out, struct channel_error *err);
    /* Write the provider's response for a screen (text without CON/END). */
    long (*ussd_reply)(const char *screen, bool end, char *out, size_t outsz,
                       const char **content_type);

    /* Check a provider signature (Twilio, Vonage) on an inbound webhook.
     * NULL when the type has none (the webhook secret is checked instead).
     * Returns 0 when valid, -1 (with *err, status 403) otherwise. */
    int (*verify)(const struct channel_settings *ch, const struct channel_request *req,
                  struct channel_error *err);

    /* Parse an inbound webhook of kind "sms", "dlr" or "ussd-end" into
     * events. NULL when the type does not receive that kind. Returns 0 with
     * *out owning its memory, or -1 with *err. */
    int (*inbound_parse)(const struct channel_settings *ch, const char *kind,
                         const struct channel_request *req, struct channel_batch *out,
                         struct channel_error *err);
    /* HTTP methods the inbound webhooks (sms, dlr, ussd-end) accept,
     * NULL-terminated; NULL means POST only. Kannel's get-url and Vonage
     * call with GET: {"GET", "POST", NULL}. (Added by the sender/webhooks
     * work: hooks/hooks.c answers 405 with an Allow header from this list.) */
    const char *const *inbound_methods;

    /* The body answering an inbound SMS webhook, carrying reply (NULL: no
     * reply inline). Returns the length or -1. When inline_reply is false
     * replies go through the outbox and this writes the plain ack. */
    bool inline_reply;
    long (*sms_reply)(const char *reply, char *out, size_t outsz, const char **content_type);

    /* Describe the send of msgs[0..n) (n <= max_batch, all the same text
     * when n > 1). Returns 0, or -1 with reason (reasonsz bytes) when the
     * message cannot be sent by this channel (a permanent failure). */
    int (*send_build)(const struct channel_settings *ch, const struct outbound_message *msgs,
                      size_t n, struct channel_http_call *out, char *reason, size_t reasonsz);

    /* Map the provider's answer (HTTP status, body and Retry-After; status
     * 0 means the request failed before an answer: timeout, connection
     * refused) to one result per message. */
    void (*send_parse)(const struct channel_settings *ch, const struct outbound_message *msgs,
                       size_t n, const struct channel_http_answer *answer,
                       struct send_result *results);
};

/* The operations of a type name: channel_ops_find in channels/channel_ops.h
 * (the one module that includes every adapter). */

/* Name of a delivery state: "accepted", "delivered", ... */
const char *delivery_state_name(enum delivery_state s);

/* true when s is final (delivered, failed, rejected, expired). */
bool delivery_state_final(enum delivery_state s);

/* The class of r, answered with http_status (0: no answer): the adapter's
 * when it set one, else unreachable (0), credentials (401, 403), none
 * (accepted), opted out, rate limited (429), rejected (permanent), provider
 * error (any other retry). Never SEND_ERROR_DERIVED. */
enum send_error_class send_error_class_of(const struct send_result *r, long http_status);

/* "none", "credentials_refused", "balance_exhausted", "rate_limited",
 * "rejected", "opted_out", "provider_error", "unreachable". */
const char *send_error_class_name(enum send_error_class c);

#endif
