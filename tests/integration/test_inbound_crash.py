"""test_inbound_crash.py -- an inbound SMS answered 200 is on disk, whatever
happens next. Many webhooks at once share group commits (store/db.c,
db_group_write): taawund is SIGKILLed at a random moment while 16 clients post
SMS as fast as it answers them and restarted on the same database, three
times; every SMS that had been answered 200 must be there, each once. An SMS acknowledged
before its group had committed would be missing.
Bounded: a few seconds of traffic per round.
"""

import http.client
import random
import threading
import urllib.parse

from conftest import FORM_CT, new_phone, query

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
