#!/usr/bin/python3
"""bench.py -- `make bench`: taawund's USSD throughput and latency, measured with wrk
on 127.0.0.1 against a bare libmicrohttpd program (the floor) in the same run.

Machines are noisy, so performance is reported as a ratio against the floor measured
minutes apart on the same machine, never as absolute numbers, and targets are only
reported: the exit status is 0 unless something broke (a server died or exited
badly, wrk failed, socket errors, non-2xx answers, answers that are not USSD
screens), which is printed and gives 1. Traffic goes to 127.0.0.1 only and every
run is bounded in time.

Sections: `ussd` (USSD steps/s and latency, idle RSS); `sms_out` (sends/s with one
recipient per request and recipients/s in Africa's Talking bulk mode, against the
fake of tests/integration/fakes.py, whose own ceiling is measured too); `sms_in`
(inbound SMS/s, durable, next to the raw rate of single-row FULL commits, also with
slow fsyncs: section_sms_in.py); `broadcast`
(preview and enqueue of a broadcast to 100,000 members through the admin API, next to
the raw SQLite INSERT ... SELECT of the same rows in the same database). Further
sections are functions taking the Bench context, listed in SECTIONS.

Usage: tests/bench/bench.py --daemon build/taawund --floor build/tests/bench_floor
       tests/bench/bench.py --floor build/tests/bench_floor --floor-only
Standard library only.
"""

import argparse
import collections
import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))  # national.py
USSD_LUA = REPO / "tests" / "bench" / "ussd.lua"
USSD_PATH = "/hooks/sandbox/ussd"  # the sandbox channel of conf/taawun.conf

# Targets from the issue; reported, never enforced.
TARGET_RATIO = 0.60  # taawund req/s over the floor's (issue 14)
TARGET_P99_FLOOR_X = 3.0  # taawund's p99 over the floor's own p99, same run (issue 14)
TARGET_IDLE_RSS_KIB = 20 * 1024  # 20 MiB
TARGET_LOAD_RSS_KIB = 64 * 1024  # 64 MiB after the rounds (tens of thousands of sessions)

START_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 10.0
POLL_INTERVAL_S = 0.02  # readiness polling interval, not a readiness guess
HTTP_TIMEOUT_S = 5.0
WARMUP_SESSIONS = 30  # journeys of 3 steps before idle RSS is read
LOG_TAIL_LINES = 40

LISTENING_RX = re.compile(r"\bevent=listening\b.*\blistener=public\b")
LOUD_LINE_RX = re.compile(r"\blevel=(warn|error) event=(\S+)")


class BenchError(Exception):
    """Something broke: the bench cannot go on. Printed, exit status 1."""


# --------------------------------------------------------------------------
# Processes we start.

class Process:
    """One child process with its stdout and stderr read into bounded line buffers
    by reader threads (so a chatty child never blocks on a full pipe). Warn and
    error log lines on stderr are counted by event name in `loud`."""

    def __init__(self, name, argv, cwd=None):
        self.name = name
        self.argv = [str(a) for a in argv]
        self.lines = {"stdout": collections.deque(maxlen=2000),
                      "stderr": collections.deque(maxlen=2000)}
        self._cv = threading.Condition()
        self.loud = collections.Counter()
        self.proc = subprocess.Popen(self.argv, cwd=cwd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.pid = self.proc.pid
        self._readers = [threading.Thread(target=self._read, args=(stream, key), daemon=True)
                         for stream, key in ((self.proc.stdout, "stdout"),
                                             (self.proc.stderr, "stderr"))]
        for t in self._readers:
            t.start()

    def _read(self, stream, key):
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            m = LOUD_LINE_RX.search(line) if key == "stderr" else None
            with self._cv:
                self.lines[key].append(line)
                if m:
                    self.loud[f"{m.group(1)}:{m.group(2)}"] += 1
                self._cv.notify_all()
        with self._cv:
            self._cv.notify_all()

    def alive(self):
        return self.proc.poll() is None

    def find_line(self, key, rx):
        """The first buffered line of stream key matching compiled regex rx, or None."""
        with self._cv:
            for line in self.lines[key]:
                if rx.search(line):
                    return line
        return None

    def wait_line(self, key, rx, timeout):
        """Wait (bounded) for a line of stream key matching rx; None on timeout or exit."""
        deadline = time.monotonic() + timeout
        with self._cv:
            while True:
                for line in self.lines[key]:
                    if rx.search(line):
                        return line
                remaining = deadline - time.monotonic()
                if remaining <= 0 or (not self.alive()
                                      and not any(t.is_alive() for t in self._readers)):
                    return None
                self._cv.wait(min(remaining, 0.1))

    def loud_counts(self):
        """A copy of the warn/error line counts so far, by "level:event"."""
        with self._cv:
            return collections.Counter(self.loud)

    def tail(self, n=LOG_TAIL_LINES):
        with self._cv:
            out = list(self.lines["stderr"])[-n:]
        return "\n".join(f"    {line}" for line in out) or "    (no stderr output)"

    def stop(self):
        """SIGTERM, wait (bounded), SIGKILL if needed. Returns the exit status."""
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(STOP_TIMEOUT_S)
        for t in self._readers:
            t.join(2.0)
        return self.proc.returncode


class Bench:
    """What one bench run owns: its options, its temp directory and the processes
    it started. close() stops every process (by pid) and removes the directory."""

    def __init__(self, args):
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="taawun-bench-"))
        self.processes = []
        self.problems = []  # things that broke; any of them makes the exit status 1
        self.ussd_args = []  # extra ussd.lua arguments (the members it reaches)
        self.cleanups = []  # called by close() (the PostgreSQL cluster's stop)
        self._national = None

    def national(self):
        """The national data set (tests/bench/national.py), made once per run, or
        reused from --national-dir when it holds one: (config, admin token)."""
        if self._national:
            return self._national
        import national
        base = Path(self.args.national_dir).resolve() if self.args.national_dir else \
            self.tmp / "national"
        base.mkdir(parents=True, exist_ok=True)
        config, _ = make_config(self.args.config, base)
        token_file = base / "bench-token"
        if (base / "taawun.db").exists() and token_file.exists():
            print(f"\nNational data set reused from {base}", flush=True)
        else:
            for leftover in base.glob("taawun.db*"):
                leftover.unlink()
            print(f"\nNational data set -- generating in {base}", flush=True)
            token_file.write_text(national.create_schema(self.args.daemon, config))
            counts = national.generate(base / "taawun.db", self.args.fold,
                                       self.args.national_scale)
            print("  " + ", ".join(f"{k} {v:,}" for k, v in counts.items()
                                   if isinstance(v, int)))
            print("  " + national.target_line(counts, self.args.national_scale), flush=True)
        self._national = (config, token_file.read_text().strip())
        return self._national

    def start(self, name, argv):
        p = Process(name, argv, cwd=self.tmp)
        self.processes.append(p)
        return p

    def problem(self, text):
        self.problems.append(text)
        print(f"PROBLEM: {text}", file=sys.stderr, flush=True)

    def stop(self, p, expect_clean=True):
        """Stop one process we started; a bad exit status on SIGTERM is a problem."""
        was_alive = p.alive()
        rc = p.stop()
        if p in self.processes:
            self.processes.remove(p)
        if expect_clean and (not was_alive or rc != 0):
            how = "had died" if not was_alive else "exited badly on SIGTERM"
            self.problem(f"{p.name} {how} (status {rc}); last stderr lines:\n{p.tail()}")

    def close(self):
        for p in reversed(self.processes):
            try:
                p.stop()
            except Exception as e:  # keep stopping the others
                print(f"bench: cannot stop {p.name} (pid {p.pid}): {e}", file=sys.stderr)
        self.processes.clear()
        for cleanup in reversed(self.cleanups):
            try:
                cleanup()
            except Exception as e:  # keep cleaning up
                print(f"bench: cleanup failed: {e}", file=sys.stderr)
        self.cleanups.clear()
        shutil.rmtree(self.tmp, ignore_errors=True)


