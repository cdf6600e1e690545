"""test_inbound_crash.py -- an inbound SMS answered 200 is on disk, whatever
happens next. Many webhooks at once share group commits (store/db_group.c;
their connections parked meanwhile, http/later.c):

- taawund is SIGKILLed at a random moment while 16 clients post SMS as fast as
  it answers them and restarted on the same database, three times; every SMS
  that had been answered 200 must be there, each once. An SMS acknowledged
  before its group had committed would be missing.
- A SIGKILL keeps what reached the kernel, synced or not, so that test cannot
  see an SMS acknowledged after its write but before its fsync. The second
  test stops the disk instead: an LD_PRELOAD shim (fsync_hold.c, built by
  `make build-tests`; conftest's preload_fsync_hold) holds every fsync once a
  file exists; from then on no SMS posted may be answered 200, since none can
  be on disk. On PostgreSQL the test holds the daemons' write lock instead
  (conftest's CommitHold): no commit can end either.
Bounded: a few seconds of traffic per round.
"""

import http.client
import random
import signal
import threading
import time
import urllib.parse

from conftest import FORM_CT, CommitHold, new_phone, query

CLIENTS = 16
KILL_AFTER = (200, 600)  # SMS answered 200 before a kill, drawn at random
ROUNDS = 3               # kills, each followed by a restart on the same database
TRAFFIC_TIMEOUT_S = 60.0


def sms_form(phone, provider_id):
    return urllib.parse.urlencode({"from": phone, "to": "12345", "text": "aide",
                                   "date": "2026-03-01 10:00:00", "id": provider_id,
                                   "linkId": provider_id, "networkCode": "60401"})


def traffic_until_killed(d):
    """CLIENTS clients post SMS (one at a time each) until d is SIGKILLed, a random
    number of answers in; returns the provider ids answered 200."""
    port = d.public_port
    phones = [new_phone() for _ in range(CLIENTS)]
    answered, refused, lock = [], [], threading.Lock()
    kill_at = random.randint(*KILL_AFTER)
    reached, killed = threading.Event(), threading.Event()
    tag = random.getrandbits(32)

    def client(n):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            for i in range(100_000):
                if killed.is_set():
                    return
                provider_id = f"kill-{tag}-{n}-{i}"
                try:
                    conn.request("POST", "/hooks/sandbox/sms", sms_form(phones[n], provider_id),
                                 FORM_CT)
                    r = conn.getresponse()
                    r.read()
                except (OSError, http.client.HTTPException):
                    return  # the daemon is gone: this SMS was never answered
                with lock:
                    if r.status != 200:
                        refused.append((provider_id, r.status))
                        reached.set()  # nothing to wait for
                        return
                    answered.append(provider_id)
                    if len(answered) >= kill_at:
                        reached.set()
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    try:
        assert reached.wait(TRAFFIC_TIMEOUT_S), f"only {len(answered)} SMS answered"
        assert not refused, refused
        d.proc.kill()  # SIGKILL while the clients keep posting
    finally:
        killed.set()
        for t in threads:
            t.join(15)
    d.kill()  # reap
    with lock:
        assert len(answered) >= kill_at
        return list(answered)


def test_sigkill_during_concurrent_inbound_keeps_every_answered_sms(daemons):
    d = daemons.start()
    acked = []
    for _ in range(ROUNDS):  # each round restarts on the database the last one left
        acked += traffic_until_killed(d)
        d = daemons.start(config=d.config)
    stored = [r["provider_id"] for r in query(
        d, "SELECT provider_id FROM messages WHERE direction = 'in' AND provider_id LIKE 'kill-%'")]
    assert len(stored) == len(set(stored)), "an SMS stored twice"
    missing = sorted(set(acked) - set(stored))
    assert not missing, f"{len(missing)} of {len(acked)} SMS answered 200 are lost: {missing[:10]}"
    # In flight at a kill: stored or not, never answered; nothing else is there.
    assert len(stored) - len(acked) <= ROUNDS * CLIENTS, (len(stored), len(acked))


HOLD_AFTER = (100, 300)  # SMS answered 200 before the disk stops acknowledging, at random
HELD_S = 2.0             # how long the syncs are held (and answers watched) before the kill
PROBES = 4               # SMS posted on new connections once the syncs are held


