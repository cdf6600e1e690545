/* sms_context.c -- the replies of the SMS command handlers: catalog texts
 * in the reply's language, fitted to the segment budget. */
#include "app/sms_context.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "core/sms_command.h"
#include "core/sms_reply.h"
#include "core/utf8.h"

const char *sms_context_text(const struct sms_context *c, const char *key)
{
    const char *t = catalog_set_get(c->env->texts, c->lang, key, NULL);
    return t ? t : "";
}

void sms_context_reply_text(struct sms_context *c, const char *kind, const char *text)
{
    if (sms_reply_fit(text, strlen(text), c->max_segments, c->reply, c->replysz) <= 0) {
        c->answer = false;
        return;
    }
    /* Every reply stays within its segment budget. */
    assert(sms_reply_segments(c->reply, strlen(c->reply)) <= c->max_segments);
    c->answer = true;
    c->kind = kind;
}

void sms_context_reply_key(struct sms_context *c, const char *kind, const char *prefix,
                           const char *key, const struct text_var *vars, size_t nvars)
{
    char body[SMS_CONTEXT_WORK_MAX], full[SMS_CONTEXT_WORK_MAX];
    if (text_format(sms_context_text(c, key), vars, nvars, body, sizeof body) < 0)
        snprintf(body, sizeof body, "%s", sms_context_text(c, key));
    size_t pl = prefix && *prefix ? strlen(prefix) : 0, bl = strlen(body);
    if (pl + 1 + bl >= sizeof full) /* cannot happen with catalog texts; keep the body */
        pl = 0;
    if (pl) {
        memcpy(full, prefix, pl);
        full[pl++] = ' ';
    }
    memcpy(full + pl, body, bl + 1);
    sms_context_reply_text(c, kind, full);
}

void sms_context_reply_simple(struct sms_context *c, const char *key)
{
    struct text_var vars[] = {{"ussd_code", c->ussd_code ? c->ussd_code : ""},
                              {"programme", c->env->programme}};
    sms_context_reply_key(c, "reply", NULL, key, vars, 2);
}

void sms_context_reply_list(struct sms_context *c, const char *header,
                            char (*items)[SMS_CONTEXT_ITEM_MAX], size_t nitems,
                            const char *first_sep, const char *sep, const char *tail)
{
    char buf[SMS_CONTEXT_WORK_MAX], tail_sp[SMS_CONTEXT_WORK_MAX / 2] = "";
    if (tail && *tail)
        snprintf(tail_sp, sizeof tail_sp, " %s", tail);
    size_t budgets[2] = {1, c->max_segments};
    for (size_t b = 0; b < 2; b++) {
        size_t len = utf8_floor(header, strlen(header), sizeof buf / 2);
        memcpy(buf, header, len);
        buf[len] = '\0';
        size_t added = 0;
        for (size_t i = 0; i < nitems; i++) {
            if (!sms_reply_append(buf, sizeof buf, &len, added ? sep : first_sep, items[i], tail_sp,
                                  budgets[b]))
                break;
            added++;
        }
        if (added == 0 && nitems > 0 && b == 0)
            continue;
        if (added == 0 && nitems > 0) /* too long even for the budget: fitting cuts it */
            snprintf(buf + len, sizeof buf - len, "%s%s", first_sep, items[0]);
        len = strlen(buf);
        snprintf(buf + len, sizeof buf - len, "%s", tail_sp);
        buf[utf8_floor(buf, strlen(buf), sizeof buf - 1)] = '\0';
        sms_context_reply_text(c, "reply", buf);
        return;
    }
}

void sms_context_topic_name(const struct sms_context *c, const char *code, char *out, size_t outsz)
{
    char key[SMS_CMD_ARG_MAX + 16];
    snprintf(key, sizeof key, "topic.%s", code);
    snprintf(out, outsz, "%s", sms_context_text(c, key));
}
