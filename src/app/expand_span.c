/* expand_span.c -- the next chunk's span from the holds measured (see
 * expand_span.h). */
#include "app/expand_span.h"

#include "core/limits.h"

void expand_span_init(struct expand_span *s)
{
    *s = (struct expand_span){.span = EXPAND_SPAN_FIRST};
}

int64_t expand_span_next(struct expand_span *s, int64_t ids, double hold_ms)
{
    if (ids <= 0)
        return s->span;
    double cost = (hold_ms > 0 ? hold_ms : 0) / (double)ids;
    if (s->ms_per_id <= 0 || cost > s->ms_per_id)
        s->ms_per_id = cost; /* dearer: believed at once */
    else
        s->ms_per_id += (cost - s->ms_per_id) * EXPAND_SPAN_EASE_PCT / 100.0;
    double most = (double)s->span * (100 + EXPAND_SPAN_GROWTH_PCT) / 100.0;
    double want = s->ms_per_id > 0 ? EXPAND_CHUNK_TARGET_MS / s->ms_per_id : most;
    if (want > most)
        want = most;
    s->span = want < EXPAND_SPAN_MIN   ? EXPAND_SPAN_MIN
              : want > EXPAND_SPAN_MAX ? EXPAND_SPAN_MAX
                                       : (int64_t)want;
    return s->span;
}
