/* bulk_cell.c -- checking and normalising one cell of a CSV import (see
 * bulk_cell.h), one function per kind of value. */
#include "app/bulk_cell.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/msisdn.h"
#include "core/utf8.h"

#define NAME_MAX_BYTES 255
#define PROGRAMME_MAX_BYTES 200
#define NOTE_MAX_BYTES 500
#define CODE_MAX_BYTES 31
#define REFERENCE_MAX_BYTES 31
#define AMOUNT_MAX 100000000LL

void bulk_cell_fold(const char *in, char *out, size_t outsz)
{
    static const struct {
        const char *utf8;
        char ascii;
    } accents[] = {{"é", 'e'}, {"è", 'e'}, {"ê", 'e'}, {"ë", 'e'}, {"É", 'e'},
                   {"È", 'e'}, {"à", 'a'}, {"â", 'a'}, {"î", 'i'}, {"ï", 'i'},
                   {"ô", 'o'}, {"û", 'u'}, {"ù", 'u'}, {"ç", 'c'}, {"Ç", 'c'}};
    size_t n = 0;
    for (const char *p = in; *p && n + 1 < outsz;) {
        char c = 0;
        size_t adv = 1;
        for (size_t i = 0; i < sizeof accents / sizeof accents[0]; i++) {
            size_t l = strlen(accents[i].utf8);
            if (strncmp(p, accents[i].utf8, l) == 0) {
                c = accents[i].ascii;
                adv = l;
                break;
            }
        }
        if (!c) {
            unsigned char u = (unsigned char)*p;
            if (u >= 'A' && u <= 'Z')
                c = (char)(u - 'A' + 'a');
            else if ((u >= 'a' && u <= 'z') || (u >= '0' && u <= '9'))
                c = (char)u;
            else if (u == ' ' || u == '-' || u == '\'' || u == '.' || u == '_' || u == '\t')
                c = '_';
            else
                c = (char)u; /* anything else kept: it will not match */
        }
        p += adv;
        if (c == '_' && (n == 0 || out[n - 1] == '_'))
            continue;
        out[n++] = c;
    }
    while (n > 0 && out[n - 1] == '_')
        n--;
    out[n] = '\0';
}

static bool ieq_any(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcasecmp(s, *list) == 0)
            return true;
    return false;
}

static const char *code_in(const char *s, const char *const *codes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(s, codes[i]) == 0)
            return codes[i];
    return NULL;
}

static bool digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

/* One of codes (compared without case), written as the programme spells it. */
static const char *check_code(const char *s, const char *const *codes, size_t n, char *out,
                              size_t outsz, const char *why)
{
    const char *c = code_in(s, codes, n);
    if (!c)
        return why;
    snprintf(out, outsz, "%s", c);
    return NULL;
}

/* A word of yes (written as yes_value) or of no (no_value). */
static const char *check_pair(const char *s, const char *const *yes, const char *yes_value,
                              const char *const *no, const char *no_value, char *out, size_t outsz,
                              const char *why)
{
    if (ieq_any(s, yes))
        snprintf(out, outsz, "%s", yes_value);
    else if (ieq_any(s, no))
        snprintf(out, outsz, "%s", no_value);
    else
        return why;
    return NULL;
}

static const char *check_member_cell(const struct bulk_env *env, size_t field, const char *s,
                                     char *out, size_t outsz)
{
    static const char *const women[] = {"f", "femme", "female", "woman",
                                        "w", "أنثى",  "امرأة",  NULL};
    static const char *const men[] = {"m", "homme", "male", "man", "h", "ذكر", "رجل", NULL};
    static const char *const yes[] = {"yes", "oui", "y", "o", "1", "true", "vrai", "نعم", NULL};
    static const char *const no[] = {"no", "non", "n", "0", "false", "faux", "لا", NULL};
    switch (field) {
    case BM_GENDER:
        return check_pair(s, women, "f", men, "m", out, outsz,
                          "gender must be f or m (femme/homme)");
    case BM_BIRTH_YEAR: {
        long y = digits(s) && strlen(s) == 4 ? strtol(s, NULL, 10) : -1;
        if (y < env->current_year - 120 || y > env->current_year - env->min_age)
            return "not a plausible birth year";
        return NULL;
    }
    case BM_LANGUAGE:
        return check_code(s, env->notice->languages, env->notice->nlanguages, out, outsz,
                          "not a language of the programme");
    case BM_CONSENT:
        return check_pair(s, yes, "yes", no, "no", out, outsz,
                          "consent must be yes or no (oui/non)");
    default:
        return NULL;
    }
}

