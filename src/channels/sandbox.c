/* sandbox.c -- the sandbox channel: Africa's Talking's request and response
 * format, no secret, loopback callers only, and outbound messages recorded
 * as sent without any network (the sender calls sandbox_send, then feeds
 * sandbox_delivery_report to the same path as a provider's report). It lets
 * `make run` show the whole life of a message with curl and nothing else. */
#include "channels/sandbox.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "channels/adapter.h"
#include "channels/africastalking.h"

static const char *const form_types[] = {"application/x-www-form-urlencoded", NULL};

void sandbox_send(const struct outbound_message *msg, struct send_result *result)
{
    adapter_result(result, SEND_ACCEPTED, 0, NULL);
    snprintf(result->provider_id, sizeof result->provider_id, "sandbox-%" PRId64, msg->id);
}

int sandbox_delivery_report(const struct outbound_message *msg, const char *provider_id,
                            struct channel_batch *out)
{
    memset(out, 0, sizeof *out);
    struct adapter_batch b;
    size_t idl = provider_id ? strlen(provider_id) : 0;
    size_t tol = msg->to ? strlen(msg->to) : 0;
    if (adapter_batch_init(&b, 1, idl + tol + 8) != 0)
        return -1;
    struct channel_event *e = adapter_batch_add(&b, CHANNEL_EVENT_DLR);
    const char *id = idl ? adapter_batch_str(&b, provider_id, idl, ADAPTER_ID_MAX) : "";
    const char *to = tol ? adapter_batch_str(&b, msg->to, tol, ADAPTER_FIELD_MAX) : "";
    e->dlr_provider_id = id ? id : "";
    e->to = to ? to : "";
    e->dlr_message_id = msg->id;
    e->state = DELIVERY_DELIVERED;
    e->status = "Success";
    adapter_batch_done(&b, out);
    return 0;
}

const struct channel_ops sandbox_ops = {
    .type = "sandbox",
    .loopback_only = true,
    .test = true,
    .needs_secret = false,
    .network = false,
    .max_batch = 1,
    .ussd_content_types = form_types,
    .ussd_parse = at_ussd_parse,
    .ussd_reply = at_ussd_reply,
    .verify = NULL,
    .inbound_parse = at_inbound_parse,
    .inline_reply = false,
    .sms_reply = at_sms_reply,
    .send_build = NULL,
    .send_parse = NULL,
};
