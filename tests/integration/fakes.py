"""fakes.py -- fake aggregators for taawun's integration tests and benchmarks.

Each fake is an HTTP server on 127.0.0.1 (port chosen by the kernel) that speaks
one provider's documented send API (../shared/PROVIDERS.md): Africa's Talking,
Twilio, Vonage and Infobip. It checks the credentials, answers in the provider's
exact shapes, records every request it receives, and can be told to misbehave
for the next N requests (HTTP 500/503/429, a time-out, garbage, a provider error
code) or for a while (down for N seconds). It also fires delivery reports back
to taawun's /hooks/{channel}/dlr in the provider's format (Twilio's signed with
X-Twilio-Signature over the public URL as taawun gave it), and can send inbound
SMS in the provider's format.

Tests count what the provider accepted per phone number (each test chooses a
distinct phone per message), which maps the fake's records to our message ids.

Standard library only (no pytest), so tests/bench/bench.py can import it too.
Every wait is bounded in time; close() stops the server and its connections.
"""

import base64
import collections
import contextlib
import email.utils
import hashlib
import hmac
import http.client
import http.server
import json
import os
import random
import socket
import sqlite3
import threading
import time
import urllib.parse
import uuid

MAX_BODY = 1 << 20           # a request body larger than this is refused (413)
TIMEOUT_SLEEP_CAP_S = 10.0   # a "timeout" answer never sleeps longer than this
DLR_HTTP_TIMEOUT_S = 10.0


def _ephemeral_range():
    try:
        lo, hi = (int(v) for v in open("/proc/sys/net/ipv4/ip_local_port_range").read().split())
        return lo, hi
    except (OSError, ValueError):
        return 32768, 60999


_ports_given = set()  # free_port()'s answers in this process, never given twice


def free_port():
    """A TCP port free on 127.0.0.1 right now, for programs that cannot bind
    port 0 and tell us (Kannel, a daemon whose URL must be known first).
    Chosen below the kernel's ephemeral range: a port that bind(0) hands out
    can be taken again by any outgoing connection of a parallel test before
    the program binds it (bearerbox then panics, 'Address already in use').
    Never the same port twice in one run: the ports one test asks for before
    any is bound (Kannel's four, taawund's) would otherwise collide now and
    then. Left: another process choosing the same random port in the same
    instant."""
    lo, _ = _ephemeral_range()
    first = 10000 if lo > 11000 else 1024
    for _ in range(200):
        port = random.randrange(first, lo)
        if port in _ports_given:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            _ports_given.add(port)
            return port
    raise AssertionError(f"no free port in {first}..{lo - 1} after 200 tries")


def wait_port(port, timeout, proc=None):
    """Poll until something accepts on 127.0.0.1:port (bounded); True if so.
    Gives up early when proc (a Popen) has exited."""
    deadline = time.monotonic() + timeout
    for _ in range(int(timeout / 0.02) + 2):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            pass
        if proc is not None and proc.poll() is not None:
            return False
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)  # poll interval, not a readiness guess
    return False


def e164(raw):
    """'+2126...' from '+2126...', '2126...' or '002126...' (fakes compare phones
    in one form whatever the provider's wire form is)."""
    raw = (raw or "").strip()
    if raw.startswith("00"):
        raw = raw[2:]
    return "+" + raw.lstrip("+")


# --------------------------------------------------------------------------
# Text measure (GSM 03.38), same rules as conftest.measure.

GSM7_DEFAULT = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM7_EXTENSION = set("^{}\\[~]|€\f")


def encoding_of(text):
    """('gsm7', septets) or ('ucs2', UTF-16 units) for text."""
    if all(c in GSM7_DEFAULT or c in GSM7_EXTENSION for c in text):
        return "gsm7", sum(2 if c in GSM7_EXTENSION else 1 for c in text)
    return "ucs2", sum(2 if ord(c) > 0xFFFF else 1 for c in text)


