"""test_postgresql_nodes.py -- two taawund nodes on one PostgreSQL database
(issue 13), on the test run's throw-away cluster (TAAWUN_TEST_PG), sending
through a fake Africa's Talking on 127.0.0.1 (fakes.FakeAfricasTalking: the
provider's wire format, every request recorded): a 10,000-recipient
broadcast reaches each member exactly once with both nodes sending; a node
killed (SIGKILL) mid-broadcast loses nothing and repeats only what it had in
flight; a scheduled broadcast starts once; a STOP taken by one node holds
for a broadcast sent through the other. The node that sent a message is its
row's claimed_by (store/nodes), kept once it is settled."""

import collections
import threading
import time

import pytest

from conftest import DELETE, wait_until
from fakes import FakeAfricasTalking, provider_channel
from test_admin_api import Api, make_token
from test_postgresql import PG, node_of, pg_database, pg_overrides, psql  # noqa: F401 (fixture)
from test_postgresql_broadcasts import actions, db_errors, hinted

pytestmark = pytest.mark.skipif(not PG, reason="PostgreSQL: TAAWUN_TEST_PG not set")

WEBHOOK_SECRET = "hook-secret-0123456789abcdef"
TEXTS = {"ar": "تعاون: ورشة يوم السبت.", "fr": "Taawun: salon samedi a Oujda."}
AT_BATCH = 100  # recipients of one request: max_batch in src/channels/africastalking.c
KILL_CONCURRENCY = 2  # requests in flight per node in the SIGKILL test
SEND_TIMEOUT_S = 180  # the slowest wait: 10,000 messages on 2 shared cores
HOLD_MAX_S = 5  # a held answer waits at most this (under the channel's request time-out)