# --------------------------------------------------------------------------
# The daemon's config: conf/taawun.conf with bench-specific settings.

def _group_span(text, name):
    """(start, end) of the body between the braces of top-level group `name: { ... }`
    in libconfig text, skipping strings and comments. Raises BenchError if absent."""
    depth, i, n = 0, 0, len(text)
    rx = re.compile(r"\b" + re.escape(name) + r"\s*[:=]\s*\{")
    while i < n:
        c = text[i]
        if c == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif c == "#" or text.startswith("//", i):
            i = text.find("\n", i)
            i = n if i < 0 else i
        elif text.startswith("/*", i):
            i = text.find("*/", i)
            i = n if i < 0 else i + 1
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif depth == 0 and (m := rx.match(text, i)):
            start = m.end()
            inner, j = 1, start
            while j < n and inner:
                inner += {"{": 1, "}": -1}.get(text[j], 0)
                j += 1
            return start, j - 1
        i += 1
    raise BenchError(f"config template: no top-level group '{name}'")


def _set_in_group(text, group, key, value, count=1):
    """Replace `key = ...;` inside group (nested groups included) with value (a
    libconfig literal), or delete the setting's line when value is None. Exactly
    `count` settings must match, so a template that changed shape is noticed."""
    start, end = _group_span(text, group)
    body = text[start:end]
    if value is None:
        rx = re.compile(r"(?m)^[ \t]*\b" + re.escape(key) + r"\s*[=:][^;]*;[^\n]*\n?")
        body, found = rx.subn("", body)
    else:
        rx = re.compile(r"\b(" + re.escape(key) + r"\s*[=:]\s*)[^;]*;")
        body, found = rx.subn(lambda m: f"{m.group(1)}{value};", body)
    if found != count:
        raise BenchError(f"config template: expected {count} '{group}.{key}', found {found}")
    return text[:start] + body + text[end:]


def _get_in_group(text, group, key):
    start, end = _group_span(text, group)
    m = re.search(r"\b" + re.escape(key) + r"\s*[=:]\s*(\"[^\"]*\"|[^;\s]+)\s*;",
                  text[start:end])
    if not m:
        raise BenchError(f"config template: no '{group}.{key}'")
    return m.group(1).strip('"')


def _quote(s):
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"') + '"'


def make_config(template, tmp):
    """Write tmp/taawun.conf from template: kernel-chosen ports for both listeners,
    the database in tmp, absolute messages_dir and demo_data (the line removed if
    the demo file is missing), log level warn. Returns (path, http threads)."""
    text = template.read_text(encoding="utf-8")
    base = template.resolve().parent  # relative paths are relative to the template
    text = _set_in_group(text, "http", "port", "0", count=2)
    text = _set_in_group(text, "database", "path", _quote(tmp / "taawun.db"))
    messages = (base / _get_in_group(text, "programme", "messages_dir")).resolve()
    if not messages.is_dir():
        raise BenchError(f"messages_dir {messages} is not a directory")
    text = _set_in_group(text, "programme", "messages_dir", _quote(messages))
    demo = (base / _get_in_group(text, "programme", "demo_data")).resolve()
    text = _set_in_group(text, "programme", "demo_data",
                         _quote(demo) if demo.is_file() else None)
    text = _set_in_group(text, "log", "level", _quote("warn"))
    # Abandoned sessions (members who hang up on a CON screen) are forgotten
    # after 10 s instead of 180 s, so a run at tens of thousands of steps per
    # second measures steps, not a full session table.
    text = _set_in_group(text, "ussd", "session_ttl_s", "10")
    text = _set_in_group(text, "ussd", "max_sessions", "500000")
    threads = int(_get_in_group(text, "http", "threads"))
    path = tmp / "taawun.conf"
    path.write_text(f"# written by tests/bench/bench.py from {template}\n" + text,
                    encoding="utf-8")
    return path, threads


# --------------------------------------------------------------------------
# Starting servers and learning their ports.

def http_request(port, method, path, body=None, headers=None, conn=None):
    """One request to 127.0.0.1:port (on conn if given). Returns (status, body)."""
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT_S)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, r.read().decode("utf-8", "replace")
    finally:
        if own:
            conn.close()


def wait_healthy(p, port):
    """Poll GET /healthz on port until 200 (bounded); BenchError otherwise."""
    deadline = time.monotonic() + START_TIMEOUT_S
    last = None
    while time.monotonic() < deadline:
        if not p.alive():
            raise BenchError(f"{p.name} exited ({p.proc.returncode}) before answering "
                             f"/healthz:\n{p.tail()}")
        try:
            status, _ = http_request(port, "GET", "/healthz")
            if status == 200:
                return
            last = f"status {status}"
        except OSError as e:
            last = e
        time.sleep(POLL_INTERVAL_S)
    raise BenchError(f"{p.name}: /healthz not 200 within {START_TIMEOUT_S}s ({last}):\n"
                     f"{p.tail()}")


def listening_ports(pid):
    """TCP ports on which process pid listens (from /proc), sorted."""
    inodes = set()
    fd_dir = Path(f"/proc/{pid}/fd")
    try:
        for fd in fd_dir.iterdir():
            try:
                m = re.match(r"socket:\[(\d+)\]", os.readlink(fd))
            except OSError:
                continue
            if m:
                inodes.add(m.group(1))
    except OSError:
        return []
    ports = set()
    for table in ("tcp", "tcp6"):
        try:
            rows = Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            f = row.split()
            if len(f) > 9 and f[3] == "0A" and f[9] in inodes:  # 0A = LISTEN
                ports.add(int(f[1].rsplit(":", 1)[1], 16))
    return sorted(ports)


def ussd_body(session_id, phone, text, network="60401"):
    return urllib.parse.urlencode({"sessionId": session_id, "serviceCode": "*384*123#",
                                   "phoneNumber": phone, "networkCode": network,
                                   "text": text})


FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def is_ussd_screen(status, body):
    return status == 200 and body[:4] in ("CON ", "END ")


def discover_public_port(p):
    """The daemon's public port: from its `event=listening listener=public port=N`
    log line; if none shows (the line is info level and the bench logs at warn),
    from the sockets it listens on, taking the one where the USSD hook answers a
    screen (the admin listener does not route /hooks/). Bounded in time."""
    deadline = time.monotonic() + START_TIMEOUT_S
    probed = set()
    while time.monotonic() < deadline:
        line = p.find_line("stderr", LISTENING_RX)
        if line:
            m = re.search(r"\bport=(\d+)\b", line)
            if not m or not 0 < int(m.group(1)) < 65536:
                raise BenchError(f"no valid port= in listening line: {line}")
            return int(m.group(1)), "log"
        if not p.alive():
            raise BenchError(f"{p.name} exited ({p.proc.returncode}) before listening:\n"
                             f"{p.tail()}")
        ports = listening_ports(p.pid)
        if len(ports) >= 2:  # both listeners are up; give the log line one more look
            if p.find_line("stderr", LISTENING_RX):
                continue
            for port in ports:
                if port in probed:
                    continue
                try:
                    status, body = http_request(port, "POST", USSD_PATH, ussd_body(
                        "ATUid_bench_probe", "+212600000000", ""), FORM)
                except OSError:
                    continue  # not accepting yet: try again on the next pass
                probed.add(port)
                if is_ussd_screen(status, body):
                    return port, "probe"
        time.sleep(POLL_INTERVAL_S)
    raise BenchError(f"{p.name}: no public listener found within {START_TIMEOUT_S}s "
                     f"(no 'event=listening listener=public' line, listening on "
                     f"{listening_ports(p.pid)}):\n{p.tail()}")


def start_daemon(bench, config):
    """Start taawund with config; returns (process, public port)."""
    daemon = bench.args.daemon
    if not os.access(daemon, os.X_OK):
        raise BenchError(f"{daemon}: not an executable (build it with `make all`)")
    p = bench.start("taawund", [daemon, "-c", config])
    port, how = discover_public_port(p)
    wait_healthy(p, port)
    print(f"taawund pid {p.pid} listening on 127.0.0.1:{port} (port from {how})", flush=True)
    return p, port


