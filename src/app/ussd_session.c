/* ussd_session.c -- the live USSD sessions: a hash table of records under
 * striped locks, one step at a time per session, and the answers each
 * session gave, kept to answer retransmissions and late copies of its steps
 * the same way. The table keeps each record packed (only the bytes it
 * uses, its answers' screens held in a pool where each distinct text is
 * kept once); a step works on the whole record, unpacked by the claim and
 * packed again by the release. */
#include "app/ussd_session.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/screen_pool.h"
#include "core/hash.h"

/* One live session. The record's fields other than its key, last_seen and
 * closed are in packed[0..packed_len), NULL/0 for a fresh record. */
struct entry {
    struct entry *next;
    uint64_t hash;
    int64_t last_seen;
    bool busy; /* a step holds it (claimed, not yet released) */
    bool closed;
    uint32_t packed_len;
    unsigned char *packed;
    char key[]; /* "channel\x1fsessionId" */
};

#define SESSION_STRIPES 64 /* locks over the buckets, so threads rarely wait */
#define SWEEP_BUCKETS_PER_INSERT 8

struct ussd_sessions {
    pthread_mutex_t locks[SESSION_STRIPES];
    pthread_cond_t released[SESSION_STRIPES]; /* a busy entry of the stripe was released */
    struct entry **buckets;
    size_t nbuckets; /* power of two, a multiple of SESSION_STRIPES */
    _Atomic size_t count;
    _Atomic size_t max_sessions;
    _Atomic int ttl_s;
    _Atomic size_t sweep_cursor; /* next bucket of the incremental sweep */
    struct screen_pool *screens; /* the answers' screens of the packed records */
};

struct ussd_sessions *ussd_sessions_new(size_t max_sessions, int ttl_s)
{
    struct ussd_sessions *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    /* A bucket per four sessions of the cap: full, chains of two to four
     * (a 64-bit hash compared before the key); 8 bytes per allowed session
     * were 4 MB at a cap of 500,000, as much as 16,000 live sessions. */
    size_t n = 1024;
    while (n < max_sessions / 4 && n < (1u << 20))
        n <<= 1;
    t->buckets = calloc(n, sizeof *t->buckets);
    t->screens = screen_pool_new(max_sessions / 8);
    if (!t->buckets || !t->screens) {
        free(t->buckets);
        screen_pool_free(t->screens);
        free(t);
        return NULL;
    }
    t->nbuckets = n;
    atomic_store(&t->max_sessions, max_sessions);
    atomic_store(&t->ttl_s, ttl_s);
    for (size_t i = 0; i < SESSION_STRIPES; i++) {
        pthread_mutex_init(&t->locks[i], NULL);
        pthread_cond_init(&t->released[i], NULL);
    }
    return t;
}

/* The packed record's answers come first: their count, then each answer
 * and its screen's hold in the pool. */
#define PACKED_ANSWER_BYTES (sizeof(struct ussd_answer) + sizeof(const struct kept_screen *))

/* How many answers packed[0..len) holds, and the hold of its answer i. */
static uint32_t packed_answers(const unsigned char *packed, size_t len)
{
    uint32_t n = 0;
    if (packed && len >= sizeof n)
        memcpy(&n, packed, sizeof n);
    while (n > 0 && sizeof n + (size_t)n * PACKED_ANSWER_BYTES > len)
        n--;
    return n;
}

static const struct kept_screen *packed_hold(const unsigned char *packed, uint32_t i)
{
    const struct kept_screen *held;
    memcpy(&held, packed + sizeof(uint32_t) + i * PACKED_ANSWER_BYTES + sizeof(struct ussd_answer),
           sizeof held);
    return held;
}

/* Give back the screens' holds of packed[0..len), but those of the
 * answers in kept (bit i: answer i's hold passed to another record). */
static void drop_holds(struct ussd_sessions *t, const unsigned char *packed, size_t len,
                       uint32_t kept)
{
    uint32_t n = packed_answers(packed, len);
    for (uint32_t i = 0; i < n; i++)
        if (!(i < 32 && (kept >> i & 1)))
            screen_pool_drop(t->screens, packed_hold(packed, i));
}

