"""test_metrics.py -- GET /metrics on the admin listener (issue 12, item 4):
scraped from a running daemon after real traffic (USSD steps, an inbound
SMS, sends to a local fake Africa's Talking), the text passes Debian's
`promtool check metrics` with no problem reported, and the values moved by
exactly what was sent. Loopback callers need no token; a caller a trusted
proxy forwards does. Route labels are patterns, never raw paths.
Standard library only (plus pytest and promtool)."""

import os
import re
import shutil
import subprocess
import time

import pytest

from conftest import (Ussd, at_channel, form, http_request, new_phone, query, sandbox_channel,
                      wait_until, write_secret)
from outbox_helpers import AT_SECRET, FakeAT, at_send_channel, queue_out
from test_admin_api import make_token

FORM_CT = {"Content-Type": "application/x-www-form-urlencoded"}
_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def promtool():
    path = shutil.which("promtool")
    if not path:
        pytest.skip("promtool missing (Debian's prometheus package; contrib/deps.sh installs it)")
    return path


def scrape(d, headers=None):
    r = http_request(d.admin_port, "GET", "/metrics", headers=headers)
    assert r.status == 200, r
    assert r.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8", r.headers
    return r.body.decode("utf-8")


def samples(text):
    """{(name, frozenset of (label, value)): float} of every sample line."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _SAMPLE.match(line)
        assert m, f"not a sample line: {line!r}"
        labels = frozenset(_LABEL.findall(m.group(2) or ""))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


def value(s, name, **labels):
    """The sample name{labels} (0 when absent: a series not made yet)."""
    return s.get((name, frozenset(labels.items())), 0.0)


def total(s, name, **labels):
    """The sum of every sample of name whose labels include labels."""
    want = set(labels.items())
    return sum(v for (n, ls), v in s.items() if n == name and want <= set(ls))


def check_with_promtool(text):
    r = subprocess.run([promtool(), "check", "metrics"], input=text.encode("utf-8"),
                       capture_output=True, timeout=30)
    problems = (r.stdout + r.stderr).decode("utf-8", "replace").strip()
    assert r.returncode == 0 and problems == "", problems


def test_metrics_pass_promtool_and_move_by_the_traffic_sent(daemons, tmp_path):
    promtool()
    fake = FakeAT()
    try:
        conf = daemons.config({"channels": (sandbox_channel(), at_send_channel(tmp_path, fake))})
        d = daemons.start(config=conf)
        started = time.time()
        before = samples(scrape(d))
        # Three USSD steps, one inbound SMS, one message to the fake provider.
        u = Ussd(d)
        u.dial()
        u.send("1")
        u.send("99")
        r = d.post("/hooks/sandbox/sms", form(**{"from": new_phone(), "to": "12345", "text": "aide",
                                                "date": "2026-03-01 10:00:00", "id": "m-1"}),
                   FORM_CT)
        assert r.status == 200, r
        phone = new_phone()
        mid = queue_out(d, "at", phone, body="Taawun: metrics test")
        wait_until(lambda: query(d, "SELECT status FROM messages WHERE id=?", (mid,))[0]["status"]
                   == "sent", what="the message sent to the fake provider")
        # Its delivery report, as Africa's Talking posts it.
        pid = query(d, "SELECT provider_id FROM messages WHERE id=?", (mid,))[0]["provider_id"]
        r = d.post("/hooks/at/dlr?key=" + AT_SECRET, form(
            id=pid, status="Success", phoneNumber=phone, networkCode="60401", retryCount="0"),
            FORM_CT)
        assert r.status == 200, r
        wait_until(lambda: not query(d, "SELECT id FROM messages WHERE channel='at' AND"
                                        " status IN ('queued','sending')"), what="at's outbox empty")
        text = scrape(d)
        after = samples(text)
        check_with_promtool(text)

        def moved(name, **labels):
            return value(after, name, **labels) - value(before, name, **labels)
        assert moved("taawun_ussd_steps_total", channel="sandbox") == 3
        assert moved("taawun_http_requests_total", listener="public",
                     route="/hooks/{channel}/ussd", status="200") == 3
        assert moved("taawun_http_request_duration_seconds_count", listener="public",
                     route="/hooks/{channel}/ussd") == 3
        assert moved("taawun_sms_inbound_total", channel="sandbox") == 1
        assert moved("taawun_delivery_reports_total", channel="at") == 1
        assert moved("taawun_http_requests_total", listener="public",
                     route="/hooks/{channel}/dlr", status="200") == 1
        sent_at = query(d, "SELECT count(*) AS n FROM messages WHERE channel='at' AND"
                           " direction='out' AND status IN ('sent','delivered')")[0]["n"]
        assert sent_at >= 1
        assert moved("taawun_sends_total", channel="at", result="accepted",
                     error_class="none") == sent_at
        assert total(after, "taawun_sends_total", channel="at") == sent_at
        assert value(after, "taawun_send_duration_seconds_count", channel="at") == len(fake.sends())
        assert value(after, "taawun_db_write_wait_seconds_count") > \
            value(before, "taawun_db_write_wait_seconds_count")
        assert value(after, "taawun_db_commit_seconds_count") > 0
        assert value(after, "taawun_outbox_messages", channel="at", status="queued") == 0
        assert ("taawun_outbox_messages", frozenset({("channel", "sandbox"),
                                                     ("status", "held")})) in after
        assert value(after, "taawun_channel_state", channel="at", state="ok") == 1
        assert value(after, "taawun_channel_state", channel="at", state="unknown") == 0
        assert value(after, "taawun_channel_last_success_timestamp_seconds", channel="at") >= \
            int(started)
        assert value(after, "taawun_ussd_sessions_live") >= 1
        build = [ls for (n, ls) in after if n == "taawun_build_info"]
        assert len(build) == 1 and dict(build[0])["version"], build
        assert started - 30 < value(after, "process_start_time_seconds") <= time.time()
    finally:
        fake.close()


def test_a_queued_message_shows_its_age_and_the_scrape_is_counted(daemons, tmp_path):
    fake = FakeAT(script=[500] * 50)  # the provider fails: the message stays queued
    try:
        conf = daemons.config({"channels": (sandbox_channel(),
                                            at_send_channel(tmp_path, fake, retry_base_s=60,
                                                            retry_max_s=60))})
        d = daemons.start(config=conf)
        queue_out(d, "at", new_phone(), body="Taawun: old one", created_at=int(time.time()) - 600)
        wait_until(lambda: len(fake.sends()) >= 1, what="a failed send")
        wait_until(lambda: query(d, "SELECT status FROM messages WHERE channel='at'")[0]["status"]
                   == "queued", what="queued again after the failure")
        s = samples(scrape(d))
        assert value(s, "taawun_outbox_messages", channel="at", status="queued") == 1
        assert 600 <= value(s, "taawun_outbox_oldest_queued_age_seconds", channel="at") < 700
        assert value(s, "taawun_sends_total", channel="at", result="retry",
                     error_class="provider_error") == 1
        assert value(s, "taawun_channel_state", channel="at", state="provider_error") == 1
        assert value(s, "taawun_channel_last_error_timestamp_seconds", channel="at",
                     error_class="provider_error") > 0
        again = samples(scrape(d))
        assert value(again, "taawun_http_requests_total", listener="admin", route="/metrics",
                     status="200") >= 1
    finally:
        fake.close()


def test_sessions_refused_at_the_cap_are_counted(daemons):
    d = daemons.start({"ussd.max_sessions": 1})
    assert Ussd(d).dial().con
    assert Ussd(d).dial().end  # no room: "busy"
    assert Ussd(d).dial().end
    s = samples(scrape(d))
    assert value(s, "taawun_ussd_sessions_refused_total", channel="sandbox") == 2
    assert value(s, "taawun_ussd_sessions_live") == 1
    assert value(s, "taawun_ussd_steps_total", channel="sandbox") == 3


def test_route_labels_are_patterns_never_raw_paths(daemon):
    d = daemon
    for path in ("/nope/12345", "/hooks/sandbox/nothing", "/hooks/unknown-channel/ussd",
                 "/hooks/sandbox/ussd/some-token-9876"):
        d.post(path, b"", FORM_CT)
    http_request(d.admin_port, "GET", "/console/some-file-4321.js")
    http_request(d.admin_port, "GET", "/api/v1/members/424242")
    s = samples(scrape(d))
    routes = {dict(ls).get("route") for (n, ls) in s if n == "taawun_http_requests_total"}
    assert not [r for r in routes if re.search(r"nope|12345|nothing|9876|4321|424242", r)], routes
    assert "other" in routes and "/console/{file}" in routes and "/api/v1" in routes, routes


def test_off_loopback_a_token_is_needed(daemons, tmp_path):
    secret = write_secret(tmp_path / "at.secret", "webhook-secret-for-tests")
    conf = daemons.config({"channels": (at_channel("at", secret),),
                           "http.trusted_proxies": ["127.0.0.1/32"]})
    token = make_token(conf, "scraper", "viewer")
    d = daemons.start(config=conf)
    # Through the trusted proxy on this host, the caller is 203.0.113.9.
    far = {"X-Forwarded-For": "203.0.113.9"}
    r = http_request(d.admin_port, "GET", "/metrics", headers=far)
    assert r.status == 401, r
    scrape(d, headers=dict(far, Authorization=f"Bearer {token}"))
    assert http_request(d.admin_port, "GET", "/metrics", headers=dict(
        far, Authorization="Bearer " + "0" * 64)).status == 401
    # Loopback needs none; the public listener never serves it.
    scrape(d)
    assert http_request(d.public_port, "GET", "/metrics").status == 404
    assert http_request(d.admin_port, "POST", "/metrics").status == 405


def test_the_readme_scrape_config_and_alerts_are_valid(daemon, tmp_path):
    """The README's sample scrape config and alert rules, as promtool reads
    them, name metrics the daemon serves."""
    tool = promtool()
    readme = open(os.path.join(os.path.dirname(__file__), "..", "..", "README.md"),
                  encoding="utf-8").read()
    section = readme.split("### Watch it", 1)[1].split("\n### ", 1)[0]
    blocks = re.findall(r"```yaml\n(.*?)```", section, re.S)
    rules = [b for b in blocks if b.startswith("groups:")]
    configs = [b for b in blocks if b.startswith("scrape_configs:")]
    assert len(rules) == 1 and len(configs) == 1, blocks
    (tmp_path / "rules.yml").write_text(rules[0])
    (tmp_path / "prometheus.yml").write_text(configs[0])
    for args in (["check", "rules", str(tmp_path / "rules.yml")],
                 ["check", "config", str(tmp_path / "prometheus.yml")]):
        r = subprocess.run([tool, *args], capture_output=True, timeout=30)
        assert r.returncode == 0, (args, r.stdout, r.stderr)
    served = set(re.findall(r"^# TYPE (\S+) ", scrape(daemon), re.M))
    named = {re.sub(r"_bucket$", "", n) for n in re.findall(r"\b(taawun_[a-z_]+)", rules[0])}
    assert named and named <= served, named - served
