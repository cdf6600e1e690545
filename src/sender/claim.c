/* claim.c -- from the outbox to started requests: gate, expiry, 'sending'
 * committed first, grouping by text, and the runtime reference each
 * request keeps; the sandbox channel's messages completed in place. */
#include "sender/claim.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/inbound.h"
#include "channels/channel_ops.h"
#include "channels/sandbox.h"
#include "sender/settle.h"
#include "store/db.h"
#include "store/messages.h"
#include "sys/log.h"

/* The rows one HTTP pass took and how they are grouped into requests. */
struct claim {
    size_t limit;
    int n; /* rows taken, -1 before */
    struct outbox_row *rows;
    size_t *group;  /* group of each row, or SIZE_MAX */
    size_t *gfirst; /* first row of each group */
    size_t *gsize;
    size_t *idx; /* scratch: the rows of one group */
    size_t ngroups, claimed;
};

static int claim_alloc(struct claim *c, size_t limit)
{
    memset(c, 0, sizeof *c);
    c->limit = limit;
    c->n = -1;
    c->rows = calloc(limit, sizeof *c->rows);
    c->group = calloc(limit, sizeof *c->group);
    c->gfirst = calloc(limit, sizeof *c->gfirst);
    c->gsize = calloc(limit, sizeof *c->gsize);
    c->idx = calloc(limit, sizeof *c->idx);
    return c->rows && c->group && c->gfirst && c->gsize && c->idx ? 0 : -1;
}

static void claim_free(struct claim *c)
{
    if (c->rows && c->n > 0)
        outbox_rows_free(c->rows, (size_t)c->n);
    free(c->rows);
    free(c->group);
    free(c->gfirst);
    free(c->gsize);
    free(c->idx);
}

static bool expired(const struct outbox_row *row, const struct channel_settings *ch, int64_t now)
{
    return row->created_at < now - ch->expiry_s;
}

/* Inside the caller's transaction: settle blocked and expired rows, put
 * the others in groups (same text, up to batch; at most slots groups) and
 * mark those 'sending'. Rows left without a group stay queued. 0 or -1. */
