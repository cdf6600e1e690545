/* attendance.c -- who came to an event (issue 16, missing 7):
 *   POST /events/{id}/attendance {member_id | member, present}: check a
 *        member in on the day (or undo it); member is a member number
 *        (TA-000012) or a phone number; a member who came without booking
 *        is booked on the spot. Audited (event.attendance); the same
 *        answer twice changes nothing.
 *   GET  /events/{id}/attendees.csv: the bookings as a spreadsheet (member
 *        number, name, phone, cooperative, language, booked, reminded,
 *        checked in, in programme time); phone numbers masked for viewers.
 * The event's own figures (rsvps, attended) come with GET /events/{id}. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/json.h"
#include "core/msisdn.h"
#include "store/db.h"
#include "store/events.h"
#include "store/members.h"
#include "sys/csvio.h"

#define ATTENDEES_CSV_MAX (64 * 1024 * 1024) /* bytes of one attendee list */

/* The member named by member_id or member (TA-number or phone) into *id.
 * Returns 0, or -1 with resp filled. */
static int attendee_member(const struct api_request *req, sqlite3 *db, struct http_response *resp,
                           int64_t *id)
{
    int64_t v = 0;
    const char *who = NULL;
    enum api_json_field_result r =
        api_json_int(req, resp, "member_id", API_JSON_FIELD_OPTIONAL, 1, INT64_MAX / 2, &v);
    if (r < 0 || api_json_string(req, resp, "member", API_JSON_FIELD_OPTIONAL, 32, &who) < 0)
        return -1;
    if ((r == API_JSON_FIELD_SET) == (who != NULL)) {
        api_error(resp, 400, "missing_field", "give member_id or member (TA-number or phone)",
                  "member_id");
        return -1;
    }
    if (r == API_JSON_FIELD_SET) {
        *id = v;
        return 0;
    }
    long long n;
    char tail;
    if (sscanf(who, "TA-%lld%c", &n, &tail) == 1 && n > 0) {
        *id = n;
        return 0;
    }
    char phone[MSISDN_MAX];
    struct member m;
    int found = msisdn_normalize(who, strlen(who), phone) == MSISDN_OK
                    ? member_find_by_phone(db, phone, &m)
                    : 0;
    if (found < 0) {
        api_error_db(resp);
        return -1;
    }
    if (found == 0) {
        api_error(resp, 404, "not_found", "no member with that number or phone", "member");
        return -1;
    }
    *id = m.id;
    return 0;
}

/* The answer for a check-in result other than done/unchanged. */
static void checkin_error(enum checkin_result r, struct http_response *resp)
{
    switch (r) {
    case CHECKIN_NO_EVENT:
        api_error(resp, 404, "not_found", "no such event", NULL);
        break;
    case CHECKIN_NO_MEMBER:
        api_error(resp, 404, "not_found", "no such member", "member_id");
        break;
    case CHECKIN_CANCELLED:
        api_error(resp, 409, "conflict", "the event is cancelled", NULL);
        break;
    case CHECKIN_TOO_EARLY: {
        char why[80];
        snprintf(why, sizeof why, "check-in opens %d hours before the event starts",
                 EVENT_CHECKIN_OPENS_S / 3600);
        api_error(resp, 409, "too_early", why, NULL);
        break;
    }
    default:
        api_error_db(resp);
        break;
    }
}

