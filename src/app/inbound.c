/* inbound.c -- inbound SMS and delivery reports: store once (replays and
 * multipart parts included), answer through the SMS command router
 * (app/sms_router), and move outbound messages' delivery state forward. Every
 * write is committed before the caller acknowledges the provider. */
#include "app/inbound.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bidi.h"
#include "core/catalog.h"
#include "core/msisdn.h"
#include "core/utf8.h"
#include "store/db.h"
#include "store/db_group.h"
#include "store/messages.h"
#include "sys/log.h"
#include "sys/log_summary.h"

#define REPLY_PRIORITY 10 /* answers to a member's own request go first */

const char *inbound_language(const struct member *m, const char *text, size_t len)
{
    if (m && !m->erased_at && m->language[0])
        return m->language;
    return bidi_has_rtl(text, len) ? "ar" : "fr";
}

/* The sender as stored: E.164 when it is a phone number, else the raw
 * sender cut to fit (alphanumeric ids cannot be answered). */
static bool sender_phone(const char *raw, char *out, size_t outsz)
{
    char e164[MSISDN_MAX];
    if (raw && *raw && msisdn_normalize(raw, strlen(raw), e164) == MSISDN_OK) {
        snprintf(out, outsz, "%s", e164);
        return true;
    }
    size_t n = raw ? utf8_floor(raw, strlen(raw), outsz - 1) : 0;
    memcpy(out, raw ? raw : "", n);
    out[n] = '\0';
    if (!out[0])
        snprintf(out, outsz, "unknown");
    return false;
}

/* Answer the stored SMS text from phone through the command router: queue
 * the reply, or record it as sent inline. Inside the caller's transaction. */
static int answer(struct db *db, const struct inbound_context *c, const char *phone,
                  const struct member *m, const char *text,
                  const struct sms_router_reading *reading, struct inbound_sms_result *out)
{
    struct sms_router_request rq = {.env = c->env,
                                    .limits = c->sms,
                                    .channel = c->ch->name,
                                    .ussd_code = c->ussd_code ? c->ussd_code : "",
                                    .phone = phone,
                                    .member = m,
                                    .text = text,
                                    .len = strlen(text),
                                    .reading = reading};
    struct sms_router_answer *a = malloc(sizeof *a);
    if (!a)
        return -1;
    int rc = sms_router_handle(db, &rq, a);
    if (rc != 0 || !a->answer) {
        free(a);
        return rc;
    }
    struct message_new msg = {.channel = c->ch->name,
                              .phone = phone,
                              .member_id = a->member_id,
                              .kind = a->kind,
                              .body = a->text,
                              .priority = REPLY_PRIORITY};
    if (!c->inline_reply) {
        rc = message_queue(db, &msg, NULL);
        free(a);
        return rc;
    }
    const char *blocked = NULL;
    if (message_gate(db, phone, msg.kind, NULL, &blocked) != 0)
        rc = -1;
    else if (blocked)
        rc = message_record_out(db, &msg, "suppressed", NULL, blocked, NULL);
    else if ((rc = message_record_out(db, &msg, "sent", "inline", NULL, NULL)) == 0) {
        snprintf(out->reply, sizeof out->reply, "%s", a->text);
        out->has_inline_reply = true;
    }
    free(a);
    return rc;
}

/* One inbound SMS as a job of a group commit (store/db_group.h): stored
 * once, multipart parts kept until complete, answered. */
struct inbound_sms_job {
    const struct inbound_context *c;
    const struct channel_event *ev;
    struct inbound_sms_result *out;
    char phone[MESSAGE_PHONE_MAX];
    bool answerable;
    char *body;
    struct sms_router_reading *reading; /* of body, read before the turn; or NULL */
    char *joined;                       /* set by the job when a multipart message completes */
    int stored;                         /* 1 stored, 0 replay */
    int64_t id;
    int64_t member_id;
    char provider_id[MESSAGE_PROVIDER_ID_MAX];
};

