"""test_backup.py -- `taawund backup` while the daemon serves, `taawund
restore` while it does not: a backup taken under load holds every row
acknowledged (2xx) before it started, restores into a fresh folder and
serves them; backups and restored databases are 0600; a broken backup is
refused without touching the database; a held database lock refuses the
restore."""

import fcntl
import os
import re
import sqlite3
import stat
import threading
import time
import urllib.parse

import pytest

from conftest import (FORM_CT, Ussd, new_phone, query, run_taawund, wait_until, write_config)

# SQLite's online backup API and its database file; on PostgreSQL `taawund
# backup` points to pg_dump instead (test_postgresql.py proves it).
pytestmark = pytest.mark.sqlite_only("taawund backup/restore copy SQLite's file (its backup API)")

LOAD_MAX_REQUESTS = 400   # the load thread's bound in count...
LOAD_MAX_SECONDS = 40.0   # ...and in time
LOAD_BEFORE_BACKUP = 30   # acknowledged requests before the backup starts
LOAD_AFTER_BACKUP = 10    # and after it ends (the daemon kept serving)


def sms_form(phone, text, msg_id):
    return urllib.parse.urlencode({"from": phone, "to": "12345", "text": text, "id": msg_id,
                                   "date": "2026-03-01 10:00:00", "linkId": "l",
                                   "networkCode": "60401"})


def register(daemon, phone):
    """A whole USSD registration; True once the final screen (END) came back 2xx."""
    u = Ussd(daemon, phone=phone)
    steps = ["2", "1", "Backup Member", "2001", "2", "1", "1", "1985", "1", "1"]
    s = u.dial()
    for value in steps:
        if not s.con:
            return False
        s = u.send(value)
    return s.end


class Load(threading.Thread):
    """Inbound SMS and USSD registrations, in turn, until stopped or bounded;
    each acknowledged one is recorded with the time its 2xx came back."""

    def __init__(self, daemon):
        super().__init__(daemon=True)
        self.d = daemon
        self.stop = threading.Event()
        self.acked = []  # (monotonic time of the 2xx, kind, key)
        self.lock = threading.Lock()
        self.error = None

    def run(self):
        deadline = time.monotonic() + LOAD_MAX_SECONDS
        try:
            for i in range(LOAD_MAX_REQUESTS):
                if self.stop.is_set() or time.monotonic() > deadline:
                    return
                phone = new_phone()
                if i % 3 == 2:
                    ok, kind, key = register(self.d, phone), "member", phone
                else:
                    key = f"bk-{i}"
                    r = self.d.post("/hooks/sandbox/sms", sms_form(phone, "aide", key), FORM_CT)
                    ok, kind = 200 <= r.status < 300, "sms"
                if ok:
                    with self.lock:
                        self.acked.append((time.monotonic(), kind, key))
        except Exception as e:  # reported by the test
            self.error = e

    def count(self):
        with self.lock:
            return len(self.acked)

    def before(self, t):
        with self.lock:
            return [(k, key) for when, k, key in self.acked if when < t]


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def fresh_config(tmp_path, name):
    folder = tmp_path / name
    folder.mkdir()
    return write_config(folder, {"database.path": str(folder / "taawun.db")}), folder / "taawun.db"


def test_backup_under_load_restores_every_acknowledged_row(daemons, tmp_path):
    d = daemons.start()
    load = Load(d)
    load.start()
    try:
        wait_until(lambda: load.count() >= LOAD_BEFORE_BACKUP or not load.is_alive(),
                   timeout=LOAD_MAX_SECONDS, what="load before the backup")
        started = time.monotonic()
        backup = tmp_path / "backups" / "taawun-1.db"
        backup.parent.mkdir()
        r = run_taawund("backup", backup, "-c", d.config, timeout=60)
        ended = load.count()
        assert r.returncode == 0, r.stderr
        wait_until(lambda: load.count() >= ended + LOAD_AFTER_BACKUP or not load.is_alive(),
                   timeout=LOAD_MAX_SECONDS, what="load after the backup")
    finally:
        load.stop.set()
        load.join(LOAD_MAX_SECONDS + 10)
    assert load.error is None, load.error
    before = load.before(started)
    assert len(before) >= LOAD_BEFORE_BACKUP, len(before)
    assert load.count() >= ended + LOAD_AFTER_BACKUP, "the daemon stopped serving during the backup"
    assert {k for k, _ in before} == {"sms", "member"}, before
    assert mode(backup) == 0o600
    assert sorted(os.listdir(backup.parent)) == ["taawun-1.db"], "a temporary file was left"

    conf, db = fresh_config(tmp_path, "fresh")
    r = run_taawund("restore", backup, "-c", conf)
    assert r.returncode == 0, r.stderr
    assert mode(db) == 0o600
    d2 = daemons.start(config=conf)
    members = {row["phone"] for row in query(d2, "SELECT phone FROM members")}
    sms = {row["provider_id"] for row in
           query(d2, "SELECT provider_id FROM messages WHERE direction = 'in'")}
    missing = [(k, key) for k, key in before
               if key not in (members if k == "member" else sms)]
    assert not missing, f"acknowledged before the backup, absent from it: {missing}"
    d2.assert_alive()


