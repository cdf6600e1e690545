/* placeholders.h -- the personalisation placeholders staff may write in a
 * broadcast's or a template's text, declared once: {name} (the member's
 * name), {member_no} (their member number), {event} (the event's title in
 * the text's language), {date} (its local date and time). Finding them,
 * refusing any other "{word}", and expanding them with given values.
 *
 * A placeholder is "{" letters, digits or "_" "}". A brace followed by
 * anything else but spaces or braces is an attempt at one and is refused
 * unless it is a placeholder ("{nom}", "{ name }", "{name" left open,
 * "{الاسم}"): sent as written it would reach members as text. Any other
 * brace is literal ("{}", "{ }", a lone "{", ":-}"). Pure: libc and
 * core/utf8. */
#ifndef TAAWUN_CORE_PLACEHOLDERS_H
#define TAAWUN_CORE_PLACEHOLDERS_H

#include <stddef.h>

enum placeholder {
    PLACEHOLDER_NAME = 0,
    PLACEHOLDER_MEMBER_NO,
    PLACEHOLDER_EVENT,
    PLACEHOLDER_DATE,
    PLACEHOLDER_COUNT
};

#define PLACEHOLDER_WORD_MAX 32 /* "{...}" as reported, NUL included */

/* "name", "member_no", "event", "date" (NULL out of range). */
const char *placeholder_name(enum placeholder p);

/* The placeholders text uses, as a bit set (1u << enum placeholder). */
unsigned placeholders_used(const char *text);

/* The first attempt at a placeholder in text that is not one, copied into
 * out (outsz bytes, cut to fit on a character boundary). Returns 1 when
 * there is one, else 0. */
int placeholders_find_unknown(const char *text, char *out, size_t outsz);

/* text with each placeholder p replaced by values[p] (a NULL value leaves
 * the placeholder as written) into out (outsz bytes, always terminated when
 * outsz > 0). Returns the length written, or -1 when it does not fit. */
long placeholders_expand(const char *text, const char *const values[PLACEHOLDER_COUNT], char *out,
                         size_t outsz) __attribute__((warn_unused_result));

#endif
