/* channel.c -- the table of channel types. */
#include "channels/channel.h"

#include <string.h>

#include "channels/africastalking.h"
#include "channels/sandbox.h"

static const struct channel_ops *const all_ops[] = {&sandbox_ops, &africastalking_ops};

const char *const channel_type_names[] = {"sandbox", "africastalking", NULL};

const struct channel_ops *channel_ops_find(const char *type)
{
    for (size_t i = 0; i < sizeof all_ops / sizeof all_ops[0]; i++)
        if (strcmp(all_ops[i]->type, type) == 0)
            return all_ops[i];
    return NULL;
}
