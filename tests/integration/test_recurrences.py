"""Recurring broadcasts (issue 16, missing 6): weekly, monthly and "the day
before each event" rules over a draft, each occurrence a broadcast of its
own created and sent by the scheduler; the next occurrences previewed in
the programme's time (Africa/Casablanca, whose offset changes around
Ramadan), the 31st clamped in shorter months, the send window kept, an end
date or a count, pause/resume/delete, one occurrence (not one per tick)
after a stop, and no occurrence sent twice across SIGKILLs. Driven by the
test clock (taawund-test + TAAWUN_TEST_NOW_FILE), never by sleeping."""
import random
import time

from conftest import add_member, new_phone, query, wait_until
from test_admin_api import audit_rows, new_event, rsvp
from test_ussd_services import screen_when  # the catalog's event_when
from outbox_helpers import write_db
from test_broadcasts import AR, add, create, local_ts, out_for, start

FR = "Taawun: permanence de la coopérative ce lundi."
WEEK = 7 * 86400


def rule(st, bid, **body):
    r = st.post(f"/broadcasts/{bid}/recurrence", body)
    assert r.status == 201, r
    return r.json()


def occurrences(d, rid):
    return query(d, "SELECT * FROM broadcasts WHERE recurrence_id=? ORDER BY id", (rid,))


def sent(d, phone):
    return [m for m in out_for(d, phone) if m["status"] in ("sent", "delivered")]


def test_weekly_preview_keeps_local_time_across_ramadan(daemons, test_clock):
    test_clock.set(local_ts(2027, 1, 20, 12, 0))
    d, st, viewer = start(daemons, {"programme.send_window": "08:00-20:00"})
    r = viewer.post("/recurrences/preview", {"repeat": "weekly", "weekday": 1, "time": "10:00",
                                             "next": 10})
    assert r.status == 200, r
    occ = r.json()["occurrences"]
    assert r.json()["timezone"] == "Africa/Casablanca"
    assert [o["at_local"] for o in occ] == [
        "2027-01-25T10:00", "2027-02-01T10:00", "2027-02-08T10:00", "2027-02-15T10:00",
        "2027-02-22T10:00", "2027-03-01T10:00", "2027-03-08T10:00", "2027-03-15T10:00",
        "2027-03-22T10:00", "2027-03-29T10:00"]
    # UTC+1, then UTC+0 from 7 February to 14 March 2027 (Ramadan), then UTC+1.
    assert [o["at"] for o in occ] == [local_ts(2027, m, dd, 10, 0) for m, dd in (
        (1, 25), (2, 1), (2, 8), (2, 15), (2, 22), (3, 1), (3, 8), (3, 15), (3, 22), (3, 29))]
    assert occ[2]["at"] - occ[1]["at"] == WEEK + 3600
    assert occ[7]["at"] - occ[6]["at"] == WEEK - 3600
    # The send window holds an occurrence outside it, said in the preview.
    r = viewer.post("/recurrences/preview", {"repeat": "weekly", "weekday": 3, "time": "06:30",
                                             "next": 1}).json()["occurrences"][0]
    assert r["at_local"] == "2027-01-27T06:30"
    assert r["held_until_at_local"] == "2027-01-27T08:00"


def test_monthly_31st_is_the_last_day_of_shorter_months(daemons, test_clock):
    test_clock.set(local_ts(2027, 10, 5, 9, 0))
    d, st, viewer = start(daemons)
    occ = viewer.post("/recurrences/preview", {"repeat": "monthly", "day": 31, "time": "09:00",
                                               "next": 6}).json()["occurrences"]
    assert [(o["at_local"], o["clamped"]) for o in occ] == [
        ("2027-10-31T09:00", False), ("2027-11-30T09:00", True), ("2027-12-31T09:00", False),
        ("2028-01-31T09:00", False), ("2028-02-29T09:00", True), ("2028-03-31T09:00", False)]
    # An end date and a count bound the preview.
    occ = viewer.post("/recurrences/preview", {"repeat": "monthly", "day": 31, "time": "09:00",
                                               "ends": "2027-12-31", "next": 6}).json()
    assert len(occ["occurrences"]) == 3
    occ = viewer.post("/recurrences/preview", {"repeat": "monthly", "day": 1, "time": "09:00",
                                               "count": 2, "next": 6}).json()
    assert len(occ["occurrences"]) == 2


