"""postgres.py -- taawund on PostgreSQL for `make bench` (sections ussd and sms_in):
a throw-away cluster of the bench's own (contrib/pg-test-cluster.sh start DIR
--durable: fsync, full-page writes and synchronous commit on, as production
runs), reachable only on its Unix socket, a fresh database per measured setup,
taawund pointed at it with the SQLite run's config otherwise, and one or two
nodes on one database driven by wrk runs at the same time (USSD sessions live
in each node's memory, so each wrk run keeps its connections on one node).

The cluster is started on first use and stopped and removed by Bench.close(),
whatever happens. What fails on PostgreSQL (a statement not yet ported) is a
bench problem carrying the daemon's db_error lines and the server's ERROR
lines, never a crash: the SQLite figures are printed all the same.

Called with bench.py itself as `h` (its helpers), so this file never imports
bench.py a second time. Standard library only (psql and pgbench for SQL).
"""

import collections
import re
import subprocess
import tempfile
import threading
import time
from pathlib import Path

CLUSTER_SCRIPT = Path(__file__).resolve().parents[2] / "contrib" / "pg-test-cluster.sh"
CLUSTER_TIMEOUT_S = 90     # start (initdb + pg_ctl start) or stop, bounded
PSQL_TIMEOUT_S = 60
ERROR_LINES = 12           # db_error / server ERROR lines shown with a problem
DB_ERROR_RX = re.compile(r"\bevent=db_error\b")
LABEL_ONE = "postgresql"
LABEL_TWO = "postgresql, 2 nodes"
TWO_NODES_NOTE = ("2 nodes on one database: USSD sessions are kept in each node's "
                  "memory, so each node gets its own wrk run (half the threads and "
                  "connections), both at once; throughputs added, latency the worse "
                  "node's, CPU per request both nodes' over all requests")


class Failed(Exception):
    """A PostgreSQL part of the bench failed: reported as a problem, the rest goes on."""


class Cluster:
    """The bench's PostgreSQL cluster: started on first use, stopped by close()."""

    def __init__(self, h, bench):
        self.h, self.bench = h, bench
        self.dir = None
        self.conninfo = None
        self.bindir = None
        self._databases = 0
        self._log_offset = 0

    def ensure(self):
        if self.conninfo:
            return
        # Its own folder under /tmp: bench.tmp is closed to the postgres user.
        self.dir = Path(tempfile.mkdtemp(prefix="taawun-bench-pg."))
        self.bench.cleanups.append(self.close)
        r = subprocess.run(["sh", str(CLUSTER_SCRIPT), "start", str(self.dir), "--durable"],
                           capture_output=True, text=True, timeout=CLUSTER_TIMEOUT_S)
        if r.returncode != 0:
            raise Failed(f"PostgreSQL cluster did not start:\n{r.stderr.strip()}")
        self.conninfo = r.stdout.strip().splitlines()[-1]
        b = subprocess.run(["sh", str(CLUSTER_SCRIPT), "bindir"], capture_output=True,
                           text=True, timeout=30)
        self.bindir = Path(b.stdout.strip())
        settings = self.psql("SELECT name || '=' || setting FROM pg_settings WHERE name IN"
                             " ('fsync', 'synchronous_commit', 'full_page_writes')"
                             " ORDER BY name")
        print(f"PostgreSQL {self.psql('SHOW server_version')[0]} cluster in {self.dir} "
              f"(Unix socket only; {', '.join(settings)})", flush=True)

    def close(self):
        if not self.dir:
            return
        r = subprocess.run(["sh", str(CLUSTER_SCRIPT), "stop", str(self.dir)],
                           capture_output=True, text=True, timeout=CLUSTER_TIMEOUT_S)
        if r.returncode != 0:
            print(f"bench: PostgreSQL cluster in {self.dir} did not stop: {r.stderr}",
                  flush=True)
        self.dir = self.conninfo = None

    def psql(self, sql, dbname="postgres"):
        """sql run by psql; its rows, one string each (columns joined by tabs)."""
        r = subprocess.run(["psql", "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql,
                            f"{self.conninfo} dbname={dbname}"],
                           capture_output=True, text=True, timeout=PSQL_TIMEOUT_S)
        if r.returncode != 0:
            raise Failed(f"psql on {dbname}: {r.stderr.strip()}\n  SQL: {sql[:300]}")
        return [line for line in r.stdout.splitlines() if line]

    def database(self, what):
        """A new empty database named after what; its name."""
        self.ensure()
        self._databases += 1
        name = f"bench_{re.sub(r'[^a-z0-9]+', '_', what.lower())}_{self._databases}"
        self.psql(f'CREATE DATABASE "{name}"')
        return name

    def mark_log(self):
        """Remember where the server log ends: server_errors() reads what follows."""
        try:
            self._log_offset = (self.dir / "server.log").stat().st_size
        except OSError:
            self._log_offset = 0

    def server_errors(self):
        """The server's ERROR lines (and the statements) since mark_log()."""
        try:
            with open(self.dir / "server.log", "rb") as f:
                f.seek(self._log_offset)
                text = f.read().decode("utf-8", "replace")
        except OSError:
            return []
        return [line for line in text.splitlines()
                if re.search(r"\b(ERROR|FATAL|PANIC|STATEMENT):", line)]


