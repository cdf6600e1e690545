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
#include "core/limits.h"
#include "store/db.h"

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
 * callback) in three steps, for a job of the group commit whose caller does
 * not wait for it (hooks/events: the connection parked meanwhile,
 * http/later.h). ussd_end_prepare(), on the HTTP thread, closes the live
 * session (it takes no new input; late copies of its steps are still
 * answered until it expires; a registration or idea under way was saved as
 * a draft at its last step, offered on the next dial) and fills e (the
 * phone normalised, "" when the notice lacks it or it is invalid; ch's and
 * ev's strings borrowed until the run). ussd_end_run(), inside the group's
 * transaction, stores the notice once per (channel, sessionId): 0, or -1
 * when the database failed (answer 503 so the provider retries; a replay
 * stores nothing). ussd_end_logged() once it is committed. */
struct ussd_end {
    const char *channel, *session_id, *status, *error, *input;
    int64_t duration_ms; /* -1 when the notice did not tell */
    char phone[MSISDN_MAX];
};
void ussd_end_prepare(struct ussd_sessions *t, const struct channel_settings *ch,
                      const struct channel_event *ev, struct ussd_end *e);
int ussd_end_run(struct db *db, const struct ussd_end *e) __attribute__((warn_unused_result));
void ussd_end_logged(const struct ussd_end *e);

#endif
