"""test_trust_boundary.py -- test and real never mix (issue 11, findings 1-3).

1. The sandbox channel is loopback only and never through a proxy: a request
   a proxy marked as forwarded is refused (403, nothing stored); a config
   with the sandbox next to a listener off loopback is refused by
   `taawund -n`; the production template has no sandbox.
2. Notices and broadcasts go to a real channel (sms.outbound_channel, by
   default the only real one), never to the sandbox because it is listed
   first: a grant notice to a CSV-imported member reaches the fake Africa's
   Talking API.
3. The phone simulator acts as test numbers only (400 for a real member,
   nothing changed) and audits every step under the staff user's name; the
   test members it makes are left out of stats, dashboard, broadcasts and
   exports.
Traffic goes to 127.0.0.1 only; readiness is polled, never slept."""

import csv
import io
import json
import urllib.parse
from pathlib import Path

import pytest

from conftest import (DELETE, FORM_CT, ROOT, Ussd, assert_json_error, query, run_taawund,
                      sandbox_channel, ussd_form, wait_until, write_config)
from outbox_helpers import at_send_channel
from test_admin_api import Api, make_token

# Demo members of contrib/demo/demo.sql (real-range numbers).
FATIMA, YOUSSEF, KHADIJA = "+212600000001", "+212600000002", "+212700000003"
TEST_PHONE = "+447700900042"  # core/test_number.h: the reserved test range
PROXY_HEADERS = ({"X-Forwarded-For": "203.0.113.9"}, {"Forwarded": "for=203.0.113.9"},
                 {"X-Real-IP": "203.0.113.9"}, {"Via": "1.1 proxy.example"})


def sms_form(phone, text, msg_id):
    return urllib.parse.urlencode({"from": phone, "to": "12345", "text": text, "id": msg_id,
                                   "date": "2026-03-01 10:00:00", "networkCode": "60401"})


def member(d, phone):
    rows = query(d, "SELECT * FROM members WHERE phone=?", (phone,))
    return rows[0] if rows else None


def messages_of(d, phone):
    return query(d, "SELECT * FROM messages WHERE phone=? ORDER BY id", (phone,))


# --------------------------------------------------------------------------
# Finding 1: the sandbox behind a proxy.

def test_sandbox_refuses_requests_through_a_proxy(daemon):
    d = daemon
    for i, proxy in enumerate(PROXY_HEADERS):
        h = dict(FORM_CT, **proxy)
        assert_json_error(d.post("/hooks/sandbox/sms", sms_form(YOUSSEF, "STOP", f"p-{i}"), h),
                          403)
        assert_json_error(d.post("/hooks/sandbox/sms", sms_form(KHADIJA, "EFFACER", f"e-{i}"),
                                 h), 403)
        r = d.post("/hooks/sandbox/ussd", ussd_form(f"ATUid_proxy{i}", FATIMA, ""), h)
        assert_json_error(r, 403)
        assert "proxy" in r.json()["error"]["message"]
    # Nothing stored, nobody opted out or erased.
    for phone in (FATIMA, YOUSSEF, KHADIJA):
        assert not messages_of(d, phone), phone
        m = member(d, phone)
        assert m["opted_out_at"] is None and m["erased_at"] is None, m
    # The same requests from loopback without a proxy's mark are taken: the
    # refusal above came from the headers, not from something else.
    assert d.post("/hooks/sandbox/sms", sms_form(YOUSSEF, "STOP", "direct-1"),
                  FORM_CT).status == 200
    wait_until(lambda: member(d, YOUSSEF)["opted_out_at"], what="the direct STOP taken")
    assert Ussd(d, phone=FATIMA).dial().con


@pytest.mark.parametrize("listener,address", [("public", "0.0.0.0"), ("public", "192.0.2.10"),
                                              ("admin", "::"), ("admin", "10.0.0.1")])
def test_config_refuses_sandbox_off_loopback(tmp_path, listener, address):
    conf = write_config(tmp_path, {f"http.{listener}.address": address})
    r = run_taawund("-n", "-c", conf)
    out = r.stdout + r.stderr
    assert r.returncode == 1, out
    assert '"sandbox" is a test channel' in out and f"'http.{listener}.address'" in out, out
    assert "never be reachable from the network" in out, out


def test_config_refuses_sandbox_behind_a_trusted_proxy(tmp_path):
    """Behind a proxy every caller is local: a test channel would be reachable
    from the network, so the config is refused (and -n says why)."""
    conf = write_config(tmp_path, {"http.trusted_proxies": ["127.0.0.1/32"]})
    r = run_taawund("-n", "-c", conf)
    out = r.stdout + r.stderr
    assert r.returncode == 1, out
    assert '"sandbox" is a test channel' in out and "'http.trusted_proxies'" in out, out