def cluster(h, bench):
    if not hasattr(bench, "pg_cluster"):
        bench.pg_cluster = Cluster(h, bench)
    return bench.pg_cluster


def pg_config(h, config, conninfo):
    """Point config (a file make_config wrote) at PostgreSQL: database.path removed,
    engine and conninfo set; everything else as the SQLite run has it."""
    text = config.read_text(encoding="utf-8")
    text = h._set_in_group(text, "database", "path", None)
    start, _ = h._group_span(text, "database")
    text = (text[:start] + '\n  engine = "postgresql";\n  conninfo = '
            + h._quote(conninfo) + ";" + text[start:])
    config.write_text(text, encoding="utf-8")
    return config


def db_error_lines(procs):
    out = []
    for p in procs:
        with p._cv:
            out += [f"{p.name} pid {p.pid}: {line}" for line in p.lines["stderr"]
                    if DB_ERROR_RX.search(line)]
    return out


def report_failure(h, bench, what, err, procs=()):
    """A bench problem saying what failed on PostgreSQL, with the daemons'
    db_error lines and the server's ERROR lines."""
    c = getattr(bench, "pg_cluster", None)
    lines = db_error_lines(procs)
    server = c.server_errors() if c and c.dir else []
    text = f"PostgreSQL, {what}: {err}"
    if lines:
        text += f"\n  taawund's db_error lines (last {ERROR_LINES}):\n" + "\n".join(
            "    " + line for line in lines[-ERROR_LINES:])
    if server:
        text += f"\n  the server's log (last {ERROR_LINES} ERROR/STATEMENT lines):\n" + \
            "\n".join("    " + line for line in server[-ERROR_LINES:])
    bench.problem(text)


def check_db_errors(h, bench, what, procs):
    """A problem if a daemon logged db_error lines during the run (statements
    PostgreSQL refused): the figures would be those of a failing path."""
    if db_error_lines(procs):
        report_failure(h, bench, what, "taawund logged db_error during the run", procs)


def start_nodes(h, bench, what, nodes, make_config_for):
    """A fresh database and `nodes` taawund processes on it, each with its own
    config from make_config_for(subdir) (a SQLite config, then pointed at the
    database). Returns (database name, [(process, public port)])."""
    c = cluster(h, bench)
    name = c.database(what)
    c.mark_log()
    started = []
    try:
        for n in range(nodes):
            config = pg_config(h, make_config_for(f"{name}_node{n + 1}"),
                               f"{c.conninfo} dbname={name}")
            started.append(h.start_daemon(bench, config))
    except h.BenchError as e:
        for p, _ in started:
            bench.stop(p, expect_clean=False)
        raise Failed(str(e))
    return name, started


