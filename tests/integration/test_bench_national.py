"""test_bench_national.py -- the national data set of `make bench SIZE=national`
(tests/bench/national.py) keeps up with the schema: at a small scale it fills a
database taawund's own migrations created, taawund starts on it, a generated
member dials in and gets the member's home menu in the language of the set, and
the staff statistics count the generated messages (through the hourly counts the
generator fills as the migration does). The generated names are folded exactly
as taawund folds them (its own start folds names left unfolded: compared), and
the staff search's words index holds them."""

import json
import sqlite3
import sys
from pathlib import Path

import pytest

from conftest import TAAWUND, Ussd, assert_menu, http_request, query, write_config

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import national  # noqa: E402

# national.py builds SQLite's file by design (shards in files of their own,
# merged by ATTACH, SQLite's pragmas): `make bench` measures SQLite.
pytestmark = pytest.mark.sqlite_only("tests/bench/national.py writes an SQLite file by design")

SCALE = 0.0005  # 500 members, 5,000 messages
FOLD = TAAWUND.parent / "tests" / "bench_fold"  # make build-tests


def generate(daemons):
    """The small set in a database taawund's migrations made: (config, its
    database, an admin token, the generator's counts)."""
    config = daemons.config()
    token = national.create_schema(TAAWUND, config)
    db = config.parent / "taawun.db"
    counts = national.generate(db, FOLD, SCALE, log=lambda *_: None)
    return config, db, token, counts


def fresh_database(tmp_path):
    """A database taawund just made (its migrations, nothing loaded)."""
    (tmp_path / "fresh").mkdir()
    fresh = write_config(tmp_path / "fresh")
    national.create_schema(TAAWUND, fresh)
    return fresh.parent / "taawun.db"


def test_small_national_set_serves_members_and_staff(daemons):
    config, db, token, counts = generate(daemons)
    want = national.sized(SCALE)
    for table in ("cooperatives", "members", "grants", "events", "messages", "broadcasts"):
        assert counts[table] == want[table], (table, counts)

    d = daemons.start(config=config)
    # Member k = 3 of the set: Arabic (k % 20 < 12), a cooperative, consent.
    phone = f"+2126{national.MEMBER_BASE + 3:08d}"
    member = query(d, "SELECT language, name FROM members WHERE phone = ?", (phone,))[0]
    lang = member["language"]
    assert lang == "ar" and member["name"]
    home = Ussd(d, phone=phone).dial()
    assert home.con and member["name"] in home.text, home
    assert_menu(home, lang, ["menu_grants", "menu_events", "menu_idea", "menu_alerts",
                             "menu_profile"])

    r = http_request(d.admin_port, "GET", "/api/v1/stats",
                     headers={"Authorization": f"Bearer {token}"})
    assert r.status == 200, r
    by_status = json.loads(r.body)["messages"]["by_status"]
    stored = {r["status"]: r["n"] for r in query(
        d, "SELECT status, count(*) AS n FROM messages WHERE direction = 'out' GROUP BY 1")}
    assert by_status == stored
    assert sum(stored.values()) == counts["messages"] * 85 // 100
    taken = query(d, "SELECT count(*) AS n, sum(segments) AS s FROM messages"
                     " WHERE direction = 'out' AND provider_id IS NOT NULL")[0]
    assert query(d, "SELECT sum(messages) AS n, sum(segments) AS s FROM message_costs")[0] == taken
    assert query(d, "SELECT sum(n) AS n, sum(segments) AS s FROM message_counts")[0] == query(
        d, "SELECT count(*) AS n, sum(segments) AS s FROM messages WHERE direction = 'out'")[0]
    by_province = json.loads(r.body)["members"]["by_province"]
    assert by_province == {r["p"]: r["n"] for r in query(
        d, "SELECT province AS p, count(*) AS n FROM members WHERE erased_at IS NULL"
           " GROUP BY 1")}


