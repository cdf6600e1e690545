/* ussd_session_pack.h -- internal to app/: a session record's bytes
 * (app/ussd_record.h), as both session tables keep them. Packed with
 * only the bytes it uses (core/bytepack): the phone, the newest text, each
 * answer's text length and end flag (and its hash when the text is not a
 * prefix of the newest), the state squeezed and the kept reads.
 *
 * What comes before those differs: the in-memory table (app/ussd_session)
 * starts with the answers' holds on their screens in its app/screen_pool;
 * the portable form (the nodes' shared table, store/shared_sessions)
 * starts with the screens themselves and leaves out what means something
 * only in this process: the kept reads (their version is one process's,
 * store/db_version) and the state's error_key (a pointer; the line it names
 * was shown already, and the next input sets it again). */
#ifndef TAAWUN_APP_USSD_SESSION_PACK_H
#define TAAWUN_APP_USSD_SESSION_PACK_H

#include <stdbool.h>
#include <stddef.h>

#include "app/ussd_record.h"
#include "core/bytepack.h"

/* The most ussd_pack_rest writes: every field whole, the state and the
 * kept reads squeezed at worst to twice their size, a hash per answer,
 * lengths and tags. */
#define USSD_PACK_REST_MAX                                                                         \
    (sizeof(struct ussd_session) + sizeof(struct ussd_state) +                                     \
     2 * sizeof(struct ussd_kept_reads) + USSD_SESSION_ANSWERS_MAX * (sizeof(uint64_t) + 10) + 64)

/* The most the portable form takes: no kept reads, the screens inline
 * (each after its length). */
#define USSD_PACK_PORTABLE_MAX                                                                     \
    (offsetof(struct ussd_session, reads) + 2 * sizeof(struct ussd_state) +                        \
     USSD_SESSION_ANSWERS_MAX * (sizeof(uint64_t) + 16) + 64)

/* Write s's fields after its answers' screens into w. portable: for
 * another process, so no kept reads and the state's error_key (a pointer)
 * left NULL; else the kept reads unless s is closed (a closed session takes
 * no input). */
void ussd_pack_rest(struct packer *w, const struct ussd_session *s, bool portable);

/* Read back what ussd_pack_rest wrote into s (zeroed but its key,
 * last_seen and closed; s->nanswers set), screens[i] (lens[i] bytes) being
 * answer i's screen (borrowed, copied into s's arena). Then, when r went
 * bad or did not end at its end, s is reset to a fresh record with only
 * its key, last_seen and closed. */
void ussd_unpack_rest(struct unpacker *r, struct ussd_session *s, const char *const screens[],
                      const size_t lens[]);

/* s in the portable form into buf (USSD_PACK_PORTABLE_MAX bytes): the
 * answers' count, each screen after its length, then ussd_pack_rest's
 * fields without the kept reads. Returns the length. The key, last_seen
 * and closed are not in it (the table keeps them). */
size_t ussd_pack_portable(const struct ussd_session *s, unsigned char *buf);

/* The portable form p[0..n) into s (zeroed but its key, last_seen and
 * closed; n 0: a fresh record). Bad bytes leave a fresh record. */
void ussd_unpack_portable(struct ussd_session *s, const unsigned char *p, size_t n);

#endif