def segments_of(text):
    enc, units = encoding_of(text)
    single, part = (160, 153) if enc == "gsm7" else (70, 67)
    return 1 if units <= single else -(-units // part)


# --------------------------------------------------------------------------
# Queuing messages straight into taawun's outbox (the sender polls it).

def queue_messages(db, channel, items, priority=0, member_ids=None, now=None):
    """Insert outbound messages (status 'queued', due now) in one transaction.
    db: an SQLite file's path, or a Daemon or PgDatabase of conftest (written
    through its connect_db, imported only then: benchmarks run without
    pytest). items: [(phone E.164, body)]; member_ids: {phone: id} or None.
    Returns the new ids in the order of items."""
    now = int(time.time()) if now is None else now
    if isinstance(db, (str, os.PathLike)):
        transaction = _sqlite_transaction(db)
    else:
        from conftest import connect_db  # pylint: disable=import-outside-toplevel
        transaction = connect_db(db, write=True)
    ids = []
    with transaction as conn:
        for phone, body in items:
            enc, _ = encoding_of(body)
            ids.append(conn.execute(
                "INSERT INTO messages (channel, direction, phone, member_id, kind, topic, body,"
                " encoding, segments, status, priority, attempts, next_attempt_at,"
                " created_at, updated_at)"
                " VALUES (?, 'out', ?, ?, 'notification', NULL, ?, ?, ?, 'queued', ?, 0, ?, ?, ?)"
                " RETURNING id",
                (channel, phone, (member_ids or {}).get(phone), body, enc, segments_of(body),
                 priority, now, now, now)).fetchall()[0][0])
    return ids


@contextlib.contextmanager
def _sqlite_transaction(path):
    """A write transaction on the SQLite file path, taken at once (waiting up to
    30 s for the daemon's lock) and committed when the block ends."""
    conn = sqlite3.connect(str(path), timeout=30, isolation_level=None)
    try:
        conn.execute("PRAGMA busy_timeout = 30000")
        conn.execute("BEGIN IMMEDIATE")
        yield conn
        conn.execute("COMMIT")
    finally:
        conn.close()


# --------------------------------------------------------------------------
# Recorded requests and answers.

class Recorded:
    """One request the fake received, and what it answered."""

    def __init__(self, method, path, query, headers, body, client):
        self.method = method
        self.path = path              # without the query
        self.query = query            # {name: [values]}
        self.headers = headers        # {lower-case name: value}
        self.body = body              # bytes
        self.client = client
        self.at = time.monotonic()
        self.form = {}                # {name: [values]} for form bodies
        self.json = None              # parsed JSON body
        self.outcome = None           # "accepted", "http-500", "timeout", "garbage", ...
        self.status = None            # HTTP status answered
        self.recipients = []          # [(phone E.164, text)] asked for in this request
        self.accepted = []            # [(phone E.164, provider id)] the fake took

    def field(self, name, default=None):
        """First value of a form field (or query parameter)."""
        v = self.form.get(name) or self.query.get(name)
        return v[0] if v else default

    def header(self, name, default=None):
        return self.headers.get(name.lower(), default)

    def __repr__(self):
        return (f"<{self.method} {self.path} {self.status} {self.outcome} "
                f"{self.body[:200]!r}>")


class Answer:
    def __init__(self, status, body=b"", content_type="application/json", headers=None,
                 outcome=None, accepted=()):
        self.status = status
        self.body = body if isinstance(body, bytes) else body.encode("utf-8")
        self.content_type = content_type
        self.headers = dict(headers or {})
        self.outcome = outcome
        self.accepted = list(accepted)


def http_date(t):
    """Unix time t as an HTTP-date (IMF-fixdate, RFC 9110 §5.6.7)."""
    return email.utils.formatdate(t, usegmt=True)


def json_answer(status, obj, **kw):
    return Answer(status, json.dumps(obj), "application/json", **kw)


class Refused(Exception):
    """The request is not what the provider accepts: answer as the provider would."""

    def __init__(self, answer):
        super().__init__(answer.status)
        self.answer = answer


class HttpResult:
    """What taawun answered to a request a fake sent it."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = {k.lower(): v for k, v in headers}
        self.body = body

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def __repr__(self):
        return f"<HttpResult {self.status} {self.body[:300]!r}>"


def http_call(port, method, target, body=b"", headers=None, timeout=DLR_HTTP_TIMEOUT_S):
    """One request to 127.0.0.1:port (target: path?query). Returns HttpResult."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        if isinstance(body, str):
            body = body.encode("utf-8")
        conn.request(method, target, body=body or None, headers=headers or {})
        r = conn.getresponse()
        return HttpResult(r.status, r.getheaders(), r.read())
    finally:
        conn.close()


def local_target(url):
    """path?query of an absolute URL (the fakes call taawun on its real port
    whatever host its public URL names, as a proxy in front of it would)."""
    u = urllib.parse.urlsplit(url)
    return (u.path or "/") + (("?" + u.query) if u.query else "")


# --------------------------------------------------------------------------
# The server.

class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30  # an idle keep-alive connection is closed after this
    server_version = "fake-provider/1"

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        self.server.fake._track(self.connection, True)

    def finish(self):
        with contextlib.suppress(OSError):
            super().finish()
        self.server.fake._track(self.connection, False)

    def _any(self):
        fake = self.server.fake
        n = int(self.headers.get("Content-Length") or 0)
        if n > MAX_BODY:
            self._send(Answer(413, b'{"error":"too large"}'))
            self.close_connection = True
            return
        body = self.rfile.read(n) if n else b""
        u = urllib.parse.urlsplit(self.path)
        rec = Recorded(self.command, u.path,
                       urllib.parse.parse_qs(u.query, keep_blank_values=True),
                       {k.lower(): v for k, v in self.headers.items()}, body,
                       self.client_address[0])
        try:
            answer = fake._handle(rec)
        except Exception as e:  # a bug in the fake must show, not hang the client
            answer = Answer(599, f"fake provider error: {e!r}", "text/plain",
                            outcome="fake-bug")
        rec.status = answer.status
        rec.outcome = answer.outcome
        rec.accepted = list(answer.accepted)
        fake._record(rec)
        if answer.outcome == "timeout":
            # Past the client's timeout; it has given up. Say nothing more.
            self.close_connection = True
            return
        self._send(answer)

    do_POST = do_GET = do_PUT = do_DELETE = _any

    def _send(self, a):
        try:
            self.send_response(a.status)
            self.send_header("Content-Type", a.content_type)
            self.send_header("Content-Length", str(len(a.body)))
            for k, v in a.headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(a.body)
        except OSError:
            self.close_connection = True


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512
    allow_reuse_address = True


class FakeProvider:
    """Base of the fakes. Subclasses implement parse_send(rec) -> recipients,
    answer_send(rec, recipients, errors) -> Answer, and the DLR builders."""

    name = "fake"
    send_path = "/"

    def __init__(self, timeout_sleep_s=3.0):
        self.timeout_sleep_s = min(float(timeout_sleep_s), TIMEOUT_SLEEP_CAP_S)
        self._cv = threading.Condition()
        self._closing = threading.Event()
        self._conns = set()
        self.requests = []                 # every Recorded, in arrival order
        self.sends = []                    # Recorded send requests
        self.accepted = collections.Counter()   # phone -> times accepted
        self.messages = {}                 # provider id -> dict(phone, text, callback, ...)
        self.by_phone = collections.defaultdict(list)  # phone -> [provider ids]
        self._plan = collections.deque()   # [mode, remaining, arg]
        self._down_until = 0.0
        self._down_status = 503
        self.phone_errors = {}             # phone -> provider error code (every time)
        self.inflight = 0
        self.max_inflight = 0
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self.port = self._server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    # ---- life

    def close(self):
        """Stop serving; wake sleeping handlers; close open connections."""
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()
        with self._cv:
            conns = list(self._conns)
        for c in conns:
            with contextlib.suppress(OSError):
                c.shutdown(socket.SHUT_RDWR)
        self._thread.join(5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _track(self, conn, add):
        with self._cv:
            (self._conns.add if add else self._conns.discard)(conn)

    # ---- misbehaviour

    def fail_next(self, n, mode, arg=None, retry_after="1"):
        """Misbehave for the next n send requests (queued after earlier orders):
        mode "http" (arg: status, default 500; 429 and 503 carry a Retry-After
        header whose value is retry_after: a string sent as is, a callable
        called when answering, or None for no header at all),
        "timeout" (sleep timeout_sleep_s, then close without answering),
        "garbage" (200 with a body that is not the provider's format),
        "error" (arg: the provider's error code for every recipient)."""
        assert mode in ("http", "timeout", "garbage", "error"), mode
        with self._cv:
            self._plan.append([mode, int(n), arg, retry_after])

    def down_for(self, seconds, status=503):
        """Answer `status` to every send request for `seconds` from now."""
        with self._cv:
            self._down_until = time.monotonic() + seconds
            self._down_status = status

    def reject_phone(self, phone, code):
        """Answer the provider error code for this recipient, every time."""
        with self._cv:
            self.phone_errors[e164(phone)] = code

    def _take_plan(self):
        """(mode, arg, retry_after) of the next send request."""
        with self._cv:
            if time.monotonic() < self._down_until:
                return ("http", self._down_status, "1")
            while self._plan:
                step = self._plan[0]
                if step[1] <= 0:
                    self._plan.popleft()
                    continue
                step[1] -= 1
                return (step[0], step[2], step[3])
            return (None, None, None)

    # ---- handling

    def _handle(self, rec):
        if not self.is_send(rec):
            return self.other(rec)
        with self._cv:
            self.inflight += 1
            self.max_inflight = max(self.max_inflight, self.inflight)
        try:
            return self._handle_send(rec)
        finally:
            with self._cv:
                self.inflight -= 1

    def _handle_send(self, rec):
        try:
            rec.recipients = self.parse_send(rec)
        except Refused as r:
            return r.answer
        mode, arg, retry_after = self._take_plan()
        if mode == "http":
            status = int(arg or 500)
            if callable(retry_after):
                retry_after = retry_after()
            hdrs = ({"Retry-After": retry_after}
                    if status in (429, 503) and retry_after is not None else {})
            return self.answer_http_error(rec, status, hdrs)
        if mode == "timeout":
            self._closing.wait(self.timeout_sleep_s)
            return Answer(504, outcome="timeout")
        if mode == "garbage":
            return Answer(200, b"<html>\x00\xff{\"not\": json", "application/json",
                          outcome="garbage")
        errors = {}
        for phone, _ in rec.recipients:
            code = arg if mode == "error" else self.phone_errors.get(phone)
            if code is not None:
                errors[phone] = code
        answer = self.answer_send(rec, rec.recipients, errors)
        if answer.outcome is None:
            answer.outcome = "accepted" if answer.accepted else "refused"
        return answer

    def _record(self, rec):
        with self._cv:
            self.requests.append(rec)
            if rec.recipients or self.is_send(rec):
                self.sends.append(rec)
            texts = dict(rec.recipients)
            for phone, pid in rec.accepted:
                self.accepted[phone] += 1
                self.by_phone[phone].append(pid)
                info = {"phone": phone, "text": texts.get(phone), "request": rec}
                info.update(self.message_info(rec, phone))
                self.messages[pid] = info
            self._cv.notify_all()

    def is_send(self, rec):
        return rec.method == "POST" and rec.path == self.send_path

    def other(self, rec):
        return json_answer(404, {"error": "not found"}, outcome="not-found")

    def answer_http_error(self, rec, status, headers):
        return json_answer(status, {"error": f"HTTP {status}"}, headers=headers,
                           outcome=f"http-{status}")

    def message_info(self, rec, phone):
        """Extra facts about an accepted message (callback URL, our id)."""
        return {}

    # ---- queries (thread-safe, bounded waits)

    def accepted_total(self):
        with self._cv:
            return sum(self.accepted.values())

    def accepted_counts(self):
        """{phone: times accepted} (a copy)."""
        with self._cv:
            return collections.Counter(self.accepted)

    def sends_for(self, phone):
        """The send requests that carried this recipient, in the order they
        arrived (a "timeout" answer is recorded only when its sleep ends,
        after the client's later retries may have been recorded)."""
        phone = e164(phone)
        with self._cv:
            return sorted((r for r in self.sends if any(p == phone for p, _ in r.recipients)),
                          key=lambda r: r.at)

    def provider_id(self, phone):
        """The provider id of the (last) acceptance of a message to phone."""
        with self._cv:
            ids = self.by_phone.get(e164(phone))
            return ids[-1] if ids else None

    def wait(self, predicate, timeout, what="condition"):
        """Wait (bounded) until predicate(self) is true, woken by each request.
        Returns its value; raises AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        with self._cv:
            while True:
                v = predicate(self)
                if v:
                    return v
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"{self.name} fake: {what} not reached within {timeout}s "
                        f"({len(self.requests)} requests, {sum(self.accepted.values())} "
                        f"accepted; last: {self.requests[-3:]})")
                self._cv.wait(min(remaining, 0.1))

    def wait_accepted(self, phones, timeout, times=1):
        phones = [e164(p) for p in phones]
        return self.wait(lambda f: all(f.accepted[p] >= times for p in phones), timeout,
                         f"acceptance of {len(phones)} message(s)")

    def wait_requests(self, n, timeout):
        return self.wait(lambda f: len(f.sends) >= n, timeout, f"{n} send request(s)")

    # ---- delivery reports

    def dlr(self, port, provider_id, state, **kw):
        """Fire one delivery report about provider_id to taawun (public port).
        state: "delivered", "failed", "rejected", "expired", "sent", "buffered",
        "accepted". Returns taawun's HttpResult."""
        method, target, headers, body = self.build_dlr(provider_id, state, **kw)
        return http_call(port, method, target, body, headers)


# --------------------------------------------------------------------------
# Africa's Talking.

AT_STATUS = {100: "Processed", 101: "Success", 102: "Queued", 401: "RiskHold",
             402: "InvalidSenderId", 403: "InvalidPhoneNumber", 404: "UnsupportedNumberType",
             405: "InsufficientBalance", 406: "UserInBlacklist", 407: "CouldNotRoute",
             409: "DoNotDisturbRejection", 500: "InternalServerError", 501: "GatewayError",
             502: "RejectedByGateway"}
AT_DLR_STATUS = {"delivered": "Success", "failed": "Failed", "rejected": "Rejected",
                 "sent": "Sent", "accepted": "Submitted", "buffered": "Buffered",
                 "expired": "Failed"}


class FakeAfricasTalking(FakeProvider):
    """POST /version1/messaging, apiKey header, form body, bulk `to` list."""

    name = "africastalking"
    send_path = "/version1/messaging"

    def __init__(self, username="sandbox", api_key="at-test-key", channel="at",
                 webhook_secret=None, **kw):
        self.username = username
        self.api_key = api_key
        self.channel = channel
        self.webhook_secret = webhook_secret
        super().__init__(**kw)

    def parse_send(self, rec):
        if rec.header("apiKey") != self.api_key:
            raise Refused(Answer(401, "The supplied authentication is invalid", "text/plain",
                                 outcome="unauthorized"))
        ctype = (rec.header("Content-Type") or "").split(";")[0].strip().lower()
        if ctype != "application/x-www-form-urlencoded":
            raise Refused(Answer(415, "Unsupported content type", "text/plain",
                                 outcome="bad-content-type"))
        rec.form = urllib.parse.parse_qs(rec.body.decode("utf-8"), keep_blank_values=True)
        if rec.field("username") != self.username:
            raise Refused(Answer(401, "The supplied authentication is invalid", "text/plain",
                                 outcome="unauthorized"))
        to, message = rec.field("to"), rec.field("message")
        if not to or message is None:
            raise Refused(Answer(400, "Missing to or message", "text/plain",
                                 outcome="bad-request"))
        return [(e164(p), message) for p in to.split(",") if p.strip()]

    def answer_http_error(self, rec, status, headers):
        return Answer(status, f"HTTP {status}", "text/plain", headers=headers,
                      outcome=f"http-{status}")

    def answer_send(self, rec, recipients, errors):
        out, accepted = [], []
        for phone, text in recipients:
            code = errors.get(phone, 101)
            pid = "None"
            if code in (100, 101, 102):
                pid = "ATXid_" + uuid.uuid4().hex
                accepted.append((phone, pid))
            out.append({"statusCode": code, "number": phone,
                        "status": AT_STATUS.get(code, "Failed"),
                        "cost": "MAD 0.2500" if pid != "None" else "0",
                        "messageId": pid,
                        "messageParts": segments_of(text)})
        total = len(recipients)
        body = {"SMSMessageData": {
            "Message": f"Sent to {len(accepted)}/{total} Total Cost: MAD {0.25 * len(accepted):.4f}",
            "Recipients": out}}
        return json_answer(201, body, accepted=accepted)

    def dlr_target(self):
        t = f"/hooks/{self.channel}/dlr"
        if self.webhook_secret:
            t += "?" + urllib.parse.urlencode({"key": self.webhook_secret})
        return t

    def build_dlr(self, provider_id, state, failure_reason=None, network="60401",
                  retry_count=0):
        info = self.messages.get(provider_id, {})
        fields = {"id": provider_id, "status": AT_DLR_STATUS[state],
                  "phoneNumber": info.get("phone", ""), "networkCode": network,
                  "retryCount": str(retry_count)}
        if state in ("failed", "rejected", "expired"):
            fields["failureReason"] = failure_reason or "UserInBlackList"
        return ("POST", self.dlr_target(),
                {"Content-Type": "application/x-www-form-urlencoded"},
                urllib.parse.urlencode(fields))

    def sms(self, port, from_phone, text, to="12345", msg_id=None):
        """An inbound SMS in AT's form."""
        fields = {"from": from_phone, "to": to, "text": text,
                  "date": time.strftime("%Y-%m-%d %H:%M:%S"),
                  "id": msg_id or str(uuid.uuid4()), "linkId": str(uuid.uuid4()),
                  "networkCode": "60401"}
        t = f"/hooks/{self.channel}/sms"
        if self.webhook_secret:
            t += "?" + urllib.parse.urlencode({"key": self.webhook_secret})
        return http_call(port, "POST", t, urllib.parse.urlencode(fields),
                         {"Content-Type": "application/x-www-form-urlencoded"})


# --------------------------------------------------------------------------
# Twilio.

def twilio_signature(auth_token, url, params):
    """X-Twilio-Signature: Base64(HMAC-SHA1(token, url + name1 value1 name2 ...)),
    parameters sorted by name."""
    data = url + "".join(k + v for k, v in sorted(params.items()))
    mac = hmac.new(auth_token.encode("utf-8"), data.encode("utf-8"), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode("ascii")


TWILIO_ERRORS = {21610: (400, "Attempt to send to unsubscribed recipient"),
                 21211: (400, "The 'To' number is not a valid phone number."),
                 21614: (400, "'To' number is not a valid mobile number"),
                 20429: (429, "Too Many Requests"),
                 20003: (401, "Authenticate"),
                 30001: (400, "Queue overflow")}
TWILIO_DLR_STATUS = {"delivered": "delivered", "failed": "failed", "rejected": "failed",
                     "expired": "undelivered", "sent": "sent", "accepted": "accepted",
                     "buffered": "queued", "undelivered": "undelivered"}


class FakeTwilio(FakeProvider):
    """POST /2010-04-01/Accounts/{sid}/Messages.json, HTTP Basic sid:token."""

    name = "twilio"

    def __init__(self, account_sid="AC" + "0" * 31 + "1", auth_token="twilio-test-token",
                 channel="twilio", public_url="https://gw.example.test", **kw):
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.channel = channel
        self.public_url = public_url.rstrip("/")
        self.send_path = f"/2010-04-01/Accounts/{account_sid}/Messages.json"
        super().__init__(**kw)

    def _error(self, code, status=None, outcome=None):
        st, message = TWILIO_ERRORS.get(code, (400, "Error"))
        st = status or st
        return json_answer(st, {"code": code, "message": message,
                                "more_info": f"https://www.twilio.com/docs/errors/{code}",
                                "status": st}, outcome=outcome or f"error-{code}")

    def is_send(self, rec):
        return rec.method == "POST" and rec.path.startswith("/2010-04-01/Accounts/") \
            and rec.path.endswith("/Messages.json")

    def parse_send(self, rec):
        if rec.path != self.send_path:
            raise Refused(self._error(20003, 401, "unauthorized"))
        auth = rec.header("Authorization") or ""
        want = "Basic " + base64.b64encode(
            f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if not hmac.compare_digest(auth, want):
            raise Refused(self._error(20003, 401, "unauthorized"))
        rec.form = urllib.parse.parse_qs(rec.body.decode("utf-8"), keep_blank_values=True)
        to, body = rec.field("To"), rec.field("Body")
        if not to or body is None or not (rec.field("From") or rec.field("MessagingServiceSid")):
            raise Refused(json_answer(400, {"code": 21604, "message": "A 'To' phone number "
                                            "and a 'From' or 'MessagingServiceSid' and a "
                                            "'Body' are required.", "status": 400},
                                      outcome="bad-request"))
        return [(e164(to), body)]

    def answer_http_error(self, rec, status, headers):
        if status == 429:
            a = self._error(20429, 429, "http-429")
            a.headers.update(headers)
            return a
        return json_answer(status, {"code": 20500, "message": "Internal Server Error",
                                    "status": status}, headers=headers,
                           outcome=f"http-{status}")

    def answer_send(self, rec, recipients, errors):
        phone, text = recipients[0]
        if phone in errors:
            return self._error(int(errors[phone]))
        sid = "SM" + uuid.uuid4().hex
        now = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())
        body = {"account_sid": self.account_sid, "api_version": "2010-04-01", "body": text,
                "date_created": now, "date_sent": None, "date_updated": now,
                "direction": "outbound-api", "error_code": None, "error_message": None,
                "from": rec.field("From"), "messaging_service_sid":
                rec.field("MessagingServiceSid"), "num_media": "0",
                "num_segments": str(segments_of(text)), "price": None, "price_unit": "USD",
                "sid": sid, "status": "queued", "to": phone,
                "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json"}
        return json_answer(201, body, accepted=[(phone, sid)])

    def message_info(self, rec, phone):
        return {"callback": rec.field("StatusCallback"), "from": rec.field("From")}

    def build_dlr(self, provider_id, state, error_code=None, signature=None, url=None):
        """The status callback, signed over the StatusCallback URL taawun gave
        (or url, or {public_url}/hooks/{channel}/dlr)."""
        info = self.messages.get(provider_id, {})
        url = url or info.get("callback") or f"{self.public_url}/hooks/{self.channel}/dlr"
        status = TWILIO_DLR_STATUS[state]
        params = {"MessageSid": provider_id, "SmsSid": provider_id, "AccountSid":
                  self.account_sid, "From": info.get("from") or "+15005550006",
                  "To": info.get("phone", ""), "MessageStatus": status, "SmsStatus": status,
                  "ApiVersion": "2010-04-01"}
        if status in ("failed", "undelivered"):
            params["ErrorCode"] = str(error_code or 30003)
        sig = signature if signature is not None else twilio_signature(self.auth_token, url,
                                                                       params)
        return ("POST", local_target(url),
                {"Content-Type": "application/x-www-form-urlencoded",
                 "X-Twilio-Signature": sig, "User-Agent": "TwilioProxy/1.1"},
                urllib.parse.urlencode(params))

    def sms(self, port, from_phone, text, to="+15005550006", sid=None, signature=None,
            path=None):
        """An inbound SMS, signed over {public_url}{path} (signature= forges it)."""
        path = path or f"/hooks/{self.channel}/sms"
        sid = sid or "SM" + uuid.uuid4().hex
        params = {"MessageSid": sid, "SmsMessageSid": sid, "SmsSid": sid,
                  "AccountSid": self.account_sid, "From": from_phone, "To": to, "Body": text,
                  "NumSegments": str(segments_of(text)), "NumMedia": "0",
                  "ApiVersion": "2010-04-01", "SmsStatus": "received",
                  "FromCountry": "MA", "ToCountry": "US"}
        url = self.public_url + path
        sig = signature if signature is not None else twilio_signature(self.auth_token, url,
                                                                       params)
        return http_call(port, "POST", path, urllib.parse.urlencode(params),
                         {"Content-Type": "application/x-www-form-urlencoded",
                          "X-Twilio-Signature": sig})


# --------------------------------------------------------------------------
# Vonage.

VONAGE_ERRORS = {"1": "Throttled", "2": "Missing Parameters", "3": "Invalid Parameters",
                 "4": "Invalid Credentials", "5": "Internal Error", "6": "Invalid Message",
                 "7": "Number Barred", "8": "Partner Account Barred",
                 "9": "Partner Quota Violation", "29": "Non-White-listed Destination"}
VONAGE_DLR_STATUS = {"delivered": "delivered", "failed": "failed", "rejected": "rejected",
                     "expired": "expired", "accepted": "accepted", "buffered": "buffered",
                     "sent": "accepted"}


def vonage_signature(secret, params, method="sha256"):
    """Vonage's sig: sort params but sig by name, '&k=v...' with '&' and '=' in
    values replaced by '_'; md5hash = md5(string + secret), else HMAC; upper hex."""
    parts = "".join("&" + k + "=" + str(v).replace("&", "_").replace("=", "_")
                    for k, v in sorted(params.items()) if k != "sig")
    if method == "md5hash":
        return hashlib.md5((parts + secret).encode("utf-8")).hexdigest().upper()
    algo = {"md5": hashlib.md5, "sha1": hashlib.sha1, "sha256": hashlib.sha256,
            "sha512": hashlib.sha512}[method]
    return hmac.new(secret.encode("utf-8"), parts.encode("utf-8"), algo).hexdigest().upper()


class FakeVonage(FakeProvider):
    """POST /sms/json (form or JSON); per-message status inside HTTP 200."""

    name = "vonage"
    send_path = "/sms/json"

    def __init__(self, api_key="vonagekey", api_secret="vonage-test-secret", channel="vonage",
                 webhook_secret=None, signature_secret=None, signature_method="sha256", **kw):
        self.api_key = api_key
        self.api_secret = api_secret
        self.channel = channel
        self.webhook_secret = webhook_secret
        self.signature_secret = signature_secret
        self.signature_method = signature_method
        super().__init__(**kw)

    def parse_send(self, rec):
        ctype = (rec.header("Content-Type") or "").split(";")[0].strip().lower()
        if ctype == "application/json":
            try:
                rec.json = json.loads(rec.body.decode("utf-8"))
            except ValueError:
                raise Refused(self._status("2"))
            rec.form = {k: [str(v)] for k, v in rec.json.items()}
        else:
            rec.form = urllib.parse.parse_qs(rec.body.decode("utf-8"), keep_blank_values=True)
        if rec.field("api_key") != self.api_key or rec.field("api_secret") != self.api_secret:
            raise Refused(self._status("4", outcome="unauthorized"))
        to, text, frm = rec.field("to"), rec.field("text"), rec.field("from")
        if not to or text is None or not frm:
            raise Refused(self._status("2", outcome="bad-request"))
        return [(e164(to), text)]

    def _status(self, code, to="", outcome=None):
        return json_answer(200, {"message-count": "1", "messages": [
            {"to": to, "status": code, "error-text": VONAGE_ERRORS.get(code, "Error")}]},
            outcome=outcome or f"error-{code}")

    def answer_send(self, rec, recipients, errors):
        phone, text = recipients[0]
        wire_to = rec.field("to")
        if phone in errors:
            return self._status(str(errors[phone]), wire_to)
        parts = segments_of(text)
        msgs, first = [], None
        for _ in range(parts):
            mid = uuid.uuid4().hex[:16].upper()
            first = first or mid
            m = {"to": wire_to, "message-id": mid, "status": "0",
                 "remaining-balance": "3.14159265", "message-price": "0.03330000",
                 "network": "60401"}
            if rec.field("client-ref"):
                m["client-ref"] = rec.field("client-ref")
            msgs.append(m)
        return json_answer(200, {"message-count": str(parts), "messages": msgs},
                           accepted=[(phone, first)])

    def message_info(self, rec, phone):
        return {"callback": rec.field("callback"), "client_ref": rec.field("client-ref"),
                "from": rec.field("from"), "type": rec.field("type")}

    def build_dlr(self, provider_id, state, err_code=None, method="POST"):
        info = self.messages.get(provider_id, {})
        params = {"msisdn": info.get("phone", "").lstrip("+"), "to": info.get("from") or "Taawun",
                  "network-code": "60401", "messageId": provider_id, "price": "0.03330000",
                  "status": VONAGE_DLR_STATUS[state],
                  "scts": time.strftime("%y%m%d%H%M", time.gmtime()),
                  "err-code": str(err_code if err_code is not None else
                                  (0 if state in ("delivered", "accepted", "buffered", "sent")
                                   else 1)),
                  "api-key": self.api_key,
                  "message-timestamp": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())}
        if info.get("client_ref"):
            params["client-ref"] = info["client_ref"]
        if self.signature_secret:
            params["timestamp"] = str(int(time.time()))
            params["nonce"] = uuid.uuid4().hex
            params["sig"] = vonage_signature(self.signature_secret, params,
                                             self.signature_method)
        target = local_target(info["callback"]) if info.get("callback") else \
            f"/hooks/{self.channel}/dlr" + (
                "?" + urllib.parse.urlencode({"key": self.webhook_secret})
                if self.webhook_secret else "")
        if method == "GET":
            sep = "&" if "?" in target else "?"
            return ("GET", target + sep + urllib.parse.urlencode(params), {}, b"")
        if method == "POST-JSON":
            return ("POST", target, {"Content-Type": "application/json"}, json.dumps(params))
        return ("POST", target, {"Content-Type": "application/x-www-form-urlencoded"},
                urllib.parse.urlencode(params))


# --------------------------------------------------------------------------
# Infobip.

INFOBIP_STATUS = {
    "pending": {"groupId": 1, "groupName": "PENDING", "id": 26, "name": "PENDING_ACCEPTED",
                "description": "Message sent to next instance"},
    "accepted": {"groupId": 1, "groupName": "PENDING", "id": 26, "name": "PENDING_ACCEPTED",
                 "description": "Message sent to next instance"},
    "sent": {"groupId": 1, "groupName": "PENDING", "id": 7, "name": "PENDING_ENROUTE",
             "description": "Message sent to next instance"},
    "buffered": {"groupId": 1, "groupName": "PENDING", "id": 3, "name": "PENDING_WAITING_DELIVERY",
                 "description": "Message sent, waiting for delivery report"},
    "failed": {"groupId": 2, "groupName": "UNDELIVERABLE", "id": 9,
               "name": "UNDELIVERABLE_NOT_DELIVERED", "description": "Message sent not delivered"},
    "delivered": {"groupId": 3, "groupName": "DELIVERED", "id": 5, "name": "DELIVERED_TO_HANDSET",
                  "description": "Message delivered to handset"},
    "expired": {"groupId": 4, "groupName": "EXPIRED", "id": 15, "name": "EXPIRED_EXPIRED",
                "description": "Message expired"},
    "rejected": {"groupId": 5, "groupName": "REJECTED", "id": 14,
                 "name": "REJECTED_DESTINATION", "description": "Message rejected: destination"},
}
NO_ERROR = {"groupId": 0, "groupName": "OK", "id": 0, "name": "NO_ERROR",
            "description": "No Error", "permanent": False}


class FakeInfobip(FakeProvider):
    """POST /sms/2/text/advanced, Authorization: App KEY, JSON both ways."""

    name = "infobip"
    send_path = "/sms/2/text/advanced"

    def __init__(self, api_key="infobip-test-key", channel="infobip", webhook_secret=None, **kw):
        self.api_key = api_key
        self.channel = channel
        self.webhook_secret = webhook_secret
        super().__init__(**kw)

    def _request_error(self, status, message_id, text, outcome):
        return json_answer(status, {"requestError": {"serviceException": {
            "messageId": message_id, "text": text}}}, outcome=outcome)

    def parse_send(self, rec):
        if rec.header("Authorization") != f"App {self.api_key}":
            raise Refused(self._request_error(401, "UNAUTHORIZED", "Invalid login details",
                                              "unauthorized"))
        ctype = (rec.header("Content-Type") or "").split(";")[0].strip().lower()
        try:
            if ctype != "application/json":
                raise ValueError(ctype)
            rec.json = json.loads(rec.body.decode("utf-8"))
            out = []
            for m in rec.json["messages"]:
                for d in m["destinations"]:
                    out.append((e164(d["to"]), m["text"]))
        except (ValueError, KeyError, TypeError):
            raise Refused(self._request_error(400, "BAD_REQUEST", "Bad request",
                                              "bad-request"))
        if not out:
            raise Refused(self._request_error(400, "BAD_REQUEST", "No destinations",
                                              "bad-request"))
        return out

    def answer_http_error(self, rec, status, headers):
        a = self._request_error(status, "TOO_MANY_REQUESTS" if status == 429 else
                                "GENERAL_ERROR", f"HTTP {status}", f"http-{status}")
        a.headers.update(headers)
        return a

    def answer_send(self, rec, recipients, errors):
        out, accepted = [], []
        for m in rec.json["messages"]:
            for d in m["destinations"]:
                phone = e164(d["to"])
                mid = d.get("messageId") or uuid.uuid4().hex
                if phone in errors:
                    st = dict(INFOBIP_STATUS["rejected"])
                    if isinstance(errors[phone], dict):
                        st = errors[phone]
                    out.append({"to": d["to"], "status": st, "messageId": mid})
                else:
                    out.append({"to": d["to"], "status": INFOBIP_STATUS["pending"],
                                "messageId": mid})
                    accepted.append((phone, mid))
        return json_answer(200, {"bulkId": "bulk-" + uuid.uuid4().hex, "messages": out},
                           accepted=accepted)

    def message_info(self, rec, phone):
        for m in rec.json["messages"]:
            for d in m["destinations"]:
                if e164(d["to"]) == phone:
                    return {"callback": m.get("notifyUrl"), "from": m.get("from"),
                            "our_id": d.get("messageId"),
                            "notify_content_type": m.get("notifyContentType")}
        return {}

    def dlr_result(self, provider_id, state):
        info = self.messages.get(provider_id, {})
        now = time.strftime("%Y-%m-%dT%H:%M:%S.000+0000", time.gmtime())
        err = dict(NO_ERROR)
        if state in ("failed", "rejected", "expired"):
            err = {"groupId": 1, "groupName": "HANDSET_ERRORS", "id": 27,
                   "name": "EC_ABSENT_SUBSCRIBER", "description": "Absent Subscriber",
                   "permanent": False}
        return {"bulkId": "bulk-1", "messageId": provider_id,
                "to": info.get("phone", "").lstrip("+"), "sentAt": now, "doneAt": now,
                "smsCount": 1, "mccMnc": "60401",
                "price": {"pricePerMessage": 0.01, "currency": "EUR"},
                "status": INFOBIP_STATUS[state], "error": err}

    def build_dlr_batch(self, reports):
        """One POST carrying several results: reports = [(provider_id, state)]."""
        first = self.messages.get(reports[0][0], {})
        target = local_target(first["callback"]) if first.get("callback") else \
            f"/hooks/{self.channel}/dlr" + (
                "?" + urllib.parse.urlencode({"key": self.webhook_secret})
                if self.webhook_secret else "")
        body = {"results": [self.dlr_result(pid, st) for pid, st in reports]}
        return ("POST", target, {"Content-Type": "application/json"}, json.dumps(body))

    def build_dlr(self, provider_id, state):
        return self.build_dlr_batch([(provider_id, state)])

    def dlr_batch(self, port, reports):
        method, target, headers, body = self.build_dlr_batch(reports)
        return http_call(port, method, target, body, headers)


FAKES = {"africastalking": FakeAfricasTalking, "twilio": FakeTwilio, "vonage": FakeVonage,
         "infobip": FakeInfobip}


# --------------------------------------------------------------------------
# Channel settings for a test config (names as in struct channel_settings).

def provider_channel(fake, tmpdir, name=None, public_url=None, **extra):
    """The config group of a channel whose base_url is the fake, with its
    secret files written mode 0600 in tmpdir. Returns a dict for conftest's
    render_libconfig."""
    tmpdir = str(tmpdir)
    name = name or fake.channel

    def secret(fname, value):
        path = os.path.join(tmpdir, f"{name}-{fname}")
        with open(path, "w") as f:
            f.write(value + "\n")
        os.chmod(path, 0o600)
        return path

    ch = {"name": name, "type": fake.name, "base_url": fake.base_url,
          "throughput_per_s": 200, "concurrency": 8, "max_attempts": 6,
          "retry_base_s": 1, "retry_max_s": 2, "expiry_s": 3600, "request_timeout_s": 2}
    if fake.name == "africastalking":
        ch.update(username=fake.username, api_key_file=secret("api_key", fake.api_key),
                  sender_id="Taawun", ussd_code="*384*123#")
    elif fake.name == "twilio":
        ch.update(username=fake.account_sid, api_key_file=secret("auth_token", fake.auth_token),
                  sender_id="+15005550006", public_url=public_url or fake.public_url)
    elif fake.name == "vonage":
        ch.update(username=fake.api_key, api_key_file=secret("api_secret", fake.api_secret),
                  sender_id="Taawun")
        if fake.signature_secret:
            ch.update(signature_secret_file=secret("signature_secret", fake.signature_secret),
                      signature_method=fake.signature_method)
    elif fake.name == "infobip":
        ch.update(api_key_file=secret("api_key", fake.api_key), sender_id="Taawun")
    if getattr(fake, "webhook_secret", None):
        ch["secret_file"] = secret("webhook_secret", fake.webhook_secret)
    if public_url and "public_url" not in ch:
        ch["public_url"] = public_url
    ch.update(extra)
    return ch


# --------------------------------------------------------------------------
# A fast Africa's Talking for benchmarks and big runs.

class FastAfricasTalking:
    """Africa's Talking's send API on asyncio with minimal parsing: keep-alive,
    Content-Length bodies, apiKey checked, every recipient of `to` accepted and
    counted per phone. Records no requests (FakeAfricasTalking does), so its
    own ceiling is far higher; bench.py measures it. down_for() as above."""

    name = "africastalking"

    def __init__(self, username="sandbox", api_key="at-test-key", channel="at",
                 webhook_secret=None):
        import asyncio
        self._asyncio = asyncio
        self.username = username
        self.api_key = api_key
        self.channel = channel
        self.webhook_secret = webhook_secret
        self.accepted = collections.Counter()   # phone -> times accepted
        self.by_phone = collections.defaultdict(list)  # phone -> [messageId]
        self.total = 0                          # recipients accepted
        self.requests = 0                       # send requests answered 201
        self.refused = 0                        # send requests answered 503 (down)
        self.first_at = self.last_at = None
        self._down_until = 0.0
        self._lock = threading.Condition()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("fast fake did not start")
        self.base_url = f"http://127.0.0.1:{self.port}"

    def _run(self):
        asyncio = self._asyncio
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._client, "127.0.0.1", 0, backlog=1024))
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        self._server.close()
        self._loop.run_until_complete(self._server.wait_closed())
        self._loop.close()

    def close(self):
        if self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def down_for(self, seconds, status=503):
        assert status == 503
        self._down_until = time.monotonic() + seconds

    def accepted_total(self):
        with self._lock:
            return self.total

    def wait(self, predicate, timeout, what="condition"):
        """Wait (bounded) until predicate(self) is true; AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                v = predicate(self)
                if v:
                    return v
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"fast AT fake: {what} not reached within "
                                         f"{timeout}s ({self.requests} requests, "
                                         f"{self.total} accepted)")
                self._lock.wait(min(remaining, 0.05))

    def accepted_counts(self):
        with self._lock:
            return collections.Counter(self.accepted)

    async def _client(self, reader, writer):
        key = b"apikey: " + self.api_key.encode().lower()
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lower = head.lower()
                n = 0
                i = lower.find(b"\r\ncontent-length:")
                if i >= 0:
                    j = lower.find(b"\r\n", i + 2)
                    n = int(lower[i + 17:j].strip())
                body = await reader.readexactly(n) if n else b""
                writer.write(self._answer(lower, body, key))
                await writer.drain()
        except (self._asyncio.IncompleteReadError, ConnectionError, ValueError,
                self._asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    def _answer(self, lower, body, key):
        def resp(status, reason, payload, ctype=b"application/json"):
            return (b"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n"
                    % (status, reason, ctype, len(payload)) + payload)

        if not lower.startswith(b"post /version1/messaging "):
            return resp(404, b"Not Found", b"{}")
        if key not in lower:
            return resp(401, b"Unauthorized", b"The supplied authentication is invalid",
                        b"text/plain")
        if time.monotonic() < self._down_until:
            with self._lock:
                self.refused += 1
            return resp(503, b"Service Unavailable", b"down", b"text/plain")
        form = urllib.parse.parse_qs(body.decode("utf-8"))
        if form.get("username", [""])[0] != self.username or "to" not in form:
            return resp(400, b"Bad Request", b"bad request", b"text/plain")
        phones = [e164(p) for p in form["to"][0].split(",") if p]
        now = time.monotonic()
        with self._lock:
            self.requests += 1
            self.first_at = self.first_at or now
            self.last_at = now
            base = self.requests
            ids = ["ATXid_%d_%d" % (base, k) for k in range(len(phones))]
            for p, mid in zip(phones, ids):
                self.accepted[p] += 1
                self.by_phone[p].append(mid)
            self.total += len(phones)
            self._lock.notify_all()
        recips = ",".join(
            '{"statusCode":101,"number":"%s","status":"Success","cost":"MAD 0.2500",'
            '"messageId":"%s","messageParts":1}' % (p, mid)
            for p, mid in zip(phones, ids))
        payload = ('{"SMSMessageData":{"Message":"Sent to %d/%d Total Cost: MAD 0",'
                   '"Recipients":[%s]}}' % (len(phones), len(phones), recips)).encode()
        return resp(201, b"Created", payload)
