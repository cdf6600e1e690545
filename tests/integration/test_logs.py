"""Logs for operators (issue 12, item 10): per-message lines at debug, the
traffic as one summary line a minute at info, log.format = logfmt | json,
and neither format ever showing a whole phone number, a token or a key.
"""

import collections
import json
import re
import secrets
import signal
import urllib.parse
import uuid

import pytest

from conftest import (ENGINE, FORM_CT, Ussd, new_phone, parse_log_line, query, run_taawund,
                      sandbox_channel, wait_until)
from fakes import FakeAfricasTalking, provider_channel

LOGFMT_LINE = re.compile(r'^ts=\S+Z level=(debug|info|warn|error) event=[a-z_]+( |$)')


def sms_form(phone, text):
    return urllib.parse.urlencode({
        "from": phone, "to": "12345", "text": text, "date": "2026-03-01 10:00:00",
        "id": "ATXid_" + uuid.uuid4().hex, "linkId": "l", "networkCode": "60401"})


def delivered(d, phones):
    marks = ",".join("?" * len(phones))
    rows = query(d, "SELECT count(*) AS n FROM messages WHERE direction = 'out'"
                    f" AND status = 'delivered' AND phone IN ({marks})", phones)
    return rows[0]["n"]


def burst(d, n):
    """n numbers each text HELP and dial the menu on the sandbox; returns the
    numbers once every reply is delivered (sandbox: sent, then its report)."""
    phones = [new_phone() for _ in range(n)]
    for p in phones:
        r = d.post("/hooks/sandbox/sms", sms_form(p, "HELP"), FORM_CT)
        assert r.status == 200, r
        assert Ussd(d, phone=p).dial().con
    wait_until(lambda: delivered(d, phones) == n, timeout=60, what=f"{n} replies delivered")
    return phones


def summaries(lines):
    return [parse_log_line(l) for l in lines if re.search(r'event=summary\b|"event":"summary"', l)]


def total(lines, key):
    return sum(int(s.get(key, 0)) for s in summaries(lines))


def test_a_burst_at_info_is_a_few_lines_and_one_summary(daemons):
    n = 100
    d = daemons.start({"log.level": "info"})
    d.wait_log(r"event=ready\b")
    ready = next(i for i, l in enumerate(d.lines) if "event=ready" in l)
    burst(d, n)
    assert d.stop() == 0
    after = d.lines[ready + 1:]
    events = [parse_log_line(l)["event"] for l in after]
    # stopping, the summary (two if a minute turned during the burst), stopped;
    # on PostgreSQL also the node's taking of the scheduler's lease (store/nodes,
    # once: it is logged when it changes), which may come after ready.
    expected, lease = {"stopping", "summary", "stopped"}, 0
    if ENGINE == "postgresql":
        expected.add("scheduler_lease_taken")
        lease = events.count("scheduler_lease_taken")
        assert lease <= 1, events
    assert len(after) <= 5 + lease, "\n".join(after)
    assert set(events) <= expected, events
    # ... and the summary counted every message.
    for key in ("sms_in", "ussd_steps", "ussd_sessions", "sends.sent", "dlrs.delivered"):
        assert total(after, key) == n, (key, summaries(after))
    for s in summaries(after):
        assert 0 <= int(s["period_s"]) <= 61, s


def test_the_summary_comes_once_a_minute_with_the_counts_of_that_minute(daemons, test_clock):
    t0 = 2_000_000_040 - 2_000_000_040 % 60  # the start of a minute
    test_clock.set(t0 + 5)
    d = daemons.start({"log.level": "info"})
    burst(d, 3)
    r = d.post("/hooks/sandbox/ussd-end", "sessionId=x1&phoneNumber=%2B212612000001"
               "&status=Success&input=1&durationInMillis=9000", FORM_CT)
    assert r.status == 200, r
    assert not summaries(d.lines)
    test_clock.set(t0 + 65)
    first = parse_log_line(d.wait_log(r"event=summary\b"))
    assert first["level"] == "info"
    assert first["period_s"] == "60"
    # Counted before the webhook is answered: exact per minute. Sends and
    # reports are counted just after their commit, so one may land in the
    # next minute: their totals are checked at the end.
    want = {"sms_in": "3", "ussd_steps": "3", "ussd_sessions": "3", "ussd_ends": "1"}
    assert {k: first.get(k) for k in want} == want, first
    assert "sends.sent@sandbox" not in first  # one channel: no split

    mark = len(d.lines)
    burst(d, 2)
    test_clock.set(t0 + 125)
    second = parse_log_line(d.wait_log(r"event=summary\b", start=mark))
    assert (second["period_s"], second["sms_in"]) == ("60", "2"), second
    assert "ussd_ends" not in second
    # A quiet minute writes nothing; the next busy one says what it saw.
    test_clock.set(t0 + 185)
    mark = len(d.lines)
    burst(d, 1)
    test_clock.set(t0 + 245)
    third = parse_log_line(d.wait_log(r"event=summary\b", start=mark))
    assert third["period_s"] in ("60", "120"), third  # the quiet minute's tick may be missed
    assert third["sms_in"] == "1", third
    assert d.stop() == 0
    assert 3 <= len(summaries(d.lines)) <= 4  # the last minute's rest at stop
    assert (total(d.lines, "sends.sent"), total(d.lines, "dlrs.delivered")) == (6, 6)


