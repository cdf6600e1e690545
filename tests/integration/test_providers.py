"""test_providers.py -- taawun's sends and delivery reports against fake
Africa's Talking, Twilio, Vonage and Infobip servers (tests/integration/fakes.py)
that speak each provider's documented API on 127.0.0.1.

Messages are queued straight into the outbox (the sender polls it); each test
uses a distinct phone number per message, so the fake's records map to our
message ids. Checked: the exact request (method, path, auth, headers, body
fields, encoding flags), retries of transient failures (500, 429, time-out,
garbage), a 429's Retry-After honoured within bounds, permanent failures, carrier opt-outs (Twilio 21610, AT 406) marking
the member, delivery reports moving statuses forward only, replays changing
nothing, and forged Twilio signatures refused with 403 and nothing stored.
"""

import base64
import json
import time
import urllib.parse

import pytest

from conftest import add_member, new_phone, query, sandbox_channel, wait_until
from fakes import (FAKES, FakeAfricasTalking, FakeInfobip, FakeTwilio, FakeVonage,
                   e164, http_date, provider_channel, queue_messages)

PUBLIC_URL = "https://gw.example.test"
WEBHOOK_SECRET = "hook-secret-0123456789abcdef"
REQUEST_TIMEOUT_S = 2
SEND_TIMEOUT_S = 15.0      # queued -> accepted by the fake, no failures
RETRY_TIMEOUT_S = 40.0     # through several backoffs (base 1 s, cap 2 s) and a time-out
ARABIC = "مرحبا، اجتماع التعاونية غدا"
LATIN = "Reunion de la cooperative demain a 10h"
FINAL = ("sent", "delivered", "failed", "expired", "suppressed")


def make_fake(kind, **kw):
    kw.setdefault("timeout_sleep_s", REQUEST_TIMEOUT_S + 1.5)
    if kind != "twilio":
        kw.setdefault("webhook_secret", WEBHOOK_SECRET)
    return FAKES[kind](**kw)


@pytest.fixture
def provider(request, daemons, tmp_path):
    """start(kind, **channel_overrides) -> (daemon, fake, channel name); the fake is
    closed after the daemons are stopped."""
    fakes_started = []

    def start(kind, fake_kw=None, **channel):
        fake = make_fake(kind, **(fake_kw or {}))
        fakes_started.append(fake)
        ch = provider_channel(fake, tmp_path, public_url=PUBLIC_URL,
                              request_timeout_s=REQUEST_TIMEOUT_S, **channel)
        d = daemons.start({"channels": (sandbox_channel(), ch)})
        return d, fake, ch["name"]

    yield start
    try:
        daemons.finish()
    finally:
        for f in fakes_started:
            f.close()


def row(d, mid):
    rows = query(d, "SELECT * FROM messages WHERE id = ?", (mid,))
    assert rows, f"message {mid} vanished"
    return rows[0]


def wait_status(d, mid, statuses, timeout=SEND_TIMEOUT_S):
    statuses = (statuses,) if isinstance(statuses, str) else tuple(statuses)
    try:
        return wait_until(lambda: (lambda r: r if r["status"] in statuses else None)(row(d, mid)),
                          timeout=timeout, what=f"message {mid} in {statuses}")
    except AssertionError:
        raise AssertionError(f"message {mid} not in {statuses} within {timeout}s: "
                             f"{row(d, mid)}\n--- daemon log tail:\n"
                             + "\n".join(d.lines[-30:]))


def form_of(rec):
    return {k: v[0] for k, v in rec.form.items()}


# --------------------------------------------------------------------------
# The exact requests.

def test_africastalking_send_format_and_bulk(provider):
    d, fake, ch = provider("africastalking")
    solo = new_phone()
    [mid] = queue_messages(d.db_path, ch, [(solo, ARABIC)])
    fake.wait_accepted([solo], SEND_TIMEOUT_S)
    [rec] = fake.sends_for(solo)
    assert rec.method == "POST" and rec.path == "/version1/messaging"
    assert rec.header("apiKey") == fake.api_key
    assert rec.header("Accept") == "application/json"
    assert rec.header("Content-Type").split(";")[0] == "application/x-www-form-urlencoded"
    f = form_of(rec)
    assert f["username"] == fake.username
    assert f["to"] == solo
    assert f["message"] == ARABIC  # UTF-8 in the form, no transcoding
    assert f.get("from") == "Taawun"
    r = wait_status(d, mid, "sent")
    assert r["provider_id"] == fake.provider_id(solo)
    assert r["attempts"] >= 1

    # Bulk: the same text to several recipients travels in few requests.
    phones = [new_phone() for _ in range(6)]
    ids = queue_messages(d.db_path, ch, [(p, LATIN) for p in phones])
    fake.wait_accepted(phones, SEND_TIMEOUT_S)
    reqs = {id(r): r for p in phones for r in fake.sends_for(p)}.values()
    assert max(len(r.recipients) for r in reqs) > 1, \
        f"no bulk request: {[r.field('to') for r in reqs]}"
    for r in reqs:
        assert all(p in phones for p, _ in r.recipients)
        assert r.field("message") == LATIN
        if len(r.recipients) > 1:
            assert r.field("bulkSMSMode") == "1"
    counts = fake.accepted_counts()
    assert all(counts[p] == 1 for p in phones), counts
    for p, mid in zip(phones, ids):
        r = wait_status(d, mid, "sent")
        assert r["provider_id"] == fake.provider_id(p), "each recipient keeps its own messageId"