/* Free a packed record (NULL: no-op) and its screens' holds, but kept. */
static void packed_free(struct ussd_sessions *t, unsigned char *packed, size_t len, uint32_t kept)
{
    if (packed)
        drop_holds(t, packed, len, kept);
    free(packed);
}

static void entry_free(struct ussd_sessions *t, struct entry *e)
{
    if (e)
        packed_free(t, e->packed, e->packed_len, 0);
    free(e);
}

void ussd_sessions_free(struct ussd_sessions *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nbuckets; i++) {
        struct entry *e = t->buckets[i];
        while (e) {
            struct entry *next = e->next;
            entry_free(t, e);
            e = next;
        }
    }
    for (size_t i = 0; i < SESSION_STRIPES; i++) {
        pthread_mutex_destroy(&t->locks[i]);
        pthread_cond_destroy(&t->released[i]);
    }
    screen_pool_free(t->screens);
    free(t->buckets);
    free(t);
}

void ussd_sessions_configure(struct ussd_sessions *t, size_t max_sessions, int ttl_s)
{
    atomic_store(&t->max_sessions, max_sessions);
    atomic_store(&t->ttl_s, ttl_s);
}

static bool expired(const struct entry *e, time_t now, int ttl)
{
    return !e->busy && now - e->last_seen > ttl;
}

/* Drop the expired entries of bucket b (its stripe locked). */
static void sweep_bucket(struct ussd_sessions *t, size_t b, time_t now, int ttl)
{
    struct entry **pp = &t->buckets[b];
    while (*pp) {
        struct entry *e = *pp;
        if (expired(e, now, ttl)) {
            *pp = e->next;
            entry_free(t, e);
            atomic_fetch_sub(&t->count, 1);
        } else {
            pp = &e->next;
        }
    }
}

/* Drop every expired session, stripe by stripe. */
static void sweep(struct ussd_sessions *t, time_t now)
{
    int ttl = atomic_load(&t->ttl_s);
    for (size_t stripe = 0; stripe < SESSION_STRIPES; stripe++) {
        pthread_mutex_lock(&t->locks[stripe]);
        for (size_t b = stripe; b < t->nbuckets; b += SESSION_STRIPES)
            sweep_bucket(t, b, now, ttl);
        pthread_mutex_unlock(&t->locks[stripe]);
    }
}

/* Drop expired sessions from the next few buckets: every new session pays
 * for a little sweeping, so abandoned sessions (a member who hangs up on a
 * CON screen) leave memory soon after their expiry without a full sweep. */
static void sweep_some(struct ussd_sessions *t, time_t now)
{
    int ttl = atomic_load(&t->ttl_s);
    size_t start = atomic_fetch_add(&t->sweep_cursor, SWEEP_BUCKETS_PER_INSERT);
    for (size_t k = 0; k < SWEEP_BUCKETS_PER_INSERT; k++) {
        size_t b = (start + k) & (t->nbuckets - 1);
        pthread_mutex_lock(&t->locks[b % SESSION_STRIPES]);
        sweep_bucket(t, b, now, ttl);
        pthread_mutex_unlock(&t->locks[b % SESSION_STRIPES]);
    }
}

size_t ussd_sessions_count(struct ussd_sessions *t)
{
    sweep(t, time(NULL));
    return atomic_load(&t->count);
}

/* A full table: drop one ended session (kept only to answer late copies)
 * to make room for a live one. Returns whether one was dropped. */
static bool evict_closed(struct ussd_sessions *t)
{
    for (size_t stripe = 0; stripe < SESSION_STRIPES; stripe++) {
        pthread_mutex_lock(&t->locks[stripe]);
        for (size_t b = stripe; b < t->nbuckets; b += SESSION_STRIPES) {
            for (struct entry **pp = &t->buckets[b]; *pp; pp = &(*pp)->next) {
                struct entry *e = *pp;
                if (e->busy || !e->closed)
                    continue;
                *pp = e->next;
                entry_free(t, e);
                atomic_fetch_sub(&t->count, 1);
                pthread_mutex_unlock(&t->locks[stripe]);
                return true;
            }
        }
        pthread_mutex_unlock(&t->locks[stripe]);
    }
    return false;
}

