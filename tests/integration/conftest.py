"""conftest.py -- the harness of taawun's integration tests.

Starts the real taawund with a temporary config and database on loopback
ports chosen by the kernel (port = 0), learns the ports from its log, waits
for /healthz by polling, and drives it with real HTTP requests in Africa's
Talking's USSD format. Helpers measure every screen in the encoding it
travels in and read member-facing texts from the catalogs in conf/messages/,
so tests never hard-code wording.

The daemons run on SQLite, or with TAAWUN_TEST_ENGINE=postgresql on a new
PostgreSQL database per config folder, made on the cluster TAAWUN_TEST_PG
names (contrib/run-tests.sh integration-pg) and dropped when the test's
DaemonFactory finishes; the tests read and write it through the same helpers
(query, add_member, connect_db, Daemon.db).

Standard library only (plus pytest, and Debian's python3-psycopg2 on
PostgreSQL). Every loop is bounded in count and time.
"""

import contextlib
import copy
import decimal
import http.client
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import threading
import time
import urllib.parse
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MESSAGES_DIR = ROOT / "conf" / "messages"
DEMO_SQL = ROOT / "contrib" / "demo" / "demo.sql"
DEFAULT_CONF = ROOT / "conf" / "taawun.conf"
TAAWUND = Path(os.environ.get("TAAWUND", str(ROOT / "build" / "taawund")))
# The same daemon built with test hooks (the settable clock): only the tests
# that take the test_clock fixture run it.
TAAWUND_TEST = Path(os.environ.get("TAAWUND_TEST", str(TAAWUND.parent / "taawund-test")))

START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 10.0
HTTP_TIMEOUT_S = 10.0

PROGRAMME_NAME = "Taawun"
PROVINCES = ["oujda-angad", "berkane", "nador", "driouch",
             "taourirt", "jerada", "guercif", "figuig"]
SECTORS = ["agriculture", "livestock", "agrifood", "handicraft",
           "textile", "tourism", "services", "other"]
LANGUAGES = ["ar", "fr", "en"]
SERVICE_CODE = "*384*123#"

# Screen limits of the default sandbox channel (network maxima).
SCREEN_MAX_GSM7 = 182
SCREEN_MAX_UCS2 = 80

# The engine of the daemons the tests start: "sqlite" (the default) or
# "postgresql", on the cluster whose maintenance database TAAWUN_TEST_PG names.
ENGINES = ("sqlite", "postgresql")
ENGINE = os.environ.get("TAAWUN_TEST_ENGINE") or "sqlite"
TEST_PG = os.environ.get("TAAWUN_TEST_PG")
# How the tests' own connections name themselves in the server's log (the
# daemon's are "taawund"): contrib/run-tests.sh tells the two apart by it.
PG_APPLICATION_NAME = "taawun-tests"


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "sqlite_only(reason): proves SQLite's own behaviour (its file, WAL, fsync, "
        "backup API); deselected when the daemons run on PostgreSQL, run by the SQLite part")
    if ENGINE not in ENGINES:
        raise pytest.UsageError(f"TAAWUN_TEST_ENGINE={ENGINE!r}: one of {'|'.join(ENGINES)}")
    if ENGINE == "postgresql" and not TEST_PG:
        raise pytest.UsageError("TAAWUN_TEST_ENGINE=postgresql needs TAAWUN_TEST_PG (a libpq "
                                "conninfo of the cluster's maintenance database)")


