/* sms_optout.c -- STOP and START by SMS, and the opt-out hint of
 * broadcasts. */
#include "app/sms_optout.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/sms_reply.h"

/* ---- the opt-out hint ---- */

const char *sms_optout_hint(const struct catalog_set *texts, const char *lang)
{
    const char *h = texts ? catalog_set_get(texts, lang, "broadcast_opt_out_hint", NULL) : NULL;
    return h ? h : "";
}

long sms_optout_with_hint(const struct catalog_set *texts, const char *lang, const char *body,
                          char *out, size_t outsz)
{
    if (!out || outsz == 0)
        return -1;
    out[0] = '\0';
    const char *hint = sms_optout_hint(texts, lang);
    size_t bl = strlen(body);
    bool has = !hint[0] || sms_reply_has_opt_out(body, bl, hint);
    int n = has ? snprintf(out, outsz, "%s", body) : snprintf(out, outsz, "%s %s", body, hint);
    if (n < 0 || (size_t)n >= outsz) {
        out[0] = '\0';
        return -1;
    }
    return n;
}
