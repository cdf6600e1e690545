/* sms_programme.c -- grant status, events, seat booking and ideas by
 * SMS. */
#include "app/sms_programme.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/msisdn.h"
#include "core/text_input.h"
#include "core/ussd_menu.h"
#include "core/utf8.h"
#include "store/events.h"
#include "store/grants.h"
#include "store/ideas.h"
#include "sys/log.h"

#define LIST_MAX 10 /* grants / events read for one reply */

static void event_when(const struct ussd_event *e, char *out, size_t outsz)
{
    snprintf(out, outsz, "%02d/%02d %02d:%02d", e->day % 100, e->month % 100, e->hour % 100,
             e->minute % 100);
}

static void event_date(const struct sms_context *c, const struct ussd_event *e, char *out,
                       size_t outsz)
{
    char d[8], mo[8], h[8], mi[8];
    snprintf(d, sizeof d, "%d", e->day % 100);
    snprintf(mo, sizeof mo, "%d", e->month % 100);
    snprintf(h, sizeof h, "%d", e->hour % 100);
    snprintf(mi, sizeof mi, "%02d", e->minute % 100);
    struct text_var vars[] = {{"day", d}, {"month", mo}, {"hour", h}, {"minute", mi}};
    if (text_format(sms_context_text(c, "event_when"), vars, 4, out, outsz) < 0)
        snprintf(out, outsz, "%s/%s %s:%s", d, mo, h, mi);
}

int sms_programme_status(struct sms_context *c, const struct sms_command *cmd)
{
    if (cmd->arg[0]) {
        struct ussd_grant g;
        int rc =
            grant_find_for_member(c->db, c->m->id, c->m->cooperative_id, cmd->arg, c->lang, &g);
        if (rc < 0)
            return -1;
        if (rc == 0) {
            struct text_var vars[] = {{"reference", cmd->arg}};
            sms_context_reply_key(c, "reply", NULL, "sms_grant_unknown", vars, 1);
            return 0;
        }
        char key[64], amount[32];
        snprintf(key, sizeof key, "grant_status.%s", g.status);
        snprintf(amount, sizeof amount, "%lld", g.amount_mad);
        struct text_var vars[] = {{"reference", g.reference},
                                  {"status", sms_context_text(c, key)},
                                  {"amount", amount},
                                  {"note", g.note}};
        char body[SMS_CONTEXT_WORK_MAX];
        if (text_format(sms_context_text(c, "grant_detail"), vars, 4, body, sizeof body) < 0)
            return 0;
        size_t n = strlen(body);
        while (n > 0 && (body[n - 1] == '\n' || body[n - 1] == ' '))
            body[--n] = '\0';
        sms_context_reply_text(c, "reply", body);
        return 0;
    }
    struct ussd_grant g[LIST_MAX];
    int n = grants_for_member(c->db, c->m->id, c->m->cooperative_id, c->lang, g, LIST_MAX);
    if (n < 0)
        return -1;
    if (n == 0) {
        sms_context_reply_simple(c, "sms_grants_none");
        return 0;
    }
    char(*it)[SMS_CONTEXT_ITEM_MAX] = calloc(LIST_MAX, sizeof *it);
    if (!it)
        return -1;
    for (int i = 0; i < n; i++) {
        char key[64];
        snprintf(key, sizeof key, "grant_status.%s", g[i].status);
        struct text_var vars[] = {{"reference", g[i].reference},
                                  {"status", sms_context_text(c, key)}};
        if (text_format(sms_context_text(c, "grant_item"), vars, 2, it[i], sizeof it[i]) < 0)
            snprintf(it[i], sizeof it[i], "%s", g[i].reference);
    }
    sms_context_reply_list(c, sms_context_text(c, "grants_title"), it, (size_t)n, " ", "; ", "");
    free(it);
    return 0;
}

