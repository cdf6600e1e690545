"""test_staff_accounts.py -- staff accounts managed from the console (issue
16, "missing" 2): an admin creates an account and gets a temporary password
once (never stored or logged in clear); its holder can do nothing but choose
their own password, then works normally and their other sessions end; a
role change takes effect at the next request; a disabled account cannot
sign in and its sessions end; a reset ends sessions and gives a new
temporary password; a temporary password expires. The last active admin can
be neither demoted nor disabled. Every change is audited without a
password; viewers and staff get 403. Standard library only (plus pytest)."""

import json
import re
import time

import pytest

from conftest import assert_json_error, http_request, query
from outbox_helpers import write_db
from test_proxy_throttle import PASSWORD, cookie_of, login, make_user

API = "/api/v1"
TEMPORARY = re.compile(r"^[a-hjkmnp-z2-9]{4}-[a-hjkmnp-z2-9]{4}-[a-hjkmnp-z2-9]{4}$")


class Session:
    """A console session: the cookie and the CSRF token of a sign-in."""

    def __init__(self, d, name, password):
        r = login(d, name, password)
        assert r.status == 200, r
        self.d, self.cookie, self.info = d, cookie_of(r), r.json()

    def call(self, method, path, body=None, prefix=API):
        h = {"Cookie": self.cookie, "X-CSRF-Token": self.info["csrf"]}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        return http_request(self.d.admin_port, method, prefix + path, body=data, headers=h)


@pytest.fixture
def staff(daemons):
    conf = daemons.config()
    make_user(conf, "amina", "admin")
    make_user(conf, "karim", "staff")
    make_user(conf, "omar", "viewer")
    d = daemons.start(config=conf)
    return d, Session(d, "amina", PASSWORD)


def audit(d, action):
    return query(d, "SELECT * FROM audit_log WHERE action=? ORDER BY id", (action,))


def test_a_new_account_must_choose_its_password_first(staff):
    d, admin = staff
    r = admin.call("POST", "/staff", {"name": "salma", "role": "staff"})
    assert r.status == 201, r
    new = r.json()
    temp = new["temporary_password"]
    assert TEMPORARY.match(temp), temp
    assert new["password_temporary"] is True and new["role"] == "staff"
    assert new["created_at_local"] and new["password_temporary_until_local"]
    assert new["password_temporary_until"] - new["created_at"] == 72 * 3600
    # Shown once: neither listed, nor stored, nor logged, nor audited.
    listed = admin.call("GET", "/staff").json()["items"]
    assert [u["name"] for u in listed] == ["amina", "karim", "omar", "salma"]
    assert not [u for u in listed if "temporary_password" in u]
    assert temp not in json.dumps(query(d, "SELECT * FROM staff_users"))
    assert not [line for line in d.lines if temp in line]
    row = audit(d, "staff_user.create")[-1]
    assert temp not in row["summary"] and row["who"] == "amina"
    assert json.loads(row["summary"]) == {"name": "salma", "role": "staff",
                                          "temporary_password": True}
    # Signed in with it: the console must ask for a password, the API refuses.
    salma = Session(d, "salma", temp)
    assert salma.info["must_change_password"] is True
    err = assert_json_error(salma.call("GET", "/members"), 403)
    assert err["code"] == "password_change_required"
    assert_json_error(salma.call("POST", "/password", {"current": "wrong-wrong-1",
                                                       "new": "salma-own-pass-1"},
                                 prefix="/console"), 403)
    assert_json_error(salma.call("POST", "/password", {"current": temp, "new": "short"},
                                 prefix="/console"), 422)
    other = Session(d, "salma", temp)
    r = salma.call("POST", "/password", {"current": temp, "new": "salma-own-pass-1"},
                   prefix="/console")
    assert r.status == 200 and r.json()["must_change_password"] is False, r
    assert salma.call("GET", "/members").status == 200
    # Her other session ended; the temporary password is gone.
    assert_json_error(other.call("GET", "/members"), 401)
    assert_json_error(login(d, "salma", temp), 401)
    assert Session(d, "salma", "salma-own-pass-1").info["must_change_password"] is False
    assert audit(d, "staff_user.password_change")[-1]["who"] == "salma"
    assert_json_error(admin.call("POST", "/staff", {"name": "salma", "role": "viewer"}), 409)
    assert_json_error(admin.call("POST", "/staff", {"name": "x y", "role": "viewer"}), 422)
    assert_json_error(admin.call("POST", "/staff", {"name": "nadia", "role": "boss"}), 422)


