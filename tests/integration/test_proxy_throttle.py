"""test_proxy_throttle.py -- behind a reverse proxy, and throttles that never
lock staff out (issue 11, finding 4). The client address comes from
X-Forwarded-For only when the socket peer is one of http.trusted_proxies
(for throttling, allow_from and logs); failed authentications never keep a
valid token or a right password out; the console's per-account back-off is
counted atomically, short, skipped by a browser that signed in before, and
cleared by a valid sign-in; every failed sign-in leaves an audit row with a
masked address. Standard library only (plus pytest)."""

import json
import re
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

from conftest import (TAAWUND, assert_json_error, at_channel, http_request, query, run_taawund)
from outbox_helpers import write_db

API = "/api/v1"
PASSWORD = "correct horse battery staple"


def make_token(config, name="proxy-admin", role="admin"):
    r = run_taawund("token", "create", name, "--role", role, "-c", config)
    assert r.returncode == 0, r
    return r.stdout.strip()


def make_user(config, name, role="staff", password=PASSWORD):
    r = subprocess.run([str(TAAWUND), "user", "create", name, "--role", role, "-c", str(config)],
                       input=f"{password}\n{password}\n", capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 0, r.stderr


def api_get(d, token, path="/members", headers=None):
    h = {"Authorization": f"Bearer {token}"}
    h.update(headers or {})
    return http_request(d.admin_port, "GET", API + path, headers=h)


def login(d, name, password, cookie=None, headers=None):
    h = {"Content-Type": "application/json"}
    if cookie:
        h["Cookie"] = cookie
    h.update(headers or {})
    body = json.dumps({"name": name, "password": password}).encode()
    return http_request(d.admin_port, "POST", "/console/login", body=body, headers=h)


def cookie_of(r):
    m = re.match(r"(taawun_session=[0-9a-f]{64})", r.headers.get("set-cookie", ""))
    assert m, r.headers
    return m.group(1)


def user_row(d, name):
    return query(d, "SELECT failed_logins, locked_until FROM staff_users WHERE name=?", (name,))[0]


def failed_audit(d, action="session.login_failed"):
    return query(d, "SELECT * FROM audit_log WHERE action=? ORDER BY id", (action,))


# --------------------------------------------------------------------------
# Valid credentials always pass.

def test_bad_tokens_never_keep_a_valid_token_out(daemons):
    conf = daemons.config()
    token = make_token(conf)
    d = daemons.start(config=conf)
    for _ in range(10):
        assert_json_error(api_get(d, "f" * 64), 401)
    r = api_get(d, "f" * 64)
    assert_json_error(r, 429)  # the throttle answers the failures ...
    assert int(r.headers["retry-after"]) > 0
    assert api_get(d, token).status == 200  # ... never a valid token
    rows = failed_audit(d, "token.auth_failed")
    assert len(rows) == 11, rows
    assert all(r["client"] == "127.0.0.0/24" and r["who"] == "unknown" for r in rows), rows
    assert json.loads(rows[0]["summary"]) == {"reason": "invalid_token"}


def test_wrong_passwords_slow_an_account_down_but_never_lock_it(daemons):
    conf = daemons.config()
    make_user(conf, "amina")
    d = daemons.start(config=conf)
    for _ in range(5):
        r = login(d, "amina", "wrong password!")
        assert r.status in (401, 429), r
    r = login(d, "amina", PASSWORD)
    assert r.status == 429, r  # a short back-off, said in Retry-After ...
    wait = int(r.headers["retry-after"])
    assert 0 < wait <= 10, wait
    time.sleep(wait + 0.5)
    r = login(d, "amina", PASSWORD)  # ... then the right password gets in
    assert r.status == 200, r
    assert user_row(d, "amina") == {"failed_logins": 0, "locked_until": 0}  # back-off cleared
    rows = failed_audit(d)
    assert len(rows) == 6, rows  # five wrong passwords, one refused in back-off
    assert [json.loads(x["summary"])["reason"] for x in rows] == ["wrong_password"] * 5 + ["backoff"]
    assert all(x["who"] == "amina" and x["client"] == "127.0.0.0/24" for x in rows), rows


def test_a_known_browser_skips_the_back_off(daemons):
    conf = daemons.config()
    make_user(conf, "karim")
    d = daemons.start(config=conf)
    r = login(d, "karim", PASSWORD)
    assert r.status == 200, r
    cookie = cookie_of(r)
    for _ in range(12):  # someone else hammers the account: back-off at its cap soon
        login(d, "karim", "wrong password!")
    assert user_row(d, "karim")["locked_until"] > time.time()
    assert login(d, "karim", PASSWORD).status == 429  # an unknown browser waits ...
    r = login(d, "karim", PASSWORD, cookie=cookie)
    assert r.status == 200, r  # ... karim's own browser gets in at once
    assert user_row(d, "karim") == {"failed_logins": 0, "locked_until": 0}
    assert login(d, "karim", PASSWORD).status == 200  # and the back-off is gone for all


def test_parallel_wrong_passwords_are_counted_atomically(daemons):
    conf = daemons.config()
    make_user(conf, "nadia")
    d = daemons.start(config=conf)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: login(d, "nadia", "wrong password!").status, range(8)))
    assert all(s in (401, 429) for s in results), results
    assert user_row(d, "nadia")["failed_logins"] == 8
    rows = failed_audit(d)
    assert len(rows) == 8, rows
    reasons = [json.loads(x["summary"])["reason"] for x in rows]
    # At most the free failures had their password checked, never more.
    assert reasons.count("wrong_password") <= 5, reasons
    assert sorted(json.loads(x["summary"])["failures"] for x in rows) == list(range(1, 9))


