"""test_operations.py -- the daemon as an operator runs it (issue 11): one
daemon per database, member data readable by taawund's user only, a full
disk that recovers on its own with /healthz telling the truth meanwhile,
repeated warnings collapsed with a count, and `taawund -n` refusing what
the start would refuse.
"""

import errno
import os
import re
import stat
import subprocess
import time
import urllib.parse

import pytest

from conftest import (FORM_CT, TAAWUND, Daemon, Ussd, at_channel, new_phone, parse_log_line,
                      run_taawund, wait_until, write_secret)


def sms_form(phone, text, msg_id):
    return urllib.parse.urlencode({"from": phone, "to": "12345", "text": text, "id": msg_id,
                                   "date": "2026-03-01 10:00:00", "linkId": "l",
                                   "networkCode": "60401"})


def events(daemon, name, start=0):
    return [l for l in daemon.lines[start:] if re.search(rf"\bevent={name}\b", l)]


# ---- finding 9: one daemon per database


@pytest.mark.sqlite_only("one daemon per SQLite file (its lock file); on PostgreSQL daemons"
                         " share a database as nodes (test_postgresql.py)")
def test_second_daemon_on_the_same_database_refused(daemons):
    first = daemons.start()
    second = Daemon(first.config)
    rc = second.proc.wait(10)
    for t in second._readers:
        t.join(5)
    assert rc == 1, second.log()
    line = next(l for l in second.lines if "event=db_in_use" in l)
    assert parse_log_line(line)["pid"] == str(first.proc.pid), line
    assert "event=listening" not in second.log()
    first.assert_alive()
    # The command-line tools still open the database next to the daemon.
    r = subprocess.run([str(TAAWUND), "token", "list", "-c", str(first.config)],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, r.stderr


# ---- finding 10: member data readable by taawund's user only


@pytest.mark.sqlite_only("the modes of SQLite's file, WAL, shm and lock; PostgreSQL's files"
                         " are the server's")
def test_database_files_are_private(daemons, tmp_path):
    (tmp_path / "db").mkdir()
    old = os.umask(0o022)  # what a shell usually has
    try:
        d = daemons.start({"database.path": str(tmp_path / "db" / "taawun.db")})
    finally:
        os.umask(old)
    for i in range(5):
        assert d.post("/hooks/sandbox/sms", sms_form(new_phone(), "aide", f"p-{i}"),
                      FORM_CT).status == 200
    files = sorted((tmp_path / "db").iterdir())
    names = {f.name for f in files}
    assert {"taawun.db", "taawun.db-wal", "taawun.db-shm", "taawun.db.lock"} <= names, names
    for f in files:
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, (f, oct(f.stat().st_mode))


# ---- finding 13: log amplification at the session cap


def test_refused_dials_at_the_session_cap_collapsed(daemons):
    d = daemons.start({"ussd.max_sessions": 1})
    assert Ussd(d).dial().con
    start = len(d.lines)
    for _ in range(200):
        assert Ussd(d).dial().end
    full = events(d, "ussd_sessions_full", start)
    assert 1 <= len(full) <= 2, full  # one per 5 s, not one per dial


# ---- finding 8: a full disk recovers


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MiB tmpfs (CI runs as root), unmounted after the daemon stops."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mnt = tmp_path / "disk"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt)]).returncode:
        pytest.skip("cannot mount a tmpfs here")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)])


def fill(path, limit=None):
    """Write zeros to path until the disk is full (or limit bytes)."""
    chunk = b"\0" * 16384
    written = 0
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while limit is None or written < limit:
            try:
                written += os.write(fd, chunk)
            except OSError as e:
                assert e.errno == errno.ENOSPC, e
                break
    finally:
        os.close(fd)
    return written


@pytest.mark.sqlite_only("a full disk under SQLite's file; PostgreSQL's disk is the server's,"
                         " out of the test's reach")