def test_validation_roles_and_audit(daemons, test_clock):
    test_clock.set(local_ts(2031, 3, 10, 12, 0))
    d, st, viewer = start(daemons)
    b = create(st, {"ar": AR, "fr": FR}, {"phones": [add(d)]})
    body = {"repeat": "weekly", "weekday": 1, "time": "10:00"}
    assert viewer.post(f"/broadcasts/{b['id']}/recurrence", body).status == 403
    for bad, field in (({"repeat": "daily", "time": "10:00"}, "repeat"),
                       ({"repeat": "weekly", "time": "10:00"}, "weekday"),
                       ({"repeat": "weekly", "weekday": 8, "time": "10:00"}, "weekday"),
                       ({"repeat": "monthly", "day": 12, "time": "25:00"}, "time"),
                       ({"repeat": "monthly", "day": 12, "time": "10:00", "ends": "2031-02-30"},
                        "ends"),
                       ({"repeat": "event_eve", "time": "18:00", "events": {"provinces": ["x"]}},
                        "events.provinces"),
                       ({"repeat": "monthly", "day": 12, "time": "10:00", "ends": "2031-03-01"},
                        "ends")):
        r = st.post(f"/broadcasts/{b['id']}/recurrence", bad)
        assert r.status in (400, 422) and r.json()["error"]["field"] == field, (bad, r)
    assert st.post(f"/broadcasts/{b['id']}/recurrence", dict(body, x=1)).status == 400
    assert st.post("/broadcasts/999999/recurrence", body).status == 404
    rec = rule(st, b["id"], **body)
    assert rec["status"] == "active" and rec["next_at_local"] == "2031-03-17T10:00"
    assert [o["at_local"] for o in rec["upcoming"]][:2] == ["2031-03-17T10:00", "2031-03-24T10:00"]
    a = [x for x in audit_rows(d) if x["object_type"] == "recurrence"]
    assert a and a[-1]["action"] == "recurrence.create"
    # A broadcast already sent repeats nothing.
    st.post(f"/broadcasts/{b['id']}/send")
    assert st.post(f"/broadcasts/{b['id']}/recurrence", body).status == 409
    assert viewer.get("/recurrences").json()["total"] == 1
    assert viewer.patch(f"/recurrences/{rec['id']}", {"status": "paused"}).status == 403
    assert viewer.delete(f"/recurrences/{rec['id']}").status == 403


def test_weekly_occurrences_are_broadcasts_sent_once_each(daemons, test_clock):
    t0 = local_ts(2031, 3, 10, 9, 0)  # a Monday
    test_clock.set(t0)
    d, st, viewer = start(daemons, {"programme.send_window": "08:00-20:00"})
    phones = [add(d, lang="fr"), add(d, lang="ar")]
    b = create(st, {"ar": AR, "fr": FR}, {"phones": phones})
    rec = rule(st, b["id"], repeat="weekly", weekday=1, time="10:00", count=2)
    assert rec["next_at"] == local_ts(2031, 3, 10, 10, 0)
    test_clock.set(local_ts(2031, 3, 10, 10, 0))
    wait_until(lambda: all(sent(d, p) for p in phones), what="the first occurrence sent")
    occ = occurrences(d, rec["id"])
    assert len(occ) == 1 and occ[0]["name"] == "test \u00b7 2031-03-10"
    assert occ[0]["scheduled_at"] == local_ts(2031, 3, 10, 10, 0)
    g = st.get(f"/broadcasts/{occ[0]['id']}").json()
    assert g["status"] == "finished" and g["progress"]["total"] == 2
    # The template stays a draft; later ticks in the same week add nothing.
    assert st.get(f"/broadcasts/{b['id']}").json()["status"] == "draft"
    test_clock.set(local_ts(2031, 3, 12, 10, 0))
    sentinel = create(st, {"ar": AR}, {"phones": [add(d)]})
    st.post(f"/broadcasts/{sentinel['id']}/schedule", {"at": local_ts(2031, 3, 12, 10, 30)})
    test_clock.set(local_ts(2031, 3, 12, 10, 30))
    wait_until(lambda: st.get(f"/broadcasts/{sentinel['id']}").json()["status"] != "scheduled",
               what="a later tick")
    assert len(occurrences(d, rec["id"])) == 1 and all(len(out_for(d, p)) == 1 for p in phones)
    got = viewer.get(f"/recurrences/{rec['id']}").json()
    assert got["created_count"] == 1 and got["next_at_local"] == "2031-03-17T10:00"
    assert got["occurrences"][0]["broadcast_id"] == occ[0]["id"]
    # The second and last (count 2): the rule ends.
    test_clock.set(local_ts(2031, 3, 17, 10, 0))
    wait_until(lambda: all(len(sent(d, p)) == 2 for p in phones), what="the second occurrence")
    got = viewer.get(f"/recurrences/{rec['id']}").json()
    assert got["status"] == "ended" and got["ended_reason"] == "count" and got["upcoming"] == []
    assert any(a["action"] == "recurrence.occurrence" and a["who"] == "scheduler"
               for a in audit_rows(d))