def test_unknown_account_is_audited_without_the_name(daemons):
    d = daemons.start()
    assert login(d, "nobody", "hunter2hunter2").status == 401
    rows = failed_audit(d)
    assert len(rows) == 1 and rows[0]["who"] == "unknown", rows
    assert "nobody" not in rows[0]["summary"]


# --------------------------------------------------------------------------
# The client address behind a trusted proxy, and only then.

SPOOF = {"X-Forwarded-For": "203.0.113.9"}


def test_forwarded_address_used_only_from_a_trusted_proxy(daemons, tmp_path):
    secret = tmp_path / "at.secret"
    secret.write_text("s3cret-at\n")
    secret.chmod(0o600)
    channels = (at_channel("at", secret, allow_from=["203.0.113.0/24"]),)
    hook = "/hooks/at/ussd?key=s3cret-at"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    body = b"sessionId=s1&serviceCode=*555%23&phoneNumber=%2B212600000001&text="

    # Without trusted_proxies: the header is ignored, the caller is 127.0.0.1.
    conf = daemons.config({"channels": channels}, name="plain.conf")
    token = make_token(conf, "plain")
    d = daemons.start(config=conf)
    r = http_request(d.public_port, "POST", hook, body=body, headers={**form, **SPOOF})
    assert_json_error(r, 403)  # allow_from is not fooled
    for _ in range(10):
        api_get(d, "f" * 64, headers=SPOOF)
    assert_json_error(api_get(d, "f" * 64), 429)  # the failures were 127.0.0.1's
    d.wait_log(r"event=admin_auth_blocked client=127\.0\.0\.1 ", timeout=10)  # written after the answer
    assert "203.0.113.9" not in d.log()
    d.stop()
    # Where nodes share the database (PostgreSQL), the block outlives the
    # daemon in `throttles`: forget it, so the second part starts unblocked.
    write_db(d, "DELETE FROM throttles")

    # With the proxy trusted: the client is the forwarded address.
    conf = daemons.config({"channels": channels, "http.trusted_proxies": ["127.0.0.1/32"]},
                          name="proxy.conf")
    d = daemons.start(config=conf)
    r = http_request(d.public_port, "POST", hook, body=body, headers={**form, **SPOOF})
    assert r.status == 200, r  # allow_from sees 203.0.113.9
    # A client's own header is read left of the one the proxy appends.
    r = http_request(d.public_port, "POST", hook, body=body,
                     headers={**form, "X-Forwarded-For": "203.0.113.9, 198.51.100.7"})
    assert_json_error(r, 403)
    for _ in range(10):
        assert_json_error(api_get(d, "f" * 64, headers=SPOOF), 401)
    assert_json_error(api_get(d, "f" * 64, headers=SPOOF), 429)  # 203.0.113.9 throttled ...
    assert_json_error(api_get(d, "f" * 64), 401)  # ... not the proxy's other clients
    assert api_get(d, token, headers=SPOOF).status == 200
    d.wait_log(r"event=admin_auth_blocked client=203\.0\.113\.9 ", timeout=10)
    rows = failed_audit(d, "token.auth_failed")  # both daemons share the database
    assert [r["client"] for r in rows] == (["127.0.0.0/24"] * 11 + ["203.0.113.0/24"] * 11
                                        + ["127.0.0.0/24"]), rows


def test_trusted_proxies_are_parsed_strictly(daemons, tmp_path):
    for bad in (["127.0.0.1/"], ["127.0.0.1/x"], ["localhost"], ["127.0.0.1/33"], ["::1/129"],
                ["10.0.0.0/08"], ["127.0.0.1 "]):
        conf = daemons.config({"http.trusted_proxies": bad}, name="bad.conf")
        r = run_taawund("-n", "-c", conf)
        assert r.returncode != 0, (bad, r)
        assert "trusted_proxies" in r.stderr, r.stderr
    # Good entries pass, next to a real channel (a test channel is refused
    # behind a proxy: test_trust_boundary.py).
    secret = tmp_path / "at.secret"
    secret.write_text("s3cret-at\n")
    secret.chmod(0o600)
    conf = daemons.config({"channels": (at_channel("at", secret),),
                           "http.trusted_proxies": ["127.0.0.1/32", "::1", "10.0.0.0/8"]},
                          name="good.conf")
    r = run_taawund("-n", "-c", conf)
    assert r.returncode == 0, r.stderr
