/* token.h -- `taawund token create|revoke|list`: managing the
 * admin API's tokens on the database directly, without a running daemon,
 * so the first admin token can be created. */
#ifndef TAAWUN_CMD_TOKEN_H
#define TAAWUN_CMD_TOKEN_H

/* Run the subcommand in argv[1..argc) (argv[0] is "token"); default_config
 * is used without -c. Returns the process exit status: 0 done, 1 failure,
 * 2 usage error. */
int cmd_token(int argc, char **argv, const char *default_config);

#endif
