/* sms_context.c -- the replies of the SMS command handlers: catalog texts
 * in the reply's language, fitted to the segment budget. */
#include "app/sms_context.h"

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/sms_command.h"
#include "core/sms_reply.h"
#include "core/sms_text.h"
#include "core/utf8.h"

const char *sms_context_text(const struct sms_context *c, const char *key)
{
    const char *t = catalog_set_get(c->env->texts, c->lang, key, NULL);
    return t ? t : "";
}

/* Does text start with the first word of prefix ("Taawun" of "Taawun: ",
 * "تعاون" of "تعاون: ") as a whole word ("Taawun inscription:", "تعاون،")? */
static bool has_prefix(const char *text, const char *prefix)
{
    size_t w = strcspn(prefix, " :,.");
    if (w == 0)
        return true; /* the catalogs define no prefix */
    if (strncmp(text, prefix, w) != 0)
        return false;
    uint32_t cp;
    size_t n = utf8_decode(text + w, strlen(text + w), &cp);
    return n == 0 || sms_text_classify(cp) != SMS_TEXT_WORD;
}

void sms_context_reply_text(struct sms_context *c, const char *kind, const char *text)
{
    char full[SMS_CONTEXT_WORK_MAX];
    const char *prefix = sms_context_text(c, "sms_prefix");
    if (!has_prefix(text, prefix)) {
        snprintf(full, sizeof full, "%s%s", prefix, text);
        full[utf8_floor(full, strlen(full), sizeof full - 1)] = '\0';
        text = full;
    }
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

/* header and items[start..) into buf while they fit with end (not
 * written); returns how many were added. */
static size_t page_fill(const struct sms_context *c, char *buf, size_t bufsz, size_t *len,
                        const char *header, char (*items)[SMS_CONTEXT_ITEM_MAX], size_t nitems,
                        size_t start, const char *first_sep, const char *sep, const char *end)
{
    /* The prefix sms_context_reply_text adds is measured with the page. */
    const char *prefix = sms_context_text(c, "sms_prefix");
    if (has_prefix(header, prefix))
        prefix = "";
    snprintf(buf, bufsz / 2, "%s%s", prefix, header);
    *len = utf8_floor(buf, strlen(buf), bufsz / 2 - 1);
    buf[*len] = '\0';
    size_t added = 0;
    for (size_t i = start; i < nitems; i++) {
        if (!sms_reply_append(buf, bufsz, len, added ? sep : first_sep, items[i], end,
                              c->max_segments))
            break;
        added++;
    }
    return added;
}

/* An item too long for a page even alone, shortened (with an ellipsis)
 * so that the page still says how to see the next one (end). Returns 1. */
static size_t page_cut_item(char *buf, size_t bufsz, size_t *len, const char *sep, const char *item,
                            const char *end, size_t max_segments)
{
    char cut[SMS_CONTEXT_ITEM_MAX + 4];
    struct text_measure m;
    bool gsm = text_measure(item, strlen(item), &m) == 0 && m.encoding == TEXT_GSM7;
    for (size_t n = strlen(item); n > 0;) {
        n = utf8_floor(item, strlen(item), n - 1);
        snprintf(cut, sizeof cut, "%.*s%s", (int)n, item, gsm ? "..." : "\xE2\x80\xA6");
        if (sms_reply_append(buf, bufsz, len, sep, cut, end, max_segments))
            return 1;
    }
    snprintf(buf + *len, bufsz - *len, "%s%s", sep, item); /* fitting cuts it */
    return 1;
}

size_t sms_context_reply_page(struct sms_context *c, const char *header,
                              char (*items)[SMS_CONTEXT_ITEM_MAX], size_t nitems, size_t start,
                              const char *first_sep, const char *sep, const char *tail, bool dry)
{
    char buf[SMS_CONTEXT_WORK_MAX], end[SMS_CONTEXT_WORK_MAX / 2] = "";
    size_t len = 0;
    if (tail && *tail)
        snprintf(end, sizeof end, " %s", tail);
    if (start > nitems)
        start = nitems;
    size_t added =
        page_fill(c, buf, sizeof buf, &len, header, items, nitems, start, first_sep, sep, end);
    if (start + added < nitems) { /* more pages: say how to see them */
        const char *more = sms_context_text(c, "sms_list_more");
        size_t el = strlen(end);
        snprintf(end + el, sizeof end - el, " %s", more);
        added =
            page_fill(c, buf, sizeof buf, &len, header, items, nitems, start, first_sep, sep, end);
        if (added == 0 && start < nitems) /* too long even alone: shortened */
            added =
                page_cut_item(buf, sizeof buf, &len, first_sep, items[start], end, c->max_segments);
    }
    if (dry)
        return start + added;
    len = strlen(buf);
    snprintf(buf + len, sizeof buf - len, "%s", end);
    buf[utf8_floor(buf, strlen(buf), sizeof buf - 1)] = '\0';
    sms_context_reply_text(c, "reply", buf);
    return start + added;
}

size_t sms_context_page_start(struct sms_context *c, const char *header,
                              char (*items)[SMS_CONTEXT_ITEM_MAX], size_t nitems, long page,
                              const char *first_sep, const char *sep, const char *tail)
{
    size_t start = 0;
    for (long p = 1; p < page && start < nitems; p++)
        start = sms_context_reply_page(c, header, items, nitems, start, first_sep, sep, tail, true);
    return start;
}

void sms_context_when(const struct sms_context *c, int day, int month, int hour, int minute,
                      char *out, size_t outsz)
{
    catalog_when(c->env->texts, c->lang, day, month, hour, minute, out, outsz);
}

void sms_context_amount(const struct sms_context *c, long long amount, char *out, size_t outsz)
{
    catalog_amount(c->env->texts, c->lang, amount, out, outsz);
}

void sms_context_topic_name(const struct sms_context *c, const char *code, char *out, size_t outsz)
{
    char key[SMS_CMD_ARG_MAX + 16];
    snprintf(key, sizeof key, "topic.%s", code);
    snprintf(out, outsz, "%s", sms_context_text(c, key));
}
