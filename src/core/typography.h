/* typography.h -- staff text made to travel as GSM-7: the typographic
 * characters word processors and phones put in French and English text
 * (curly quotes, guillemets, no-break spaces, the œ ligature, the ellipsis
 * character, dashes) replaced by their plain GSM-7 equivalents, so that one
 * of them no longer turns a whole USSD screen into UCS-2 (80 units instead
 * of 182) or an SMS into twice as many parts. Letters GSM-7 lacks (ç, â, ê)
 * are content and stay; so does every Arabic character. Pure. */
#ifndef TAAWUN_CORE_TYPOGRAPHY_H
#define TAAWUN_CORE_TYPOGRAPHY_H

#include <stddef.h>
#include <stdint.h>

#define TYPOGRAPHY_REPLACED_MAX 16 /* distinct characters reported */

/* What typography_normalise replaced: the distinct code points, in order
 * of first appearance (up to TYPOGRAPHY_REPLACED_MAX), and how many
 * characters in all. */
struct typography_changes {
    uint32_t replaced[TYPOGRAPHY_REPLACED_MAX];
    size_t nreplaced;
    size_t count;
};

/* Write valid UTF-8 in[0..len) to out (outsz bytes, NUL-terminated) with
 *   ’ ‘ ‚ ‛ ′  -> '          “ ” „ ‟ ″ « »  -> "
 *   no-break, thin and other spaces (U+00A0, U+2000-U+200A, U+202F) -> ' '
 *   – — ‒ ― ‐ ‑ −  -> -      …  -> ...      œ Œ  -> oe OE
 *   soft hyphen, zero-width space and joiners, BOM -> removed
 * and the space inside guillemets dropped (« mot » -> "mot"). ch (may be
 * NULL) says what changed. Returns the length written, or -1 when in is
 * not valid UTF-8 or out is too small (out is then ""). The output is
 * never longer than the input (len + 1 bytes is always enough). */
long typography_normalise(const char *in, size_t len, char *out, size_t outsz,
                          struct typography_changes *ch);

#endif
