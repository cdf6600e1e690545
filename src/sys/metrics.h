/* metrics.h -- the daemon's counters and histograms for Prometheus, each
 * family declared once (the table in metrics.c: name, help, labels,
 * buckets) and named here by an enum. Any layer counts with C11 atomics:
 * an increment or an observation takes no lock, so hot paths (a USSD step,
 * a write transaction) stay cheap. api/metrics renders them at GET /metrics
 * next to the gauges it reads at scrape time (outbox, sessions, channels).
 *
 * A family has a fixed set of label names; each distinct tuple of label
 * values is a series, made on first use in a fixed table (no allocation).
 * Label values must come from bounded sets (route patterns, channel names,
 * status codes, fixed words), never from a request's raw path or a phone
 * number. When a family's table is full, further new series are dropped
 * and counted (taawun_metrics_series_dropped_total).
 *
 * Thread-safe throughout. */
#ifndef TAAWUN_SYS_METRICS_H
#define TAAWUN_SYS_METRICS_H

#include <stddef.h>
#include <stdint.h>

enum metrics_id {
    METRICS_HTTP_REQUESTS,         /* counter {listener, route, status} */
    METRICS_HTTP_REQUEST_DURATION, /* histogram {listener, route}, seconds */
    METRICS_USSD_STEPS,            /* counter {channel} */
    METRICS_USSD_SESSIONS_REFUSED, /* counter {channel}: no room under ussd.max_sessions */
    METRICS_SMS_INBOUND,           /* counter {channel}: inbound SMS stored */
    METRICS_DELIVERY_REPORTS,      /* counter {channel}: delivery reports applied */
    METRICS_SENDS,                 /* counter {channel, result, error_class}: messages */
    METRICS_SEND_DURATION,         /* histogram {channel}: one request to a provider */
    METRICS_DB_WRITE_WAIT,         /* histogram: waiting for the write turn and BEGIN */
    METRICS_DB_COMMIT,             /* histogram: COMMIT */
    METRICS_DB_GROUP_COMMITS,      /* counter: group commits (db_group_write) */
    METRICS_DB_GROUP_JOBS,         /* counter: the writes they committed together */
    METRICS_DB_CHECKPOINTS, /* counter {mode, result}: WAL checkpoints (store/db_checkpoint) */
    METRICS_DB_CHECKPOINT_DURATION, /* histogram {mode}: one WAL checkpoint */
    METRICS_FAMILIES
};

enum metrics_type { METRICS_COUNTER, METRICS_HISTOGRAM };

#define METRICS_LABELS_MAX 3       /* label names per family */
#define METRICS_LABEL_VALUE_MAX 64 /* bytes of a label value, with the NUL (cut beyond) */
#define METRICS_BUCKETS_MAX 16     /* upper bounds of a histogram, +Inf excluded */

/* One family as declared in the table. */
struct metrics_family {
    const char *name; /* "taawun_ussd_steps_total" */
    const char *help;
    enum metrics_type type;
    size_t nlabels;
    const char *labels[METRICS_LABELS_MAX];
    size_t nbuckets;
    double buckets[METRICS_BUCKETS_MAX]; /* ascending upper bounds, in the family's unit */
};

/* The declaration of family id. */
const struct metrics_family *metrics_family(enum metrics_id id);

/* Add n to counter id for the series of labels (the family's nlabels
 * values, borrowed for the call; NULL when it has none). */
void metrics_add(enum metrics_id id, const char *const *labels, uint64_t n);

#define metrics_inc(id, labels) metrics_add((id), (labels), 1)

/* Observe value (seconds, >= 0) in histogram id for the series of labels. */
void metrics_observe(enum metrics_id id, const char *const *labels, double value);

/* A monotonic clock in seconds, for measuring what metrics_observe takes. */
double metrics_clock(void);

/* One series as metrics_each hands it over (borrowed for the call). */
struct metrics_sample {
    const char *const *labels;  /* the family's nlabels values */
    uint64_t count;             /* a counter's value; a histogram's observations */
    const uint64_t *cumulative; /* histogram: observations <= each bucket (nbuckets) */
    double sum;                 /* histogram: sum of the observations */
};

/* Call fn for each series of family id made so far, in no set order. A
 * histogram's sample is read bucket by bucket while others observe: its
 * count is the sum of the buckets read, so the sample is consistent. */
void metrics_each(enum metrics_id id, void (*fn)(const struct metrics_sample *s, void *ctx),
                  void *ctx);

/* New series dropped because their family's table was full. */
uint64_t metrics_dropped(void);

/* The wall-clock time this process started (unix seconds, with fraction):
 * read once when the module is first used, which main does at start. */
double metrics_start_time(void);

#endif
