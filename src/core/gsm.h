/* gsm.h -- how text travels to a phone: GSM-7 or UCS-2, and what it costs.
 *
 * A text goes as GSM-7 when every character is in the GSM 03.38 default
 * alphabet or its extension table (extension characters cost two septets);
 * otherwise the whole text goes as UCS-2, where characters outside the Basic
 * Multilingual Plane cost two 16-bit units. */
#ifndef TAAWUN_CORE_GSM_H
#define TAAWUN_CORE_GSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum text_encoding { TEXT_GSM7 = 0, TEXT_UCS2 = 1 };

struct text_measure {
    enum text_encoding encoding;
    size_t units;    /* septets (GSM-7) or 16-bit code units (UCS-2) */
    size_t chars;    /* code points */
    size_t segments; /* SMS segments: 1 for an empty text */
};

/* true when cp is in the GSM-7 default alphabet (one septet). */
bool gsm_is_default(uint32_t cp);
/* true when cp is in the GSM-7 extension table (escape + septet). */
bool gsm_is_extension(uint32_t cp);

/* Measure valid UTF-8 s[0..len). Returns 0, or -1 when s is not valid UTF-8
 * (out is then untouched). */
int text_measure(const char *s, size_t len, struct text_measure *out)
    __attribute__((warn_unused_result));

/* What valid UTF-8 s[0..len) costs in both encodings, in one pass (a
 * screen's layout weighs each piece both ways): whether it needs UCS-2,
 * its septets (counted as text_units(TEXT_GSM7) does) and its UCS-2 units.
 * Returns 0, or -1 when s is not valid UTF-8 (outputs untouched). */
int text_costs(const char *s, size_t len, bool *ucs2, size_t *septets, size_t *ucs2_units)
    __attribute__((warn_unused_result));

/* Units s[0..len) (valid UTF-8) takes when sent in the given encoding. For
 * TEXT_GSM7 the caller must know the text is GSM-7 representable. */
size_t text_units(const char *s, size_t len, enum text_encoding enc);

/* SMS segments for a text of `units` units in `enc` (1 for units == 0).
 * Knowing only the units, this cannot keep an extension character or a
 * surrogate pair whole across parts: it is a lower bound of the count
 * text_measure gives, which does keep them whole. */
size_t sms_segments(enum text_encoding enc, size_t units);

/* Fill out[0..max) with the distinct code points of valid UTF-8 s[0..len)
 * that force UCS-2, in order of first appearance. Returns how many there
 * are in all (may exceed max; only max are stored). */
size_t text_ucs2_forcing(const char *s, size_t len, uint32_t *out, size_t max);

const char *text_encoding_name(enum text_encoding enc); /* "gsm7" / "ucs2" */

#endif
