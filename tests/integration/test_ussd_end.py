"""test_ussd_end.py -- Africa's Talking's end-of-session notice (one after
every USSD session) is answered 200 only once it is on disk, and no thread
of the HTTP pool waits for that meanwhile (issue 14): its connection is
parked (http/later.c) while its group commit runs (store/db_group.c), as
an inbound SMS's is.

The disk is made to hold or fail its syncs by the LD_PRELOAD shim
fsync_hold.c (built by `make build-tests`; conftest's preload_fsync_hold):

- a notice posted while every fsync is held is not answered until the hold
  ends, and is there after a SIGKILL and a restart once it was answered;
- a notice whose commit fails (its fsync fails) gets 503; its retry is
  stored once;
- copies of one notice arriving together (one group commit) are stored once;
- USSD steps are answered while more notices than the pool has threads wait
  for a held fsync;
- a stop answers 503 to every notice still waiting for its commit.

On PostgreSQL the test holds the daemons' write lock instead (conftest's
CommitHold): every item above but the failing sync, which is SQLite's.
"""

import http.client
import signal
import threading
import time
import urllib.parse

import pytest

from conftest import FORM_CT, SERVICE_CODE, CommitHold, Ussd, new_phone, query
from outbox_helpers import AT_SECRET, at_send_channel

THREADS = 2         # http.threads of these daemons
WAITING = 4 * THREADS  # notices waiting for a held fsync at once
ANSWER_S = 20.0     # how long a client waits for an answer


@pytest.fixture
def disk(tmp_path, monkeypatch):
    """What holds every commit of the next daemon started (conftest's
    CommitHold: SQLite's fsyncs, or PostgreSQL's write lock), and on SQLite
    fails every fsync while the file disk.fail exists."""
    hold = CommitHold(monkeypatch, tmp_path, fail=True)
    yield hold
    hold.release()


@pytest.fixture
def at_daemon(daemons, tmp_path, fake_at, disk):
    return daemons.start({"http.threads": THREADS,
                          "channels": (at_send_channel(tmp_path, fake_at),), **disk.overrides})


END_PATH = "/hooks/at/ussd-end?" + urllib.parse.urlencode({"key": AT_SECRET})


def end_form(session_id, phone):
    return urllib.parse.urlencode({
        "sessionId": session_id, "serviceCode": SERVICE_CODE, "phoneNumber": phone,
        "networkCode": "60401", "date": "2026-03-01 10:00:00", "status": "Success",
        "cost": "0", "durationInMillis": "9000", "hopsCount": "2", "input": "1",
        "lastAppResponse": "END x", "errorMessage": ""})


def ends(d, session_id):
    return query(d, "SELECT * FROM ussd_session_ends WHERE session_id = ?", (session_id,))


class Notice(threading.Thread):
    """One notice posted on a connection of its own, in the background."""

    def __init__(self, d, session_id, phone=None):
        super().__init__(daemon=True)
        self.d, self.session_id, self.phone = d, session_id, phone or new_phone()
        self.sent = threading.Event()
        self.status = None

    def run(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.d.public_port, timeout=ANSWER_S)
        try:
            conn.request("POST", END_PATH, end_form(self.session_id, self.phone), FORM_CT)
            self.sent.set()
            r = conn.getresponse()
            r.read()
            self.status = r.status
        except (OSError, http.client.HTTPException) as e:
            self.status = repr(e)
        finally:
            self.sent.set()
            conn.close()


def test_notice_answered_only_once_its_row_is_on_disk(daemons, at_daemon, disk, monkeypatch):
    d, hold = at_daemon, disk
    assert d.post(END_PATH, end_form("end-before", new_phone()), FORM_CT).status == 200
    hold.hold(d)
    n = Notice(d, "end-held")
    n.start()
    assert n.sent.wait(10)
    hold.wait_held()
    time.sleep(0.5)  # the commit is under way, held
    assert n.status is None, f"answered {n.status} while its commit was held"
    assert ends(d, "end-held") == []
    hold.release()
    n.join(ANSWER_S)
    assert n.status == 200, n.status
    # Answered: on disk, whatever happens next.
    d.kill()
    for name in ("LD_PRELOAD", "TAAWUN_TEST_FSYNC_HOLD", "TAAWUN_TEST_FSYNC_FAIL"):
        monkeypatch.delenv(name, raising=False)
    d = daemons.start(config=d.config)
    assert [r["channel"] for r in ends(d, "end-held")] == ["at"]


