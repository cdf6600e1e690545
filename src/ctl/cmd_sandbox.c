/* cmd_sandbox.c -- taawunctl ussd and sms: play a member's USSD session
 * (interactive or from stdin) or send one SMS to the public webhooks of a
 * channel (the sandbox by default), in Africa's Talking's form fields. */
#include "ctl/commands.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_CHANNEL "sandbox"
#define DEFAULT_SERVICE_CODE "*384*123#"
#define USSD_INPUT_MAX 182
#define USSD_TEXT_MAX 4096
#define USSD_STEPS_MAX 200

static int sandbox_form_post(const char *url, const char *form, struct client_response *r)
{
    if (client_request("POST", url, NULL, "application/x-www-form-urlencoded", form, strlen(form),
                       r) != 0) {
        fprintf(stderr, "taawunctl: cannot reach %s: %s\n", url, r->error);
        return CTL_EXIT_CONNECT;
    }
    return 0;
}

static void sandbox_form_add(char *f, size_t fsz, const char *name, const char *value)
{
    char *e = client_escape(value);
    size_t len = strlen(f);
    snprintf(f + len, fsz - len, "%s%s=%s", len ? "&" : "", name, e ? e : "");
    free(e);
}

int cmd_ussd(const struct api *a, const struct cmdline *c)
{
    if (c->nargs != 2)
        return cmdline_usage("ussd PHONE [--url PUBLIC_URL]");
    const char *base = cmdline_opt(c, "url") ? cmdline_opt(c, "url") : CTL_DEFAULT_PUBLIC_URL;
    const char *channel = cmdline_opt(c, "channel") ? cmdline_opt(c, "channel") : DEFAULT_CHANNEL;
    const char *code = cmdline_opt(c, "code") ? cmdline_opt(c, "code") : DEFAULT_SERVICE_CODE;
    char url[CTL_URL_MAX], session[64];
    snprintf(url, sizeof url, "%s/hooks/%s/ussd", base, channel);
    unsigned long long rnd = (unsigned long long)time(NULL) ^ ((unsigned long long)getpid() << 20);
    FILE *ur = fopen("/dev/urandom", "rb");
    if (ur) {
        if (fread(&rnd, sizeof rnd, 1, ur) != 1)
            rnd ^= (unsigned long long)clock();
        fclose(ur);
    }
    snprintf(session, sizeof session, "taawunctl-%016llx", rnd);
    char text[USSD_TEXT_MAX] = "";
    bool interactive = isatty(STDIN_FILENO);
    for (int step = 0; step < USSD_STEPS_MAX; step++) {
        char form[USSD_TEXT_MAX * 3 + 512] = "";
        sandbox_form_add(form, sizeof form, "sessionId", session);
        sandbox_form_add(form, sizeof form, "serviceCode", code);
        sandbox_form_add(form, sizeof form, "phoneNumber", c->args[1]);
        sandbox_form_add(form, sizeof form, "networkCode", "60401");
        sandbox_form_add(form, sizeof form, "text", text);
        struct client_response r;
        int rc = sandbox_form_post(url, form, &r);
        if (rc)
            return rc;
        if (r.status != 200 || !r.body || r.len < 4) {
            fprintf(stderr, "error: the USSD webhook answered HTTP %ld: %s\n", r.status,
                    r.body ? r.body : "");
            client_response_free(&r);
            return CTL_EXIT_API;
        }
        bool end = strncmp(r.body, "END", 3) == 0;
        printf("%s\n%s\n", r.body + 4, end ? "[session ended]" : "");
        fflush(stdout);
        client_response_free(&r);
        if (end)
            return 0;
        if (interactive) {
            printf("> ");
            fflush(stdout);
        }
        char input[USSD_INPUT_MAX + 2];
        if (!fgets(input, sizeof input, stdin))
            return 0; /* stdin closed: the member hung up */
        input[strcspn(input, "\r\n")] = '\0';
        size_t tl = strlen(text), il = strlen(input);
        if (tl + il + 2 > sizeof text) {
            fprintf(stderr, "taawunctl: the session's input is too long\n");
            return CTL_EXIT_USAGE;
        }
        /* Africa's Talking's text: every input of the session joined with '*'. */
        snprintf(text + tl, sizeof text - tl, "%s%s", step > 0 ? "*" : "", input);
    }
    return 0;
}