/* The entry of key in bucket b (its stripe locked), once no step holds it;
 * NULL when there is none. */
static struct entry *find_idle(struct ussd_sessions *t, size_t b, uint64_t h, const char *key)
{
    for (;;) {
        struct entry *e = t->buckets[b];
        while (e && !(e->hash == h && strcmp(e->key, key) == 0))
            e = e->next;
        if (!e || !e->busy)
            return e;
        pthread_cond_wait(&t->released[b % SESSION_STRIPES], &t->locks[b % SESSION_STRIPES]);
    }
}

/* ---- packing ---- */

/* Bytes written to p[0..n). */
struct packer {
    unsigned char *p;
    size_t n;
};

static void put(struct packer *w, const void *src, size_t len)
{
    if (len)
        memcpy(w->p + w->n, src, len);
    w->n += len;
}

static void put_u32(struct packer *w, uint32_t v)
{
    put(w, &v, sizeof v);
}

/* How many zero bytes p[0..n) starts with, a word at a time. */
static size_t leading_zeros(const unsigned char *p, size_t n)
{
    size_t i = 0;
    uint64_t word;
    while (i + sizeof word <= n) {
        memcpy(&word, p + i, sizeof word);
        if (word)
            break;
        i += sizeof word;
    }
    while (i < n && !p[i])
        i++;
    return i;
}

/* src[0..len) with each run of zero bytes written as 0 and the run's
 * length (1..255, longer runs in several): a menu state is mostly empty
 * fields. Runs of other bytes are copied whole. */
static void put_squeezed(struct packer *w, const unsigned char *src, size_t len)
{
    for (size_t i = 0; i < len;) {
        size_t literal = strnlen((const char *)src + i, len - i);
        put(w, src + i, literal);
        i += literal;
        size_t zeros = leading_zeros(src + i, len - i);
        i += zeros;
        while (zeros > 0) {
            unsigned char pair[2] = {0, zeros > UINT8_MAX ? UINT8_MAX : (unsigned char)zeros};
            put(w, pair, sizeof pair);
            zeros -= pair[1];
        }
    }
}

/* The most pack() writes: every field whole, the state and the kept
 * reads squeezed at worst to twice their size, a hold per answer, ten
 * lengths. */
#define PACK_MAX                                                                                   \
    (sizeof(struct ussd_session) + sizeof(struct ussd_state) +                                     \
     2 * sizeof(struct ussd_kept_reads) + USSD_SESSION_ANSWERS_MAX * PACKED_ANSWER_BYTES +         \
     10 * sizeof(uint32_t))

/* The kept reads, when there are any: the version, then the member and
 * the grants read squeezed (a row is mostly empty fields). */
static void pack_reads(struct packer *w, const struct ussd_kept_reads *k)
{
    put(w, &k->version, sizeof k->version);
    if (!k->version)
        return;
    put(w, &k->found, sizeof k->found);
    if (k->found) {
        size_t at = w->n;
        put_u32(w, 0);
        put_squeezed(w, (const unsigned char *)&k->member, sizeof k->member);
        uint32_t squeezed = (uint32_t)(w->n - at - sizeof squeezed);
        memcpy(w->p + at, &squeezed, sizeof squeezed);
    }
    int32_t n = k->ngrants;
    put(w, &n, sizeof n);
    if (n <= 0)
        return;
    put(w, k->grants_lang, sizeof k->grants_lang);
    size_t at = w->n;
    put_u32(w, 0);
    put_squeezed(w, (const unsigned char *)k->grants, (size_t)n * sizeof k->grants[0]);
    uint32_t squeezed = (uint32_t)(w->n - at - sizeof squeezed);
    memcpy(w->p + at, &squeezed, sizeof squeezed);
}

/* The record a new one replaces: its holds pass to the new record for
 * the screens both keep (most answers of a step are the previous step's),
 * instead of being taken again and given back, each time locking the
 * pool's stripe of a screen every session shows. */
struct old_record {
    const unsigned char *packed;
    size_t len;
    uint32_t passed; /* bit i: its answer i's hold went to the new record */
};

