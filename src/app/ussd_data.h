/* ussd_data.h -- what the menus read during one USSD step: the callbacks of
 * struct ussd_data (core/ussd_state.h) over the step's database connection
 * (every read of a step shares its read transaction, store/db), the member
 * as the menus see them, and the engine's env from the programme and the
 * channel. Internal to app/ussd. */
#ifndef TAAWUN_APP_USSD_DATA_H
#define TAAWUN_APP_USSD_DATA_H

#include "store/db.h"
#include <stdbool.h>

#include "app/app_env.h"
#include "channels/channel.h"
#include "core/ussd_state.h"
#include "store/members.h"

/* What the data callbacks of one step need. */
struct ussd_reads {
    struct db *db;
    const struct member *member; /* NULL for an unknown number */
    const char *lang;
    bool db_failed; /* a read failed: the step answers "busy" */
    /* The member's grants as read in this step (the menus ask up to twice
     * a step: whether there are any, then the list), their notes in
     * grants_lang; forgotten when the member is looked up again
     * (ussd_reads_member). */
    bool grants_read;
    int ngrants;
    char grants_lang[8];
    struct ussd_grant *grants; /* USSD_LIST_MAX, the thread's (ussd_data_bind) */
};

/* Point data's callbacks at r (which must outlive data's use) and r at
 * this thread's room for what a step reads: one step at a time per
 * thread. */
void ussd_data_bind(struct ussd_reads *r, struct ussd_data *data);

/* The caller's row (NULL: not a registered member), looked up (again):
 * what was read for the previous one is forgotten. */
void ussd_reads_member(struct ussd_reads *r, const struct member *m);

/* The member's grants as a previous step read them (n of them, notes in
 * lang), taken as if this step had read them; after ussd_reads_member. */
void ussd_reads_grants(struct ussd_reads *r, const struct ussd_grant *grants, int n,
                       const char *lang);

/* The grants this step read (copied into out, USSD_LIST_MAX, their
 * language into lang[8]): how many, or -1 when it read none. */
int ussd_reads_grants_read(const struct ussd_reads *r, struct ussd_grant *out, char lang[8]);

/* The member as the menus see them (found: m holds a row); member_no holds
 * the member number v points to. */
void ussd_member_view(const struct member *m, bool found, char member_no[16],
                      struct ussd_member_view *v);

/* The engine's env for a step of channel ch. */
void ussd_env_build(const struct app_env *app, const struct channel_settings *ch,
                    const struct ussd_step *in, const struct ussd_data *data, struct ussd_env *env);

#endif
