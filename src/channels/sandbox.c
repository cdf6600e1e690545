/* sandbox.c -- the sandbox channel: Africa's Talking's request and response
 * format, no secret, loopback callers only, and outbound messages recorded
 * as sent without any network (the sender does that for this type). It lets
 * `make run` show every journey with curl and nothing else. */
#include "channels/sandbox.h"

#include <stddef.h>

#include "channels/africastalking.h"

static const char *const form_types[] = {"application/x-www-form-urlencoded", NULL};

const struct channel_ops sandbox_ops = {
    .type = "sandbox",
    .loopback_only = true,
    .needs_secret = false,
    .ussd_content_types = form_types,
    .ussd_parse = at_ussd_parse,
    .ussd_reply = at_ussd_reply,
};
