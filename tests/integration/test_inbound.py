"""test_inbound.py -- inbound webhooks end to end: an SMS stored once however
often the provider replays it and answered once (the help text, in the
member's language, queued and sent); delivery reports that only move a
message forward; a report about an unknown message (200, nothing stored);
callers without the channel's secret (401/403, nothing stored); and the
USSD end-of-session notice. On the sandbox channel and on an Africa's
Talking channel in its documented form fields.
"""

import threading
import urllib.parse

import pytest

from conftest import (FORM_CT, SERVICE_CODE, add_member, assert_json_error, msg, new_phone, query,
                      sandbox_channel, wait_until)
from outbox_helpers import AT_SECRET, at_send_channel, queue_out


def sms_form(phone, text, msg_id=None, to="12345"):
    fields = {"from": phone, "to": to, "text": text, "date": "2026-03-01 10:00:00",
              "linkId": "link-1", "networkCode": "60401"}
    if msg_id is not None:
        fields["id"] = msg_id
    return urllib.parse.urlencode(fields)


def dlr_form(provider_id, status, phone="+212600000000", reason=None):
    fields = {"id": provider_id, "status": status, "phoneNumber": phone,
              "networkCode": "60401", "retryCount": "0"}
    if reason:
        fields["failureReason"] = reason
    return urllib.parse.urlencode(fields)


def inbound_rows(daemon, phone):
    return query(daemon, "SELECT * FROM messages WHERE direction='in' AND phone=?", (phone,))


def replies(daemon, phone):
    return query(daemon, "SELECT * FROM messages WHERE direction='out' AND kind='reply'"
                         " AND phone=?", (phone,))


def wait_reply_sent(daemon, phone, timeout=10.0):
    def done():
        r = replies(daemon, phone)
        return r if r and all(x["status"] in ("sent", "delivered") for x in r) else None
    return wait_until(done, timeout=timeout, what=f"reply to {phone} sent")


@pytest.fixture
def at_daemon(daemons, tmp_path, fake_at):
    return daemons.start({"channels": (sandbox_channel(), at_send_channel(tmp_path, fake_at))})


def at_path(kind, key=AT_SECRET):
    return f"/hooks/at/{kind}" + (f"?key={urllib.parse.quote(key)}" if key is not None else "")


# --------------------------------------------------------------------------
# Inbound SMS.

def test_sandbox_sms_stored_once_and_answered_once(daemon):
    phone = new_phone()
    body = sms_form(phone, "Bonjour, aide svp", msg_id="ATXid_in_1")
    for _ in range(3):  # the provider retries
        r = daemon.post("/hooks/sandbox/sms", body, FORM_CT)
        assert r.status == 200, r
    rows = inbound_rows(daemon, phone)
    assert len(rows) == 1, rows
    row = rows[0]
    assert (row["kind"], row["status"], row["provider_id"], row["body"]) == \
        ("sms", "received", "ATXid_in_1", "Bonjour, aide svp")
    assert row["member_id"] is None
    sent = wait_reply_sent(daemon, phone)
    assert len(sent) == 1, sent
    # Unknown number, text without Arabic letters: French.
    assert sent[0]["body"] == msg("fr", "sms_help", ussd_code=SERVICE_CODE)
    assert sent[0]["provider_id"] == f"sandbox-{sent[0]['id']}"


