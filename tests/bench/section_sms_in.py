"""section_sms_in.py -- `make bench` section sms_in: inbound SMS/s on /hooks/at/sms,
each one durable (synchronous = FULL) before its 200, next to the raw rate of
single-row FULL commits on the same disk, measured in the same run (issue 14, item 4).

Two rounds, each a raw measurement then taawund under wrk at 32 connections:
  normal  the disk as it is;
  slow    every fsync()/fdatasync() made DELAY_US slower by an LD_PRELOAD shim
          (tests/bench/slow_fsync.c, built by `make bench`), preloaded into the raw
          measurement and into taawund alike. This machine's kernel has no
          device-mapper (no dm-delay: /dev/mapper/control is missing), and a loop
          device on a file adds no delay of its own, hence the shim.
Besides SMS/s and latency, the writes per group commit (from /metrics on the
admin listener): how many SMS share each fsync (store/db_group.c). No thread of
the HTTP pool waits for an SMS's commit (its connection is parked, http/later.c),
so http.threads no longer bounds it: the *-t32 rounds should show no gain.

Then the same on PostgreSQL (the bench's own durable cluster, tests/bench/postgres.py):
its raw single-row commits/s (pgbench, one client), taawund on one node, and two
nodes on one database each driven by its own wrk run at the same time.

Called by bench.py's section_sms_in with bench.py itself as `h` (its helpers), so
this file never imports bench.py a second time.
"""

import contextlib
import http.client
import os
import re
import subprocess
import sys
import urllib.parse
from pathlib import Path

TARGET_INBOUND_RATIO = 1.00   # inbound SMS/s over raw single-row FULL commits/s
TARGET_P99_MS = 20.0          # inbound p99 at CONNECTIONS connections, normal disk
CONNECTIONS = 32
DELAY_US = 5000               # added to each fsync in the slow round
RAW_SECONDS = 5
FLOOR_SECONDS = 5
SHIM = "slow_fsync.so"        # next to the floor binary (build/tests/)

SMS_INBOUND_LUA = r"""
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
local n = 0
local threads = 0
-- Added to each thread's id: wrk runs at the same time (one per node, postgres.py)
-- never send the same id or number.
local id_base = 0
-- setup runs in the main Lua state; thread:set() gives each thread its global `tid`.
setup = function(thread) threads = threads + 1; thread:set("tid", threads) end
request = function()
  n = n + 1
  local t = (tid or 0) + id_base
  local id = string.format("bench-%d-%d", t, n)
  return wrk.format(nil, nil, nil, "from=%2B2126" .. string.format("%d%07d", t % 10,
                                                                      n % 10000000)
                    .. "&to=12345&text=bench+inbound+" .. n .. "&date=2026-01-01+10%3A00%3A00"
                    .. "&id=" .. id .. "&linkId=" .. id .. "&networkCode=60401")
end
"""

# The raw side, in a child python so that the shim can be preloaded into it:
# python's sqlite3 links the same libsqlite3 as taawund.
RAW_SCRIPT = r"""
import sqlite3, sys, time
path, seconds = sys.argv[1], float(sys.argv[2])
conn = sqlite3.connect(path, isolation_level=None)
conn.execute("PRAGMA journal_mode=WAL")
conn.execute("PRAGMA synchronous=FULL")
conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, provider_id TEXT UNIQUE, "
             "body TEXT NOT NULL, created_at INTEGER NOT NULL)")
n, t0 = 0, time.monotonic()
end = t0 + seconds
while time.monotonic() < end and n < 10_000_000:
    conn.execute("INSERT INTO t (provider_id, body, created_at) VALUES (?, ?, ?)",
                 (f"raw-{n}", "bench inbound text", n))
    n += 1
print(n / (time.monotonic() - t0))
conn.close()
"""


@contextlib.contextmanager
def preloaded(shim):
    """os.environ with the slow-fsync shim preloaded (for the processes started
    inside the block only); a no-op when shim is None."""
    if shim is None:
        yield
        return
    saved = {k: os.environ.get(k) for k in ("LD_PRELOAD", "TAAWUN_BENCH_FSYNC_DELAY_US")}
    os.environ["LD_PRELOAD"] = str(shim)
    os.environ["TAAWUN_BENCH_FSYNC_DELAY_US"] = str(DELAY_US)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def raw_commit_rate(h, bench, name, shim):
    """Single-row INSERT commits per second on a fresh file in the bench directory
    (the disk taawund's database is on), journal_mode=WAL, synchronous=FULL."""
    path = bench.tmp / f"raw-commits-{name}.db"
    with preloaded(shim):
        r = subprocess.run([sys.executable, "-c", RAW_SCRIPT, str(path), str(RAW_SECONDS)],
                           capture_output=True, text=True, timeout=RAW_SECONDS + 60)
    if r.returncode != 0:
        raise h.BenchError(f"raw commits ({name}) failed:\n{r.stderr}")
    return float(r.stdout.strip())


