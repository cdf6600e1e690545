/* db_health.h -- what store/db uses to keep the store's health on a full
 * disk (see db_ping in store/db.h): internal to store/db. */
#ifndef TAAWUN_STORE_DB_HEALTH_H
#define TAAWUN_STORE_DB_HEALTH_H

#include <stdbool.h>
#include "store/db_sql.h"

/* Look at db's last error: SQLITE_FULL or SQLITE_IOERR sets the flag and
 * tells store/db_checkpoint (the WAL's tight threshold for the life of the
 * process, its space given back while writes fail). */
void db_health_note_error(struct db *db);

/* Whether writes are failing (db_writes_failing in store/db.h). */
bool db_health_failing(void);

/* A commit that changed something succeeded: the flag clears. */
void db_health_note_ok(void);

/* Whether db_ping should try its write probe now (writes failing, and at
 * most once per DB_RECOVERY_INTERVAL_MS). */
bool db_health_probe_due(void);

/* Log that a statement failed (event db_error, query=QUERY error=ERROR),
 * identical errors (same extended code) collapsed with a count. */
void db_health_log_error(struct db *db, const char *query, const char *error);

#endif