def test_config_takes_sandbox_on_loopback(tmp_path):
    for address in ("127.0.0.1", "::1", "127.0.0.2"):
        conf = write_config(tmp_path, {"http.public.address": address,
                                       "http.admin.address": address})
        r = run_taawund("-n", "-c", conf)
        assert r.returncode == 0, r.stdout + r.stderr


def test_production_template_has_no_sandbox():
    text = (ROOT / "contrib" / "taawun.conf.production").read_text(encoding="utf-8")
    settings = [line.split("#", 1)[0] for line in text.splitlines()]
    assert not any("sandbox" in s for s in settings), "a sandbox setting in production"
    assert any('type = "africastalking"' in s for s in settings)


# --------------------------------------------------------------------------
# Finding 2: routing to a real channel.

def start_real(daemons, tmp_path, fake, extra=None):
    # The sandbox first in the list, as in the attack.
    ov = {"programme.demo_data": DELETE, "programme.send_window": "",
          "http.max_body_bytes": 1048576,
          "channels": (sandbox_channel(), at_send_channel(tmp_path, fake))}
    ov.update(extra or {})
    conf = daemons.config(ov)
    d = daemons.start(config=conf)
    return d, Api(d, make_token(conf, "staff-trust", "staff"))


def csv_upload(api, kind, text):
    r = api.call("POST", f"/import/{kind}", raw=text.encode("utf-8"),
                 headers={"Content-Type": "text/csv"})
    assert r.status == 200, r
    return r


def sent_to(fake):
    return [n for _, f in fake.sends() for n in f.get("to", [""])[0].split(",")]


def test_notices_and_broadcasts_of_imported_members_go_to_the_real_channel(
        daemons, tmp_path, fake_at):
    d, st = start_real(daemons, tmp_path, fake_at)
    csv_upload(st, "members", "phone,name,language,consent\n0612345621,Salma,fr,yes\n")
    csv_upload(st, "grants", "reference,member_phone,programme,amount_mad,status\n"
                             "GR-B-1,0612345621,Tahfiz,1000,submitted\n")
    csv_upload(st, "grants", "reference,status\nGR-B-1,approved\n")
    notice = query(d, "SELECT * FROM messages WHERE direction='out' AND kind='notification'")
    assert [(m["phone"], m["channel"]) for m in notice] == [("+212612345621", "at")], notice
    wait_until(lambda: "+212612345621" in sent_to(fake_at), what="the notice at the fake AT")

    # A broadcast without "channel" (the console never names one): the real channel.
    r = st.post("/broadcasts", {"name": "b", "texts": {"ar": "مرحبا", "fr": "Bonjour"},
                                "audience": {"phones": ["+212612345621"]}})
    assert r.status == 201, r
    b = r.json()
    assert b["channel"] == "at", b
    assert st.post(f"/broadcasts/{b['id']}/send").status == 200
    wait_until(lambda: len([n for n in sent_to(fake_at) if n == "+212612345621"]) == 2,
               what="the broadcast at the fake AT")
    out = query(d, "SELECT channel, status FROM messages WHERE direction='out'")
    assert all(m["channel"] == "at" for m in out), out
    # Naming the sandbox for real members is refused.
    r = st.post("/broadcasts", {"name": "c", "texts": {"ar": "مرحبا"}, "audience": {},
                                "channel": "sandbox"})
    assert_json_error(r, 422)
    assert r.json()["error"]["field"] == "channel"


def test_outbound_channel_is_explicit(tmp_path):
    secret = tmp_path / "s"
    secret.write_text("x" * 24)
    secret.chmod(0o600)
    at = {"name": "at", "type": "africastalking", "ussd_code": "*384*123#",
          "secret_file": str(secret)}
    at2 = dict(at, name="at2")
    # Two real channels: which one is not guessed from the order.
    r = run_taawund("-n", "-c", write_config(tmp_path, {"channels": (sandbox_channel(), at,
                                                                     at2)}))
    assert r.returncode == 1 and "'sms.outbound_channel' must name" in r.stdout + r.stderr, r
    # The sandbox named while a real channel exists.
    r = run_taawund("-n", "-c", write_config(tmp_path, {"channels": (sandbox_channel(), at),
                                                        "sms.outbound_channel": "sandbox"}))
    assert r.returncode == 1 and "would reach no phone" in r.stdout + r.stderr, r
    r = run_taawund("-n", "-c", write_config(tmp_path, {"channels": (sandbox_channel(), at),
                                                        "sms.outbound_channel": "nope"}))
    assert r.returncode == 1 and "names no channel" in r.stdout + r.stderr, r
    r = run_taawund("-n", "-c", write_config(tmp_path, {"channels": (sandbox_channel(), at,
                                                                     at2),
                                                        "sms.outbound_channel": "at2"}))
    assert r.returncode == 0, r