def metrics_values(h, p, public_port, names):
    """{name: value} of label-less series from /metrics on taawund's admin listener
    (open to loopback without a token); {} when no listener answers."""
    for port in h.listening_ports(p.pid):
        if port == public_port:
            continue
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request("GET", "/metrics")
            r = conn.getresponse()
            text = r.read().decode("utf-8", "replace")
        except OSError:
            continue
        finally:
            conn.close()
        if r.status != 200:
            continue
        got = {}
        for name in names:
            m = re.search(rf"^{re.escape(name)} ([0-9.e+]+)$", text, re.M)
            got[name] = float(m.group(1)) if m else 0.0
        return got
    return {}


GROUP_SERIES = ("taawun_db_group_commits_total", "taawun_db_group_commit_jobs_total")


def inbound_run(h, bench, name, shim, threads=None):
    """taawund (the shim preloaded or not; http.threads set to threads unless None)
    under wrk on /hooks/at/sms; returns
    (wrk result, inbound rows stored, {group series: increase} or None, http threads)."""
    a = bench.args
    fakes = h._fakes_module()
    fake = fakes.FastAfricasTalking(channel=h.SMS_CHANNEL)  # the replies go there
    try:
        config = h.sms_config(bench, f"sms_in_{name}", fake)
        text = config.read_text(encoding="utf-8")
        if threads:
            config.write_text(h._set_in_group(text, "http", "threads", str(threads)),
                              encoding="utf-8")
        else:
            threads = int(h._get_in_group(text, "http", "threads"))
        with preloaded(shim):
            p, port = h.start_daemon(bench, config)
        url = (f"http://127.0.0.1:{port}/hooks/{h.SMS_CHANNEL}/sms?"
               + urllib.parse.urlencode({"key": h.SMS_SECRET}))
        before = metrics_values(h, p, port, GROUP_SERIES)
        stored_before = h._db_counts(config.parent / "taawun.db",
                                     "SELECT direction, count(*) FROM messages "
                                     "GROUP BY direction").get("in", 0)
        res = h.run_wrk_script(bench, url, SMS_INBOUND_LUA, a.seconds, CONNECTIONS,
                               f"sms_in_{name}")
        if not p.alive():
            raise h.BenchError(f"taawund died during the inbound run ({name}):\n{p.tail()}")
        after = metrics_values(h, p, port, GROUP_SERIES)
        stored = h._db_counts(config.parent / "taawun.db",
                              "SELECT direction, count(*) FROM messages GROUP BY direction")
        bench.stop(p)
    finally:
        fake.close()
    stored_in = stored.get("in", 0) - stored_before
    if stored_in < res["requests"] - res["non2xx"]:
        bench.problem(f"inbound ({name}): {res['requests'] - res['non2xx']} requests "
                      f"answered 2xx but only {stored_in} rows stored")
    groups = {k: after.get(k, 0) - before.get(k, 0) for k in GROUP_SERIES} if after else None
    return res, stored_in, groups, threads


def floor_p99(h, bench, threads):
    """p99 and req/s of the bare libmicrohttpd floor (tests/bench/floor.c) under the
    same wrk script at CONNECTIONS connections: what this machine gives any server
    at this moment, for reading the p99 target. None if the floor is not built."""
    if not os.access(bench.args.floor, os.X_OK):
        return None
    p, port = h.start_floor(bench, threads)
    try:
        res = h.run_wrk_script(bench, f"http://127.0.0.1:{port}/hooks/at/sms", SMS_INBOUND_LUA,
                               FLOOR_SECONDS, CONNECTIONS, "sms_in_floor")
    finally:
        bench.stop(p)
    return res


def shim_path(bench):
    path = Path(bench.args.floor).parent / SHIM
    return path if path.is_file() else None


