/* sms_reply.h -- fitting an SMS reply to a number of segments in the
 * encoding it travels in (GSM-7 or UCS-2, measured with core/gsm), growing a
 * list reply item by item while it fits, reading the short answers members
 * type in a guided exchange (yes / no, on / off), and telling whether a text
 * already carries an opt-out hint. Pure and bounded: no I/O, no allocation.
 *
 * Segments: a text of one segment holds 160 GSM-7 septets or 70 UCS-2
 * units; a longer one is cut in parts of 153 / 67 (the concatenation header
 * takes the rest); extension characters and surrogate pairs are never split
 * across parts (text_measure decides). */
#ifndef TAAWUN_CORE_SMS_REPLY_H
#define TAAWUN_CORE_SMS_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/limits.h" /* SMS_REPLY_SEGMENTS_CEILING */

/* The text as it travels, every SMS alike (replies, notices, receipts,
 * broadcasts): valid UTF-8 s[0..len) with the right-to-left mark (U+200F,
 * core/bidi.h) in front when it holds Arabic letters but its first strong
 * letter is Latin (a reference GR-2026-..., a member number TA-000001, a
 * Latin name), so that a phone taking the direction from the first letter
 * reads it right to left. The mark costs one UCS-2 unit; a text that needs
 * it is UCS-2 already (its Arabic letters), so a GSM-7 text never gets it.
 * Into out (outsz bytes, NUL-terminated). Returns the length written, or -1
 * when s is not valid UTF-8 or out is too small (out is then ""). */
long sms_reply_directed(const char *s, size_t len, char *out, size_t outsz);

/* Segments valid UTF-8 s[0..len) takes as it travels: in its own encoding,
 * with the mark sms_reply_directed would put in front (1 for ""), or 0 when
 * s is not valid UTF-8. */
size_t sms_reply_segments(const char *s, size_t len);

/* true when valid UTF-8 s[0..len) as it travels (sms_reply_directed) takes
 * at most max_segments segments and fewer than outsz bytes (so it can be
 * copied with its mark and NUL). */
bool sms_reply_fits(const char *s, size_t len, size_t max_segments, size_t outsz);

/* Copy valid UTF-8 s[0..len) as it travels (sms_reply_directed: the mark
 * counted) into out (outsz bytes, always NUL-terminated) so that it takes at
 * most max_segments segments (1..SMS_REPLY_SEGMENTS_CEILING; others are
 * clamped) and fits out: unchanged when it does, else cut at a word
 * boundary when one exists in the second half of what is kept, with an
 * ellipsis ("..." in GSM-7, U+2026 in UCS-2). Returns the length written, or
 * -1 when s is not valid UTF-8 or outsz < 8 (out is then ""). */
long sms_reply_fit(const char *s, size_t len, size_t max_segments, char *out, size_t outsz);

/* Append sep (when *len > 0) and item to the reply buf[0..*len) (bufsz bytes,
 * NUL-terminated) only if the result still fits max_segments segments as it
 * travels (sms_reply_fits) and bufsz bytes together with tail (a text that will follow, "" or NULL,
 * not written). Returns true and updates *len when appended; false leaves buf as it was. */
bool sms_reply_append(char *buf, size_t bufsz, size_t *len, const char *sep, const char *item,
                      const char *tail, size_t max_segments);

enum sms_reply_word {
    SMS_REPLY_WORD_NONE = 0,
    SMS_REPLY_WORD_YES, /* yes, oui, o, y, ok, 1, on, نعم, موافق, اقبل, واخا, ... */
    SMS_REPLY_WORD_NO,  /* no, non, n, 0, 2, off, لا, ارفض, ... */
};

/* What a short answer means, read on its LAST word folded as
 * sms_command_fold does ("  Oui! " -> yes, "ALERTES EVENEMENTS NON" -> no,
 * "نعم" -> yes). on_off: read ON / OFF and their translations (on, active,
 * activer, oui, yes, تشغيل, نعم | off, desactiver, non, no, ايقاف, لا,
 * 0/1 as off/on) instead of the consent words (where 1 is yes and 2 is no,
 * as on the USSD menu). Any bytes. */
enum sms_reply_word sms_reply_word(const char *text, size_t len, bool on_off);

/* true when valid UTF-8 text[0..len) already tells how to stop messages:
 * it holds the folded hint (may be NULL or "") or one of the words STOP,
 * ARRET, توقف (folded, as whole words). For broadcasts: see
 * sms_optout_with_hint in app/sms_optout.h. */
bool sms_reply_has_opt_out(const char *text, size_t len, const char *hint);

#endif
