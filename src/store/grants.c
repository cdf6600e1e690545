/* grants.c -- reading grant applications for a member. */
#include "store/grants.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "store/db.h"
#include "store/store_util.h"

static int read_rows(sqlite3 *db, sqlite3_stmt *st, struct ussd_grant *out, size_t max)
{
    size_t n = 0;
    int rc;
    while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        memset(&out[n], 0, sizeof out[n]);
        store_copy_text(out[n].reference, sizeof out[n].reference, st, 0);
        store_copy_text(out[n].status, sizeof out[n].status, st, 1);
        out[n].amount_mad = sqlite3_column_int64(st, 2);
        store_copy_text(out[n].note, sizeof out[n].note, st, 3);
        n++;
    }
    if (n < max && rc != SQLITE_DONE) {
        db_stmt_done(st);
        return store_fail(db, "grants");
    }
    db_stmt_done(st);
    return (int)n;
}

static const char *select_sql(const char *lang, const char *where, char *buf, size_t bufsz)
{
    const char *c = store_lang_column(lang);
    snprintf(buf, bufsz,
             "SELECT reference, status, amount_mad,"
             " coalesce(nullif(note_%s,''), nullif(note_ar,''), nullif(note_fr,''),"
             "  nullif(note_en,''), '')"
             " FROM grants WHERE (member_id = ?1 OR (?2 <> 0 AND cooperative_id = ?2)) %s"
             " ORDER BY updated_at DESC, id DESC LIMIT ?3",
             c, where);
    return buf;
}

int grants_for_member(sqlite3 *db, int64_t member_id, int64_t coop_id, const char *lang,
                      struct ussd_grant *out, size_t max)
{
    char sql[600];
    sqlite3_stmt *st;
    if (!(st = db_stmt(db, select_sql(lang, "", sql, sizeof sql))))
        return store_fail(db, "grants_for_member");
    sqlite3_bind_int64(st, 1, member_id);
    sqlite3_bind_int64(st, 2, coop_id);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)max);
    return read_rows(db, st, out, max);
}

int grant_find_for_member(sqlite3 *db, int64_t member_id, int64_t coop_id, const char *typed,
                          const char *lang, struct ussd_grant *out)
{
    /* Compare letters and digits only, upper-case, without the "GR" prefix. */
    char key[32];
    size_t j = 0;
    for (const char *p = typed; *p && j + 1 < sizeof key; p++)
        if (isalnum((unsigned char)*p))
            key[j++] = (char)toupper((unsigned char)*p);
    key[j] = '\0';
    const char *k = strncmp(key, "GR", 2) == 0 ? key + 2 : key;
    if (!*k)
        return 0;
    char sql[700];
    sqlite3_stmt *st;
    if (!(st = db_stmt(db, select_sql(lang,
                                      "AND replace(replace(upper(reference),'-',''),'GR','') = ?4",
                                      sql, sizeof sql))))
        return store_fail(db, "grant_find_for_member");
    sqlite3_bind_int64(st, 1, member_id);
    sqlite3_bind_int64(st, 2, coop_id);
    sqlite3_bind_int64(st, 3, 1);
    sqlite3_bind_text(st, 4, k, -1, SQLITE_TRANSIENT);
    return read_rows(db, st, out, 1);
}