def start_floor(bench, threads):
    """Start the floor with taawund's thread count; returns (process, port)."""
    floor = bench.args.floor
    if not os.access(floor, os.X_OK):
        raise BenchError(f"{floor}: not an executable (build it with make)")
    p = bench.start("bench_floor", [floor, "0", str(threads)])
    line = p.wait_line("stdout", re.compile(r"^port=\d+$"), START_TIMEOUT_S)
    if line is None:
        raise BenchError(f"bench_floor printed no port= line:\n{p.tail()}")
    port = int(line.split("=", 1)[1])
    wait_healthy(p, port)
    print(f"floor   pid {p.pid} listening on 127.0.0.1:{port} ({threads} threads)",
          flush=True)
    return p, port


def read_rss_kib(pid):
    """VmRSS of pid in KiB, or None if the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def read_cpu_s(pid):
    """User + system CPU seconds pid has used so far, or None if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def live_sessions(p, public_port):
    """taawund's live USSD sessions (its taawun_ussd_sessions_live gauge, read from
    /metrics on the admin listener, open to loopback), or None."""
    for port in listening_ports(p.pid):
        if port == public_port:
            continue
        try:
            status, text = http_request(port, "GET", "/metrics")
        except OSError:
            continue
        m = re.search(r"^taawun_ussd_sessions_live (\d+)$", text, re.M)
        if status == 200 and m:
            return int(m.group(1))
    return None


