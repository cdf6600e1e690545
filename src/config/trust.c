/* trust.c -- the trust boundary between test and real channels on a loaded
 * configuration: listeners on loopback and no trusted proxy next to a test
 * channel (webhooks are served on both listeners), the outbound channel resolved and real
 * whenever a real channel exists. */
#include "config/trust.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "channels/channel_ops.h"

static bool address_is_loopback(const char *address)
{
    unsigned char a[16];
    if (inet_pton(AF_INET, address, a) == 1)
        return a[0] == 127;
    static const unsigned char v6_loopback[16] = {[15] = 1};
    return inet_pton(AF_INET6, address, a) == 1 && memcmp(a, v6_loopback, sizeof a) == 0;
}

int config_trust_check(struct config *c, struct config_errors *errs)
{
    size_t before = errs->count;
    const char *f = c->file, *test = NULL, *real = NULL;
    size_t nreal = 0;
    for (size_t i = 0; i < c->nchannels; i++) {
        const struct channel_ops *ops = channel_ops_find(c->channels[i].type);
        if (ops && ops->test)
            test = test ? test : c->channels[i].name;
        else if (ops && nreal++ == 0)
            real = c->channels[i].name;
    }
    const struct listener_config *ls[] = {&c->http.public_listener, &c->http.admin_listener};
    for (size_t i = 0; test && i < 2; i++)
        if (!address_is_loopback(ls[i]->address))
            config_error(errs, f, 0,
                         "channel \"%s\" is a test channel and 'http.%s.address' is \"%s\": a "
                         "test channel must never be reachable from the network; remove it "
                         "(production) or listen on 127.0.0.1 or ::1 (a demo)",
                         test, i ? "admin" : "public", ls[i]->address);
    if (test && c->http.ntrusted_proxies > 0)
        config_error(errs, f, 0,
                     "channel \"%s\" is a test channel and 'http.trusted_proxies' is set: "
                     "behind a proxy every caller looks local, so a test channel would be "
                     "reachable from the network; remove it (production) or the proxy "
                     "setting (a demo)",
                     test);
    char *out = c->sms.outbound_channel;
    if (!out[0] && (nreal == 1 || (nreal == 0 && c->nchannels == 1)))
        snprintf(out, sizeof c->sms.outbound_channel, "%s", nreal ? real : test);
    const struct channel_settings *ch = out[0] ? config_channel(c, out) : NULL;
    const struct channel_ops *ops = ch ? channel_ops_find(ch->type) : NULL;
    if (!out[0] && c->nchannels > 1)
        config_error(errs, f, 0,
                     "'sms.outbound_channel' must name the channel that carries notices and "
                     "broadcasts: %zu channels are configured, %zu of them real",
                     c->nchannels, nreal);
    else if (out[0] && !ch)
        config_error(errs, f, 0, "'sms.outbound_channel' names no channel (\"%s\")", out);
    else if (ops && ops->test && nreal > 0)
        config_error(errs, f, 0,
                     "'sms.outbound_channel' is the test channel \"%s\" while the real channel "
                     "\"%s\" is configured: members' messages would reach no phone",
                     out, real);
    return errs->count > before ? -1 : 0;
}
