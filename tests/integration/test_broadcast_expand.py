"""test_broadcast_expand.py -- a broadcast of more recipients than one chunk
(BROADCAST_INLINE_MAX, src/core/limits.h) is written into the outbox in
chunks by the expander thread (issue 14, item 3): status 'expanding' with
progress in GET /broadcasts/{id}, several chunks, the sender sending what is
queued meanwhile; a SIGKILL mid-way then a restart gives every recipient
exactly one message; a STOP during the expansion is honoured; a cancel
stops it. taawund-test with a small fixed chunk span and a pause between
chunks (TAAWUN_TEST_EXPAND_SPAN, TAAWUN_TEST_EXPAND_PAUSE_MS) so the tests
act while it runs. Standard library only (plus pytest)."""

import re
import time
import urllib.parse

import pytest

from conftest import DELETE, FORM_CT, TAAWUND_TEST, connect_db, query, sandbox_channel, wait_until
from test_admin_api import Api, make_token

MEMBERS = 700  # more than BROADCAST_INLINE_MAX (500)
SPAN = 50      # member ids per chunk: 14 chunks
FR = "Taawun: salon des produits locaux samedi a Oujda."


@pytest.fixture
def expanding(daemons, monkeypatch):
    """Daemons of this test run taawund-test with small chunks and a pause."""
    monkeypatch.setenv("TAAWUN_TEST_EXPAND_SPAN", str(SPAN))
    monkeypatch.setenv("TAAWUN_TEST_EXPAND_PAUSE_MS", "150")
    daemons.binary = TAAWUND_TEST
    return daemons


def start(daemons, conf=None):
    conf = conf or daemons.config({"programme.demo_data": DELETE,
                                   "channels": (sandbox_channel(),)})
    token = make_token(conf, "staff-x", "staff")
    d = daemons.start(config=conf)
    return conf, d, Api(d, token)


def add_members(d, n=MEMBERS):
    """n consenting French-speaking members in one transaction: their phones
    in member id order."""
    now = int(time.time())
    phones = ["+2126%08d" % (30000000 + i) for i in range(n)]
    with connect_db(d, write=True) as conn:
        conn.executemany(
            "INSERT INTO members (phone, name, language, consent_at, consent_channel,"
            " registered_via, registered_at, created_at, updated_at)"
            " VALUES (?, 'Membre', 'fr', ?, 'ussd', 'ussd', ?, ?, ?)",
            [(p, now, now, now, now) for p in phones])
    return phones


def send(api):
    r = api.post("/broadcasts", {"name": "national", "texts": {"ar": "تعاون", "fr": FR},
                                 "audience": {"languages": ["fr"]}})
    assert r.status == 201, r
    bid = r.json()["id"]
    r = api.post(f"/broadcasts/{bid}/send")
    assert r.status == 200, r
    b = r.json()
    assert b["status"] == "expanding" and b["messages_written"] == 0, b
    # The expander may have written a first chunk before the answer was read.
    ex = b["expansion"]
    assert ex["total"] == MEMBERS and not ex["done"] and 0 <= ex["queued"] < MEMBERS, b
    return bid


def get(api, bid):
    r = api.get(f"/broadcasts/{bid}")
    assert r.status == 200, r
    return r.json()


def mid_way(api, bid, at_least=1):
    """The broadcast while it is expanding with at_least queued (not all)."""
    def seen():
        b = get(api, bid)
        q = b["expansion"]["queued"]
        return b if b["status"] == "expanding" and at_least <= q < MEMBERS else None
    return wait_until(seen, timeout=20, interval=0.02, what="an expansion under way")


def messages_per_member(d, bid):
    return query(d, "SELECT member_id, count(*) AS n FROM messages WHERE broadcast_id = ?"
                    " GROUP BY member_id", (bid,))


