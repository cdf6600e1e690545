"""test_migrate_store.py -- `taawund migrate-store` (issue 13): a programme
run on SQLite (members registered by USSD, a broadcast sent, an opt-out by
STOP, a grant with its reference, a staff account and an API token, the
audit rows they left) copied into a fresh PostgreSQL database on the test
cluster (TAAWUN_TEST_PG); every table's rows read back equal, the counts the
triggers keep equal, and a daemon on PostgreSQL carries on: the same
members, the grant's reference by USSD, nothing for the member who sent
STOP, the token and the password still good, new rows with new ids. Then
the refusals: a daemon still running, a target not empty, a configuration
not on PostgreSQL, a file that is not taawun's or not at this build's
schema, and a row PostgreSQL refuses, which leaves the target empty."""

import sqlite3
import urllib.parse
import uuid

import pytest

from conftest import (DELETE, FORM_CT, PgDatabase, Ussd, msg, new_phone, query, run_taawund,
                      wait_until)
from test_admin_api import Api, make_token
from test_postgresql import PG, pg_database, pg_overrides, psql  # noqa: F401 (the fixture)
from test_proxy_throttle import PASSWORD, login, make_user
from test_ussd_registration import fast_register

pytestmark = pytest.mark.skipif(not PG, reason="PostgreSQL: TAAWUN_TEST_PG not set")

IN_USE, REFUSED = 3, 4  # cmd/migrate_store.h


def sqlite_config(daemons, tmp_path, name="sqlite.conf"):
    """A configuration on an SQLite file of its own, whatever engine the
    run's other tests use."""
    folder = tmp_path / "sqlite"
    folder.mkdir(exist_ok=True)
    path = folder / "taawun.db"
    return daemons.config({"database.engine": "sqlite", "database.path": str(path),
                           "database.conninfo": DELETE}, name=name), path


def migrate(conf, source):
    return run_taawund("migrate-store", "--from", str(source), "-c", str(conf))


def sms(d, phone, text):
    """An SMS from phone to the sandbox's webhook."""
    fields = {"from": phone, "to": "12345", "date": "2026-03-01 10:00:00",
              "id": "ATXid_" + uuid.uuid4().hex, "linkId": "l", "networkCode": "60401",
              "text": text}
    r = d.post("/hooks/sandbox/sms", urllib.parse.urlencode(fields), FORM_CT)
    assert r.status == 200, r


def broadcast(api, name, phones):
    """A broadcast to phones, sent: its id and how many it reached, once
    finished."""
    r = api.post("/broadcasts", {"name": name, "texts": {"fr": f"Taawun: {name}.",
                                                         "ar": f"تعاون: {name}."},
                                 "audience": {"phones": phones}})
    assert r.status == 201, r
    bid = r.json()["id"]
    r = api.post(f"/broadcasts/{bid}/send")
    assert r.status in (200, 202), r
    wait_until(lambda: api.get(f"/broadcasts/{bid}").json()["finished"], timeout=20,
               what=f"broadcast {name} finished")
    return bid, api.get(f"/broadcasts/{bid}").json()["recipients"]


def reached(db, bid):
    """The phones a broadcast's messages went to (none suppressed)."""
    return sorted(r["phone"] for r in query(db, "SELECT phone FROM messages WHERE"
                                                " broadcast_id = ? AND status <> 'suppressed'",
                                            (bid,)))


def copied_tables(path):
    """The SQLite file's tables that a copy carries: all but SQLite's own,
    virtual tables and their shadow tables."""
    rows = query(path, "SELECT name, sql FROM sqlite_schema WHERE type = 'table'"
                       " AND name NOT LIKE 'sqlite_%'")
    virtual = [r["name"] for r in rows if r["sql"].startswith("CREATE VIRTUAL TABLE")]
    return sorted(r["name"] for r in rows
                  if not any(r["name"] == v or r["name"].startswith(v + "_") for v in virtual))


def copy_file(source, copy):
    """source copied through SQLite's backup API (its WAL too)."""
    with sqlite3.connect(source) as a, sqlite3.connect(copy) as b:
        a.backup(b)


