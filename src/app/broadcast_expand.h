/* broadcast_expand.h -- a broadcast's audience read from its stored JSON
 * (struct broadcast_audience for store/broadcasts), and the expansion of a
 * large broadcast into the outbox in chunks (issue 14): the texts as they
 * travel are fixed at the send (broadcast_expand_spec, stored on the row),
 * then each chunk writes the messages of one range of member ids and moves
 * the stored cursor in the same short write transaction, so a crash loses
 * nothing and repeats nothing. The audience filter (consent, opt-outs,
 * topics, erasure) is read at each chunk: a member who says STOP before
 * their chunk gets no message. app/expander runs the chunks. */
#ifndef TAAWUN_APP_BROADCAST_EXPAND_H
#define TAAWUN_APP_BROADCAST_EXPAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "store/db.h"

#include "store/broadcasts.h"

#define BROADCAST_AUDIENCE_KEYS 8

/* The stored audience JSON as store parameters; the lists are owned. */
struct broadcast_audience_params {
    char *lists[BROADCAST_AUDIENCE_KEYS];
    struct broadcast_audience a;
};

/* rec's audience with topic and the year its age bands are counted in.
 * Returns 0, or -1 when the stored JSON is unusable. Free with
 * broadcast_audience_params_free. */
int broadcast_audience_params(const struct broadcast_record *rec, int year,
                              struct broadcast_audience_params *p)
    __attribute__((warn_unused_result));
void broadcast_audience_params_free(struct broadcast_audience_params *p);

/* The expansion's fixed part as JSON (malloc'd, the caller frees; NULL on
 * failure): texts[0..ntexts) as broadcasts_expand takes them, which of
 * them is the fallback, held or queued, the priority and the year. */
char *broadcast_expand_spec(const struct broadcast_text *texts, size_t ntexts, size_t fallback,
                            bool hold, int priority, int year);

/* What one chunk did. */
struct broadcast_chunk {
    int64_t written;  /* messages written */
    int64_t after;    /* the cursor after it (the last member id covered) */
    int64_t covered;  /* member ids it covered: the span, or fewer when it stopped early */
    int64_t queued;   /* messages of the broadcast written so far */
    int64_t total;    /* the plan's recipients */
    bool done;        /* the last chunk: the broadcast is 'started' */
    bool stopped;     /* not expanding (cancelled, gone): nothing done */
    double hold_ms;   /* from BEGIN's write lock taken to COMMIT's end */
    double commit_ms; /* of which COMMIT (the WAL's fsync, a checkpoint) */
    double cpu_ms;    /* the thread's CPU time within hold_ms */
    double runq_ms;   /* its wait for a core within hold_ms (the rest: blocked, the disk) */
};

/* Expand the next span member ids of broadcast id, in a write transaction
 * of its own on db (db_begin ... db_commit). With budget_ms > 0 the span is
 * written in EXPAND_CHUNK_SLICES statements (core/limits.h) and the chunk
 * stops after the one that takes its hold past budget_ms (out->covered
 * says how far it went); 0: the whole span, one statement. Returns 0 with
 * *out, or -1 (logged; nothing kept, the cursor unmoved). */
int broadcast_expand_chunk(struct db *db, int64_t id, int64_t span, double budget_ms,
                           struct broadcast_chunk *out) __attribute__((warn_unused_result));

#endif
