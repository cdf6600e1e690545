"""test_kannel.py -- taawun against the real Kannel (Debian's kannel and
kannel-extras): bearerbox, smsbox and the fake SMSC client fakesmsc, all on
127.0.0.1, configured from tests/kannel/kannel.conf.in.

Inbound: fakesmsc injects an SMS (Latin, and Arabic as UCS-2), Kannel calls
taawun's /hooks/kannel/sms get-url, and taawun's reply must come back to
fakesmsc (Arabic as UCS-2). Outbound: messages queued in the outbox go out
through cgi-bin/sendsms (coding=2 for Arabic), reach fakesmsc, and Kannel's two
delivery reports (8: accepted by the SMSC, then 1: delivered) move them to
'delivered'. Every process started here is stopped by pid, even on failure.
Skips only when the Kannel binaries are missing.
"""

import os
import re
import signal
import string
import subprocess
import threading
import time
import urllib.parse
from pathlib import Path

import pytest

from conftest import ROOT, add_member, new_phone, query, sandbox_channel, wait_until, write_secret
from fakes import e164, free_port, queue_messages, wait_port

BEARERBOX = Path("/usr/sbin/bearerbox")
SMSBOX = Path("/usr/sbin/smsbox")
FAKESMSC = Path("/usr/lib/kannel/test/fakesmsc")
TEMPLATE = ROOT / "tests" / "kannel" / "kannel.conf.in"

CHANNEL = "kannel"
SENDER_ID = "Taawun"
SHORT_CODE = "1234"
WEBHOOK_SECRET = "kannel-hook-secret-0123456789"
SENDSMS_USER = "taawun"
SENDSMS_PASSWORD = "sendsms-password-0123456789"
START_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 10.0
REPLY_TIMEOUT_S = 20.0
ARABIC_IN = "مرحبا"

missing = [str(p) for p in (BEARERBOX, SMSBOX, FAKESMSC) if not os.access(p, os.X_OK)]
pytestmark = pytest.mark.skipif(
    bool(missing), reason=f"Kannel binaries missing ({', '.join(missing)}): "
                          "apt-get install kannel kannel-extras")


class Proc:
    """A child we started; lines of its stderr+stdout are kept (bounded)."""

    def __init__(self, name, argv, cwd):
        self.name = name
        self.lines = []
        self._cv = threading.Condition()
        self.proc = subprocess.Popen([str(a) for a in argv], cwd=cwd,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.pid = self.proc.pid
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for raw in iter(self.proc.stdout.readline, b""):
            with self._cv:
                if len(self.lines) < 20000:
                    self.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))
                self._cv.notify_all()
        with self._cv:
            self._cv.notify_all()

    def snapshot(self):
        with self._cv:
            return list(self.lines)

    def wait_for(self, predicate, timeout, what):
        """Wait (bounded) until predicate(lines) returns a true value."""
        deadline = time.monotonic() + timeout
        with self._cv:
            while True:
                v = predicate(self.lines)
                if v:
                    return v
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"{self.name}: {what} not seen within {timeout}s; "
                                         f"last lines:\n" + "\n".join(self.lines[-20:]))
                self._cv.wait(min(remaining, 0.1))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(STOP_TIMEOUT_S)
        self._reader.join(2)
        return self.proc.returncode


# fakesmsc prints each MT message it gets as "Got message N: <FROM TO TYPE DATA>".
GOT_RX = re.compile(r"Got message \d+: <(\S+) (\S+) (\S+) (.*)>$")


def decode_mt(kind, data):
    """Text of an MT message as fakesmsc prints it: 'ucs-2' data is UTF-16BE
    percent-encoded ('+' for a space), 'text' data is plain."""
    if kind in ("ucs-2", "ucs2"):
        return urllib.parse.unquote_to_bytes(data.replace("+", " ")).decode("utf-16-be")
    if kind == "udh":
        # One part of a concatenated message: "<udh> [data] <data>", both
        # encoded (no literal spaces): the text is the last field.
        payload = urllib.parse.unquote_to_bytes(data.split(" ")[-1].replace("+", " "))
        if len(payload) % 2 == 0:
            text = payload.decode("utf-16-be", "replace")
            if re.search("[\u0600-\u06FF]", text):
                return text
        return payload.decode("latin-1")
    return data


def mt_messages(lines):
    out = []
    for line in lines:
        m = GOT_RX.search(line)
        if m:
            frm, to, kind, data = m.groups()
            out.append({"from": frm, "to": e164(to), "to_raw": to, "kind": kind,
                        "text": decode_mt(kind, data)})
    return out


