/* ideas.c -- storing project ideas with a reference members can quote. */
#include "store/ideas.h"

#include <stdio.h>
#include <time.h>

#include "store/db.h"
#include "store/db_sql.h"
#include "store/store_util.h"

int idea_insert(struct db *db, int64_t member_id, const char *sector, const char *title,
                const char *description, char ref[24])
{
    struct db_stmt *st;
    int64_t now = db_now();
    if (!(st = db_stmt(db, "INSERT INTO ideas (member_id, sector, title, description, created_at,"
                           " updated_at) VALUES (:member_id, :sector, :title, :description,"
                           " :now, :now) RETURNING id")))
        return store_fail(db, "idea_insert");
    store_bind_int64(st, ":member_id", member_id);
    store_bind_text(st, ":sector", sector);
    store_bind_text(st, ":title", title);
    store_bind_text(st, ":description", description);
    store_bind_int64(st, ":now", now);
    int64_t id;
    if (store_insert(db, st, &id, "idea_insert") != 1)
        return -1;
    time_t t = (time_t)now;
    struct tm tm;
    localtime_r(&t, &tm);
    snprintf(ref, 24, "ID-%04d-%05lld", tm.tm_year + 1900, (long long)id);
    if (!(st = db_stmt(db, "UPDATE ideas SET reference = ?1 WHERE id = ?2")))
        return store_fail(db, "idea_reference");
    db_bind_text(st, 1, ref);
    db_bind_i64(st, 2, id);
    return store_exec(db, st, "idea_reference");
}