def test_twilio_send_format(provider):
    d, fake, ch = provider("twilio")
    phone = new_phone()
    [mid] = queue_messages(d.db_path, ch, [(phone, ARABIC)])
    fake.wait_accepted([phone], SEND_TIMEOUT_S)
    [rec] = fake.sends_for(phone)
    assert rec.method == "POST"
    assert rec.path == f"/2010-04-01/Accounts/{fake.account_sid}/Messages.json"
    want = base64.b64encode(f"{fake.account_sid}:{fake.auth_token}".encode()).decode()
    assert rec.header("Authorization") == "Basic " + want
    assert rec.header("Content-Type").split(";")[0] == "application/x-www-form-urlencoded"
    f = form_of(rec)
    assert f["To"] == phone
    assert f["From"] == "+15005550006"
    assert f["Body"] == ARABIC
    cb = f.get("StatusCallback", "")
    assert cb.startswith(PUBLIC_URL + "/hooks/twilio/dlr"), \
        f"StatusCallback {cb!r} must be the channel's public URL of its dlr hook"
    r = wait_status(d, mid, "sent")
    assert r["provider_id"] == fake.provider_id(phone)
    assert r["provider_id"].startswith("SM")


def test_vonage_send_format_unicode_flag(provider):
    d, fake, ch = provider("vonage")
    ar, lat = new_phone(), new_phone()
    mid_ar, mid_lat = queue_messages(d.db_path, ch, [(ar, ARABIC), (lat, LATIN)])
    fake.wait_accepted([ar, lat], SEND_TIMEOUT_S)
    [rec_ar], [rec_lat] = fake.sends_for(ar), fake.sends_for(lat)
    for rec, mid, text in ((rec_ar, mid_ar, ARABIC), (rec_lat, mid_lat, LATIN)):
        assert rec.method == "POST" and rec.path == "/sms/json"
        f = form_of(rec)
        assert f["api_key"] == fake.api_key and f["api_secret"] == fake.api_secret
        assert f["from"] == "Taawun"
        assert e164(f["to"]) == rec.recipients[0][0]
        assert f["text"] == text
        assert f.get("status-report-req") == "1"
        assert f.get("client-ref", "").endswith(str(mid)), "client-ref carries our id"
        cb = f.get("callback", "")
        assert cb.startswith(PUBLIC_URL + "/hooks/vonage/dlr"), cb
    assert form_of(rec_ar).get("type") == "unicode"
    assert form_of(rec_lat).get("type") in (None, "text")
    for p, mid in ((ar, mid_ar), (lat, mid_lat)):
        assert wait_status(d, mid, "sent")["provider_id"] == fake.provider_id(p)


def test_infobip_send_format(provider):
    d, fake, ch = provider("infobip")
    phone = new_phone()
    [mid] = queue_messages(d.db_path, ch, [(phone, ARABIC)])
    fake.wait_accepted([phone], SEND_TIMEOUT_S)
    [rec] = fake.sends_for(phone)
    assert rec.method == "POST" and rec.path == "/sms/2/text/advanced"
    assert rec.header("Authorization") == f"App {fake.api_key}"
    assert rec.header("Content-Type").split(";")[0] == "application/json"
    [m] = rec.json["messages"]
    assert m["from"] == "Taawun"
    assert m["text"] == ARABIC
    [dest] = m["destinations"]
    assert e164(dest["to"]) == phone
    assert str(dest.get("messageId", "")).endswith(str(mid)), "messageId carries our id"
    assert m.get("notifyUrl", "").startswith(PUBLIC_URL + "/hooks/infobip/dlr"), m
    assert m.get("notifyContentType") == "application/json"
    assert wait_status(d, mid, "sent")["provider_id"] == fake.provider_id(phone)


