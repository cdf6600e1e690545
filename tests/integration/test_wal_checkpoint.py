"""test_wal_checkpoint.py -- WAL checkpoints off the write turn (issue 14,
item 3; store/db_checkpoint): while a broadcast of several thousand members
is written into the outbox, the checkpointer thread copies the WAL into the
database (taawun_db_checkpoints_total, taawun_db_checkpoint_seconds, read by
promtool) and the WAL file stays within its cap; once the writes stop the
WAL file is emptied (before, it kept its largest size until the daemon
stopped), and a SIGTERM leaves it empty too. The SIGKILL tests
(test_crash.py, test_inbound_crash.py, test_broadcast_expand.py) show that
nothing committed is lost meanwhile. Standard library only (plus pytest and
promtool)."""

import threading
import time

import pytest

from conftest import DELETE, sandbox_channel, wait_until
from test_admin_api import Api, make_token
from test_broadcast_expand import FR, add_members
from test_metrics import check_with_promtool, samples, scrape, total, value

pytestmark = pytest.mark.sqlite_only("SQLite's WAL file and its checkpoints (store/db_checkpoint)")

MEMBERS = 8000        # their messages fill several thousand WAL pages
WAL_PAGES = 1000      # DB_WAL_PAGES, src/core/limits.h
WAL_CAP_TIMES = 4     # DB_WAL_CAP_TIMES
PAGE = 4096           # SQLite's default page size
CAP_BYTES = 32 + WAL_PAGES * WAL_CAP_TIMES * (PAGE + 24)


def wal_bytes(d):
    p = d.db_path.parent / (d.db_path.name + "-wal")
    return p.stat().st_size if p.exists() else 0


class WalWatch:
    """The largest size of d's WAL file, sampled every 10 ms until stopped."""

    def __init__(self, d):
        self.d, self.most, self._stop = d, 0, threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self):
        while not self._stop.is_set():
            self.most = max(self.most, wal_bytes(self.d))
            time.sleep(0.01)

    def stop(self):
        self._stop.set()
        self._t.join(5)
        return self.most


def test_checkpoints_off_the_writer_bounded_and_emptied_when_quiet(daemons):
    conf = daemons.config({"programme.demo_data": DELETE, "channels": (sandbox_channel(),)})
    api = Api(None, make_token(conf, "staff-x", "staff"))
    d = daemons.start(config=conf)
    api.d = d
    add_members(d, MEMBERS)
    before = samples(scrape(d))
    watch = WalWatch(d)
    r = api.post("/broadcasts", {"name": "wal", "texts": {"ar": "تعاون", "fr": FR},
                                 "audience": {"languages": ["fr"]}})
    assert r.status == 201, r
    bid = r.json()["id"]
    r = api.post(f"/broadcasts/{bid}/send")
    assert r.status == 200 and r.json()["status"] == "expanding", r
    d.wait_log(rf"event=broadcast_expanded id={bid} messages={MEMBERS} ", timeout=60)
    r = api.post(f"/broadcasts/{bid}/cancel")  # the sender's writes end too
    assert r.status == 200, r
    most = watch.stop()

    text = scrape(d)
    check_with_promtool(text)
    after = samples(text)
    passive = value(after, "taawun_db_checkpoints_total", mode="passive", result="ok") - \
        value(before, "taawun_db_checkpoints_total", mode="passive", result="ok")
    assert passive >= 1, text
    assert value(after, "taawun_db_checkpoint_seconds_count", mode="passive") >= passive
    assert total(after, "taawun_db_checkpoints_total", result="error") == 0
    assert 0 < most <= CAP_BYTES, most

    # Quiet: the checkpointer empties the WAL file (TRUNCATE) on its own.
    wait_until(lambda: wal_bytes(d) == 0, timeout=15, what="the WAL file emptied when quiet")
    # Counted once the TRUNCATE returned, a moment after the file was cut.
    quiet = wait_until(lambda: (lambda s: s if value(
        s, "taawun_db_checkpoints_total", mode="truncate", result="ok") >= 1 else None)(
        samples(scrape(d))), timeout=5, what="the TRUNCATE counted")
    assert value(quiet, "taawun_db_wal_bytes") == 0
    assert "event=db_wal_over_cap" not in d.log()

    # A write after it: the WAL grows again; SIGTERM leaves it empty.
    r = api.post("/broadcasts", {"name": "after", "texts": {"ar": "تعاون", "fr": FR},
                                 "audience": {"languages": ["fr"]}})
    assert r.status == 201, r
    assert wal_bytes(d) > 0
    d.stop()
    assert wal_bytes(d) == 0
