/* ussd_effect.h -- the writes of a USSD step: the effect the menu engine
 * returned (a registration, a booking, an idea, alerts, an erasure, a
 * draft resumed or discarded, a contact person's registration, the consent
 * answer) performed in one committed transaction with its SMS receipt, and
 * the engine told how it went. Internal to app/ussd. */
#ifndef TAAWUN_APP_USSD_EFFECT_H
#define TAAWUN_APP_USSD_EFFECT_H

#include "store/db.h"
#include <stdbool.h>

#include "app/app_env.h"
#include "channels/channel.h"
#include "core/ussd_state.h"
#include "store/members.h"

/* Perform e for the caller phone (m: their row, when found) in one
 * committed transaction and tell the engine (ussd_menu_effect_done) how it
 * went. Nothing is answered before the commit. */
void ussd_effect_perform(enum ussd_effect e, struct db *db, const struct app_env *env,
                         const struct channel_settings *ch, const char *phone,
                         const struct member *m, bool found, struct ussd_state *st);

#endif
