"""test_http_reuse.py -- USSD answers sent again as they were made (issue 14:
http/reuse keeps, per request thread, the response of a screen and answers
the same screen with it): every answer, the first and every one sent again,
carries every header of every answer (type, the security headers) and its
own body, over one kept-alive connection and over many connections at
once (the request threads share nothing). A screen kept is never the
answer to a step whose screen differs."""

import http.client
import threading
import uuid

from conftest import FORM_CT, ussd_form

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"),
    "x-frame-options": "DENY",
}
PATH = "/hooks/sandbox/ussd"
STRANGERS = ["+2127%08d" % (55500000 + i) for i in range(4)]


def step(conn, session, phone, text):
    conn.request("POST", PATH, body=ussd_form(session, phone, text), headers=FORM_CT)
    r = conn.getresponse()
    body = r.read()
    headers = {k.lower(): v for k, v in r.getheaders()}
    assert r.status == 200, (r.status, body)
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name) == value, (name, headers)
    assert headers.get("content-type", "").replace(" ", "").lower() == "text/plain;charset=utf-8"
    assert int(headers["content-length"]) == len(body), headers
    return body.decode("utf-8")


def walk(conn, phone, lang):
    """A stranger's three steps: the language menu, welcome, "about"."""
    session = "ATUid_" + uuid.uuid4().hex
    return [step(conn, session, phone, text) for text in ("", lang, lang + "*3")]


def test_every_answer_has_its_headers_and_its_body(daemon):
    """The same walks again and again on one connection: the answers sent
    again are the first ones, byte for byte, headers and all; each step's
    screen is its own (the languages' screens interleaved)."""
    conn = http.client.HTTPConnection("127.0.0.1", daemon.public_port, timeout=10)
    try:
        first = {lang: walk(conn, STRANGERS[0], lang) for lang in ("1", "2", "3")}
        assert len({s for screens in first.values() for s in screens[1:]}) == 6, first
        for _ in range(20):
            for lang in ("3", "1", "2"):
                assert walk(conn, STRANGERS[0], lang) == first[lang]
    finally:
        conn.close()


def test_answers_sent_again_from_many_connections_at_once(daemon):
    conn = http.client.HTTPConnection("127.0.0.1", daemon.public_port, timeout=10)
    want = {lang: walk(conn, STRANGERS[0], lang) for lang in ("1", "2", "3")}
    conn.close()
    problems = []

    def client(i):
        c = http.client.HTTPConnection("127.0.0.1", daemon.public_port, timeout=10)
        try:
            for k in range(30):
                lang = "123"[(i + k) % 3]
                got = walk(c, STRANGERS[i % len(STRANGERS)], lang)
                if got != want[lang]:
                    problems.append((i, k, lang, got))
        except Exception as e:  # reported below, with the others
            problems.append((i, repr(e)))
        finally:
            c.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not problems, problems[:3]
    daemon.assert_alive()