int sms_programme_events(struct sms_context *c)
{
    struct ussd_event *e = calloc(LIST_MAX, sizeof *e);
    char(*it)[SMS_CONTEXT_ITEM_MAX] = calloc(LIST_MAX, sizeof *it);
    if (!e || !it) {
        free(e);
        free(it);
        return -1;
    }
    int n = events_upcoming(c->db, c->now, c->registered ? c->m->province : "",
                            c->registered ? c->m->id : 0, c->lang, e, LIST_MAX);
    if (n < 0) {
        free(e);
        free(it);
        return -1;
    }
    if (n == 0) {
        sms_context_reply_simple(c, "events_none");
    } else {
        for (int i = 0; i < n; i++) {
            char date[64];
            event_date(c, &e[i], date, sizeof date);
            struct text_var vars[] = {{"code", e[i].code}, {"title", e[i].title}, {"date", date}};
            if (text_format(sms_context_text(c, "sms_event_item"), vars, 3, it[i], sizeof it[i]) <
                0)
                snprintf(it[i], sizeof it[i], "%s", e[i].code);
        }
        sms_context_reply_list(c, sms_context_text(c, "events_title"), it, (size_t)n, "\n", "\n",
                               sms_context_text(c, "sms_events_join"));
    }
    free(e);
    free(it);
    return 0;
}

int sms_programme_join(struct sms_context *c, const struct sms_command *cmd)
{
    if (!cmd->arg[0]) {
        sms_context_reply_simple(c, "sms_join_usage");
        return 0;
    }
    struct ussd_event e;
    int rc = event_find_by_code(c->db, cmd->arg, c->m->id, c->lang, &e);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        struct text_var vars[] = {{"code", cmd->arg}};
        sms_context_reply_key(c, "reply", NULL, "sms_event_unknown", vars, 1);
        return 0;
    }
    enum rsvp_result r = event_rsvp(c->db, e.id, c->m->id);
    char when[32];
    event_when(&e, when, sizeof when);
    struct text_var vars[] = {
        {"title", e.title}, {"when", when}, {"place", e.place}, {"code", e.code}};
    switch (r) {
    case RSVP_BOOKED:
        sms_context_reply_key(c, "reply", NULL, "sms_rsvp", vars, 4);
        break;
    case RSVP_FULL:
        sms_context_reply_key(c, "reply", NULL, "event_full", vars, 4);
        break;
    case RSVP_ALREADY:
        sms_context_reply_key(c, "reply", NULL, "rsvp_already", vars, 4);
        break;
    case RSVP_CLOSED:
        sms_context_reply_key(c, "reply", NULL, "sms_event_closed", vars, 4);
        break;
    case RSVP_ERROR:
        return -1;
    }
    char mk[MSISDN_MAX];
    msisdn_mask(c->phone, mk);
    log_info("sms_join", "channel=%s phone=%s member=%lld event=%lld result=%d", c->channel, mk,
             (long long)c->m->id, (long long)e.id, (int)r);
    return 0;
}

/* The first words of text, at most max_chars characters. */
static void first_words(const char *text, size_t max_chars, char *out, size_t outsz)
{
    size_t len = strlen(text), i = 0, chars = 0, last_space = 0;
    while (i < len && chars < max_chars) {
        uint32_t cp;
        size_t n = utf8_decode(text + i, len - i, &cp);
        if (n == 0)
            break;
        if (cp == ' ')
            last_space = i;
        i += n;
        chars++;
    }
    size_t keep = i < len && last_space > 0 ? last_space : i;
    if (keep >= outsz)
        keep = utf8_floor(text, keep, outsz - 1);
    memcpy(out, text, keep);
    out[keep] = '\0';
}

int sms_programme_idea(struct sms_context *c, const struct sms_command *cmd)
{
    char body[SMS_CMD_ARG_MAX + 1];
    if (!text_input_clean(cmd->arg, strlen(cmd->arg), USSD_IDEA_TEXT_CHARS_MIN, SMS_CMD_ARG_MAX,
                          true, body, sizeof body)) {
        sms_context_reply_simple(c, "sms_idea_usage");
        return 0;
    }
    char title[MEMBER_NAME_MAX], ref[24];
    first_words(body, USSD_IDEA_TITLE_CHARS_MAX, title, sizeof title);
    const char *sector = c->m->sector[0] ? c->m->sector : "other";
    if (idea_insert(c->db, c->m->id, sector, title, body, ref) != 0)
        return -1;
    struct text_var vars[] = {{"reference", ref}, {"title", title}};
    sms_context_reply_key(c, "reply", NULL, "sms_idea", vars, 2);
    char mk[MSISDN_MAX];
    msisdn_mask(c->phone, mk);
    log_info("sms_idea", "channel=%s phone=%s member=%lld reference=%s", c->channel, mk,
             (long long)c->m->id, ref);
    return 0;
}
