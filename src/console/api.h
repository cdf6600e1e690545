/* api.h -- admin API resources the web console adds: the phone simulator
 * (a USSD step forwarded to the sandbox channel in-process), the preview of
 * a grant status SMS (made and rolled back), and the dashboard's weekly
 * counts. main adds the route table to the API router (api_add_routes). */
#ifndef TAAWUN_CONSOLE_API_H
#define TAAWUN_CONSOLE_API_H

#include "api/api.h"

struct ussd_sessions;

/* The console's API resources (phone simulator, grant SMS preview,
 * dashboard), terminated by an entry whose method is NULL. */
extern const struct api_route console_api_routes[];

/* The live USSD session table the simulator steps through (borrowed for
 * the daemon's life; set once at start-up, before the listeners). */
void console_api_set_sessions(struct ussd_sessions *sessions);

#endif
