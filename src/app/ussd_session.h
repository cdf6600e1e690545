/* ussd_session.h -- the live USSD sessions: one self-contained record per
 * (channel, sessionId) with the menu state and every answer the session
 * gave, in a table with expiry, a cap and striped locks.
 *
 * One step at a time per session: ussd_session_claim() waits while another
 * step of the same session is under way (a retransmission racing the
 * original), then hands out a copy of the record; ussd_session_release()
 * stores it back (or drops it) and lets the next step in. Records hold no
 * pointer but the state's error_key (a catalog key's address, left out of
 * the portable form), so they can be copied or compared whole.
 *
 * The whole record is a step's working copy (the caller's, a few KB); the
 * table keeps each session in one block, its key and the record packed
 * with only the bytes it uses (phone, newest text, the state's non-empty
 * fields, its answers: an answer's text length, and its hash only when the
 * text is not a prefix of the newest), the answers' screens held in a pool
 * where each distinct text is kept once (app/screen_pool): about 150 bytes
 * for a short session, freed when it expires or is dropped.
 *
 * Africa's Talking sends every input of the session joined with '*'. A
 * step's text identifies it: the same text again is the same step (a
 * retransmission), and a text that is a prefix of what the session has
 * seen, on a '*' boundary, is a late copy of an earlier step. Either gets
 * the answer the session gave then, kept in the record (the newest
 * USSD_SESSION_ANSWERS_MAX answers within USSD_SESSION_ANSWER_BYTES).
 *
 * An ended session (END answered, or the provider's end notice) stays
 * until it expires, for late copies; when the table is full, ended
 * sessions give way to new ones.
 *
 * On a node that shares its database with others (store/nodes: a node
 * number, PostgreSQL) a session's steps may reach any node, so the
 * sessions live in the database instead of the table (store/
 * shared_sessions), decided at each call: the claim takes the key's lock
 * on the calling thread's connection (db_thread) and reads the row, the
 * release writes the record back in its portable form
 * (app/ussd_session_pack: without the kept reads, whose version is one
 * process's) and lets go of the lock, so the claim and the release of a
 * step must run on the same thread. Its limits are the table's (ttl, cap
 * over all nodes); the count is all nodes', expired rows purged first. A
 * lone node (SQLite) never touches the database here. */
#ifndef TAAWUN_APP_USSD_SESSION_H
#define TAAWUN_APP_USSD_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "app/ussd_record.h"

struct ussd_sessions;

/* A session table for at most max_sessions live sessions idle at most
 * ttl_s seconds. NULL on OOM. */
struct ussd_sessions *ussd_sessions_new(size_t max_sessions, int ttl_s);
void ussd_sessions_free(struct ussd_sessions *t);

/* Change limits on reload; live sessions stay. */
void ussd_sessions_configure(struct ussd_sessions *t, size_t max_sessions, int ttl_s);

/* Number of live (unexpired) sessions; the expired ones are dropped first
 * (with the real clock), so a periodic call frees them when no new session
 * comes to sweep them. */
size_t ussd_sessions_count(struct ussd_sessions *t);

enum ussd_claim {
    USSD_CLAIM_KNOWN,       /* *out is the live session */
    USSD_CLAIM_NEW,         /* no live session: *out is a fresh record with its key */
    USSD_CLAIM_FULL,        /* no live session and no room for one: nothing held */
    USSD_CLAIM_UNAVAILABLE, /* shared sessions: the database failed, or a step of the
                             * session held it past lock_timeout: nothing held */
};

/* Hold the session key (the record's key) for one step, waiting while
 * another step holds it, and copy it into *out. Every KNOWN or NEW claim
 * must be followed by one ussd_session_release() of the same key. */
enum ussd_claim ussd_session_claim(struct ussd_sessions *t, const char *key, time_t now,
                                   struct ussd_session *out);

/* Store rec (keep) or forget it (!keep), and let the next step in. */
void ussd_session_release(struct ussd_sessions *t, const struct ussd_session *rec, bool keep);

/* The provider ended the session: mark it closed (its answers stay, for
 * late copies, until it expires). No-op when it is not live. */
void ussd_session_close(struct ussd_sessions *t, const char *key);

/* The answer s gave to text[0..len) (an exact repeat, or a late copy of an
 * earlier step whose answer is still kept), or NULL. */
const struct ussd_answer *ussd_session_answer_of(const struct ussd_session *s, const char *text,
                                                 size_t len);

/* Whether text[0..len) is a late copy: a prefix of the session's newest
 * text ending on a '*' (or the same text again). */
bool ussd_session_is_late(const struct ussd_session *s, const char *text, size_t len);

/* Keep the answer given to text[0..len) (the newest step), dropping the
 * oldest answers when the record is full, and make text the newest. */
void ussd_session_answer_add(struct ussd_session *s, const char *text, size_t len,
                             const char *screen, bool end);

#endif