def test_a_large_broadcast_expands_in_chunks_with_progress(expanding):
    _, d, api = start(expanding)
    phones = add_members(d)
    bid = send(api)
    b = mid_way(api, bid, at_least=SPAN)
    assert b["progress"]["total"] == b["expansion"]["queued"]  # what is written is counted
    listed = api.get("/broadcasts?status=expanding").json()["items"]
    assert [x["id"] for x in listed] == [bid]
    # The sender sends the chunks already written while the rest are written.
    wait_until(lambda: (lambda g: g["status"] == "expanding" and
                        g["progress"]["sent"] + g["progress"]["delivered"] > 0)(get(api, bid)),
               timeout=20, what="a message sent while still expanding")
    line = d.wait_log(rf"event=broadcast_expanded id={bid} ", timeout=30)
    fields = dict(re.findall(r"(\w+)=(\S+)", line))
    assert int(fields["messages"]) == MEMBERS and int(fields["chunks"]) == MEMBERS // SPAN
    # The write hold is reported (the bench's figure), not timed here.
    assert float(fields["longest_hold_ms"]) >= float(fields["mean_hold_ms"]) > 0
    b = get(api, bid)
    assert b["status"] in ("started", "finished") and b["recipients"] == MEMBERS
    assert b["expansion"] == {"queued": MEMBERS, "total": MEMBERS, "done": True}
    rows = messages_per_member(d, bid)
    assert len(rows) == MEMBERS and {r["n"] for r in rows} == {1}
    got = {r["phone"] for r in query(d, "SELECT phone FROM messages WHERE broadcast_id = ?",
                                     (bid,))}
    assert got == set(phones)
    assert len(query(d, "SELECT 1 FROM audit_log WHERE action = 'broadcast.send'"
                        " AND object_id = ?", (str(bid),))) == 1


def test_sigkill_mid_expansion_then_restart_gives_each_recipient_one_message(expanding):
    conf, d, api = start(expanding)
    add_members(d)
    bid = send(api)
    b = mid_way(api, bid, at_least=2 * SPAN)
    d.kill()
    before = query(d, "SELECT expand_after, expand_queued, status FROM broadcasts WHERE id = ?",
                   (bid,))[0]
    written = query(d, "SELECT count(*) AS n FROM messages WHERE broadcast_id = ?", (bid,))[0]["n"]
    assert before["status"] == "expanding" and 0 < written < MEMBERS, (before, written)
    assert before["expand_queued"] == written >= b["expansion"]["queued"]
    # The proof that the kill landed mid-way: some members had no message yet.
    d2 = expanding.start(config=conf)
    api2 = Api(d2, api.token)
    d2.wait_log(rf"event=broadcast_expanded id={bid} ", timeout=30)
    rows = messages_per_member(d2, bid)
    assert len(rows) == MEMBERS and {r["n"] for r in rows} == {1}
    assert get(api2, bid)["recipients"] == MEMBERS


def sms_form(phone, text, msg_id):
    return urllib.parse.urlencode({"from": phone, "to": "12345", "text": text, "id": msg_id,
                                   "date": "2026-03-01 10:00:00", "linkId": "l",
                                   "networkCode": "60401"})


def test_stop_during_expansion_is_honoured(expanding):
    _, d, api = start(expanding)
    phones = add_members(d)
    bid = send(api)
    mid_way(api, bid)
    last = phones[-1]  # in the last chunk: not written yet
    r = d.post("/hooks/sandbox/sms", sms_form(last, "STOP", "stop-1"), FORM_CT)
    assert r.status == 200, r
    wait_until(lambda: query(d, "SELECT opted_out_at FROM members WHERE phone = ?",
                             (last,))[0]["opted_out_at"], what="the STOP stored")
    assert get(api, bid)["status"] == "expanding"  # it came during the expansion
    d.wait_log(rf"event=broadcast_expanded id={bid} ", timeout=30)
    assert not query(d, "SELECT 1 FROM messages WHERE broadcast_id = ? AND phone = ?",
                     (bid, last))
    assert len(messages_per_member(d, bid)) == MEMBERS - 1


def test_cancel_during_expansion_stops_it(expanding):
    _, d, api = start(expanding)
    add_members(d)
    bid = send(api)
    mid_way(api, bid)
    r = api.post(f"/broadcasts/{bid}/cancel")
    assert r.status == 200, r
    assert r.json()["status"] == "cancelled"
    d.wait_log(rf"event=broadcast_expand_stopped id={bid} ", timeout=30)
    written = query(d, "SELECT count(*) AS n FROM messages WHERE broadcast_id = ?",
                    (bid,))[0]["n"]
    assert 0 < written < MEMBERS
    time.sleep(0.5)  # several chunks' time: none is written after the cancel
    assert query(d, "SELECT count(*) AS n FROM messages WHERE broadcast_id = ?",
                 (bid,))[0]["n"] == written
    assert not query(d, "SELECT 1 FROM messages WHERE broadcast_id = ?"
                        " AND status IN ('queued','held')", (bid,))
    assert "event=broadcast_expanded" not in d.log()
