/* programme.c -- the consequences of staff changes for members: grant
 * status notices, event cancellation notices and event reminders, each
 * written to the outbox in the same transaction as the change. */
#include "app/programme.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "core/msisdn.h"
#include "core/test_number.h"
#include "store/admin_queries.h"
#include "store/broadcasts.h"
#include "store/db.h"
#include "store/messages.h"
#include "sys/log.h"

#define NOTICE_PRIORITY 5 /* below a member's own replies (10), above broadcasts */
#define NOTICE_BODY_MAX 800

const char *const programme_grant_statuses[] = {
    "submitted", "under_review", "documents_missing", "approved", "disbursed", "rejected", NULL};

const char *const programme_idea_statuses[] = {"submitted", "shortlisted", "selected", "declined",
                                               NULL};

const char *programme_notice_language(const struct notice_env *env, const char *lang)
{
    if (lang && *lang && catalog_set_find(env->texts, lang))
        return lang;
    return env->default_language;
}

/* The channel for a notice to phone (README.md, "The trust boundary"):
 * the last channel the phone used while it is configured and of the
 * phone's own nature (test channel for a test number, real for a real
 * one), else sms.outbound_channel when it is of that nature too, or for a
 * real number when no real channel exists (a demo). NULL: none may carry
 * it (a test number without a test channel). */
static const char *notice_channel(struct db *db, const struct notice_env *env, const char *phone)
{
    bool test_phone = test_number_is(phone);
    const char *chosen = NULL;
    for (size_t i = 0; i < env->nchannels && env->outbound_channel; i++)
        if (strcmp(env->channels[i], env->outbound_channel) == 0 &&
            (!test_phone || env->channel_test[i]))
            chosen = env->channels[i];
    struct adminq_arg a[] = {adminq_text(phone)};
    struct adminq_table t;
    if (adminq_select(db, ADMINQ_LAST_CHANNEL, a, 1, &t) == 0) {
        const char *last = adminq_str(&t, 0, 0);
        for (size_t i = 0; i < env->nchannels; i++)
            if (strcmp(env->channels[i], last) == 0 && env->channel_test[i] == test_phone)
                chosen = env->channels[i];
        adminq_table_free(&t);
    }
    return chosen;
}

/* Queue catalog text key in lang to phone, inside the caller's transaction.
 * Returns 0 with *id set, or -1. */
static int queue_notice(struct db *db, const struct notice_env *env, const char *phone,
                        int64_t member_id, const char *lang, const char *kind, const char *key,
                        const struct text_var *vars, size_t nvars, int64_t *id)
{
    const char *tmpl = catalog_set_get(env->texts, lang, key, NULL);
    const char *channel = notice_channel(db, env, phone);
    if (tmpl && !channel && test_number_is(phone)) {
        log_debug("notice_skipped", "key=%s reason=\"test number, no test channel\"", key);
        *id = 0;
        return 0;
    }
    if (!tmpl || !channel) {
        log_error("notice_failed", "key=%s reason=\"%s\"", key,
                  tmpl ? "no channel configured" : "no such text");
        return -1;
    }
    char body[NOTICE_BODY_MAX];
    if (text_format(tmpl, vars, nvars, body, sizeof body) < 0) {
        log_error("notice_failed", "key=%s reason=\"text too long\"", key);
        return -1;
    }
    /* A note left empty leaves a trailing space or ". ": trim it. */
    size_t n = strlen(body);
    while (n > 0 && (body[n - 1] == ' '))
        body[--n] = '\0';
    struct message_new m = {.channel = channel,
                            .phone = phone,
                            .member_id = member_id,
                            .kind = kind,
                            .topic = NULL,
                            .body = body,
                            .priority = NOTICE_PRIORITY};
    return message_queue(db, &m, id);
}

static const char *note_in(const char *lang, const char *ar, const char *fr, const char *en)
{
    const char *want = strcmp(lang, "fr") == 0 ? fr : strcmp(lang, "en") == 0 ? en : ar;
    if (want && *want)
        return want;
    const char *order[] = {ar, fr, en};
    for (size_t i = 0; i < 3; i++)
        if (order[i] && *order[i])
            return order[i];
    return "";
}

