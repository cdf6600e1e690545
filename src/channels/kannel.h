/* kannel.h -- the Kannel adapter: inbound SMS from an sms-service get-url,
 * delivery reports on the dlr-url we pass, sends through cgi-bin/sendsms.
 * The Kannel configuration it needs is in README.md ("Channels"). */
#ifndef TAAWUN_CHANNELS_KANNEL_H
#define TAAWUN_CHANNELS_KANNEL_H

#include <stddef.h>

#include "channels/channel.h"

extern const struct channel_ops kannel_ops;

/* Decode an inbound text as Kannel hands it over (%b), given %c (coding:
 * "0" GSM-7, "1" 8-bit, "2" UCS-2) and %C (charset) as received, into
 * valid UTF-8 in out (at least 3 * len + 4 bytes). UTF-16BE (coding 2
 * without mo-recode) is converted, with U+FFFD for a broken surrogate;
 * UTF-8 is kept; any other bytes are read as Windows-1252. A NUL, in any
 * of them, is GSM's '@' (core/sms_text.h). Returns the
 * length written (out is NUL-terminated). Exposed for the tests. */
size_t kannel_decode_text(const char *raw, size_t len, const char *coding, const char *charset,
                          char *out);

#endif
