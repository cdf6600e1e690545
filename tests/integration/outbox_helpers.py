"""outbox_helpers.py -- what test_outbox.py and test_inbound.py share: a tiny
fake Africa's Talking messaging API on 127.0.0.1 (port 0) that answers the
documented JSON and can be scripted (HTTP 500, a statusCode per recipient),
an Africa's Talking channel pointed at it, and direct writes into the
daemon's database (members, outbound rows), as an operator or another part
of the programme would make them, on either engine.

Standard library only. Nothing here sleeps: callers poll with wait_until.
"""

import json
import sqlite3
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from conftest import at_channel, connect_db, write_secret

AT_USERNAME = "taawun-test"
AT_API_KEY = "at-api-key-for-tests"
AT_SECRET = "webhook-secret-for-tests"


class FakeAT:
    """POST /version1/messaging as Africa's Talking documents it.

    script: a list consumed one entry per request; each entry is an int HTTP
    status (answered with a plain error body) or a dict
    {number: (statusCode, status)} for per-recipient results ("ok" or a
    missing number means 101 Success). When the script is empty every
    recipient is accepted."""

    def __init__(self, script=()):
        self.script = list(script)
        self.requests = []  # (headers dict, form dict of lists)
        self.lock = threading.Lock()
        self.counter = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n).decode("utf-8")
                status, payload = fake._answer(self.path, dict(self.headers.items()), body)
                data = payload.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.port}"

    def _answer(self, path, headers, body):
        form = urllib.parse.parse_qs(body, keep_blank_values=True)
        with self.lock:
            self.requests.append((headers, form, path))
            step = self.script.pop(0) if self.script else "ok"
        if path != "/version1/messaging":
            return 404, json.dumps({"error": "not found"})
        if isinstance(step, int):
            return step, "Internal Server Error" if step >= 500 else "error"
        numbers = form.get("to", [""])[0].split(",")
        recipients = []
        for number in numbers:
            code, status = (101, "Success")
            if isinstance(step, dict) and number in step:
                code, status = step[number]
            with self.lock:
                self.counter += 1
                mid = f"ATXid_{self.counter}" if code < 400 else "None"
            recipients.append({"statusCode": code, "number": number, "status": status,
                               "cost": "MAD 0.2500" if code < 400 else "0",
                               "messageId": mid, "messageParts": 1})
        sent = sum(1 for r in recipients if r["statusCode"] < 400)
        return 201, json.dumps({"SMSMessageData": {
            "Message": f"Sent to {sent}/{len(recipients)} Total Cost: MAD 0.25",
            "Recipients": recipients}})

    def sends(self):
        """[(headers, form)] of every request received so far."""
        with self.lock:
            return [(h, f) for h, f, _ in self.requests]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def at_send_channel(tmpdir, fake, name="at", **extra):
    """An africastalking channel whose API is the fake, with fast retries."""
    secret = write_secret(tmpdir / f"{name}.secret", AT_SECRET)
    key = write_secret(tmpdir / f"{name}.apikey", AT_API_KEY)
    settings = {"base_url": fake.base_url, "username": AT_USERNAME,
                "api_key_file": str(key), "throughput_per_s": 100, "concurrency": 4,
                "max_attempts": 5, "retry_base_s": 1, "retry_max_s": 2,
                "request_timeout_s": 5}
    settings.update(extra)
    return at_channel(name, secret, **settings)


# --------------------------------------------------------------------------
# Direct writes into the daemon's database (either engine, through conftest's
# connect_db: safe while it runs).

def write_db(db, sql, args=()):
    """Run one statement (? placeholders) on db's database (a Daemon, a path or
    a PgDatabase) and commit; returns the new row's id of an INSERT (SQLite's
    lastrowid; on PostgreSQL its id column, None for a table without one)."""
    with connect_db(db, write=True) as conn:
        if isinstance(conn, sqlite3.Connection):
            return conn.execute(sql, args).lastrowid
        if sql.lstrip()[:6].upper() != "INSERT" or "RETURNING" in sql.upper():
            conn.execute(sql, args)
            return None
        rows = conn.execute(sql + " RETURNING *", args).fetchall()
        return rows[0]["id"] if rows and "id" in rows[0].keys() else None


def queue_out(daemon, channel, phone, body="Taawun test message", kind="notification",
              topic=None, member_id=None, status="queued", created_at=None, priority=0,
              provider_id=None, attempts=0, resend_after_crash=0):
    """Insert an outbound row as other parts of the programme queue them."""
    now = int(time.time())
    created = created_at if created_at is not None else now
    enc = "gsm7" if all(ord(c) < 128 for c in body) else "ucs2"
    with connect_db(daemon, write=True) as conn:
        return conn.execute(
            "INSERT INTO messages (channel, direction, phone, member_id, kind, topic,"
            " body, encoding, segments, status, priority, attempts, next_attempt_at,"
            " provider_id, resend_after_crash, created_at, updated_at)"
            " VALUES (?,'out',?,?,?,?,?,?,1,?,?,?,?,?,?,?,?) RETURNING id",
            (channel, phone, member_id, kind, topic, body, enc, status, priority,
             attempts, created, provider_id, resend_after_crash, created, now)).fetchall()[0][0]


def queue_many(daemon, rows):
    """Insert outbound rows [(channel, phone, body)] in one transaction."""
    now = int(time.time())
    ids = []
    with connect_db(daemon, write=True) as conn:
        for channel, phone, body in rows:
            ids.append(conn.execute(
                "INSERT INTO messages (channel, direction, phone, kind, body, encoding,"
                " segments, status, next_attempt_at, created_at, updated_at)"
                " VALUES (?,'out',?,'broadcast',?,'gsm7',1,'queued',?,?,?) RETURNING id",
                (channel, phone, body, now, now, now)).fetchall()[0][0])
    return ids