def stop_nodes(bench, started):
    for p, _ in started:
        bench.stop(p)


def in_parallel(fns):
    """Run each fn in a thread at the same time; their results, in order. The
    first exception raised is raised again once all have finished."""
    results, errors = [None] * len(fns), []

    def run(i, fn):
        try:
            results[i] = fn()
        except BaseException as e:  # handed to the caller below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(fns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


def combine(results):
    """Parsed wrk results of runs made at the same time, as one: req/s and counts
    added, each latency percentile the worse run's."""
    if len(results) == 1:
        return results[0]
    out = dict(results[0])
    out["rps"] = sum(r["rps"] for r in results)
    out["requests"] = sum(r["requests"] for r in results)
    out["non2xx"] = sum(r["non2xx"] for r in results)
    out["latency_ms"] = {p: max(r["latency_ms"][p] for r in results)
                         for p in results[0]["latency_ms"]}
    out["socket_errors"] = {k: sum(r["socket_errors"][k] for r in results)
                            for k in results[0]["socket_errors"]}
    ussd = collections.Counter()
    for r in results:
        for k, v in r.get("ussd", {}).items():
            if str(v).isdigit():
                ussd[k] += int(v)
    out["ussd"] = {**results[0].get("ussd", {}), **{k: str(v) for k, v in ussd.items()}}
    out["first_bad"] = next((r["first_bad"] for r in results if r.get("first_bad")), None)
    return out


