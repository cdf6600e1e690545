"""Events: who came, the attendee list, and a reminder lead per event
(issue 16, missing 7).

Check-in on the day marks the members who came (booked or walk-in) with a
count staff report to the funder; the attendee list is a CSV an officer
opens in a spreadsheet; each event may remind its bookings earlier or later
than the programme's default."""
import csv
import io
import json
import time

from conftest import add_member, assert_json_error, new_phone, query, wait_until
from test_admin_api import Api, audit_rows, env, make_token, new_event, rsvp  # noqa: F401


def attendance(api, event_id, **body):
    return api.post(f"/events/{event_id}/attendance", body)


def attendees(api, event_id):
    r = api.get(f"/events/{event_id}/attendees.csv")
    assert r.status == 200, r
    assert r.headers["content-type"].startswith("text/csv")
    text = r.body.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_check_in_on_the_day_counts_who_came(env):  # noqa: F811
    d, api = env
    st = api["staff"]
    ev = new_event(st, "8101", int(time.time()) + 2 * 3600)
    booked = [add_member(d, new_phone(), language=lang, name=f"Membre {lang}")
              for lang in ("ar", "fr")]
    for m in booked:
        rsvp(d, ev["id"], m)
    walk_in_phone = new_phone()
    walk_in = add_member(d, walk_in_phone, language="fr", name="Sans réservation")

    # A booked member by id, another by member number, a walk-in by phone.
    r = attendance(st, ev["id"], member_id=booked[0], present=True)
    assert r.status == 200 and r.json()["changed"] and r.json()["attended"] == 1, r
    r = attendance(st, ev["id"], member=f"TA-{booked[1]:06d}", present=True)
    assert r.status == 200 and r.json()["attended"] == 2, r
    r = attendance(st, ev["id"], member=walk_in_phone, present=True)
    assert r.status == 200 and r.json()["member_id"] == walk_in and r.json()["attended"] == 3, r
    # The same answer twice changes nothing and writes one audit row.
    r = attendance(st, ev["id"], member_id=booked[0], present=True)
    assert r.status == 200 and not r.json()["changed"] and r.json()["attended"] == 3, r
    rows = [a for a in audit_rows(d) if a["action"] == "event.attendance"]
    assert len(rows) == 3, rows
    assert json.loads(rows[0]["summary"]) == {"member_id": booked[0], "present": True}
    assert rows[0]["who"] == "test-staff"
    # Undo a mistake.
    r = attendance(st, ev["id"], member=f"TA-{booked[1]:06d}", present=False)
    assert r.status == 200 and r.json()["changed"] and r.json()["attended"] == 2, r

    got = api["viewer"].get(f"/events/{ev['id']}").json()
    assert got["attended"] == 2 and got["rsvps"] == 3, got
    came = {x["member_id"]: x for x in got["rsvp_list"]}
    assert came[booked[0]]["checked_in_at"] and came[booked[0]]["checked_in_by"] == "test-staff"
    assert came[booked[0]]["checked_in_at_local"], came[booked[0]]
    assert came[booked[1]]["checked_in_at"] is None


def test_attendee_list_csv_masks_phones_for_viewers(env):  # noqa: F811
    d, api = env
    st = api["staff"]
    # Its reminder 10 minutes before the start, not the programme's 24 hours:
    # one due at once could be sent before the list is read (reminded_at set).
    ev = new_event(st, "8102", int(time.time()) + 3600, reminder_before_s=600)
    phone = new_phone()
    m = add_member(d, phone, language="ar", name="فاطمة الزهراء")
    rsvp(d, ev["id"], m)
    assert attendance(st, ev["id"], member_id=m, present=True).status == 200

    [row] = attendees(st, ev["id"])
    assert row["member_no"] == f"TA-{m:06d}" and row["name"] == "فاطمة الزهراء", row
    assert row["phone"] == phone and row["language"] == "ar"
    assert row["booked_at"] and row["checked_in_at"] and not row["reminded_at"], row
    # Programme time, as the console shows it: "YYYY-MM-DD HH:MM".
    assert row["checked_in_at"][:4].isdigit() and ":" in row["checked_in_at"], row
    [vrow] = attendees(api["viewer"], ev["id"])
    assert vrow["phone"] != phone and "*" in vrow["phone"], vrow
    assert_json_error(api["viewer"].get("/events/999999/attendees.csv"), 404)