def warm_up(bench, p, port):
    """A few complete journeys on one keep-alive connection, checking each answer
    is a USSD screen; then the idle RSS in KiB."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=HTTP_TIMEOUT_S)
    try:
        for n in range(WARMUP_SESSIONS):
            lang = str(n % 3 + 1)
            phone = f"+212{6 + n % 2}9{n:07d}"
            for text in ("", lang, f"{lang}*2"):
                status, body = http_request(port, "POST", USSD_PATH,
                                            ussd_body(f"ATUid_warmup_{n:06d}", phone, text),
                                            FORM, conn=conn)
                if not is_ussd_screen(status, body):
                    bench.problem(f"{p.name}: warm-up step text={text!r} answered "
                                  f"{status} {body[:80]!r}")
                    return read_rss_kib(p.pid)
    except (OSError, http.client.HTTPException) as e:
        raise BenchError(f"{p.name}: warm-up request failed: {e}:\n{p.tail()}")
    finally:
        conn.close()
    return read_rss_kib(p.pid)


# --------------------------------------------------------------------------
# wrk.

def run_wrk(bench, port, run_number, threads=None, connections=None, extra=()):
    """One wrk run of the USSD script against 127.0.0.1:port (threads and
    connections the bench's unless given, extra ussd.lua arguments); returns its
    stdout. BenchError if wrk cannot run or fails."""
    a = bench.args
    argv = [a.wrk, f"-t{threads or a.threads}", f"-c{connections or a.connections}",
            f"-d{a.seconds}s", "--latency", "-s", str(USSD_LUA),
            f"http://127.0.0.1:{port}{USSD_PATH}",
            "--", f"mix={a.mix}", f"run={run_number}", *bench.ussd_args, *extra]
    try:
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=a.seconds + 30)
    except FileNotFoundError:
        raise BenchError(f"{a.wrk}: not found (apt-get install wrk)")
    except subprocess.TimeoutExpired:
        raise BenchError(f"wrk did not finish within {a.seconds + 30}s")
    if r.returncode != 0:
        raise BenchError(f"wrk exited {r.returncode}:\n{r.stdout}{r.stderr}")
    return r.stdout


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3600000.0}


def _ms(value, unit):
    return float(value) * _UNITS_MS[unit]


def parse_wrk(out):
    """wrk's --latency report (and ussd.lua's `ussd:` line) as a dict:
    rps, requests, latency_ms {50, 75, 90, 99}, socket_errors {connect, read,
    write, timeout}, non2xx, ussd {responses, ussd_ok, ussd_bad, ...}, first_bad.
    BenchError if the report lacks requests/sec or the distribution."""
    res = {"socket_errors": {"connect": 0, "read": 0, "write": 0, "timeout": 0},
           "non2xx": 0, "latency_ms": {}, "ussd": {}, "first_bad": None, "raw": out}
    m = re.search(r"^Requests/sec:\s+([\d.]+)", out, re.M)
    if not m:
        raise BenchError(f"wrk output has no Requests/sec:\n{out}")
    res["rps"] = float(m.group(1))
    m = re.search(r"^\s*(\d+) requests in ([\d.]+)(\w+)", out, re.M)
    res["requests"] = int(m.group(1)) if m else 0
    dist = out.split("Latency Distribution", 1)
    if len(dist) == 2:
        for pct, value, unit in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s|m|h)\b",
                                           dist[1], re.M):
            res["latency_ms"][int(pct)] = _ms(value, unit)
    if not all(p in res["latency_ms"] for p in (50, 75, 90, 99)):
        raise BenchError(f"wrk output has no latency distribution:\n{out}")
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        res["socket_errors"] = dict(zip(("connect", "read", "write", "timeout"),
                                        map(int, m.groups())))
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        res["non2xx"] = int(m.group(1))
    m = re.search(r"^ussd: (.*)$", out, re.M)
    if m:
        res["ussd"] = dict(kv.split("=", 1) for kv in m.group(1).split() if "=" in kv)
    m = re.search(r"^ussd: first_bad=(.*)$", out, re.M)
    if m:
        res["first_bad"] = m.group(1)
    return res


def check_wrk(bench, name, res):
    """Record as problems what says the server broke during a run."""
    errors = {k: v for k, v in res["socket_errors"].items() if v}
    if errors:
        bench.problem(f"{name}: wrk socket errors {errors}")
    if res["non2xx"]:
        bench.problem(f"{name}: {res['non2xx']} non-2xx responses")
    bad = int(res["ussd"].get("ussd_bad", 0))
    if bad:
        bench.problem(f"{name}: {bad} answers are not USSD screens (200 'CON '/'END '), "
                      f"first: {res['first_bad']}")
    if not res["ussd"]:
        bench.problem(f"{name}: no 'ussd:' summary from {USSD_LUA.name}")
    if res["requests"] == 0:
        bench.problem(f"{name}: no request completed")


# --------------------------------------------------------------------------
# Report.

def _mib(kib):
    """KiB as MiB; a list (one value per node) as "a/b"."""
    if isinstance(kib, list):
        return "/".join(_mib(k) for k in kib)
    return "-" if kib is None else f"{kib / 1024:.1f}"


def _met(ok):
    return "met" if ok else "MISSED"


def report_ussd(bench, floor, daemon, others=()):
    """Print the table. floor/daemon: dicts with 'runs' (parsed wrk results),
    'best', 'idle_rss', 'load_rss'; daemon may be None (--floor-only). others:
    [(label, dict)], taawund on PostgreSQL (tests/bench/postgres.py), whose RSS
    are lists (one per node)."""
    a = bench.args
    print()
    print(f"USSD steps (mix={a.mix}, {a.size} size) -- wrk -t{a.threads} -c{a.connections} "
          f"-d{a.seconds}s on 127.0.0.1, best of {a.rounds} alternated rounds, "
          f"{os.cpu_count()} CPUs shared by wrk and the server")
    cols = [("floor", floor)] + ([("sqlite" if others else "taawund", daemon)]
                                 if daemon else []) + list(others)
    width = max(14, max(len(name) for name, _ in cols) + 2)
    print(f"  {'':24}" + "".join(f"{name:>{width}}" for name, _ in cols))

    def row(label, fn):
        print(f"  {label:24}" + "".join(f"{fn(d):>{width}}" for _, d in cols))

    row("requests/s (best)", lambda d: f"{d['best']['rps']:.0f}")
    row("requests/s (each round)",
        lambda d: "/".join(f"{r['rps'] / 1000:.1f}k" for r in d["runs"]))
    for pct in (50, 75, 90, 99):
        row(f"latency p{pct} (ms)", lambda d, p=pct: f"{d['best']['latency_ms'][p]:.2f}")
    row("server CPU/request (us)", lambda d: "-" if d["best"]["cpu_us"] is None
        else f"{d['best']['cpu_us']:.1f}")
    row("sessions started", lambda d: d["best"]["ussd"].get("sessions", "-"))
    row("warn/error log lines", lambda d: sum(d["best"]["loud"].values()))
    row("RSS idle (MiB)", lambda d: _mib(d["idle_rss"]))
    row("RSS after load (MiB)", lambda d: _mib(d["load_rss"]))
    if not daemon:
        print("  (taawund not measured: --floor-only)")
        return
    ratio = daemon["best"]["rps"] / floor["best"]["rps"] if floor["best"]["rps"] else 0.0
    p99 = daemon["best"]["latency_ms"][99]
    idle = daemon["idle_rss"]
    row_ratio = lambda d: f"{d['best']['rps'] / floor['best']['rps'] * 100:.1f}%" \
        if d is not floor and floor["best"]["rps"] else ""
    row("taawund / floor", row_ratio)
    cpu_f = floor["best"]["cpu_us"]
    # informational: what the ratio would be on CPUs of its own
    row("floor / taawund CPU", lambda d: f"{cpu_f / d['best']['cpu_us'] * 100:.1f}%"
        if d is not floor and cpu_f and d["best"]["cpu_us"] else "")
    for label, d in [("taawund" if not others else "sqlite", daemon)] + list(others):
        if d["best"]["loud"]:
            print(f"  {label} logged during the best run: "
                  + ", ".join(f"{k} x{v}" for k, v in d["best"]["loud"].most_common(5)))
    if any(len(d["nodes"]) > 1 for _, d in others):
        import postgres
        print(f"  ({postgres.TWO_NODES_NOTE})")
    print("Targets (reported, not enforced):")
    print(f"  throughput >= {TARGET_RATIO * 100:.0f}% of floor     {ratio * 100:7.1f}%   "
          f"{_met(ratio >= TARGET_RATIO)}")
    floor_p99 = floor["best"]["latency_ms"][99]
    p99_x = p99 / floor_p99 if floor_p99 else 0.0
    print(f"  p99 <= {TARGET_P99_FLOOR_X:g}x floor's p99 ({a.connections} conns) "
          f"{p99_x:6.1f}x ({p99:.2f} / {floor_p99:.2f} ms)  {_met(p99_x <= TARGET_P99_FLOOR_X)}")
    print(f"  idle RSS <= {TARGET_IDLE_RSS_KIB // 1024} MiB           {_mib(idle):>7} MiB "
          f"{_met(idle is not None and idle <= TARGET_IDLE_RSS_KIB)}")
    load = daemon["load_rss"]
    print(f"  RSS after load <= {TARGET_LOAD_RSS_KIB // 1024} MiB     {_mib(load):>7} MiB "
          f"{_met(load is not None and load <= TARGET_LOAD_RSS_KIB)}")
    # The sessions of the last ussd.session_ttl_s seconds are still live when the RSS
    # is read: the figure grows with throughput. What each costs explains it.
    live = daemon.get("live_sessions")
    if live and load is not None and idle is not None:
        print(f"    {live:,} live sessions then, {(load - idle) * 1024 / live:.0f} bytes "
              f"each over the idle RSS")
    for label, d in others:
        r = d["best"]["rps"] / floor["best"]["rps"] if floor["best"]["rps"] else 0.0
        x = d["best"]["latency_ms"][99] / floor_p99 if floor_p99 else 0.0
        print(f"  {label}: throughput {r * 100:.1f}% of floor {_met(r >= TARGET_RATIO)}, "
              f"p99 {x:.1f}x floor's {_met(x <= TARGET_P99_FLOOR_X)}, idle RSS "
              f"{_mib(d['idle_rss'])} MiB, after load {_mib(d['load_rss'])} MiB")
    if a.connections != 32:
        print("  (the p99 target is defined at 32 connections)")


# --------------------------------------------------------------------------
# Sections.

def measure(bench, name, p, port, run_number):
    """One wrk run against a server we started; checks it survived. Returns the
    parsed result."""
    before, cpu_before = p.loud_counts(), read_cpu_s(p.pid)
    res = parse_wrk(run_wrk(bench, port, run_number))
    res["loud"] = p.loud_counts() - before  # informational: the last lines may lag
    cpu_after = read_cpu_s(p.pid)
    # Server CPU per request: steadier than req/s when other work shares the CPUs.
    res["cpu_us"] = ((cpu_after - cpu_before) * 1e6 / res["requests"]
                     if None not in (cpu_before, cpu_after) and res["requests"] else None)
    print(f"  round {run_number // 2 + 1} {name:19} {res['rps']:10.0f} req/s  "
          f"p50 {res['latency_ms'][50]:.2f} ms  p99 {res['latency_ms'][99]:.2f} ms", flush=True)
    check_wrk(bench, name, res)
    if not p.alive():
        raise BenchError(f"{name} died during the run (status {p.proc.returncode}):\n"
                         f"{p.tail()}")
    return res


BENCH_MEMBERS = 1000  # registered members of the journey mix (ussd.lua MEMBERS)


def national_members(scale):
    import national
    return national.sized(scale)["members"]


def national_member_base():
    import national
    return national.MEMBER_BASE


def seed_members(db_path, n=BENCH_MEMBERS):
    """Register n members (+2126100NNNNN) with one grant each, so the journey mix
    exercises the home menu and grant status with real rows."""
    import sqlite3
    con = sqlite3.connect(str(db_path), timeout=10)
    try:
        with con:
            now = int(time.time())
            con.executemany(
                "INSERT OR IGNORE INTO members (phone, name, province, sector, gender,"
                " birth_year, language, consent_at, consent_channel, registered_via,"
                " registered_at, created_at, updated_at)"
                " VALUES (?, ?, 'berkane', 'agriculture', 'f', 1985, ?, ?, 'ussd', 'import', ?, ?, ?)",
                [(f"+2126100{i:05d}", f"Membre {i}", ("ar", "fr", "en")[i % 3], now, now, now, now)
                 for i in range(n)])
            con.executemany(
                "INSERT OR IGNORE INTO grants (reference, member_id, programme, amount_mad, status,"
                " note_ar, note_fr, note_en, created_at, updated_at)"
                " SELECT ?, id, 'Appui régional', 50000, 'under_review', 'قيد الدراسة',"
                " 'Dossier en étude', 'Under review', ?, ? FROM members WHERE phone = ?",
                [(f"GR-2026-9{i:04d}", now, now, f"+2126100{i:05d}") for i in range(n)])
    finally:
        con.close()


def section_ussd(bench):
    """USSD steps per second and latency: taawund against the floor, alternated;
    at demo size taawund on PostgreSQL too, one node and two (tests/bench/postgres.py)."""
    import postgres
    a = bench.args
    config, threads = make_config(a.config, bench.tmp)
    if a.size == "national" and not a.floor_only:
        config, _ = bench.national()
        bench.ussd_args = [f"members={national_members(a.national_scale)}",
                           f"member_base={national_member_base()}"]
    d_proc = d_port = None
    if not a.floor_only:
        d_proc, d_port = start_daemon(bench, config)
        if a.size == "demo":
            seed_members(config.parent / "taawun.db")
    f_proc, f_port = start_floor(bench, threads)

    floor = {"runs": [], "idle_rss": warm_up(bench, f_proc, f_port)}
    daemon = None
    if d_proc:
        daemon = {"runs": [], "idle_rss": warm_up(bench, d_proc, d_port)}
    pg = postgres.ussd_start(sys.modules[__name__], bench, BENCH_MEMBERS) \
        if d_proc and a.size == "demo" else []
    name = "sqlite" if pg else "taawund"

    for r in range(a.rounds):
        floor["runs"].append(measure(bench, "floor", f_proc, f_port, 2 * r))
        if daemon:
            daemon["runs"].append(measure(bench, name, d_proc, d_port, 2 * r + 1))
        for setup in pg:
            if None not in setup["runs"]:
                setup["runs"].append(postgres.ussd_measure(sys.modules[__name__], bench,
                                                           setup, 2 * r + 1))

    for d, p in ((floor, f_proc), (daemon, d_proc)):
        if d:
            d["best"] = max(d["runs"], key=lambda res: res["rps"])
            d["load_rss"] = read_rss_kib(p.pid)
    if daemon:
        daemon["live_sessions"] = live_sessions(d_proc, d_port)
    others = postgres.ussd_finish(sys.modules[__name__], bench, pg)
    report_ussd(bench, floor, daemon, others)

    bench.stop(f_proc)
    if d_proc:
        bench.stop(d_proc)


# --------------------------------------------------------------------------
# SMS sections: outbound sends against a fake Africa's Talking, and inbound SMS.

TARGET_SENDS_PER_S = 2000          # single-recipient requests
TARGET_BULK_RECIPIENTS_PER_S = 20000
SMS_SINGLE_N = 20000               # messages of distinct texts (one recipient per request)
SMS_BULK_N = 100000                # messages of one text (AT bulk mode)
SMS_DRAIN_TIMEOUT_S = 120.0
SMS_CHANNEL = "at"
SMS_SECRET = "bench-hook-secret-0123456789abcdef"
SMS_SEND_LUA = r"""
wrk.method = "POST"
wrk.headers["apiKey"] = "{key}"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"
local n = 0
local bulk = {bulk}
request = function()
  n = n + 1
  local to = {{}}
  for i = 1, bulk do to[i] = string.format("%%2B2126%02d%06d", i % 100, n % 1000000) end
  return wrk.format(nil, nil, nil, "username={user}&to=" .. table.concat(to, "%2C")
                    .. "&message=bench+" .. n)
