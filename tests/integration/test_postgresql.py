"""test_postgresql.py -- taawund on the PostgreSQL engine (issue 13), on the
test run's throw-away cluster (TAAWUN_TEST_PG, started by
contrib/run-tests.sh): the settings checked (`taawund -n` connects and says
what it found; a password in the connection string, a missing one and an
unreachable database refused), the schema and demo data made on first
start, a member's USSD registration stored there, and what stays SQLite's
own (`taawund backup`) refused with the way to do it."""

import os
import time
import subprocess
import uuid

import pytest

from conftest import DELETE, Ussd, run_taawund, wait_until

PG = os.environ.get("TAAWUN_TEST_PG")
pytestmark = pytest.mark.skipif(not PG, reason="PostgreSQL: TAAWUN_TEST_PG not set")


def psql(sql, dbname="postgres"):
    """Run sql with psql on the cluster (dbname overriding the conninfo's);
    return its rows as lists of strings."""
    out = subprocess.run(["psql", "-X", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1",
                          "-c", sql, f"{PG} dbname={dbname}"],
                         capture_output=True, text=True, timeout=30, check=True)
    return [line.split("\t") for line in out.stdout.splitlines() if line]


@pytest.fixture
def pg_database():
    """A new empty database on the cluster: its conninfo; dropped after."""
    name = "taawun_it_" + uuid.uuid4().hex[:12]
    psql(f'CREATE DATABASE "{name}"')
    yield f"{PG} dbname={name}", name
    psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_overrides(conninfo):
    return {"database.engine": "postgresql", "database.conninfo": conninfo,
            "database.path": DELETE}


def test_check_connects_and_says_what_it_found(daemons, pg_database):
    conninfo, _ = pg_database
    r = run_taawund("-n", "-c", daemons.config(pg_overrides(conninfo)))
    assert r.returncode == 0, r.stderr
    assert "configuration OK" in r.stdout
    assert "database OK: PostgreSQL 15." in r.stdout, r.stdout
    assert "schema version 0" in r.stdout, r.stdout


def test_check_refuses_bad_settings(daemons, pg_database):
    conninfo, _ = pg_database
    # A password in the connection string: refused, and never printed.
    r = run_taawund("-n", "-c", daemons.config(pg_overrides(conninfo + " password=s3cr3t-xyz"),
                                              name="password.conf"))
    assert r.returncode == 1
    assert "holds a password" in r.stderr and "passfile" in r.stderr, r.stderr
    assert "s3cr3t-xyz" not in r.stdout + r.stderr
    # postgresql without a connection string; sqlite without a path.
    r = run_taawund("-n", "-c", daemons.config({"database.engine": "postgresql",
                                               "database.conninfo": DELETE},
                                              name="noconninfo.conf"))
    assert r.returncode == 1 and "'database.conninfo' is required" in r.stderr, r.stderr
    r = run_taawund("-n", "-c", daemons.config({"database.engine": "sqlite",
                                               "database.path": DELETE}, name="nopath.conf"))
    assert r.returncode == 1 and "'database.path' is required" in r.stderr, r.stderr
    r = run_taawund("-n", "-c", daemons.config({"database.engine": "oracle"}, name="oracle.conf"))
    assert r.returncode == 1 and "sqlite|postgresql" in r.stderr, r.stderr
    # A database that is not there: the configuration is fine, the check not.
    r = run_taawund("-n", "-c", daemons.config(pg_overrides(f"{PG} dbname=taawun_absent"),
                                              name="absent.conf"))
    assert r.returncode == 1
    assert "configuration OK" in r.stdout
    assert 'database \\"taawun_absent\\" does not exist' in r.stderr, r.stderr