def rows_of(db, table, columns, order):
    """The rows, a bytea read from PostgreSQL as the bytes SQLite gives."""
    return [tuple(bytes(v) if isinstance(v, memoryview) else v for v in r.values())
            for r in query(db, f"SELECT {columns} FROM {table} ORDER BY {order}")]


def test_a_programme_moves_to_postgresql(daemons, pg_database, tmp_path):
    conninfo, dbname = pg_database
    target = PgDatabase(conninfo)
    sq_conf, source = sqlite_config(daemons, tmp_path)
    token = make_token(sq_conf, "mover", "admin")
    make_user(sq_conf, "amina", "admin")
    d = daemons.start(config=sq_conf)
    api = Api(d, token)

    # Two members registered by USSD; the second sends STOP.
    reader, stopper = Ussd(d), Ussd(d)
    fast_register(reader)
    fast_register(stopper)
    sms(d, stopper.phone, "STOP")
    wait_until(lambda: query(source, "SELECT opted_out_at FROM members WHERE phone = ?",
                             (stopper.phone,))[0]["opted_out_at"], what="the opt-out stored")
    # A registration by SMS left half-way: its state is a blob.
    sms(d, new_phone(), "inscription")
    reader_id = query(source, "SELECT id FROM members WHERE phone = ?", (reader.phone,))[0]["id"]
    # A grant with its reference, and a broadcast to both (the opted-out
    # member's message suppressed).
    r = api.post("/grants", {"member_id": reader_id, "programme": "migration",
                             "amount_mad": 1500, "status": "submitted"})
    assert r.status == 201, r
    reference = r.json()["reference"]
    bid, recipients = broadcast(api, "avant", [reader.phone, stopper.phone])
    assert recipients == 1 and reached(source, bid) == [reader.phone]
    wait_until(lambda: query(source, "SELECT count(*) AS n FROM messages WHERE status IN"
                                     " ('queued', 'sending')")[0]["n"] == 0,
               what="the outbox settled")

    # Refused while the daemon runs: the file is its.
    pg_conf = daemons.config(pg_overrides(conninfo), name="pg.conf")
    r = migrate(pg_conf, source)
    assert r.returncode == IN_USE and "stop it first" in r.stderr, r
    assert psql("SELECT count(*) FROM pg_tables WHERE tablename = 'members'", dbname) == [["0"]]
    assert d.stop() == 0

    r = migrate(pg_conf, source)
    assert r.returncode == 0, r
    assert "copied" in r.stdout and "checked" in r.stdout, r.stdout
    assert any(line.split()[:1] == ["members"] for line in r.stdout.splitlines()), r.stdout

    # Every table's rows, and the counts kept by triggers, as the source's.
    tables = copied_tables(source)
    assert {"members", "messages", "audit_log", "message_counts", "staff_tokens"} <= set(tables)
    for t in tables:
        n = query(source, f"SELECT count(*) AS n FROM {t}")[0]["n"]
        assert query(target, f"SELECT count(*) AS n FROM {t}")[0]["n"] == n, t
    assert query(source, "SELECT count(*) AS n FROM audit_log")[0]["n"] >= 3
    for table, columns, order in [
            ("message_counts", "hour, channel, status, taken, n, segments",
             "hour, channel, status, taken"),
            ("broadcast_counts", "broadcast_id, status, n, segments", "broadcast_id, status"),
            ("member_counts", "province, sector, gender, birth_year, n",
             "province, sector, gender, birth_year"),
            ("message_costs", "hour, channel, messages, segments", "hour, channel"),
            ("members", "id, phone, name, opted_out_at, consent_at, registered_by", "id"),
            ("messages", "id, phone, kind, status, provider_id, broadcast_id, member_id", "id"),
            ("grants", "id, reference, member_id, amount_mad", "id"),
            ("audit_log", "id, at, who, action, object_type, object_id", "id"),
            ("staff_tokens", "id, name, role, token_hash", "id"),
            ("staff_users", "id, name, role, password_hash", "id"),
            ("sms_conversations", "phone, flow, step, state", "phone")]:
        assert rows_of(target, table, columns, order) == rows_of(source, table, columns, order), \
            table
    assert query(target, "SELECT count(*) AS n FROM message_counts")[0]["n"] > 0
    assert query(target, "SELECT count(*) AS n FROM sms_conversations")[0]["n"] == 1

    # A daemon on PostgreSQL carries on.
    max_member = query(source, "SELECT max(id) AS m FROM members")[0]["m"]
    max_message = query(source, "SELECT max(id) AS m FROM messages")[0]["m"]
    d = daemons.start(config=pg_conf)
    api = Api(d, token)
    assert api.get("/members").status == 200  # the token, by its hash
    assert login(d, "amina", PASSWORD).status == 200  # the password, by its hash
    u = Ussd(d, phone=reader.phone)
    assert u.dial().con
    s = u.send("1")
    assert s.con and s.text.startswith(msg("fr", "grants_title")) and reference in s.text, s
    newcomer = Ussd(d)
    fast_register(newcomer)
    new_id = query(target, "SELECT id FROM members WHERE phone = ?", (newcomer.phone,))[0]["id"]
    assert new_id > max_member
    bid, recipients = broadcast(api, "apres", [reader.phone, stopper.phone])
    assert recipients == 1 and reached(target, bid) == [reader.phone]
    assert query(target, "SELECT min(id) AS m FROM messages WHERE broadcast_id = ?",
                 (bid,))[0]["m"] > max_message

    # Once it holds rows, the target is refused.
    r = migrate(pg_conf, source)
    assert r.returncode == REFUSED and "not empty" in r.stderr, r