static void attendance_post(const struct api_request *req, struct http_response *resp)
{
    static const char *const fields[] = {"member_id", "member", "present", NULL};
    int64_t event_id, member_id;
    sqlite3 *db;
    if (api_param_id(req, resp, "id", &event_id) != 0 || api_json_need_body(req, resp) != 0 ||
        api_json_only(req, resp, fields) != 0 || !(db = api_json_db(resp)))
        return;
    json_t *p = json_object_get(req->json, "present");
    if (!json_is_boolean(p)) {
        api_error(resp, 400, "invalid_field", "present must be true or false", "present");
        return;
    }
    bool present = json_is_true(p);
    if (attendee_member(req, db, resp, &member_id) != 0)
        return;
    if (db_begin(db) != 0) {
        api_error_db(resp);
        return;
    }
    enum checkin_result r =
        event_check_in(db, event_id, member_id, present, req->actor.who, db_now());
    int rc = 0;
    if (r == CHECKIN_DONE)
        rc = api_json_audit(
            db, req, "event.attendance", "event", event_id,
            json_pack("{s:I,s:b}", "member_id", (json_int_t)member_id, "present", present));
    else if (r != CHECKIN_UNCHANGED) {
        checkin_error(r, resp);
        rc = -1;
    }
    if (api_json_finish(db, rc, resp) != 0)
        return;
    json_t *o = api_json_get_one(db, ADMINQ_EVENT_GET, event_id, resp);
    if (!o)
        return;
    api_reply_json(resp, 200,
                   json_pack("{s:I,s:I,s:b,s:b,s:O}", "event_id", (json_int_t)event_id, "member_id",
                             (json_int_t)member_id, "present", present, "changed",
                             r == CHECKIN_DONE, "attended", json_object_get(o, "attended")));
    json_decref(o);
}

struct attendees_csv {
    struct csvio_out out;
    bool mask; /* viewers see masked phone numbers */
};

static void csv_time(struct csvio_out *o, int64_t t)
{
    char text[64] = "";
    if (t > 0 && api_json_local_time(t, text, sizeof text) != 0)
        text[0] = '\0';
    char *tee = strchr(text, 'T'); /* "YYYY-MM-DD HH:MM": a date spreadsheets read */
    if (tee)
        *tee = ' ';
    csvio_out_field(o, text);
}

static int attendee_row(void *ctx, const struct event_attendee *a)
{
    struct attendees_csv *c = ctx;
    char no[16], phone[MSISDN_MAX];
    member_number(a->member_id, no);
    if (c->mask)
        msisdn_mask(a->phone, phone);
    else
        snprintf(phone, sizeof phone, "%s", a->phone);
    csvio_out_field(&c->out, no);
    csvio_out_field(&c->out, a->name);
    csvio_out_field(&c->out, phone);
    csvio_out_field(&c->out, a->cooperative);
    csvio_out_field(&c->out, a->language);
    csv_time(&c->out, a->booked_at);
    csv_time(&c->out, a->reminded_at);
    csv_time(&c->out, a->checked_in_at);
    csvio_out_end_row(&c->out);
    return c->out.failed ? 1 : 0;
}

static void attendees_csv_get(const struct api_request *req, struct http_response *resp)
{
    static const char *const header[] = {"member_no", "name",      "phone",       "cooperative",
                                         "language",  "booked_at", "reminded_at", "checked_in_at"};
    int64_t id;
    sqlite3 *db;
    if (api_param_id(req, resp, "id", &id) != 0 || !(db = api_json_db(resp)))
        return;
    json_t *ev = api_json_get_one(db, ADMINQ_EVENT_GET, id, resp);
    if (!ev)
        return;
    json_decref(ev);
    struct attendees_csv c = {.mask = req->principal.role < API_ROLE_STAFF};
    csvio_out_init(&c.out, ATTENDEES_CSV_MAX);
    for (size_t i = 0; i < sizeof header / sizeof header[0]; i++)
        csvio_out_field(&c.out, header[i]);
    csvio_out_end_row(&c.out);
    int n = event_attendees(db, id, attendee_row, &c);
    if (n < 0)
        api_error_db(resp);
    else if (c.out.failed)
        api_error(resp, 500, "internal", "the attendee list is too large to export", NULL);
    else
        http_reply(resp, 200, "text/csv; charset=utf-8", c.out.data, c.out.len);
    free(c.out.data);
}

const struct api_route api_attendance_routes[] = {
    {"POST", "/events/{id}/attendance", API_ROLE_STAFF, attendance_post, API_BODY_JSON},
    {"GET", "/events/{id}/attendees.csv", API_ROLE_VIEWER, attendees_csv_get, API_BODY_JSON},
    {NULL, NULL, API_ROLE_NONE, NULL, API_BODY_JSON},
};