def pytest_collection_modifyitems(config, items):
    """On PostgreSQL, deselect the tests marked sqlite_only: pytest's closing
    line counts them as deselected (contrib/run-tests.sh says so), and the
    SQLite run keeps them. The marker must say why."""
    kept, dropped = [], []
    for item in items:
        mark = item.get_closest_marker("sqlite_only")
        if mark is not None and not (mark.args and isinstance(mark.args[0], str) and mark.args[0]):
            raise pytest.UsageError(f"{item.nodeid}: sqlite_only needs its reason as argument")
        (dropped if mark is not None and ENGINE != "sqlite" else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_sessionfinish(session, exitstatus):
    # A daemon a test started outside any DaemonFactory and left running (a
    # second daemon it expected to be refused, say) is killed, not orphaned.
    for d in _STARTED:
        if d.proc.poll() is None:
            d.kill()
    drop_pg_databases()  # those no DaemonFactory dropped (configs written by tests)


# --------------------------------------------------------------------------
# Text catalogs: a tiny parser of conf/messages/*.conf.

_CAT_GROUP = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_-]*)\s*:\s*\{\s*$")
_CAT_ENTRY = re.compile(r'^\s*([A-Za-z_][A-Za-z0-9_-]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*;')
_CAT_END = re.compile(r"^\s*\}\s*;?\s*$")


def _unescape(s):
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            n = s[i + 1]
            out.append({"n": "\n", "t": "\t", "r": "\r", "f": "\f",
                        '"': '"', "\\": "\\"}.get(n, "\\" + n))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def parse_catalog(path):
    """{group: {key: text}} for the key = "value"; lines inside each group."""
    groups, current = {}, None
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.lstrip().startswith("#"):
            continue
        m = _CAT_GROUP.match(line)
        if m:
            current = groups.setdefault(m.group(1), {})
            continue
        if current is not None and _CAT_END.match(line):
            current = None
            continue
        m = _CAT_ENTRY.match(line)
        if m and current is not None:
            current[m.group(1)] = _unescape(m.group(2))
    return groups


_CATALOGS = {}


def catalog(lang, messages_dir=MESSAGES_DIR):
    key = (lang, str(messages_dir))
    if key not in _CATALOGS:
        _CATALOGS[key] = parse_catalog(Path(messages_dir) / f"{lang}.conf")
    return _CATALOGS[key]


def msg(lang, key, **placeholders):
    """Catalog text messages.KEY of lang with {placeholders} filled in."""
    text = catalog(lang)["messages"][key]
    for k, v in placeholders.items():
        text = text.replace("{" + k + "}", str(v))
    return text


def province_name(lang, code):
    return catalog(lang)["provinces"][code]


def sector_name(lang, code):
    return catalog(lang)["sectors"][code]


# --------------------------------------------------------------------------
# GSM 03.38 measure of a screen.

GSM7_DEFAULT = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM7_EXTENSION = set("^{}\\[~]|€\f")


def measure(text):
    """('gsm7', septets) or ('ucs2', UTF-16 code units) for text."""
    if all(c in GSM7_DEFAULT or c in GSM7_EXTENSION for c in text):
        return "gsm7", sum(2 if c in GSM7_EXTENSION else 1 for c in text)
    return "ucs2", sum(2 if ord(c) > 0xFFFF else 1 for c in text)


def assert_screen_fits(text, gsm7_max=SCREEN_MAX_GSM7, ucs2_max=SCREEN_MAX_UCS2):
    enc, units = measure(text)
    limit = gsm7_max if enc == "gsm7" else ucs2_max
    assert units <= limit, f"screen of {units} {enc} units > {limit}: {text!r}"


def numbered(screen):
    """{number: label} of the lines "N. label" of a screen (strings as keys)."""
    out = {}
    for line in screen.split("\n"):
        m = re.match(r"^\s*(\d+)\.\s*(.*?)\s*$", line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def items(screen):
    """[(int n, label)] of the numbered lines that are not navigation (98/0/00)."""
    return [(int(n), label) for n, label in numbered(screen).items()
            if n not in ("98", "0", "00")]


# --------------------------------------------------------------------------
# libconfig rendering of a test config built from a Python dict.

class Raw(str):
    """A value written verbatim into the config (for wrong-type tests)."""


DELETE = object()  # override value that removes a setting


def _scalar(v):
    if isinstance(v, Raw):
        return str(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    raise TypeError(f"cannot render {v!r}")


def render_libconfig(d, indent=0):
    """libconfig text of dict d: dict -> group, tuple -> list ( ), list -> array [ ].
    One setting per line so tests can find the line of each one."""
    pad = "  " * indent
    lines = []
    for k, v in d.items():
        if isinstance(v, dict):
            lines.append(f"{pad}{k}: {{")
            lines.append(render_libconfig(v, indent + 1))
            lines.append(f"{pad}}};")
        elif isinstance(v, tuple):
            lines.append(f"{pad}{k} = (")
            for i, e in enumerate(v):
                sep = "," if i + 1 < len(v) else ""
                if isinstance(e, dict):
                    lines.append(f"{pad}  {{")
                    lines.append(render_libconfig(e, indent + 2))
                    lines.append(f"{pad}  }}{sep}")
                else:
                    lines.append(f"{pad}  {_scalar(e)}{sep}")
            lines.append(f"{pad});")
        elif isinstance(v, list):
            lines.append(f"{pad}{k} = [" + ", ".join(_scalar(e) for e in v) + "];")
        else:
            lines.append(f"{pad}{k} = {_scalar(v)};")
    return "\n".join(line for line in lines if line != "")


def sandbox_channel(name="sandbox", **extra):
    ch = {"name": name, "type": "sandbox", "ussd_code": SERVICE_CODE,
          "ussd_screen_max": SCREEN_MAX_GSM7, "ussd_screen_max_ucs2": SCREEN_MAX_UCS2}
    ch.update(extra)
    return ch


def at_channel(name, secret_file, allow_from=None, **extra):
    ch = {"name": name, "type": "africastalking", "ussd_code": SERVICE_CODE,
          "secret_file": str(secret_file),
          "ussd_screen_max": SCREEN_MAX_GSM7, "ussd_screen_max_ucs2": SCREEN_MAX_UCS2}
    if allow_from is not None:
        ch["allow_from"] = list(allow_from)
    ch.update(extra)
    return ch


def base_config(tmpdir):
    """The default conf/taawun.conf adapted to a test: kernel-chosen ports,
    database in tmpdir (on PostgreSQL: the database of tmpdir, made on first
    use), absolute catalog and demo paths."""
    cfg = {
        "programme": {
            "name": PROGRAMME_NAME,
            "default_language": "ar",
            "languages": list(LANGUAGES),
            "timezone": "Africa/Casablanca",
            "country_code": "212",
            "messages_dir": str(MESSAGES_DIR),
            "provinces": list(PROVINCES),
            "sectors": list(SECTORS),
            "demo_data": str(DEMO_SQL),
        },
        "database": {
            "path": str(Path(tmpdir) / "taawun.db"),
            "synchronous": "full",
            "busy_timeout_ms": 5000,
        },
        "http": {
            "public": {"address": "127.0.0.1", "port": 0},
            "admin": {"address": "127.0.0.1", "port": 0},
            "threads": 4,
            "connection_timeout_s": 15,
            "max_connections": 1024,
            "per_ip_connection_limit": 256,
            "connection_memory_limit": 65536,
            "max_body_bytes": 65536,
        },
        "ussd": {"session_ttl_s": 180, "max_sessions": 20000},
        # debug: every test's traffic goes through the per-message lines, and
        # DaemonFactory.finish checks none holds an unmasked number.
        "log": {"level": "debug"},
        "channels": (sandbox_channel(),),
    }
    if ENGINE == "postgresql":
        database = cfg["database"]
        del database["path"]
        database["engine"] = "postgresql"
        database["conninfo"] = pg_database_for(tmpdir).conninfo
    return cfg


def apply_overrides(cfg, overrides):
    """Set dotted paths ("ussd.session_ttl_s", "channels.0.ussd_screen_max") in a
    deep copy of cfg; the value DELETE removes the setting."""
    cfg = copy.deepcopy(cfg)
    for path, value in (overrides or {}).items():
        parts = path.split(".")
        node = cfg
        for p in parts[:-1]:
            if isinstance(node, tuple):
                node = node[int(p)]
            else:
                node = node.setdefault(p, {})
        last = parts[-1]
        if isinstance(node, tuple):
            raise ValueError(f"cannot replace a list element: {path}")
        if value is DELETE:
            node.pop(last, None)
        else:
            node[last] = value
    return cfg


def write_config(tmpdir, overrides=None, name="taawun.conf"):
    """Write the test config (base + overrides) into tmpdir; return its Path."""
    cfg = apply_overrides(base_config(tmpdir), overrides)
    path = Path(tmpdir) / name
    path.write_text("# test config written by tests/integration/conftest.py\n"
                    + render_libconfig(cfg) + "\n", encoding="utf-8")
    return path


def line_of(path, pattern):
    """1-based number of the first line of file path matching regex pattern."""
    for i, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if re.search(pattern, line):
            return i
    raise AssertionError(f"{pattern!r} not in {path}")


def write_secret(path, secret, mode=0o600):
    path = Path(path)
    path.write_text(secret + "\n")
    os.chmod(path, mode)
    return path


def run_taawund(*args, timeout=STOP_TIMEOUT_S):
    """Run taawund to completion (e.g. -n, --version): CompletedProcess."""
    return subprocess.run([str(TAAWUND), *map(str, args)], capture_output=True,
                          text=True, encoding="utf-8", errors="replace",
                          timeout=timeout)


# --------------------------------------------------------------------------
# Logs.

_KV = re.compile(r'([A-Za-z_][A-Za-z0-9_.-]*)=("(?:[^"\\]|\\.)*"|\S*)')


def parse_log_line(line):
    """A log line's fields as a dict of strings, in either log.format."""
    if line.startswith("{"):
        return json.loads(line)
    out = {}
    for k, v in _KV.findall(line):
        if v.startswith('"') and v.endswith('"') and len(v) >= 2:
            v = v[1:-1]
        out[k] = v
    return out


# An unmasked Moroccan mobile number, international or national form.
UNMASKED_PHONE = re.compile(r"(?<!\d)(?:\+?212|00212|0)[5-7]\d{8}(?!\d)")


# --------------------------------------------------------------------------
# HTTP.

class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = {k.lower(): v for k, v in headers}
        self.body = body

    @property
    def text(self):
        return self.body.decode("utf-8")

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self):
        return f"<Response {self.status} {self.headers} {self.body[:300]!r}>"


def http_request(port, method, path, body=None, headers=None, timeout=HTTP_TIMEOUT_S):
    """One request on a fresh connection to 127.0.0.1:port."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        if isinstance(body, str):
            body = body.encode("utf-8")
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        return Response(r.status, r.getheaders(), data)
    finally:
        conn.close()


def raw_request(port, data, timeout=HTTP_TIMEOUT_S):
    """Send raw bytes, read the response until the server closes or its
    Content-Length is complete. Tolerates the server closing while we send."""
    deadline = time.monotonic() + timeout
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            s.sendall(data)
        buf = b""
        for _ in range(10000):
            if time.monotonic() > deadline:
                break
            try:
                chunk = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not chunk:
                break
            buf += chunk
            head, sep, rest = buf.partition(b"\r\n\r\n")
            if sep:
                m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
                if m and len(rest) >= int(m.group(1)):
                    break
    head, sep, rest = buf.partition(b"\r\n\r\n")
    assert sep, f"no complete HTTP response head: {buf!r}"
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = [tuple(x.strip() for x in l.split(":", 1)) for l in lines[1:] if ":" in l]
    return Response(status, headers, rest)


def form(**fields):
    return urllib.parse.urlencode(fields)


def ussd_form(session_id, phone, text, service_code=SERVICE_CODE, network="60401"):
    return urllib.parse.urlencode({"sessionId": session_id, "serviceCode": service_code,
                                   "phoneNumber": phone, "networkCode": network,
                                   "text": text})


FORM_CT = {"Content-Type": "application/x-www-form-urlencoded"}


def assert_json_error(r, status):
    assert r.status == status, r
    ct = r.headers.get("content-type", "")
    assert ct.split(";")[0].strip().lower() == "application/json", r
    err = r.json()["error"]
    assert isinstance(err.get("code"), str) and err["code"], r
    assert isinstance(err.get("message"), str) and err["message"], r
    return err


# --------------------------------------------------------------------------
# The daemon.

_STARTED = []  # every Daemon of the session, for pytest_sessionfinish


class Daemon:
    """One running taawund. Use through the `daemons` fixture."""

    def __init__(self, config, args=(), binary=None):
        self.config = Path(config)
        self.lines = []
        self.stdout_lines = []
        self._cv = threading.Condition()
        self.public_port = None
        self.admin_port = None
        self.proc = subprocess.Popen(
            [str(binary or TAAWUND), "-c", str(self.config), *args],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        _STARTED.append(self)
        self._readers = [
            threading.Thread(target=self._read, args=(self.proc.stderr, self.lines), daemon=True),
            threading.Thread(target=self._read, args=(self.proc.stdout, self.stdout_lines), daemon=True),
        ]
        for t in self._readers:
            t.start()

    def _read(self, stream, sink):
        for raw in iter(stream.readline, b""):
            with self._cv:
                sink.append(raw.decode("utf-8", "replace").rstrip("\n"))
                self._cv.notify_all()
        with self._cv:
            self._cv.notify_all()

    def log(self):
        with self._cv:
            return "\n".join(self.lines)

    def wait_log(self, pattern, timeout=START_TIMEOUT_S, start=0):
        """First stderr line (index >= start) matching regex pattern; fails on
        timeout or if the process exits before it appears."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._cv:
            while True:
                for line in self.lines[start:]:
                    if rx.search(line):
                        return line
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no log line /{pattern}/ within {timeout}s:\n"
                                         + "\n".join(self.lines[-40:]))
                if self.proc.poll() is not None and not any(t.is_alive() for t in self._readers):
                    raise AssertionError(f"taawund exited ({self.proc.returncode}) before "
                                         f"/{pattern}/:\n" + "\n".join(self.lines[-40:]))
                self._cv.wait(min(remaining, 0.1))

    def start(self):
        """Wait for both listening lines, then poll /healthz until 200."""
        for listener in ("public", "admin"):
            line = self.wait_log(rf'event=listening\b.*\blistener={listener}\b'
                                 rf'|"event":"listening".*"listener":"{listener}"')
            kv = parse_log_line(line)
            assert kv.get("addr") == "127.0.0.1", line
            port = int(kv["port"])
            assert 0 < port < 65536, line
            setattr(self, f"{listener}_port", port)
        deadline = time.monotonic() + START_TIMEOUT_S
        last = None
        for _ in range(1000):
            if self.proc.poll() is not None:
                raise AssertionError(f"taawund exited ({self.proc.returncode}):\n{self.log()}")
            try:
                r = http_request(self.public_port, "GET", "/healthz", timeout=1)
                if r.status == 200:
                    return self
                last = r
            except OSError as e:
                last = e
            if time.monotonic() > deadline:
                break
            time.sleep(0.02)  # poll interval, not a readiness guess
        raise AssertionError(f"/healthz not 200 within {START_TIMEOUT_S}s ({last}):\n{self.log()}")

    # Requests.
    def get(self, path, admin=False, **kw):
        return http_request(self.admin_port if admin else self.public_port, "GET", path, **kw)

    def post(self, path, body=b"", headers=None, admin=False, **kw):
        return http_request(self.admin_port if admin else self.public_port, "POST", path,
                            body=body, headers=headers, **kw)

    def assert_alive(self):
        assert self.proc.poll() is None, f"taawund died:\n{self.log()}"
        for port in (self.public_port, self.admin_port):
            r = http_request(port, "GET", "/healthz")
            assert r.status == 200, r

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=STOP_TIMEOUT_S):
        """SIGTERM and wait; returns the exit code (kills -9 after timeout)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
                raise AssertionError(f"taawund did not exit within {timeout}s of SIGTERM:\n"
                                     + self.log())
        for t in self._readers:
            t.join(5)
        return self.proc.returncode

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(5)
        for t in self._readers:
            t.join(5)

    # Database.
    def db(self, path=None):
        """A read-only connection to its database (or to the SQLite file path)."""
        return open_db(path or self.db_path)

    @property
    def db_path(self):
        """Where its config keeps the data: an SQLite file's Path, or a
        PgDatabase. Either goes to query, add_member and connect_db."""
        return _config_db_path(self.config)


_CONF_STRING = r'\s*=\s*"((?:[^"\\]|\\.)*)"\s*;'


def _config_db_path(config):
    text = Path(config).read_text()
    engine = re.search(r'^\s*engine' + _CONF_STRING, text, re.M)
    if engine and engine.group(1) == "postgresql":
        return PgDatabase(_unescape(re.search(r'^\s*conninfo' + _CONF_STRING, text, re.M).group(1)))
    m = re.search(r'^\s*path\s*=\s*"([^"]*)"\s*;', text, re.M)
    p = Path(m.group(1))
    return p if p.is_absolute() else Path(config).parent / p


# --------------------------------------------------------------------------
# The daemon's database on PostgreSQL: one database per config folder, and
# connections that take the tests' SQLite-flavoured parameters (?) and give
# rows the way sqlite3.Row does.

class PgDatabase:
    """A database on the test cluster that a daemon's config names: what
    Daemon.db_path is on PostgreSQL. Not a path: str() of it raises, so a
    test that hands it to sqlite3 fails saying why instead of making a file."""

    def __init__(self, conninfo, name=None):
        self.conninfo = conninfo
        self.name = name

    def __repr__(self):
        return f"PgDatabase({self.conninfo!r})"

    def __str__(self):
        raise TypeError(f"{self!r} is a PostgreSQL database, not an SQLite file: read and "
                        "write it through conftest's query/connect_db/add_member")

    def __eq__(self, other):
        return isinstance(other, PgDatabase) and other.conninfo == self.conninfo

    def __hash__(self):
        return hash(self.conninfo)


_PG_DATABASES = {}  # resolved config folder -> its PgDatabase


def _psycopg2():
    """Debian's python3-psycopg2, imported on first use: SQLite runs need none."""
    import psycopg2  # pylint: disable=import-outside-toplevel
    import psycopg2.extensions  # pylint: disable=import-outside-toplevel
    return psycopg2