int programme_audit(struct db *db, const struct audit_actor *actor, const char *action,
                    const char *type, int64_t id, json_t *summary)
{
    char ids[24];
    snprintf(ids, sizeof ids, "%lld", (long long)id);
    char *text = summary ? json_dumps(summary, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(summary);
    if (!text)
        return -1;
    int rc = audit_write(db, actor, action, type, ids, text);
    free(text);
    return rc;
}

static json_t *json_str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

enum programme_result programme_grant_set_status(struct db *db, const struct notice_env *env,
                                                 const struct audit_actor *actor,
                                                 const struct grant_status_change *c,
                                                 int64_t *message_id)
{
    if (message_id)
        *message_id = 0;
    struct adminq_arg id = adminq_int(c->grant_id);
    struct adminq_table before;
    if (adminq_select(db, ADMINQ_GRANT_GET, &id, 1, &before) != 0)
        return PROGRAMME_ERROR;
    if (before.nrows == 0) {
        adminq_table_free(&before);
        return PROGRAMME_NOT_FOUND;
    }
    char old_status[32];
    snprintf(old_status, sizeof old_status, "%s", adminq_str(&before, 0, 8));
    adminq_table_free(&before);
    if (strcmp(old_status, c->status) == 0)
        return PROGRAMME_OK; /* the same status again: no history row, no SMS */

    int64_t now = db_now();
    struct adminq_arg set[] = {adminq_as(":id", id),
                               adminq_as(":status", adminq_text(c->status)),
                               adminq_as(":note_ar", adminq_text(c->note_ar)),
                               adminq_as(":note_fr", adminq_text(c->note_fr)),
                               adminq_as(":note_en", adminq_text(c->note_en)),
                               adminq_as(":now", adminq_int(now))};
    struct adminq_arg hist[] = {adminq_as(":grant_id", id),
                                adminq_as(":status", adminq_text(c->status)),
                                adminq_as(":note_ar", adminq_text(c->note_ar)),
                                adminq_as(":note_fr", adminq_text(c->note_fr)),
                                adminq_as(":note_en", adminq_text(c->note_en)),
                                adminq_as(":who", adminq_text(actor->who)),
                                adminq_as(":now", adminq_int(now))};
    enum adminq_write_result w = adminq_exec(db, ADMINQ_GRANT_SET_STATUS, set, 6, NULL, NULL);
    if (w == ADMINQ_INVALID)
        return PROGRAMME_CONFLICT;
    if (w != ADMINQ_OK || adminq_exec(db, ADMINQ_GRANT_HISTORY_INSERT, hist, 7, NULL, NULL) != 0)
        return PROGRAMME_ERROR;

    /* The notice. */
    struct adminq_table r;
    if (adminq_select(db, ADMINQ_GRANT_RECIPIENT, &id, 1, &r) != 0 || r.nrows == 0) {
        adminq_table_free(&r);
        return PROGRAMME_ERROR;
    }
    int64_t msg_id = 0;
    const char *phone = adminq_str(&r, 0, 1);
    const char *lang = "";
    if (*phone) {
        lang = programme_notice_language(env, adminq_str(&r, 0, 3));
        char status_key[64];
        snprintf(status_key, sizeof status_key, "grant_status.%s", c->status);
        const char *status_text = catalog_set_get(env->texts, lang, status_key, NULL);
        const char *note = note_in(lang, c->note_ar, c->note_fr, c->note_en);
        struct text_var vars[] = {{"reference", adminq_str(&r, 0, 0)},
                                  {"status", status_text ? status_text : c->status},
                                  {"note", note}};
        if (queue_notice(db, env, phone, adminq_i64(&r, 0, 2), lang, "notification",
                         "sms_grant_status", vars, 3, &msg_id) != 0) {
            adminq_table_free(&r);
            return PROGRAMME_ERROR;
        }
    }
    json_t *summary =
        json_pack("{s:{s:s,s:s},s:{s:o,s:o,s:o},s:o,s:s}", "status", "from", old_status, "to",
                  c->status, "note", "ar", json_str_or_null(c->note_ar), "fr",
                  json_str_or_null(c->note_fr), "en", json_str_or_null(c->note_en), "message_id",
                  msg_id ? json_integer(msg_id) : json_null(), "language", lang);
    adminq_table_free(&r);
    if (programme_audit(db, actor, "grant.status", "grant", c->grant_id, summary) != 0)
        return PROGRAMME_ERROR;
    if (message_id)
        *message_id = msg_id;
    return PROGRAMME_OK;
}

enum programme_result programme_idea_set_status(struct db *db, const struct notice_env *env,
                                                const struct audit_actor *actor, int64_t idea_id,
                                                const char *status, int64_t *message_id)
{
    *message_id = 0;
    struct adminq_arg id = adminq_int(idea_id);
    struct adminq_table r;
    if (adminq_select(db, ADMINQ_IDEA_RECIPIENT, &id, 1, &r) != 0)
        return PROGRAMME_ERROR;
    if (r.nrows == 0) {
        adminq_table_free(&r);
        return PROGRAMME_NOT_FOUND;
    }
    /* reference, title, status, phone, member_id, language */
    enum programme_result rc = PROGRAMME_OK;
    const char *old_status = adminq_str(&r, 0, 2), *phone = adminq_str(&r, 0, 3);
    if (strcmp(old_status, status) == 0)
        goto done; /* the same status again: no change, no SMS */
    struct adminq_arg set[] = {id, adminq_text(status), adminq_int(db_now())};
    if (adminq_exec(db, ADMINQ_IDEA_SET_STATUS, set, 3, NULL, NULL) != ADMINQ_OK) {
        rc = PROGRAMME_ERROR;
        goto done;
    }
    const char *lang = "";
    if (*phone) {
        lang = programme_notice_language(env, adminq_str(&r, 0, 5));
        char status_key[64];
        snprintf(status_key, sizeof status_key, "sms_idea_status_word.%s", status);
        const char *status_text = catalog_set_get(env->texts, lang, status_key, NULL);
        struct text_var vars[] = {{"reference", adminq_str(&r, 0, 0)},
                                  {"title", adminq_str(&r, 0, 1)},
                                  {"status", status_text ? status_text : status}};
        if (queue_notice(db, env, phone, adminq_i64(&r, 0, 4), lang, "notification",
                         "sms_idea_status", vars, 3, message_id) != 0) {
            rc = PROGRAMME_ERROR;
            goto done;
        }
    }
    json_t *summary =
        json_pack("{s:{s:s,s:s},s:o,s:s}", "status", "from", old_status, "to", status, "message_id",
                  *message_id ? json_integer(*message_id) : json_null(), "language", lang);
    if (programme_audit(db, actor, "idea.status", "idea", idea_id, summary) != 0)
        rc = PROGRAMME_ERROR;
done:
    adminq_table_free(&r);
    return rc;
}

void programme_when(const struct notice_env *env, const char *lang, int64_t t, char *out,
                    size_t outsz)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!localtime_r(&tt, &tm)) {
        snprintf(out, outsz, "?");
        return;
    }
    catalog_when(env->texts, lang, tm.tm_mday, tm.tm_mon + 1, tm.tm_hour, tm.tm_min, out, outsz);
}

