/* channel.h -- the contract between taawun and an aggregator.
 *
 * A channel is one configured connection to an aggregator (name, type,
 * secrets, limits). Its type selects a struct channel_ops: pure functions
 * that turn the provider's webhook requests into neutral events and neutral
 * replies into the provider's response bodies. Adapters do no I/O; the
 * HTTP edge authenticates, reads bodies and calls them. */
#ifndef TAAWUN_CHANNELS_CHANNEL_H
#define TAAWUN_CHANNELS_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/form.h"
#include "core/limits.h"
#include "sys/secret.h"

#define CHANNEL_ALLOW_MAX 16

/* Settings of one channel, as read from the config (immutable). */
struct channel_settings {
    char name[CHANNEL_NAME_MAX];
    char type[24];
    char ussd_code[32];
    int ussd_screen_max;      /* GSM-7 septets per screen */
    int ussd_screen_max_ucs2; /* UCS-2 units per screen */
    bool has_secret;
    char secret[SECRET_MAX]; /* webhook secret (query key= or path token) */
    char allow_from[CHANNEL_ALLOW_MAX][64]; /* addresses or CIDR prefixes */
    size_t nallow;
};

/* A webhook request as the HTTP edge saw it (all borrowed). */
struct channel_request {
    const char *method;
    const char *content_type; /* media type only, lower-case, no parameters */
    const char *body;
    size_t body_len;
    const struct form *form; /* body parsed when form-encoded, else NULL */
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
    const char *code;    /* "bad_request", ... */
    const char *message; /* for the JSON error body */
};

struct channel_ops {
    const char *type;
    bool loopback_only; /* accept webhooks from 127.0.0.0/8 and ::1 only */
    bool needs_secret;  /* refuse to start without a secret */
    /* Content types its USSD webhook accepts (NULL-terminated). */
    const char *const *ussd_content_types;
    /* Parse a USSD step. Returns 0, or -1 with *err set. */
    int (*ussd_parse)(const struct channel_settings *ch, const struct channel_request *req,
                      struct ussd_step *out, struct channel_error *err);
    /* Write the provider's response for a screen (text without CON/END) into
     * out. Returns the length, or -1 when out is too small. Sets the
     * response's content type. */
    long (*ussd_reply)(const char *screen, bool end, char *out, size_t outsz,
                       const char **content_type);
};

/* The operations of a type name ("sandbox", "africastalking"), or NULL. */
const struct channel_ops *channel_ops_find(const char *type);

/* Names of all known types, NULL-terminated (for config errors). */
extern const char *const channel_type_names[];

#endif