def _pg_maintenance(sql):
    """Run sql (CREATE or DROP DATABASE) on TAAWUN_TEST_PG's database."""
    conn = _psycopg2().connect(TEST_PG, application_name=PG_APPLICATION_NAME)
    try:
        conn.autocommit = True  # CREATE/DROP DATABASE refuse a transaction
        with conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()


def pg_database_for(tmpdir):
    """The database of the configs written in folder tmpdir: made (named from
    a uuid) on the first call, the same one afterwards."""
    key = Path(tmpdir).resolve()
    if key not in _PG_DATABASES:
        name = "taawun_t_" + uuid.uuid4().hex
        _pg_maintenance(f'CREATE DATABASE "{name}"')
        _PG_DATABASES[key] = PgDatabase(f"{TEST_PG} dbname={name}", name)
    return _PG_DATABASES[key]


def drop_pg_databases(under=None):
    """Drop the databases of the config folders at or under folder `under`
    (every one when None), the daemons' connections closed by force."""
    root = Path(under).resolve() if under is not None else None
    for key in list(_PG_DATABASES):
        if root is None or key == root or root in key.parents:
            db = _PG_DATABASES.pop(key)
            _pg_maintenance(f'DROP DATABASE IF EXISTS "{db.name}" WITH (FORCE)')