def test_check_in_refusals(env):  # noqa: F811
    d, api = env
    st = api["staff"]
    now = int(time.time())
    later = new_event(st, "8103", now + 3 * 86400)
    today = new_event(st, "8104", now + 3600)
    m = add_member(d, new_phone(), language="fr")
    before = len(audit_rows(d))

    assert st.get(f"/events/{later['id']}").json()["checkin_open"] is False
    assert st.get(f"/events/{today['id']}").json()["checkin_open"] is True
    err = assert_json_error(attendance(st, later["id"], member_id=m, present=True), 409)
    assert err["code"] == "too_early", err
    assert_json_error(attendance(st, 999999, member_id=m, present=True), 404)
    assert_json_error(attendance(st, today["id"], member_id=999999, present=True), 404)
    assert_json_error(attendance(st, today["id"], member="TA-nope", present=True), 404)
    assert_json_error(attendance(st, today["id"], present=True), 400)
    assert_json_error(attendance(st, today["id"], member_id=m, member="TA-000001",
                                 present=True), 400)
    assert_json_error(attendance(st, today["id"], member_id=m, present="yes"), 400)
    assert_json_error(attendance(st, today["id"], member_id=m, present=True, seat=4), 400)
    assert_json_error(attendance(api["viewer"], today["id"], member_id=m, present=True), 403)
    assert st.post(f"/events/{today['id']}/cancel").status == 200
    assert_json_error(attendance(st, today["id"], member_id=m, present=True), 409)
    assert len(audit_rows(d)) == before + 1  # the cancellation only
    assert not query(d, "SELECT 1 FROM rsvps WHERE member_id=?", (m,))


def test_each_event_has_its_own_reminder_lead(daemons, test_clock):
    t0 = 2000000000
    test_clock.set(t0)
    conf = daemons.config({"programme.reminder_before_s": 3600})
    token = make_token(conf, "staff-lead", "staff")
    d = daemons.start(config=conf)
    d.wait_log(r"event=test_clock\b")
    st = Api(d, token)
    # Starts in two days; its own lead of three days makes it due now.
    early = new_event(st, "8201", t0 + 2 * 86400, reminder_before_s=3 * 86400)
    assert early["reminder_before_s"] == 3 * 86400
    # Starts in 30 minutes; the default lead (1 h) makes it due too.
    default = new_event(st, "8202", t0 + 1800)
    assert default["reminder_before_s"] is None
    # Starts in 30 minutes with a lead of 10 minutes: not due yet.
    late = new_event(st, "8203", t0 + 1800, reminder_before_s=600)
    ms = [add_member(d, new_phone(), language="fr") for _ in range(3)]
    for ev, m in zip((early, default, late), ms):
        rsvp(d, ev["id"], m)

    def reminded(m):
        return query(d, "SELECT 1 FROM messages WHERE member_id=? AND kind='reminder'", (m,))

    wait_until(lambda: reminded(ms[0]) and reminded(ms[1]), what="the due reminders")
    assert not reminded(ms[2])
    test_clock.set(t0 + 1800 - 599)
    wait_until(lambda: reminded(ms[2]), what="the late event's reminder")

    # Bounds come from one place (core/limits.h), as for the setting.
    for bad in (59, 30 * 86400 + 1, "1d"):
        r = st.patch(f"/events/{late['id']}", {"reminder_before_s": bad})
        assert r.status in (400, 422), r
    r = st.patch(f"/events/{late['id']}", {"reminder_before_s": None})
    assert r.status == 200 and r.json()["reminder_before_s"] is None, r