def test_registration_stored_in_postgresql(daemons, pg_database):
    conninfo, name = pg_database
    d = daemons.start(pg_overrides(conninfo))
    # The demo data is there: its first member is greeted by name.
    u = Ussd(d, phone="+212600000001")
    home = u.dial()
    assert home.con and "فاطمة" in home.text, home
    # A new member registers; the row is PostgreSQL's.
    u = Ussd(d)
    assert u.dial().con
    for step in ("2", "1", "Amina Test", "2001", "2", "1", "1", "1990", "1"):
        s = u.send(step)
        assert s.con, (step, s)
    end = u.send("1")
    assert end.end, end
    rows = psql(f"SELECT name, name_folded, language, birth_year, is_test FROM members"
                f" WHERE phone = '{u.phone}'", name)
    assert rows == [["Amina Test", "amina test", "fr", "1990", "0"]], (rows, end, d.log()[-3000:])
    # Its receipt goes through the outbox: queued, claimed, sent, delivered
    # (the sandbox answers as a provider would).
    wait_until(lambda: psql(f"SELECT status FROM messages WHERE phone = '{u.phone}'"
                            " AND kind = 'receipt'", name) == [["delivered"]],
               timeout=15, what="the receipt delivered")
    version = psql("SELECT version FROM schema_version", name)
    assert version and int(version[0][0]) >= 30, version
    # A second start finds the schema and the data: nothing loaded twice.
    d.stop()
    before = psql("SELECT count(*) FROM cooperatives", name)
    daemons.start(pg_overrides(conninfo))
    assert psql("SELECT count(*) FROM cooperatives", name) == before


def test_backup_points_to_postgresqls_tools(daemons, pg_database, tmp_path):
    conninfo, _ = pg_database
    conf = daemons.config(pg_overrides(conninfo))
    r = run_taawund("backup", str(tmp_path / "copy.db"), "-c", conf)
    assert r.returncode == 1
    assert "pg_dump" in r.stderr, r.stderr
    assert not (tmp_path / "copy.db").exists()