def test_role_disable_enable_and_reset(staff):
    d, admin = staff
    karim = Session(d, "karim", PASSWORD)
    kid = query(d, "SELECT id FROM staff_users WHERE name='karim'")[0]["id"]
    # Demoted to viewer: his next write is refused, his session goes on.
    r = admin.call("PATCH", f"/staff/{kid}", {"role": "viewer"})
    assert r.status == 200 and r.json()["role"] == "viewer", r
    assert json.loads(audit(d, "staff_user.role")[-1]["summary"])["changes"] == \
        {"role": {"from": "staff", "to": "viewer"}}
    assert_json_error(karim.call("PATCH", "/members/1", {"name": "x"}), 403)
    assert karim.call("GET", "/members").status == 200
    # Disabled: the session ends and the right password is refused.
    r = admin.call("PATCH", f"/staff/{kid}", {"disabled": True})
    assert r.status == 200 and r.json()["disabled"] is True and r.json()["disabled_at_local"]
    assert_json_error(karim.call("GET", "/members"), 401)
    assert assert_json_error(login(d, "karim", PASSWORD), 403)["code"] == "account_disabled"
    assert_json_error(login(d, "karim", "not-his-password"), 401)
    assert audit(d, "staff_user.disable") and audit(d, "session.login_failed")
    # Enabled again, then a reset: sessions end, a temporary password.
    assert admin.call("PATCH", f"/staff/{kid}", {"disabled": False}).json()["disabled"] is False
    karim = Session(d, "karim", PASSWORD)
    r = admin.call("POST", f"/staff/{kid}/password")
    assert r.status == 200, r
    temp = r.json()["temporary_password"]
    assert TEMPORARY.match(temp) and r.json()["password_temporary"] is True
    assert_json_error(karim.call("GET", "/members"), 401)
    assert_json_error(login(d, "karim", PASSWORD), 401)
    assert Session(d, "karim", temp).info["must_change_password"] is True
    row = audit(d, "staff_user.password_reset")[-1]
    assert temp not in row["summary"] and json.loads(row["summary"])["temporary_until"]
    # Past its time, a temporary password is refused, and says so.
    write_db(d, "UPDATE staff_users SET password_temporary_until = ? WHERE id = ?",
             (int(time.time()) - 1, kid))
    err = assert_json_error(login(d, "karim", temp), 403)
    assert err["code"] == "temporary_password_expired"
    assert_json_error(admin.call("PATCH", "/staff/999999", {"role": "staff"}), 404)
    assert_json_error(admin.call("PATCH", f"/staff/{kid}", {"disabled": "yes"}), 400)
    assert_json_error(admin.call("PATCH", f"/staff/{kid}", {"password": "x"}), 400)


def test_the_last_admin_stays(staff):
    d, admin = staff
    aid = query(d, "SELECT id FROM staff_users WHERE name='amina'")[0]["id"]
    before = len(query(d, "SELECT id FROM audit_log"))
    for body in ({"role": "staff"}, {"disabled": True}, {"role": "viewer", "disabled": True}):
        err = assert_json_error(admin.call("PATCH", f"/staff/{aid}", body), 409)
        assert err["code"] == "last_admin", body
    assert query(d, "SELECT role, disabled_at FROM staff_users WHERE id=?", (aid,))[0] == \
        {"role": "admin", "disabled_at": None}
    assert len(query(d, "SELECT id FROM audit_log")) == before
    # With a second admin, the first may step down; then the second is last.
    kid = query(d, "SELECT id FROM staff_users WHERE name='karim'")[0]["id"]
    assert admin.call("PATCH", f"/staff/{kid}", {"role": "admin"}).status == 200
    assert admin.call("PATCH", f"/staff/{aid}", {"role": "staff"}).status == 200
    karim = Session(d, "karim", PASSWORD)
    assert_json_error(karim.call("PATCH", f"/staff/{kid}", {"disabled": True}), 409)
    # A disabled admin does not count as one.
    assert karim.call("PATCH", f"/staff/{aid}", {"role": "admin"}).status == 200
    assert karim.call("PATCH", f"/staff/{aid}", {"disabled": True}).status == 200
    assert_json_error(karim.call("PATCH", f"/staff/{kid}", {"role": "staff"}), 409)


def test_only_admins_manage_accounts(staff):
    d, _ = staff
    for name in ("karim", "omar"):
        s = Session(d, name, PASSWORD)
        assert_json_error(s.call("GET", "/staff"), 403)
        assert_json_error(s.call("POST", "/staff", {"name": "eve", "role": "admin"}), 403)
        assert_json_error(s.call("PATCH", "/staff/1", {"role": "admin"}), 403)
        assert_json_error(s.call("POST", "/staff/1/password"), 403)
    assert not query(d, "SELECT id FROM staff_users WHERE name='eve'")
    assert query(d, "SELECT role FROM staff_users WHERE id=1")[0]["role"] == "admin"
