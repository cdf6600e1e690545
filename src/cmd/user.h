/* user.h -- `taawund user create NAME --role ROLE [-c FILE]
 * [--replace]` and `taawund user list [-c FILE]`: web console accounts on
 * the database directly. */
#ifndef TAAWUN_CMD_USER_H
#define TAAWUN_CMD_USER_H

/* argv[0] is "user". Returns the process exit code. */
int cmd_user(int argc, char **argv, const char *default_config);

#endif
