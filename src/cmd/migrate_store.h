/* migrate_store.h -- `taawund migrate-store --from FILE [-c CONF]`: a
 * programme's SQLite database, its daemon stopped, copied whole into the
 * empty PostgreSQL database CONF names (store/migrate_store). */
#ifndef TAAWUN_CMD_MIGRATE_STORE_H
#define TAAWUN_CMD_MIGRATE_STORE_H

/* Exit statuses besides 0 (copied), 1 (failed: nothing committed) and 2
 * (usage). */
#define CMD_MIGRATE_STORE_IN_USE 3  /* a running taawund holds the SQLite file */
#define CMD_MIGRATE_STORE_REFUSED 4 /* the source or the target is not what a copy needs */

/* Run the subcommand in argv[0..argc) (argv[0] is "migrate-store");
 * default_config is used without -c. Returns the process exit status. */
int cmd_migrate_store(int argc, char **argv, const char *default_config);

#endif
