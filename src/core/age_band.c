/* age_band.c -- the table of age bands and lookups by age and by name. */
#include "core/age_band.h"

#include <stdio.h>
#include <string.h>

/* Each name once; both tables below point at these. */
static const char under_18[] = "under-18", from_18[] = "18-25", from_26[] = "26-35",
                  from_36[] = "36-50", from_51[] = "51+";

const struct age_band age_bands[] = {
    {under_18, 0, 17}, {from_18, 18, 25}, {from_26, 26, 35}, {from_36, 36, 50}, {from_51, 51, -1},
};

const size_t age_band_count = sizeof age_bands / sizeof age_bands[0];

const char *const age_band_names[] = {under_18, from_18,          from_26, from_36,
                                      from_51,  AGE_BAND_UNKNOWN, NULL};

const char *age_band_of_age(int age)
{
    for (size_t i = 0; i < age_band_count; i++)
        if (age_bands[i].max_age < 0 || age <= age_bands[i].max_age)
            return age_bands[i].name;
    return age_bands[age_band_count - 1].name; /* not reached: the last band is open */
}

const struct age_band *age_band_find(const char *name)
{
    for (size_t i = 0; i < age_band_count; i++)
        if (strcmp(age_bands[i].name, name) == 0)
            return &age_bands[i];
    return NULL;
}

char *age_band_list(char *out, size_t size)
{
    size_t used = 0;
    if (size)
        out[0] = '\0';
    for (size_t i = 0; i < age_band_count && used < size; i++) {
        int n = snprintf(out + used, size - used, "%s%s", i ? ", " : "", age_bands[i].name);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    return out;
}