# --------------------------------------------------------------------------
# Failures.

@pytest.mark.parametrize("kind", ["africastalking", "twilio", "vonage", "infobip"])
def test_transient_failures_are_retried_then_sent(provider, kind):
    d, fake, ch = provider(kind, max_attempts=8)
    fake.fail_next(1, "http", 500)
    fake.fail_next(1, "http", 429)
    fake.fail_next(1, "timeout")
    fake.fail_next(1, "garbage")
    fake.fail_next(1, "http", 503)
    phone = new_phone()
    [mid] = queue_messages(d.db_path, ch, [(phone, LATIN)])
    fake.wait_accepted([phone], RETRY_TIMEOUT_S)
    r = wait_status(d, mid, "sent", RETRY_TIMEOUT_S)
    outcomes = [rec.outcome for rec in fake.sends_for(phone)]
    assert outcomes == ["http-500", "http-429", "timeout", "garbage", "http-503",
                        "accepted"], outcomes
    assert fake.accepted_counts()[phone] == 1
    assert r["attempts"] == 6, r
    assert r["provider_id"] == fake.provider_id(phone)


# A 429 answered with Retry-After waits what it says (at least 1 s, at most
# the channel's retry_max_s); without one, or with one that means nothing,
# ADAPTER_RATE_LIMITED_S (src/channels/adapter.h) as before. The channel's
# backoff is made slow here (30 s base: 24 s or more) so neither it nor the
# fallback can pass for the header.
RATE_LIMITED_S = 30
SLOW_BACKOFF = {"retry_base_s": 30, "retry_max_s": 120}
RETRY_AFTER_BUDGET_S = 15.0  # a 1-s Retry-After, generously; below 24 s and 30 s


def _retried_soon(d, fake, ch, retry_after):
    """Queue one message, answer its first request 429 with retry_after (as
    fail_next takes it): the retry must come within RETRY_AFTER_BUDGET_S."""
    fake.fail_next(1, "http", 429, retry_after=retry_after)
    phone = new_phone()
    [mid] = queue_messages(d.db_path, ch, [(phone, LATIN)])
    fake.wait_accepted([phone], RETRY_AFTER_BUDGET_S)
    recs = fake.sends_for(phone)
    assert [rec.outcome for rec in recs] == ["http-429", "accepted"], recs
    r = wait_status(d, mid, "sent")
    assert r["attempts"] == 2, r


def _rate_limited_wait(d, fake, ch, retry_after):
    """Queue one message, answer its first request 429 with retry_after and
    return the wait the outbox scheduled for it (next_attempt_at and
    updated_at are written by one statement)."""
    fake.fail_next(1, "http", 429, retry_after=retry_after)
    phone = new_phone()
    [mid] = queue_messages(d.db_path, ch, [(phone, LATIN)])
    fake.wait(lambda f: f.sends_for(phone), SEND_TIMEOUT_S, f"a request for {phone}")
    r = wait_until(lambda: (lambda x: x if x["status"] == "queued" and x["attempts"] == 1
                            else None)(row(d, mid)),
                   timeout=SEND_TIMEOUT_S, what=f"message {mid} back in the queue")
    assert [rec.outcome for rec in fake.sends_for(phone)] == ["http-429"]
    return r["next_attempt_at"] - r["updated_at"]


@pytest.mark.parametrize("kind", ["africastalking", "twilio", "vonage", "infobip"])
def test_rate_limit_retried_after_what_retry_after_says(provider, kind):
    d, fake, ch = provider(kind, **SLOW_BACKOFF)
    _retried_soon(d, fake, ch, "1")


@pytest.mark.parametrize("kind", ["africastalking", "twilio", "vonage", "infobip"])
def test_rate_limit_wait_follows_retry_after_within_bounds(provider, kind):
    d, fake, ch = provider(kind, **SLOW_BACKOFF)
    # No header, or one that is neither delta-seconds nor an HTTP-date: the
    # fixed delay of before.
    for value in (None, "", "soon", "-5", "1.5", "10 s", "\u00e9t\u00e9"):
        assert _rate_limited_wait(d, fake, ch, value) == RATE_LIMITED_S, repr(value)
    # Delta-seconds and HTTP-dates (counted from the answer's Date, whole
    # seconds apart), bounded by [1 s, retry_max_s].
    assert _rate_limited_wait(d, fake, ch, "45") == 45
    assert _rate_limited_wait(d, fake, ch, "99999999999999999999") == 120
    wait = _rate_limited_wait(d, fake, ch, lambda: http_date(time.time() + 60))
    assert 58 <= wait <= 61, wait
    _retried_soon(d, fake, ch, "0")
    _retried_soon(d, fake, ch, lambda: http_date(time.time() - 3600))
    d.assert_alive()


