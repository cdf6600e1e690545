/* throttles.h -- failed authentications per client address kept in the
 * database, so that the nodes sharing one (store/nodes) block an address
 * together: app/throttle's policy (a window, a threshold, a block) on
 * rows of throttles, one per (scope, client), in wall-clock seconds. A
 * lone node (SQLite) keeps them in memory instead (app/throttle). */
#ifndef TAAWUN_STORE_THROTTLES_H
#define TAAWUN_STORE_THROTTLES_H

#include <stdint.h>

struct db;

/* The policy of one scope: failures_max failures within window_s block
 * the address for block_s. */
struct throttles_policy {
    const char *scope;
    int failures_max, window_s, block_s;
};

/* Seconds client stays blocked at now (0: not), or -1 (logged). */
int throttles_blocked(struct db *db, const struct throttles_policy *p, const char *client,
                      int64_t now);

/* Count a failure of client at now (a new window once the last is over).
 * Returns the failures counted in the window when this one blocked the
 * address, 0 when it did not, -1 (logged). One write transaction. */
int throttles_failed(struct db *db, const struct throttles_policy *p, const char *client,
                     int64_t now);

/* Forget client's failures after a success, unless it is blocked. 0 or -1. */
int throttles_succeeded(struct db *db, const struct throttles_policy *p, const char *client,
                        int64_t now);

#endif
