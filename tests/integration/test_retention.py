"""Retention (issue 12, item 7): the scheduler's retention pass, driven by
taawund-test's injected clock (TAAWUN_TEST_NOW_FILE).

Settled messages older than retention.messages_days go to a monthly archive
file (an SQLite file staff open), then leave the database in small batches;
queued, sending and held messages stay whatever their age; test numbers are
deleted without being archived; the other growing tables are trimmed by age;
an erasure reaches the archives; a SIGKILL in the middle of a pass loses
nothing and archives nothing twice. The longest write transaction a batch
held with 100,000 old messages is measured and printed."""

import os
import signal
import sqlite3
import stat
import time
from datetime import datetime, timezone

from conftest import (DELETE, TEST_CLOCK_KEEPS_ROWS, add_member, connect_db, http_request,
                      new_phone, parse_log_line, query, run_taawund, wait_until, write_config)
from test_admin_api import make_token

DAY = 86400
TEST_PHONE = "+447700900123"  # the reserved test range: never archived


def month_of(ts):
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m")


def archive_file(tmp_path, ts):
    return tmp_path / "archive" / f"messages-{month_of(ts)}.sqlite"


def archive_rows(path):
    # Read-write, as the daemon opens its archives: after a SIGKILL the file
    # may carry a hot rollback journal, which only a writer can roll back (a
    # read-only reader fails with "attempt to write a readonly database").
    conn = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=30)
    conn.row_factory = sqlite3.Row
    try:
        return {r["id"]: dict(r) for r in conn.execute("SELECT * FROM messages")}
    finally:
        conn.close()


def archive_all(tmp_path):
    """Every archive file's rows by id, and how many rows the files hold."""
    rows, n = {}, 0
    for f in sorted((tmp_path / "archive").glob("messages-*.sqlite")):
        r = archive_rows(f)
        n += len(r)
        rows.update(r)
    return rows, n


MESSAGE_COLUMNS = ("channel", "direction", "phone", "member_id", "kind", "topic", "body",
                   "encoding", "segments", "status", "attempts", "provider_id", "created_at",
                   "updated_at")


def insert_messages(db, rows):
    """Insert message rows (dicts over defaults) in one transaction; return their ids."""
    base = dict(channel="sandbox", direction="out", member_id=None, kind="broadcast",
                topic=None, body="Hello", encoding="gsm7", segments=1, status="delivered",
                attempts=1, provider_id=None)
    ids = []
    with connect_db(db, write=True) as conn:
        for r in rows:
            v = {**base, **r}
            v.setdefault("updated_at", v["created_at"])
            ids.append(conn.execute(
                f"INSERT INTO messages ({', '.join(MESSAGE_COLUMNS)}) VALUES"
                f" ({', '.join('?' * len(MESSAGE_COLUMNS))}) RETURNING id",
                [v[c] for c in MESSAGE_COLUMNS]).fetchone()[0])
    return ids


