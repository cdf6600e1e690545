/* fold.h -- one text folding for everything taawun compares as a person
 * would read it: SMS keywords, typed references and (later) staff search.
 * The one module that knows utf8proc.
 *
 * Folding = Unicode compatibility decomposition (NFKD: presentation forms,
 * fullwidth letters, ligatures, circled digits to their plain letters),
 * case folding, marks stripped (accents, harakat, hamza above/below, so
 * أ إ آ -> ا, ؤ -> و, ئ -> ي, é -> e), all by utf8proc; then a small map
 * by hand for what Unicode does not equate: Arabic letter variants
 * (ٱ -> ا, ة -> ه, ى ی -> ي, ک -> ك), tatweel removed, Arabic-Indic and
 * Eastern Arabic-Indic digits to ASCII, and the Latin letters that have no
 * decomposition (œ -> oe, æ -> ae, ø -> o, ð -> d).
 *
 * Why in core/ although core/ is otherwise libc only: the keyword parser
 * (core/sms_text, core/sms_keyword) folds every word it compares and must
 * stay a pure function that unit tests and fuzz targets call directly.
 * utf8proc is itself pure (no I/O, no state, and utf8proc_decompose_char
 * allocates nothing), so the rule's reasons hold; this is the only core
 * module that includes a library header. Pure and bounded. */
#ifndef TAAWUN_CORE_FOLD_H
#define TAAWUN_CORE_FOLD_H

#include <stddef.h>
#include <stdint.h>

/* Bytes one folded code point may take (the longest decompositions, such
 * as U+FDFA, are cut at a character boundary). */
#define FOLD_CP_BYTES 64

/* Fold the code point cp into out (UTF-8, not NUL-terminated); returns the
 * bytes written, 0 for a mark or tatweel (nothing left). An invalid code
 * point is written as is when it can be encoded, else nothing. */
size_t fold_cp(uint32_t cp, char out[FOLD_CP_BYTES]);

/* Fold the text in[0..len) into out (outsz bytes, outsz > 0; always
 * NUL-terminated, cut at a character boundary): every code point folded as
 * fold_cp does; white space and line breaks made one ASCII space, ends
 * trimmed; control and invisible format characters (RLM, BOM, ZWJ...)
 * removed; invalid bytes read as a space. Punctuation is kept. Idempotent:
 * fold_text of a folded text gives it back. For a stored, searchable
 * column: compare fold_text(a) with fold_text(b). Returns the length
 * written. in may be NULL when len is 0. */
size_t fold_text(const char *in, size_t len, char *out, size_t outsz);

#endif