def run(bench, h):
    a = bench.args
    shim = shim_path(bench)
    rounds = [("normal", None, None)] + ([("slow", shim, None)] if shim else [])
    # What the HTTP pool costs: the same with a thread per connection.
    rounds += [(f"{name}-t{CONNECTIONS}", preload, CONNECTIONS) for name, preload, _ in rounds]
    got, floor = {}, None
    for name, preload, threads in rounds:
        raw = raw_commit_rate(h, bench, name, preload)
        got[name] = (raw,) + inbound_run(h, bench, name, preload, threads)
        if name == "normal":  # the floor in the same minute
            floor = floor_p99(h, bench, got[name][4])
    import postgres
    pg = postgres.inbound(h, bench, sys.modules[__name__])
    load = os.getloadavg()
    print(f"\nInbound SMS -- wrk -t{a.threads} -c{CONNECTIONS} -d{a.seconds}s on "
          f"/hooks/{h.SMS_CHANNEL}/sms (synchronous=FULL); load average "
          f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} CPUs")
    if not shim:
        print(f"  slow-fsync round skipped: {Path(a.floor).parent / SHIM} missing "
              "(`make bench` builds it)")
    for name, (raw, res, stored, groups, threads) in got.items():
        what = "disk as it is" if name.startswith("normal") else \
            f"each fsync +{DELAY_US / 1000:g} ms (LD_PRELOAD {SHIM})"
        commits, jobs = (groups or {}).get(GROUP_SERIES[0]), (groups or {}).get(GROUP_SERIES[1])
        per_commit = f"{jobs / commits:.1f}" if commits else "-"
        print(f"  {name} ({what}):")
        print(f"    raw single-row FULL commits/s (WAL): {raw:10.0f}")
        print(f"    inbound SMS/s:                       {res['rps']:10.0f}   "
              f"{res['rps'] / raw * 100 if raw else 0:6.1f}% of raw   "
              f"p50 {res['latency_ms'][50]:.2f} ms  p99 {res['latency_ms'][99]:.2f} ms")
        print(f"    requests {res['requests']}, rows stored {stored}, non-2xx {res['non2xx']}, "
              f"group commits {'-' if commits is None else f'{commits:.0f}'}, "
              f"writes per group commit {per_commit} (http.threads = {threads})")
    if floor:
        print(f"  floor (bare libmicrohttpd, no database, {got['normal'][4]} threads): "
              f"{floor['rps']:.0f} req/s  p50 {floor['latency_ms'][50]:.2f} ms  "
              f"p99 {floor['latency_ms'][99]:.2f} ms")
    print_pg(pg, got["normal"][1])
    raw, res = got["normal"][0], got["normal"][1]
    ratio = res["rps"] / raw if raw else 0.0
    p99 = res["latency_ms"][99]
    print("Targets (reported, not enforced):")
    print(f"  inbound >= {TARGET_INBOUND_RATIO * 100:.0f}% of raw commits        "
          f"{ratio * 100:7.1f}%   {h._met(ratio >= TARGET_INBOUND_RATIO)}")
    print(f"  inbound p99 <= {TARGET_P99_MS:.0f} ms at {CONNECTIONS} connections  "
          f"{p99:7.2f} ms {h._met(p99 <= TARGET_P99_MS)}")
    if "slow" in got:
        sraw, sres = got["slow"][0], got["slow"][1]
        print(f"  with slow fsync (reported): inbound {sres['rps'] / sraw * 100 if sraw else 0:.0f}"
              f"% of raw ({sres['rps']:.0f} vs {sraw:.0f}/s), p99 {sres['latency_ms'][99]:.1f} ms")
    for label, pg_raw, res_pg, _, _, _ in pg:
        print(f"  {label} (reported): inbound "
              f"{res_pg['rps'] / pg_raw * 100 if pg_raw else 0:.0f}% of PostgreSQL's raw commits ({res_pg['rps']:.0f} vs {pg_raw:.0f}/s), "
              f"{res_pg['rps'] / res['rps'] * 100 if res['rps'] else 0:.0f}% of SQLite's "
              f"inbound, p99 {res_pg['latency_ms'][99]:.2f} ms "
              f"{h._met(res_pg['latency_ms'][99] <= TARGET_P99_MS)}")
    print(f"  (the *-t{CONNECTIONS} rounds are reported only: http.threads = {CONNECTIONS}, "
          "a thread per connection; parked connections wait without a thread, so the "
          "pool's size should not change the sharing)")


def print_pg(pg, sqlite_res):
    """The PostgreSQL rounds, as the SQLite ones are printed."""
    import postgres
    for label, raw, res, stored, groups, threads in pg:
        commits = (groups or {}).get(GROUP_SERIES[0])
        jobs = (groups or {}).get(GROUP_SERIES[1])
        print(f"  {label} (durable cluster: fsync, synchronous_commit on):")
        print(f"    {'raw single-row commits/s (pgbench, 1 client):':46} {raw:10.0f}")
        print(f"    {'inbound SMS/s:':46} {res['rps']:10.0f}   "
              f"{res['rps'] / raw * 100 if raw else 0:6.1f}% of raw   "
              f"p50 {res['latency_ms'][50]:.2f} ms  p99 {res['latency_ms'][99]:.2f} ms   "
              f"({res['rps'] / sqlite_res['rps'] * 100 if sqlite_res['rps'] else 0:.0f}% "
              f"of SQLite's normal)")
        print(f"    requests {res['requests']}, rows stored {stored}, non-2xx {res['non2xx']}, "
              f"group commits {'-' if not commits else f'{commits:.0f}'}, writes per group "
              f"commit {f'{jobs / commits:.1f}' if commits else '-'} "
              f"(http.threads = {threads})")
    if any(label == postgres.LABEL_TWO for label, *_ in pg):
        print(f"    ({postgres.LABEL_TWO}: one wrk run per node at the same time, "
              f"-c{CONNECTIONS // 2} each; SMS/s added, latency the worse node's)")
