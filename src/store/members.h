/* members.h -- cooperatives and members: lookups for the menus and the
 * registration write. Functions borrow the connection and never begin or
 * commit a transaction themselves unless they say so. */
#ifndef TAAWUN_STORE_MEMBERS_H
#define TAAWUN_STORE_MEMBERS_H

#include <stddef.h>
#include <stdint.h>
#include "store/db.h"

#include <stdbool.h>

#include "core/limits.h"
#include "core/topic.h"

#define MEMBER_NAME_MAX 256 /* bytes of UTF-8, NUL included */
#define CODE_MAX 32

struct cooperative {
    int64_t id;
    char code[CODE_MAX];
    char name[MEMBER_NAME_MAX];
    char province[CODE_MAX];
    char sector[CODE_MAX];
};

struct member {
    int64_t id;
    char phone[MSISDN_MAX];
    char name[MEMBER_NAME_MAX];
    int64_t cooperative_id; /* 0: none */
    char cooperative_name[MEMBER_NAME_MAX];
    char province[CODE_MAX];
    char sector[CODE_MAX];
    char gender; /* 'f', 'm' or 0 */
    int birth_year;
    char language[8];
    int64_t consent_at;
    char consent_channel[CODE_MAX + CHANNEL_NAME_MAX];
    int64_t registered_at;
    int64_t opted_out_at;
    int64_t erased_at;
    bool is_contact;       /* staff marked them their cooperative's contact person */
    char consent_state[8]; /* "pending", "given", "refused", or "" (no record) */
};

/* Find a cooperative by its code. Returns 1 (found, *out filled), 0 (no such
 * code) or -1 (database error, logged). */
int coop_find_by_code(struct db *db, const char *code, struct cooperative *out)
    __attribute__((warn_unused_result));

/* Find a member by E.164 phone. Returns 1, 0 or -1 as coop_find_by_code. An
 * erased member is found (erased_at set) so callers can honour opt-outs. */
int member_find_by_phone(struct db *db, const char *phone, struct member *out)
    __attribute__((warn_unused_result));

/* Insert a registered member from m (phone, name, cooperative_id, province,
 * sector, gender, birth_year, language, consent_channel), with consent and
 * registration stamped now. An erased member with the same phone is
 * registered again in place; a registered one is left as it is.
 * Must run inside a transaction. Returns 0 with *id_out set, or -1. */
int member_register(struct db *db, const struct member *m, const char *via, int64_t *id_out)
    __attribute__((warn_unused_result));

/* Insert a member registered by their cooperative's contact person
 * contact_id, from m (phone, name, cooperative_id, sector, gender,
 * birth_year, language; province: the cooperative's, else m's):
 * registered now via "contact", consent
 * 'pending' (no consent_at) until the member answers the consent SMS. A
 * phone that already has a row (a member, an erased one included) is left
 * as it is. Must run inside a transaction. Returns 1 with *id_out set, 0
 * when the phone has a row already, or -1. */
int member_register_by_contact(struct db *db, const struct member *m, int64_t contact_id,
                               int64_t *id_out) __attribute__((warn_unused_result));

/* Record a member's answer to the consent question through channel: given
 * stamps consent_at now (consent_channel = channel), refused clears it;
 * both set consent_state and its time and channel. Returns 0 or -1. */
int member_consent_set(struct db *db, int64_t id, bool given, const char *channel)
    __attribute__((warn_unused_result));

/* Change a member's language. Returns 0 or -1. */
int member_set_language(struct db *db, int64_t id, const char *lang)
    __attribute__((warn_unused_result));

/* Topic switches of a member, in the order of topic_codes (a topic
 * without a row is on: consent covers every topic). Returns 0 or -1. */
int member_topics_get(struct db *db, int64_t id, bool enabled[TOPIC_COUNT])
    __attribute__((warn_unused_result));

/* Switch one topic (a code of topic_codes). Returns 0 or -1. */
int member_topic_set(struct db *db, int64_t id, const char *topic, bool on)
    __attribute__((warn_unused_result));

/* Stop (or resume) all messages to the member. Returns 0 or -1. */
int member_set_stopped(struct db *db, int64_t id, bool stopped) __attribute__((warn_unused_result));

/* Erase the member's personal data: name, cooperative, province, sector,
 * gender, birth year, consent, topics, RSVPs, the text of their ideas and
 * messages. The phone number stays, with the member opted out, so the
 * opt-out is honoured. Grant records stay with the programme. The
 * member's rows in the message archives are redacted by the next retention
 * pass (a request queued here, store/archive.h). Must run inside a write
 * transaction. Returns 0 or -1. */
int member_erase(struct db *db, int64_t id) __attribute__((warn_unused_result));

/* The member number shown to members: "TA-000042". out holds 16 bytes. */
void member_number(int64_t id, char out[16]);

/* What staff typed to find a member by name, as the words the name
 * search looks for: folded as the stored names are (core/fold), the words
 * holding a letter or a digit, at most SEARCH_WORDS_MAX, one space apart.
 * The admin API's name searches take it as :name (store/admin_queries)
 * and make of it their engine's query (member_name_match). Returns 0, or
 * -1 when typed holds no letter or digit or out (outsz bytes) is too
 * small. */
int member_name_query(const char *typed, char *out, size_t outsz)
    __attribute__((warn_unused_result));

/* words (a member_name_query) as the full-text query of db's engine: each
 * word a quoted prefix ("hel" finds Hélène), all words required. SQLite:
 * members_name_fts's FTS5 query, "hel"* "oeuv"* ('"' doubled inside a
 * word); PostgreSQL: to_tsquery text for the index on the folded names,
 * 'hel':* & 'oeuv':* (quote and backslash doubled). A word of several
 * tokens (o'brien) is a phrase on both. Returns 0, or -1 when words holds
 * none or out (outsz bytes) is too small. */
int member_name_match(const struct db *db, const char *words, char *out, size_t outsz)
    __attribute__((warn_unused_result));

#endif
