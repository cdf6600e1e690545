"""test_officer_api.py -- what a programme officer relies on in the admin
API (issue 16, "wrong today"): times come back as programme-time strings
made by the daemon (NAME_local beside every time NAME: `at` or `*_at`) and such a string sent
back moves nothing; impossible dates are refused; a grant created without a
reference gets a free one even when the demo's references are in the way;
the same grant status twice is a no-op; a broadcast is measured (text with
the opt-out hint, exactly as it travels) without storing a draft; a
broadcast whose messages are all settled is `finished`; a provider refusing
our credentials (401) is a warning once per change of state and a state
staff see (GET /channels).
Standard library only (plus pytest)."""

import json
import time
from datetime import datetime

from conftest import (add_member, assert_json_error, catalog, new_phone, parse_log_line, query,
                      sandbox_channel, wait_until)
from outbox_helpers import FakeAT, at_send_channel, queue_out
from test_admin_api import Api, make_token
from test_admin_api import ZONE, audit_rows, env, grant_id, local, member_id, new_event  # noqa: F401


def test_times_come_as_programme_time_strings_and_round_trip(env):
    d, api = env
    st = api["staff"]
    ev = new_event(st, "8801", "2026-12-10T10:00")
    assert ev["starts_at_local"] == "2026-12-10T10:00"
    assert local(ev["starts_at"], "%Y-%m-%dT%H:%M") == "2026-12-10T10:00"
    got = api["viewer"].get(f"/events/{ev['id']}").json()
    assert got["starts_at_local"] == "2026-12-10T10:00"
    assert got["created_at_local"] == local(got["created_at"], "%Y-%m-%dT%H:%M")
    listed = api["viewer"].get("/events?limit=100").json()["items"]
    assert [e["starts_at_local"] for e in listed if e["id"] == ev["id"]] == ["2026-12-10T10:00"]
    # Saving the string the API gave moves nothing, however often.
    for _ in range(2):
        r = st.patch(f"/events/{ev['id']}", {"starts_at": got["starts_at_local"]})
        assert r.status == 200, r
        assert r.json()["starts_at"] == ev["starts_at"]
    assert not [a for a in audit_rows(d) if a["action"] == "event.update"
                and "starts_at" in json.loads(a["summary"])["changes"]]


def test_impossible_dates_are_refused(env):
    _, api = env
    st = api["staff"]
    body = {"code": "8802", "kind": "event", "title_fr": "x", "place": "x"}
    for bad in ("2027-02-31T10:00", "2026-04-31T09:00", "2027-02-29T10:00"):
        err = assert_json_error(st.post("/events", dict(body, starts_at=bad)), 422)
        assert err["field"] == "starts_at", bad
    assert st.post("/events", dict(body, starts_at="2028-02-29T10:00")).status == 201


def test_grant_creation_finds_a_free_reference(env):
    d, api = env
    st = api["staff"]
    year = datetime.now(ZONE).year
    mid = member_id(d, "+212700000003")
    base = {"member_id": mid, "programme": "Appui", "amount_mad": 1000}
    # The next id's reference (the old rule) is taken already.
    nxt = query(d, "SELECT coalesce(max(id), 0) + 2 AS n FROM grants")[0]["n"]
    r = st.post("/grants", dict(base, reference=f"GR-{year}-{nxt:05d}"))
    assert r.status == 201, r
    refs = set()
    for _ in range(3):
        r = st.post("/grants", base)
        assert r.status == 201, r
        refs.add(r.json()["reference"])
    assert len(refs) == 3 and all(x.startswith(f"GR-{year}-") for x in refs)


def test_the_same_grant_status_twice_is_a_no_op(env):
    d, api = env
    st = api["staff"]
    gid = grant_id(d, "GR-2026-00041")
    phone = "+212600000001"
    before = query(d, "SELECT count(*) AS n FROM messages WHERE phone=? AND direction='out'",
                   (phone,))[0]["n"]
    first = st.post(f"/grants/{gid}/status", {"status": "approved"})
    assert first.status == 200 and first.json()["notification_message_id"], first
    again = st.post(f"/grants/{gid}/status", {"status": "approved"})
    assert again.status == 200, again
    assert again.json()["notification_message_id"] is None
    assert len(again.json()["history"]) == 1
    after = query(d, "SELECT count(*) AS n FROM messages WHERE phone=? AND direction='out'",
                  (phone,))[0]["n"]
    assert after == before + 1
    assert len([a for a in audit_rows(d) if a["action"] == "grant.status"]) == 1


