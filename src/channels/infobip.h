/* infobip.h -- the Infobip SMS adapter: JSON inbound messages and delivery
 * reports (many results per POST), sends to {base}/sms/2/text/advanced with
 * "Authorization: App KEY". */
#ifndef TAAWUN_CHANNELS_INFOBIP_H
#define TAAWUN_CHANNELS_INFOBIP_H

#include "channels/channel.h"

extern const struct channel_ops infobip_ops;

#endif
