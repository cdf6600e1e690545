/* ussd_session.c -- the live USSD sessions: a hash table of records under
 * striped locks, one step at a time per session, and the answers each
 * session gave, kept to answer retransmissions and late copies of its steps
 * the same way. The table keeps each session in one block: a small header,
 * the key and the record packed (only the bytes it uses, its answers'
 * screens held in a pool where each distinct text is kept once); a step
 * works on the whole record, unpacked by the claim, and the release puts a
 * new block in the old one's place. */
#include "app/ussd_session.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/screen_pool.h"
#include "app/ussd_session_pack.h"
#include "core/bytepack.h"
#include "core/hash.h"
#include "store/db.h"
#include "store/nodes.h"
#include "store/shared_sessions.h"
#include "sys/log.h"

/* One live session, in one block: its key, then its record packed, all
 * but the key, last_seen and closed (none for a fresh record). A release
 * replaces the block whole, under the stripe's lock: nothing keeps a
 * pointer to an entry once its stripe is unlocked. */
struct entry {
    struct entry *next;
    int64_t last_seen;
    uint32_t hash; /* the key's hash's high half (its low bits chose the bucket) */
    uint32_t packed_len;
    uint8_t key_len;
    bool busy; /* a step holds it (claimed, not yet released) */
    bool closed;
    unsigned char bytes[]; /* key[0..key_len), then packed[0..packed_len) */
};

_Static_assert(USSD_SESSION_KEY_MAX - 1 <= UINT8_MAX, "a key's length fits in key_len");

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
     * (a 32-bit hash compared before the key); 8 bytes per allowed session
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

static uint32_t hash_high(uint64_t h)
{
    return (uint32_t)(h >> 32);
}

static const unsigned char *entry_packed(const struct entry *e)
{
    return e->bytes + e->key_len;
}

static bool entry_is(const struct entry *e, uint32_t hash, const char *key, size_t key_len)
{
    return e->hash == hash && e->key_len == key_len && memcmp(e->bytes, key, key_len) == 0;
}

/* The block for a key and a packed record: at least the whole struct,
 * which an assignment writes (its padding included). */
static size_t entry_size(size_t key_len, size_t packed_len)
{
    size_t n = offsetof(struct entry, bytes) + key_len + packed_len;
    return n < sizeof(struct entry) ? sizeof(struct entry) : n;
}

static size_t key_length(const char *key)
{
    return strnlen(key, USSD_SESSION_KEY_MAX - 1);
}

/* The packed record starts with its answers' holds on their screens in
 * the pool: their count in a byte, then each hold. */
#define HOLD_BYTES sizeof(const struct kept_screen *)

/* How many answers packed[0..len) holds, and the hold of its answer i. */
static uint32_t packed_answers(const unsigned char *packed, size_t len)
{
    if (len == 0)
        return 0;
    uint32_t n = packed[0];
    return n <= (len - 1) / HOLD_BYTES ? n : (uint32_t)((len - 1) / HOLD_BYTES);
}

