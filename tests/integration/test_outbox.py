"""test_outbox.py -- the durable outbox and the sender thread, end to end:
the send gate (erased, opted out, topic off; the STOP confirmation passes),
retries with backoff against a fake Africa's Talking API (500 twice, then
success), a carrier opt-out (406 UserInBlacklist), the attempt limit, bulk
requests, expiry, and start-up reconciliation of messages a crash left
'sending'. Traffic goes to 127.0.0.1 only; readiness is polled, never slept.
"""

import signal
import time

from conftest import add_member, http_request, new_phone, query, wait_until, sandbox_channel
from fakes import queue_messages
from test_admin_api import API, make_token
from outbox_helpers import (AT_API_KEY, AT_USERNAME, FakeAT, at_send_channel,
                            queue_many, queue_out)


def message(daemon, mid):
    rows = query(daemon, "SELECT * FROM messages WHERE id=?", (mid,))
    return rows[0] if rows else None


def wait_status(daemon, mid, statuses, timeout=15.0):
    statuses = (statuses,) if isinstance(statuses, str) else tuple(statuses)

    def done():
        m = message(daemon, mid)
        return m if m and m["status"] in statuses else None
    try:
        return wait_until(done, timeout=timeout, what=f"message {mid} in {statuses}")
    except AssertionError:
        raise AssertionError(f"message {mid}: {message(daemon, mid)}\n{daemon.log()[-3000:]}")


def start_with_at(daemons, tmp_path, fake, **extra):
    return daemons.start({"channels": (sandbox_channel(), at_send_channel(tmp_path, fake, **extra))})


# --------------------------------------------------------------------------
# The send gate.

def test_gate_suppresses_erased_and_opted_out_members(daemon):
    erased, opted, topic_off, ok = new_phone(), new_phone(), new_phone(), new_phone()
    e_id = add_member(daemon, erased, erased=True)
    o_id = add_member(daemon, opted, opted_out=True)
    t_id = add_member(daemon, topic_off, topics={"events": False, "grants": True})
    k_id = add_member(daemon, ok)
    m_erased = queue_out(daemon, "sandbox", erased, member_id=e_id)
    m_opted = queue_out(daemon, "sandbox", opted, member_id=o_id, kind="receipt")
    m_topic = queue_out(daemon, "sandbox", topic_off, topic="events", member_id=t_id)
    m_topic_on = queue_out(daemon, "sandbox", topic_off, topic="grants", member_id=t_id)
    m_ok = queue_out(daemon, "sandbox", ok, member_id=k_id)
    # The one exemption: the confirmation of the STOP itself.
    m_stop = queue_out(daemon, "sandbox", opted, kind="stop_confirmation", member_id=o_id)
    # Found by phone when the row carries no member_id.
    m_by_phone = queue_out(daemon, "sandbox", opted)

    assert wait_status(daemon, m_erased, "suppressed")["error"] == "erased"
    assert wait_status(daemon, m_opted, "suppressed")["error"] == "opted_out"
    assert wait_status(daemon, m_topic, "suppressed")["error"] == "topic_opted_out"
    assert wait_status(daemon, m_by_phone, "suppressed")["error"] == "opted_out"
    for mid in (m_topic_on, m_ok, m_stop):
        m = wait_status(daemon, mid, ("sent", "delivered"))
        assert m["provider_id"] == f"sandbox-{mid}", m
        assert m["attempts"] == 1, m
    for mid in (m_erased, m_opted, m_topic, m_by_phone):
        m = message(daemon, mid)
        assert m["attempts"] == 0 and m["provider_id"] is None, m
    log = daemon.log()
    assert f"id={m_erased} " in log and "outcome=suppressed" in log


def test_sandbox_reports_delivery(daemon):
    mid = queue_out(daemon, "sandbox", new_phone())
    m = wait_status(daemon, mid, "delivered")
    assert m["dlr_status"] == "delivered" and m["delivered_at"], m


# --------------------------------------------------------------------------
# Against a fake Africa's Talking.

def test_retry_with_backoff_then_sent(daemons, tmp_path):
    fake = FakeAT(script=[500, 500])
    try:
        d = start_with_at(daemons, tmp_path, fake)
        phone = new_phone()
        mid = queue_out(d, "at", phone, body="Taawun: retry test")
        t0 = time.monotonic()
        m = wait_status(d, mid, "sent", timeout=20)
        elapsed = time.monotonic() - t0
        assert m["attempts"] == 3, m
        assert m["provider_id"].startswith("ATXid_"), m
        assert m["error"] is None and m["sending_since"] is None, m
        # Backoff 1 s then 2 s (+-20% jitter, whole seconds): not immediate.
        assert elapsed >= 1.5, elapsed
        sends = fake.sends()
        assert len(sends) == 3
        for headers, form in sends:
            assert headers.get("apiKey") == AT_API_KEY
            assert form["username"] == [AT_USERNAME]
            assert form["to"] == [phone]
            assert form["message"] == ["Taawun: retry test"]
        results = [l for l in d.lines if "event=send_result" in l and f"id={mid} " in l]
        assert [r for r in results if "outcome=retry" in r], results
        assert AT_API_KEY not in d.log() and "retry test" not in d.log()
    finally:
        fake.close()


def test_attempt_limit_ends_failed(daemons, tmp_path):
    fake = FakeAT(script=[503] * 10)
    try:
        d = start_with_at(daemons, tmp_path, fake, max_attempts=2)
        mid = queue_out(d, "at", new_phone())
        m = wait_status(d, mid, "failed", timeout=20)
        assert m["attempts"] == 2, m
        assert m["error"].startswith("max_attempts"), m
        assert len(fake.sends()) == 2
    finally:
        fake.close()