/* A hold on text[0..len) for the new record, passed from old when it has
 * one of the same screen still its own; *passed says which. NULL on OOM. */
static const struct kept_screen *hold_for(struct ussd_sessions *t, struct old_record *old,
                                          const char *text, size_t len, bool *passed)
{
    uint32_t n = packed_answers(old->packed, old->len);
    for (uint32_t i = 0; i < n && i < 32; i++) {
        if (old->passed >> i & 1)
            continue;
        const struct kept_screen *held = packed_hold(old->packed, i);
        size_t held_len;
        const char *held_text = kept_screen_text(held, &held_len);
        if (held_len == len && memcmp(held_text, text, len) == 0) {
            old->passed |= 1u << i;
            *passed = true;
            return held;
        }
    }
    *passed = false;
    return screen_pool_hold(t->screens, text, len);
}

/* Write what a record holds besides its key, last_seen and closed into
 * w (room for PACK_MAX bytes): its answers first, each with a hold on its
 * screen in the pool (the arena is their screens end to end), passed from
 * old where it can. Returns 0, or -1 on OOM with no hold taken or passed. */
static int pack(struct ussd_sessions *t, struct packer *w, const struct ussd_session *s,
                struct old_record *old, uint32_t *new_passed)
{
    uint32_t passed = 0; /* bit i: answer i's hold came from old */
    put_u32(w, s->nanswers);
    for (uint32_t i = 0; i < s->nanswers; i++) {
        const struct ussd_answer *a = &s->answers[i];
        bool from_old;
        const struct kept_screen *held =
            hold_for(t, old, s->arena + a->offset, a->length, &from_old);
        if (!held) {
            memcpy(w->p, &i, sizeof i); /* the holds taken so far */
            drop_holds(t, w->p, w->n, passed);
            old->passed = 0; /* the old record keeps all its own */
            return -1;
        }
        passed |= from_old ? 1u << i : 0;
        put(w, a, sizeof *a);
        put(w, &held, sizeof held);
    }
    *new_passed = passed;
    size_t phone = strnlen(s->phone, sizeof s->phone - 1);
    put_u32(w, (uint32_t)phone);
    put(w, s->phone, phone);
    put_u32(w, s->text_len);
    put(w, &s->text_overflow, sizeof s->text_overflow);
    put(w, s->text, s->text_len);
    size_t at = w->n;
    put_u32(w, 0); /* the squeezed state's length, once known */
    put_squeezed(w, (const unsigned char *)&s->state, sizeof s->state);
    uint32_t squeezed = (uint32_t)(w->n - at - sizeof squeezed);
    memcpy(w->p + at, &squeezed, sizeof squeezed);
    /* A closed session takes no new input: what its steps read is of no
     * further use (its answers stay, for late copies). */
    static const struct ussd_kept_reads none;
    pack_reads(w, s->closed ? &none : &s->reads);
    return 0;
}

/* A packed copy of s (its size in *len), or NULL on OOM: packed in this
 * thread's scratch, then copied into a block of its own size. */
static unsigned char *pack_new(struct ussd_sessions *t, const struct ussd_session *s,
                               struct old_record *old, uint32_t *len)
{
    static _Thread_local unsigned char scratch[PACK_MAX];
    struct packer w = {.p = scratch};
    uint32_t passed;
    if (pack(t, &w, s, old, &passed) != 0)
        return NULL;
    unsigned char *out = malloc(w.n);
    if (!out) {
        drop_holds(t, scratch, w.n, passed); /* those passed stay the old record's */
        old->passed = 0;
        return NULL;
    }
    memcpy(out, scratch, w.n);
    *len = (uint32_t)w.n;
    return out;
}

/* Reads from a packed record; every length is checked against what the
 * record can hold, so a bug shows as a fresh record, never an overflow. */
struct unpacker {
    const unsigned char *p;
    size_t n, at;
    bool bad;
};

static void take(struct unpacker *r, void *dst, size_t len, size_t room)
{
    if (r->bad || len > room || len > r->n - r->at) {
        r->bad = true;
        return;
    }
    if (len)
        memcpy(dst, r->p + r->at, len);
    r->at += len;
}