bool programme_in_send_window(const struct notice_env *env, int64_t now)
{
    int open = env->send_window_open_min, close = env->send_window_close_min;
    if (open < 0 || close < 0)
        return true;
    time_t tt = (time_t)now;
    struct tm tm;
    if (!localtime_r(&tt, &tm))
        return true;
    int t = tm.tm_hour * 60 + tm.tm_min;
    return open < close ? (t >= open && t < close) : (t >= open || t < close);
}

int64_t programme_send_window_opens(const struct notice_env *env, int64_t now)
{
    if (programme_in_send_window(env, now))
        return now;
    /* The opening on the local day of now, else the next local day; mktime
     * normalises and applies the zone's rules (never a fixed offset). */
    time_t tt = (time_t)now;
    struct tm tm;
    if (!localtime_r(&tt, &tm))
        return now;
    for (int day = 0; day < 3; day++) {
        struct tm o = tm;
        o.tm_mday += day;
        o.tm_hour = env->send_window_open_min / 60;
        o.tm_min = env->send_window_open_min % 60;
        o.tm_sec = 0;
        o.tm_isdst = -1;
        time_t at = mktime(&o);
        if (at != (time_t)-1 && (int64_t)at > now)
            return (int64_t)at;
    }
    return now;
}

/* One notice per row of a NOTICE_COLS table (see admin_queries.h). */
static int notice_row(struct db *db, const struct notice_env *env, const struct adminq_table *t,
                      size_t row, const char *key, const char *kind, bool hold)
{
    const char *lang = programme_notice_language(env, adminq_str(t, row, 4));
    const char *title =
        note_in(lang, adminq_str(t, row, 6), adminq_str(t, row, 7), adminq_str(t, row, 8));
    char when[32];
    programme_when(env, lang, adminq_i64(t, row, 9), when, sizeof when);
    struct text_var vars[] = {{"title", title},
                              {"when", when},
                              {"place", adminq_str(t, row, 10)},
                              {"code", adminq_str(t, row, 5)}};
    int64_t id = 0;
    if (queue_notice(db, env, adminq_str(t, row, 3), adminq_i64(t, row, 2), lang, kind, key, vars,
                     4, &id) != 0)
        return -1;
    /* Held: stored 'held' until the send window opens (the scheduler). */
    if (hold && id)
        return broadcasts_hold_message(db, id);
    return 0;
}