def test_a_broadcast_is_measured_with_its_hint_and_nothing_stored(env):
    d, api = env
    st = api["staff"]
    text = ("Taawun: la foire des cooperatives de l'Oriental ouvre samedi a Oujda. "
            "Venez presenter vos produits, inscrivez-vous avant jeudi aupres de la delegation!!")
    text = (text + "." * 160)[:158]
    assert len(text) == 158
    before = query(d, "SELECT count(*) AS n FROM broadcasts")[0]["n"]
    r = st.post("/broadcasts/preview", {"texts": {"ar": "نص", "fr": text},
                                        "audience": {}})
    assert r.status == 200, r
    fr = [x for x in r.json()["languages"] if x["language"] == "fr"][0]
    hint = catalog("fr")["messages"]["broadcast_opt_out_hint"]
    assert fr["text"].startswith(text) and fr["text"].endswith(hint), fr["text"]
    assert fr["opt_out_hint_added"] and len(fr["text"]) > 160
    assert fr["encoding"] == "gsm7" and fr["segments"] == 2
    assert query(d, "SELECT count(*) AS n FROM broadcasts")[0]["n"] == before
    assert not [a for a in audit_rows(d) if a["object_type"] == "broadcast"]
    err = assert_json_error(st.post("/broadcasts/preview", {"texts": {"fr": "x"}}), 422)
    assert err["field"] == "texts.ar"


def test_a_settled_broadcast_is_finished(env):
    d, api = env
    st = api["staff"]
    phone = new_phone()
    add_member(d, phone, language="fr", name="Member", consent=True)
    b = st.post("/broadcasts", {"name": "t", "texts": {"ar": "نص", "fr": "Salut"},
                                "audience": {"phones": [phone]}}).json()
    r = st.post(f"/broadcasts/{b['id']}/send")
    assert r.status == 200, r
    wait_until(lambda: st.get(f"/broadcasts/{b['id']}").json()["finished"], what="settled")
    g = st.get(f"/broadcasts/{b['id']}").json()
    assert g["status"] == "finished"
    assert g["started_at_local"] == local(g["started_at"], "%Y-%m-%dT%H:%M")
    listed = st.get("/broadcasts").json()["items"]
    assert [x["status"] for x in listed if x["id"] == b["id"]] == ["finished"]


def test_a_provider_refusing_our_credentials_is_visible(daemons, tmp_path):
    fake = FakeAT(script=[401, 401])
    try:
        conf = daemons.config({"channels": (sandbox_channel(),
                                            at_send_channel(tmp_path, fake, max_attempts=5))})
        viewer = Api(None, make_token(conf, "viewer-ch", "viewer"))
        d = daemons.start(config=conf)
        viewer.d = d

        def at_state():
            return [c for c in viewer.get("/channels").json()["items"] if c["name"] == "at"][0]

        def warnings():
            return [parse_log_line(x) for x in d.lines if "event=channel_state" in x]
        before = viewer.get("/channels").json()["items"]
        assert {c["name"]: c["state"] for c in before} == {"sandbox": "unknown", "at": "unknown"}
        # Two sends refused (different texts: two requests), one warning.
        queue_out(d, "at", new_phone(), body="Taawun: key test one")
        wait_until(lambda: len(fake.sends()) >= 1, what="a refused send")
        queue_out(d, "at", new_phone(), body="Taawun: key test two")
        wait_until(lambda: len(fake.sends()) >= 2, what="a second refused send")
        at = at_state()
        assert at["state"] == "credentials_refused" and at["http_status"] == 401, at
        assert at["changed_at_local"], at
        assert [(x["level"], x["channel"], x["state"]) for x in warnings()] == [
            ("warn", "at", "credentials_refused")]
        # The key accepted again: the state says so, with one more warning.
        mid = queue_out(d, "at", new_phone(), body="Taawun: key test three")
        wait_until(lambda: query(d, "SELECT status FROM messages WHERE id=?", (mid,))[0]["status"]
                   == "sent", what="sent once the key is accepted")
        assert at_state()["state"] == "ok"
        assert [(x["level"], x["state"]) for x in warnings()] == [
            ("warn", "credentials_refused"), ("warn", "ok")]
    finally:
        fake.close()