class HoldingAT(FakeAfricasTalking):
    """Africa's Talking whose answers to send requests can be held: while
    hold() is on, each request waits (at most HOLD_MAX_S) before it is
    answered and recorded, so the messages it carries stay 'sending' in the
    sender's node; held() says whose answers are waiting."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self._go = threading.Event()
        self._go.set()
        self._held = set()

    def hold(self, on):
        (self._go.clear if on else self._go.set)()

    def held(self):
        """The phones whose answers are being held now."""
        with self._cv:
            return set(self._held)

    def answer_send(self, rec, recipients, errors):
        phones = {phone for phone, _ in recipients}
        if not self._go.is_set():
            with self._cv:
                self._held |= phones
            self._go.wait(HOLD_MAX_S)
            with self._cv:
                self._held -= phones
        return super().answer_send(rec, recipients, errors)


@pytest.fixture
def fake(daemons, pg_database):
    """The provider both nodes send to; the daemons are stopped before it
    closes and before their database is dropped."""
    f = HoldingAT(webhook_secret=WEBHOOK_SECRET)
    yield f
    try:
        daemons.finish()
    finally:
        f.close()


def two_nodes(daemons, tmp_path, conninfo, fake, **channel):
    """Two nodes on the database of conninfo, one config, the fake as their
    only channel: (node a, node b, {a: staff API on a, b: on b})."""
    ch = provider_channel(fake, tmp_path, **channel)
    conf = daemons.config({**pg_overrides(conninfo), "programme.demo_data": DELETE,
                           "channels": (ch,)})
    token = make_token(conf, "officer", "staff")
    a = daemons.start(config=conf)
    b = daemons.start(config=conf)
    return a, b, {a: Api(a, token), b: Api(b, token)}


def many_members(db, n):
    """n consenting French-speaking members inserted in one statement: their
    phones."""
    now = int(time.time())
    first = 40_000_000
    psql("INSERT INTO members (phone, name, language, consent_at, consent_channel,"
         " registered_via, registered_at, created_at, updated_at)"
         f" SELECT '+2126' || ({first} + i), 'Membre ' || i, 'fr', {now}, 'ussd', 'ussd',"
         f" {now}, {now}, {now} FROM generate_series(1, {n}) i", db)
    return {f"+2126{first + i}" for i in range(1, n + 1)}


def broadcast(api, phones=None):
    """A plain broadcast drafted through api (to phones, else to everyone): its id."""
    r = api.post("/broadcasts", {"name": "nodes", "texts": TEXTS,
                                 "audience": {"phones": sorted(phones)} if phones else {}})
    assert r.status == 201, r
    return r.json()["id"]


def progress(api, bid):
    return api.get(f"/broadcasts/{bid}").json()


def sent_by(db, bid):
    """{node: messages of broadcast bid it claimed last}."""
    return {int(n): int(c) for n, c in psql(
        "SELECT coalesce(claimed_by, 0), count(*) FROM messages"
        f" WHERE broadcast_id = {bid} GROUP BY 1", db)}


def wait_finished(api, bid, what):
    wait_until(lambda: progress(api, bid)["finished"], timeout=SEND_TIMEOUT_S,
               interval=0.5, what=what)
    return progress(api, bid)


def started_lines(d, bid):
    return [x for x in d.log().splitlines()
            if f"id={bid} " in x and ("broadcast_started" in x or "broadcast_expanding" in x)]


def test_ten_thousand_recipients_once_each_sent_by_both_nodes(daemons, pg_database, fake,
                                                              tmp_path):
    conninfo, db = pg_database
    a, b, api = two_nodes(daemons, tmp_path, conninfo, fake, throughput_per_s=1000,
                          concurrency=4)
    n = 10_000
    phones = many_members(db, n)
    bid = broadcast(api[a])
    r = api[a].post(f"/broadcasts/{bid}/send")
    assert r.status in (200, 202), (r, a.log()[-3000:])
    g = wait_finished(api[b], bid, "the broadcast sent by the two nodes")
    p = g["progress"]
    assert p["total"] == n and p["sent"] == n and g["recipients"] == n, g
    counts = fake.accepted_counts()
    assert set(counts) == phones, (len(counts), len(phones))
    twice = {ph: c for ph, c in counts.items() if c != 1}
    assert not twice, f"{len(twice)} recipients got more than one message: {list(twice)[:5]}"
    assert {x.field("message") for x in fake.sends} == {hinted("fr", TEXTS["fr"])}
    # Both nodes sent some: else nothing here is about two nodes.
    by = sent_by(db, bid)
    assert set(by) == {node_of(a, db), node_of(b, db)}, by
    assert sum(by.values()) == n and min(by.values()) > 0, by
    assert len(started_lines(a, bid) + started_lines(b, bid)) == 1
    assert not db_errors(a) + db_errors(b), db_errors(a) + db_errors(b)


def test_a_node_killed_mid_broadcast_loses_nothing(daemons, pg_database, fake, tmp_path):
    """SIGKILL the scheduler's lease holder while it has messages in flight:
    the other takes the lease, queues those again (resend_after_crash) and
    finishes the broadcast; a recipient gets a second copy only if its
    message was one of those in flight."""
    conninfo, db = pg_database
    a, b, api = two_nodes(daemons, tmp_path, conninfo, fake, throughput_per_s=250,
                          concurrency=KILL_CONCURRENCY, request_timeout_s=2 * HOLD_MAX_S)
    n = 3000
    phones = many_members(db, n)
    wait_until(lambda: "scheduler_lease_taken" in a.log() + b.log(), what="a lease holder")
    victim = a if "scheduler_lease_taken" in a.log() else b
    other = b if victim is a else a
    victim_node = node_of(victim, db)
    bid = broadcast(api[other])
    assert api[other].post(f"/broadcasts/{bid}/send").status in (200, 202)

    def held_by_victim():
        """The victim's messages whose answers the fake holds: 'sending' at
        the kill, whatever the timing."""
        held = fake.held()
        if not held:
            return set()
        return {r[0] for r in psql(f"SELECT phone FROM messages WHERE broadcast_id = {bid}"
                                   f" AND status = 'sending' AND claimed_by = {victim_node}"
                                   " AND phone IN (" + ", ".join(f"'{ph}'" for ph in held)
                                   + ")", db)}
    wait_until(lambda: fake.accepted_total() >= n // 5, timeout=60, interval=0.02,
               what="a fifth of the broadcast taken")
    fake.hold(True)  # the requests now under way stay so until the kill
    try:
        in_flight = wait_until(held_by_victim, timeout=HOLD_MAX_S / 2, interval=0.02,
                               what="a request of the victim held")
        victim.kill()
    finally:
        fake.hold(False)
    at_kill = fake.accepted_total()
    assert at_kill < n, "the broadcast ended before the kill: nothing tested"
    other.wait_log(r"event=scheduler_lease_taken\b", timeout=15)
    g = wait_finished(api[other], bid, "the broadcast finished by the surviving node")
    p = g["progress"]
    assert p["total"] == n and p["sent"] == n, g
    counts = fake.accepted_counts()
    assert set(counts) == phones, "a recipient got nothing"
    again = {r[0] for r in psql(f"SELECT phone FROM messages WHERE broadcast_id = {bid}"
                                " AND resend_after_crash = 1", db)}
    twice = {ph for ph, c in counts.items() if c > 1}
    assert all(counts[ph] == 2 for ph in twice), "a recipient got more than two copies"
    # What the provider took from the victim as it died goes again: twice.
    assert in_flight <= again and in_flight <= twice, (len(in_flight), len(again), len(twice))
    assert twice <= again, (f"copies of {len(twice - again)} messages not in flight at the"
                            f" kill (of {len(twice)}; {len(again)} queued again):\n"
                            + "\n".join(other.lines[-30:]))
    # Those queued again were sent by the survivor, and were no more than the
    # victim's sender holds at once: its requests in flight, each a bulk one.
    senders = {int(r[0]) for r in psql("SELECT DISTINCT claimed_by FROM messages"
                                       f" WHERE broadcast_id = {bid}"
                                       " AND resend_after_crash = 1", db)}
    assert senders <= {node_of(other, db)}, senders
    assert len(again) <= KILL_CONCURRENCY * AT_BATCH, len(again)
    assert other.proc.poll() is None
    assert not db_errors(other), db_errors(other)


def test_a_scheduled_broadcast_starts_once(daemons, pg_database, fake, tmp_path):
    conninfo, db = pg_database
    a, b, api = two_nodes(daemons, tmp_path, conninfo, fake)
    phones = many_members(db, 20)
    bid = broadcast(api[a], phones)
    at = int(time.time()) + 4
    r = api[b].post(f"/broadcasts/{bid}/schedule", {"at": at})
    assert r.status == 200 and r.json()["status"] == "scheduled", r
    g = wait_finished(api[a], bid, "the scheduled broadcast sent")
    assert g["progress"]["sent"] == 20 and g["started_at"] >= at, g
    time.sleep(2.5)  # both nodes' schedulers have ticked again since
    assert fake.accepted_counts() == {ph: 1 for ph in phones}
    assert actions(db, bid) == ["broadcast.create", "broadcast.schedule", "broadcast.send"]
    assert psql("SELECT who FROM audit_log WHERE action = 'broadcast.send'"
                f" AND object_id = '{bid}'", db) == [["scheduler"]]
    # Started once, by the scheduler's lease holder.
    holder = a if "scheduler_lease_taken" in a.log() else b
    assert len(started_lines(holder, bid)) == 1 and not started_lines(
        b if holder is a else a, bid), (a.log()[-2000:], b.log()[-2000:])
    assert not db_errors(a) + db_errors(b), db_errors(a) + db_errors(b)


def test_stop_on_one_node_holds_on_the_other(daemons, pg_database, fake, tmp_path):
    conninfo, db = pg_database
    a, b, api = two_nodes(daemons, tmp_path, conninfo, fake)
    phones = many_members(db, 5)
    quitter = min(phones)
    r = fake.sms(a.public_port, quitter, "STOP")
    assert r.status == 200, r
    assert psql(f"SELECT opted_out_at IS NOT NULL FROM members WHERE phone = '{quitter}'",
                db) == [["t"]]
    fake.wait_accepted([quitter], 15)  # the confirmation: the last message it gets
    bid = broadcast(api[b])
    assert api[b].post(f"/broadcasts/{bid}/send").status == 200
    g = wait_finished(api[b], bid, "the broadcast sent")
    assert g["progress"]["total"] == 4 and g["progress"]["sent"] == 4, g
    time.sleep(1)  # a late send to the quitter would show now
    counts = fake.accepted_counts()
    assert counts == collections.Counter({ph: 1 for ph in phones}), counts
    assert psql(f"SELECT kind FROM messages WHERE phone = '{quitter}' AND direction = 'out'",
                db) == [["stop_confirmation"]]
    assert not db_errors(a) + db_errors(b), db_errors(a) + db_errors(b)