def test_user_in_blacklist_opts_the_member_out(daemons, tmp_path):
    phone = new_phone()
    fake = FakeAT(script=[{phone: (406, "UserInBlacklist")}])
    try:
        d = start_with_at(daemons, tmp_path, fake)
        member = add_member(d, phone)
        mid = queue_out(d, "at", phone, member_id=member)
        m = wait_status(d, mid, "failed")
        assert m["error"] == "opted_out_at_carrier", m
        assert m["attempts"] == 1, m
        row = query(d, "SELECT opted_out_at FROM members WHERE id=?", (member,))[0]
        assert row["opted_out_at"], row
        # Nothing more goes to that member: the gate stops the next one.
        nxt = queue_out(d, "at", phone, member_id=member)
        assert wait_status(d, nxt, "suppressed")["error"] == "opted_out"
        assert len(fake.sends()) == 1
    finally:
        fake.close()


def test_bulk_groups_the_same_text(daemons, tmp_path, fake_at):
    d = start_with_at(daemons, tmp_path, fake_at)
    phones = [new_phone() for _ in range(3)]
    lone = new_phone()
    # One transaction, so the sender sees all four at once.
    rows = [("at", p, "Taawun: bulk news") for p in phones] + [("at", lone, "Taawun: other")]
    ids = queue_many(d, rows)
    for mid in ids:
        wait_status(d, mid, "sent")
    recipients = sorted(",".join(sorted(f["to"][0].split(","))) for _, f in fake_at.sends())
    assert recipients == sorted([",".join(sorted(phones)), lone]), recipients
    pids = {message(d, mid)["provider_id"] for mid in ids}
    assert len(pids) == 4, pids


# --------------------------------------------------------------------------
# Expiry and crash reconciliation.

def test_old_queued_message_expires(daemons, tmp_path, fake_at):
    d = start_with_at(daemons, tmp_path, fake_at, expiry_s=3600)
    old = queue_out(d, "at", new_phone(), created_at=int(time.time()) - 7200)
    fresh = queue_out(d, "at", new_phone())
    assert wait_status(d, old, "expired")["attempts"] == 0
    wait_status(d, fresh, "sent")
    assert len(fake_at.sends()) == 1


def test_crash_leftovers_are_sent_at_most_once_more(daemons):
    d = daemons.start()
    assert d.stop() == 0
    first = queue_out(d, "sandbox", new_phone(), status="sending", attempts=1)
    second = queue_out(d, "sandbox", new_phone(), status="sending", attempts=2,
                       resend_after_crash=1)
    d2 = daemons.start(config=d.config)
    m = wait_status(d2, first, ("sent", "delivered"))
    assert m["resend_after_crash"] == 1 and m["attempts"] == 2, m
    m2 = wait_status(d2, second, "failed")
    assert m2["error"] == "unknown_after_crash", m2
    assert m2["attempts"] == 2, m2
    line = d2.wait_log(r"event=outbox_reconciled\b")
    assert "requeued=1" in line and "failed=1" in line, line


# --------------------------------------------------------------------------
# A large sandbox queue draining (the demo's and the bench's channel).

DRAIN_MESSAGES = 20000


def drain_queue(d):
    items = [(f"+2126{n:08d}", "Taawun: drain") for n in range(DRAIN_MESSAGES)]
    queue_messages(d.db_path, "sandbox", items)
    return wait_until(lambda: query(d, "SELECT COUNT(*) AS n FROM messages WHERE status"
                                       " IN ('sent', 'delivered')")[0]["n"] > 0,
                      timeout=20, what="the sender draining")


def test_sigterm_while_the_sandbox_drains_stops_promptly(daemons):
    """A pass of the sender over a sandbox queue holds up to 10,000 messages;
    their delivery reports once took one FULL commit each, and a stop asked
    meanwhile waited for the whole pass (the bench saw taawund SIGKILLed
    after 10 s). The reports of a batch now share a commit, and a stop ends
    the pass between batches."""
    d = daemons.start()
    drain_queue(d)
    d.signal(signal.SIGTERM)
    t0 = time.monotonic()
    rc = d.proc.wait(30)
    elapsed = time.monotonic() - t0
    assert rc == 0, d.log()
    assert elapsed < 5, f"took {elapsed:.1f}s to stop while draining"
    rows = query(d, "SELECT status, COUNT(*) AS n FROM messages GROUP BY status")
    by = {r["status"]: r["n"] for r in rows}
    assert sum(by.values()) == DRAIN_MESSAGES, by
    assert by.get("sending", 0) == 0, by  # the sandbox never leaves one in flight


def test_token_use_is_recorded_in_the_write_turn_while_the_outbox_drains(daemons):
    """A token's last use was an autocommit UPDATE outside the process's
    write turn: under continuous writes it waited on SQLite's busy handler
    and failed (token_touch_failed; the bench logged 'database is locked').
    With a 1 ms busy timeout, every token's first use is recorded."""
    conf = daemons.config({"database.busy_timeout_ms": 1})
    tokens = [make_token(conf, f"drain-{i}", "viewer") for i in range(20)]
    d = daemons.start(config=conf)
    drain_queue(d)
    for t in tokens:
        r = http_request(d.admin_port, "GET", API + "/stats",
                         headers={"Authorization": f"Bearer {t}"})
        assert r.status == 200, r.body
    rows = query(d, "SELECT name, last_used_at FROM staff_tokens WHERE name LIKE 'drain-%'")
    assert len(rows) == 20 and all(r["last_used_at"] for r in rows), rows
    assert "token_touch_failed" not in d.log()
