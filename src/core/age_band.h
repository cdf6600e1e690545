/* age_band.h -- the programme's age bands, declared once: the members
 * filter and statistics of the admin API, broadcast audiences (through the
 * SQL function age_band() that store/db registers) and the web console
 * (which receives them from GET /api/v1/programme) all read this table.
 * Pure. */
#ifndef TAAWUN_CORE_AGE_BAND_H
#define TAAWUN_CORE_AGE_BAND_H

#include <stddef.h>

#define AGE_BAND_UNKNOWN "unknown" /* members without a birth year */
#define AGE_BAND_NAME_MAX 16       /* bytes of a band's name, with the NUL */

struct age_band {
    const char *name; /* "18-25" */
    int min_age;      /* inclusive */
    int max_age;      /* inclusive; -1: no upper bound */
};

/* The bands, youngest first; they cover every age without overlap. */
extern const struct age_band age_bands[];
extern const size_t age_band_count;

/* The band names, then AGE_BAND_UNKNOWN, then NULL: the values an audience
 * may name. */
extern const char *const age_band_names[];

/* The band of a member of this age (an age below the first band counts in
 * the first band). Never NULL. */
const char *age_band_of_age(int age);

/* The band called name, or NULL (AGE_BAND_UNKNOWN included: it has no ages). */
const struct age_band *age_band_find(const char *name);

/* The band names joined by ", " into out[0..size) ("under-18, 18-25, ...",
 * for error messages). Returns out. */
char *age_band_list(char *out, size_t size);

#endif