end
"""


def _fakes_module():
    sys.path.insert(0, str(REPO / "tests" / "integration"))
    try:
        import fakes
    finally:
        sys.path.pop(0)
    return fakes


def sms_config(bench, subdir, fake):
    """conf/taawun.conf (as make_config adapts it) plus an africastalking channel
    sending to the fake, in its own directory (fresh database). Returns the path."""
    tmp = bench.tmp / subdir
    tmp.mkdir()
    config, _ = make_config(bench.args.config, tmp)
    return add_at_channel(config, config, fake)


def add_at_channel(template, config, fake):
    """Write config: template (a config make_config wrote) plus an africastalking
    channel sending to the fake, its secrets beside config. Returns config."""
    tmp = config.parent
    secret = tmp / "at-secret"
    secret.write_text(SMS_SECRET + "\n")
    os.chmod(secret, 0o600)
    key = tmp / "at-api-key"
    key.write_text(fake.api_key + "\n")
    os.chmod(key, 0o600)
    group = (f'  {{ name = "{SMS_CHANNEL}"; type = "africastalking"; ussd_code = "*384*999#";\n'
             f'    secret_file = {_quote(secret)}; base_url = {_quote(fake.base_url)};\n'
             f'    username = {_quote(fake.username)}; api_key_file = {_quote(key)};\n'
             f'    throughput_per_s = 50000; concurrency = 64; max_attempts = 5;\n'
             f'    retry_base_s = 1; retry_max_s = 2; expiry_s = 3600; request_timeout_s = 10; }},\n')
    text = template.read_text(encoding="utf-8")
    if text.count("channels = (") != 1:
        raise BenchError("config template: expected one 'channels = ('")
    config.write_text(text.replace("channels = (", "channels = (\n" + group, 1),
                      encoding="utf-8")
    return config


def run_wrk_script(bench, url, script_text, seconds, connections, name, threads=None):
    """wrk with a Lua script (written to the bench dir) against url (threads the
    bench's unless given); parsed result."""
    a = bench.args
    script = bench.tmp / f"{name}.lua"
    script.write_text(script_text)
    argv = [a.wrk, f"-t{threads or a.threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
            "-s", str(script), url]
    try:
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=seconds + 30)
    except FileNotFoundError:
        raise BenchError(f"{a.wrk}: not found (apt-get install wrk)")
    except subprocess.TimeoutExpired:
        raise BenchError(f"wrk did not finish within {seconds + 30}s")
    if r.returncode != 0:
        raise BenchError(f"wrk exited {r.returncode}:\n{r.stdout}{r.stderr}")
    res = parse_wrk(r.stdout)
    errors = {k: v for k, v in res["socket_errors"].items() if v}
    if errors:
        bench.problem(f"{name}: wrk socket errors {errors}")
    if res["non2xx"]:
        bench.problem(f"{name}: {res['non2xx']} non-2xx responses")
    return res


def _db_counts(db_path, sql):
    import sqlite3
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=10)
    try:
        return dict(conn.execute(sql).fetchall())
    finally:
        conn.close()


def _drain(bench, p, fake, db_path, total_before, n, what):
    """Wait (bounded) until the fake has accepted n more recipients and nothing is
    queued or sending; returns recipients/s between the fake's first and last
    acceptance of this phase, or None if it did not drain."""
    deadline = time.monotonic() + SMS_DRAIN_TIMEOUT_S
    try:
        fake.wait(lambda f: f.total >= total_before + n or not p.alive(),
                  SMS_DRAIN_TIMEOUT_S, what)
    except AssertionError as e:
        bench.problem(f"{what}: {e}")
        return None
    if not p.alive():
        raise BenchError(f"taawund died during {what}:\n{p.tail()}")
    while time.monotonic() < deadline:
        counts = _db_counts(db_path, "SELECT status, count(*) FROM messages "
                                     "WHERE direction = 'out' GROUP BY status")
        if not counts.get("queued") and not counts.get("sending"):
            break
        time.sleep(0.1)  # poll interval
    else:
        bench.problem(f"{what}: messages still queued/sending after {SMS_DRAIN_TIMEOUT_S}s")
    extra = fake.total - total_before - n
    if extra:
        bench.problem(f"{what}: the fake accepted {extra} recipients more than queued")
    span = (fake.last_at or 0) - (fake.first_at or 0)
    return n / span if span > 0 else None


def section_sms_out(bench):
    """Outbound sends/s (one recipient per request) and recipients/s (AT bulk),
    against fakes.FastAfricasTalking, whose own ceiling is measured first."""
    fakes = _fakes_module()
    a = bench.args
    fake = fakes.FastAfricasTalking(channel=SMS_CHANNEL)
    try:
        print(f"\nOutbound SMS -- fake Africa's Talking (asyncio, in the bench process) on "
              f"127.0.0.1:{fake.port}", flush=True)
        ceiling = {}
        for bulk in (1, 100):
            lua = SMS_SEND_LUA.format(key=fake.api_key, user=fake.username, bulk=bulk)
            res = run_wrk_script(bench, fake.base_url + "/version1/messaging", lua,
                                 min(a.seconds, 5), 64, f"fake_ceiling_{bulk}")
            ceiling[bulk] = res["rps"]
            print(f"  fake ceiling, {bulk:3} recipient(s)/request: {res['rps']:10.0f} req/s "
                  f"({res['rps'] * bulk:.0f} recipients/s)", flush=True)
        config = sms_config(bench, "sms_out", fake)
        p, _ = start_daemon(bench, config)
        db_path = config.parent / "taawun.db"
        fakes_queue = fakes.queue_messages

        before = fake.total
        fake.first_at = fake.last_at = None
        fakes_queue(db_path, SMS_CHANNEL, [(f"+21261{i:07d}", f"Taawun notice {i}")
                                           for i in range(SMS_SINGLE_N)])
        reqs_before = fake.requests
        single = _drain(bench, p, fake, db_path, before, SMS_SINGLE_N, "single sends")
        single_reqs = fake.requests - reqs_before

        before = fake.total
        reqs_before = fake.requests
        fake.first_at = fake.last_at = None
        fakes_queue(db_path, SMS_CHANNEL, [(f"+21262{i:07d}", "Taawun: reunion demain a 10h")
                                           for i in range(SMS_BULK_N)])
        bulk = _drain(bench, p, fake, db_path, before, SMS_BULK_N, "bulk sends")
        bulk_reqs = fake.requests - reqs_before
        bench.stop(p)
    finally:
        fake.close()

    def fmt(v):
        return "-" if v is None else f"{v:.0f}"

    print(f"  single: {SMS_SINGLE_N} messages in {single_reqs} requests: "
          f"{fmt(single)} sends/s ({(single or 0) / ceiling[1] * 100:.0f}% of the fake's "
          f"ceiling)")
    print(f"  bulk:   {SMS_BULK_N} recipients in {bulk_reqs} requests "
          f"({SMS_BULK_N / max(bulk_reqs, 1):.0f} per request): {fmt(bulk)} recipients/s "
          f"({(bulk or 0) / (ceiling[100] * 100) * 100:.0f}% of the fake's ceiling at 100)")
    print("Targets (reported, not enforced):")
    print(f"  sends/s single >= {TARGET_SENDS_PER_S}        {fmt(single):>8}   "
          f"{_met((single or 0) >= TARGET_SENDS_PER_S)}")
    print(f"  recipients/s bulk >= {TARGET_BULK_RECIPIENTS_PER_S}   {fmt(bulk):>8}   "
          f"{_met((bulk or 0) >= TARGET_BULK_RECIPIENTS_PER_S)}")
    if ceiling[1] < 2 * TARGET_SENDS_PER_S:
        print("  (the fake's ceiling is close to the target: the single figure is bounded "
              "by the fake)")


