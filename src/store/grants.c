/* grants.c -- reading grant applications for a member. */
#include "store/grants.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "store/db.h"
#include "store/db_sql.h"
#include "store/store_util.h"

#define GRANT_KEY_MAX 32 /* bytes of a typed reference compared, with its NUL */

static int read_rows(struct db *db, struct db_stmt *st, struct ussd_grant *out, size_t max)
{
    size_t n = 0;
    int rc;
    while (n < max && (rc = db_step(st)) == DB_ROW) {
        memset(&out[n], 0, sizeof out[n]);
        store_copy_text(out[n].reference, sizeof out[n].reference, st, 0);
        store_copy_text(out[n].status, sizeof out[n].status, st, 1);
        out[n].amount_mad = db_col_i64(st, 2);
        store_copy_text(out[n].note, sizeof out[n].note, st, 3);
        n++;
    }
    if (n < max && rc != DB_DONE) {
        db_stmt_done(st);
        return store_fail(db, "grants");
    }
    db_stmt_done(st);
    return (int)n;
}

/* A member's grants and their cooperative's (coop_id 0: none) as two
 * disjoint arms, each read in order from its index (grants_member_updated,
 * grants_cooperative_updated) and merged: no OR of two indexes, no sort of
 * the rows in a temporary b-tree (what one SELECT with "member_id = ?1 OR
 * cooperative_id = ?2" and ORDER BY ... LIMIT cost on every USSD step that
 * shows grants). WHERE narrows both arms; the note in language L. One
 * literal per language: found in the statement cache by its address. */
#define GRANTS_ARM(L)                                                                              \
    "SELECT reference, status, amount_mad, coalesce(nullif(note_" L ",''), nullif(note_ar,''),"    \
    " nullif(note_fr,''), nullif(note_en,''), ''), updated_at, id FROM grants"
#define GRANTS_SQL(L, WHERE)                                                                       \
    GRANTS_ARM(L)                                                                                  \
    " WHERE member_id = ?1" WHERE " UNION ALL " GRANTS_ARM(                                        \
        L) " WHERE ?2 <> 0 AND cooperative_id = ?2 AND member_id IS DISTINCT FROM ?1" WHERE        \
           " ORDER BY 5 DESC, 6 DESC LIMIT ?3"
#define GRANTS_BY_REF " AND replace(replace(upper(reference),'-',''),'GR','') = ?4"

static const char *const grants_sql[] = {GRANTS_SQL("ar", ""), GRANTS_SQL("fr", ""),
                                         GRANTS_SQL("en", "")};
static const char *const grant_by_ref_sql[] = {GRANTS_SQL("ar", GRANTS_BY_REF),
                                               GRANTS_SQL("fr", GRANTS_BY_REF),
                                               GRANTS_SQL("en", GRANTS_BY_REF)};

/* The index of lang's note column in the tables above (as store_lang_column). */
static size_t lang_index(const char *lang)
{
    const char *c = store_lang_column(lang);
    return strcmp(c, "fr") == 0 ? 1 : strcmp(c, "en") == 0 ? 2 : 0;
}

int grants_for_member(struct db *db, int64_t member_id, int64_t coop_id, const char *lang,
                      struct ussd_grant *out, size_t max)
{
    struct db_stmt *st;
    if (!(st = db_stmt(db, grants_sql[lang_index(lang)])))
        return store_fail(db, "grants_for_member");
    db_bind_i64(st, 1, member_id);
    db_bind_i64(st, 2, coop_id);
    db_bind_i64(st, 3, (int64_t)max);
    return read_rows(db, st, out, max);
}

/* What a member typed as grant_find_for_member compares it: letters and
 * digits only, upper-case, without a leading "GR" (key holds it, the
 * result points into it). */
static const char *typed_key(const char *typed, char key[GRANT_KEY_MAX])
{
    size_t j = 0;
    for (const char *p = typed; *p && j + 1 < GRANT_KEY_MAX; p++)
        if (isalnum((unsigned char)*p))
            key[j++] = (char)toupper((unsigned char)*p);
    key[j] = '\0';
    return strncmp(key, "GR", 2) == 0 ? key + 2 : key;
}

bool grant_reference_matches(const char *typed, const char *reference)
{
    char key[GRANT_KEY_MAX];
    const char *k = typed_key(typed, key);
    if (!*k)
        return false;
    /* replace(replace(upper(reference),'-',''),'GR',''), as GRANTS_BY_REF:
     * upper() of ASCII letters only, then every "GR" left to right. */
    char up[GRANT_KEY_MAX], norm[GRANT_KEY_MAX];
    size_t n = 0, m = 0;
    for (const char *p = reference; *p; p++) {
        if (n + 1 >= sizeof up)
            return false; /* longer than any reference read (USSD_REF_MAX) */
        if (*p != '-')
            up[n++] = *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
    }
    for (size_t i = 0; i < n;) {
        if (i + 1 < n && up[i] == 'G' && up[i + 1] == 'R') {
            i += 2;
            continue;
        }
        norm[m++] = up[i++];
    }
    norm[m] = '\0';
    return strcmp(norm, k) == 0;
}

int grant_find_for_member(struct db *db, int64_t member_id, int64_t coop_id, const char *typed,
                          const char *lang, struct ussd_grant *out)
{
    char key[GRANT_KEY_MAX];
    const char *k = typed_key(typed, key);
    if (!*k)
        return 0;
    struct db_stmt *st;
    if (!(st = db_stmt(db, grant_by_ref_sql[lang_index(lang)])))
        return store_fail(db, "grant_find_for_member");
    db_bind_i64(st, 1, member_id);
    db_bind_i64(st, 2, coop_id);
    db_bind_i64(st, 3, 1);
    db_bind_text_copy(st, 4, k);
    return read_rows(db, st, out, 1);
}
