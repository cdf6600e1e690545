/* attendance.c -- who came to an event (issue 16, missing 7):
 *   POST /events/{id}/attendance {member_id | member, present}: check a
 *        member in on the day (or undo it); member is a member number
 *        (TA-000012) or a phone number; a member who came without booking
 *        is booked on the spot. Audited (event.attendance); the same
 *        answer twice changes nothing.
 *   GET  /events/{id}/attendees.csv: the bookings as a spreadsheet (member
 *        number, name, phone, cooperative, language, booked, reminded,
 *        checked in, in programme time); phone numbers masked for viewers;
 *        ?sep= and ?format=xlsx as api/export reads them.
 * The event's own figures (rsvps, attended) come with GET /events/{id}. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "api/export.h"
#include "api/json.h"
#include "core/msisdn.h"
#include "store/db.h"
#include "store/events.h"
#include "store/members.h"
#include "sys/csvio.h"
#include "sys/xlsx.h"

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

/* The attendee list being written: CSV or an .xlsx sheet. */
struct attendees_out {
    struct csvio_out csv;
    struct xlsx_sheet *xlsx; /* non-NULL: a workbook */
    bool mask;               /* viewers see masked phone numbers */
    size_t col;
};

static void out_text(struct attendees_out *o, const char *s)
{
    if (o->xlsx)
        xlsx_text(o->xlsx, o->col++, s, false);
    else
        csvio_out_field(&o->csv, s);
}

/* A time in programme time: "YYYY-MM-DD HH:MM" in CSV (a date spreadsheets
 * read), a real date in a workbook; empty when 0. */
static void out_time(struct attendees_out *o, int64_t t)
{
    char text[64] = "";
    if (t > 0 && api_json_local_time(t, text, sizeof text) != 0)
        text[0] = '\0';
    int y, mo, d, h, mi;
    if (o->xlsx && sscanf(text, "%d-%d-%dT%d:%d", &y, &mo, &d, &h, &mi) == 5) {
        xlsx_datetime(o->xlsx, o->col++, y, mo, d, h, mi);
        return;
    }
    char *tee = strchr(text, 'T');
    if (tee)
        *tee = ' ';
    out_text(o, text);
}

static bool out_end_row(struct attendees_out *o)
{
    o->col = 0;
    if (o->xlsx)
        return xlsx_end_row(o->xlsx) == 0;
    csvio_out_end_row(&o->csv);
    return !o->csv.failed;
}

static int attendee_row(void *ctx, const struct event_attendee *a)
{
    struct attendees_out *o = ctx;
    char no[16], phone[MSISDN_MAX];
    member_number(a->member_id, no);
    if (o->mask)
        msisdn_mask(a->phone, phone);
    else
        snprintf(phone, sizeof phone, "%s", a->phone);
    out_text(o, no);
    out_text(o, a->name);
    out_text(o, phone);
    out_text(o, a->cooperative);
    out_text(o, a->language);
    out_time(o, a->booked_at);
    out_time(o, a->reminded_at);
    out_time(o, a->checked_in_at);
    return out_end_row(o) ? 0 : 1;
}

/* Answer what o holds: the CSV, or the workbook's file. */
static void attendees_reply(struct attendees_out *o, const struct api_export *form,
                            struct http_response *resp)
{
    if (!o->xlsx) {
        http_reply(resp, 200, "text/csv; charset=utf-8", o->csv.data, o->csv.len);
        snprintf(resp->content_disposition, sizeof resp->content_disposition, "%s",
                 form->disposition);
        return;
    }
    int fd;
    unsigned long long size;
    if (xlsx_finish(o->xlsx, &fd, &size) != 0)
        api_error(resp, 500, "internal", "the workbook could not be written", NULL);
    else
        api_export_reply_fd(resp, form, fd, API_XLSX_TYPE);
}

/* GET /events/{id}/attendees.csv[?sep=;][&format=xlsx] */
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
    char name[96];
    snprintf(name, sizeof name, "attendees-%s", json_string_value(json_object_get(ev, "code")));
    json_decref(ev);
    struct api_export form;
    if (api_export_parse(req, resp, name, &form) != 0)
        return;
    struct attendees_out o = {.mask = req->principal.role < API_ROLE_STAFF};
    if (form.xlsx && !(o.xlsx = xlsx_new("attendees", form.rtl))) {
        api_error(resp, 500, "internal", "the workbook could not be written", NULL);
        return;
    }
    csvio_out_init(&o.csv, ATTENDEES_CSV_MAX, form.sep);
    for (size_t i = 0; i < sizeof header / sizeof header[0]; i++)
        if (o.xlsx)
            xlsx_text(o.xlsx, i, header[i], true);
        else
            csvio_out_field(&o.csv, header[i]);
    out_end_row(&o);
    int n = event_attendees(db, id, attendee_row, &o);
    if (n < 0)
        api_error_db(resp);
    else if (o.csv.failed)
        api_error(resp, 500, "internal", "the attendee list is too large to export", NULL);
    else
        attendees_reply(&o, &form, resp);
    free(o.csv.data);
    xlsx_free(o.xlsx);
}

const struct api_route api_attendance_routes[] = {
    {"POST", "/events/{id}/attendance", API_ROLE_STAFF, attendance_post, API_BODY_JSON},
    {"GET", "/events/{id}/attendees.csv", API_ROLE_VIEWER, attendees_csv_get, API_BODY_JSON},
    {NULL, NULL, API_ROLE_NONE, NULL, API_BODY_JSON},
};