def test_full_disk_reported_and_recovered(small_disk, daemons):
    d = daemons.start({"database.path": str(small_disk / "taawun.db")})
    sv = os.statvfs(small_disk)
    free = sv.f_bavail * sv.f_frsize
    assert free > 1024 * 1024, free  # the database with its demo data is small
    fill(small_disk / "freeable", min(free - 64 * 1024, 1600 * 1024))
    fill(small_disk / "rest")
    n, statuses = 0, []
    start = len(d.lines)
    t0 = time.monotonic()
    while time.monotonic() - t0 < 3 or not statuses or statuses[-1] == 200:
        assert time.monotonic() - t0 < 30, "the webhook never failed on a full disk"
        n += 1
        statuses.append(d.post("/hooks/sandbox/sms", sms_form(new_phone(), "aide", f"f-{n}"),
                               FORM_CT).status)
    assert statuses[-1] == 503, statuses[-10:]
    assert d.get("/healthz").status == 503
    assert d.get("/healthz", admin=True).status == 503
    # Repeated errors are collapsed: a few lines, not one per request.
    errors = events(d, "db_error", start)
    assert statuses.count(503) > 20 and len(errors) <= 6, (statuses.count(503), errors)

    # Space returns: the daemon recovers without a restart or a request.
    os.unlink(small_disk / "freeable")
    wait_until(lambda: d.get("/healthz").status == 200, timeout=10, what="/healthz 200 again")
    ok = 0
    for i in range(100):
        ok += d.post("/hooks/sandbox/sms", sms_form(new_phone(), "aide", f"r-{i}"),
                     FORM_CT).status == 200
    assert ok >= 95, ok
    assert events(d, "db_checkpoint", start) and events(d, "db_writes_resumed", start)
    assert d.get("/healthz").status == 200


# ---- finding 7: `taawund -n` refuses what the start would refuse


AT_SECRET = "k3y-Of-The-AT-Channel-0123456789"


def at_config(daemons, allow_from, **overrides):
    secret = daemons.tmpdir / "at.secret"
    if not secret.exists():
        write_secret(secret, AT_SECRET, 0o600)
    return daemons.config({"channels": (at_channel("at", secret, allow_from=allow_from),),
                           **overrides})


def assert_refused_alike(config, *mentions):
    """`taawund -n` exits 1 naming the problem, and so does a start."""
    r = run_taawund("-n", "-c", config)
    assert r.returncode == 1 and "configuration OK" not in r.stdout, (r.stdout, r.stderr)
    assert all(m.lower() in r.stderr.lower() for m in mentions), r.stderr
    start = subprocess.run([str(TAAWUND), "-c", str(config)], capture_output=True, text=True,
                           timeout=10)
    assert start.returncode == 1, start.stderr
    assert "event=listening" not in start.stderr, start.stderr


@pytest.mark.parametrize("entry", ["203.0.113.5/", "203.0.113.5/x", "/x", "203.0.113.5/33",
                                   "203.0.113.5/24", "gw.example.org", "2001:db8::1/",
                                   "2001:db8::/129"])
def test_bad_allow_from_refused(daemons, entry):
    assert_refused_alike(at_config(daemons, ["127.0.0.1", entry]), "allow_from", entry)


def test_good_allow_from_accepted(daemons):
    r = run_taawund("-n", "-c", at_config(daemons, ["127.0.0.1/32", "203.0.113.0/24", "::1",
                                                   "2001:db8::/32", "0.0.0.0/0"]))
    assert r.returncode == 0, r.stderr


def test_allow_from_with_empty_prefix_lets_no_stranger_in(daemons):
    """The attack: "/" read as prefix 0 let every caller through; now the
    config is refused, and a list of one exact address admits only it."""
    assert_refused_alike(at_config(daemons, ["203.0.113.5/"]), "allow_from")
    d = daemons.start(config=at_config(daemons, ["203.0.113.5"]))
    r = Ussd(d, channel="at", key=AT_SECRET).post_raw("")  # the right secret, from 127.0.0.1
    assert r.status == 403, r


@pytest.mark.parametrize("address,why", [("localhost", "numeric"), ("203.0.113.5", "this host"),
                                         ("127.0.0.1.", "numeric")])
def test_listener_address_must_be_numeric_and_local(daemons, address, why):
    assert_refused_alike(daemons.config({"http.admin.address": address}), "http.admin.address",
                         why)


def test_missing_demo_data_refused(daemons, tmp_path):
    assert_refused_alike(daemons.config({"programme.demo_data": str(tmp_path / "nope.sql")}),
                         "programme.demo_data")


def test_missing_messages_dir_refused(daemons, tmp_path):
    assert_refused_alike(daemons.config({"programme.messages_dir": str(tmp_path / "nope")}))
