"""test_broadcast_expand_adaptive.py -- a broadcast expanded in chunks by the
expander's own controller (no fixed span: each chunk's span scaled to the
write hold of the one before, src/app/expander.c) and made to wait for a
long WAL before each chunk (TAAWUN_TEST_EXPAND_WAL_PAGES=1 in taawund-test,
EXPAND_WAL_PAGES in src/core/limits.h) gives every member of the audience
exactly one message and no one else any, over member ids with gaps (deleted
members), members without consent and members of another language spread
across the chunk borders (issue 14, item 3). On PostgreSQL there is no
SQLite WAL to wait for: the same chunks, no waits. Standard library only (plus
pytest)."""

import re
import time

import pytest

from conftest import DELETE, ENGINE, TAAWUND_TEST, connect_db, query, sandbox_channel
from test_admin_api import Api, make_token

MEMBERS = 9000  # the first span is 512 ids, then doubled at most: several chunks


@pytest.fixture
def adaptive(daemons, monkeypatch):
    monkeypatch.delenv("TAAWUN_TEST_EXPAND_SPAN", raising=False)
    monkeypatch.delenv("TAAWUN_TEST_EXPAND_PAUSE_MS", raising=False)
    monkeypatch.setenv("TAAWUN_TEST_EXPAND_WAL_PAGES", "1")
    daemons.binary = TAAWUND_TEST
    return daemons


def add_members(d):
    """MEMBERS members; then every 7th deleted (gaps in the ids), every 11th
    without consent, every 13th Arabic-speaking. Returns the phones the
    French-language broadcast must reach."""
    now = int(time.time())
    phones = ["+2126%08d" % (40000000 + i) for i in range(MEMBERS)]
    with connect_db(d, write=True) as conn:
        conn.executemany(
            "INSERT INTO members (phone, name, language, consent_at, consent_channel,"
            " registered_via, registered_at, created_at, updated_at)"
            " VALUES (?, 'Membre', ?, ?, 'ussd', 'ussd', ?, ?, ?)",
            [(p, "ar" if i % 13 == 0 else "fr", None if i % 11 == 0 else now, now, now, now)
             for i, p in enumerate(phones)])
        conn.executemany("DELETE FROM members WHERE phone = ?",
                         [(p,) for i, p in enumerate(phones) if i % 7 == 0])
    return {p for i, p in enumerate(phones) if i % 7 and i % 11 and i % 13}


def test_adaptive_chunks_waiting_for_the_wal_give_each_recipient_one_message(adaptive):
    conf = adaptive.config({"programme.demo_data": DELETE, "channels": (sandbox_channel(),)})
    api_token = make_token(conf, "staff-x", "staff")
    d = adaptive.start(config=conf)
    api = Api(d, api_token)
    d.wait_log(r"event=test_expander .*wal_pages=1\b", timeout=10)
    want = add_members(d)
    assert len(want) > 5000
    r = api.post("/broadcasts", {"name": "national", "texts": {"ar": "تعاون", "fr": "Taawun"},
                                 "audience": {"languages": ["fr"]}})
    assert r.status == 201, r
    bid = r.json()["id"]
    r = api.post(f"/broadcasts/{bid}/send")
    assert r.status == 200 and r.json()["status"] == "expanding", r
    line = d.wait_log(rf"event=broadcast_expanded id={bid} ", timeout=60)
    fields = dict(re.findall(r"(\w+)=(\S+)", line))
    assert int(fields["chunks"]) >= 3, line  # the span adapted over several chunks
    if ENGINE == "sqlite":
        assert int(fields["wal_waits"]) >= 1, line  # and chunks waited for the WAL
    else:  # PostgreSQL's WAL is the server's: no SQLite WAL hook, nothing to wait for
        assert int(fields["wal_waits"]) == 0, line
    assert float(fields["longest_hold_ms"]) >= float(fields["longest_hold_cpu_ms"]) >= 0
    assert float(fields["longest_hold_runq_ms"]) >= 0  # the wait for a core, Linux
    assert int(fields["messages"]) == len(want), line
    rows = query(d, "SELECT phone, count(*) AS n FROM messages WHERE broadcast_id = ?"
                    " GROUP BY phone", (bid,))
    assert {r["n"] for r in rows} == {1}  # none doubled
    assert {r["phone"] for r in rows} == want  # none lost, no one else
    b = api.get(f"/broadcasts/{bid}").json()
    assert b["recipients"] == len(want)
    assert b["expansion"] == {"queued": len(want), "total": len(want), "done": True}