def pg_sql(sql):
    """sql with SQLite's ? placeholders as psycopg2's %s, outside quoted
    strings and names, and every % doubled (psycopg2 reads % everywhere)."""
    out, quote = [], None
    for c in sql:
        if c == "%":
            out.append("%%")
        elif quote:
            out.append(c)
            if c == quote:
                quote = None  # a doubled quote closes and reopens: same text
        elif c in "'\"":
            quote = c
            out.append(c)
        else:
            out.append("%s" if c == "?" else c)
    return "".join(out)


def _pg_casters(psycopg2):
    """Values as SQLite gives them: bytea as bytes, numeric (sum() of
    integers, say) as int when whole, else float."""
    ext = psycopg2.extensions

    def as_bytes(value, cur):
        v = psycopg2.BINARY(value, cur)
        return None if v is None else bytes(v)

    def as_number(value, _cur):
        if value is None:
            return None
        d = decimal.Decimal(value)
        return int(d) if d == d.to_integral_value() else float(d)

    return (ext.new_type(psycopg2.BINARY.values, "TAAWUN_BYTES", as_bytes),
            ext.new_type(ext.DECIMAL.values, "TAAWUN_NUMBER", as_number))


class PgRow:
    """One row the way sqlite3.Row gives it: row[0], row["column"] (any
    case), dict(row), unpacking."""

    __slots__ = ("_names", "_values")

    def __init__(self, names, values):
        self._names = names
        self._values = tuple(values)

    def keys(self):
        return list(self._names)

    def __getitem__(self, key):
        if isinstance(key, str):
            for i, n in enumerate(self._names):
                if n.lower() == key.lower():
                    return self._values[i]
            raise IndexError(f"No item with that key: {key!r}")
        return self._values[key]

    def __iter__(self):
        return iter(self._values)

    def __len__(self):
        return len(self._values)

    def __eq__(self, other):
        return (isinstance(other, PgRow) and other._names == self._names
                and other._values == self._values)

    def __hash__(self):
        return hash((tuple(self._names), self._values))

    def __repr__(self):
        return f"PgRow({dict(zip(self._names, self._values))!r})"


