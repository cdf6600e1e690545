"""test_channel_health.py -- each channel's health as staff and Prometheus
see it (issue 12, item 5): a provider saying our balance is used up
(Africa's Talking statusCode 405 InsufficientBalance, inside an HTTP 201)
and one refusing our key (401) show on GET /api/v1/channels/health with the
last success, the last error and its class and the queue depth, times also
as programme-time strings made by the daemon; the same facts are in
/metrics; each change of state is one warning, never one per message.
Standard library only (plus pytest)."""

import json

from conftest import new_phone, parse_log_line, query, sandbox_channel, wait_until
from outbox_helpers import FakeAT, at_send_channel, queue_out
from test_admin_api import Api, local, make_token
from test_metrics import samples, scrape, value
from test_openapi import DOC, check_answer


def test_balance_and_credentials_show_in_health_metrics_and_one_warning_each(daemons, tmp_path):
    broke, broke2, refused, fine = new_phone(), new_phone(), new_phone(), new_phone()
    fake = FakeAT(script=[{broke: (405, "InsufficientBalance")},
                          {broke2: (405, "InsufficientBalance")}, 401])
    try:
        conf = daemons.config({"channels": (sandbox_channel(), at_send_channel(tmp_path, fake))})
        viewer = Api(None, make_token(conf, "viewer-health", "viewer"))
        d = daemons.start(config=conf)
        viewer.d = d
        with open(DOC, encoding="utf-8") as f:
            doc = json.load(f)

        def health():
            r = check_answer(doc, viewer, "GET", "/channels/health", "/channels/health")
            assert r.status == 200, r
            return {c["name"]: c for c in r.json()["items"]}

        def warnings():
            return [parse_log_line(x)["state"] for x in d.lines if "event=channel_state" in x]

        def send(phone, body):
            mid = queue_out(d, "at", phone, body=body)
            wait_until(lambda: query(d, "SELECT attempts FROM messages WHERE id=?",
                                     (mid,))[0]["attempts"] >= 1
                       and query(d, "SELECT status FROM messages WHERE id=?",
                                 (mid,))[0]["status"] != "sending", what=f"{body} answered")
            return mid

        first = health()
        assert first["at"]["state"] == "unknown" and first["at"]["queue_depth"] == 0, first
        assert first["at"]["last_success_at"] is None and first["at"]["last_error_class"] is None

        # The balance is used up: twice, one warning.
        send(broke, "Taawun: balance one")
        send(broke2, "Taawun: balance two")
        at = health()["at"]
        assert at["state"] == "balance_exhausted" and at["balance_exhausted"], at
        assert not at["credentials_refused"] and at["last_success_at"] is None, at
        assert at["last_error_class"] == "balance_exhausted", at
        assert at["last_error_at_local"] == local(at["last_error_at"], "%Y-%m-%dT%H:%M"), at
        assert at["queue_depth"] == 2, at  # both wait for the top-up (retry in an hour)
        assert at["oldest_queued_at_local"] == local(at["oldest_queued_at"], "%Y-%m-%dT%H:%M")
        assert warnings() == ["balance_exhausted"]
        s = samples(scrape(d))
        assert value(s, "taawun_channel_balance_exhausted", channel="at") == 1
        assert value(s, "taawun_channel_credentials_refused", channel="at") == 0
        assert value(s, "taawun_channel_state", channel="at", state="balance_exhausted") == 1
        assert value(s, "taawun_sends_total", channel="at", result="retry",
                     error_class="balance_exhausted") == 2
        assert value(s, "taawun_outbox_messages", channel="at", status="queued") == 2

        # Our key refused.
        send(refused, "Taawun: key refused")
        at = health()["at"]
        assert at["state"] == "credentials_refused" and at["credentials_refused"], at
        assert not at["balance_exhausted"] and at["http_status"] == 401, at
        assert at["last_error_class"] == "credentials_refused" and at["queue_depth"] == 3, at
        s = samples(scrape(d))
        assert value(s, "taawun_channel_credentials_refused", channel="at") == 1
        assert value(s, "taawun_channel_balance_exhausted", channel="at") == 0

        # Accepted again: ok, a success time, the last error remembered.
        send(fine, "Taawun: all good")
        at = health()["at"]
        assert at["state"] == "ok" and not at["credentials_refused"], at
        assert at["last_success_at"] and at["last_error_class"] == "credentials_refused", at
        assert at["last_success_at_local"] == local(at["last_success_at"], "%Y-%m-%dT%H:%M")
        assert warnings() == ["balance_exhausted", "credentials_refused", "ok"]
        s = samples(scrape(d))
        assert value(s, "taawun_channel_last_success_timestamp_seconds", channel="at") == \
            at["last_success_at"]
        # The sandbox channel sends no request: its state stays unknown.
        assert health()["sandbox"]["state"] == "unknown"
    finally:
        fake.close()


def test_a_rejected_number_is_no_channel_failure(daemons, tmp_path):
    bad = new_phone()
    fake = FakeAT(script=[{bad: (403, "InvalidPhoneNumber")}])
    try:
        conf = daemons.config({"channels": (sandbox_channel(), at_send_channel(tmp_path, fake))})
        viewer = Api(None, make_token(conf, "viewer-rejected", "viewer"))
        d = daemons.start(config=conf)
        viewer.d = d
        mid = queue_out(d, "at", bad, body="Taawun: to a bad number")
        wait_until(lambda: query(d, "SELECT status FROM messages WHERE id=?", (mid,))[0]["status"]
                   == "failed", what="failed for good")
        at = {c["name"]: c for c in viewer.get("/channels/health").json()["items"]}["at"]
        assert at["state"] == "ok" and at["last_error_at"] is None, at
        assert not [x for x in d.lines if "event=channel_state" in x and "state=ok" not in x]
        s = samples(scrape(d))
        assert value(s, "taawun_sends_total", channel="at", result="failed",
                     error_class="rejected") == 1
    finally:
        fake.close()

