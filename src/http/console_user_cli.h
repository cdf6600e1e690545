/* console_user_cli.h -- `taawund user create NAME --role ROLE [-c FILE]
 * [--replace]` and `taawund user list [-c FILE]`: web console accounts on
 * the database directly. */
#ifndef TAAWUN_HTTP_CONSOLE_USER_CLI_H
#define TAAWUN_HTTP_CONSOLE_USER_CLI_H

/* argv[0] is "user". Returns the process exit code. */
int console_user_cli(int argc, char **argv, const char *default_config);

#endif
