/* bulk_cell.h -- one cell of a staff CSV import checked and normalised:
 * phone numbers to E.164, province, sector and language codes as the
 * programme spells them, genders, consents and grant statuses from their
 * English, French and Arabic words, amounts without spaces. The header
 * folding used to match column names lives here too. Pure: no database. */
#ifndef TAAWUN_APP_BULK_CELL_H
#define TAAWUN_APP_BULK_CELL_H

#include <stddef.h>

#include "app/programme.h"
#include "store/bulk.h"

#define BULK_CELL_VALUE_MAX 1024 /* bytes of one normalised cell */

/* What a cell is checked against: the programme's codes and languages. */
struct bulk_env {
    const struct notice_env *notice; /* grant notices; languages */
    const char *const *provinces;
    size_t nprovinces;
    const char *const *sectors;
    size_t nsectors;
    int min_age;
    int current_year;
};

/* Check cell s of field (of kind) and write its normalised value into out
 * (outsz bytes). Returns NULL when valid, or the reason it is not, in
 * English, for the staff report (a static string). */
const char *bulk_cell_check(const struct bulk_env *env, enum bulk_kind kind, size_t field,
                            const char *s, char *out, size_t outsz);

/* Fold a header or a status word: lower-case ASCII, French accents dropped,
 * spaces, dashes, apostrophes and dots to '_', repeated and edge '_'
 * removed. */
void bulk_cell_fold(const char *in, char *out, size_t outsz);

#endif
