/* ussd_session_pack.c -- a session record's bytes, as the in-memory table
 * and the nodes' shared table keep them (see ussd_session_pack.h). */
#include "app/ussd_session_pack.h"

#include <string.h>

#include "core/hash.h"

_Static_assert(sizeof(struct ussd_kept_reads) < (1u << 21), "put_squeezed takes it");
_Static_assert(USSD_SESSION_ANSWERS_MAX <= UINT8_MAX, "the answers' count fits in a byte");

enum { READS_KEPT = 1, READS_FOUND = 2 };

/* The kept reads: a tag, and when there are any the version, the member
 * and the grants read squeezed (a row is mostly empty fields); none when
 * !keep. */
static void pack_reads(struct packer *w, const struct ussd_kept_reads *k, bool keep)
{
    if (!keep || !k->version) {
        put_byte(w, 0);
        return;
    }
    put_byte(w, (uint8_t)(READS_KEPT | (k->found ? READS_FOUND : 0)));
    put_varint(w, k->version);
    if (k->found)
        put_squeezed(w, (const unsigned char *)&k->member, sizeof k->member);
    int n = k->ngrants < 0 ? -1 : k->ngrants > USSD_LIST_MAX ? USSD_LIST_MAX : k->ngrants;
    put_varint(w, (uint64_t)(n + 1));
    if (n <= 0)
        return;
    put_short_string(w, k->grants_lang, sizeof k->grants_lang - 1);
    put_squeezed(w, (const unsigned char *)k->grants, (size_t)n * sizeof k->grants[0]);
}

/* Whether answer a's text is the newest text's first a->text_len bytes:
 * then its hash need not be kept (most answers are of the steps that led
 * to the newest, whose texts are its prefixes). */
static bool answer_of_prefix(const struct ussd_session *s, const struct ussd_answer *a)
{
    return !s->text_overflow && a->text_len <= s->text_len &&
           hash_bytes(s->text, a->text_len) == a->text_hash;
}

void ussd_pack_rest(struct packer *w, const struct ussd_session *s, bool portable)
{
    put_short_string(w, s->phone, sizeof s->phone - 1);
    uint32_t text_len = s->text_overflow ? 0 : s->text_len;
    put_varint(w, (uint64_t)text_len << 1 | s->text_overflow);
    put_bytes(w, s->text, text_len);
    for (uint32_t i = 0; i < s->nanswers; i++) {
        const struct ussd_answer *a = &s->answers[i];
        bool hashed = !answer_of_prefix(s, a);
        put_varint(w, (uint64_t)a->text_len << 2 | (uint64_t)a->end << 1 | hashed);
        if (hashed)
            put_bytes(w, &a->text_hash, sizeof a->text_hash);
    }
    struct ussd_state state = s->state;
    if (portable)
        state.error_key = NULL; /* a pointer into this process (as a draft keeps it) */
    put_squeezed(w, (const unsigned char *)&state, sizeof state);
    /* A closed session takes no new input: what its steps read is of no
     * further use (its answers stay, for late copies). */
    pack_reads(w, &s->reads, !portable && !s->closed);
}

/* The answers of a packed record into s (its newest text already there),
 * their screens end to end into its arena. */
static void take_answers(struct unpacker *r, struct ussd_session *s, const char *const screens[],
                         const size_t lens[])
{
    for (uint32_t i = 0; i < s->nanswers && !r->bad; i++) {
        struct ussd_answer *a = &s->answers[i];
        size_t len = lens[i];
        uint64_t v = take_varint(r);
        a->text_len = (uint32_t)(v >> 2);
        a->end = v >> 1 & 1;
        r->bad = r->bad || v >> 2 > UINT32_MAX || len > sizeof s->arena - s->arena_used;
        if (v & 1)
            take_bytes(r, &a->text_hash, sizeof a->text_hash, sizeof a->text_hash);
        else if (!r->bad && a->text_len <= s->text_len && !s->text_overflow)
            a->text_hash = hash_bytes(s->text, a->text_len);
        else
            r->bad = true;
        if (r->bad)
            break;
        a->offset = (uint16_t)s->arena_used;
        a->length = (uint16_t)len;
        memcpy(s->arena + s->arena_used, screens[i], len);
        s->arena_used += (uint32_t)len;
    }
}