@pytest.mark.sqlite_only("the fsync shim fails SQLite's syncs; PostgreSQL's are the server's")
def test_notice_whose_commit_fails_gets_503_and_its_retry_is_stored_once(at_daemon, disk):
    d, fail = at_daemon, disk.fail
    phone = new_phone()
    fail.touch()
    r = d.post(END_PATH, end_form("end-failed", phone), FORM_CT)
    assert r.status == 503, r
    fail.unlink()
    for _ in range(2):  # the provider retries, then once more
        r = d.post(END_PATH, end_form("end-failed", phone), FORM_CT)
        assert r.status == 200, r
    assert len(ends(d, "end-failed")) == 1


def test_copies_of_a_notice_committed_together_are_stored_once(at_daemon, disk):
    d, hold = at_daemon, disk
    phone = new_phone()
    hold.hold(d)
    first = Notice(d, "end-first")  # its commit is held; the copies queue behind it
    first.start()
    hold.wait_held()
    copies = [Notice(d, "end-copied", phone) for _ in range(WAITING)]
    for n in copies:
        n.start()
    for n in copies:
        assert n.sent.wait(10)
    time.sleep(0.3)  # every copy read and queued for the next commit
    hold.release()
    for n in [first] + copies:
        n.join(ANSWER_S)
    assert [n.status for n in [first] + copies] == [200] * (1 + WAITING)
    rows = ends(d, "end-copied")
    assert len(rows) == 1 and rows[0]["phone"] == phone, rows
    # What only the notice tells: how long the session lasted, its last input.
    assert (rows[0]["duration_ms"], rows[0]["input"]) == (9000, "1"), rows


def park_notices(d, hold, prefix):
    """WAITING notices sent while every commit is held: each read and parked
    until its commit. Returns them, still unanswered."""
    hold.hold(d)
    waiting = [Notice(d, f"{prefix}-{i}") for i in range(WAITING)]
    for n in waiting:
        n.start()
    for n in waiting:
        assert n.sent.wait(10)
    hold.wait_held()
    time.sleep(0.3)  # every notice read and parked
    return waiting


def test_ussd_steps_answered_while_notices_wait_for_the_disk(at_daemon, disk):
    """More notices than the pool has threads wait for a held fsync: had each
    a thread waiting with it, no USSD step could be answered meanwhile."""
    d, hold = at_daemon, disk
    waiting = park_notices(d, hold, "end-wait")
    try:
        for _ in range(3):
            t0 = time.monotonic()
            s = Ussd(d, channel="at", key=AT_SECRET).dial()
            assert s.con, s
            assert time.monotonic() - t0 < 5, "a USSD dial waited for the notices' commit"
        assert all(n.status is None for n in waiting), [n.status for n in waiting]
    finally:
        hold.release()
    for n in waiting:
        n.join(ANSWER_S)
    assert [n.status for n in waiting] == [200] * WAITING
    assert all(len(ends(d, f"end-wait-{i}")) == 1 for i in range(WAITING))


STOP_GRACE_S = 10  # main.c's STOP_GRACE_MS: requests in progress may finish this long


def test_sigterm_answers_503_to_every_notice_waiting_for_its_commit(at_daemon, disk):
    """Notices whose commit cannot end (every fsync held; on PostgreSQL the
    write lock) wait with their connections parked; a SIGTERM answers each
    503 once the grace is over (the provider retries), and the daemon stops
    once the commit can end again."""
    d, hold = at_daemon, disk
    waiting = park_notices(d, hold, "end-stop")
    assert all(n.status is None for n in waiting), [n.status for n in waiting]
    d.signal(signal.SIGTERM)
    for n in waiting:
        n.join(STOP_GRACE_S + 15)
    try:
        assert [n.status for n in waiting] == [503] * WAITING
    finally:
        hold.release()  # the committer's held commit ends: the daemon can stop
    assert d.stop() == 0