int inbound_sms_run(struct db *db, struct inbound_sms_job *j)
{
    const struct channel_event *ev = j->ev;
    struct member m;
    int found = j->answerable ? member_find_by_phone(db, j->phone, &m) : 0;
    if (found < 0)
        return -1;
    j->member_id = found == 1 ? m.id : 0;
    snprintf(j->provider_id, sizeof j->provider_id, "%s", ev->provider_id ? ev->provider_id : "");
    bool multipart = ev->concat_ref && *ev->concat_ref && ev->concat_total > 1 &&
                     ev->concat_part >= 1 && ev->concat_part <= ev->concat_total;
    if (multipart) {
        free(j->joined);
        j->joined = NULL;
        int complete =
            message_part_add(db, j->c->ch->name, j->phone, ev->concat_ref, ev->concat_part,
                             ev->concat_total, ev->provider_id, j->body, db_now(), &j->joined);
        if (complete < 0)
            return -1;
        if (complete == 0) {
            j->out->pending_parts = true;
            return 0;
        }
        /* All parts are in: the joined text is the message, stored once
         * under the multipart reference (a replayed part finds it). */
        snprintf(j->provider_id, sizeof j->provider_id, "concat:%s:%s", j->phone, ev->concat_ref);
    }
    struct message_in in = {.channel = j->c->ch->name,
                            .phone = j->phone,
                            .member_id = j->member_id,
                            .body = j->joined ? j->joined : j->body,
                            .provider_id = ev->provider_id || multipart ? j->provider_id : NULL};
    j->stored = message_store_inbound(db, &in, db_now(), &j->id);
    if (j->stored < 0)
        return -1;
    if (j->stored == 1 && j->answerable &&
        answer(db, j->c, j->phone, found == 1 ? &m : NULL, in.body, j->joined ? NULL : j->reading,
               j->out) != 0)
        return -1;
    return 0;
}

struct inbound_sms_job *inbound_sms_prepare(const struct inbound_context *c,
                                            const struct channel_event *ev,
                                            struct inbound_sms_result *out)
{
    memset(out, 0, sizeof *out);
    struct inbound_sms_job *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    *j = (struct inbound_sms_job){.c = c, .ev = ev, .out = out};
    j->answerable = sender_phone(ev->from_raw, j->phone, sizeof j->phone);
    const char *text = ev->text ? ev->text : "";
    size_t len = ev->text ? strnlen(ev->text, ev->text_len) : 0;
    j->body = malloc(len + 1);
    if (!j->body) {
        free(j);
        return NULL;
    }
    memcpy(j->body, text, len);
    j->body[len] = '\0';
    if (!utf8_valid(j->body, len)) {
        /* The adapter promises UTF-8; keep what is valid rather than fail. */
        j->body[0] = '\0';
    }
    /* The words are read here, before the write turn: the commit the SMS
     * shares with others holds the turn only for what needs the database. */
    j->reading = j->answerable ? malloc(sizeof *j->reading) : NULL;
    if (j->reading)
        sms_router_read(j->body, strlen(j->body), j->reading);
    return j;
}

/* After the commit of a stored SMS (not a part, not failed): its log line
 * and count. */
static void sms_logged(const struct inbound_sms_job *j)
{
    const struct inbound_context *c = j->c;
    char masked[MSISDN_MAX], q[160];
    msisdn_mask(j->phone, masked);
    if (j->stored == 0) {
        log_debug("sms_replay", "channel=%s phone=%s provider_id=%s", c->ch->name, masked,
                  log_quote(j->provider_id, q, sizeof q));
        log_summary_count(LOG_SUMMARY_SMS_REPLAYS, c->ch->name, NULL);
    } else {
        log_debug("sms_received", "id=%lld channel=%s phone=%s member=%lld reply=%s",
                  (long long)j->id, c->ch->name, masked, (long long)j->member_id,
                  j->out->has_inline_reply ? "inline" : "outbox");
        log_summary_count(LOG_SUMMARY_SMS_IN, c->ch->name, NULL);
    }
}

int inbound_sms_finish(struct inbound_sms_job *j, int rc)
{
    struct inbound_sms_result *out = j->out;
    if (rc != 0) {
        memset(out, 0, sizeof *out);
    } else if (!out->pending_parts) {
        if (j->stored == 0) {
            out->duplicate = true;
            out->has_inline_reply = false;
        } else {
            out->message_id = j->id;
        }
        sms_logged(j);
    }
    free(j->joined);
    free(j->reading);
    free(j->body);
    free(j);
    return rc == 0 ? 0 : -1;
}

static int sms_job_run(struct db *db, void *arg)
{
    return inbound_sms_run(db, arg);
}

int inbound_sms(const struct inbound_context *c, const struct channel_event *ev,
                struct inbound_sms_result *out)
{
    struct inbound_sms_job *j = inbound_sms_prepare(c, ev, out);
    if (!j)
        return -1;
    /* Committed (with its reply) before this returns, grouped with the SMS
     * other threads are storing at the same moment: one fsync for all. */
    return inbound_sms_finish(j, db_group_write(sms_job_run, j));
}