def test_an_occurrence_outside_the_send_window_is_held(daemons, test_clock):
    test_clock.set(local_ts(2031, 7, 1, 12, 0))
    d, st, _ = start(daemons, {"programme.send_window": "08:00-20:00"})
    phone = add(d)
    b = create(st, {"ar": AR, "fr": FR}, {"phones": [phone]})
    rec = rule(st, b["id"], repeat="monthly", day=1, time="21:00")
    assert rec["upcoming"][0]["held_until_at_local"] == "2031-07-02T08:00"
    test_clock.set(local_ts(2031, 7, 1, 21, 0))
    wait_until(lambda: out_for(d, phone), what="the occurrence expanded")
    assert [m["status"] for m in out_for(d, phone)] == ["held"]
    test_clock.set(local_ts(2031, 7, 2, 8, 0))
    wait_until(lambda: sent(d, phone), what="released when the window opens")


def test_after_a_stop_only_the_latest_missed_occurrence_goes(daemons, test_clock):
    test_clock.set(local_ts(2031, 3, 10, 9, 0))
    conf_over = {"programme.send_window": "08:00-20:00"}
    d, st, viewer = start(daemons, conf_over)
    phone = add(d)
    b = create(st, {"ar": AR, "fr": FR}, {"phones": [phone]})
    rec = rule(st, b["id"], repeat="weekly", weekday=1, time="10:00")
    d.stop()
    # Down for three weeks: back at 12:00 on the fourth Monday, two hours late.
    test_clock.set(local_ts(2031, 3, 31, 12, 0))
    d = daemons.start(config=d.config)
    st.d = viewer.d = d
    wait_until(lambda: sent(d, phone), what="the latest missed occurrence")
    occ = occurrences(d, rec["id"])
    assert len(occ) == 1 and occ[0]["scheduled_at"] == local_ts(2031, 3, 31, 10, 0)
    got = viewer.get(f"/recurrences/{rec['id']}").json()
    assert got["skipped_count"] == 3 and got["created_count"] == 1
    assert [o["outcome"] for o in got["occurrences"]] == ["created", "skipped", "skipped",
                                                          "skipped"]
    assert got["next_at_local"] == "2031-04-07T10:00"
    assert any(a["action"] == "recurrence.skip" for a in audit_rows(d))
    # Back more than six hours late: that one is skipped too, none sent.
    d.stop()
    test_clock.set(local_ts(2031, 4, 7, 17, 0))
    d = daemons.start(config=d.config)
    viewer.d = d
    wait_until(lambda: viewer.get(f"/recurrences/{rec['id']}").json()["skipped_count"] == 4,
               what="the late occurrence skipped")
    assert len(occurrences(d, rec["id"])) == 1 and len(out_for(d, phone)) == 1


def test_pause_resume_and_delete(daemons, test_clock):
    test_clock.set(local_ts(2031, 3, 10, 9, 0))
    d, st, viewer = start(daemons)
    phone = add(d)
    b = create(st, {"ar": AR, "fr": FR}, {"phones": [phone]})
    rec = rule(st, b["id"], repeat="weekly", weekday=1, time="10:00")
    r = st.patch(f"/recurrences/{rec['id']}", {"status": "paused"})
    assert r.status == 200 and r.json()["status"] == "paused", r
    test_clock.set(local_ts(2031, 3, 11, 9, 0))
    sentinel = create(st, {"ar": AR}, {"phones": [add(d)]})
    st.post(f"/broadcasts/{sentinel['id']}/schedule", {"at": local_ts(2031, 3, 11, 9, 30)})
    test_clock.set(local_ts(2031, 3, 11, 9, 30))
    wait_until(lambda: st.get(f"/broadcasts/{sentinel['id']}").json()["status"] != "scheduled",
               what="a tick past the paused occurrence")
    assert not occurrences(d, rec["id"])
    # Resumed: the one due while paused is not made up; the time moves too.
    r = st.patch(f"/recurrences/{rec['id']}", {"status": "active", "time": "11:15"}).json()
    assert r["status"] == "active" and r["next_at_local"] == "2031-03-17T11:15"
    acts = [a["action"] for a in audit_rows(d) if a["object_type"] == "recurrence"]
    assert acts == ["recurrence.create", "recurrence.pause", "recurrence.resume"]
    # Deleted: kept for history, out of the list; a second delete is a conflict.
    r = st.delete(f"/recurrences/{rec['id']}")
    assert r.status == 200 and r.json()["deleted"] is True
    assert viewer.get("/recurrences").json()["total"] == 0
    assert viewer.get(f"/recurrences/{rec['id']}").json()["status"] == "deleted"
    assert st.delete(f"/recurrences/{rec['id']}").status == 409
    assert st.patch(f"/recurrences/{rec['id']}", {"status": "active"}).status == 409
    test_clock.set(local_ts(2031, 3, 17, 11, 15))
    time.sleep(0.5)  # several ticks (100 ms each) that must create nothing
    assert not occurrences(d, rec["id"])