class PgCursor:
    """The part of sqlite3.Cursor the tests use, over a psycopg2 cursor."""

    def __init__(self, cur):
        self._cur = cur

    def _row(self, values):
        return None if values is None else PgRow([d.name for d in self._cur.description], values)

    def fetchone(self):
        return self._row(self._cur.fetchone())

    def fetchall(self):
        return [self._row(v) for v in self._cur.fetchall()]

    def __iter__(self):
        return iter(self.fetchall())

    @property
    def rowcount(self):
        return self._cur.rowcount

    @property
    def description(self):
        return self._cur.description

    @property
    def lastrowid(self):
        raise AttributeError("PostgreSQL has no lastrowid: INSERT ... RETURNING id")


class PgConnection:
    """The part of sqlite3.Connection the tests use (execute, executemany,
    commit, rollback, close) over psycopg2, with ? placeholders. readonly:
    each statement on its own, no writes; otherwise one transaction until
    commit or rollback."""

    def __init__(self, conninfo, readonly):
        psycopg2 = _psycopg2()
        self._conn = psycopg2.connect(conninfo, application_name=PG_APPLICATION_NAME)
        for caster in _pg_casters(psycopg2):
            psycopg2.extensions.register_type(caster, self._conn)
        if readonly:
            self._conn.set_session(readonly=True, autocommit=True)

    def execute(self, sql, args=()):
        cur = self._conn.cursor()
        cur.execute(pg_sql(sql), tuple(args))
        return PgCursor(cur)

    def executemany(self, sql, seq_of_args):
        import psycopg2.extras  # pylint: disable=import-outside-toplevel
        cur = self._conn.cursor()  # in pages: one round trip per row is slow
        psycopg2.extras.execute_batch(cur, pg_sql(sql), [tuple(a) for a in seq_of_args],
                                      page_size=500)
        return PgCursor(cur)

    def commit(self):
        self._conn.commit()

    def rollback(self):
        self._conn.rollback()

    def close(self):
        self._conn.close()


