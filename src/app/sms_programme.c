/* sms_programme.c -- grant status, events, seat booking and ideas by
 * SMS. */
#include "app/sms_programme.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/msisdn.h"
#include "core/sms_argument.h"
#include "core/sms_command.h"
#include "core/text_input.h"
#include "core/ussd_menu.h"
#include "core/utf8.h"
#include "store/events.h"
#include "store/grants.h"
#include "store/ideas.h"
#include "store/sms_state.h"
#include "sys/log.h"

#define LIST_MAX 40 /* grants / events read for one list (its pages) */

/* How a list is laid out. */
struct list_shape {
    const char *name; /* the flow's state: "events" or "grants" */
    const char *header, *first_sep, *sep, *tail;
};

/* Is arg (a list keyword's argument) MORE? */
static bool arg_is_more(const char *arg)
{
    if (!arg[0])
        return false;
    struct sms_command *cmd = malloc(sizeof *cmd);
    bool more = cmd && sms_command_parse(arg, strlen(arg), cmd) == SMS_CMD_OK &&
                cmd->command == SMS_CMD_MORE;
    free(cmd);
    return more;
}

/* arg as a page number (1..99), or 0. */
static long arg_page(const char *arg)
{
    char *end = NULL;
    long p = arg[0] >= '0' && arg[0] <= '9' ? strtol(arg, &end, 10) : 0;
    return end && *end == '\0' && p >= 1 && p <= 99 ? p : 0;
}

/* Reply with the page of items[0..n) asked for -- page (1, 2, ...; 0 for
 * the first) or, with more, the page after the one last sent -- and keep
 * the list under way while pages remain. */
static int list_reply(struct sms_context *c, const struct list_shape *sh,
                      char (*items)[SMS_CONTEXT_ITEM_MAX], size_t n, long page, bool more)
{
    size_t start = 0;
    if (more) {
        bool same = c->list && c->list->state_len == strlen(sh->name) &&
                    memcmp(c->list->state, sh->name, c->list->state_len) == 0;
        start = same && c->list->step > 0 ? (size_t)c->list->step : n;
    } else if (page > 1) {
        start =
            sms_context_page_start(c, sh->header, items, n, page, sh->first_sep, sh->sep, sh->tail);
    }
    if (start >= n) {
        sms_context_reply_simple(c, "sms_list_end");
        return 0;
    }
    size_t next = sms_context_reply_page(c, sh->header, items, n, start, sh->first_sep, sh->sep,
                                         sh->tail, false);
    if (next >= n)
        return 0; /* the router already dropped the list under way */
    struct sms_state_flow *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->flow, sizeof f->flow, "list");
    snprintf(f->lang, sizeof f->lang, "%s", c->lang);
    f->step = (int)next;
    f->state_len = strlen(sh->name);
    memcpy(f->state, sh->name, f->state_len);
    int rc = sms_state_flow_put(c->db, c->phone, f, c->now + c->conversation_ttl_s);
    free(f);
    return rc;
}

/* The member's applications as a list, page or more. */
static int grants_list(struct sms_context *c, long page, bool more)
{
    struct ussd_grant *g = calloc(LIST_MAX, sizeof *g);
    char(*it)[SMS_CONTEXT_ITEM_MAX] = calloc(LIST_MAX, sizeof *it);
    int n = g && it ? grants_for_member(c->db, c->m->id, c->m->cooperative_id, c->lang, g, LIST_MAX)
                    : -1;
    int rc = n < 0 ? -1 : 0;
    if (n == 0)
        sms_context_reply_simple(c, "sms_grants_none");
    for (int i = 0; i < n; i++) {
        char key[64];
        snprintf(key, sizeof key, "grant_status.%s", g[i].status);
        struct text_var vars[] = {{"reference", g[i].reference},
                                  {"status", sms_context_text(c, key)}};
        if (text_format(sms_context_text(c, "grant_item"), vars, 2, it[i], sizeof it[i]) < 0)
            snprintf(it[i], sizeof it[i], "%s", g[i].reference);
    }
    if (n > 0) {
        const char *sep = sms_context_text(c, "sms_list_sep");
        struct list_shape sh = {"grants", sms_context_text(c, "grants_title"), " ", sep, ""};
        rc = list_reply(c, &sh, it, (size_t)n, page, more);
    }
    free(g);
    free(it);
    return rc;
}