PERMANENT = {"africastalking": 403, "twilio": 21211, "vonage": "3", "infobip": "rejected"}


@pytest.mark.parametrize("kind", ["africastalking", "twilio", "vonage", "infobip"])
def test_permanent_error_fails_without_retry(provider, kind):
    d, fake, ch = provider(kind)
    phone = new_phone()
    fake.reject_phone(phone, PERMANENT[kind] if kind != "infobip" else None)
    if kind == "infobip":
        fake.phone_errors.pop(e164(phone))
        fake.fail_next(1, "error", {"groupId": 5, "groupName": "REJECTED", "id": 14,
                                    "name": "REJECTED_DESTINATION",
                                    "description": "Message rejected: destination"})
    [mid] = queue_messages(d.db_path, ch, [(phone, LATIN)])
    r = wait_status(d, mid, "failed", SEND_TIMEOUT_S)
    assert r["error"], f"a failed message says why: {r}"
    assert len(fake.sends_for(phone)) == 1, "a permanent failure is never retried"
    assert fake.accepted_counts()[phone] == 0
    assert r["attempts"] == 1, r


@pytest.mark.parametrize("kind,code", [("twilio", 21610), ("africastalking", 406)])
def test_carrier_opt_out_marks_member(provider, kind, code):
    d, fake, ch = provider(kind)
    phone = new_phone()
    member = add_member(d.db_path, phone)
    fake.reject_phone(phone, code)
    [mid] = queue_messages(d.db_path, ch, [(phone, LATIN)], member_ids={phone: member})
    r = wait_status(d, mid, "failed", SEND_TIMEOUT_S)
    assert len(fake.sends_for(phone)) == 1, "an opted-out recipient is never retried"
    m = query(d, "SELECT opted_out_at FROM members WHERE id = ?", (member,))[0]
    assert m["opted_out_at"] is not None, f"member not marked opted out after {code}: {r}"
    # The send gate now stops anything else for that member before any request.
    [mid2] = queue_messages(d.db_path, ch, [(phone, LATIN + " 2")], member_ids={phone: member})
    r2 = wait_status(d, mid2, "suppressed", SEND_TIMEOUT_S)
    assert r2["error"], r2
    assert len(fake.sends_for(phone)) == 1


# --------------------------------------------------------------------------
# Delivery reports.

def _send_two(d, fake, ch):
    a, b = new_phone(), new_phone()
    ids = queue_messages(d.db_path, ch, [(a, LATIN), (b, LATIN + ".")])
    fake.wait_accepted([a, b], SEND_TIMEOUT_S)
    for mid in ids:
        wait_status(d, mid, "sent")
    return (a, ids[0]), (b, ids[1])


def _snapshot(d, mid):
    r = row(d, mid)
    return {k: r[k] for k in ("status", "provider_id", "error", "attempts", "updated_at")}


@pytest.mark.parametrize("kind", ["africastalking", "twilio", "vonage", "infobip"])
def test_delivery_reports_move_forward_and_replays_change_nothing(provider, kind):
    d, fake, ch = provider(kind)
    (ok_phone, ok_id), (bad_phone, bad_id) = _send_two(d, fake, ch)
    ok_pid, bad_pid = fake.provider_id(ok_phone), fake.provider_id(bad_phone)
    n_messages = query(d, "SELECT count(*) AS n FROM messages")[0]["n"]

    # Not final first, then delivered.
    res = fake.dlr(d.public_port, ok_pid, "sent" if kind != "vonage" else "accepted")
    assert 200 <= res.status < 300, res
    res = fake.dlr(d.public_port, ok_pid, "delivered")
    assert 200 <= res.status < 300, res
    wait_status(d, ok_id, "delivered")
    res = fake.dlr(d.public_port, bad_pid, "failed")
    assert 200 <= res.status < 300, res
    wait_status(d, bad_id, "failed")
    assert row(d, bad_id)["error"], "a failed delivery keeps the provider's reason"

    before = {m: _snapshot(d, m) for m in (ok_id, bad_id)}
    # The provider retries: the same reports again change nothing.
    for pid, state in ((ok_pid, "delivered"), (bad_pid, "failed")):
        res = fake.dlr(d.public_port, pid, state)
        assert 200 <= res.status < 300, f"a replayed report must be acknowledged: {res}"
    # A late, not-final report never overwrites a final state.
    res = fake.dlr(d.public_port, ok_pid, "sent" if kind != "vonage" else "accepted")
    assert 200 <= res.status < 300, res
    after = {m: _snapshot(d, m) for m in (ok_id, bad_id)}
    assert after == before
    assert query(d, "SELECT count(*) AS n FROM messages")[0]["n"] == n_messages
    d.assert_alive()