@contextlib.contextmanager
def connect_db(db, write=False):
    """A connection to the database of db (a Daemon, an SQLite file's path or
    a PgDatabase): execute(sql, args) with ? placeholders, rows like
    sqlite3.Row (r[0], r["column"], dict(r)). write=False: read-only.
    write=True: one transaction (on SQLite BEGIN IMMEDIATE, waiting up to
    30 s for the daemon's lock; WAL makes this safe while taawund runs),
    committed when the block ends, rolled back if it raises."""
    target = db.db_path if isinstance(db, Daemon) else db
    if isinstance(target, PgDatabase):
        conn = PgConnection(target.conninfo, readonly=not write)
    elif write:
        conn = sqlite3.connect(str(target), timeout=30, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA busy_timeout = 30000")
        conn.execute("BEGIN IMMEDIATE")
    else:
        conn = sqlite3.connect(f"file:{target}?mode=ro", uri=True, timeout=5)
        conn.row_factory = sqlite3.Row
    try:
        yield conn
        if write:
            conn.commit()
    except BaseException:
        if write:
            conn.rollback()
        raise
    finally:
        conn.close()


def open_db(path):
    """A read-only connection to path (an SQLite file or a PgDatabase)."""
    return connect_db(path)


def query(db, sql, args=()):
    """The rows of sql (? placeholders) on db's database (a Daemon, an SQLite
    file's path or a PgDatabase), as dicts."""
    with connect_db(db) as c:
        return [dict(r) for r in c.execute(sql, args).fetchall()]


def schema_version(db):
    """The schema version of db's database (a Daemon, an SQLite file's path or
    a PgDatabase): SQLite's user_version, PostgreSQL's schema_version table."""
    target = db.db_path if isinstance(db, Daemon) else db
    sql = ("SELECT version FROM schema_version" if isinstance(target, PgDatabase)
           else "PRAGMA user_version")
    with connect_db(target) as c:
        return c.execute(sql).fetchone()[0]


def add_member(db, phone=None, *, language="fr", name="Test Member", cooperative=None,
               province=None, sector=None, gender=None, birth_year=None, consent=True,
               opted_out=False, erased=False, topics=None, registered_via="ussd"):
    """Insert a member straight into the database of db (a Daemon, a database
    path or a PgDatabase; safe while taawund runs) and return its id. phone
    defaults to new_phone(); cooperative is a cooperative's code (str) or id (int);
    topics {topic: enabled} become member_topics rows. The one member helper
    of the integration tests."""
    coop = "?" if isinstance(cooperative, int) else "(SELECT id FROM cooperatives WHERE code = ?)"
    now = int(time.time())
    with connect_db(db, write=True) as conn:
        mid = conn.execute(
            "INSERT INTO members (phone, name, cooperative_id, province, sector, gender,"
            " birth_year, language, consent_at, consent_channel, registered_via,"
            " registered_at, opted_out_at, erased_at, created_at, updated_at) VALUES"
            f" (?, ?, {coop}, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (phone or new_phone(), name, cooperative, province, sector, gender, birth_year,
             language, now if consent else None, "ussd" if consent else None,
             registered_via, now, now if opted_out else None, now if erased else None,
             now, now)).fetchall()[0][0]
        for topic, enabled in (topics or {}).items():
            conn.execute("INSERT INTO member_topics (member_id, topic, enabled, updated_at)"
                         " VALUES (?, ?, ?, ?)", (mid, topic, 1 if enabled else 0, now))
    return mid


