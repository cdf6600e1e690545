/* ussd_data.c -- the menus' reads during one USSD step (see ussd_data.h). */
#include "app/ussd_data.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "app/agent.h"
#include "store/db.h"
#include "store/events.h"
#include "store/grants.h"
#include "sys/local_year.h"

static int64_t member_id_of(const struct ussd_reads *c)
{
    return c->member ? c->member->id : 0;
}

static int data_coop_lookup(void *ctx, const char *code, int64_t *id, char *name, size_t namesz)
{
    struct ussd_reads *c = ctx;
    struct cooperative coop;
    int rc = coop_find_by_code(c->db, code, &coop);
    if (rc == 1) {
        *id = coop.id;
        snprintf(name, namesz, "%s", coop.name);
    } else if (rc < 0) {
        c->db_failed = true;
    }
    return rc;
}

/* A number the caller, a contact person, types for a new member. */
static int data_phone_check(void *ctx, const char *e164)
{
    struct ussd_reads *c = ctx;
    if (!c->member)
        return -1;
    int rc = agent_phone_check(c->db, c->member->phone, e164);
    c->db_failed |= rc < 0;
    return rc;
}

/* Up to max grants, from what this step read already when it can tell
 * (the list read once holds every grant or at least max of them). */
static int data_grants(void *ctx, struct ussd_grant *out, size_t max)
{
    struct ussd_reads *c = ctx;
    if (!c->member)
        return 0;
    const char *lang = c->lang ? c->lang : "";
    if (max > USSD_LIST_MAX) {
        int n = grants_for_member(c->db, c->member->id, c->member->cooperative_id, lang, out, max);
        c->db_failed |= n < 0;
        return n;
    }
    if (!c->grants_read || strcmp(c->grants_lang, lang) != 0) {
        int n = grants_for_member(c->db, c->member->id, c->member->cooperative_id, lang, c->grants,
                                  USSD_LIST_MAX);
        if (n < 0) {
            c->db_failed = true;
            return n;
        }
        c->ngrants = n;
        c->grants_read = true;
        snprintf(c->grants_lang, sizeof c->grants_lang, "%s", lang);
    }
    size_t n = (size_t)c->ngrants < max ? (size_t)c->ngrants : max;
    memcpy(out, c->grants, n * sizeof *out);
    return (int)n;
}

/* The grant a member means by ref: from the list this step read when it
 * answers for sure (ref matches one of it, the newest first, as the query
 * would; or the list was every grant and none matches), else the query. */
static int data_grant_find(void *ctx, const char *ref, struct ussd_grant *out)
{
    struct ussd_reads *c = ctx;
    if (!c->member)
        return 0;
    const char *lang = c->lang ? c->lang : "";
    if (c->grants_read && strcmp(c->grants_lang, lang) == 0) {
        int i = 0;
        for (; i < c->ngrants; i++) {
            const struct ussd_grant *g = &c->grants[i];
            if (strlen(g->reference) + 1 >= sizeof g->reference)
                break; /* perhaps cut short: only the query can tell */
            if (grant_reference_matches(ref, g->reference)) {
                *out = *g;
                return 1;
            }
        }
        if (i == c->ngrants && c->ngrants < USSD_LIST_MAX)
            return 0; /* every grant was read, none is ref */
    }
    int n = grant_find_for_member(c->db, c->member->id, c->member->cooperative_id, ref, lang, out);
    c->db_failed |= n < 0;
    return n;
}

static int data_events(void *ctx, struct ussd_event *out, size_t max)
{
    struct ussd_reads *c = ctx;
    int n = events_upcoming(c->db, db_now(), c->member ? c->member->province : "", member_id_of(c),
                            c->lang, out, max);
    c->db_failed |= n < 0;
    return n;
}

static int data_event_find(void *ctx, int64_t id, struct ussd_event *out)
{
    struct ussd_reads *c = ctx;
    int n = event_get(c->db, id, member_id_of(c), c->lang, out);
    c->db_failed |= n < 0;
    return n;
}

static int data_topics(void *ctx, bool enabled[TOPIC_COUNT])
{
    struct ussd_reads *c = ctx;
    if (!c->member) {
        for (int i = 0; i < TOPIC_COUNT; i++)
            enabled[i] = false;
        return 0;
    }
    int rc = member_topics_get(c->db, c->member->id, enabled);
    c->db_failed |= rc < 0;
    return rc;
}

void ussd_member_view(const struct member *m, bool found, char member_no[16],
                      struct ussd_member_view *v)
{
    bool registered = found && m->registered_at && !m->erased_at;
    if (registered)
        member_number(m->id, member_no);
    else
        member_no[0] = '\0';
    *v = (struct ussd_member_view){
        .registered = registered,
        .opted_out = registered && m->opted_out_at != 0,
        .name = registered ? m->name : "",
        .language = found ? m->language : "",
        .member_no = member_no,
        .cooperative_name = registered ? m->cooperative_name : "",
        .province = registered ? m->province : "",
        .sector = registered ? m->sector : "",
        .is_contact = registered && m->is_contact && m->cooperative_id != 0,
        .consent_awaited = registered && agent_consent_awaited(m),
    };
}

void ussd_reads_member(struct ussd_reads *r, const struct member *m)
{
    r->member = m;
    r->grants_read = false;
}

void ussd_reads_grants(struct ussd_reads *r, const struct ussd_grant *grants, int n,
                       const char *lang)
{
    if (n < 0 || n > USSD_LIST_MAX)
        return;
    memcpy(r->grants, grants, (size_t)n * sizeof *grants);
    r->ngrants = n;
    snprintf(r->grants_lang, sizeof r->grants_lang, "%s", lang);
    r->grants_read = true;
}

int ussd_reads_grants_read(const struct ussd_reads *r, struct ussd_grant *out, char lang[8])
{
    if (!r->grants_read || !r->member)
        return -1;
    memcpy(out, r->grants, (size_t)r->ngrants * sizeof *out);
    snprintf(lang, 8, "%s", r->grants_lang);
    return r->ngrants;
}

void ussd_data_bind(struct ussd_reads *r, struct ussd_data *data)
{
    static _Thread_local struct ussd_grant grants[USSD_LIST_MAX];
    r->grants = grants;
    *data = (struct ussd_data){.grants = data_grants,
                               .grant_find = data_grant_find,
                               .events = data_events,
                               .event_find = data_event_find,
                               .topics = data_topics,
                               .coop_lookup = data_coop_lookup,
                               .phone_check = data_phone_check,
                               .ctx = r};
}

void ussd_env_build(const struct app_env *app, const struct channel_settings *ch,
                    const struct ussd_step *in, const struct ussd_data *data, struct ussd_env *env)
{
    *env = (struct ussd_env){
        .texts = app->texts,
        .programme = app->programme,
        .languages = app->languages,
        .nlanguages = app->nlanguages,
        .provinces = app->provinces,
        .nprovinces = app->nprovinces,
        .sectors = app->sectors,
        .nsectors = app->nsectors,
        .limit = {.gsm7 = (size_t)ch->ussd_screen_max, .ucs2 = (size_t)ch->ussd_screen_max_ucs2},
        .current_year = local_year_now(),
        .min_age = app->min_age,
        .data = data,
        .ussd_code = in->service_code && *in->service_code ? in->service_code : ch->ussd_code,
    };
}