def test_infobip_many_results_in_one_report(provider):
    d, fake, ch = provider("infobip")
    phones = [new_phone() for _ in range(3)]
    ids = queue_messages(d.db_path, ch, [(p, f"{LATIN} {i}") for i, p in enumerate(phones)])
    fake.wait_accepted(phones, SEND_TIMEOUT_S)
    for mid in ids:
        wait_status(d, mid, "sent")
    states = ["delivered", "failed", "expired"]
    res = fake.dlr_batch(d.public_port, [(fake.provider_id(p), s)
                                         for p, s in zip(phones, states)])
    assert 200 <= res.status < 300, res
    wait_status(d, ids[0], "delivered")
    wait_status(d, ids[1], "failed")
    # A report of expiry at the network: 'expired', or 'failed' with the
    # report's state kept (dlr_status) -- the outbox's own expiry is 'expired'.
    r = wait_status(d, ids[2], ("expired", "failed"))
    assert r["status"] == "expired" or r.get("dlr_status") == "expired", r


def test_twilio_forged_signatures_are_refused(provider):
    d, fake, ch = provider("twilio")
    phone = new_phone()
    [mid] = queue_messages(d.db_path, ch, [(phone, LATIN)])
    fake.wait_accepted([phone], SEND_TIMEOUT_S)
    wait_status(d, mid, "sent")
    sid = fake.provider_id(phone)
    before = _snapshot(d, mid)

    # Status callback: a forged signature, a signature over another URL (the
    # daemon's own address instead of the public URL), and one by another token.
    local_url = f"http://127.0.0.1:{d.public_port}/hooks/twilio/dlr"
    forged = [fake.dlr(d.public_port, sid, "delivered", signature="AAAAAAAAAAAAAAAAAAAAAAAAAAA="),
              fake.dlr(d.public_port, sid, "delivered", signature=""),
              fake.dlr(d.public_port, sid, "delivered", url=local_url)]
    token, fake.auth_token = fake.auth_token, "not-the-token"
    forged.append(fake.dlr(d.public_port, sid, "delivered"))
    fake.auth_token = token
    for res in forged:
        assert res.status == 403, res
    assert _snapshot(d, mid) == before, "nothing stored from a forged callback"

    # Inbound SMS: forged -> 403 and no row; genuine -> stored once, replay too.
    sender = new_phone()
    res = fake.sms(d.public_port, sender, "STOP", signature="bm90IGEgc2lnbmF0dXJl")
    assert res.status == 403, res
    inbound = lambda: query(d, "SELECT * FROM messages WHERE direction = 'in' AND phone = ?",
                            (sender,))
    assert inbound() == []
    sms_sid = "SM" + "ab" * 16
    res = fake.sms(d.public_port, sender, "Bonjour", sid=sms_sid)
    assert res.status == 200, res
    assert res.headers.get("content-type", "").split(";")[0] in ("text/xml",
                                                                "application/xml"), res
    assert res.text.lstrip().startswith(("<?xml", "<Response")), res
    res = fake.sms(d.public_port, sender, "Bonjour", sid=sms_sid)
    assert res.status == 200, res
    rows = inbound()
    assert len(rows) == 1, rows

    # The genuine callback is accepted.
    res = fake.dlr(d.public_port, sid, "delivered")
    assert 200 <= res.status < 300, res
    wait_status(d, mid, "delivered")


def test_africastalking_callbacks_need_the_secret(provider):
    d, fake, ch = provider("africastalking")
    phone = new_phone()
    [mid] = queue_messages(d.db_path, ch, [(phone, LATIN)])
    fake.wait_accepted([phone], SEND_TIMEOUT_S)
    wait_status(d, mid, "sent")
    before = _snapshot(d, mid)
    fake.webhook_secret = "wrong-secret"
    res = fake.dlr(d.public_port, fake.provider_id(phone), "delivered")
    assert res.status == 403, res
    assert _snapshot(d, mid) == before
    fake.webhook_secret = WEBHOOK_SECRET
    res = fake.dlr(d.public_port, fake.provider_id(phone), "delivered")
    assert 200 <= res.status < 300, res
    wait_status(d, mid, "delivered")
