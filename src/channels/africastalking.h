/* africastalking.h -- the Africa's Talking adapter (and the inbound format
 * the sandbox channel reuses). */
#ifndef TAAWUN_CHANNELS_AFRICASTALKING_H
#define TAAWUN_CHANNELS_AFRICASTALKING_H

#include "channels/channel.h"

extern const struct channel_ops africastalking_ops;

/* Shared with the sandbox adapter, which speaks the same format. */
int at_ussd_parse(const struct channel_settings *ch, const struct channel_request *req,
                  struct ussd_step *out, struct channel_error *err);
long at_ussd_reply(const char *screen, bool end, char *out, size_t outsz,
                   const char **content_type);
/* Kinds "sms" (from, to, text, id), "dlr" (id, status, phoneNumber,
 * failureReason) and "ussd-end" (sessionId, status, phoneNumber,
 * serviceCode, errorMessage), all form posts. */
int at_inbound_parse(const struct channel_settings *ch, const char *kind,
                     const struct channel_request *req, struct channel_batch *out,
                     struct channel_error *err);
/* The plain acknowledgement (an empty 200): replies go through the outbox. */
long at_sms_reply(const char *reply, char *out, size_t outsz, const char **content_type);

#endif