def test_restore_keeps_the_current_database_aside(daemons, tmp_path):
    d = daemons.start()
    backup = tmp_path / "b.db"
    assert run_taawund("backup", backup, "-c", d.config).returncode == 0
    assert d.stop() == 0
    with sqlite3.connect(d.db_path) as c:  # a change the backup lacks
        c.execute("UPDATE cooperatives SET name = 'after the backup' WHERE code = '2001'")
    r = run_taawund("restore", backup, "-c", d.config)
    assert r.returncode == 0, r.stderr
    aside = [p for p in os.listdir(d.db_path.parent)
             if re.fullmatch(r"taawun\.db\.\d{8}T\d{6}Z", p)]
    assert len(aside) == 1, os.listdir(d.db_path.parent)
    assert aside[0] in r.stderr
    assert query(d.db_path.parent / aside[0], "SELECT name FROM cooperatives WHERE code = '2001'") \
        == [{"name": "after the backup"}]
    assert query(d.db_path, "SELECT name FROM cooperatives WHERE code = '2001'") \
        != [{"name": "after the backup"}]
    assert not [p for p in os.listdir(d.db_path.parent) if ".tmp-" in p]
    assert mode(d.db_path) == 0o600


def test_a_broken_backup_is_refused_and_nothing_moves(daemons, tmp_path):
    d = daemons.start()
    good = tmp_path / "good.db"
    assert run_taawund("backup", good, "-c", d.config).returncode == 0
    assert d.stop() == 0
    before = d.db_path.read_bytes()
    broken = tmp_path / "broken.db"
    data = bytearray(good.read_bytes())
    data[len(data) // 2: len(data) // 2 + 4096] = b"\xa5" * 4096  # a page overwritten
    broken.write_bytes(bytes(data))
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    for bad in (broken, junk, tmp_path / "absent.db"):
        r = run_taawund("restore", bad, "-c", d.config)
        assert r.returncode == 1, (bad, r.stderr)
        assert d.db_path.read_bytes() == before
        left = [p for p in os.listdir(d.db_path.parent)
                if ".tmp-" in p or re.fullmatch(r"taawun\.db\.\d{8}T\d{6}Z.*", p)]
        assert not left, left
    # A backup that fails leaves nothing under its name.
    r = run_taawund("backup", tmp_path / "no-such-dir" / "b.db", "-c", d.config)
    assert r.returncode == 1
    assert not (tmp_path / "no-such-dir").exists()


def test_restore_refuses_while_the_database_lock_is_held(daemons, tmp_path):
    d = daemons.start()
    backup = tmp_path / "b.db"
    assert run_taawund("backup", backup, "-c", d.config).returncode == 0
    assert d.stop() == 0
    before = d.db_path.read_bytes()
    # The lock a serving daemon holds (the database path plus ".lock").
    with open(str(d.db_path) + ".lock", "a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        r = run_taawund("restore", backup, "-c", d.config)
    assert r.returncode == 3, r.stderr
    assert "stop it first" in r.stderr
    assert d.db_path.read_bytes() == before


def test_usage(tmp_path):
    assert run_taawund("backup").returncode == 2
    assert run_taawund("restore", "a", "b").returncode == 2
    assert run_taawund("backup", "-x", "f").returncode == 2


def test_restore_refuses_a_user_who_does_not_own_the_database_folder(daemons, tmp_path):
    d = daemons.start()
    backup = tmp_path / "b.db"
    assert run_taawund("backup", backup, "-c", d.config).returncode == 0
    assert d.stop() == 0
    folder = tmp_path / "other"
    folder.mkdir()
    conf = write_config(folder, {"database.path": str(folder / "taawun.db")})
    os.chown(folder, os.geteuid() + 1, -1)  # the folder of another user
    r = run_taawund("restore", backup, "-c", conf)
    assert r.returncode == 2, r.stderr
    assert "runuser -u taawun" in r.stderr
    assert not (folder / "taawun.db").exists()