def traffic_until_disk_held(d, hold):
    """CLIENTS clients post SMS until a random number are answered 200; then
    every commit is held (hold, a CommitHold) for HELD_S, and d is SIGKILLed.
    Returns (answers [(provider_id, sent_at, status)], requests sent after
    the hold, the moment it began)."""
    port = d.public_port
    phones = [new_phone() for _ in range(CLIENTS)]
    answers, sent_after, lock = [], [], threading.Lock()
    hold_at = random.randint(*HOLD_AFTER)
    reached, stop = threading.Event(), threading.Event()
    held_since = [None]
    tag = random.getrandbits(32)

    def client(n):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=HELD_S + 10)
        try:
            for i in range(100_000):
                if stop.is_set():
                    return
                provider_id = f"hold-{tag}-{n}-{i}"
                sent_at = time.monotonic()
                with lock:
                    if held_since[0] is not None and sent_at > held_since[0]:
                        sent_after.append(provider_id)
                try:
                    conn.request("POST", "/hooks/sandbox/sms", sms_form(phones[n], provider_id),
                                 FORM_CT)
                    r = conn.getresponse()
                    r.read()
                except (OSError, http.client.HTTPException):
                    return  # killed: this SMS was never answered
                with lock:
                    answers.append((provider_id, sent_at, r.status))
                    if sum(1 for a in answers if a[2] == 200) >= hold_at:
                        reached.set()
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for t in threads:
        t.start()
    try:
        assert reached.wait(TRAFFIC_TIMEOUT_S), f"only {len(answers)} SMS answered"
        hold.hold(d)
        with lock:
            held_since[0] = time.monotonic()  # once held: later sends cannot commit
        hold.wait_held()
        # A few SMS surely posted after the hold, whatever the clients were doing.
        probes = [threading.Thread(target=client, args=(CLIENTS + n,)) for n in range(PROBES)]
        phones += [new_phone() for _ in range(PROBES)]
        for t in probes:
            t.start()
        threads += probes
        time.sleep(HELD_S)
        d.proc.kill()
    finally:
        stop.set()
        for t in threads:
            t.join(HELD_S + 15)
        hold.release()
    d.kill()  # reap
    with lock:
        return list(answers), list(sent_after), held_since[0]


def test_no_sms_answered_while_the_disk_holds_its_fsync(daemons, tmp_path, monkeypatch):
    """SQLite: every fsync held; PostgreSQL: the daemons' write lock held by
    the test. Either way no SMS posted meanwhile can be committed."""
    hold = CommitHold(monkeypatch, tmp_path)
    d = daemons.start(hold.overrides)
    for name in ("LD_PRELOAD", "TAAWUN_TEST_FSYNC_HOLD"):
        monkeypatch.delenv(name, raising=False)  # the restart below runs on a disk as it is
    answers, sent_after, held_since = traffic_until_disk_held(d, hold)
    refused = [(p, s) for p, _, s in answers if s != 200]
    assert not refused, refused
    early = [p for p, sent_at, s in answers if sent_at > held_since]
    assert not early, (f"{len(early)} SMS posted while every fsync was held were answered 200 "
                       f"(before they could be on disk): {early[:10]}")
    assert len(sent_after) >= PROBES, \
        f"only {len(sent_after)} SMS posted while the disk was held: nothing was tested"
    # And what was answered before is there after a restart.
    d = daemons.start(config=d.config)
    stored = {r["provider_id"] for r in query(
        d, "SELECT provider_id FROM messages WHERE direction = 'in' AND provider_id LIKE 'hold-%'")}
    missing = sorted({p for p, _, _ in answers} - stored)
    assert not missing, f"{len(missing)} SMS answered 200 are lost: {missing[:10]}"


PARKED = 8         # SMS waiting for a held fsync when SIGTERM comes
STOP_GRACE_S = 10  # main.c's STOP_GRACE_MS: requests in progress may finish this long


def test_sigterm_answers_503_to_every_sms_waiting_for_its_commit(daemons, tmp_path, monkeypatch):
    """SMS whose commit cannot end (SQLite: every fsync held; PostgreSQL:
    the daemons' write lock held by the test) wait with their connections
    parked; a SIGTERM answers each 503 once the grace is over (the provider
    retries; none is answered 200, none hangs), and the daemon stops once
    its commit can end again."""
    hold = CommitHold(monkeypatch, tmp_path)
    d = daemons.start(hold.overrides)
    assert d.post("/hooks/sandbox/sms", sms_form(new_phone(), "before-hold"), FORM_CT).status == 200
    hold.hold(d)
    statuses, sent, lock = [], threading.Semaphore(0), threading.Lock()

    def post(n):
        conn = http.client.HTTPConnection("127.0.0.1", d.public_port,
                                          timeout=STOP_GRACE_S + 20)
        try:
            conn.request("POST", "/hooks/sandbox/sms", sms_form(new_phone(), f"parked-{n}"),
                         FORM_CT)
            sent.release()
            r = conn.getresponse()
            r.read()
            with lock:
                statuses.append((r.status, r.getheader("Retry-After")))
        except (OSError, http.client.HTTPException) as e:
            with lock:
                statuses.append((repr(e), None))
        finally:
            conn.close()

    threads = [threading.Thread(target=post, args=(n,)) for n in range(PARKED)]
    for t in threads:
        t.start()
    for _ in range(PARKED):
        assert sent.acquire(timeout=10)
    hold.wait_held()
    time.sleep(0.5)  # every request read and parked
    with lock:
        assert statuses == [], statuses  # nothing answered while its commit waits
    d.signal(signal.SIGTERM)
    for t in threads:
        t.join(STOP_GRACE_S + 15)
    try:
        assert not any(t.is_alive() for t in threads), "a parked SMS was never answered"
        assert statuses == [(503, "1")] * PARKED, statuses
    finally:
        hold.release()  # the committer's held commit ends: the daemon can stop
    assert d.stop() == 0