static uint32_t take_u32(struct unpacker *r)
{
    uint32_t v = 0;
    take(r, &v, sizeof v, sizeof v);
    return v;
}

static void take_squeezed(struct unpacker *r, unsigned char *dst, size_t room, size_t len)
{
    size_t end = r->at + len, out = 0;
    if (len > r->n - r->at)
        r->bad = true;
    while (!r->bad && r->at < end) {
        const unsigned char *from = r->p + r->at;
        const unsigned char *zero = memchr(from, 0, end - r->at);
        size_t literal = zero ? (size_t)(zero - from) : end - r->at;
        if (literal) { /* bytes other than 0, as they are */
            r->bad = out + literal > room;
            if (!r->bad)
                memcpy(dst + out, from, literal);
            out += literal;
            r->at += literal;
            continue;
        }
        size_t run = r->at + 1 < end ? r->p[r->at + 1] : 0; /* a 0 and its run */
        r->bad = run == 0 || out + run > room;
        if (!r->bad)
            memset(dst + out, 0, run);
        out += run;
        r->at += 2;
    }
    r->bad = r->bad || out != room;
}

/* The answers of a packed record into s, their screens end to end into
 * its arena, where each answer says it is. */
static void take_answers(struct unpacker *r, struct ussd_session *s)
{
    s->nanswers = take_u32(r);
    r->bad = r->bad || s->nanswers > USSD_SESSION_ANSWERS_MAX;
    for (uint32_t i = 0; i < s->nanswers && !r->bad; i++) {
        struct ussd_answer *a = &s->answers[i];
        const struct kept_screen *held = NULL;
        take(r, a, sizeof *a, sizeof *a);
        take(r, &held, sizeof held, sizeof held);
        size_t len = 0;
        const char *text = held ? kept_screen_text(held, &len) : NULL;
        r->bad = r->bad || !held || a->offset != s->arena_used || a->length != len ||
                 len > sizeof s->arena - s->arena_used;
        if (!r->bad && len)
            memcpy(s->arena + s->arena_used, text, len);
        s->arena_used += r->bad ? 0 : (uint32_t)len;
    }
}

/* The kept reads of a packed record into k (its version 0 already). */
static void take_reads(struct unpacker *r, struct ussd_kept_reads *k)
{
    uint64_t version = 0;
    take(r, &version, sizeof version, sizeof version);
    if (r->bad || !version)
        return;
    take(r, &k->found, sizeof k->found, sizeof k->found);
    if (!r->bad && k->found) {
        uint32_t len = take_u32(r);
        take_squeezed(r, (unsigned char *)&k->member, sizeof k->member, len);
    }
    int32_t n = -1;
    take(r, &n, sizeof n, sizeof n);
    r->bad = r->bad || n < -1 || n > USSD_LIST_MAX;
    k->ngrants = r->bad ? -1 : n;
    if (!r->bad && n > 0) {
        take(r, k->grants_lang, sizeof k->grants_lang, sizeof k->grants_lang);
        uint32_t len = take_u32(r);
        take_squeezed(r, (unsigned char *)k->grants, (size_t)n * sizeof k->grants[0], len);
    }
    if (!r->bad)
        k->version = version;
}

/* Fill s (key, last_seen and closed already set) from a packed record. */
static void unpack(struct ussd_session *s, const unsigned char *p, size_t n)
{
    struct unpacker r = {.p = p, .n = n};
    take_answers(&r, s);
    uint32_t len = take_u32(&r);
    take(&r, s->phone, len, sizeof s->phone - 1);
    s->text_len = take_u32(&r);
    take(&r, &s->text_overflow, sizeof s->text_overflow, sizeof s->text_overflow);
    take(&r, s->text, s->text_len, sizeof s->text - 1);
    len = take_u32(&r);
    take_squeezed(&r, (unsigned char *)&s->state, sizeof s->state, len);
    take_reads(&r, &s->reads);
    if (r.bad || r.at != n) {
        char key[USSD_SESSION_KEY_MAX];
        memcpy(key, s->key, sizeof key);
        int64_t seen = s->last_seen;
        memset(s, 0, offsetof(struct ussd_session, reads));
        s->reads.version = 0;
        memcpy(s->key, key, sizeof key);
        s->last_seen = seen;
    }
}