#define SMS_REPLY_WAIT_MS 5000 /* how long `sms` waits for the answer to show */
#define SMS_REPLY_POLL_MS 100

/* The newest outbound message to phone through the admin API: its id
 * (0 when none) and, when body is not NULL, its text. -1 on an error. */
static long long newest_out(const struct api *a, const char *phone, char *body, size_t bodysz)
{
    char q[CTL_URL_MAX] = "/messages";
    api_query_add(q, sizeof q, "phone", phone);
    api_query_add(q, sizeof q, "direction", "out");
    api_query_add(q, sizeof q, "limit", "1");
    json_t *o = NULL;
    if (api_call(a, "GET", q, NULL, &o) != 0)
        return -1;
    json_t *m = json_array_get(json_object_get(o, "items"), 0);
    long long id = m ? (long long)json_integer_value(json_object_get(m, "id")) : 0;
    const char *text = m ? json_string_value(json_object_get(m, "body")) : NULL;
    if (text && body)
        snprintf(body, bodysz, "%s", text);
    else if (body && bodysz)
        body[0] = '\0';
    json_decref(o);
    return id;
}

/* With a token: wait for the answer queued after the message before and
 * print it. Returns 1 when printed, 0 when none came in time. */
static int print_answer(const struct api *a, const char *phone, long long before)
{
    char body[4096];
    for (int waited = 0; waited <= SMS_REPLY_WAIT_MS; waited += SMS_REPLY_POLL_MS) {
        long long id = newest_out(a, phone, body, sizeof body);
        if (id < 0)
            return 0;
        if (id > before) {
            printf("%s\n", body);
            return 1;
        }
        usleep(SMS_REPLY_POLL_MS * 1000);
    }
    return 0;
}

/* Post the SMS to the public webhook; with a (admin API), print its answer. */
static int sms_send(const struct cmdline *c, const struct api *a)
{
    if (c->nargs != 3)
        return cmdline_usage("sms PHONE TEXT [--url PUBLIC_URL]");
    const char *base = cmdline_opt(c, "url") ? cmdline_opt(c, "url") : CTL_DEFAULT_PUBLIC_URL;
    const char *channel = cmdline_opt(c, "channel") ? cmdline_opt(c, "channel") : DEFAULT_CHANNEL;
    char url[CTL_URL_MAX], id[64], date[32];
    snprintf(url, sizeof url, "%s/hooks/%s/sms", base, channel);
    snprintf(id, sizeof id, "taawunctl-%lld-%d", (long long)time(NULL), (int)getpid());
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", &tm);
    char form[8192] = "";
    sandbox_form_add(form, sizeof form, "from", c->args[1]);
    sandbox_form_add(form, sizeof form, "to", "taawun");
    sandbox_form_add(form, sizeof form, "text", c->args[2]);
    sandbox_form_add(form, sizeof form, "id", id);
    sandbox_form_add(form, sizeof form, "date", date);
    sandbox_form_add(form, sizeof form, "linkId", id);
    sandbox_form_add(form, sizeof form, "networkCode", "60401");
    long long before = a ? newest_out(a, c->args[1], NULL, 0) : -1;
    struct client_response r;
    int rc = sandbox_form_post(url, form, &r);
    if (rc)
        return rc;
    if (r.status != 200) {
        fprintf(stderr, "error: the SMS webhook answered HTTP %ld: %s\n", r.status,
                r.body ? r.body : "");
        client_response_free(&r);
        return CTL_EXIT_API;
    }
    client_response_free(&r);
    if (before >= 0 && print_answer(a, c->args[1], before))
        return 0;
    printf("delivered to taawun (%s); the answer goes out through the channel: see "
           "`taawunctl messages --phone %s`\n",
           id, c->args[1]);
    return 0;
}

int cmd_sms(const struct api *unused, const struct cmdline *c)
{
    (void)unused;
    /* The answer is read back through the admin API when a token is set. */
    struct api admin = {.base = cmdline_opt(c, "admin-url") ? cmdline_opt(c, "admin-url")
                                                            : CTL_DEFAULT_URL};
    bool with_api =
        (cmdline_opt(c, "token-file") || (getenv("TAAWUN_TOKEN") && *getenv("TAAWUN_TOKEN"))) &&
        api_read_token(c, admin.token, sizeof admin.token) == 0;
    int rc = sms_send(c, with_api ? &admin : NULL);
    memset(admin.token, 0, sizeof admin.token);
    return rc;
}