def section_sms_in(bench):
    """Inbound SMS/s, durable, next to raw single-row FULL commits, with the disk as
    it is and with slow fsyncs: tests/bench/section_sms_in.py."""
    import section_sms_in
    section_sms_in.run(bench, sys.modules[__name__])


# --------------------------------------------------------------------------
# Broadcast: preview and enqueue to 100,000 members, next to raw SQLite.

BROADCAST_MEMBERS = 100000
TARGET_ENQUEUE_RATIO = 3.0   # enqueue time over the raw INSERT ... SELECT's
TARGET_PREVIEW_S = 1.0
BROADCAST_TEXTS = {
    "ar": "تعاون: معرض المنتجات المحلية يوم السبت في وجدة. مرحبا بكم.",
    "fr": "Taawun: salon des produits locaux samedi a Oujda. Bienvenue a tous.",
    "en": "Taawun: local products fair on Saturday in Oujda. Everyone welcome.",
}


def seed_broadcast_members(db_path, n):
    """n consenting members (+2127NNNNNNNN) spread over languages and provinces."""
    import sqlite3
    provinces = ("oujda-angad", "berkane", "nador", "driouch")
    con = sqlite3.connect(str(db_path), timeout=30)
    try:
        with con:
            now = int(time.time())
            con.executemany(
                "INSERT OR IGNORE INTO members (phone, name, province, sector, gender,"
                " birth_year, language, consent_at, consent_channel, registered_via,"
                " registered_at, created_at, updated_at)"
                " VALUES (?, ?, ?, 'agriculture', ?, ?, ?, ?, 'ussd', 'import', ?, ?, ?)",
                [(f"+2127{i:08d}", f"Membre {i}", provinces[i % 4], "fm"[i % 2],
                  1960 + i % 45, ("ar", "fr", "en")[i % 3], now, now, now, now)
                 for i in range(n)])
    finally:
        con.close()


def raw_insert_select(db_path, delete=True):
    """Seconds of the raw INSERT ... SELECT of the broadcast's rows (same texts by
    language, same member conditions) into messages, in one transaction; the rows
    are deleted afterwards unless not delete (a copy thrown away). Returns
    (seconds, rows)."""
    import sqlite3
    con = sqlite3.connect(str(db_path), timeout=30, isolation_level=None)
    try:
        con.execute("PRAGMA synchronous=FULL")
        t = BROADCAST_TEXTS
        now = int(time.time())
        t0 = time.monotonic()
        con.execute("BEGIN IMMEDIATE")
        cur = con.execute(
            "INSERT INTO messages (channel, direction, phone, member_id, kind, topic, body,"
            " encoding, segments, status, priority, broadcast_id, created_at, updated_at)"
            " SELECT 'sandbox', 'out', m.phone, m.id, 'broadcast', 'news',"
            " CASE m.language WHEN 'fr' THEN ? WHEN 'en' THEN ? ELSE ? END, 'ucs2', 1,"
            " 'held', 0, -1, ?, ? FROM members m WHERE m.consent_at IS NOT NULL"
            " AND m.opted_out_at IS NULL AND m.erased_at IS NULL ORDER BY m.id",
            (t["fr"], t["en"], t["ar"], now, now))
        rows = cur.rowcount
        con.execute("COMMIT")
        seconds = time.monotonic() - t0
        if delete:
            con.execute("DELETE FROM messages WHERE broadcast_id = -1")
        return seconds, rows
    finally:
        con.close()


def admin_call(port, token, method, path, body=None, timeout=120):
    import json
    headers = {"Authorization": f"Bearer {token}"}
    data = None
    if body is not None:
        data = json.dumps(body).encode("utf-8")
        headers["Content-Type"] = "application/json"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        t0 = time.monotonic()
        conn.request(method, "/api/v1" + path, body=data, headers=headers)
        r = conn.getresponse()
        payload = r.read()
        seconds = time.monotonic() - t0
    finally:
        conn.close()
    if r.status >= 300:
        raise BenchError(f"{method} {path}: HTTP {r.status} {payload[:300]!r}")
    return json.loads(payload), seconds


def wait_expanded(port, token, bid, timeout=600):
    """Wait while broadcast bid is 'expanding' (written into the outbox in
    chunks, issue 14); returns its answer once it is not."""
    deadline = time.monotonic() + timeout
    while True:
        b, _ = admin_call(port, token, "GET", f"/broadcasts/{bid}")
        if b["status"] != "expanding":
            return b
        if time.monotonic() > deadline:
            raise BenchError(f"broadcast {bid} still expanding after {timeout} s")
        time.sleep(0.02)


def find_admin_port(p, public_port, token):
    """The port of taawund's admin listener: the one (not public_port) where the
    API answers with token."""
    for port in listening_ports(p.pid):
        if port == public_port:
            continue
        try:
            admin_call(port, token, "GET", "/broadcasts?limit=1")
            return port
        except (OSError, BenchError):
            continue
    raise BenchError(f"no admin listener found among {listening_ports(p.pid)}")