def test_concurrent_sms_each_stored_once_and_answered_once(daemon):
    """Many webhooks at once share group commits (store/db.h): every SMS is
    stored exactly once, replays included, and answered exactly once."""
    phones = [new_phone() for _ in range(24)]
    statuses, lock = [], threading.Lock()

    def post(i, phone):
        for _ in range(2):  # each provider retries once, concurrently with the rest
            r = daemon.post("/hooks/sandbox/sms", sms_form(phone, "aide", f"burst-{i}"), FORM_CT)
            with lock:
                statuses.append(r.status)

    threads = [threading.Thread(target=post, args=(i, p)) for i, p in enumerate(phones)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert statuses == [200] * 2 * len(phones)
    for i, phone in enumerate(phones):
        assert [r["provider_id"] for r in inbound_rows(daemon, phone)] == [f"burst-{i}"]
        assert len(wait_reply_sent(daemon, phone)) == 1


def test_reply_language(daemon):
    arabic, member = new_phone(), new_phone()
    add_member(daemon, member, language="en")
    assert daemon.post("/hooks/sandbox/sms", sms_form(arabic, "مساعدة", "a-1"), FORM_CT).status == 200
    assert daemon.post("/hooks/sandbox/sms", sms_form(member, "aide", "a-2"), FORM_CT).status == 200
    assert wait_reply_sent(daemon, arabic)[0]["body"] == msg("ar", "sms_help", ussd_code=SERVICE_CODE)
    got = wait_reply_sent(daemon, member)[0]
    assert got["body"] == msg("en", "sms_help", ussd_code=SERVICE_CODE)
    member_id = inbound_rows(daemon, member)[0]["member_id"]
    assert member_id is not None and got["member_id"] == member_id, got


@pytest.mark.parametrize("lang,text,stored", [
    ("fr", "AIDE\x00", "AIDE@"),
    ("en", "HELP me\x01\x00", "HELP me@"),
    ("ar", "\x02مساعدة\x00", "مساعدة@"),
])
def test_sms_with_nul_stored_and_answered(daemon, lang, text, stored):
    """Issue 15, finding 12: a NUL (GSM's '@', septet 0, as some gateways
    pass it) was refused with 400 and the SMS lost; now it is stored as '@'
    with other control characters removed, and answered."""
    phone = new_phone()
    r = daemon.post("/hooks/sandbox/sms", sms_form(phone, text, f"nul-{lang}"), FORM_CT)
    assert r.status == 200, r
    assert [row["body"] for row in inbound_rows(daemon, phone)] == [stored]
    assert wait_reply_sent(daemon, phone)[0]["body"] == msg(lang, "sms_help",
                                                             ussd_code=SERVICE_CODE)


def test_sms_without_id_counts_once_within_the_window(daemon):
    phone = new_phone()
    for _ in range(2):
        assert daemon.post("/hooks/sandbox/sms", sms_form(phone, "INFO"), FORM_CT).status == 200
    assert daemon.post("/hooks/sandbox/sms", sms_form(phone, "AUTRE"), FORM_CT).status == 200
    rows = inbound_rows(daemon, phone)
    assert sorted(r["body"] for r in rows) == ["AUTRE", "INFO"], rows
    assert all(r["provider_id"] is None for r in rows)
    wait_until(lambda: len(replies(daemon, phone)) == 2, what="two replies")


def test_reply_to_opted_out_member_is_suppressed(daemon):
    phone = new_phone()
    add_member(daemon, phone, opted_out=True)
    assert daemon.post("/hooks/sandbox/sms", sms_form(phone, "aide", "o-1"), FORM_CT).status == 200
    wait_until(lambda: [r for r in replies(daemon, phone) if r["status"] == "suppressed"],
               what="reply suppressed")
    assert len(inbound_rows(daemon, phone)) == 1


def test_africastalking_sms_replayed_and_answered_through_the_api(at_daemon, fake_at):
    phone = new_phone()
    body = sms_form(phone, "Salam", msg_id="ATXid_abc")
    for _ in range(2):
        r = at_daemon.post(at_path("sms"), body, FORM_CT)
        assert r.status == 200, r
    assert len(inbound_rows(at_daemon, phone)) == 1
    sent = wait_reply_sent(at_daemon, phone)
    assert len(sent) == 1 and sent[0]["channel"] == "at", sent
    assert sent[0]["provider_id"].startswith("ATXid_"), sent
    forms = [f for _, f in fake_at.sends()]
    assert [f["to"] for f in forms] == [[phone]], forms
    assert forms[0]["message"] == [msg("fr", "sms_help", ussd_code=SERVICE_CODE)]


def test_wrong_or_missing_secret_stores_nothing(at_daemon):
    phone = new_phone()
    r = at_daemon.post(at_path("sms", key="wrong"), sms_form(phone, "x", "s-1"), FORM_CT)
    assert_json_error(r, 403)
    r = at_daemon.post(at_path("sms", key=None), sms_form(phone, "x", "s-2"), FORM_CT)
    assert_json_error(r, 401)
    r = at_daemon.post(at_path("dlr", key="wrong"), dlr_form("ATXid_1", "Success"), FORM_CT)
    assert_json_error(r, 403)
    assert inbound_rows(at_daemon, phone) == []
    assert query(at_daemon, "SELECT count(*) AS n FROM messages")[0]["n"] == 0


def test_inbound_methods_and_kinds(daemon):
    r = daemon.get("/hooks/sandbox/sms")
    assert_json_error(r, 405)
    assert r.headers.get("allow") == "POST"
    assert_json_error(daemon.post("/hooks/sandbox/nope", "", FORM_CT), 404)
    assert_json_error(daemon.post("/hooks/nochannel/sms", "", FORM_CT), 404)


# --------------------------------------------------------------------------
# Delivery reports.

def test_dlr_moves_forward_only(at_daemon):
    phone = new_phone()
    mid = queue_out(at_daemon, "at", phone, status="sent", provider_id="ATXid_dlr1", attempts=1)
    r = at_daemon.post(at_path("dlr"), dlr_form("ATXid_dlr1", "Success", phone), FORM_CT)
    assert r.status == 200, r
    m = query(at_daemon, "SELECT * FROM messages WHERE id=?", (mid,))[0]
    assert (m["status"], m["dlr_status"]) == ("delivered", "delivered"), m
    delivered_at = m["delivered_at"]
    assert delivered_at
    # A late "Sent" and even a "Failed" never take it back.
    for status in ("Sent", "Buffered", "Failed"):
        r = at_daemon.post(at_path("dlr"), dlr_form("ATXid_dlr1", status, phone, "UserInBlackList"),
                           FORM_CT)
        assert r.status == 200, r
    m = query(at_daemon, "SELECT * FROM messages WHERE id=?", (mid,))[0]
    assert (m["status"], m["dlr_status"], m["delivered_at"]) == \
        ("delivered", "delivered", delivered_at), m


def test_dlr_failure_records_the_reason(at_daemon):
    phone = new_phone()
    mid = queue_out(at_daemon, "at", phone, status="sent", provider_id="ATXid_dlr2", attempts=1)
    for status in ("Sent", "Rejected"):
        r = at_daemon.post(at_path("dlr"),
                           dlr_form("ATXid_dlr2", status, phone, "InsufficientCredit"), FORM_CT)
        assert r.status == 200, r
    m = query(at_daemon, "SELECT * FROM messages WHERE id=?", (mid,))[0]
    assert m["status"] == "failed", m
    assert m["dlr_status"] in ("rejected", "failed"), m
    assert m["provider_error"] == "InsufficientCredit", m


def test_dlr_for_unknown_message_is_acknowledged(at_daemon):
    before = query(at_daemon, "SELECT count(*) AS n, max(updated_at) AS u FROM messages")[0]
    r = at_daemon.post(at_path("dlr"), dlr_form("ATXid_nobody", "Success"), FORM_CT)
    assert r.status == 200, r
    after = query(at_daemon, "SELECT count(*) AS n, max(updated_at) AS u FROM messages")[0]
    assert before == after
    at_daemon.wait_log(r"event=dlr_unknown\b")


# --------------------------------------------------------------------------
# USSD end-of-session notice.

def test_ussd_end_notice_stored_once(at_daemon):
    fields = urllib.parse.urlencode({
        "sessionId": "ATUid_end_1", "serviceCode": SERVICE_CODE, "phoneNumber": new_phone(),
        "networkCode": "60401", "date": "2026-03-01 10:00:00", "status": "Incomplete",
        "cost": "0", "durationInMillis": "12000", "hopsCount": "3", "input": "1",
        "lastAppResponse": "CON x", "errorMessage": ""})
    for _ in range(2):
        r = at_daemon.post(at_path("ussd-end"), fields, FORM_CT)
        assert r.status == 200, r
    rows = query(at_daemon, "SELECT * FROM ussd_session_ends WHERE session_id='ATUid_end_1'")
    assert len(rows) == 1 and rows[0]["channel"] == "at", rows


def test_africastalking_sms_without_id_or_with_an_empty_id_counts_once(at_daemon):
    """A retransmitted SMS with no id (or `id=`) is the same SMS: the key is
    the sender and the text within the dedup window, and an empty id never
    makes every later id-less SMS look like a replay."""
    phone, other = new_phone(), new_phone()
    for body in (sms_form(phone, "INFO"), sms_form(phone, "INFO", msg_id=""),
                 sms_form(phone, "INFO")):
        assert at_daemon.post(at_path("sms"), body, FORM_CT).status == 200
    assert at_daemon.post(at_path("sms"), sms_form(other, "INFO", msg_id=""), FORM_CT).status == 200
    assert at_daemon.post(at_path("sms"), sms_form(phone, "AIDE", msg_id=""), FORM_CT).status == 200
    assert sorted(r["body"] for r in inbound_rows(at_daemon, phone)) == ["AIDE", "INFO"]
    assert [r["body"] for r in inbound_rows(at_daemon, other)] == ["INFO"]
