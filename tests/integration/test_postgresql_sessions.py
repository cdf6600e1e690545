"""test_postgresql_sessions.py -- USSD sessions shared by two taawund nodes
on one PostgreSQL database (issue 13): Africa's Talking puts the session's
id in the body, so a load balancer cannot keep a session on one node and
any step may land on either. A registration whose steps alternate between
the nodes completes, and the member is stored once; a retransmitted step
sent to the other node, after the first or at the same moment, gets the
same answer and is applied once; a session idle past the ttl starts over
(its inputs replayed up to the step that would write). Both nodes count
the same live sessions (/metrics), and the cap (ussd.max_sessions) holds
over both: a session under way on one refuses a new one on the other, an
ended one gives way. The helpers are test_postgresql's."""

import threading
import time

from conftest import FORM_CT, Ussd, http_request, msg, parse_screen, ussd_form
from test_postgresql import pg_database, pg_overrides, psql, pytestmark  # noqa: F401
STEPS = ("2", "1", "Amina Test", "2001", "2", "1", "1", "1990", "1")  # to the confirmation


def two_nodes(daemons, conninfo, **overrides):
    conf = dict(pg_overrides(conninfo), **overrides)
    return daemons.start(conf), daemons.start(conf)


def members_of(name, phone):
    return psql(f"SELECT name, birth_year FROM members WHERE phone = '{phone}'", name)


def receipts_of(name, phone):
    return psql(f"SELECT count(*) FROM messages WHERE phone = '{phone}' AND kind = 'receipt'",
                name)[0][0]


def step_to(d, u):
    """u's current text sent to node d (u's inputs unchanged): (kind, text)."""
    s = parse_screen(d.post("/hooks/sandbox/ussd", ussd_form(u.session_id, u.phone, u.text),
                            FORM_CT))
    return s.kind, s.text


def live_sessions(d):
    """taawun_ussd_sessions_live as d's /metrics says it."""
    r = http_request(d.admin_port, "GET", "/metrics")
    assert r.status == 200, r
    for line in r.body.decode("utf-8").splitlines():
        if line.startswith("taawun_ussd_sessions_live "):
            return int(float(line.split()[1]))
    raise AssertionError("no taawun_ussd_sessions_live in /metrics")


def test_steps_alternating_between_nodes_register_once(daemons, pg_database):
    conninfo, name = pg_database
    a, b = two_nodes(daemons, conninfo)
    u = Ussd(a)
    assert u.dial().con
    for i, step in enumerate(STEPS):
        u.daemon = b if i % 2 == 0 else a
        s = u.send(step)
        assert s.con, (i, step, s)
    # The confirmation on the node that did not show it: a node without
    # the session would replay the inputs and stop before the write.
    u.daemon = b if len(STEPS) % 2 == 0 else a
    end = u.send("1")
    assert end.end, end
    assert members_of(name, u.phone) == [["Amina Test", "1990"]]
    assert receipts_of(name, u.phone) == "1"
    # The session's row: ended, kept for late copies until it expires.
    rows = psql(f"SELECT closed FROM ussd_sessions WHERE key LIKE '%{u.session_id}'", name)
    assert rows == [["1"]], rows
    # Both nodes see the same live sessions (one node's table would not).
    other = Ussd(b)
    assert other.dial().con
    assert live_sessions(a) == live_sessions(b) == 2


def test_a_retransmission_to_the_other_node_is_answered_alike_and_applied_once(daemons,
                                                                              pg_database):
    conninfo, name = pg_database
    a, b = two_nodes(daemons, conninfo)
    u = Ussd(a)
    u.dial()
    for step in STEPS:
        assert u.send(step).con
    # A step retransmitted to the other node: the answer kept, not a new step.
    last = u.screens[-1]
    assert step_to(b, u) == (last.kind, last.text)
    # The confirmation to both nodes at the same moment: one runs, the other
    # waits for the session's lock and gets the answer it gave.
    u.inputs.append("1")
    answers = {}

    def send(node):
        answers[node] = step_to(node, u)
    threads = [threading.Thread(target=send, args=(d,)) for d in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert answers[a][0] == "END" and answers[a] == answers[b], answers
    # Once more, later, to each node: the same END again.
    for d in (b, a):
        assert step_to(d, u) == answers[a]
    assert members_of(name, u.phone) == [["Amina Test", "1990"]]
    assert receipts_of(name, u.phone) == "1"


def test_a_session_idle_past_the_ttl_starts_over(daemons, pg_database):
    conninfo, name = pg_database
    a, b = two_nodes(daemons, conninfo, **{"ussd.session_ttl_s": 1})
    u = Ussd(a)
    u.dial()
    for step in STEPS:
        assert u.send(step).con
    confirm = u.screens[-1]
    time.sleep(2.5)  # outlive the 1 s session TTL (time passing, not a readiness wait)
    # The confirmation, on the other node, after the ttl: no session, so a
    # new one replays the inputs and stops before the write, on the
    # confirmation again; nothing stored.
    u.daemon = b
    s = u.send("1")
    assert s.con and s.text == confirm.text, (s, confirm)
    assert members_of(name, u.phone) == []
    # The new session goes on from there, on the first node.
    u.daemon = a
    end = u.send("1")
    assert end.end, end
    assert members_of(name, u.phone) == [["Amina Test", "1990"]]
    # Expired rows leave the table (each node purges them once a second).
    time.sleep(2.5)
    assert psql("SELECT count(*) FROM ussd_sessions", name) == [["0"]]
    assert live_sessions(a) == live_sessions(b) == 0


def test_the_cap_counts_the_sessions_of_both_nodes(daemons, pg_database):
    conninfo, _ = pg_database
    a, b = two_nodes(daemons, conninfo, **{"ussd.max_sessions": 1})
    first = Ussd(a)
    assert first.dial().con
    refused = Ussd(b).dial()
    assert refused.end and any(refused.text == msg(lang, "busy") for lang in ("ar", "fr", "en")), \
        refused
    # The first session ends (registered): kept for late copies, it gives
    # way to a new one on the other node.
    for step in STEPS:
        assert first.send(step).con
    assert first.send("1").end
    assert Ussd(b).dial().con