/* The kept reads of a packed record into k (its version 0 already). */
static void take_reads(struct unpacker *r, struct ussd_kept_reads *k)
{
    uint8_t tag = take_byte(r);
    if (r->bad || !(tag & READS_KEPT))
        return;
    uint64_t version = take_varint(r);
    k->found = tag & READS_FOUND;
    if (k->found)
        take_squeezed(r, (unsigned char *)&k->member, sizeof k->member);
    uint64_t n = take_varint(r);
    r->bad = r->bad || version == 0 || n > USSD_LIST_MAX + 1;
    k->ngrants = r->bad ? -1 : (int)n - 1;
    if (!r->bad && k->ngrants > 0) {
        memset(k->grants_lang, 0, sizeof k->grants_lang);
        take_short_string(r, k->grants_lang, sizeof k->grants_lang);
        take_squeezed(r, (unsigned char *)k->grants, (size_t)k->ngrants * sizeof k->grants[0]);
    }
    if (!r->bad)
        k->version = version;
}

/* s as a fresh record: only its key, last_seen and closed kept. */
static void reset(struct ussd_session *s)
{
    char key[USSD_SESSION_KEY_MAX];
    memcpy(key, s->key, sizeof key);
    int64_t seen = s->last_seen;
    bool closed = s->closed;
    memset(s, 0, offsetof(struct ussd_session, reads));
    s->reads.version = 0;
    memcpy(s->key, key, sizeof key);
    s->last_seen = seen;
    s->closed = closed;
}

void ussd_unpack_rest(struct unpacker *r, struct ussd_session *s, const char *const screens[],
                      const size_t lens[])
{
    take_short_string(r, s->phone, sizeof s->phone);
    uint64_t text = take_varint(r);
    s->text_overflow = text & 1;
    s->text_len = (uint32_t)(text >> 1);
    take_bytes(r, s->text, text >> 1, sizeof s->text - 1);
    take_answers(r, s, screens, lens);
    take_squeezed(r, (unsigned char *)&s->state, sizeof s->state);
    take_reads(r, &s->reads);
    if (r->bad || r->at != r->n)
        reset(s);
}

size_t ussd_pack_portable(const struct ussd_session *s, unsigned char *buf)
{
    struct packer w = {.p = buf};
    put_byte(&w, (uint8_t)s->nanswers);
    for (uint32_t i = 0; i < s->nanswers; i++) {
        put_varint(&w, s->answers[i].length);
        put_bytes(&w, s->arena + s->answers[i].offset, s->answers[i].length);
    }
    ussd_pack_rest(&w, s, true);
    return w.n;
}

void ussd_unpack_portable(struct ussd_session *s, const unsigned char *p, size_t n)
{
    if (n == 0)
        return;
    struct unpacker r = {.p = p, .n = n};
    const char *screens[USSD_SESSION_ANSWERS_MAX];
    size_t lens[USSD_SESSION_ANSWERS_MAX];
    s->nanswers = take_byte(&r);
    r.bad = r.bad || s->nanswers > USSD_SESSION_ANSWERS_MAX;
    for (uint32_t i = 0; i < s->nanswers && !r.bad; i++) {
        uint64_t len = take_varint(&r);
        r.bad = r.bad || len > r.n - r.at;
        if (!r.bad) {
            screens[i] = (const char *)p + r.at;
            lens[i] = (size_t)len;
            r.at += (size_t)len;
        }
    }
    if (r.bad) {
        reset(s);
        return;
    }
    ussd_unpack_rest(&r, s, screens, lens);
}