/* A whole number of MAD; spaces and no-break spaces between digits allowed. */
static const char *check_amount(const char *s, char *out, size_t outsz)
{
    char d[32];
    size_t n = 0;
    for (const char *p = s; *p; p++) {
        if (*p == ' ' || *p == '\t')
            continue;
        if (strncmp(p, "\xC2\xA0", 2) == 0 || strncmp(p, "\xE2\x80\xAF", 3) == 0) {
            p += (unsigned char)p[0] == 0xC2 ? 1 : 2; /* no-break spaces */
            continue;
        }
        if (n + 1 >= sizeof d)
            return "not an amount in MAD";
        d[n++] = *p;
    }
    d[n] = '\0';
    if (!digits(d) || n > 10 || strtoll(d, NULL, 10) > AMOUNT_MAX)
        return "amount_mad must be a whole number of MAD (0 to 100000000)";
    snprintf(out, outsz, "%lld", strtoll(d, NULL, 10));
    return NULL;
}

/* A grant status, by its code or a French word for it. */
static const char *check_grant_status(const char *s, char *out, size_t outsz)
{
    static const struct {
        const char *word, *status;
    } words[] = {{"soumis", "submitted"},
                 {"depose", "submitted"},
                 {"en_cours", "under_review"},
                 {"en_examen", "under_review"},
                 {"documents_manquants", "documents_missing"},
                 {"pieces_manquantes", "documents_missing"},
                 {"approuve", "approved"},
                 {"accepte", "approved"},
                 {"verse", "disbursed"},
                 {"decaisse", "disbursed"},
                 {"rejete", "rejected"},
                 {"refuse", "rejected"}};
    char f[64];
    bulk_cell_fold(s, f, sizeof f);
    for (size_t i = 0; programme_grant_statuses[i]; i++)
        if (strcmp(f, programme_grant_statuses[i]) == 0) {
            snprintf(out, outsz, "%s", programme_grant_statuses[i]);
            return NULL;
        }
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcmp(f, words[i].word) == 0) {
            snprintf(out, outsz, "%s", words[i].status);
            return NULL;
        }
    return "not a grant status (submitted, under_review, documents_missing, approved, "
           "disbursed, rejected)";
}

static const char *check_grant_cell(size_t field, const char *s, char *out, size_t outsz)
{
    switch (field) {
    case BG_REFERENCE:
        return strlen(s) <= REFERENCE_MAX_BYTES ? NULL : "a reference is at most 31 characters";
    case BG_PROGRAMME:
        return strlen(s) <= PROGRAMME_MAX_BYTES ? NULL : "longer than 200 bytes";
    case BG_AMOUNT:
        return check_amount(s, out, outsz);
    case BG_STATUS:
        return check_grant_status(s, out, outsz);
    case BG_NOTE_AR:
    case BG_NOTE_FR:
    case BG_NOTE_EN:
        return strlen(s) <= NOTE_MAX_BYTES ? NULL : "longer than 500 bytes";
    default:
        return NULL;
    }
}

static bool is_field(enum bulk_kind kind, size_t field, size_t coop, size_t member, size_t grant)
{
    return (kind == BULK_COOPERATIVES && field == coop) ||
           (kind == BULK_MEMBERS && field == member) || (kind == BULK_GRANTS && field == grant);
}

#define NONE ((size_t)-1)

const char *bulk_cell_check(const struct bulk_env *env, enum bulk_kind kind, size_t field,
                            const char *s, char *out, size_t outsz)
{
    snprintf(out, outsz, "%s", s);
    if (!utf8_valid(s, strlen(s)))
        return "not UTF-8 text (save the file as \"CSV UTF-8\")";
    if (is_field(kind, field, BC_CONTACT_PHONE, BM_PHONE, BG_MEMBER_PHONE)) {
        char e164[MSISDN_MAX];
        if (msisdn_normalize(s, strlen(s), e164) != MSISDN_OK)
            return "not a valid mobile number";
        snprintf(out, outsz, "%s", e164);
        return NULL;
    }
    if (is_field(kind, field, BC_CODE, BM_COOPERATIVE, BG_COOPERATIVE))
        return digits(s) && strlen(s) <= CODE_MAX_BYTES ? NULL
                                                        : "a cooperative code is digits only";
    if (is_field(kind, field, BC_PROVINCE, BM_PROVINCE, NONE))
        return check_code(s, env->provinces, env->nprovinces, out, outsz,
                          "not a province code of the programme");
    if (is_field(kind, field, BC_SECTOR, BM_SECTOR, NONE))
        return check_code(s, env->sectors, env->nsectors, out, outsz,
                          "not a sector code of the programme");
    if (is_field(kind, field, BC_NAME, BM_NAME, NONE))
        return strlen(s) <= NAME_MAX_BYTES ? NULL : "longer than 255 bytes";
    if (kind == BULK_MEMBERS)
        return check_member_cell(env, field, s, out, outsz);
    if (kind == BULK_GRANTS)
        return check_grant_cell(field, s, out, outsz);
    return NULL;
}
