"""test_member_changes.py -- what staff change on a member (issue 16,
"missing" 8): a new phone number with the old one kept in the member's
history (erased with the member), their queued and held messages going to
the new number, a number another member has refused, a test number and a
real one never replacing each other; birth year and cooperative through
PATCH; consent withdrawn on the member's request stops every send to them
(the outbox suppresses what was queued) and is audited, with masked numbers
only in the audit log. Standard library only (plus pytest)."""

import json

from conftest import add_member, assert_json_error, query, wait_until
from outbox_helpers import queue_out
from test_admin_api import audit_rows, env, member_id  # noqa: F401


def test_a_new_phone_keeps_the_old_one_and_moves_waiting_messages(env):
    d, api = env
    st, vw = api["staff"], api["viewer"]
    mid = member_id(d, "+212600000002")
    held = queue_out(d, "nowhere", "+212600000002", body="Rappel", member_id=mid, status="held")
    sent = queue_out(d, "nowhere", "+212600000002", body="Ancien", member_id=mid, status="sent")
    r = st.post(f"/members/{mid}/phone", {"phone": "0661 23 45 67"})
    assert r.status == 200, r
    m = r.json()
    assert m["phone"] == "+212661234567"
    assert [(p["phone"], p["replaced_by"]) for p in m["previous_phones"]] == \
        [("+212600000002", "test-staff")]
    assert m["previous_phones"][0]["replaced_at_local"]
    got = vw.get(f"/members/{mid}").json()
    assert got["previous_phones"] == m["previous_phones"]
    assert vw.get("/members?phone=0661234567").json()["items"][0]["id"] == mid
    phones = {r["id"]: r["phone"] for r in query(d, "SELECT id, phone FROM messages")}
    assert phones[held] == "+212661234567" and phones[sent] == "+212600000002"
    a = audit_rows(d)[-1]
    assert (a["action"], a["object_id"]) == ("member.phone", str(mid))
    summary = json.loads(a["summary"])
    assert summary["messages_moved"] == 1
    assert "+212600000002" not in a["summary"] and "+212661234567" not in a["summary"]
    assert summary["phone"]["to"].startswith("+2126") and "*" in summary["phone"]["to"]
    # The same number again changes nothing.
    rows = len(audit_rows(d))
    assert st.post(f"/members/{mid}/phone", {"phone": "+212661234567"}).status == 200
    assert len(audit_rows(d)) == rows
    # Refused: another member's number, a bad one, a test number, a viewer.
    err = assert_json_error(st.post(f"/members/{mid}/phone", {"phone": "+212600000001"}), 409)
    assert err["field"] == "phone"
    assert_json_error(st.post(f"/members/{mid}/phone", {"phone": "12345"}), 422)
    assert assert_json_error(st.post(f"/members/{mid}/phone", {"phone": "+447700900123"}),
                             422)["field"] == "phone"
    assert_json_error(vw.post(f"/members/{mid}/phone", {"phone": "+212661234568"}), 403)
    assert_json_error(st.post("/members/999999/phone", {"phone": "+212661234568"}), 404)
    assert len(audit_rows(d)) == rows
    # Erasing the member erases the numbers they had.
    assert st.delete(f"/members/{mid}").status == 200
    assert query(d, "SELECT count(*) AS n FROM member_phones")[0]["n"] == 0
    assert_json_error(st.post(f"/members/{mid}/phone", {"phone": "+212661234569"}), 409)


def test_birth_year_and_cooperative_are_edited(env):
    d, api = env
    st = api["staff"]
    mid = member_id(d, "+212600000002")
    coop = query(d, "SELECT id FROM cooperatives WHERE code='2001'")[0]["id"]
    r = st.patch(f"/members/{mid}", {"birth_year": 1990, "cooperative_id": coop})
    assert r.status == 200, r
    assert (r.json()["birth_year"], r.json()["cooperative_code"]) == (1990, "2001")
    changes = json.loads(audit_rows(d)[-1]["summary"])["changes"]
    assert changes["birth_year"] == {"from": 1995, "to": 1990}
    assert changes["cooperative_id"]["to"] == coop
    r = st.patch(f"/members/{mid}", {"birth_year": None, "cooperative_id": None})
    assert (r.json()["birth_year"], r.json()["cooperative_id"]) == (None, None)
    assert_json_error(st.patch(f"/members/{mid}", {"birth_year": 1800}), 422)


def test_consent_withdrawn_by_staff_stops_every_send(env):
    d, api = env
    st, vw = api["staff"], api["viewer"]
    phone = "+212661000777"
    mid = add_member(d, phone, language="fr", name="Amal Withdraw")
    assert_json_error(vw.post(f"/members/{mid}/consent/withdraw", {}), 403)
    r = st.post(f"/members/{mid}/consent/withdraw", {"note": "appel du 6 décembre"})
    assert r.status == 200, r
    m = r.json()
    assert m["consent_withdrawn_by"] == "test-staff" and m["consent_withdrawn_at_local"]
    assert m["opted_out_at"] == m["consent_withdrawn_at"]
    a = audit_rows(d)[-1]
    assert (a["action"], a["object_id"]) == ("member.consent_withdrawn", str(mid))
    assert json.loads(a["summary"]) == {"note": "appel du 6 décembre", "was_opted_out": False}
    # Nothing reaches them any more: a broadcast, a notice, a reply.
    ids = [queue_out(d, "sandbox", phone, body=f"Message {kind}", kind=kind, member_id=mid)
           for kind in ("broadcast", "notification", "reply")]
    marks = ",".join("?" * len(ids))

    def settled():
        rows = query(d, f"SELECT status FROM messages WHERE id IN ({marks})", ids)
        return all(r["status"] not in ("queued", "sending") for r in rows)

    wait_until(settled, what="the queued messages settled")
    got = [r["status"] for r in query(d, f"SELECT status FROM messages WHERE id IN ({marks})",
                                      ids)]
    assert got == ["suppressed"] * 3, got
    # Again: no change, no second audit row; out of every topic's audience.
    rows = len(audit_rows(d))
    assert st.post(f"/members/{mid}/consent/withdraw").status == 200
    assert len(audit_rows(d)) == rows
    assert mid not in [x["id"] for x in vw.get("/members?topic=events&limit=500").json()["items"]]
