/* broadcast_expand.c -- a broadcast's stored audience as store parameters,
 * the fixed part of a chunked expansion (its texts as JSON) and one chunk:
 * a range of member ids written into the outbox with the cursor moved in
 * the same write transaction. */
#include "app/broadcast_expand.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/limits.h"
#include "store/db.h"
#include "sys/clock.h"
#include "sys/log.h"

/* The audience keys in stored JSON, in struct broadcast_audience order. */
static const char *const audience_keys[BROADCAST_AUDIENCE_KEYS] = {
    "provinces", "sectors", "cooperatives", "genders",
    "age_bands", "events",  "phones",       "languages"};

void broadcast_audience_params_free(struct broadcast_audience_params *p)
{
    for (size_t i = 0; i < BROADCAST_AUDIENCE_KEYS; i++) {
        free(p->lists[i]);
        p->lists[i] = NULL;
    }
}

int broadcast_audience_params(const struct broadcast_record *rec, int year,
                              struct broadcast_audience_params *p)
{
    memset(p, 0, sizeof *p);
    json_t *aud = json_loads(rec->audience, 0, NULL);
    if (!json_is_object(aud)) {
        json_decref(aud);
        return -1;
    }
    for (size_t i = 0; i < BROADCAST_AUDIENCE_KEYS; i++) {
        json_t *v = json_object_get(aud, audience_keys[i]);
        if (json_is_array(v) && !(p->lists[i] = json_dumps(v, JSON_COMPACT))) {
            json_decref(aud);
            broadcast_audience_params_free(p);
            return -1;
        }
    }
    json_decref(aud);
    p->a = (struct broadcast_audience){.provinces = p->lists[0],
                                       .sectors = p->lists[1],
                                       .cooperatives = p->lists[2],
                                       .genders = p->lists[3],
                                       .age_bands = p->lists[4],
                                       .events = p->lists[5],
                                       .phones = p->lists[6],
                                       .languages = p->lists[7],
                                       .topic = rec->topic[0] ? rec->topic : NULL,
                                       .year = year};
    return 0;
}

char *broadcast_expand_spec(const struct broadcast_text *texts, size_t ntexts, size_t fallback,
                            bool hold, int priority, int year)
{
    json_t *list = json_array();
    for (size_t i = 0; list && i < ntexts; i++)
        if (json_array_append_new(
                list, json_pack("{s:s,s:s,s:s,s:I,s:s}", "language", texts[i].language, "body",
                                texts[i].body, "encoding", texts[i].encoding, "segments",
                                (json_int_t)texts[i].segments, "name_fallback",
                                texts[i].name_fallback ? texts[i].name_fallback : "")) != 0) {
            json_decref(list);
            list = NULL;
        }
    json_t *spec =
        list ? json_pack("{s:o,s:I,s:b,s:i,s:i}", "texts", list, "fallback", (json_int_t)fallback,
                         "hold", hold, "priority", priority, "year", year)
             : NULL;
    char *out = spec ? json_dumps(spec, JSON_COMPACT) : NULL;
    json_decref(spec);
    return out;
}

/* The stored spec read back: texts borrow from json (kept until done). */
struct spec {
    json_t *json;
    struct broadcast_text texts[BROADCAST_LANG_SLOTS];
    size_t ntexts, fallback;
    int hold, priority, year;
};

static int spec_read(const char *text, struct spec *s)
{
    memset(s, 0, sizeof *s);
    s->json = json_loads(text, 0, NULL);
    json_t *list = json_object_get(s->json, "texts");
    if (!json_is_array(list) || json_array_size(list) == 0 ||
        json_array_size(list) > BROADCAST_LANG_SLOTS)
        return -1;
    size_t i;
    json_t *t;
    json_array_foreach(list, i, t)
    {
        s->texts[i] = (struct broadcast_text){
            .language = json_string_value(json_object_get(t, "language")),
            .body = json_string_value(json_object_get(t, "body")),
            .encoding = json_string_value(json_object_get(t, "encoding")),
            .segments = json_integer_value(json_object_get(t, "segments")),
            .name_fallback = json_string_value(json_object_get(t, "name_fallback"))};
        if (!s->texts[i].language || !s->texts[i].body || !s->texts[i].encoding)
            return -1;
    }
    s->ntexts = json_array_size(list);
    s->fallback = (size_t)json_integer_value(json_object_get(s->json, "fallback"));
    s->hold = json_is_true(json_object_get(s->json, "hold"));
    s->priority = (int)json_integer_value(json_object_get(s->json, "priority"));
    s->year = (int)json_integer_value(json_object_get(s->json, "year"));
    return s->fallback < s->ntexts ? 0 : -1;
}