class Kannel:
    """bearerbox + smsbox from the template, and fakesmsc clients on demand."""

    def __init__(self, tmpdir, taawun_port):
        self.dir = Path(tmpdir) / "kannel"
        self.dir.mkdir()
        self.ports = {"admin_port": free_port(), "smsbox_port": free_port(),
                      "fakesmsc_port": free_port(), "sendsms_port": free_port()}
        get_url = (f"http://127.0.0.1:{taawun_port}/hooks/{CHANNEL}/sms?"
                   + urllib.parse.urlencode({"key": WEBHOOK_SECRET})
                   + "&id=%I&from=%p&to=%P&text=%b&coding=%c&charset=%C&smsc=%i&time=%t")
        text = string.Template(TEMPLATE.read_text()).substitute(
            dir=self.dir, admin_password="admin-" + os.urandom(6).hex(),
            sendsms_username=SENDSMS_USER, sendsms_password=SENDSMS_PASSWORD,
            channel=CHANNEL, get_url=get_url, **self.ports)
        self.conf = self.dir / "kannel.conf"
        self.conf.write_text(text)
        self.procs = []

    def start(self):
        bb = self._spawn("bearerbox", [BEARERBOX, self.conf])
        for key in ("smsbox_port", "fakesmsc_port"):
            if not wait_port(self.ports[key], START_TIMEOUT_S, bb.proc):
                raise AssertionError(f"bearerbox not listening on {key}:\n{self.logs()}")
        sb = self._spawn("smsbox", [SMSBOX, self.conf])
        if not wait_port(self.ports["sendsms_port"], START_TIMEOUT_S, sb.proc):
            raise AssertionError(f"smsbox not listening on sendsms port:\n{self.logs()}")
        return self

    def _spawn(self, name, argv):
        p = Proc(name, argv, self.dir)
        self.procs.append(p)
        return p

    def fakesmsc(self, messages=(), count=None):
        """A fakesmsc client: injects `count` of messages ("FROM TO type DATA"),
        then stays connected printing what it receives. count=0: receive only."""
        msgs = list(messages) or [f"+212600000000 {SHORT_CODE} text unused"]
        count = len(messages) if count is None else count
        p = self._spawn("fakesmsc", [FAKESMSC, "-H", "127.0.0.1", "-r",
                                     self.ports["fakesmsc_port"], "-i", "0.1", "-m", count,
                                     *msgs])
        p.wait_for(lambda ls: any("fakesmsc starting" in l for l in ls) or p.proc.poll()
                   is not None, START_TIMEOUT_S, "fakesmsc start")
        return p

    def stop_proc(self, p):
        p.stop()
        if p in self.procs:
            self.procs.remove(p)

    def logs(self):
        out = []
        for name in ("bearerbox.log", "smsbox.log", "smsbox-access.log",
                     "bearerbox-access.log"):
            f = self.dir / name
            if f.exists():
                out.append(f"--- {name}\n" + "\n".join(f.read_text(errors="replace")
                                                        .splitlines()[-15:]))
        return "\n".join(out)

    def access_log(self):
        f = self.dir / "bearerbox-access.log"
        return f.read_text(errors="replace") if f.exists() else ""

    def close(self):
        # fakesmsc clients first, then smsbox, then bearerbox.
        for p in reversed(self.procs):
            try:
                p.stop()
            except Exception as e:  # keep stopping the others
                print(f"cannot stop {p.name} (pid {p.pid}): {e}")
        self.procs = []


@pytest.fixture
def kannel_env(daemons, tmp_path):
    """taawun with a kannel channel on a port chosen here (Kannel needs the URL
    before taawun could tell its port), then Kannel pointing at it."""
    taawun_port = free_port()
    password_file = write_secret(tmp_path / "kannel-password", SENDSMS_PASSWORD)
    secret_file = write_secret(tmp_path / "kannel-hook-secret", WEBHOOK_SECRET)
    k = None
    try:
        k = Kannel(tmp_path, taawun_port)
        channel = {"name": CHANNEL, "type": "kannel", "secret_file": str(secret_file),
                   "allow_from": ["127.0.0.1"],
                   "base_url": f"http://127.0.0.1:{k.ports['sendsms_port']}",
                   "username": SENDSMS_USER, "api_key_file": str(password_file),
                   "sender_id": SENDER_ID, "public_url": f"http://127.0.0.1:{taawun_port}",
                   "kannel_smsc": "fake", "dlr_mask": 31, "throughput_per_s": 50,
                   "concurrency": 4, "max_attempts": 5, "retry_base_s": 1, "retry_max_s": 2,
                   "expiry_s": 3600, "request_timeout_s": 5}
        d = daemons.start({"http.public.port": taawun_port,
                           "channels": (sandbox_channel(), channel)})
        k.start()
        yield d, k
    finally:
        try:
            if k:
                k.close()
        finally:
            daemons.finish()


def inbound_rows(d, phone):
    return query(d, "SELECT * FROM messages WHERE direction = 'in' AND phone = ?", (phone,))


def wait_inbound(d, phone):
    try:
        return wait_until(lambda: inbound_rows(d, phone), timeout=5, what="inbound row")
    except AssertionError as e:
        rows = query(d, "SELECT id, channel, direction, phone, body, status, provider_id "
                        "FROM messages ORDER BY id DESC LIMIT 5")
        raise AssertionError(f"{e}: no messages row direction='in' phone={phone}; "
                             f"latest rows: {rows}")


def wait_reply(fsmsc, phone, timeout=REPLY_TIMEOUT_S):
    return fsmsc.wait_for(lambda ls: [m for m in mt_messages(ls) if m["to"] == phone],
                          timeout, f"a reply to {phone}")