/* ---- claims ---- */

/* Copy e (its stripe locked) into *out, whole. */
static void entry_copy_out(const struct entry *e, struct ussd_session *out)
{
    memset(out, 0, offsetof(struct ussd_session, reads)); /* the reads: tens of KB, unused */
    out->reads.version = 0;
    snprintf(out->key, sizeof out->key, "%s", e->key);
    out->last_seen = e->last_seen;
    out->closed = e->closed;
    if (e->packed)
        unpack(out, e->packed, e->packed_len);
}

/* Claim key's entry when it is there: KNOWN (live) or NEW (expired, reset
 * in place); -1 when there is none. The stripe is locked; a reset entry's
 * packed record, its holds given back, goes to *old for the caller to free
 * after unlocking. */
static int claim_existing(struct ussd_sessions *t, size_t b, uint64_t h, const char *key,
                          time_t now, struct ussd_session *out, unsigned char **old)
{
    struct entry *e = find_idle(t, b, h, key);
    if (!e)
        return -1;
    e->busy = true;
    int r = USSD_CLAIM_KNOWN;
    if (now - e->last_seen > atomic_load(&t->ttl_s)) {
        if (e->packed)
            drop_holds(t, e->packed, e->packed_len, 0);
        *old = e->packed;
        e->packed = NULL;
        e->packed_len = 0;
        e->closed = false;
        r = USSD_CLAIM_NEW;
    }
    e->last_seen = now;
    entry_copy_out(e, out);
    return r;
}

static struct entry *entry_new(const char *key, uint64_t h, time_t now)
{
    size_t n = strnlen(key, USSD_SESSION_KEY_MAX - 1);
    struct entry *e = calloc(1, sizeof *e + n + 1);
    if (!e)
        return NULL;
    e->hash = h;
    e->busy = true;
    e->last_seen = now;
    memcpy(e->key, key, n);
    return e;
}

enum ussd_claim ussd_session_claim(struct ussd_sessions *t, const char *key, time_t now,
                                   struct ussd_session *out)
{
    uint64_t h = hash_string(key);
    size_t b = h & (t->nbuckets - 1);
    pthread_mutex_t *lock = &t->locks[b % SESSION_STRIPES];
    unsigned char *old = NULL;
    pthread_mutex_lock(lock);
    int r = claim_existing(t, b, h, key, now, out, &old);
    pthread_mutex_unlock(lock);
    free(old);
    if (r >= 0)
        return (enum ussd_claim)r;
    sweep_some(t, now);
    if (atomic_load(&t->count) >= atomic_load(&t->max_sessions)) {
        sweep(t, now);
        if (atomic_load(&t->count) >= atomic_load(&t->max_sessions) && !evict_closed(t))
            return USSD_CLAIM_FULL;
    }
    struct entry *e = entry_new(key, h, now);
    if (!e)
        return USSD_CLAIM_FULL;
    pthread_mutex_lock(lock);
    /* Another step of the same new session may have come first. */
    r = claim_existing(t, b, h, key, now, out, &old);
    bool inserted = r < 0;
    if (inserted) {
        e->next = t->buckets[b];
        t->buckets[b] = e;
        atomic_fetch_add(&t->count, 1);
        entry_copy_out(e, out);
        r = USSD_CLAIM_NEW;
    }
    pthread_mutex_unlock(lock);
    free(old);
    if (!inserted)
        free(e);
    return (enum ussd_claim)r;
}

