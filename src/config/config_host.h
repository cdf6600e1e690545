/* config_host.h -- the checks of config_load that look at this host: the
 * listeners' addresses (numeric, of a family the host has, assignable), the
 * channels' allow_from lists (core/cidr, strictly), and the files the
 * start reads (demo_data). Run at load, so `taawund -n`, a reload and the
 * start refuse the same things. Internal to config/. */
#ifndef TAAWUN_CONFIG_HOST_H
#define TAAWUN_CONFIG_HOST_H

#include "config/config.h"

/* Append one error per problem to errs, as FILE:LINE (channel_line[i] is
 * the line of channel i; settings outside channels get line 0). Borrows
 * everything. */
void config_check_host(const struct config *cfg, struct config_errors *errs, const char *file,
                       const int *channel_line);

#endif
