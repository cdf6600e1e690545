/* channel_ops.c -- the table of channel types: each adapter's operations
 * under its type name. */
#include "channels/channel_ops.h"

#include <stddef.h>
#include <string.h>

#include "channels/africastalking.h"
#include "channels/infobip.h"
#include "channels/kannel.h"
#include "channels/sandbox.h"
#include "channels/twilio.h"
#include "channels/vonage.h"

static const struct channel_ops *const all_ops[] = {
    &sandbox_ops, &africastalking_ops, &twilio_ops, &vonage_ops, &infobip_ops, &kannel_ops,
};

const char *const channel_ops_names[] = {"sandbox", "africastalking", "twilio", "vonage",
                                         "infobip", "kannel",         NULL};

const struct channel_ops *channel_ops_find(const char *type)
{
    if (!type)
        return NULL;
    for (size_t i = 0; i < sizeof all_ops / sizeof all_ops[0]; i++)
        if (strcmp(all_ops[i]->type, type) == 0)
            return all_ops[i];
    return NULL;
}
