/* backup.h -- `taawund backup FILE` (while the daemon runs) and `taawund
 * restore FILE` (while it does not): the database copied out through
 * SQLite's online backup API and put back, checked both ways (see
 * store/backup.h). */
#ifndef TAAWUN_CMD_BACKUP_H
#define TAAWUN_CMD_BACKUP_H

/* Run the subcommand in argv[0..argc) (argv[0] is "backup" or "restore");
 * default_config is used without -c. Returns the process exit status: 0
 * done, 1 failure, 2 usage error, 3 (restore) a daemon holds the
 * database. */
int cmd_backup(int argc, char **argv, const char *default_config);

#endif