enum programme_result programme_event_cancel(struct db *db, const struct notice_env *env,
                                             const struct audit_actor *actor, int64_t event_id,
                                             int64_t *notices)
{
    if (notices)
        *notices = 0;
    struct adminq_arg a[] = {adminq_int(event_id), adminq_int(db_now())};
    int64_t changed = 0;
    if (adminq_exec(db, ADMINQ_EVENT_CANCEL, a, 2, &changed, NULL) != ADMINQ_OK)
        return PROGRAMME_ERROR;
    if (changed == 0) {
        int64_t exists = 0;
        struct adminq_table t;
        if (adminq_select(db, ADMINQ_EVENT_GET, a, 1, &t) != 0)
            return PROGRAMME_ERROR;
        exists = (int64_t)t.nrows;
        adminq_table_free(&t);
        return exists ? PROGRAMME_CONFLICT : PROGRAMME_NOT_FOUND;
    }
    struct adminq_table t;
    if (adminq_select(db, ADMINQ_EVENT_NOTICE_TARGETS, a, 1, &t) != 0)
        return PROGRAMME_ERROR;
    for (size_t i = 0; i < t.nrows; i++)
        if (notice_row(db, env, &t, i, "sms_event_cancelled", "notification", false) != 0) {
            adminq_table_free(&t);
            return PROGRAMME_ERROR;
        }
    int64_t n = (int64_t)t.nrows;
    adminq_table_free(&t);
    json_t *summary = json_pack("{s:{s:s,s:s},s:I}", "status", "from", "scheduled", "to",
                                "cancelled", "notices", (json_int_t)n);
    if (programme_audit(db, actor, "event.cancel", "event", event_id, summary) != 0)
        return PROGRAMME_ERROR;
    if (notices)
        *notices = n;
    return PROGRAMME_OK;
}

int programme_send_reminders(struct db *db, const struct notice_env *env, int64_t now, size_t max)
{
    struct adminq_arg a[] = {adminq_int(now), adminq_int(env->reminder_before_s),
                             adminq_int((int64_t)max)};
    bool hold = !programme_in_send_window(env, now); /* reminders wait for the window */
    if (db_begin(db) != 0)
        return -1;
    struct adminq_table t;
    if (adminq_select(db, ADMINQ_REMINDERS_DUE, a, 3, &t) != 0) {
        db_rollback(db);
        return -1;
    }
    size_t sent = 0;
    for (size_t i = 0; i < t.nrows; i++) {
        struct adminq_arg mark[] = {adminq_int(adminq_i64(&t, i, 0)), adminq_int(now)};
        if (notice_row(db, env, &t, i, "sms_event_reminder", "reminder", hold) != 0 ||
            adminq_exec(db, ADMINQ_RSVP_MARK_REMINDED, mark, 2, NULL, NULL) != ADMINQ_OK) {
            adminq_table_free(&t);
            db_rollback(db);
            return -1;
        }
        sent++;
    }
    adminq_table_free(&t);
    if (db_commit(db) != 0)
        return -1;
    if (sent)
        log_info("reminders_queued", "count=%zu", sent);
    return (int)sent;
}