def split_load(threads, connections, nodes):
    """wrk threads and connections per node, so that all nodes together get the
    SQLite run's load."""
    return max(1, threads // nodes), max(1, connections // nodes)


def seed_members(c, dbname, n):
    """bench.py's seed_members on PostgreSQL: n members +2126100NNNNN with one grant
    each, in one statement per table."""
    now = int(time.time())
    c.psql(
        "INSERT INTO members (phone, name, province, sector, gender, birth_year, language,"
        " consent_at, consent_channel, registered_via, registered_at, created_at, updated_at)"
        f" SELECT '+2126100' || lpad(i::text, 5, '0'), 'Membre ' || i, 'berkane',"
        f" 'agriculture', 'f', 1985, (ARRAY['ar', 'fr', 'en'])[i % 3 + 1], {now}, 'ussd',"
        f" 'import', {now}, {now}, {now} FROM generate_series(0, {n - 1}) AS i"
        " ON CONFLICT DO NOTHING", dbname)
    c.psql(
        "INSERT INTO grants (reference, member_id, programme, amount_mad, status, note_ar,"
        " note_fr, note_en, created_at, updated_at)"
        " SELECT 'GR-2026-9' || lpad(i::text, 4, '0'), m.id, 'Appui régional', 50000,"
        " 'under_review', 'قيد الدراسة', 'Dossier en étude', 'Under review',"
        f" {now}, {now} FROM generate_series(0, {n - 1}) AS i"
        " JOIN members m ON m.phone = '+2126100' || lpad(i::text, 5, '0')"
        " ON CONFLICT DO NOTHING", dbname)


RAW_SQL = ("INSERT INTO t (provider_id, body, created_at)"
           " VALUES ('raw-' || :client_id || '-' || nextval('t_n'), 'bench inbound text', 0);\n")


def raw_commit_rate(h, bench, seconds):
    """Single-row INSERT commits per second by one pgbench client on a fresh
    database of the cluster (durable: synchronous_commit and fsync on), the table
    shaped as section_sms_in's raw SQLite one."""
    c = cluster(h, bench)
    name = c.database("raw commits")
    c.psql("CREATE SEQUENCE t_n; CREATE TABLE t (id BIGSERIAL PRIMARY KEY, provider_id TEXT"
           " UNIQUE, body TEXT NOT NULL, created_at BIGINT NOT NULL)", name)
    script = bench.tmp / "pg-raw-commits.sql"
    script.write_text(RAW_SQL)
    r = subprocess.run([str(c.bindir / "pgbench"), "-n", "-c1", "-j1", f"-T{seconds}",
                        "-f", str(script), f"{c.conninfo} dbname={name}"],
                       capture_output=True, text=True, timeout=seconds + 60)
    m = re.search(r"^tps = ([\d.]+)", r.stdout, re.M)
    if r.returncode != 0 or not m:
        raise Failed(f"pgbench (raw commits) failed:\n{r.stdout}{r.stderr}")
    return float(m.group(1))


# --------------------------------------------------------------------------
# Section ussd: the journey mix on one node and on two nodes of one database.

def ussd_start(h, bench, members):
    """The USSD setups on PostgreSQL, started and warmed up: a list of dicts
    {label, nodes: [(process, port)], idle_rss: [KiB per node]}; a setup that
    fails to start is a problem and is left out."""
    setups = []
    for label, nodes in ((LABEL_ONE, 1), (LABEL_TWO, 2)):
        started = []
        try:
            name, started = start_nodes(
                h, bench, f"ussd {nodes}", nodes,
                lambda sub: _fresh_config(h, bench, sub))
            seed_members(bench.pg_cluster, name, members)
            idle = [h.warm_up(bench, p, port) for p, port in started]
            setups.append({"label": label, "nodes": started, "idle_rss": idle, "runs": []})
        except (Failed, h.BenchError) as e:
            report_failure(h, bench, f"USSD ({label}) did not start", e,
                           [p for p, _ in started])
            for p, _ in started:
                bench.stop(p, expect_clean=False)
    return setups


def _fresh_config(h, bench, sub):
    tmp = bench.tmp / sub
    tmp.mkdir()
    config, _ = h.make_config(bench.args.config, tmp)
    return config


def ussd_measure(h, bench, setup, run_number):
    """One round on a setup: one wrk run per node at the same time (the load split
    between them); the combined result, or None (a problem) if a node died."""
    a = bench.args
    nodes = setup["nodes"]
    threads, connections = split_load(a.threads, a.connections, len(nodes))
    before = [(p.loud_counts(), h.read_cpu_s(p.pid)) for p, _ in nodes]
    try:
        outs = in_parallel([
            (lambda i=i, port=port: h.run_wrk(bench, port, run_number, threads=threads,
                                              connections=connections,
                                              extra=[f"id_base={i * threads}"]))
            for i, (_, port) in enumerate(nodes)])
    except h.BenchError as e:
        report_failure(h, bench, f"USSD ({setup['label']})", e, [p for p, _ in nodes])
        return None
    res = combine([h.parse_wrk(out) for out in outs])
    res["loud"] = collections.Counter()
    cpu = 0.0
    for (p, _), (loud, cpu_before) in zip(nodes, before):
        res["loud"] += p.loud_counts() - loud
        cpu_after = h.read_cpu_s(p.pid)
        cpu = None if None in (cpu, cpu_before, cpu_after) else cpu + cpu_after - cpu_before
    res["cpu_us"] = cpu * 1e6 / res["requests"] if cpu is not None and res["requests"] else None
    print(f"  round {run_number // 2 + 1} {setup['label']:19} {res['rps']:10.0f} req/s  "
          f"p50 {res['latency_ms'][50]:.2f} ms  p99 {res['latency_ms'][99]:.2f} ms", flush=True)
    h.check_wrk(bench, setup["label"], res)
    dead = [p for p, _ in nodes if not p.alive()]
    if dead:
        report_failure(h, bench, f"USSD ({setup['label']})",
                       f"{dead[0].name} died during the run (status {dead[0].proc.returncode})"
                       f":\n{dead[0].tail()}", [p for p, _ in nodes])
        return None
    return res


def ussd_finish(h, bench, setups):
    """Stop the setups' nodes; the columns for report_ussd: [(label, dict)] of
    those measured in every round."""
    cols = []
    for s in setups:
        procs = [p for p, _ in s["nodes"]]
        check_db_errors(h, bench, f"USSD ({s['label']})", procs)
        if s["runs"] and None not in s["runs"]:
            s["best"] = max(s["runs"], key=lambda res: res["rps"])
            s["load_rss"] = [h.read_rss_kib(p.pid) for p in procs]
            cols.append((s["label"], s))
        for p in procs:
            bench.stop(p, expect_clean=p.alive())
    return cols


# --------------------------------------------------------------------------
# Section sms_in: inbound SMS on one node and on two nodes of one database.

def inbound(h, bench, s):
    """The inbound rounds on PostgreSQL (s: section_sms_in): the raw commit rate
    of the cluster, then taawund on one node and on two. A list of
    (label, raw, wrk result, rows stored, {group series: increase}, http threads);
    what fails is a problem and is left out."""
    try:
        raw = raw_commit_rate(h, bench, s.RAW_SECONDS)
    except (Failed, subprocess.TimeoutExpired) as e:
        report_failure(h, bench, "raw commits", e)
        return []
    out = []
    for label, nodes in ((LABEL_ONE, 1), (LABEL_TWO, 2)):
        started = []
        try:
            out.append((label, raw) + _inbound_run(h, bench, s, nodes, started))
        except (Failed, h.BenchError) as e:
            report_failure(h, bench, f"inbound SMS ({label})", e, [p for p, _ in started])
            for p, _ in started:
                bench.stop(p, expect_clean=False)
    return out


def _inbound_run(h, bench, s, nodes, started):
    a = bench.args
    fakes = h._fakes_module()
    fake = fakes.FastAfricasTalking(channel=h.SMS_CHANNEL)  # the replies go there
    try:
        name, nodes_started = start_nodes(h, bench, f"sms in {nodes}", nodes,
                                          lambda sub: h.sms_config(bench, sub, fake))
        started += nodes_started
        threads = int(h._get_in_group(a.config.read_text(encoding="utf-8"), "http", "threads"))
        c = bench.pg_cluster
        count = "SELECT count(*) FROM messages WHERE direction = 'in'"
        stored_before = int(c.psql(count, name)[0])
        before = [s.metrics_values(h, p, port, s.GROUP_SERIES) for p, port in started]
        wrk_threads, connections = split_load(a.threads, s.CONNECTIONS, nodes)
        runs = []
        for i, (_, port) in enumerate(started):
            script = s.SMS_INBOUND_LUA.replace("local id_base = 0",
                                               f"local id_base = {i * wrk_threads}")
            if script == s.SMS_INBOUND_LUA and i:
                raise Failed("section_sms_in's script has no 'local id_base = 0'")
            url = (f"http://127.0.0.1:{port}/hooks/{h.SMS_CHANNEL}/sms?key={h.SMS_SECRET}")
            runs.append(lambda url=url, script=script, i=i: h.run_wrk_script(
                bench, url, script, a.seconds, connections, f"sms_in_pg{nodes}_{i}",
                threads=wrk_threads))
        res = combine(in_parallel(runs))
        dead = [p for p, _ in started if not p.alive()]
        if dead:
            raise Failed(f"{dead[0].name} died during the run:\n{dead[0].tail()}")
        after = [s.metrics_values(h, p, port, s.GROUP_SERIES) for p, port in started]
        stored = int(c.psql(count, name)[0]) - stored_before
        check_db_errors(h, bench, f"inbound SMS ({nodes} node(s))", [p for p, _ in started])
        stop_nodes(bench, started)
        started.clear()
    finally:
        fake.close()
    if stored < res["requests"] - res["non2xx"]:
        bench.problem(f"inbound (PostgreSQL, {nodes} node(s)): {res['requests'] - res['non2xx']}"
                      f" requests answered 2xx but only {stored} rows stored")
    groups = {k: sum(af.get(k, 0) - bf.get(k, 0) for af, bf in zip(after, before))
              for k in s.GROUP_SERIES} if all(after) else None
    return res, stored, groups, threads
