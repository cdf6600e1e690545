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
#include <string.h>

#include "api/api.h"
#include "api/export.h"
#include "api/json.h"
#include "core/msisdn.h"
#include "store/db.h"
#include "store/events.h"
#include "store/members.h"
#include "sys/table.h"

#define ATTENDEES_CSV_MAX (64 * 1024 * 1024) /* bytes of one attendee list */

/* The member named by member_id or member (TA-number or phone) into *id.
 * Returns 0, or -1 with resp filled. */
static int attendee_member(const struct api_request *req, struct db *db, struct http_response *resp,
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
    struct db *db;
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

/* The attendee list being written (sys/table: CSV or an .xlsx sheet). */
struct attendees_out {
    struct table *table;
    bool mask; /* viewers see masked phone numbers */
    int rc;    /* table_end_row's answer once it is not 0 */
};

static int attendee_row(void *ctx, const struct event_attendee *a)
{
    struct attendees_out *o = ctx;
    char no[16], phone[MSISDN_MAX];
    member_number(a->member_id, no);
    if (o->mask)
        msisdn_mask(a->phone, phone);
    else
        snprintf(phone, sizeof phone, "%s", a->phone);
    table_text(o->table, no);
    table_text(o->table, a->name);
    table_text(o->table, phone);
    table_text(o->table, a->cooperative);
    table_text(o->table, a->language);
    table_time(o->table, a->booked_at);
    table_time(o->table, a->reminded_at);
    table_time(o->table, a->checked_in_at);
    o->rc = table_end_row(o->table);
    return o->rc != 0;
}

/* Answer the list o holds: the CSV whole, or the workbook's file. */
static void attendees_reply(struct attendees_out *o, const struct api_export *form,
                            struct http_response *resp)
{
    int fd;
    unsigned long long size;
    size_t len;
    const char *csv = table_csv(o->table, &len);
    if (o->rc == 1) {
        api_error(resp, 413, "too_many_rows",
                  "more rows than a worksheet holds (1,048,576): export as CSV", "format");
    } else if (o->rc != 0) {
        api_error(resp, 500, "internal",
                  form->xlsx ? "the workbook could not be written"
                             : "the attendee list is too large to export",
                  NULL);
    } else if (csv) {
        http_reply(resp, 200, "text/csv; charset=utf-8", csv, len);
        snprintf(resp->content_disposition, sizeof resp->content_disposition, "%s",
                 form->disposition);
    } else if (table_finish(o->table, &fd, &size) != 0) {
        api_error(resp, 500, "internal", "the workbook could not be written", NULL);
    } else {
        api_export_reply_fd(resp, form, fd, API_XLSX_TYPE);
    }
}

/* GET /events/{id}/attendees.csv[?sep=;][&format=xlsx] */
static void attendees_csv_get(const struct api_request *req, struct http_response *resp)
{
    static const char *const header[] = {"member_no", "name",      "phone",       "cooperative",
                                         "language",  "booked_at", "reminded_at", "checked_in_at"};
    int64_t id;
    struct db *db;
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
    struct table_form f = {.xlsx = form.xlsx,
                           .sep = form.sep,
                           .csv_max = ATTENDEES_CSV_MAX,
                           .sheet = "attendees",
                           .rtl = form.rtl};
    struct attendees_out o = {.mask = req->principal.role < API_ROLE_STAFF};
    if (!(o.table = table_new(&f, header, sizeof header / sizeof header[0]))) {
        api_error(resp, 500, "internal",
                  form.xlsx ? "the workbook could not be written"
                            : "the export could not be started",
                  NULL);
        return;
    }
    if (event_attendees(db, id, attendee_row, &o) < 0)
        api_error_db(resp);
    else
        attendees_reply(&o, &form, resp);
    table_free(o.table);
}

const struct api_route api_attendance_routes[] = {
    {"POST", "/events/{id}/attendance", API_ROLE_STAFF, attendance_post, API_BODY_JSON},
    {"GET", "/events/{id}/attendees.csv", API_ROLE_VIEWER, attendees_csv_get, API_BODY_JSON},
    {NULL, NULL, API_ROLE_NONE, NULL, API_BODY_JSON},
};
