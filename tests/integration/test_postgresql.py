"""test_postgresql.py -- taawund on the PostgreSQL engine (issue 13), on the
test run's throw-away cluster (TAAWUN_TEST_PG, started by
contrib/run-tests.sh): the settings checked (`taawund -n` connects and says
what it found; a password in the connection string, a missing one and an
unreachable database refused), the schema and demo data made on first
start, a member's USSD registration stored there, and what stays SQLite's
own (`taawund backup`) refused with the way to do it."""

import os
import subprocess
import uuid

import pytest

from conftest import DELETE, Ussd, run_taawund

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
    r = run_taawund("-n", "-c", daemons.config({"database.engine": "postgresql"},
                                              name="noconninfo.conf"))
    assert r.returncode == 1 and "'database.conninfo' is required" in r.stderr, r.stderr
    r = run_taawund("-n", "-c", daemons.config({"database.path": DELETE}, name="nopath.conf"))
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
