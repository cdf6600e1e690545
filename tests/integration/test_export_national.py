"""test_export_national.py -- the members export at national size (issue 14,
"exports streamed in constant memory"): a million members (the generator of
`make bench SIZE=national`, tests/bench/national.py) exported as CSV through
the admin API. The file is larger than the 64 MiB the export used to be
built in (it failed past that), every member is in it once, and the
daemon's resident memory grows by less than 32 MiB while it streams.
Prints the figures (size, rows, seconds, RSS before and at its peak)."""

import csv
import http.client
import io
import sqlite3
import sys
import threading
import time
from pathlib import Path

from conftest import ENGINE, TAAWUND, Daemon, connect_db, pg_database_for, query
from test_admin_api import API

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import national  # noqa: E402

MEMBERS = 1_000_000
COOPERATIVES = 20_000
OLD_LIMIT = 64 * 1024 * 1024  # bytes the export was built in before it streamed
RSS_GROWTH_MAX = 32 * 1024 * 1024
FOLD = TAAWUND.parent / "tests" / "bench_fold"  # make build-tests


def rss(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def fill_members(db):
    """Cooperatives and members only (no messages), as national.py makes them."""
    now = int(time.time())
    con = sqlite3.connect(str(db), isolation_level=None)
    try:
        con.execute("PRAGMA synchronous = OFF")
        con.execute("PRAGMA cache_size = -262144")
        con.execute("BEGIN")
        national._lookups(con)
        national._names(con, FOLD)
        national._cooperatives(con, COOPERATIVES, now)
        national._members(con, MEMBERS, COOPERATIVES, now)
        con.execute("COMMIT")
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the daemon starts on an empty WAL
    finally:
        con.close()


def _case(expr, values):
    """SQL for values[expr % len(values)] (values are the module's own names)."""
    return (f"CASE ({expr}) % {len(values)} "
            + " ".join(f"WHEN {i} THEN '{v}'" for i, v in enumerate(values)) + " END")


def fill_members_portable(db):
    """Cooperatives and members as fill_members makes them, in portable SQL
    (national.py writes SQLite's file): what the export reads on PostgreSQL.
    Names are ASCII, already folded as taawund folds them (lower case)."""
    now = int(time.time())
    seq = "WITH RECURSIVE seq(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM seq WHERE k + 1 < ?)"
    with connect_db(db, write=True) as c:
        c.execute(
            seq + " INSERT INTO cooperatives (id, code, name, province, sector, contact_phone,"
            " created_at, updated_at) SELECT k + 1, CAST(100000 + k AS TEXT),"
            " 'Cooperative agricole et artisanale ' || CAST(k + 1 AS TEXT),"
            f" {_case('k', national.PROVINCES)}, {_case('k / 8', national.SECTORS)},"
            " '+21268' || CAST(1000000 + k AS TEXT), ?, ? FROM seq", (COOPERATIVES, now, now))
        c.execute(
            seq + " INSERT INTO members (id, phone, name, name_folded, cooperative_id, province,"
            " sector, gender, birth_year, language, consent_at, consent_channel, registered_via,"
            " registered_at, created_at, updated_at)"
            f" SELECT k + 1, '+2126' || CAST({national.MEMBER_BASE} + k AS TEXT),"
            " 'membre national numero ' || CAST(k AS TEXT),"
            " 'membre national numero ' || CAST(k AS TEXT),"
            f" k % {COOPERATIVES} + 1, {_case(f'k % {COOPERATIVES}', national.PROVINCES)},"
            f" {_case(f'(k % {COOPERATIVES}) / 8', national.SECTORS)},"
            " CASE WHEN k % 5 < 3 THEN 'f' ELSE 'm' END, 1950 + (k * 37) % 57,"
            " CASE WHEN k % 20 < 12 THEN 'ar' ELSE 'fr' END, ?, 'ussd', 'ussd', ?, ?, ?"
            " FROM seq", (MEMBERS, now, now, now, now))
        for table in ("cooperatives", "members"):  # ids given: the sequences follow
            c.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                      f" (SELECT max(id) FROM {table}))")


def test_members_export_of_a_million_streams_in_constant_memory(daemons):
    config = daemons.config()
    token = national.create_schema(TAAWUND, config)
    t0 = time.monotonic()
    if ENGINE == "sqlite":  # the generator of `make bench`, SQLite's file by design
        db = config.parent / "taawun.db"
        fill_members(db)
    else:
        db = pg_database_for(config.parent)
        fill_members_portable(db)
    made = time.monotonic() - t0
    # The first start on a freshly loaded 200 MB file reads it cold: more
    # than the usual start-up wait on a loaded machine.
    d = Daemon(config)
    daemons.daemons.append(d)
    d.wait_log(r"event=listening\b.*\blistener=admin\b", timeout=180)
    d.start()
    want, last_phone = query(db, "SELECT count(*) AS n, max(phone) AS last FROM members"
                                 " WHERE erased_at IS NULL AND is_test = 0")[0].values()
    assert want > 990_000

    pid = d.proc.pid
    before = rss(pid)
    peak = [before]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss(pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    conn = http.client.HTTPConnection("127.0.0.1", d.admin_port, timeout=300)
    t1 = time.monotonic()
    conn.request("GET", API + "/export/members?sep=;",
                 headers={"Authorization": f"Bearer {token}"})
    r = conn.getresponse()
    assert r.status == 200, r.read()[:500]
    assert r.getheader("Transfer-Encoding") == "chunked"
    size, rows, tail, carry = 0, 0, b"", b""
    head = None
    while True:
        block = r.read(1 << 20)
        if not block:
            break
        if head is None:
            head = block[:4096]
        size += len(block)
        rows += (carry + block).count(b"\r\n")  # a CRLF split between two blocks too
        carry = block[-1:]
        tail = (tail + block)[-4096:]
    seconds = time.monotonic() - t1
    done.set()
    sampler.join()
    conn.close()
    growth = peak[0] - before
    print(f"\nexport of {want:,} members: {size / 2**20:.1f} MiB, {rows:,} lines,"
          f" {seconds:.1f} s ({size / 2**20 / seconds:.1f} MiB/s); RSS {before / 2**20:.1f} MiB"
          f" before, {peak[0] / 2**20:.1f} MiB at its peak (+{growth / 2**20:.1f} MiB);"
          f" data set made in {made:.1f} s")

    assert size > OLD_LIMIT, size
    assert rows == want + 1  # the header and one line per member (no field holds CRLF)
    first = list(csv.reader(io.StringIO(head.decode("utf-8-sig")), delimiter=";"))
    assert first[0][:2] == ["phone", "name"]
    assert first[1][0] == f"+2126{national.MEMBER_BASE:08d}", first[1]
    last = tail.decode("utf-8", "replace").split("\r\n")[-2]
    assert last.startswith(f'"{last_phone}";'), last
    assert growth < RSS_GROWTH_MAX, (before, peak[0])
    d.assert_alive()