void ussd_session_release(struct ussd_sessions *t, const struct ussd_session *rec, bool keep)
{
    uint64_t h = hash_string(rec->key);
    size_t b = h & (t->nbuckets - 1);
    struct entry *gone = NULL;
    struct old_record old = {0};
    unsigned char *replaced = NULL;
    uint32_t replaced_len = 0;
    pthread_mutex_lock(&t->locks[b % SESSION_STRIPES]);
    struct entry **pp = &t->buckets[b];
    while (*pp && ((*pp)->hash != h || strcmp((*pp)->key, rec->key) != 0))
        pp = &(*pp)->next;
    struct entry *e = *pp;
    if (e && keep) {
        /* Packed in the stripe's lock: the old record's holds pass on. */
        old = (struct old_record){e->packed, e->packed_len, 0};
        uint32_t len = 0;
        unsigned char *packed = pack_new(t, rec, &old, &len);
        keep = packed != NULL; /* out of memory: the session is forgotten */
        if (keep) {
            replaced = e->packed;
            replaced_len = e->packed_len;
            e->packed = packed;
            e->packed_len = len;
            e->last_seen = rec->last_seen;
            e->closed = rec->closed;
            e->busy = false;
        }
    }
    if (e && !keep) {
        *pp = e->next;
        gone = e;
        atomic_fetch_sub(&t->count, 1);
    }
    pthread_cond_broadcast(&t->released[b % SESSION_STRIPES]);
    pthread_mutex_unlock(&t->locks[b % SESSION_STRIPES]);
    packed_free(t, replaced, replaced_len, old.passed); /* the holds not passed on */
    entry_free(t, gone);
}

void ussd_session_close(struct ussd_sessions *t, const char *key)
{
    uint64_t h = hash_string(key);
    size_t b = h & (t->nbuckets - 1);
    pthread_mutex_lock(&t->locks[b % SESSION_STRIPES]);
    struct entry *e = find_idle(t, b, h, key);
    if (e)
        e->closed = true;
    pthread_mutex_unlock(&t->locks[b % SESSION_STRIPES]);
}

/* ---- answers ---- */

/* Whether text[0..len) is the session's newest text cut on a '*'. */
static bool prefix_of_newest(const struct ussd_session *s, const char *text, size_t len)
{
    if (s->text_overflow || len > s->text_len || memcmp(s->text, text, len) != 0)
        return false;
    return len == s->text_len || s->text[len] == '*' || len == 0;
}

bool ussd_session_is_late(const struct ussd_session *s, const char *text, size_t len)
{
    return s->nanswers > 0 && prefix_of_newest(s, text, len);
}

const struct ussd_answer *ussd_session_answer_of(const struct ussd_session *s, const char *text,
                                                 size_t len)
{
    uint64_t h = hash_bytes(text, len);
    for (uint32_t i = s->nanswers; i-- > 0;) {
        const struct ussd_answer *a = &s->answers[i];
        if (a->text_len == len && a->text_hash == h)
            return a;
    }
    return NULL;
}

/* Forget the oldest answer. */
static void drop_oldest(struct ussd_session *s)
{
    uint16_t gone = s->answers[0].length;
    memmove(s->arena, s->arena + gone, s->arena_used - gone);
    s->arena_used -= gone;
    memmove(&s->answers[0], &s->answers[1], (s->nanswers - 1) * sizeof s->answers[0]);
    s->nanswers--;
    for (uint32_t i = 0; i < s->nanswers; i++)
        s->answers[i].offset = (uint16_t)(s->answers[i].offset - gone);
}

void ussd_session_answer_add(struct ussd_session *s, const char *text, size_t len,
                             const char *screen, bool end)
{
    s->text_overflow = len >= sizeof s->text;
    s->text_len = s->text_overflow ? 0 : (uint32_t)len;
    if (!s->text_overflow) {
        memcpy(s->text, text, len);
        s->text[len] = '\0';
    }
    size_t n = strlen(screen);
    if (n > sizeof s->arena)
        return; /* cannot be kept: a copy will see the current screen */
    while (s->nanswers > 0 &&
           (s->nanswers == USSD_SESSION_ANSWERS_MAX || s->arena_used + n > sizeof s->arena))
        drop_oldest(s);
    struct ussd_answer *a = &s->answers[s->nanswers++];
    *a = (struct ussd_answer){.text_hash = hash_bytes(text, len),
                              .text_len = (uint32_t)len,
                              .offset = (uint16_t)s->arena_used,
                              .length = (uint16_t)n,
                              .end = end};
    memcpy(s->arena + s->arena_used, screen, n);
    s->arena_used += (uint32_t)n;
}