def test_inbound_sms_latin_gets_a_reply(kannel_env):
    d, k = kannel_env
    phone = new_phone()
    add_member(d.db_path, phone, language="fr")
    f = k.fakesmsc([f"{phone} {SHORT_CODE} text Bonjour la cooperative"])
    try:
        [reply] = wait_reply(f, phone)[:1]
    except AssertionError as e:
        raise AssertionError(f"{e}\n{k.logs()}\n--- taawund:\n" + "\n".join(d.lines[-20:]))
    assert reply["text"].strip(), reply
    assert reply["from"] in (SHORT_CODE, SENDER_ID), reply
    rows = wait_inbound(d, phone)
    assert len(rows) == 1, rows
    assert rows[0]["body"] == "Bonjour la cooperative"
    assert rows[0]["channel"] == CHANNEL
    k.stop_proc(f)
    d.assert_alive()


def test_inbound_sms_arabic_ucs2_gets_an_arabic_reply(kannel_env):
    d, k = kannel_env
    phone = new_phone()
    add_member(d.db_path, phone, language="ar")
    data = urllib.parse.quote_from_bytes(ARABIC_IN.encode("utf-16-be"), safe="")
    f = k.fakesmsc([f"{phone} {SHORT_CODE} ucs2 {data}"])
    try:
        [reply] = wait_reply(f, phone)[:1]
    except AssertionError as e:
        raise AssertionError(f"{e}\n{k.logs()}\n--- taawund:\n" + "\n".join(d.lines[-20:]))
    # Arabic replies must travel as UCS-2 (as GSM-7 they arrive as '?'); a
    # reply longer than one UCS-2 segment arrives concatenated, which
    # fakesmsc prints as 'udh' (UCS-2 parts with a user data header).
    assert reply["kind"] in ("ucs-2", "ucs2", "udh"), reply
    assert re.search("[\u0600-\u06FF]", reply["text"]), reply
    assert "?" * 3 not in reply["text"], reply
    rows = wait_inbound(d, phone)
    assert len(rows) == 1, rows
    assert rows[0]["body"] == ARABIC_IN, "UTF-16BE from Kannel stored as UTF-8 text"
    k.stop_proc(f)


def test_outbound_through_sendsms_with_delivery_reports(kannel_env):
    d, k = kannel_env
    f = k.fakesmsc(count=0)
    latin, arabic = new_phone(), new_phone()
    texts = {latin: "Taawun: reunion demain a 10h, salle 2.",
             arabic: "تعاونية: اجتماع غدا على الساعة العاشرة"}
    ids = dict(zip(texts, queue_messages(d.db_path, CHANNEL, list(texts.items()))))
    try:
        got = f.wait_for(lambda ls: (lambda ms: ms if {m["to"] for m in ms} >= set(texts)
                                     else None)(mt_messages(ls)),
                         REPLY_TIMEOUT_S, "both outbound messages at the SMSC")
    except AssertionError as e:
        rows = [dict(r) for r in query(d, "SELECT id, status, attempts, error FROM messages "
                                          "WHERE direction = 'out'")]
        raise AssertionError(f"{e}\nrows: {rows}\n{k.logs()}\n--- taawund:\n"
                             + "\n".join(d.lines[-20:]))
    by_to = {m["to"]: m for m in got}
    for phone, text in texts.items():
        m = by_to[phone]
        assert m["text"] == text, m
        assert m["from"] == SENDER_ID, m
    assert by_to[arabic]["kind"] in ("ucs-2", "ucs2"), by_to[arabic]
    assert by_to[latin]["kind"] == "text", by_to[latin]
    # coding=2 was asked for the Arabic text: bearerbox logs [flags:mclass:coding:...].
    # bearerbox writes that line after fakesmsc has the message: wait for it.
    sent_rx = re.compile(r"Sent SMS .*\[to:\+?" + re.escape(arabic.lstrip("+")) +
                         r"\] \[flags:-?\d+:2:")
    try:
        wait_until(lambda: sent_rx.search(k.access_log()), what="bearerbox's Sent SMS line")
    except AssertionError as e:
        raise AssertionError(f"{e}\n{k.access_log()}") from None
    # Kannel reports 8 (accepted by the SMSC) then 1 (delivered) to our dlr-url.
    for phone, mid in ids.items():
        try:
            r = wait_until(lambda: (lambda rr: rr[0] if rr and rr[0]["status"] == "delivered"
                                    else None)(query(d, "SELECT * FROM messages WHERE id = ?",
                                                     (mid,))),
                           timeout=REPLY_TIMEOUT_S, what=f"message {mid} delivered")
        except AssertionError as e:
            r = query(d, "SELECT * FROM messages WHERE id = ?", (mid,))
            raise AssertionError(f"{e}: {r}\n{k.logs()}\n--- taawund:\n"
                                 + "\n".join(d.lines[-20:]))
        assert r["attempts"] == 1, r
    k.stop_proc(f)
    d.assert_alive()
