/* expand_span.h -- the span of an expansion's next chunk (app/expander):
 * how many member ids its write transaction covers, so that it holds the
 * write lock about EXPAND_CHUNK_TARGET_MS (core/limits.h). Arithmetic on
 * the holds measured, nothing else, so a test drives it with given holds.
 *
 * An id's cost (hold over ids) varies from chunk to chunk by a third and
 * more (the ids' rows, the WAL, and above all the waits for a core that a
 * loaded machine adds inside the hold). Scaling each span by the last
 * chunk's hold alone, up to double, turned a chunk cheaper than the rest
 * into a span that overshot: 11 ms, then 27 ms of CPU. So the cost is
 * estimated: a chunk dearer than the estimate sets it at once (the next
 * span shrinks to the aim, however far), a cheaper one moves it by
 * EXPAND_SPAN_EASE_PCT percent only, and a span grows by
 * EXPAND_SPAN_GROWTH_PCT percent at most, within EXPAND_SPAN_MIN..MAX. */
#ifndef TAAWUN_APP_EXPAND_SPAN_H
#define TAAWUN_APP_EXPAND_SPAN_H

#include <stdint.h>

struct expand_span {
    int64_t span;     /* member ids of the next chunk */
    double ms_per_id; /* an id's hold, as estimated (0: no chunk yet) */
};

/* The first chunk's: EXPAND_SPAN_FIRST ids, no estimate. */
void expand_span_init(struct expand_span *s);

/* A chunk covered ids member ids and held the lock hold_ms: s->span
 * becomes the next chunk's, also returned. ids <= 0 changes nothing. */
int64_t expand_span_next(struct expand_span *s, int64_t ids, double hold_ms);

#endif