int sms_programme_status(struct sms_context *c, const struct sms_command *cmd)
{
    if (arg_is_more(cmd->arg))
        return grants_list(c, 0, true);
    if (cmd->arg[0]) {
        /* "gr 2026 44" is GR-2026-00044, as the store writes it. */
        char ref[SMS_CMD_ARG_MAX + 1];
        if (!sms_argument_reference(cmd->arg, "GR", ref, sizeof ref))
            snprintf(ref, sizeof ref, "%s", cmd->arg);
        struct ussd_grant g;
        int rc = grant_find_for_member(c->db, c->m->id, c->m->cooperative_id, ref, c->lang, &g);
        if (rc < 0)
            return -1;
        if (rc == 0) {
            struct text_var vars[] = {{"reference", ref}};
            sms_context_reply_key(c, "reply", NULL, "sms_grant_unknown", vars, 1);
            return 0;
        }
        char key[64], amount[32];
        snprintf(key, sizeof key, "grant_status.%s", g.status);
        sms_context_amount(c, g.amount_mad, amount, sizeof amount);
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
    return grants_list(c, 0, false);
}

/* The upcoming events as a list, page or more. */
static int events_list(struct sms_context *c, long page, bool more)
{
    struct ussd_event *e = calloc(LIST_MAX, sizeof *e);
    char(*it)[SMS_CONTEXT_ITEM_MAX] = calloc(LIST_MAX, sizeof *it);
    int n = e && it ? events_upcoming(c->db, c->now, c->registered ? c->m->province : "",
                                      c->registered ? c->m->id : 0, c->lang, e, LIST_MAX)
                    : -1;
    int rc = n < 0 ? -1 : 0;
    if (n == 0)
        sms_context_reply_simple(c, "events_none");
    for (int i = 0; i < n; i++) {
        char date[64];
        sms_context_when(c, e[i].day, e[i].month, e[i].hour, e[i].minute, date, sizeof date);
        struct text_var vars[] = {{"code", e[i].code}, {"title", e[i].title}, {"date", date}};
        if (text_format(sms_context_text(c, "sms_event_item"), vars, 3, it[i], sizeof it[i]) < 0)
            snprintf(it[i], sizeof it[i], "%s", e[i].code);
    }
    if (n > 0) {
        struct list_shape sh = {"events", sms_context_text(c, "events_title"), "\n", "\n",
                                sms_context_text(c, "sms_events_join")};
        rc = list_reply(c, &sh, it, (size_t)n, page, more);
    }
    free(e);
    free(it);
    return rc;
}

int sms_programme_events(struct sms_context *c, const struct sms_command *cmd)
{
    return events_list(c, arg_page(cmd->arg), arg_is_more(cmd->arg));
}

int sms_programme_more(struct sms_context *c)
{
    if (c->list && c->list->state_len == 6 && memcmp(c->list->state, "grants", 6) == 0 &&
        c->registered)
        return grants_list(c, 0, true);
    if (c->list && c->list->state_len == 6 && memcmp(c->list->state, "events", 6) == 0)
        return events_list(c, 0, true);
    sms_context_reply_simple(c, "sms_list_end");
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
    char when[64];
    sms_context_when(c, e.day, e.month, e.hour, e.minute, when, sizeof when);
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
    log_debug("sms_join", "channel=%s phone=%s member=%lld event_id=%lld result=%d", c->channel, mk,
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
    /* A text cut at SMS_CMD_ARG_MAX bytes is stored as far as it went, and
     * the member is told where it stopped, never silently. */
    char chars[16];
    snprintf(chars, sizeof chars, "%zu", utf8_count(body, strlen(body)));
    struct text_var vars[] = {{"reference", ref}, {"title", title}, {"chars", chars}};
    sms_context_reply_key(c, "reply", NULL, cmd->arg_truncated ? "sms_idea_cut" : "sms_idea", vars,
                          3);
    char mk[MSISDN_MAX];
    msisdn_mask(c->phone, mk);
    log_debug("sms_idea", "channel=%s phone=%s member=%lld reference=%s", c->channel, mk,
              (long long)c->m->id, ref);
    return 0;
}