# --------------------------------------------------------------------------
# Finding 3: the phone simulator.

def simulate(api, phone, text, session="s1"):
    return api.post("/simulator/ussd", {"phone": phone, "session": session, "text": text})


def audit(d, action="simulator.ussd"):
    return query(d, "SELECT * FROM audit_log WHERE action=? ORDER BY id", (action,))


def test_simulator_refuses_a_real_member(daemons):
    conf = daemons.config()
    d = daemons.start(config=conf)
    st = Api(d, make_token(conf, "staff-sim", "staff"))
    for text in ("", "5", "5*3", "5*3*1"):
        r = simulate(st, KHADIJA, text)
        assert_json_error(r, 400)
        assert r.json()["error"]["code"] == "not_a_test_number", r
        assert "+447700900000" in r.json()["error"]["message"]
    m = member(d, KHADIJA)
    assert m["erased_at"] is None and m["name"] == "Khadija Ait Ali", m
    assert not messages_of(d, KHADIJA)
    assert not audit(d)


FR_REGISTRATION = ["2", "1", "Hafsa Zerouali", "0", "2", "1", "1", "1991", "1", "1"]


def test_simulator_test_members_are_audited_and_left_out(daemons):
    conf = daemons.config({"programme.send_window": ""})
    d = daemons.start(config=conf)
    st = Api(d, make_token(conf, "staff-sim", "staff"))
    stats_before = st.get("/stats").json()
    inputs = []
    for step in [""] + FR_REGISTRATION:
        if step:
            inputs.append(step)
        r = simulate(st, "+44 7700 900042", "*".join(inputs))
        assert r.status == 200, r
    assert r.json()["type"] == "END", r.json()
    m = member(d, TEST_PHONE)
    assert m and m["is_test"] == 1 and m["registered_at"], m
    # One audit row per step, under the staff token's name.
    rows = audit(d)
    assert len(rows) == 1 + len(FR_REGISTRATION), rows
    assert {(a["who"], a["object_id"]) for a in rows} == {("staff-sim", TEST_PHONE)}, rows
    assert json.loads(rows[-1]["summary"])["text"] == "*".join(FR_REGISTRATION)

    # Left out of the stats and the dashboard...
    assert st.get("/stats").json() == stats_before
    dash = st.get("/dashboard").json()
    assert dash["messages_this_week"] == {}, dash
    # ...of broadcasts (audience expansion and count)...
    r = st.post("/broadcasts", {"name": "t", "texts": {"ar": "مرحبا", "fr": "Bonjour"},
                                "audience": {"phones": [TEST_PHONE, FATIMA]}})
    assert r.status == 201, r
    bid = r.json()["id"]
    assert st.post(f"/broadcasts/{bid}/preview").json()["recipients"] == 1
    assert st.post(f"/broadcasts/{bid}/send").json()["messages_written"] == 1
    assert not query(d, "SELECT 1 FROM messages WHERE phone=? AND kind='broadcast'",
                     (TEST_PHONE,))
    # ...and of exports.
    e = st.get("/export/members")
    assert e.status == 200
    phones = [row[0] for row in csv.reader(io.StringIO(e.body[3:].decode("utf-8")))]
    assert FATIMA in phones and TEST_PHONE not in phones, phones


def test_a_test_numbers_notice_never_takes_a_real_channel(daemons, tmp_path, fake_at):
    d, st = start_real(daemons, tmp_path, fake_at)
    csv_upload(st, "members", f"phone,name,language,consent\n{TEST_PHONE},Test,fr,yes\n"
                              "0612345631,Real,fr,yes\n")
    assert member(d, TEST_PHONE)["is_test"] == 1
    assert member(d, "+212612345631")["is_test"] == 0
    csv_upload(st, "grants", "reference,member_phone,programme,amount_mad,status\n"
                             f"GR-T-1,{TEST_PHONE},Tahfiz,1000,submitted\n"
                             "GR-R-1,0612345631,Tahfiz,1000,submitted\n")
    csv_upload(st, "grants", "reference,status\nGR-T-1,approved\nGR-R-1,approved\n")
    # The test number never used a test channel: its notice goes nowhere,
    # never to the real channel where the number would be a stranger's.
    out = query(d, "SELECT phone, channel FROM messages WHERE direction='out'"
                   " AND kind='notification' ORDER BY phone")
    assert [(m["phone"], m["channel"]) for m in out] == [("+212612345631", "at")], out
    wait_until(lambda: "+212612345631" in sent_to(fake_at), what="the real notice sent")
    assert TEST_PHONE not in sent_to(fake_at)