static int gate_and_group(struct db *db, const struct channel_settings *ch, struct claim *c,
                          size_t batch, int slots, int64_t now)
{
    struct outbox_row *rows = c->rows;
    for (size_t i = 0; i < (size_t)c->n; i++) {
        c->group[i] = SIZE_MAX;
        int rc = 0;
        if (rows[i].blocked) {
            rc = outbox_settle(db, rows[i].id, "suppressed", NULL, rows[i].blocked, now);
        } else if (expired(&rows[i], ch, now)) {
            rc = outbox_settle(db, rows[i].id, "expired", NULL, "expired_before_send", now);
        } else {
            size_t g = SIZE_MAX;
            if (batch > 1)
                for (size_t k = 0; k < c->ngroups && g == SIZE_MAX; k++)
                    if (c->gsize[k] < batch && strcmp(rows[c->gfirst[k]].body, rows[i].body) == 0)
                        g = k;
            if (g == SIZE_MAX && c->ngroups < (size_t)slots) {
                g = c->ngroups++;
                c->gfirst[g] = i;
            }
            if (g == SIZE_MAX)
                continue; /* no free slot: stays queued for a later pass */
            c->group[i] = g;
            c->gsize[g]++;
            c->claimed++;
            rc = outbox_mark_sending(db, rows[i].id, now);
        }
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* A request for the n rows rows[idx[...]] (their bodies taken), holding
 * its own runtime reference so ch and ops outlive a reload; if a reload
 * slipped in since the claim, the channel's new settings are used. NULL
 * on OOM (logged). When the channel left the configuration (or changed
 * type) in that reload, r->rt is NULL. */
static struct request *request_for(struct runtime *rt, const struct channel_settings *ch,
                                   const struct channel_ops *ops, struct pace *p,
                                   struct outbox_row *rows, const size_t *idx, size_t n)
{
    struct request *r = request_new(n);
    if (!r) {
        /* Out of memory: the rows stay 'sending' until the next start. */
        log_error("sender_oom", "channel=%s messages=%zu", ch->name, n);
        return NULL;
    }
    r->rt = runtime_acquire();
    if (r->rt && r->rt != rt) {
        ch = config_channel(&r->rt->cfg, ch->name);
        ops = ch ? channel_ops_find(ch->type) : NULL;
        if (!ops || !ops->network || !ops->send_build || !ops->send_parse) {
            runtime_release(r->rt);
            r->rt = NULL;
        }
    }
    r->ch = ch;
    r->ops = ops;
    r->pace = p;
    r->n = n;
    for (size_t i = 0; i < n; i++) {
        r->rows[i] = rows[idx[i]];
        rows[idx[i]].body = NULL;
        r->msgs[i] = (struct outbound_message){
            .id = r->rows[i].id,
            .to = r->rows[i].phone,
            .text = r->rows[i].body,
            .encoding = strcmp(r->rows[i].encoding, "ucs2") == 0 ? TEXT_UCS2 : TEXT_GSM7,
        };
    }
    return r;
}

/* The channel changed in a reload since the claim: put r's messages back
 * as they were, and free r. */
static void requeue_after_reload(struct db *db, struct request *r, const char *name)
{
    int64_t now = db_now();
    if (db_begin(db) == 0) {
        bool ok = true;
        for (size_t i = 0; i < r->n && ok; i++)
            ok = outbox_requeue(db, r->rows[i].id, now, "channel changed by a reload", now) == 0;
        if (ok && db_commit(db) == 0)
            log_warn("send_requeued", "channel=%s messages=%zu reason=\"reload\"", name, r->n);
        else
            db_rollback(db);
    }
    request_free(r);
}

/* Turn one group of claimed rows into a started request (or a finished one
 * when it cannot start). Takes the rows' bodies. */
static void start_request(struct transfers *t, struct db *db, struct runtime *rt,
                          const struct channel_settings *ch, const struct channel_ops *ops,
                          struct pace *p, struct outbox_row *rows, const size_t *idx, size_t n)
{
    const char *claimed_name = ch->name; /* valid: the caller holds rt */
    struct request *r = request_for(rt, ch, ops, p, rows, idx, n);
    if (!r)
        return;
    if (!r->rt) {
        requeue_after_reload(db, r, claimed_name);
        return;
    }
    char reason[160] = "";
    if (r->ops->send_build(r->ch, r->msgs, n, &r->call, reason, sizeof reason) != 0) {
        request_results_all(r, SEND_PERMANENT,
                            reason[0] ? reason : "channel cannot send this message");
        transfers_finish(t, r);
        return;
    }
    transfers_start(t, r);
}

long claim_http(struct transfers *t, struct db *db, struct runtime *rt,
                const struct channel_settings *ch, const struct channel_ops *ops, struct pace *p,
                int64_t now)
{
    size_t batch = ops->max_batch < 1 ? 1 : ops->max_batch;
    if (batch > CLAIM_BATCH_CEILING)
        batch = CLAIM_BATCH_CEILING;
    int slots;
    long wait;
    size_t limit =
        pace_allowance(p, ch->throughput_per_s, ch->concurrency, batch, CLAIM_MAX, &slots, &wait);
    if (limit == 0)
        return wait;
    wait = PACE_IDLE_MS;
    struct claim c;
    if (claim_alloc(&c, limit) != 0 || outbox_claim_begin(db) != 0)
        goto out;
    c.n = outbox_due(db, ch->name, now, c.rows, limit);
    if (c.n <= 0) {
        db_rollback(db);
        goto out;
    }
    if (gate_and_group(db, ch, &c, batch, slots, now) != 0) {
        db_rollback(db);
        goto out;
    }
    if (db_commit(db) != 0)
        goto out;
    for (size_t i = 0; i < (size_t)c.n; i++)
        if (c.rows[i].blocked)
            settle_log(ch, &c.rows[i], "suppressed", c.rows[i].blocked, NULL);
        else if (expired(&c.rows[i], ch, now))
            settle_log(ch, &c.rows[i], "expired", "expired_before_send", NULL);
    for (size_t g = 0; g < c.ngroups; g++) {
        size_t m = 0;
        for (size_t i = 0; i < (size_t)c.n; i++)
            if (c.group[i] == g)
                c.idx[m++] = i;
        start_request(t, db, rt, ch, ops, p, c.rows, c.idx, m);
    }
    long next = pace_spend(p, ch->throughput_per_s, c.claimed);
    if ((size_t)c.n == limit) /* more may be due */
        wait = next;
out:
    claim_free(&c);
    return wait;
}

/* The sandbox's delivery reports of one batch, through the path a
 * provider's take (app/inbound), in one commit: one fsync per batch, not
 * one per message. Frees the reports. */
static void sandbox_reports_apply(const struct channel_settings *ch, struct channel_batch *reports,
                                  int n)
{
    size_t nevents = 0, k = 0;
    for (int i = 0; i < n; i++)
        nevents += reports[i].count;
    const struct channel_event **evs = nevents ? calloc(nevents, sizeof *evs) : NULL;
    for (int i = 0; evs && i < n; i++)
        for (size_t j = 0; j < reports[i].count; j++)
            evs[k++] = &reports[i].events[j];
    if (nevents && (!evs || inbound_dlrs(ch, evs, k) != 0))
        log_warn("sandbox_reports_failed", "channel=%s reports=%zu", ch->name, nevents);
    free(evs);
    for (int i = 0; i < n; i++)
        channel_batch_free(&reports[i]);
}

int claim_sandbox(struct db *db, const struct channel_settings *ch, int64_t now)
{
    struct outbox_row rows[CLAIM_SANDBOX_BATCH];
    /* Claimed and settled in one transaction: inside the shared write lock,
     * as every settle is (its count rows are a broadcast chunk's too). */
    if (db_begin(db) != 0)
        return -1;
    int n = outbox_due(db, ch->name, now, rows, CLAIM_SANDBOX_BATCH);
    if (n <= 0) {
        db_rollback(db);
        return n;
    }
    char ids[CLAIM_SANDBOX_BATCH][sizeof((struct send_result *)0)->provider_id];
    const char *outcome[CLAIM_SANDBOX_BATCH];
    for (int i = 0; i < n; i++) {
        int rc;
        if (rows[i].blocked) {
            outcome[i] = "suppressed";
            rc = outbox_settle(db, rows[i].id, "suppressed", NULL, rows[i].blocked, now);
        } else if (expired(&rows[i], ch, now)) {
            outcome[i] = "expired";
            rc = outbox_settle(db, rows[i].id, "expired", NULL, "expired_before_send", now);
        } else {
            outcome[i] = "sent";
            struct outbound_message msg = {
                .id = rows[i].id, .to = rows[i].phone, .text = rows[i].body};
            struct send_result res;
            memset(&res, 0, sizeof res);
            sandbox_send(&msg, &res);
            snprintf(ids[i], sizeof ids[i], "%s", res.provider_id);
            rc = outbox_settle(db, rows[i].id, "sent", ids[i], NULL, now);
        }
        if (rc != 0) {
            db_rollback(db);
            outbox_rows_free(rows, (size_t)n);
            return -1;
        }
    }
    if (db_commit(db) != 0) {
        outbox_rows_free(rows, (size_t)n);
        return -1;
    }
    struct channel_batch reports[CLAIM_SANDBOX_BATCH];
    for (int i = 0; i < n; i++) {
        bool sent = strcmp(outcome[i], "sent") == 0;
        settle_log(ch, &rows[i], outcome[i],
                   sent              ? NULL
                   : rows[i].blocked ? rows[i].blocked
                                     : "expired_before_send",
                   sent ? ids[i] : NULL);
        struct outbound_message msg = {.id = rows[i].id, .to = rows[i].phone, .text = rows[i].body};
        if (!sent || sandbox_delivery_report(&msg, ids[i], &reports[i]) != 0)
            memset(&reports[i], 0, sizeof reports[i]);
    }
    sandbox_reports_apply(ch, reports, n);
    outbox_rows_free(rows, (size_t)n);
    return n;
}