/* The ids after..until written in slices (EXPAND_CHUNK_SLICES with a
 * budget, else one statement), stopping after the slice that takes the
 * hold begun at t0 past budget_ms: *end is where it stopped. */
static int write_slices(struct db *db, int64_t id, const struct broadcast_record *rec,
                        const struct spec *s, const struct broadcast_audience *a, int64_t after,
                        int64_t until, double t0, double budget_ms, int64_t *end, int64_t *written)
{
    int64_t slice = budget_ms > 0 ? (until - after + EXPAND_CHUNK_SLICES - 1) / EXPAND_CHUNK_SLICES
                                  : until - after;
    *end = after;
    *written = 0;
    do {
        int64_t to = until - *end > slice ? *end + slice : until, n = 0;
        if (broadcasts_expand_range(db, id, a, rec->channel, s->texts, s->ntexts,
                                    &s->texts[s->fallback], s->priority, s->hold, db_now(), *end,
                                    to, &n) != 0)
            return -1;
        *end = to;
        *written += n;
    } while (*end < until && !(budget_ms > 0 && clock_ms(CLOCK_MONOTONIC) - t0 >= budget_ms));
    return 0;
}

/* The chunk's writes, inside the open transaction: 1 done, 0 stopped, -1. */
static int chunk_write(struct db *db, int64_t id, int64_t span, double t0, double budget_ms,
                       struct broadcast_chunk *out)
{
    struct broadcast_record rec;
    struct broadcast_expansion e = {0};
    int found = broadcasts_get(db, id, &rec);
    if (found <= 0)
        return found;
    int rc = broadcasts_expansion_get(db, id, &e);
    struct spec s = {0};
    struct broadcast_audience_params ap = {0};
    if (rc <= 0 || !e.expanding)
        goto out;
    rc = -1;
    if (spec_read(e.spec, &s) != 0 || broadcast_audience_params(&rec, s.year, &ap) != 0) {
        log_error("broadcast_expand_invalid", "id=%lld", (long long)id);
        goto out;
    }
    int64_t until = e.until - e.after > span ? e.after + span : e.until, end;
    rc = write_slices(db, id, &rec, &s, &ap.a, e.after, until, t0, budget_ms, &end, &out->written);
    if (rc != 0)
        goto out;
    rc = broadcasts_expand_advance(db, id, end, out->written, db_now());
    out->after = end;
    out->covered = end - e.after;
    out->queued = e.queued + out->written;
    out->total = e.total;
    out->done = end >= e.until;
out:
    json_decref(s.json);
    broadcast_audience_params_free(&ap);
    broadcast_expansion_clear(&e);
    broadcast_record_clear(&rec);
    return rc;
}

int broadcast_expand_chunk(struct db *db, int64_t id, int64_t span, double budget_ms,
                           struct broadcast_chunk *out)
{
    memset(out, 0, sizeof *out);
    if (db_begin(db) != 0)
        return -1;
    double t0 = clock_ms(CLOCK_MONOTONIC), cpu0 = clock_ms(CLOCK_THREAD_CPUTIME_ID),
           runq0 = clock_runq_ms();
    int rc = chunk_write(db, id, span, t0, budget_ms, out);
    if (rc < 0) {
        db_rollback(db);
        return -1;
    }
    if (rc == 0) { /* cancelled or gone meanwhile: nothing was written */
        memset(out, 0, sizeof *out);
        out->stopped = true;
        return db_commit(db);
    }
    double t1 = clock_ms(CLOCK_MONOTONIC);
    if (db_commit(db) != 0)
        return -1;
    out->cpu_ms = clock_ms(CLOCK_THREAD_CPUTIME_ID) - cpu0;
    /* read before the end: a wait after it is not counted */
    out->runq_ms = clock_runq_ms() - runq0;
    double t2 = clock_ms(CLOCK_MONOTONIC);
    out->hold_ms = t2 - t0;
    out->commit_ms = t2 - t1;
    return 0;
}
