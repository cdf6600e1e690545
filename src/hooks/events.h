/* events.h -- what a provider's webhook of events says (inbound SMS,
 * delivery reports, end-of-session notices), committed before its 2xx,
 * without a thread of the HTTP pool waiting for the commit (issue 14).
 *
 * The events of one request are one job of the group commit
 * (store/db_group.h): their texts are read on the HTTP thread, the job runs
 * on the committer's thread with the SMS and reports of every other
 * connection that arrived meanwhile, and the connection is parked until the
 * commit is on disk (http/later.h); the answer (200 with the adapter's body,
 * or 503 when the database failed: the provider retries, and a replay
 * stores nothing) is made once it is. All of a request's events are kept,
 * or none. An end-of-session notice closes its live session on the HTTP
 * thread (app/ussd's ussd_end_prepare) and is stored in the job like the
 * rest: a notice comes after every USSD session, and one waiting on each
 * HTTP thread for its commit would hold the pool from the USSD steps. */
#ifndef TAAWUN_HOOKS_EVENTS_H
#define TAAWUN_HOOKS_EVENTS_H

#include <stdbool.h>

#include "app/ussd.h"
#include "channels/channel.h"
#include "channels/channel_ops.h"
#include "http/message.h"
#include "runtime/runtime.h"

/* Store the events of an authenticated, parsed webhook request of channel
 * ch and answer it: in resp now, or later (the request's connection
 * parked). kind is the hook's ("sms": the adapter's reply body); sessions
 * are the live USSD sessions an end notice closes. batch is
 * taken (left empty). *rt is taken (set to NULL) when the answer comes
 * later, else left to the caller to release. */
void hook_events_commit(struct ussd_sessions *sessions, struct runtime **rt,
                        const struct channel_settings *ch, const struct channel_ops *ops,
                        const char *kind, struct channel_batch *batch,
                        const struct http_request *req, struct http_response *resp);

/* A refused webhook (status >= 400 but 404) logged: one line per channel
 * and status per interval (a misconfigured secret refuses every request),
 * the count in the traffic summary. kind is the hook's. */
void hook_refused(const char *channel, const char *kind, int status);

#endif