def test_refusals(daemons, pg_database, tmp_path):
    conninfo, dbname = pg_database
    pg_conf = daemons.config(pg_overrides(conninfo), name="pg.conf")
    sq_conf, source = sqlite_config(daemons, tmp_path)
    d = daemons.start(config=sq_conf)
    fast_register(Ussd(d))
    assert d.stop() == 0

    # The configuration must name a PostgreSQL database.
    r = migrate(sq_conf, source)
    assert r.returncode == REFUSED and "does not name a PostgreSQL database" in r.stderr, r
    # A file that is not there, not SQLite, or SQLite but not taawun's.
    r = migrate(pg_conf, tmp_path / "absent.db")
    assert r.returncode == REFUSED and "is not a file" in r.stderr, r
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all\n" * 100)
    r = migrate(pg_conf, junk)
    assert r.returncode == REFUSED and "cannot be opened as an SQLite database" in r.stderr, r
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as c:
        c.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    r = migrate(pg_conf, other)
    assert r.returncode == REFUSED and "not a taawun database" in r.stderr, r
    # A schema older or newer than this build's: the file is never changed.
    version = query(source, "PRAGMA user_version")[0]["user_version"]
    for delta, words in [(-1, "start this build's taawund on it once"),
                         (1, "of the build that wrote it")]:
        copy = tmp_path / f"version{delta}.db"
        copy_file(source, copy)
        with sqlite3.connect(copy) as c:
            c.execute(f"PRAGMA user_version = {version + delta}")
        r = migrate(pg_conf, copy)
        assert r.returncode == REFUSED and words in r.stderr, r
        assert query(copy, "PRAGMA user_version")[0]["user_version"] == version + delta

    # A value PostgreSQL refuses (text in an integer column, which SQLite
    # keeps): the copy fails and nothing of it stays, the tables copied
    # before it neither.
    bad = tmp_path / "bad.db"
    copy_file(source, bad)
    with sqlite3.connect(bad) as c:
        c.execute("UPDATE members SET birth_year = 'nineteen' WHERE id = (SELECT max(id)"
                  " FROM members)")
    r = migrate(pg_conf, bad)
    assert r.returncode == 1 and "nothing was committed" in r.stderr and "nineteen" in r.stderr, r
    assert psql("SELECT (SELECT count(*) FROM cooperatives) + (SELECT count(*) FROM members)",
                dbname) == [["0"]]
    # The good file then goes in.
    r = migrate(pg_conf, source)
    assert r.returncode == 0, r
    assert psql("SELECT count(*) FROM members", dbname) == \
        [[str(query(source, "SELECT count(*) AS n FROM members")[0]["n"])]]
