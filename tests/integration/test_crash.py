"""test_crash.py -- the outbox never loses or double-sends a message.

1. 10,000 messages queued to a fake Africa's Talking; taawund is SIGKILLed at a
   random moment while it sends (after the fake has accepted between 10% and
   60% of them), restarted on the same database, and left to drain. Every
   message must have been accepted exactly once, except those that were in
   flight at the kill (status 'sending' in the database right after it; no
   more of them than the channel's concurrency) or queued again after a
   request that timed out (an ambiguous outcome): those at most twice.
2. The provider is down for a while (503 for a few seconds): everything drains
   once it is back, each message accepted exactly once.

Each message has its own phone number, so the fake's counts per phone count per
message. The fake is fakes.FastAfricasTalking (asyncio, far faster than taawun
needs), so the kill lands while many requests are in flight.
Bounded in time: the whole file runs in well under a minute on 2 cores.
"""

import random
import time

from conftest import query, sandbox_channel
from fakes import FastAfricasTalking, provider_channel, queue_messages

N_MESSAGES = 10_000
CONCURRENCY = 32
THROUGHPUT = 5000
DRAIN_TIMEOUT_S = 40.0
KILL_WINDOW = (0.10, 0.60)
SECRET = "crash-hook-secret-0123456789"


def phones(n, prefix):
    """n distinct valid Moroccan mobile numbers (+2126PPxxxxxx)."""
    return [f"+2126{prefix:02d}{i:06d}" for i in range(n)]


def channel(fake, tmp_path, **kw):
    ch = provider_channel(fake, tmp_path, throughput_per_s=THROUGHPUT,
                          concurrency=CONCURRENCY, max_attempts=20, retry_base_s=1,
                          retry_max_s=2, expiry_s=3600, request_timeout_s=5, **kw)
    return {"channels": (sandbox_channel(), ch)}


def status_counts(db_path):
    return {r["status"]: r["n"] for r in query(
        db_path, "SELECT status, count(*) AS n FROM messages WHERE direction = 'out' "
                 "GROUP BY status")}


def wait_drained(d, timeout, what):
    """Poll (bounded) until no message is queued or sending."""
    deadline = time.monotonic() + timeout
    counts = {}
    for _ in range(int(timeout / 0.1) + 2):
        counts = status_counts(d.db_path)
        if not counts.get("queued") and not counts.get("sending"):
            return counts
        if d.proc.poll() is not None:
            raise AssertionError(f"taawund died while draining ({what}): {counts}\n{d.log()}")
        if time.monotonic() > deadline:
            break
        time.sleep(0.1)
    raise AssertionError(f"{what}: not drained within {timeout}s: {counts}\n"
                         + "\n".join(d.lines[-20:]))


def test_sigkill_during_send_then_restart_sends_each_message_once(daemons, tmp_path):
    fake = FastAfricasTalking(channel="at", webhook_secret=SECRET)
    try:
        overrides = channel(fake, tmp_path)
        d = daemons.start(overrides)
        numbers = phones(N_MESSAGES, 10)
        items = [(p, f"Taawun notice {i}") for i, p in enumerate(numbers)]
        ids = queue_messages(d.db_path, "at", items)
        assert len(ids) == N_MESSAGES

        rng = random.Random()
        kill_at = rng.randint(int(N_MESSAGES * KILL_WINDOW[0]), int(N_MESSAGES * KILL_WINDOW[1]))
        fake.wait(lambda f: f.total >= kill_at, DRAIN_TIMEOUT_S,
                  f"{kill_at} acceptances before the kill")
        d.kill()
        seen_at_kill = fake.accepted_total()
        assert seen_at_kill < N_MESSAGES, "all sent before the kill: the test proved nothing"

        in_flight = {r["phone"] for r in query(
            d.db_path, "SELECT phone FROM messages WHERE status = 'sending'")}
        assert len(in_flight) <= CONCURRENCY, \
            f"{len(in_flight)} messages 'sending' at the kill > concurrency {CONCURRENCY}"
        # A request that timed out (a loaded machine: the fake answers late)
        # is an ambiguous outcome, retried by design: the provider may have
        # taken it. Queued again with an attempt behind it, it may be
        # accepted twice too, like one in flight.
        retried = {r["phone"] for r in query(
            d.db_path, "SELECT phone FROM messages WHERE status = 'queued' AND attempts > 0")}

        d2 = daemons.start(config=d.config)
        counts = wait_drained(d2, DRAIN_TIMEOUT_S, "after restart")
        assert counts.get("sent", 0) == N_MESSAGES, counts

        accepted = fake.accepted_counts()
        never = [p for p in numbers if accepted[p] == 0]
        twice = [p for p in numbers if accepted[p] == 2]
        more = [p for p in numbers if accepted[p] > 2]
        assert not never, f"{len(never)} messages never accepted, e.g. {never[:5]}"
        assert not more, f"{len(more)} messages accepted 3+ times, e.g. {more[:5]}"
        assert set(twice) <= in_flight | retried, \
            f"accepted twice but neither in flight nor retried at the kill: " \
            f"{sorted(set(twice) - in_flight - retried)[:5]}"
        print(f"\nkill after {seen_at_kill} acceptances (target {kill_at}); "
              f"{len(in_flight)} in flight; {len(twice)} sent twice")
        # Each row keeps the provider id of an acceptance of its own.
        rows = query(d2.db_path, "SELECT phone, provider_id FROM messages WHERE direction = 'out'")
        bad = [r for r in rows if r["provider_id"] not in fake.by_phone[r["phone"]]]
        assert not bad, f"{len(bad)} rows with a provider id the fake never gave, e.g. {bad[:3]}"
    finally:
        daemons.finish()
        fake.close()


def test_provider_down_then_everything_drains(daemons, tmp_path):
    fake = FastAfricasTalking(channel="at", webhook_secret=SECRET)
    try:
        d = daemons.start(channel(fake, tmp_path))
        down_s = 3.0
        fake.down_for(down_s, 503)
        t0 = time.monotonic()
        numbers = phones(500, 20)
        queue_messages(d.db_path, "at", [(p, f"Taawun down test {i}")
                                         for i, p in enumerate(numbers)])
        counts = wait_drained(d, DRAIN_TIMEOUT_S, "after the provider came back")
        elapsed = time.monotonic() - t0
        assert counts.get("sent", 0) == len(numbers), counts
        refused = fake.refused
        assert refused > 0, "the fake was never asked while down: the test proved nothing"
        assert elapsed >= down_s - 0.5
        accepted = fake.accepted_counts()
        assert all(accepted[p] == 1 for p in numbers), \
            [p for p in numbers if accepted[p] != 1][:5]
        retried = query(d, "SELECT count(*) AS n FROM messages WHERE attempts > 1")[0]["n"]
        assert retried > 0
        print(f"\ndown {down_s}s: {refused} requests refused, drained in {elapsed:.1f}s")
    finally:
        daemons.finish()
        fake.close()