def section_broadcast(bench):
    """Preview and enqueue of a broadcast to BROADCAST_MEMBERS members (one
    set-based expansion), next to the raw INSERT ... SELECT of the same rows."""
    tmp = bench.tmp / "broadcast"
    tmp.mkdir()
    config, _ = make_config(bench.args.config, tmp)
    # A send window that is closed now: the messages are held, so the sandbox
    # sender does not race the measurements.
    hour = time.localtime().tm_hour
    window = f"{(hour + 2) % 24:02d}:00-{(hour + 3) % 24:02d}:00"
    text = _set_in_group(config.read_text(encoding="utf-8"), "programme", "send_window",
                         _quote(window))
    config.write_text(text, encoding="utf-8")
    r = subprocess.run([str(bench.args.daemon), "token", "create", "bench-broadcast", "--role",
                        "staff", "-c", str(config)], capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        raise BenchError(f"taawund token create failed: {r.stderr.strip()}")
    token = r.stdout.strip()
    p, public_port = start_daemon(bench, config)
    admin_port = find_admin_port(p, public_port, token)
    db_path = tmp / "taawun.db"
    t0 = time.monotonic()
    seed_broadcast_members(db_path, BROADCAST_MEMBERS)
    print(f"\nBroadcast -- {BROADCAST_MEMBERS} members seeded in "
          f"{time.monotonic() - t0:.1f} s", flush=True)
    raw_s, raw_rows = raw_insert_select(db_path)
    b, _ = admin_call(admin_port, token, "POST", "/broadcasts",
                      {"name": "bench", "texts": BROADCAST_TEXTS, "topic": "news"})
    previews = []
    for _ in range(3):
        pv, secs = admin_call(admin_port, token, "POST", f"/broadcasts/{b['id']}/preview")
        previews.append(secs)
    t0 = time.monotonic()
    admin_call(admin_port, token, "POST", f"/broadcasts/{b['id']}/send")
    written = wait_expanded(admin_port, token, b["id"])["recipients"]  # in chunks
    enqueue_s = time.monotonic() - t0
    # The same audience with every text personalised ({name}, {member_no}):
    # replace() and the measure of each member's text in the same statement.
    personal = {k: v + " {name} {member_no}" for k, v in BROADCAST_TEXTS.items()}
    bp, _ = admin_call(admin_port, token, "POST", "/broadcasts",
                       {"name": "bench-personal", "texts": personal, "topic": "news"})
    _, personal_preview_s = admin_call(admin_port, token, "POST", f"/broadcasts/{bp['id']}/preview")
    t0 = time.monotonic()
    admin_call(admin_port, token, "POST", f"/broadcasts/{bp['id']}/send")
    written_p = wait_expanded(admin_port, token, bp["id"])["recipients"]
    personal_s = time.monotonic() - t0
    if written_p != raw_rows:
        bench.problem(f"personalised broadcast: {written_p} messages")
    if written != raw_rows or pv["recipients"] != raw_rows:
        bench.problem(f"broadcast: {written} messages written, preview {pv['recipients']}, "
                      f"raw {raw_rows} rows")
    bench.stop(p)
    preview_s = min(previews)
    ratio = enqueue_s / raw_s if raw_s else 0.0
    print(f"  raw INSERT ... SELECT of {raw_rows} rows (one transaction): {raw_s * 1000:8.0f} ms")
    print(f"  enqueue through the API (send, chunks written):    {enqueue_s * 1000:8.0f} ms"
          f"   ({ratio:.2f}x raw)")
    print(f"  preview (best of 3; counts, texts, cost):          {preview_s * 1000:8.0f} ms")
    print(f"  personalised ({{name}} {{member_no}}): enqueue           {personal_s * 1000:8.0f} ms"
          f"   ({personal_s / raw_s if raw_s else 0.0:.2f}x raw), preview "
          f"{personal_preview_s * 1000:.0f} ms")
    print("Targets (reported, not enforced):")
    print(f"  enqueue <= {TARGET_ENQUEUE_RATIO:.0f}x raw                 {ratio:7.2f}x   "
          f"{_met(ratio <= TARGET_ENQUEUE_RATIO)}")
    print(f"  preview <= {TARGET_PREVIEW_S:.0f} s                    {preview_s:7.3f} s   "
          f"{_met(preview_s <= TARGET_PREVIEW_S)}")


# --------------------------------------------------------------------------
# Staff reads: searches, dashboard and stats through the admin API, and the
# memory an export takes, on the data of the run's size.

STAFF_REPEATS = 5
STAFF_FLOOR = ("floor: GET /programme (no query)", "/programme")
STAFF_READS = (  # label, path, target in ms (the issue's)
    ("member search, a name (Latin)", "/members?limit=20&name=Benali", 50),
    ("member search, a name (Arabic)", "/members?limit=20&name=" + urllib.parse.quote("بنعلي"), 50),
    ("member by phone", "/members?phone=%2B212690001234", 50),
    ("dashboard (this week's messages)", "/dashboard", 200),
    ("stats (members, messages)", "/stats", 200),
    ("messages, newest page", "/messages?limit=50", 200),
)
TARGET_EXPORT_GROWTH_KIB = 32 * 1024


def staff_data(bench):
    """(config, token) of the run's size: the national data set, or a fresh
    database with the journey mix's members."""
    if bench.args.size == "national":
        return bench.national()
    tmp = bench.tmp / "staff"
    tmp.mkdir()
    config, _ = make_config(bench.args.config, tmp)
    r = subprocess.run([str(bench.args.daemon), "token", "create", "bench-staff", "--role",
                        "staff", "-c", str(config)], capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        raise BenchError(f"taawund token create failed: {r.stderr.strip()}")
    seed_members(tmp / "taawun.db")
    return config, r.stdout.strip()


STAFF_TIMEOUT_S = 60


def timed_get(port, token, path, repeats):
    """Milliseconds of each of `repeats` GETs of path (fresh connections); a
    request unanswered after STAFF_TIMEOUT_S counts as that long and ends the
    series."""
    out = []
    for _ in range(repeats):
        try:
            _, secs = admin_call(port, token, "GET", path, timeout=STAFF_TIMEOUT_S)
        except TimeoutError:
            out.append(STAFF_TIMEOUT_S * 1000.0)
            break
        out.append(secs * 1000)
    return sorted(out)


def export_growth(bench, p, port, token, kind="members"):
    """GET /export/kind read in 64 KiB pieces while a thread samples the daemon's
    RSS: (status, bytes, growth in KiB over the RSS before, seconds)."""
    before = read_rss_kib(p.pid) or 0
    peak = [before]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], read_rss_kib(p.pid) or 0)
            done.wait(0.02)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    size, t0 = 0, time.monotonic()
    try:
        conn.request("GET", f"/api/v1/export/{kind}",
                     headers={"Authorization": f"Bearer {token}"})
        r = conn.getresponse()
        while chunk := r.read(65536):
            size += len(chunk)
        status = r.status
    finally:
        conn.close()
        done.set()
        t.join(2)
    return status, size, peak[0] - before, time.monotonic() - t0


