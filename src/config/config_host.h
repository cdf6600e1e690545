/* config_host.h -- the checks of a loaded config that look at this host:
 * the listeners' addresses (numeric, of a family the host has, assignable
 * here) and the files the start reads (demo_data). runtime_load runs them
 * after config_load, so `taawund -n`, a reload and the start refuse the
 * same things (allow_from entries are checked by config_load itself, with
 * their line; secret files are read there too). */
#ifndef TAAWUN_CONFIG_HOST_H
#define TAAWUN_CONFIG_HOST_H

#include "config/config.h"

/* Append one "FILE:0: ..." error per problem to errs. Returns 0, or -1
 * when it found any. Borrows everything. */
int config_check_host(const struct config *cfg, struct config_errors *errs)
    __attribute__((warn_unused_result));

#endif