def test_retention_archives_and_trims_on_postgresql(daemons, pg_database, test_clock, tmp_path):
    """The retention pass on PostgreSQL: old settled messages go to the
    monthly SQLite archive (times in UTC, test numbers never archived),
    then leave the database; unsettled ones stay; old drafts are trimmed."""
    from datetime import datetime, timezone
    from test_retention import DAY, TEST_PHONE, archive_all
    from conftest import TEST_CLOCK_KEEPS_ROWS
    conninfo, name = pg_database
    if test_clock.path.exists():
        test_clock.path.unlink()  # the scheduler waits until the rows are in
    d = daemons.start({**pg_overrides(conninfo), **{k: DELETE for k in TEST_CLOCK_KEEPS_ROWS}})
    now = int(time.time())
    old = now - 400 * DAY
    rows = [("+212611000001", "delivered", "out", "Réunion jeudi à Berkane"),
            ("+212611000001", "received", "in", "OUI"),
            ("+212611000002", "queued", "out", "pas encore"),
            (TEST_PHONE, "delivered", "out", "test")]
    for phone, status, direction, body in rows:
        channel = "retired" if status == "queued" else "sandbox"
        psql("INSERT INTO messages (channel, direction, phone, kind, body, encoding, segments,"
             f" status, attempts, created_at, updated_at) VALUES ('{channel}', '{direction}',"
             f" '{phone}', 'sms', '{body}', 'gsm7', 1, '{status}', 1, {old}, {old})", name)
    psql("INSERT INTO ussd_drafts (phone, flow, state, updated_at) VALUES"
         f" ('+212611000003', 'register', '\\x00'::bytea, {old})", name)
    test_clock.set(now)
    d.wait_log(r"event=retention_done\b", timeout=60)
    left = psql("SELECT phone, status FROM messages ORDER BY id", name)
    assert left == [["+212611000002", "queued"]], left
    archived, n = archive_all(tmp_path)
    assert n == 2, archived
    bodies = sorted(r["body"] for r in archived.values())
    assert bodies == ["OUI", "Réunion jeudi à Berkane"], bodies
    when = datetime.fromtimestamp(old, timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    assert {r["created_at"] for r in archived.values()} == {when}
    assert psql("SELECT count(*) FROM ussd_drafts", name) == [["0"]]


def node_of(d, name):
    """The node number the daemon d took (its row in nodes, by pid)."""
    rows = psql(f"SELECT id FROM nodes WHERE pid = {d.proc.pid} ORDER BY id DESC LIMIT 1", name)
    assert rows, f"no node row for pid {d.proc.pid}"
    return int(rows[0][0])


def left_sending(name, node, phone):
    """A reply to phone left 'sending' by node (as a node's crash leaves
    it): its id."""
    now = int(time.time())
    return int(psql("INSERT INTO messages (channel, direction, phone, kind, body, encoding,"
                    " segments, status, attempts, sending_since, claimed_by, created_at,"
                    f" updated_at) VALUES ('sandbox', 'out', '{phone}', 'reply', 'Bonjour',"
                    f" 'gsm7', 1, 'sending', 1, {now}, {node}, {now}, {now}) RETURNING id",
                    name)[0][0])


def test_two_nodes_one_scheduler_and_a_dead_nodes_sends_finished(daemons, pg_database):
    """Two nodes on one database: one holds the scheduler's lease; a message
    a dead node left 'sending' is queued again by the holder and delivered
    once more (resend_after_crash); one a live node is sending is left
    alone; SIGKILL the holder and the other takes the lease and finishes
    the dead holder's sends."""
    conninfo, name = pg_database
    a = daemons.start(pg_overrides(conninfo))
    b = daemons.start(pg_overrides(conninfo))
    taken = r"event=scheduler_lease_taken\b"
    wait_until(lambda: "scheduler_lease_taken" in a.log() + b.log(), timeout=10,
               what="a node holding the lease")
    time.sleep(2.5)  # both have ticked: still one holder
    holders = [d for d in (a, b) if "scheduler_lease_taken" in d.log()]
    assert len(holders) == 1, (a.log()[-2000:], b.log()[-2000:])
    holder, other = holders[0], (b if holders[0] is a else a)
    assert "scheduler_lease_elsewhere" in other.log()
    assert len(psql("SELECT id FROM nodes", name)) == 2

    gone = 10_000_000  # a node number no live node holds
    dead_msg = left_sending(name, gone, "+212600000002")
    live_msg = left_sending(name, node_of(other, name), "+212600000002")

    def status(mid):
        return psql(f"SELECT status, resend_after_crash FROM messages WHERE id = {mid}", name)[0]
    wait_until(lambda: status(dead_msg) == ["delivered", "1"], timeout=15,
               what="the dead node's message sent once more")
    time.sleep(2.5)
    assert status(live_msg) == ["sending", "0"], "a live node's send was taken from it"

    # The holder dies: the other takes the lease and finishes its sends.
    holder_node = node_of(holder, name)
    holder.kill()
    orphan = left_sending(name, holder_node, "+212600000002")
    other.wait_log(taken, timeout=15)
    wait_until(lambda: status(orphan) == ["delivered", "1"], timeout=15,
               what="the dead holder's message sent by the other node")
    assert other.proc.poll() is None


def test_two_nodes_block_an_address_together(daemons, pg_database):
    """Failed admin API authentications count on the database the nodes
    share: 10 bad tokens from one address, half to each node, block it on
    both (answered 429), where each node alone would have seen only 5."""
    conninfo, _ = pg_database
    a = daemons.start(pg_overrides(conninfo))
    b = daemons.start(pg_overrides(conninfo))
    bad = {"Authorization": "Bearer " + "0" * 64}
    for i in range(10):
        r = (a if i % 2 else b).get("/api/v1/members", admin=True, headers=bad)
        assert r.status == 401, (i, r.status, r.body)
    for d in (a, b):
        r = d.get("/api/v1/members", admin=True, headers=bad)
        assert r.status == 429, (r.status, r.body)
        assert int(r.headers.get("retry-after", "0")) > 0
