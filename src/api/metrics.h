/* metrics.h -- GET /metrics on the admin listener: the daemon's counters
 * and histograms (sys/metrics) and the gauges read at scrape time (the
 * outbox per channel and status from the database, the oldest queued
 * message's age, live USSD sessions, each channel's health, start time,
 * build) in Prometheus's text exposition format 0.0.4.
 *
 * Callers on loopback need no token (a Prometheus on the same host, or an
 * SSH tunnel); any other caller, including one a trusted proxy forwards,
 * authenticates as the admin API does (api_authenticate, viewer role). */
#ifndef TAAWUN_API_METRICS_H
#define TAAWUN_API_METRICS_H

#include <stdbool.h>

#include "app/ussd_session.h"
#include "http/server.h"

#define API_METRICS_PATH "/metrics"
#define API_METRICS_BODY_MAX (4 * 1024 * 1024) /* bytes of one scrape at most */

/* The live USSD sessions to report (borrowed for the daemon's life; set
 * once by main before the listeners start). */
void api_metrics_set_sessions(struct ussd_sessions *sessions);

/* true when path is /metrics. */
bool api_metrics_path_is(const char *path);

/* Serve GET (or HEAD) /metrics. Fills resp. */
void api_metrics_handle(const struct http_request *req, struct http_response *resp);

#endif
