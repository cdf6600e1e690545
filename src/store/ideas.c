/* ideas.c -- storing project ideas with a reference members can quote. */
#include "store/ideas.h"

#include <stdio.h>
#include <time.h>

#include "store/db.h"
#include "store/store_util.h"

int idea_insert(sqlite3 *db, int64_t member_id, const char *sector, const char *title,
                const char *description, char ref[24])
{
    sqlite3_stmt *st;
    int64_t now = db_now();
    if (!(st = db_stmt(db, "INSERT INTO ideas (member_id, sector, title, description, created_at,"
                           " updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)")))
        return store_fail(db, "idea_insert");
    sqlite3_bind_int64(st, 1, member_id);
    sqlite3_bind_text(st, 2, sector, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, title, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, description, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, now);
    int rc = sqlite3_step(st);
    db_stmt_done(st);
    if (rc != SQLITE_DONE)
        return store_fail(db, "idea_insert");
    int64_t id = sqlite3_last_insert_rowid(db);
    time_t t = (time_t)now;
    struct tm tm;
    localtime_r(&t, &tm);
    snprintf(ref, 24, "ID-%04d-%05lld", tm.tm_year + 1900, (long long)id);
    if (!(st = db_stmt(db, "UPDATE ideas SET reference = ?1 WHERE id = ?2")))
        return store_fail(db, "idea_reference");
    sqlite3_bind_text(st, 1, ref, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, id);
    rc = sqlite3_step(st);
    db_stmt_done(st);
    return rc == SQLITE_DONE ? 0 : store_fail(db, "idea_reference");
}
