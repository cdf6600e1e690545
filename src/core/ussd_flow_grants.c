/* ussd_flow_grants.c -- a member's grant applications (their own and their
 * cooperative's, through ussd_data.grants), one by its reference
 * (ussd_data.grant_find, never another's) and its details. Declarations
 * only (see core/ussd_screens.h). */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "core/ussd_screens.h"

/* Bytes the references of l share up to their last '-' ("GR-2026-"). */
static size_t shared_reference_prefix(const struct ussd_list *l)
{
    if (l->ngrants < 2)
        return 0;
    const char *a = l->grants[0].reference;
    size_t len = strlen(a);
    for (size_t i = 1; i < l->ngrants; i++) {
        size_t k = 0;
        while (k < len && a[k] == l->grants[i].reference[k])
            k++;
        len = k;
    }
    while (len > 0 && a[len - 1] != '-')
        len--;
    return len;
}

static void grant_labels(const struct ussd_state *s, const struct ussd_ctx *c, struct ussd_list *l,
                         size_t skip)
{
    char key[96];
    l->count = l->noptions;
    for (size_t i = 0; i < l->ngrants; i++) {
        struct text_var vars[] = {
            {"reference", l->grants[i].reference + skip},
            {"status", ussd_screens_coded_name(s, c->env, "grant_status", l->grants[i].status, key,
                                               sizeof key)}};
        ussd_screens_add_format(l, ussd_screens_text(s, c->env, "grant_item"), vars, 2);
    }
    ussd_screens_add(l, ussd_screens_text(s, c->env, "grants_enter_ref"));
}

/* The applications, then "enter a reference". When they do not fit one
 * screen (Arabic: 80 units), references lose the prefix they all share
 * ("GR-2026-"): the number is what tells them apart (issue 15, finding 4). */
static void grant_items(const struct ussd_state *s, const struct ussd_ctx *c, struct ussd_list *l)
{
    const struct ussd_data *data = c->env->data;
    int n = data && data->grants ? data->grants(data->ctx, l->grants, USSD_LIST_MAX) : 0;
    if (n < 0) {
        l->failed = true;
        n = 0;
    }
    l->ngrants = (size_t)n;
    grant_labels(s, c, l, 0);
    size_t fewest, skip = shared_reference_prefix(l);
    if (skip > 0 && ussd_screens_pages(s, c, "grants_title", "nav_back_home", l, &fewest) > 1)
        grant_labels(s, c, l, skip);
}

/* An application of the list, or (the last item) "enter a reference". */
static enum ussd_effect grant_chosen(struct ussd_state *s, const struct ussd_ctx *c,
                                     const struct ussd_list *l, size_t k, enum ussd_effect e)
{
    (void)c;
    if (k < l->ngrants) {
        snprintf(s->grant_ref, sizeof s->grant_ref, "%s", l->grants[k].reference);
        ussd_screens_go(s, USSD_SCR_GRANT_DETAIL);
    } else {
        ussd_screens_go(s, USSD_SCR_GRANT_REF);
    }
    return e;
}

/* Back to the list of applications, or home when there is none. */
static enum ussd_screen grant_ref_back(const struct ussd_state *s, const struct ussd_ctx *c)
{
    (void)s;
    const struct ussd_data *data = c->env->data;
    struct ussd_grant g[1];
    bool any = data && data->grants && data->grants(data->ctx, g, 1) > 0;
    return any ? USSD_SCR_GRANTS : USSD_SCR_HOME;
}

/* References are typed as printed ("GR-2026-00042") or digits only on a
 * keypad ("2026*00042" arrives as separate inputs, so accept "202600042"
 * too): the lookup normalises. */
static enum ussd_verdict take_reference(struct ussd_state *s, const struct ussd_ctx *c,
                                        const char *in)
{
    const struct ussd_data *data = c->env->data;
    struct ussd_grant g;
    bool plausible = in[0] && strlen(in) < USSD_REF_MAX;
    for (const char *p = in; plausible && *p; p++)
        plausible = (*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') ||
                    (*p >= 'a' && *p <= 'z') || *p == '-' || *p == ' ' || *p == '/';
    int found = plausible && data && data->grant_find ? data->grant_find(data->ctx, in, &g) : 0;
    if (found < 0)
        return USSD_BUSY;
    if (found == 0)
        return USSD_REFUSED;
    snprintf(s->grant_ref, sizeof s->grant_ref, "%s", g.reference);
    return USSD_TAKEN;
}

#define GRANT_STATUS_TEXTS                                                                         \
    "grant_status.submitted", "grant_status.under_review", "grant_status.documents_missing",       \
        "grant_status.approved", "grant_status.disbursed", "grant_status.rejected"

static int grant_fields(const struct ussd_state *s, const struct ussd_ctx *c,
                        const struct ussd_list *l, struct ussd_fields *f)
{
    (void)l;
    const struct ussd_data *data = c->env->data;
    int found = data && data->grant_find ? data->grant_find(data->ctx, s->grant_ref, &f->grant) : 0;
    if (found != 1)
        return -1;
    ussd_screens_amount(s, c->env, f->grant.amount_mad, f->num[0], sizeof f->num[0]);
    ussd_screens_field(f, "reference", f->grant.reference, false);
    ussd_screens_field(f, "status",
                       ussd_screens_coded_name(s, c->env, "grant_status", f->grant.status,
                                               f->key[0], sizeof f->key[0]),
                       false);
    ussd_screens_field(f, "amount", f->num[0], false);
    ussd_screens_field(f, "note", f->grant.note, false);
    return 0;
}

const struct ussd_screen_def ussd_flow_grants_screens[] = {
    {.id = USSD_SCR_GRANTS,
     .name = "grants",
     .key = "grants_title",
     .nav = USSD_NAV_BACK_HOME,
     .back = USSD_TO(USSD_SCR_HOME),
     .errors = {"err_choice"},
     .texts = {"grant_item", "grants_enter_ref", GRANT_STATUS_TEXTS},
     .items = grant_items,
     .item = {.then = grant_chosen}},
    {.id = USSD_SCR_GRANT_REF,
     .name = "grant_reference",
     .key = "grant_ask_ref",
     .nav = USSD_NAV_BACK_HOME,
     .back_to = grant_ref_back,
     .errors = {"err_reference"},
     .input = {take_reference, USSD_TO(USSD_SCR_GRANT_DETAIL)}},
    /* Details need their room: "0" back only ("00" works all the same).
     * The note is never cut: a long one spans screens ("98"). */
    {.id = USSD_SCR_GRANT_DETAIL,
     .name = "grant",
     .key = "grant_detail",
     .detail = true,
     .back = USSD_TO(USSD_SCR_GRANTS),
     .errors = {"err_choice"},
     .texts = {GRANT_STATUS_TEXTS, "thousands_sep"},
     .fields = grant_fields},
    {.name = NULL},
};