def section_staff(bench):
    """Staff reads at the run's size: each request STAFF_REPEATS times (median and
    worst), next to an authenticated request that reads nothing (the floor); and
    the RSS growth while the members' export is downloaded."""
    config, token = staff_data(bench)
    p, public_port = start_daemon(bench, config)
    port = find_admin_port(p, public_port, token)
    timed_get(port, token, "/stats", 1)  # warm the page cache once
    size = bench.args.size
    print(f"\nStaff reads ({size} size) -- admin API on 127.0.0.1, {STAFF_REPEATS} requests "
          f"each, ms (median / worst)")
    floor = timed_get(port, token, STAFF_FLOOR[1], STAFF_REPEATS)
    median = lambda v: v[len(v) // 2]
    print(f"  {STAFF_FLOOR[0]:40} {median(floor):9.1f} / {floor[-1]:9.1f}")
    results = []
    for label, path, target in STAFF_READS:
        v = timed_get(port, token, path, STAFF_REPEATS)
        results.append((label, median(v), target))
        late = " (timed out)" if v[-1] >= STAFF_TIMEOUT_S * 1000 else ""
        print(f"  {label:40} {median(v):9.1f} / {v[-1]:9.1f}   "
              f"({median(v) / max(median(floor), 0.001):.0f}x floor){late}", flush=True)
    status, nbytes, growth, secs = export_growth(bench, p, port, token)
    print(f"  export of members: HTTP {status}, {nbytes / 1048576:.1f} MiB in {secs:.1f} s, "
          f"RSS growth {growth / 1024:.1f} MiB")
    bench.stop(p)
    print(f"Targets ({size} size; reported, not enforced):")
    for label, ms, target in results:
        print(f"  {label:36} <= {target:3} ms {ms:9.1f} ms  {_met(ms <= target)}")
    ok = status == 200 and growth < TARGET_EXPORT_GROWTH_KIB
    print(f"  export RSS growth < {TARGET_EXPORT_GROWTH_KIB // 1024} MiB        "
          f"{growth / 1024:9.1f} MiB {_met(ok)}" + ("" if status == 200 else
                                                  f" (HTTP {status})"))


# --------------------------------------------------------------------------
# Outbox claim cost: sends/s with a short queue and with a million queued.

OUTBOX_SMALL = 1000
OUTBOX_LARGE = 1_000_000
OUTBOX_MEASURED = 20000  # sends timed with the large queue behind them
TARGET_OUTBOX_RATIO = 0.80
OUTBOX_TAG = "outbox-bench"


def queue_sql(db_path, channel, n, tag):
    """n queued outbound messages of distinct texts (one recipient per request),
    due now, made by SQLite in one transaction. Returns the seconds it took."""
    import sqlite3
    now = int(time.time())
    con = sqlite3.connect(str(db_path), timeout=60, isolation_level=None)
    try:
        t0 = time.monotonic()
        con.execute("BEGIN IMMEDIATE")
        con.execute(
            "WITH RECURSIVE seq(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM seq WHERE k + 1 < ?)"
            " INSERT INTO messages (channel, direction, phone, kind, body, encoding, segments,"
            " status, priority, attempts, next_attempt_at, created_at, updated_at)"
            " SELECT ?, 'out', printf('+2127%08d', 50000000 + k), 'notification',"
            " ? || ' ' || k, 'gsm7', 1, 'queued', 0, 0, ?, ?, ? FROM seq",
            (n, channel, tag, now, now, now))
        con.execute("COMMIT")
        return time.monotonic() - t0
    finally:
        con.close()


def _sends_per_s(bench, p, fake, n, what, queue):
    """Recipients/s between the fake's first and last acceptance of the next n,
    counted from before queue() makes them (the sender may start at once)."""
    before = fake.total
    fake.first_at = fake.last_at = None
    queue()
    try:
        fake.wait(lambda f: f.total >= before + n or not p.alive(), SMS_DRAIN_TIMEOUT_S, what)
    except AssertionError as e:
        bench.problem(f"{what}: {e}")
        return None
    if not p.alive():
        raise BenchError(f"taawund died during {what}:\n{p.tail()}")
    span = (fake.last_at or 0) - (fake.first_at or 0)
    return (fake.total - before) / span if span > 0 else None


def section_outbox(bench):
    """Sends/s (one recipient per request, a fake Africa's Talking) with
    OUTBOX_SMALL queued (best of three) and over three windows of
    OUTBOX_MEASURED of OUTBOX_LARGE queued (best of three): the claim's cost
    as the queue grows."""
    fakes = _fakes_module()
    fake = fakes.FastAfricasTalking(channel=SMS_CHANNEL)
    size = bench.args.size
    try:
        if size == "national":
            template, _ = bench.national()
            config = add_at_channel(template, template.parent / "outbox.conf", fake)
        else:
            config = sms_config(bench, "outbox", fake)
        db_path = config.parent / "taawun.db"
        p, _ = start_daemon(bench, config)
        small = []
        for r in range(3):
            small.append(_sends_per_s(
                bench, p, fake, OUTBOX_SMALL, f"{OUTBOX_SMALL} queued",
                lambda r=r: queue_sql(db_path, SMS_CHANNEL, OUTBOX_SMALL,
                                      f"{OUTBOX_TAG} s{r}")) or 0)
        made = []
        # Three windows over the large queue as three runs over the small one:
        # best of three on both sides, so noise cannot favour either.
        large = [_sends_per_s(
            bench, p, fake, OUTBOX_MEASURED, f"{OUTBOX_MEASURED} of {OUTBOX_LARGE} queued",
            lambda: made.append(queue_sql(db_path, SMS_CHANNEL, OUTBOX_LARGE,
                                          f"{OUTBOX_TAG} large"))) or 0]
        for w in range(2):
            large.append(_sends_per_s(bench, p, fake, OUTBOX_MEASURED,
                                      f"window {w + 2} of {OUTBOX_LARGE} queued",
                                      lambda: None) or 0)
        secs = made[0] if made else 0.0
        bench.stop(p)
    finally:
        fake.close()
    import sqlite3
    con = sqlite3.connect(str(db_path), timeout=60)
    try:
        with con:  # the set stays as it was for the next sections and runs
            con.execute("DELETE FROM messages WHERE kind = 'notification' AND body LIKE ?",
                        (OUTBOX_TAG + " %",))
    finally:
        con.close()
    best = max(small)
    ratio = max(large) / best if best else 0.0
    print(f"\nOutbox ({size} size) -- single sends to a fake Africa's Talking")
    print(f"  {OUTBOX_SMALL} queued: {'/'.join(f'{v:.0f}' for v in small)} sends/s (best "
          f"{best:.0f})")
    print(f"  {OUTBOX_LARGE:,} queued (made in {secs:.1f} s): "
          f"{'/'.join(f'{v:.0f}' for v in large)} sends/s over three windows of "
          f"{OUTBOX_MEASURED} (best {max(large):.0f})")
    print("Targets (reported, not enforced):")
    print(f"  sends/s with {OUTBOX_LARGE:,} queued >= {TARGET_OUTBOX_RATIO * 100:.0f}% of "
          f"{OUTBOX_SMALL:,}  {ratio * 100:6.1f}%   {_met(ratio >= TARGET_OUTBOX_RATIO)}")


def section_expand(bench):
    """A broadcast to every member written into the outbox in chunks, next to the raw
    INSERT ... SELECT, with the longest write hold and USSD p99 while it expands:
    tests/bench/section_expand.py."""
    import section_expand
    section_expand.run(bench, sys.modules[__name__])


SECTIONS = {"ussd": section_ussd, "sms_out": section_sms_out, "sms_in": section_sms_in,
            "broadcast": section_broadcast, "staff": section_staff, "outbox": section_outbox,
            "expand": section_expand}
NATIONAL_SECTIONS = ("ussd", "staff", "outbox", "expand")  # run with --size national


# --------------------------------------------------------------------------

def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--daemon", default="build/taawund", help="taawund binary")
    ap.add_argument("--floor", default="build/tests/bench_floor", help="floor binary")
    ap.add_argument("--fold", default="build/tests/bench_fold",
                    help="the daemon's folding of names, for the national data set")
    ap.add_argument("--config", default=str(REPO / "conf" / "taawun.conf"),
                    help="config template (default: conf/taawun.conf)")
    ap.add_argument("--floor-only", action="store_true",
                    help="measure the floor alone (no taawund)")
    ap.add_argument("--seconds", type=int, default=10, help="duration of each wrk run")
    ap.add_argument("--rounds", type=int, default=2,
                    help="alternated floor/taawund rounds; the best of each is kept")
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2, help="wrk threads")
    ap.add_argument("--mix", choices=("journey", "first"), default="journey",
                    help="journey: dial, language, menu choice; first: first dials only")
    ap.add_argument("--size", choices=("demo", "national"), default="demo",
                    help="demo: fresh databases seeded with a few members; national: the "
                    "data set of tests/bench/national.py (1 M members, 10 M messages)")
    ap.add_argument("--national-dir",
                    help="keep the national data set here and reuse it in later runs")
    ap.add_argument("--national-scale", type=float, default=1.0,
                    help="a smaller national data set of the same shape (trying the bench)")
    ap.add_argument("--wrk", default="wrk", help="wrk binary")
    ap.add_argument("--sections", default=None,
                    help=f"comma-separated, from: {', '.join(SECTIONS)} (default: all; "
                    f"with --size national: {', '.join(NATIONAL_SECTIONS)})")
    a = ap.parse_args(argv)
    if not 1 <= a.seconds <= 300:
        ap.error("--seconds must be within 1..300")
    if not 1 <= a.rounds <= 10:
        ap.error("--rounds must be within 1..10")
    if not 1 <= a.threads <= a.connections <= 1000:
        ap.error("need 1 <= --threads <= --connections <= 1000")
    a.daemon, a.floor, a.fold, a.config = (Path(p).resolve() for p in
                                           (a.daemon, a.floor, a.fold, a.config))
    if a.sections is None:
        a.sections = ",".join(NATIONAL_SECTIONS if a.size == "national" else SECTIONS)
    a.sections = [s for s in a.sections.split(",") if s]
    unknown = [s for s in a.sections if s not in SECTIONS]
    if unknown:
        ap.error(f"unknown section(s) {unknown}; known: {list(SECTIONS)}")
    return a


def main(argv):
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the finally blocks
    bench = Bench(args)
    try:
        for name in args.sections:
            SECTIONS[name](bench)
    except BenchError as e:
        bench.problem(str(e))
    except KeyboardInterrupt:
        bench.problem("interrupted")
    finally:
        bench.close()
    if bench.problems:
        print(f"\nbench: {len(bench.problems)} problem(s); see PROBLEM lines above",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