def wait_until(predicate, timeout=10.0, interval=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    for _ in range(int(timeout / interval) + 2):
        v = predicate()
        if v:
            return v
        if time.monotonic() > deadline:
            break
        time.sleep(interval)
    raise AssertionError(f"{what} not reached within {timeout}s")


# Retention settings of daemons that run the test clock (see DaemonFactory.config);
# test_retention.py puts the defaults back with DELETE.
TEST_CLOCK_KEEPS_ROWS = {
    "retention.messages_days": 0, "retention.audit_days": 0,
    "retention.ussd_session_ends_days": 0, "retention.drafts_days": 3650,
    "retention.console_sessions_days": 3650, "retention.inbound_parts_days": 365,
}


class DaemonFactory:
    """Starts daemons for one test (or module) and stops them all at the end,
    checking that each exits 0 and never logged an unmasked phone number;
    on PostgreSQL, then drops the databases of the configs in its folder."""

    def __init__(self, tmpdir):
        self.tmpdir = Path(tmpdir)
        self.daemons = []
        self.binary = TAAWUND  # TAAWUND_TEST once the test_clock fixture is taken

    def config(self, overrides=None, name="taawun.conf"):
        if self.binary == TAAWUND_TEST:
            # A clock moved years ahead ages every row written by the real
            # clock: keep them, unless the test is about retention.
            overrides = {**TEST_CLOCK_KEEPS_ROWS, **(overrides or {})}
        return write_config(self.tmpdir, overrides, name)

    def start(self, overrides=None, config=None, args=()):
        if not self.binary.exists():
            pytest.fail(f"{self.binary} does not exist: run `make build-tests` first")
        config = config or self.config(overrides)
        d = Daemon(config, args, self.binary)
        self.daemons.append(d)
        return d.start()

    def finish(self):
        problems = []
        for d in self.daemons:
            if d.proc.poll() is None:
                try:
                    rc = d.stop()
                except AssertionError as e:
                    problems.append(str(e))
                    continue
                if rc != 0:
                    problems.append(f"taawund exited {rc} after SIGTERM:\n{d.log()}")
                elif not re.search(r'event=stopped\b|"event":"stopped"', d.log()):
                    problems.append(f"no event=stopped log line:\n{d.log()}")
            if d.stdout_lines and "-n" not in d.proc.args:
                problems.append("taawund wrote to stdout (logs go to stderr):\n"
                                + "\n".join(d.stdout_lines[:10]))
            leaked = [l for l in d.lines if UNMASKED_PHONE.search(l)]
            if leaked:
                problems.append("unmasked phone numbers in the log:\n" + "\n".join(leaked[:10]))
        self.daemons = []
        drop_pg_databases(self.tmpdir)  # on PostgreSQL: the databases of its configs
        if problems:
            pytest.fail("\n\n".join(problems), pytrace=False)


@pytest.fixture
def fake_at():
    """Africa's Talking's send API, faked on 127.0.0.1 (outbox_helpers.FakeAT),
    closed after the test."""
    from outbox_helpers import FakeAT  # it imports this module: not at the top
    f = FakeAT()
    yield f
    f.close()


@pytest.fixture
def daemons(tmp_path):
    f = DaemonFactory(tmp_path)
    try:
        yield f
    finally:
        f.finish()  # stops (or kills) every daemon, whatever happened


@pytest.fixture
def daemon(daemons):
    return daemons.start()


FSYNC_SHIM = TAAWUND.parent / "tests" / "fsync_hold.so"  # built by `make build-tests`


def preload_fsync_hold(monkeypatch, hold, fail=None):
    """The environment of the next taawund started: the fsync shim
    (fsync_hold.c) preloaded, holding every sync while the file hold exists
    and failing it while the file fail exists (a sanitized taawund is told
    not to mind that its runtime is not first)."""
    if not FSYNC_SHIM.is_file():
        pytest.fail(f"{FSYNC_SHIM} is missing: run `make build-tests`")
    monkeypatch.setenv("LD_PRELOAD", str(FSYNC_SHIM))
    monkeypatch.setenv("TAAWUN_TEST_FSYNC_HOLD", str(hold))
    if fail is not None:
        monkeypatch.setenv("TAAWUN_TEST_FSYNC_FAIL", str(fail))
    asan = os.environ.get("ASAN_OPTIONS", "")
    monkeypatch.setenv("ASAN_OPTIONS", (asan + ":" if asan else "") + "verify_asan_link_order=0")


def pg_write_lock_key():
    """The advisory lock every write transaction of the daemons takes on
    PostgreSQL (DB_PG_BEGIN_WRITE), read from src/store/db.c."""
    text = (ROOT / "src" / "store" / "db.c").read_text()
    m = re.search(r'DB_PG_BEGIN_WRITE\s+"[^"]*pg_advisory_xact_lock\((\d+)\)', text)
    return int(m.group(1))


class CommitHold:
    """What keeps the commits of the next daemon started from ending, on
    either engine. SQLite: the fsync shim holds every sync while a file
    exists (preload_fsync_hold). PostgreSQL: a session of the test holds the
    daemons' write lock, and the daemon waits for it as long as its config
    allows (`overrides`, for the config). hold(d), wait_held() until the
    daemon waits, release(). With fail=True on SQLite, every sync fails
    while the file `fail` exists."""

    PG_LOCK_WAIT_MS = 60000  # database.busy_timeout_ms's maximum

    def __init__(self, monkeypatch, tmp_path, fail=False):
        self.file = Path(tmp_path) / "fsync-hold"
        self.fail = Path(tmp_path) / "fsync-fail" if fail else None
        self.overrides, self._conn, self._db = {}, None, None
        if ENGINE == "sqlite":
            preload_fsync_hold(monkeypatch, self.file, self.fail)
        else:
            self.overrides = {"database.busy_timeout_ms": self.PG_LOCK_WAIT_MS}

    def hold(self, d):
        if ENGINE == "sqlite":
            self.file.touch()
            return
        self._db = d.db_path
        self._conn = _psycopg2().connect(self._db.conninfo, application_name=PG_APPLICATION_NAME)
        self._conn.autocommit = True
        with self._conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_lock(%s)", (pg_write_lock_key(),))

    def _held(self):
        if ENGINE == "sqlite":
            return self.file.with_name(self.file.name + ".held").exists()
        return query(self._db, "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory'"
                               " AND NOT granted AND database = (SELECT oid FROM pg_database"
                               " WHERE datname = current_database())")[0]["n"] > 0

    def wait_held(self, timeout=10):
        """Until a commit of the daemon waits for the hold."""
        wait_until(self._held, timeout=timeout, interval=0.01,
                   what="a commit held (SQLite: is the fsync shim preloaded?)")

    def release(self):
        if ENGINE == "sqlite":
            self.file.unlink(missing_ok=True)
            if self.fail is not None:
                self.fail.unlink(missing_ok=True)
        elif self._conn is not None:
            self._conn.close()  # the session's lock goes with it
            self._conn = None


TEST_NOW_ENV = "TAAWUN_TEST_NOW_FILE"


class TestClock:
    """The scheduler's clock of taawund-test: a file holding unix seconds."""

    __test__ = False  # not a pytest test class

    def __init__(self, path):
        self.path = Path(path)

    def set(self, now):
        self.path.write_text(str(int(now)))


@pytest.fixture
def test_clock(daemons, tmp_path, monkeypatch):
    """Daemons of this test run taawund-test (built with -DTAAWUN_TEST_HOOKS)
    with TAAWUN_TEST_NOW_FILE naming the returned clock's file. Set the time
    before starting a daemon: the scheduler skips ticks while the file is
    missing."""
    clock = TestClock(tmp_path / "now")
    monkeypatch.setenv(TEST_NOW_ENV, str(clock.path))
    daemons.binary = TAAWUND_TEST
    return clock


# --------------------------------------------------------------------------
# USSD sessions in Africa's Talking's format.

class Screen:
    def __init__(self, kind, text, response):
        self.kind = kind          # "CON" or "END"
        self.text = text          # without the prefix
        self.response = response

    @property
    def con(self):
        return self.kind == "CON"

    @property
    def end(self):
        return self.kind == "END"

    def __contains__(self, s):
        return s in self.text

    def __repr__(self):
        return f"{self.kind} {self.text!r}"


def parse_screen(r, gsm7_max=SCREEN_MAX_GSM7, ucs2_max=SCREEN_MAX_UCS2):
    """Check a USSD answer (200, text/plain; charset=utf-8, CON/END, fits)."""
    assert r.status == 200, r
    ct = r.headers.get("content-type", "").replace(" ", "").lower()
    assert ct == "text/plain;charset=utf-8", r
    body = r.body.decode("utf-8")
    assert body[:4] in ("CON ", "END "), r
    text = body[4:]
    assert text.strip(), f"empty screen: {r}"
    assert_screen_fits(text, gsm7_max, ucs2_max)
    return Screen(body[:3], text, r)


_phone_counter = [0]


def new_phone():
    """A distinct valid Moroccan mobile number for each call (+2126...)."""
    _phone_counter[0] += 1
    return "+2126%08d" % (12340000 + os.getpid() % 1000 * 100 + _phone_counter[0])


class Ussd:
    """One USSD session: each step resends every input joined with '*'."""

    def __init__(self, daemon, phone=None, channel="sandbox", session_id=None,
                 key=None, path_token=None):
        self.daemon = daemon
        self.phone = phone or new_phone()
        self.channel = channel
        self.session_id = session_id or "ATUid_" + uuid.uuid4().hex
        self.key = key
        self.path_token = path_token
        self.inputs = []
        self.screens = []

    @property
    def text(self):
        return "*".join(self.inputs)

    def path(self, key=None, path_token=None):
        p = f"/hooks/{self.channel}/ussd"
        token = path_token if path_token is not None else self.path_token
        if token is not None:
            p += "/" + urllib.parse.quote(token, safe="")
        key = key if key is not None else self.key
        if key is not None:
            p += "?" + urllib.parse.urlencode({"key": key})
        return p

    def post_raw(self, text, **kw):
        return self.daemon.post(self.path(**kw), ussd_form(self.session_id, self.phone, text),
                                FORM_CT)

    def dial(self):
        assert not self.inputs
        return self._step()

    def send(self, value):
        """Type one input (may be "" or contain '*'); returns the Screen."""
        self.inputs.append(value)
        return self._step()

    def _step(self):
        s = parse_screen(self.post_raw(self.text))
        self.screens.append(s)
        return s


def assert_menu(screen, lang, keys, start=1):
    """The screen lists "N. <catalog messages.KEY>" for keys in order from start."""
    nums = numbered(screen.text)
    for i, key in enumerate(keys, start):
        assert nums.get(str(i)) == msg(lang, key), \
            f"expected '{i}. {msg(lang, key)}' on {screen!r}"


def walk_pages(u, lang, names, first_screen):
    """Follow 98 through a paginated list; check global numbering and names.
    Returns the list of pages (Screens). Leaves the session on the last page."""
    pages = [first_screen]
    seen = []
    for _ in range(len(names) + 1):
        page = pages[-1]
        its = items(page.text)
        assert its, f"no items on {page!r}"
        expected_start = len(seen) + 1
        assert [n for n, _ in its] == list(range(expected_start, expected_start + len(its))), page
        seen.extend(label for _, label in its)
        if len(seen) >= len(names):
            assert msg(lang, "nav_more") not in page.text, page
            break
        lines = page.text.rstrip("\n").split("\n")
        # "98. more" closes the list; only navigation lines (back, home) may follow.
        assert msg(lang, "nav_more") in lines, f"no '{msg(lang, 'nav_more')}' on {page!r}"
        after = lines[lines.index(msg(lang, "nav_more")) + 1:]
        assert set(after) <= {msg(lang, "nav_back"), msg(lang, "nav_back_home")}, page
        pages.append(u.send("98"))
        assert pages[-1].con
    assert len(seen) == len(names), (seen, names)
    for got, want in zip(seen, names):
        # An item that cannot fit is ellipsized: compare its kept prefix.
        stem = got.rstrip(".…").rstrip()
        assert want.startswith(stem) and stem, (got, want)
    return pages
