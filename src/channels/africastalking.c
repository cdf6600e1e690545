/* africastalking.c -- Africa's Talking's wire format: USSD steps posted as
 * form fields (sessionId, serviceCode, phoneNumber, networkCode, text) and
 * answered in text/plain with "CON " or "END ". The sandbox channel speaks
 * the same format (see sandbox.c). */
#include "channels/africastalking.h"

#include <stdio.h>
#include <string.h>

#include "core/utf8.h"

static const char *const form_types[] = {"application/x-www-form-urlencoded", NULL};

int at_ussd_parse(const struct channel_settings *ch, const struct channel_request *req,
                  struct ussd_step *out, struct channel_error *err)
{
    (void)ch;
    if (!req->form) {
        *err = (struct channel_error){"bad_request", "body is not a form", 400};
        return -1;
    }
    static const char *const required[] = {"sessionId", "phoneNumber", NULL};
    for (size_t i = 0; required[i]; i++) {
        size_t n = form_count(req->form, required[i]);
        if (n != 1 || !form_get(req->form, required[i]) || !*form_get(req->form, required[i])) {
            *err = (struct channel_error){
                "bad_request", n > 1 ? "duplicated field sessionId or phoneNumber"
                                     : "missing field sessionId or phoneNumber",
                400};
            return -1;
        }
    }
    if (form_count(req->form, "text") > 1 || form_count(req->form, "serviceCode") > 1) {
        *err = (struct channel_error){"bad_request", "duplicated field text or serviceCode", 400};
        return -1;
    }
    const struct form_field *text = form_find(req->form, "text");
    out->session_id = form_get(req->form, "sessionId");
    out->phone_raw = form_get(req->form, "phoneNumber");
    out->service_code = form_get(req->form, "serviceCode");
    out->network_code = form_get(req->form, "networkCode");
    if (!out->service_code)
        out->service_code = "";
    if (!out->network_code)
        out->network_code = "";
    out->text = text ? text->value : "";
    out->text_len = text ? text->value_len : 0;
    if (!utf8_valid(out->session_id, strlen(out->session_id)) ||
        !utf8_valid(out->service_code, strlen(out->service_code)) ||
        !utf8_valid(out->text, out->text_len) || memchr(out->text, '\0', out->text_len)) {
        *err = (struct channel_error){"bad_request", "a field is not valid UTF-8 text", 400};
        return -1;
    }
    if (strlen(out->session_id) >= USSD_SESSION_ID_MAX) {
        *err = (struct channel_error){"bad_request", "sessionId too long", 400};
        return -1;
    }
    return 0;
}

long at_ussd_reply(const char *screen, bool end, char *out, size_t outsz,
                   const char **content_type)
{
    *content_type = "text/plain; charset=utf-8";
    int n = snprintf(out, outsz, "%s %s", end ? "END" : "CON", screen);
    return n < 0 || (size_t)n >= outsz ? -1 : n;
}

const struct channel_ops africastalking_ops = {
    .type = "africastalking",
    .loopback_only = false,
    .needs_secret = true,
    .ussd_content_types = form_types,
    .ussd_parse = at_ussd_parse,
    .ussd_reply = at_ussd_reply,
};
