/* admin_console.h -- admin API resources the web console adds: the phone
 * simulator (a USSD step forwarded to the sandbox channel in-process), the
 * preview of a grant status SMS (made and rolled back), and the dashboard's
 * weekly counts. The route table is admin_console_routes (http/admin.h). */
#ifndef TAAWUN_HTTP_ADMIN_CONSOLE_H
#define TAAWUN_HTTP_ADMIN_CONSOLE_H

struct ussd_sessions;

/* The live USSD session table the simulator steps through (borrowed for
 * the daemon's life; set once at start-up, before the listeners). */
void admin_console_set_sessions(struct ussd_sessions *sessions);

#endif
