/* trust.h -- the trust boundary between test and real channels, checked on
 * a loaded configuration (README.md, "The trust boundary"): a test channel
 * (its type's ops->test) only next to loopback listeners, and
 * sms.outbound_channel resolved to the channel of notices and broadcasts,
 * never "the first in the list". runtime_load runs it after config_load, so
 * `taawund -n`, the start and every reload refuse what it refuses. */
#ifndef TAAWUN_CONFIG_TRUST_H
#define TAAWUN_CONFIG_TRUST_H

#include "config/config.h"

/* Check cfg and fill cfg->sms.outbound_channel when it is "" and one
 * channel is the obvious one (the only real channel; the only channel
 * when none is real). Problems are appended to errs as
 * "FILE:0: message". Returns 0, or -1 when it appended any. */
int config_trust_check(struct config *cfg, struct config_errors *errs)
    __attribute__((warn_unused_result));

#endif