static const struct kept_screen *packed_hold(const unsigned char *packed, uint32_t i)
{
    const struct kept_screen *held;
    memcpy(&held, packed + 1 + i * HOLD_BYTES, sizeof held);
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

/* Free an entry (NULL: no-op) and its screens' holds, but kept. */
static void entry_free(struct ussd_sessions *t, struct entry *e, uint32_t kept)
{
    if (e)
        drop_holds(t, entry_packed(e), e->packed_len, kept);
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
            entry_free(t, e, 0);
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

/* ---- shared by the nodes ---- */

/* Whether the sessions live in the database the nodes share (store/nodes:
 * a node number on PostgreSQL) rather than in t. */
static bool shared(void)
{
    return nodes_self() > 0;
}

/* A fresh record for key, seen now, into out. */
static void fresh(struct ussd_session *out, const char *key, time_t now)
{
    memset(out, 0, offsetof(struct ussd_session, reads)); /* the reads: tens of KB, unused */
    out->reads.version = 0;
    snprintf(out->key, sizeof out->key, "%s", key);
    out->last_seen = now;
}

/* The claim in the shared table: the key's lock taken on the calling
 * thread's connection (held until the release), then the row read. The
 * lock is let go here when nothing is handed out (FULL, UNAVAILABLE). */
static enum ussd_claim shared_claim(struct ussd_sessions *t, const char *key, time_t now,
                                    struct ussd_session *out)
{
    static _Thread_local unsigned char bytes[USSD_PACK_PORTABLE_MAX];
    struct db *db = db_thread();
    if (!db || shared_sessions_lock(db, key) != 0)
        return USSD_CLAIM_UNAVAILABLE;
    int64_t since = (int64_t)now - atomic_load(&t->ttl_s);
    size_t len = 0;
    int64_t seen = 0;
    bool closed = false;
    int found = shared_sessions_read(db, key, since, bytes, sizeof bytes, &len, &seen, &closed);
    enum ussd_claim r = USSD_CLAIM_UNAVAILABLE;
    if (found == 1) {
        r = USSD_CLAIM_KNOWN;
    } else if (found == 0) {
        int room = shared_sessions_room(db, since, (int64_t)atomic_load(&t->max_sessions));
        r = room == 1 ? USSD_CLAIM_NEW : room == 0 ? USSD_CLAIM_FULL : USSD_CLAIM_UNAVAILABLE;
    }
    if (r != USSD_CLAIM_KNOWN && r != USSD_CLAIM_NEW) {
        (void)shared_sessions_unlock(db, key);
        return r;
    }
    fresh(out, key, now);
    out->closed = r == USSD_CLAIM_KNOWN && closed;
    ussd_unpack_portable(out, bytes, r == USSD_CLAIM_KNOWN ? len : 0);
    return r;
}

/* The release in the shared table: the record written back (or its row
 * deleted), then the key's lock let go, whatever the write did. */
static void shared_release(const struct ussd_session *rec, bool keep)
{
    static _Thread_local unsigned char bytes[USSD_PACK_PORTABLE_MAX];
    struct db *db = db_thread();
    if (!db)
        return; /* never: the claim had it, and a thread keeps its connection */
    int rc = keep ? shared_sessions_put(db, rec->key, bytes, ussd_pack_portable(rec, bytes),
                                        rec->last_seen, rec->closed)
                  : shared_sessions_delete(db, rec->key);
    if (rc != 0)
        log_collapsed(LOG_WARN, "ussd_session_not_stored", LOG_COLLAPSE_INTERVAL_MS,
                      "ussd_session_not_stored", "reason=database");
    (void)shared_sessions_unlock(db, rec->key);
}

/* The provider ended the session: marked in the shared table once no
 * step of it runs (the key's lock). */
static void shared_close(struct ussd_sessions *t, const char *key)
{
    struct db *db = db_thread();
    if (!db || shared_sessions_lock(db, key) != 0)
        return;
    if (shared_sessions_close(db, key, (int64_t)time(NULL) - atomic_load(&t->ttl_s)) < 0)
        log_collapsed(LOG_WARN, "ussd_session_not_closed", LOG_COLLAPSE_INTERVAL_MS,
                      "ussd_session_not_closed", "reason=database");
    (void)shared_sessions_unlock(db, key);
}

/* The live sessions of all nodes, the expired rows purged first (a read
 * when there are none). 0 when the database cannot tell. */
static size_t shared_count(struct ussd_sessions *t)
{
    struct db *db = db_thread();
    int64_t since = (int64_t)time(NULL) - atomic_load(&t->ttl_s), n = 0;
    if (!db || shared_sessions_purge(db, since) < 0 || shared_sessions_count(db, since, &n) != 0)
        return 0;
    return (size_t)n;
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
            entry_free(t, e, 0);
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
    if (shared())
        return shared_count(t);
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
                entry_free(t, e, 0);
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
static struct entry *find_idle(struct ussd_sessions *t, size_t b, uint32_t h, const char *key,
                               size_t key_len)
{
    for (;;) {
        struct entry *e = t->buckets[b];
        while (e && !entry_is(e, h, key, key_len))
            e = e->next;
        if (!e || !e->busy)
            return e;
        pthread_cond_wait(&t->released[b % SESSION_STRIPES], &t->locks[b % SESSION_STRIPES]);
    }
}

/* ---- packing ---- */

/* The most pack() writes: the answers' count and holds, then the rest. */
#define PACK_MAX (1 + USSD_SESSION_ANSWERS_MAX * HOLD_BYTES + USSD_PACK_REST_MAX)

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

/* The holds of s's answers (s->nanswers of them, the arena their screens
 * end to end) after the count byte w holds, passed from old where it can.
 * Returns 0, or -1 on OOM with no hold taken or passed. */
static int pack_holds(struct ussd_sessions *t, struct packer *w, const struct ussd_session *s,
                      struct old_record *old, uint32_t *new_passed)
{
    uint32_t passed = 0; /* bit i: answer i's hold came from old */
    for (uint32_t i = 0; i < s->nanswers; i++) {
        const struct ussd_answer *a = &s->answers[i];
        bool from_old;
        const struct kept_screen *held =
            hold_for(t, old, s->arena + a->offset, a->length, &from_old);
        if (!held) {
            w->p[0] = (unsigned char)i; /* the holds taken so far */
            drop_holds(t, w->p, w->n, passed);
            old->passed = 0; /* the old record keeps all its own */
            return -1;
        }
        passed |= from_old ? 1u << i : 0;
        put_bytes(w, &held, sizeof held);
    }
    *new_passed = passed;
    return 0;
}

/* Write what a record holds besides its key, last_seen and closed into
 * w (room for PACK_MAX bytes): the answers' holds on their screens (the
 * arena is their screens end to end), then the rest (app/ussd_session_pack:
 * an answer's offset and length are not kept, its screen's length says
 * both). Returns 0, or -1 on OOM with no hold taken or passed. */
static int pack(struct ussd_sessions *t, struct packer *w, const struct ussd_session *s,
                struct old_record *old, uint32_t *new_passed)
{
    put_byte(w, (uint8_t)s->nanswers);
    if (pack_holds(t, w, s, old, new_passed) != 0)
        return -1;
    ussd_pack_rest(w, s, false);
    return 0;
}

/* A new block for e's session holding rec packed, or NULL on OOM (then
 * no hold is taken or passed). Packed in this thread's scratch, then
 * copied into a block of its own size; *passed: which of e's holds passed
 * to it. */
static struct entry *entry_repacked(struct ussd_sessions *t, const struct entry *e,
                                    const struct ussd_session *rec, uint32_t *passed)
{
    static _Thread_local unsigned char scratch[PACK_MAX];
    struct packer w = {.p = scratch};
    struct old_record old = {entry_packed(e), e->packed_len, 0};
    uint32_t taken;
    if (pack(t, &w, rec, &old, &taken) != 0)
        return NULL;
    struct entry *made = malloc(entry_size(e->key_len, w.n));
    if (!made) {
        drop_holds(t, scratch, w.n, taken); /* those passed stay e's */
        return NULL;
    }
    *made = (struct entry){.next = e->next,
                           .last_seen = rec->last_seen,
                           .hash = e->hash,
                           .packed_len = (uint32_t)w.n,
                           .key_len = e->key_len,
                           .closed = rec->closed};
    memcpy(made->bytes, e->bytes, e->key_len);
    memcpy(made->bytes + e->key_len, scratch, w.n);
    *passed = old.passed;
    return made;
}

/* Fill s (zeroed but its key, last_seen and closed) from a packed record:
 * its answers' screens are those its holds hold. */
static void unpack(struct ussd_session *s, const unsigned char *p, size_t n)
{
    struct unpacker r = {.p = p, .n = n};
    const char *screens[USSD_SESSION_ANSWERS_MAX];
    size_t lens[USSD_SESSION_ANSWERS_MAX];
    s->nanswers = take_byte(&r);
    r.bad = r.bad || s->nanswers > USSD_SESSION_ANSWERS_MAX || s->nanswers * HOLD_BYTES > n - r.at;
    for (uint32_t i = 0; i < s->nanswers && !r.bad; i++)
        screens[i] = kept_screen_text(packed_hold(p, i), &lens[i]);
    r.at += r.bad ? 0 : s->nanswers * HOLD_BYTES;
    ussd_unpack_rest(&r, s, screens, lens);
}

/* ---- claims ---- */

/* Copy e (its stripe locked) into *out, whole. */
static void entry_copy_out(const struct entry *e, struct ussd_session *out)
{
    memset(out, 0, offsetof(struct ussd_session, reads)); /* the reads: tens of KB, unused */
    out->reads.version = 0;
    memcpy(out->key, e->bytes, e->key_len);
    out->last_seen = e->last_seen;
    out->closed = e->closed;
    if (e->packed_len)
        unpack(out, entry_packed(e), e->packed_len);
}

/* Claim key's entry when it is there: KNOWN (live) or NEW (expired, reset
 * in place: its holds given back, its packed bytes left unused until the
 * release replaces the block); -1 when there is none. The stripe is
 * locked. */
static int claim_existing(struct ussd_sessions *t, size_t b, uint32_t h, const char *key,
                          size_t key_len, time_t now, struct ussd_session *out)
{
    struct entry *e = find_idle(t, b, h, key, key_len);
    if (!e)
        return -1;
    e->busy = true;
    int r = USSD_CLAIM_KNOWN;
    if (now - e->last_seen > atomic_load(&t->ttl_s)) {
        drop_holds(t, entry_packed(e), e->packed_len, 0);
        e->packed_len = 0;
        e->closed = false;
        r = USSD_CLAIM_NEW;
    }
    e->last_seen = now;
    entry_copy_out(e, out);
    return r;
}

static struct entry *entry_new(const char *key, size_t key_len, uint32_t h, time_t now)
{
    struct entry *e = malloc(entry_size(key_len, 0));
    if (!e)
        return NULL;
    *e = (struct entry){.hash = h, .busy = true, .last_seen = now, .key_len = (uint8_t)key_len};
    memcpy(e->bytes, key, key_len);
    return e;
}

enum ussd_claim ussd_session_claim(struct ussd_sessions *t, const char *key, time_t now,
                                   struct ussd_session *out)
{
    if (shared())
        return shared_claim(t, key, now, out);
    uint64_t full = hash_string(key);
    uint32_t h = hash_high(full);
    size_t key_len = key_length(key);
    size_t b = full & (t->nbuckets - 1);
    pthread_mutex_t *lock = &t->locks[b % SESSION_STRIPES];
    pthread_mutex_lock(lock);
    int r = claim_existing(t, b, h, key, key_len, now, out);
    pthread_mutex_unlock(lock);
    if (r >= 0)
        return (enum ussd_claim)r;
    sweep_some(t, now);
    if (atomic_load(&t->count) >= atomic_load(&t->max_sessions)) {
        sweep(t, now);
        if (atomic_load(&t->count) >= atomic_load(&t->max_sessions) && !evict_closed(t))
            return USSD_CLAIM_FULL;
    }
    struct entry *e = entry_new(key, key_len, h, now);
    if (!e)
        return USSD_CLAIM_FULL;
    pthread_mutex_lock(lock);
    /* Another step of the same new session may have come first. */
    r = claim_existing(t, b, h, key, key_len, now, out);
    bool inserted = r < 0;
    if (inserted) {
        e->next = t->buckets[b];
        t->buckets[b] = e;
        atomic_fetch_add(&t->count, 1);
        entry_copy_out(e, out);
        r = USSD_CLAIM_NEW;
    }
    pthread_mutex_unlock(lock);
    if (!inserted)
        free(e);
    return (enum ussd_claim)r;
}

void ussd_session_release(struct ussd_sessions *t, const struct ussd_session *rec, bool keep)
{
    if (shared()) {
        shared_release(rec, keep);
        return;
    }
    uint64_t full = hash_string(rec->key);
    uint32_t h = hash_high(full);
    size_t key_len = key_length(rec->key);
    size_t b = full & (t->nbuckets - 1);
    struct entry *gone = NULL;
    uint32_t passed = 0; /* gone's holds that went to its new block */
    pthread_mutex_lock(&t->locks[b % SESSION_STRIPES]);
    struct entry **pp = &t->buckets[b];
    while (*pp && !entry_is(*pp, h, rec->key, key_len))
        pp = &(*pp)->next;
    struct entry *e = *pp;
    if (e && keep) {
        /* Packed in the stripe's lock: the old record's holds pass on. */
        struct entry *made = entry_repacked(t, e, rec, &passed);
        keep = made != NULL; /* out of memory: the session is forgotten */
        if (keep) {
            *pp = made;
            gone = e;
        }
    }
    if (e && !keep) {
        *pp = e->next;
        gone = e;
        atomic_fetch_sub(&t->count, 1);
    }
    pthread_cond_broadcast(&t->released[b % SESSION_STRIPES]);
    pthread_mutex_unlock(&t->locks[b % SESSION_STRIPES]);
    entry_free(t, gone, passed); /* the holds not passed on */
}

void ussd_session_close(struct ussd_sessions *t, const char *key)
{
    if (shared()) {
        shared_close(t, key);
        return;
    }
    uint64_t full = hash_string(key);
    size_t b = full & (t->nbuckets - 1);
    pthread_mutex_lock(&t->locks[b % SESSION_STRIPES]);
    struct entry *e = find_idle(t, b, hash_high(full), key, key_length(key));
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
