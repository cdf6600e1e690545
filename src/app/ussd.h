/* ussd.h -- USSD sessions: the server-side state of every live session and
 * the glue between a provider's USSD step, the menu engine (core/ussd_menu),
 * the database and the outbox.
 *
 * Sessions (app/ussd_session) are keyed by (channel, sessionId), expire
 * after a configured idle time and are capped in number. The `*`-joined
 * text the provider sends identifies the step (a retransmission or a late
 * copy of an earlier step is answered as it was, and changes nothing),
 * finds the newest input (an input may contain '*'), or replays a dial with
 * pre-typed inputs when the session is new. */
#ifndef TAAWUN_APP_USSD_H
#define TAAWUN_APP_USSD_H

#include <stdbool.h>
#include <stddef.h>

#include "app/app_env.h"
#include "app/ussd_session.h"
#include "channels/channel.h"

enum ussd_result {
    USSD_OK = 0,      /* screen written */
    USSD_BAD_PHONE,   /* phoneNumber is not a valid mobile number: 400 */
    USSD_UNAVAILABLE, /* no database connection: 503 */
};

/* Handle one step on channel ch: writes the screen (without CON/END) into
 * screen (SCREEN_BYTES_MAX bytes) and sets *end. Every write the step makes
 * (a registration and its SMS receipt) is committed before this returns.
 * The same text again in the session, or a text that is a prefix (on a
 * '*') of what the session has seen, gets the answer it got then and
 * writes nothing; steps of one session run one at a time. */
enum ussd_result ussd_handle(struct ussd_sessions *t, const struct app_env *env,
                             const struct channel_settings *ch, const struct ussd_step *step,
                             char *screen, size_t screensz, bool *end);

/* The provider's end-of-session notice (Africa's Talking's ussd-end
 * callback): stored once per (channel, sessionId), the live session takes
 * no new input (late copies of its steps are still answered), and an unfinished
 * registration or idea of that session becomes a draft the member is offered
 * on the next dial. phone_raw may be "" when the notice lacks it. Returns 0,
 * or -1 when the database failed (answer 503 so the provider retries). */
int ussd_end_notice(struct ussd_sessions *t, const struct channel_settings *ch,
                    const char *session_id, const char *phone_raw, const char *status,
                    long duration_ms, const char *input, const char *error)
    __attribute__((warn_unused_result));

#endif