def test_deleting_the_draft_ends_its_rules(daemons, test_clock):
    test_clock.set(local_ts(2031, 3, 10, 9, 0))
    d, st, viewer = start(daemons)
    b = create(st, {"ar": AR, "fr": FR}, {"phones": [add(d)]})
    rec = rule(st, b["id"], repeat="weekly", weekday=2, time="10:00")
    assert st.delete(f"/broadcasts/{b['id']}").status == 200
    got = viewer.get(f"/recurrences/{rec['id']}").json()
    assert got["status"] == "ended" and got["ended_reason"] == "template_deleted"


def test_the_day_before_each_event_reaches_its_attendees(daemons, test_clock):
    t0 = local_ts(2031, 5, 1, 9, 0)
    test_clock.set(t0)
    d, st, viewer = start(daemons)
    nador = new_event(st, "9101", local_ts(2031, 5, 10, 10, 0), province="nador")
    oujda = new_event(st, "9102", local_ts(2031, 5, 12, 9, 0), province="oujda-angad")
    later = new_event(st, "9103", local_ts(2031, 5, 20, 9, 0), province="nador")
    members = {}
    for ev in (nador, oujda, later):
        p = new_phone()
        members[ev["id"]] = (p, add_member(d, p, language="fr", name="Att"))
        rsvp(d, ev["id"], members[ev["id"]][1])
    outsider = add(d, province="nador")  # booked nothing
    # The draft names an event for its {event} (the API asks for one); each
    # occurrence names the event it serves instead.
    b = create(st, {"ar": AR, "fr": "Taawun: {event} demain, {date}."}, {"provinces": ["nador"]},
               event=later["id"])
    body = {"repeat": "event_eve", "time": "18:00", "events": {"provinces": ["nador"]}}
    pv = viewer.post("/recurrences/preview", body).json()["occurrences"]
    assert [(o["at_local"], o["event"]["code"]) for o in pv] == [
        ("2031-05-09T18:00", "9101"), ("2031-05-19T18:00", "9103")]
    rec = rule(st, b["id"], **body)
    assert rec["audience"] == "attendees" and len(rec["upcoming"]) == 2
    test_clock.set(local_ts(2031, 5, 9, 18, 0))
    p_nador = members[nador["id"]][0]
    wait_until(lambda: sent(d, p_nador), what="the eve of the Nador event")
    occ = occurrences(d, rec["id"])
    assert len(occ) == 1 and occ[0]["name"] == "test \u00b7 9101"
    assert occ[0]["audience"] == '{"events":[%d]}' % nador["id"]
    # {event} and {date} name the event served, not the draft's.
    assert occ[0]["event_id"] == nador["id"]
    # {date} as the catalog writes it ("10/05 10h00" in French).
    when = screen_when("fr", local_ts(2031, 5, 10, 10, 0))
    assert when.startswith("10/05 10")
    assert f"Taawun: Atelier marketing demain, {when}." in sent(d, p_nador)[0]["body"]
    assert not out_for(d, outsider) and not out_for(d, members[oujda["id"]][0])
    assert not out_for(d, members[later["id"]][0])
    # The Oujda event's eve (not in the filter) passes without a word.
    test_clock.set(local_ts(2031, 5, 11, 18, 0))
    time.sleep(0.5)
    assert len(occurrences(d, rec["id"])) == 1
    got = viewer.get(f"/recurrences/{rec['id']}").json()
    assert [o["event"]["code"] for o in got["upcoming"]] == ["9103"]


