/* screen.h -- fitting text to a USSD screen, measured in the encoding it
 * travels in (GSM-7 septets or UCS-2 units), never in bytes.
 *
 * A screen's encoding is decided by all of its text: one Arabic letter makes
 * the whole screen UCS-2, so its limit is the UCS-2 one. */
#ifndef TAAWUN_CORE_SCREEN_H
#define TAAWUN_CORE_SCREEN_H

#include <stdbool.h>
#include <stddef.h>
#include "core/gsm.h"
#include "core/limits.h"

struct screen_limit {
    size_t gsm7; /* septets a GSM-7 screen may hold */
    size_t ucs2; /* UCS-2 units a UCS-2 screen may hold */
};

/* Units of s[0..len) (valid UTF-8) in its own encoding, and whether that is
 * within lim. *units_out / *enc_out may be NULL. Invalid UTF-8 never fits
 * (*units_out is then 0 and *enc_out TEXT_UCS2). */
bool screen_fits(const char *s, size_t len, struct screen_limit lim, size_t *units_out,
                 enum text_encoding *enc_out);

/* Shorten valid UTF-8 s[0..len) so that it takes at most max_units in enc,
 * cutting at a word boundary when one exists in the second half of the kept
 * text (else at a character boundary) and appending an ellipsis: "..." for
 * GSM-7, U+2026 for UCS-2. Text that already fits is copied unchanged.
 * Writes NUL-terminated UTF-8 to out (outsz bytes). Returns its length, or
 * -1 when outsz is too small for the result or s is not valid UTF-8 (out is
 * then ""). When max_units cannot hold even the ellipsis, the text is cut
 * to max_units with none. */
long screen_ellipsize(const char *s, size_t len, enum text_encoding enc, size_t max_units,
                      char *out, size_t outsz);

/* Shorten the label texts[i] (valid UTF-8) of a list to max_units[i] in enc
 * so that the labels stay told apart: a label too long first loses the
 * leading words it shares with another label of the list ("Atelier: "),
 * and a leading word before a colon (a kind: "Formation: "), then is
 * ellipsized at a word boundary (screen_ellipsize). Labels that fit
 * are copied unchanged. Writes out[i]. Returns 0, or -1
 * when a label is not valid UTF-8 or does not fit out[i] (out[i] is then
 * ""). */
int screen_shorten_distinct(const char *const *texts, size_t n, enum text_encoding enc,
                            const size_t *max_units, char (*out)[SCREEN_LABEL_BYTES]);

/* A numbered list on one screen:
 *
 *     header            (optional, may hold several lines and an error line)
 *     N. item           (N = index + 1, items[first..])
 *     more              (optional line, shown only when items remain)
 *     nav               (optional last line(s): "0. Back", "00. Home")
 */
struct screen_list {
    const char *header;
    const char *const *items;
    size_t count;
    size_t first;
    const char *more;
    const char *nav;
    struct screen_limit limit;
};

/* Lay out as many items from l->first on as fit into one screen; an item
 * that cannot fit even alone is ellipsized. Writes NUL-terminated UTF-8 to
 * out (outsz bytes; SCREEN_BYTES_MAX is enough). Returns the number of items
 * shown (0 when first >= count: the screen then holds header and nav), or -1
 * when even header and nav alone do not fit. */
/* In detail: lines are joined with "\n", no trailing newline; a NULL or
 * empty header, more or nav takes no line; a NULL item is an empty label.
 * Which items fit depends only on l, never on outsz. -1 also when no item
 * can be shown with header, more and nav (while first < count), when any
 * text is invalid UTF-8, or when outsz is too small (out is then ""). */
long screen_list_render(const struct screen_list *l, char *out, size_t outsz);

/* The index of the first item on page `page` (0-based) of list l (l->first
 * is ignored), or l->count when the list has fewer pages. */
size_t screen_list_page_start(const struct screen_list *l, size_t page);

#endif