def bulk_old_messages(db, phone, member_id, count, created_at, audience=1, per_statement=500):
    """count old delivered messages as broadcasts make them: `audience`
    recipients per broadcast (the first is phone, the others made-up members'
    numbers), a broadcast a minute, ids in time order, in one transaction of
    multi-row INSERTs. Returns phone's ids."""
    def row(i):
        k = i % audience
        to, mid = (phone, member_id) if k == 0 else ("+2125%08d" % k, None)
        t = created_at + 60 * (i // audience)
        return (to, mid, f"Broadcast {i // audience}: réunion jeudi", t, t + 30)
    with connect_db(db, write=True) as conn:
        for first in range(0, count, per_statement):
            n = min(per_statement, count - first)
            conn.execute(
                "INSERT INTO messages (channel, direction, phone, member_id, kind, body, encoding,"
                " segments, status, attempts, created_at, updated_at) VALUES "
                + ", ".join(["('sandbox', 'out', ?, ?, 'broadcast', ?, 'gsm7', 1, 'delivered', 1,"
                             " ?, ?)"] * n),
                [v for i in range(first, first + n) for v in row(i)])
    return [r["id"] for r in query(db, "SELECT id FROM messages WHERE phone = ? ORDER BY id",
                                   (phone,))]


def start_unclocked(daemons, test_clock, overrides=None):
    """A taawund-test with the schema's retention defaults (conftest keeps
    every row for the other tests that move the clock) whose scheduler
    waits (no clock file yet), so rows can be put in place before the first
    pass."""
    if test_clock.path.exists():
        test_clock.path.unlink()
    return daemons.start({**{k: DELETE for k in TEST_CLOCK_KEEPS_ROWS}, **(overrides or {})})


def retention_done(d, start=0, timeout=60):
    return parse_log_line(d.wait_log(r"event=retention_done\b", timeout=timeout, start=start))


def test_old_settled_messages_archived_then_deleted_the_rest_kept(daemons, test_clock, tmp_path):
    d = start_unclocked(daemons, test_clock)
    now = int(time.time())
    phone = new_phone()
    mid = add_member(d, phone, name="Fatima Archive")
    old, older, recent = now - 400 * DAY, now - 440 * DAY, now - 10 * DAY
    settled = insert_messages(d.db_path, [
        dict(phone=phone, member_id=mid, created_at=old, body="Réunion jeudi à Berkane"),
        dict(phone=phone, member_id=mid, created_at=old + 60, direction="in", kind="sms",
             status="received", body="OUI"),
        dict(phone=phone, member_id=mid, created_at=old + 120, status="failed"),
        dict(phone=phone, member_id=mid, created_at=older, status="expired", body="مرحبا"),
    ])
    # On a channel no longer configured, so the sender never settles them.
    unsettled = insert_messages(d.db_path, [
        dict(phone=phone, member_id=mid, created_at=older, status=s, channel="retired")
        for s in ("queued", "held", "sending")])
    kept = insert_messages(d.db_path, [dict(phone=phone, member_id=mid, created_at=recent)])
    test_only = insert_messages(d.db_path, [dict(phone=TEST_PHONE, created_at=old)])
    originals = {r["id"]: r for r in query(d, "SELECT * FROM messages WHERE id IN (%s)"
                                           % ",".join(map(str, settled)))}

    test_clock.set(now)
    line = retention_done(d)
    assert int(line["deleted"]) == 5 and int(line["archived"]) == 4, line

    left = {r["id"] for r in query(d, "SELECT id FROM messages")}
    assert not left & set(settled + test_only), "old settled messages were not deleted"
    assert set(unsettled + kept) <= left, "an unsettled or recent message was deleted"
    assert {r["status"] for r in query(d, "SELECT status FROM messages WHERE channel = 'retired'")} \
        <= {"queued", "held", "sending"}

    # The archive: one file per month (UTC), mode 0600 in a 0700 folder, opened and read back.
    folder = tmp_path / "archive"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = {archive_file(tmp_path, old), archive_file(tmp_path, older)}
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in files)
    archived = {}
    for f in files:
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f
        archived.update(archive_rows(f))
    assert set(archived) == set(settled), "the archive holds exactly the deleted real messages"
    for i in settled:
        a, o = archived[i], originals[i]
        assert (a["phone"], a["body"], a["status"], a["direction"], a["kind"]) == \
            (phone, o["body"], o["status"], o["direction"], o["kind"])
        assert a["member"] == "TA-%06d" % mid and a["member_id"] == mid and a["redacted"] == 0
        assert a["created_at"] == datetime.fromtimestamp(
            o["created_at"], timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    assert archive_file(tmp_path, older).exists() and \
        set(archive_rows(archive_file(tmp_path, older))) == {settled[3]}


def test_other_growing_tables_trimmed_by_age(daemons, test_clock):
    d = start_unclocked(daemons, test_clock)
    now = int(time.time())
    with connect_db(d, write=True) as conn:
        for age, tag in ((8 * DAY, "old"), (1 * DAY, "new")):
            t = now - age
            conn.execute("INSERT INTO inbound_parts VALUES ('sandbox', ?, ?, 1, 2, NULL, 'x', ?)",
                         (new_phone(), tag, t))
        for age, tag in ((31 * DAY, "+212600000031"), (2 * DAY, "+212600000002")):
            conn.execute("INSERT INTO ussd_drafts VALUES (?, 'register', ?, ?)",
                         (tag, b"\x00", now - age))
            conn.execute("INSERT INTO sms_conversations VALUES (?, 'register', 1, 'fr', ?, ?, ?)",
                         (tag, b"\x00", now - age + 1800, now - age))
        for age in (731 * DAY, 10 * DAY):
            conn.execute("INSERT INTO audit_log (at, who, role, action, object_type, summary,"
                         " client) VALUES (?, 'test', 'admin', 'x', 'y', '{}', '127.0.0')",
                         (now - age,))
        uid = conn.execute("INSERT INTO staff_users (name, role, password_hash, created_at)"
                           " VALUES ('retention-test', 'viewer', 'x', ?) RETURNING id",
                           (now,)).fetchone()[0]
        for i, (ended, seen) in enumerate(((now - 8 * DAY, now - 8 * DAY), (None, now - 9 * DAY),
                                           (now - DAY // 2, now - DAY // 2), (None, now))):
            conn.execute("INSERT INTO staff_sessions (user_id, token_hash, csrf, created_at,"
                         " last_seen_at, client, ended_at) VALUES (?, ?, 'c', ?, ?, '127.0.0', ?)",
                         (uid, f"h{i}", seen, seen, ended))
        for age, sid in ((91 * DAY, "old"), (5 * DAY, "new")):
            conn.execute("INSERT INTO ussd_session_ends (channel, session_id, created_at)"
                         " VALUES ('sandbox', ?, ?)", (sid, now - age))

    test_clock.set(now)
    line = retention_done(d)
    assert int(line["purged"]) == 7, line
    assert [r["concat_ref"] for r in query(d, "SELECT concat_ref FROM inbound_parts")] == ["new"]
    assert [r["phone"] for r in query(d, "SELECT phone FROM ussd_drafts")] == ["+212600000002"]
    assert [r["phone"] for r in query(d, "SELECT phone FROM sms_conversations")] == ["+212600000002"]
    assert [r["at"] for r in query(d, "SELECT at FROM audit_log WHERE who = 'test'")] == [now - 10 * DAY]
    assert sorted(r["token_hash"] for r in query(d, "SELECT token_hash FROM staff_sessions")) == \
        ["h2", "h3"]
    assert [r["session_id"] for r in query(d, "SELECT session_id FROM ussd_session_ends")] == ["new"]


def test_erasure_reaches_the_archives(daemons, test_clock, tmp_path):
    d = start_unclocked(daemons, test_clock)
    token = make_token(d.config, "retention-admin", "admin")
    now = int(time.time())
    old = now - 400 * DAY
    erased_phone, kept_phone, early_phone = new_phone(), new_phone(), new_phone()
    erased_id = add_member(d, erased_phone, name="Khadija Erase")
    kept_id = add_member(d, kept_phone, name="Amina Keep")
    early_id = add_member(d, early_phone, name="Salma Early")
    ids = insert_messages(d.db_path, [
        dict(phone=erased_phone, member_id=erased_id, created_at=old, body="Bienvenue Khadija"),
        # Sent before the phone was a member: found by its number.
        dict(phone=erased_phone, created_at=old + 1, direction="in", kind="sms",
             status="received", body="INSCRIPTION Khadija"),
        dict(phone=kept_phone, member_id=kept_id, created_at=old + 2, body="Bienvenue Amina"),
        dict(phone=early_phone, created_at=old + 3, direction="in", kind="sms",
             status="received", body="INSCRIPTION Salma"),
    ])
    # Erased before the pass: archived already redacted.
    r = http_request(d.admin_port, "DELETE", f"/api/v1/members/{early_id}",
                     headers={"Authorization": f"Bearer {token}"})
    assert r.status == 200, r
    test_clock.set(now)
    retention_done(d)
    f = archive_file(tmp_path, old)
    rows = archive_rows(f)
    assert set(rows) == set(ids)
    assert rows[ids[3]]["body"] == "" and rows[ids[3]]["redacted"] == 1
    assert rows[ids[3]]["phone"] != early_phone and rows[ids[3]]["phone"].endswith(early_phone[-2:])
    assert rows[ids[0]]["body"] == "Bienvenue Khadija" and rows[ids[0]]["phone"] == erased_phone

    # Erased after: the next tick redacts the archive file in place.
    mark = len(d.lines)
    r = http_request(d.admin_port, "DELETE", f"/api/v1/members/{erased_id}",
                     headers={"Authorization": f"Bearer {token}"})
    assert r.status == 200, r
    d.wait_log(r"event=archive_erasures_applied\b", start=mark, timeout=30)
    rows = archive_rows(f)
    for i in ids[:2]:
        assert rows[i]["body"] == "" and rows[i]["redacted"] == 1, rows[i]
        assert rows[i]["phone"] != erased_phone and "*****" in rows[i]["phone"], rows[i]
    assert rows[ids[2]]["body"] == "Bienvenue Amina" and rows[ids[2]]["phone"] == kept_phone
    assert query(d, "SELECT count(*) AS n FROM archive_erasures")[0]["n"] == 0
    with open(f, "rb") as fh:
        raw = fh.read()
    assert b"Khadija" not in raw and erased_phone.encode() not in raw, \
        "the erased text or number is still readable in the file's bytes"


def test_nonsense_retention_settings_are_refused_by_dash_n(tmp_path):
    cases = [
        ({"retention.drafts_days": 1, "ussd.draft_ttl_s": 3 * DAY}, "drafts_days"),
        ({"retention.messages_days": -1}, "retention.messages_days"),
        ({"retention.inbound_parts_days": 0}, "retention.inbound_parts_days"),
        ({"retention.keep_forever": True}, "unknown setting"),
    ]
    for overrides, word in cases:
        r = run_taawund("-n", "-c", write_config(tmp_path, overrides))
        assert r.returncode != 0 and word in r.stderr, (overrides, r.stderr)
    ok = write_config(tmp_path, {"retention.messages_days": 0, "retention.audit_days": 0})
    r = run_taawund("-n", "-c", ok)
    assert r.returncode == 0, r.stderr


def test_100k_old_messages_longest_write_hold(daemons, test_clock, tmp_path):
    """The figure issue 12 asks for: the longest write transaction of a batch
    while 100,000 old messages are archived and deleted."""
    d = start_unclocked(daemons, test_clock)
    now = int(time.time())
    phone = new_phone()
    mid = add_member(d, phone)
    old = now - 500 * DAY
    # 20 broadcasts to 5,000 members: every batch touches the phone index all over.
    ids = bulk_old_messages(d.db_path, phone, mid, 100_000, old, audience=5000)
    fresh = insert_messages(d.db_path, [dict(phone=phone, member_id=mid, created_at=now - DAY)])
    t0 = time.monotonic()
    test_clock.set(now)
    line = retention_done(d, timeout=600)
    took = time.monotonic() - t0
    hold = float(line["longest_hold_ms"])
    print(f"\nretention: 100000 old messages archived and deleted in {took:.1f} s, "
          f"{line['batches']} batches, write hold mean {line['mean_hold_ms']} ms, "
          f"longest {hold:.1f} ms (load average {os.getloadavg()[0]:.1f})")
    assert int(line["deleted"]) == 100_000 and int(line["archived"]) == 100_000, line
    # Small transactions, whatever the machine's load: at least one per 500 rows ...
    assert int(line["batches"]) >= 100_000 // 500, line
    # ... and none near what one transaction for the backlog would hold.
    assert hold < 5000, f"a batch held the single writer {hold} ms"
    rows = archive_rows(archive_file(tmp_path, old))
    assert len(rows) == 100_000 and set(rows) >= set(ids)
    assert {r["id"] for r in query(d, "SELECT id FROM messages WHERE phone = ?", (phone,))} == \
        set(fresh)


def test_sigkill_mid_pass_loses_nothing_and_duplicates_nothing(daemons, test_clock, tmp_path):
    d = start_unclocked(daemons, test_clock)
    now = int(time.time())
    phone = new_phone()
    mid = add_member(d, phone)
    old = now - 500 * DAY
    ids = bulk_old_messages(d.db_path, phone, mid, 40_000, old)
    bodies = {r["id"]: r["body"] for r in query(d, "SELECT id, body FROM messages WHERE phone = ?",
                                                (phone,))}
    test_clock.set(now)

    def archived_some():
        if not (tmp_path / "archive").exists():
            return False
        try:
            n = query(d, "SELECT count(*) AS n FROM messages WHERE phone = ?", (phone,))[0]["n"]
        except sqlite3.OperationalError:
            return False
        return 0 < n < len(ids) - 2000

    wait_until(archived_some, timeout=120, interval=0.02, what="a pass under way")
    d.proc.send_signal(signal.SIGKILL)
    d.proc.wait(10)
    daemons.daemons.remove(d)

    left = {r["id"] for r in query(d, "SELECT id FROM messages WHERE phone = ?", (phone,))}
    rows, _ = archive_all(tmp_path)
    assert 0 < len(left) < len(ids), "the kill did not land in the middle of a pass: proved nothing"
    assert left | set(rows) == set(ids), "a message is neither in the database nor archived"
    assert all(rows[i]["body"] == bodies[i] for i in rows)

    d2 = daemons.start(config=d.config)
    line = retention_done(d2, timeout=300)
    assert int(line["deleted"]) == len(left), line
    rows, n = archive_all(tmp_path)  # 40,000 minutes: two or three month files
    assert n == len(rows) == len(ids) and set(rows) == set(ids)
    assert all(rows[i]["body"] == bodies[i] for i in ids)
    assert query(d2, "SELECT count(*) AS n FROM messages WHERE phone = ?", (phone,))[0]["n"] == 0


def test_nothing_deleted_while_its_archive_file_cannot_be_written(daemons, test_clock, tmp_path):
    """An archive file locked by someone (a staff member's open write
    transaction in DB Browser, say): the batch fails, its messages stay in
    the database, and a later pass archives them once the file is free."""
    d = start_unclocked(daemons, test_clock)
    now = int(time.time())
    phone = new_phone()
    mid = add_member(d, phone)
    old = now - 400 * DAY
    ids = insert_messages(d.db_path, [dict(phone=phone, member_id=mid, created_at=old + i)
                                      for i in range(3)])
    f = archive_file(tmp_path, old)
    f.parent.mkdir(mode=0o700)
    holder = sqlite3.connect(str(f), isolation_level=None)
    holder.execute("CREATE TABLE IF NOT EXISTS placeholder (x)")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        test_clock.set(now)
        d.wait_log(r"event=archive_file_failed\b", timeout=30)
        d.wait_log(r"event=retention_pass_failed\b", timeout=30)
        assert {r["id"] for r in query(d, "SELECT id FROM messages WHERE phone = ?", (phone,))} \
            == set(ids), "a message was deleted although its archive file could not be written"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    test_clock.set(now + 61)
    retention_done(d)
    assert set(archive_rows(f)) == set(ids)
    assert not query(d, "SELECT id FROM messages WHERE phone = ?", (phone,))