/* ---- delivery reports ---- */

static enum delivery_state state_from_name(const char *name)
{
    for (int s = DELIVERY_UNKNOWN; s <= DELIVERY_EXPIRED; s++)
        if (strcmp(delivery_state_name((enum delivery_state)s), name) == 0)
            return (enum delivery_state)s;
    return DELIVERY_UNKNOWN;
}

int inbound_dlr_run(struct db *db, const struct channel_settings *ch,
                    const struct channel_event *ev, struct inbound_dlr_outcome *o)
{
    memset(o, 0, sizeof *o);
    const char *pid = ev->dlr_provider_id ? ev->dlr_provider_id : "";
    o->found = message_dlr_find(db, ch->name, ev->dlr_message_id, pid, &o->target);
    if (o->found <= 0)
        return o->found;
    const struct message_dlr_target *t = &o->target;
    enum delivery_state cur = t->dlr_status[0] ? state_from_name(t->dlr_status) : DELIVERY_UNKNOWN;
    enum delivery_state next = ev->state;
    o->forward = !delivery_state_final(cur) && next > cur;
    const char *error = NULL;
    char err[48];
    if (o->forward && (strcmp(t->status, "sending") == 0 || strcmp(t->status, "sent") == 0)) {
        if (next == DELIVERY_DELIVERED) {
            o->status = "delivered";
        } else if (delivery_state_final(next)) {
            o->status = "failed";
            snprintf(err, sizeof err, "dlr_%s", delivery_state_name(next));
            error = err;
        }
    }
    if (o->forward && message_dlr_apply(db, t->id, delivery_state_name(next), o->status, error,
                                        ev->error_code, db_now()) != 0)
        return -1;
    return 0;
}

void inbound_dlr_logged(const struct channel_settings *ch, const struct channel_event *ev,
                        const struct inbound_dlr_outcome *o)
{
    const char *pid = ev->dlr_provider_id ? ev->dlr_provider_id : "";
    char q[160];
    if (o->found == 0) {
        /* A provider replaying old reports can send thousands: one line
         * per channel per interval, with the count held back. */
        char key[LOG_COLLAPSE_KEY_MAX];
        snprintf(key, sizeof key, "dlr_unknown:%s", ch->name);
        log_collapsed(LOG_WARN, key, LOG_COLLAPSE_INTERVAL_MS, "dlr_unknown",
                      "channel=%s message=%lld provider_id=%s state=%s", ch->name,
                      (long long)ev->dlr_message_id, log_quote(pid, q, sizeof q),
                      delivery_state_name(ev->state));
        log_summary_count(LOG_SUMMARY_DLRS, ch->name, "unknown");
        return;
    }
    if (o->found < 0)
        return;
    const struct message_dlr_target *t = &o->target;
    char masked[MSISDN_MAX], e[96];
    msisdn_mask(t->phone, masked);
    log_debug("dlr", "id=%lld channel=%s phone=%s state=%s applied=%s status=%s error=%s",
              (long long)t->id, ch->name, masked, delivery_state_name(ev->state),
              o->forward ? "yes" : "no", o->status ? o->status : t->status,
              log_quote(ev->error_code ? ev->error_code : "", e, sizeof e));
    log_summary_count(LOG_SUMMARY_DLRS, ch->name, delivery_state_name(ev->state));
}

/* The reports of one inbound_dlrs() call as one job of the group commit. */
struct dlr_job {
    const struct channel_settings *ch;
    const struct channel_event *const *evs;
    size_t n;
    struct inbound_dlr_outcome *out;
};

static int dlr_job_run(struct db *db, void *arg)
{
    struct dlr_job *job = arg;
    for (size_t i = 0; i < job->n; i++)
        if (inbound_dlr_run(db, job->ch, job->evs[i], &job->out[i]) != 0)
            return -1;
    return 0;
}

int inbound_dlrs(const struct channel_settings *ch, const struct channel_event *const *evs,
                 size_t n)
{
    if (n == 0)
        return 0;
    struct dlr_job job = {.ch = ch, .evs = evs, .n = n, .out = calloc(n, sizeof *job.out)};
    if (!job.out)
        return -1;
    int rc = db_group_write(dlr_job_run, &job);
    if (rc == 0)
        for (size_t i = 0; i < n; i++)
            inbound_dlr_logged(ch, evs[i], &job.out[i]);
    free(job.out);
    return rc;
}