def add_many(d, n):
    """n consenting members in one statement (real-looking numbers)."""
    now = int(time.time())
    write_db(d, "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ?)"
                " INSERT INTO members (phone, name, language, consent_at, consent_channel,"
                " registered_via, registered_at, created_at, updated_at)"
                " SELECT '+2127' || (90000000 + i), 'Member', 'fr', ?, 'ussd', 'ussd', ?, ?, ?"
                " FROM k", (n, now, now, now, now))


def test_no_occurrence_is_sent_twice_across_sigkills(daemons, test_clock):
    """SIGKILL the daemon at random moments while a weekly rule's
    occurrences come due and go out to a few thousand members, then let it
    run: every week is recorded once (created, or skipped when its daemon
    died before its tick and the next came a week late), and no member has
    two messages of one occurrence."""
    test_clock.set(local_ts(2031, 3, 10, 9, 0))
    d, st, viewer = start(daemons)
    members = 1500
    add_many(d, members)
    b = create(st, {"ar": AR, "fr": FR})
    rec = rule(st, b["id"], repeat="weekly", weekday=1, time="10:00")
    conf = d.config
    d.stop()
    rng = random.Random(16)
    weeks, caught = 6, 0
    for week in range(weeks):
        test_clock.set(local_ts(2031, 3, 10, 10, 0) + week * WEEK + 60)
        d = daemons.start(config=conf)
        time.sleep(rng.uniform(0.0, 0.6))  # the moment of the kill, not a readiness wait
        d.kill()
        # Killed while an occurrence was waiting to start or its messages
        # were still going out: what this test is about.
        caught += query(d, "SELECT count(*) AS n FROM broadcasts b WHERE recurrence_id = ?"
                           " AND (status = 'scheduled' OR EXISTS (SELECT 1 FROM messages m"
                           " WHERE m.broadcast_id = b.id AND m.status IN ('queued','sending')))",
                        (rec["id"],))[0]["n"] > 0
    d = daemons.start(config=conf)
    want = [local_ts(2031, 3, 10, 10, 0) + w * WEEK for w in range(weeks)]
    wait_until(lambda: query(d, "SELECT count(*) AS n FROM recurrence_occurrences")[0]["n"] ==
               weeks, what="every week recorded")
    made = query(d, "SELECT due_at, outcome FROM recurrence_occurrences WHERE recurrence_id=?"
                    " ORDER BY due_at", (rec["id"],))
    assert [m["due_at"] for m in made] == want
    created = [m for m in made if m["outcome"] == "created"]
    wait_until(lambda: all(o["status"] == "started" for o in occurrences(d, rec["id"])),
               what="every occurrence started")
    occ = occurrences(d, rec["id"])
    assert len(occ) == len(created) and len({o["scheduled_at"] for o in occ}) == len(occ)
    for o in occ:
        n = query(d, "SELECT count(*) AS n, count(DISTINCT member_id) AS m FROM messages"
                     " WHERE broadcast_id = ?", (o["id"],))[0]
        assert n["n"] == n["m"] == members, (o, n)
    d.kill()  # its sandbox may still be sending; a stop would wait for it
    assert created and caught, "the test proved nothing: no kill landed during a send"


def test_an_occurrence_over_the_threshold_waits_and_a_delete_cancels_it(daemons, test_clock):
    """An occurrence goes through the send path like any broadcast: over the
    approval threshold it waits for a second staff member; deleting the rule
    cancels it, as it cancels one not yet started."""
    test_clock.set(local_ts(2031, 3, 10, 9, 0))
    d, st, viewer = start(daemons, {"broadcasts.approval_recipients": 1})
    phones = [add(d), add(d)]
    b = create(st, {"ar": AR, "fr": FR}, {"phones": phones})
    rec = rule(st, b["id"], repeat="weekly", weekday=1, time="10:00")
    test_clock.set(local_ts(2031, 3, 10, 10, 0))
    wait_until(lambda: occurrences(d, rec["id"]) and
               occurrences(d, rec["id"])[0]["status"] == "awaiting_approval",
               what="the occurrence waiting for approval")
    assert not any(out_for(d, p) for p in phones)
    r = st.delete(f"/recurrences/{rec['id']}")
    assert r.status == 200 and r.json()["occurrences_cancelled"] == 1, r
    assert occurrences(d, rec["id"])[0]["status"] == "cancelled"