def test_generated_names_are_folded_as_taawund_folds_them(daemons):
    config, db, _, _ = generate(daemons)
    generated = {r["id"]: r["name_folded"] for r in query(
        db, "SELECT id, name_folded FROM members WHERE name IS NOT NULL ORDER BY id")}
    assert len(generated) > 400 and all(generated.values())
    assert any(f != n["name"] for f, n in zip(generated.values(), query(
        db, "SELECT name FROM members WHERE name IS NOT NULL ORDER BY id"))), "nothing folded"
    # The words index holds every generated name.
    benali = query(db, "SELECT count(*) AS n FROM members_name_fts"
                       " WHERE members_name_fts MATCH 'benali'")[0]["n"]
    assert benali == sum(" benali" in f" {v}" for v in generated.values()) > 0
    # taawund folds what has no folded form when it starts: its folding of
    # every name must be the generator's.
    conn = sqlite3.connect(str(db), isolation_level=None)
    try:
        conn.execute("UPDATE members SET name_folded = NULL")
    finally:
        conn.close()
    d = daemons.start(config=config)
    folded = {r["id"]: r["name_folded"] for r in query(
        d, "SELECT id, name_folded FROM members WHERE name IS NOT NULL")}
    assert folded == generated


def _schema(db):
    return sorted((r["type"], r["name"], r["sql"]) for r in query(
        db, "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_stat%'"))


def test_generated_set_keeps_the_daemons_schema_and_every_message(daemons, tmp_path):
    """The generator drops indexes and triggers while loading, keeps some,
    and has a second process make part of the messages in its own file: the
    result has exactly the schema of a database taawund just made (every
    index and trigger back, unique ones included), every message once with
    ids 1..n, no test number, and no file of the second process left behind."""
    _, db, _, _ = generate(daemons)
    fresh_db = fresh_database(tmp_path)
    assert _schema(db) == _schema(fresh_db)
    n = national.sized(SCALE)["messages"]
    assert query(db, "SELECT count(*) AS n, min(id) AS lo, max(id) AS hi FROM messages")[0] == \
        {"n": n, "lo": 1, "hi": n}
    assert query(db, "PRAGMA integrity_check")[0]["integrity_check"] == "ok"
    # Test numbers (+44 7700 900xxx) never reach the generated members or
    # their messages: the counts and the benchmarks take them all as real.
    for table in ("members", "messages"):
        assert query(db, f"SELECT count(*) AS n FROM {table}"
                         " WHERE phone LIKE '+447700900%'")[0]["n"] == 0, table
    assert query(db, "SELECT count(*) AS n FROM members WHERE is_test")[0]["n"] == 0


COUNT_TABLES = ("message_counts", "broadcast_counts", "message_costs", "member_counts")


def test_counts_are_what_the_daemons_triggers_make_of_the_rows(daemons, tmp_path):
    """The generator loads members and messages with the triggers dropped
    and fills the tables they keep in one statement each: every such table
    equals what taawund's own triggers make of the same rows, inserted one
    by one into a database taawund just made (its triggers in place)."""
    _, db, _, _ = generate(daemons)
    fresh_db = fresh_database(tmp_path)
    conn = sqlite3.connect(str(fresh_db), isolation_level=None)
    try:
        conn.execute("ATTACH ? AS gen", (str(db),))
        conn.execute("BEGIN")
        for table in ("members", "messages"):  # through the triggers, row by row
            conn.execute(f"INSERT INTO main.{table} SELECT * FROM gen.{table}")
        conn.execute("COMMIT")
        for table in COUNT_TABLES:
            got = conn.execute(f"SELECT * FROM gen.{table} ORDER BY 1, 2, 3, 4").fetchall()
            want = conn.execute(f"SELECT * FROM main.{table} ORDER BY 1, 2, 3, 4").fetchall()
            assert got and got == want, table
    finally:
        conn.close()