def make_token(config):
    r = run_taawund("token", "create", "ops", "--role", "viewer", "-c", config)
    assert r.returncode == 0, r
    return r.stdout.strip()


def phone_forms(p):
    """The ways a +212 number can be written: E.164, without +, 00, national."""
    return [p, p[1:], "00" + p[1:], "0" + p[4:]]


@pytest.mark.parametrize("fmt", ["logfmt", "json"])
def test_debug_traffic_in_each_format_hides_numbers_and_secrets(daemons, tmp_path, fmt):
    fake = FakeAfricasTalking(api_key="atk-" + secrets.token_hex(16),
                              webhook_secret="whs-" + secrets.token_hex(16))
    try:
        at = provider_channel(fake, tmp_path)
        conf = daemons.config({"log.level": "debug", "log.format": fmt,
                               "channels": (sandbox_channel(), at)})
        token = make_token(conf)
        d = daemons.start(config=conf)
        phones = burst(d, 4)
        for p in phones:
            r = fake.sms(d.public_port, p, "AIDE")
            assert r.status == 200, r
        d.post("/hooks/sandbox/sms", sms_form(phones[0], "STOP"), FORM_CT)
        u = Ussd(d, phone=phones[1])
        u.dial()
        r = d.post("/hooks/sandbox/ussd-end", urllib.parse.urlencode(
            {"sessionId": u.session_id, "phoneNumber": phones[1], "status": "Success",
             "input": "1", "durationInMillis": "900"}), FORM_CT)
        assert r.status == 200, r
        # The replies over Africa's Talking reach the fake; its reports come
        # back once taawund has recorded them as sent.
        marks = ",".join("?" * len(phones))
        wait_until(lambda: query(d, "SELECT count(*) AS n FROM messages WHERE channel = 'at'"
                                    f" AND status = 'sent' AND phone IN ({marks})",
                                 phones)[0]["n"] == len(phones),
                   timeout=90, what="replies sent to the fake")
        for p in phones:
            for pid in fake.by_phone[p]:
                assert fake.dlr(d.public_port, pid, "delivered").status == 200
        wrong_key = fake.webhook_secret[::-1]
        r = d.post("/hooks/at/sms?key=" + wrong_key, sms_form(phones[2], "HELP"), FORM_CT)
        assert r.status in (401, 403), r
        for tok, status in ((token, 200), (token[::-1], 401)):
            r = d.get("/api/v1/members?phone=" + urllib.parse.quote(phones[3]), admin=True,
                      headers={"Authorization": "Bearer " + tok})
            assert r.status == status, r
        assert d.stop() == 0
    finally:
        fake.close()

    for line in d.lines:
        if fmt == "json":
            o = json.loads(line)
            assert list(o)[:3] == ["ts", "level", "event"], line
            assert all(isinstance(v, str) for v in o.values()), line
        else:
            assert LOGFMT_LINE.match(line), line
    events = collections.Counter(parse_log_line(l)["event"] for l in d.lines)
    # debug has a line per message: the check below read them.
    for event, at_least in (("ussd_step", 5), ("sms_received", 8), ("sms_command", 8),
                            ("send_result", 8), ("dlr", 8), ("ussd_session_end", 1),
                            ("sms_stop", 1), ("webhook_refused", 1)):
        assert events[event] >= at_least, (event, events)
    text = "\n".join(d.lines)
    for p in phones:
        for form in phone_forms(p):
            assert form not in text, f"{form} in the log"
    for secret in (token, token[::-1], fake.api_key, fake.webhook_secret, wrong_key):
        assert secret not in text, "a secret in the log"
    masked = [parse_log_line(l).get("phone") for l in d.lines if "sms_received" in l]
    assert masked and all(re.fullmatch(r"\+2126\*{5}\d\d", m) for m in masked), masked


def test_reload_switches_the_format_and_keeps_d(daemons):
    conf = daemons.config({"log.level": "info"})
    d = daemons.start(config=conf, args=("-d",))
    daemons.config({"log.level": "info", "log.format": "json"})  # the same file
    mark = len(d.lines)
    d.signal(signal.SIGHUP)
    line = d.wait_log(r'"event":"reload"', start=mark)
    assert json.loads(line)["status"] == "ok"
    # -d still means debug after the reload.
    Ussd(d).dial()
    step = json.loads(d.wait_log(r'"event":"ussd_step"', start=mark))
    assert step["level"] == "debug" and step["channel"] == "sandbox"
    assert d.stop() == 0
    assert json.loads(d.lines[-1])["event"] == "stopped"
