/* log_summary.c -- counts of the traffic written as one info line a
 * minute (see log_summary.h). */
#include "sys/log_summary.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/limits.h"
#include "sys/log.h"

#define SUMMARY_LINE_MAX 1900 /* the fields; sys/log cuts a line near 2 KiB */

/* The names written, in the order of enum log_summary_counter. */
static const char *const counter_names[LOG_SUMMARY_COUNTERS] = {
    [LOG_SUMMARY_USSD_STEPS] = "ussd_steps",
    [LOG_SUMMARY_USSD_SESSIONS] = "ussd_sessions",
    [LOG_SUMMARY_USSD_ENDS] = "ussd_ends",
    [LOG_SUMMARY_USSD_REFUSED] = "ussd_refused",
    [LOG_SUMMARY_SMS_IN] = "sms_in",
    [LOG_SUMMARY_SMS_REPLAYS] = "sms_replays",
    [LOG_SUMMARY_DLRS] = "dlrs",
    [LOG_SUMMARY_SENDS] = "sends",
    [LOG_SUMMARY_SEND_ERRORS] = "send_errors",
    [LOG_SUMMARY_REGISTRATIONS] = "registrations",
    [LOG_SUMMARY_OPT_OUTS] = "opt_outs",
    [LOG_SUMMARY_OPT_INS] = "opt_ins",
    [LOG_SUMMARY_ERASURES] = "erasures",
    [LOG_SUMMARY_WEBHOOKS_REFUSED] = "webhooks_refused",
};

/* One count: a counter for one channel and one detail. */
struct series {
    enum log_summary_counter counter;
    char channel[CHANNEL_NAME_MAX];
    char detail[LOG_SUMMARY_DETAIL_MAX];
    unsigned long n;
};

/* The counts of the period under way. */
static struct {
    struct series table[LOG_SUMMARY_SERIES];
    size_t used;
    unsigned long dropped;
    bool started;
    int64_t start; /* of the period, clock seconds */
} period;
static pthread_mutex_t period_lock = PTHREAD_MUTEX_INITIALIZER;

/* Copy s into out as a word for a key: a-z, 0-9, '-' and '_' kept, any
 * other byte '_'; cut to fit. */
static void copy_word(char *out, size_t outsz, const char *s)
{
    size_t j = 0;
    for (; s && *s && j + 1 < outsz; s++) {
        char c = *s;
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        out[j++] = ok ? c : '_';
    }
    out[j] = '\0';
}

void log_summary_add(enum log_summary_counter counter, const char *channel, const char *detail,
                     unsigned long n)
{
    if ((unsigned)counter >= LOG_SUMMARY_COUNTERS || n == 0)
        return;
    struct series key = {.counter = counter};
    copy_word(key.channel, sizeof key.channel, channel);
    copy_word(key.detail, sizeof key.detail, detail);
    pthread_mutex_lock(&period_lock);
    size_t i = 0;
    while (i < period.used &&
           (period.table[i].counter != counter || strcmp(period.table[i].channel, key.channel) ||
            strcmp(period.table[i].detail, key.detail)))
        i++;
    if (i < period.used) {
        period.table[i].n += n;
    } else if (period.used < LOG_SUMMARY_SERIES) {
        key.n = n;
        period.table[period.used++] = key;
    } else {
        period.dropped += n;
    }
    pthread_mutex_unlock(&period_lock);
}

/* Append ` KEY=N` to out (len bytes used), where KEY is counter, .detail
 * when there is one, @channel when given. */
static void put(char *out, size_t *len, const struct series *s, const char *channel,
                unsigned long n)
{
    if (*len >= SUMMARY_LINE_MAX)
        return;
    int k =
        snprintf(out + *len, SUMMARY_LINE_MAX - *len, " %s%s%s%s%s=%lu", counter_names[s->counter],
                 s->detail[0] ? "." : "", s->detail, channel ? "@" : "", channel ? channel : "", n);
    if (k > 0)
        *len += (size_t)k < SUMMARY_LINE_MAX - *len ? (size_t)k : SUMMARY_LINE_MAX - *len - 1;
}

/* Append ` dropped=N`. */
static void put_dropped(char *out, size_t *len, unsigned long n)
{
    if (*len >= SUMMARY_LINE_MAX)
        return;
    int k = snprintf(out + *len, SUMMARY_LINE_MAX - *len, " dropped=%lu", n);
    if (k > 0)
        *len += (size_t)k < SUMMARY_LINE_MAX - *len ? (size_t)k : SUMMARY_LINE_MAX - *len - 1;
}

/* Whether t[i] is the first of t[0..i] with the same counter and detail
 * (same channel too when by_channel). */
static bool first_of(const struct series *t, size_t i, bool by_channel)
{
    for (size_t j = 0; j < i; j++)
        if (t[j].counter == t[i].counter && strcmp(t[j].detail, t[i].detail) == 0 &&
            (!by_channel || strcmp(t[j].channel, t[i].channel) == 0))
            return false;
    return true;
}

/* The counts of counter c in t[0..n) into out: totals per detail, then
 * each channel's share when more than one channel counted. */
static void put_counter(char *out, size_t *len, const struct series *t, size_t n,
                        enum log_summary_counter c)
{
    size_t channels = 0;
    for (size_t i = 0; i < n; i++) {
        if (t[i].counter != c)
            continue;
        bool new_channel = true;
        for (size_t j = 0; j < i && new_channel; j++)
            new_channel = !(t[j].counter == c && strcmp(t[j].channel, t[i].channel) == 0);
        channels += new_channel && t[i].channel[0];
        if (!first_of(t, i, false))
            continue;
        unsigned long total = 0;
        for (size_t j = i; j < n; j++)
            if (t[j].counter == c && strcmp(t[j].detail, t[i].detail) == 0)
                total += t[j].n;
        put(out, len, &t[i], NULL, total);
    }
    if (channels < 2)
        return;
    for (size_t i = 0; i < n; i++)
        if (t[i].counter == c && t[i].channel[0])
            put(out, len, &t[i], t[i].channel, t[i].n);
}

/* Write the line for the period ending at now (if anything was counted)
 * and start the next one. */
static void write_period(int64_t now)
{
    static struct series t[LOG_SUMMARY_SERIES]; /* only the writer, under write_lock */
    static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&write_lock);
    pthread_mutex_lock(&period_lock);
    size_t n = period.used;
    unsigned long dropped = period.dropped;
    int64_t start = period.started ? period.start : now;
    memcpy(t, period.table, n * sizeof t[0]);
    period.used = 0;
    period.dropped = 0;
    period.start = now;
    period.started = true;
    pthread_mutex_unlock(&period_lock);
    if (n || dropped) {
        char out[SUMMARY_LINE_MAX];
        size_t len = 0;
        for (int c = 0; c < LOG_SUMMARY_COUNTERS; c++)
            put_counter(out, &len, t, n, (enum log_summary_counter)c);
        if (dropped)
            put_dropped(out, &len, dropped);
        out[len] = '\0';
        log_info("summary", "period_s=%lld%s", (long long)(now - start), out);
    }
    pthread_mutex_unlock(&write_lock);
}

void log_summary_tick(int64_t now)
{
    pthread_mutex_lock(&period_lock);
    bool started = period.started;
    if (!started) {
        period.started = true;
        period.start = now;
    }
    bool due = started && now / LOG_SUMMARY_INTERVAL_S != period.start / LOG_SUMMARY_INTERVAL_S;
    pthread_mutex_unlock(&period_lock);
    if (due)
        write_period(now);
}

void log_summary_flush(int64_t now)
{
    write_period(now);
}
